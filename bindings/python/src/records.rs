//! Records and flat rows as Python objects, built in Rust: a record is a `dict` in the
//! shape of the CLI's JSON (relq-rows' `to_json`): its fields under their names in the
//! plan's column order, a many-to-many child's through fields as a dict under the
//! through model's name, then each loaded relation under its name, a to-one relation a
//! dict or `None`, a to-many one a `list`. Values are Python's own (`values.rs`), never
//! JSON text.
//!
//! The dicts are built straight from the rebuild by a visitor ([`Dicts`]), with no
//! `Record` tree in between: the fetch records the rebuild's calls with the GIL released
//! (relq-rows' `Recording`), then they are replayed here into the dicts with the GIL held.
//!
//! Invariant: every key is a `str` object made once per plan ([`Keys`]) and shared by
//! every record of its node, so a result of 100 000 records builds each field name once;
//! each value is taken out of the recording and converted once, so its text is read
//! once; a record is built whole (fields, through dict, its relations' `None` and empty
//! lists) when it is announced, and filled in place as its children are attached.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use relq::exec::FlatRows;
use relq::plan::Cardinality;
use relq::rows::{Link, Recording, Visitor};
use relq::{ExtractionPlan, Value};

use crate::values::to_py;

/// The keys of a plan's records, one `str` per name, made once.
pub(crate) struct Keys {
    nodes: Vec<NodeKeys>,
}

/// One plan node's keys.
struct NodeKeys {
    /// Its fields', in column order.
    fields: Vec<Py<PyString>>,
    /// The through model's name and its fields', for a many-to-many node that has them.
    through: Option<(Py<PyString>, Vec<Py<PyString>>)>,
    /// Its relations (its child nodes, in plan order), each `None` or an empty list in
    /// a new record.
    relations: Vec<Relation>,
    /// The relation that reaches it from its parent node; `None` for the root.
    up: Option<Relation>,
}

/// A relation of a node: its name, and for a to-many one the index of its list among
/// the node's to-many relations.
struct Relation {
    key: Py<PyString>,
    list: Option<usize>,
}

impl Keys {
    /// The keys of `plan`'s nodes.
    pub(crate) fn new(py: Python<'_>, plan: &ExtractionPlan) -> Self {
        let key = |name: &str| PyString::intern(py, name).unbind();
        let mut nodes: Vec<NodeKeys> = plan
            .nodes
            .iter()
            .map(|node| NodeKeys {
                fields: node.columns.iter().map(|c| key(&c.field)).collect(),
                through: node.through.as_ref().map(|t| {
                    (
                        key(&t.model),
                        t.columns.iter().map(|c| key(&c.field)).collect(),
                    )
                }),
                relations: Vec::new(),
                up: None,
            })
            .collect();
        // A node's relations are its child nodes in plan order (relq-rows' layout).
        for (index, node) in plan.nodes.iter().enumerate() {
            let Some(parent) = node.parent.and_then(|p| nodes.get_mut(p)) else {
                continue;
            };
            let lists = parent.relations.iter().filter(|r| r.list.is_some()).count();
            let relation = || Relation {
                key: key(node.relation.as_deref().unwrap_or_default()),
                list: (node.cardinality == Cardinality::Many).then_some(lists),
            };
            parent.relations.push(relation());
            if let Some(child) = nodes.get_mut(index) {
                child.up = Some(relation());
            }
        }
        Self { nodes }
    }

    /// The records of `recording` (the rebuild of a fetch of this plan) as a list of
    /// root dicts; the recording is left empty.
    ///
    /// # Errors
    /// A value Python does not read (`values.rs`), or Python's error building them.
    pub(crate) fn list<'py>(
        &self,
        py: Python<'py>,
        recording: &mut Recording,
    ) -> PyResult<Bound<'py, PyList>> {
        recording.replay(Dicts {
            py,
            keys: self,
            roots: Vec::new(),
            parents: Vec::new(),
            lists: Vec::new(),
            pending: None,
            failed: None,
        })
    }
}

/// The id of a record without relations, which is never a parent.
const LEAF: usize = usize::MAX;

/// The visitor that builds the dicts, the GIL held. Its id for a record whose node has
/// relations is its index in `parents`; every other record's is [`LEAF`].
struct Dicts<'py, 'k> {
    py: Python<'py>,
    keys: &'k Keys,
    roots: Vec<Bound<'py, PyDict>>,
    /// Per record with relations: its dict, and where its to-many relations' lists
    /// start in `lists`.
    parents: Vec<(Bound<'py, PyDict>, usize)>,
    lists: Vec<Bound<'py, PyList>>,
    /// The child `record` announced, until `attach` puts it under its parent.
    pending: Option<Bound<'py, PyDict>>,
    /// The first error; nothing is built after it.
    failed: Option<PyErr>,
}

impl<'py> Dicts<'py, '_> {
    /// Keeps the first error of `result`.
    fn check(&mut self, result: PyResult<()>) {
        if let Err(e) = result
            && self.failed.is_none()
        {
            self.failed = Some(e);
        }
    }

    /// Ends record `id` (of a node with these `keys`) after its fields: its through
    /// dict, made of `through`, if the node has one, then its relations, `None` or an
    /// empty list each.
    fn close(
        &mut self,
        keys: &NodeKeys,
        id: usize,
        dict: &Bound<'py, PyDict>,
        through: &mut [Value],
    ) {
        let py = self.py;
        let lists = &mut self.lists;
        if let Some(parent) = self.parents.get_mut(id) {
            parent.1 = lists.len();
        }
        let result = (|| {
            if let Some((model, fields)) = &keys.through {
                let row = PyDict::new(py);
                fill(py, &row, fields, through)?;
                dict.set_item(model.bind(py), row)?;
            }
            for relation in &keys.relations {
                let key = relation.key.bind(py);
                if relation.list.is_some() {
                    let list = PyList::empty(py);
                    dict.set_item(key, &list)?;
                    lists.push(list);
                } else {
                    dict.set_item(key, py.None())?;
                }
            }
            Ok(())
        })();
        self.check(result);
    }
}

/// `values` under `keys` in `dict`, each taken and converted.
fn fill<'py>(
    py: Python<'py>,
    dict: &Bound<'py, PyDict>,
    keys: &[Py<PyString>],
    values: &mut [Value],
) -> PyResult<()> {
    for (key, value) in keys.iter().zip(values) {
        dict.set_item(key.bind(py), to_py(py, std::mem::take(value))?)?;
    }
    Ok(())
}

impl<'py> Visitor for Dicts<'py, '_> {
    type Id = usize;
    type Output = PyResult<Bound<'py, PyList>>;

    fn record(&mut self, node: usize, fields: &mut [Value]) -> usize {
        let all: &Keys = self.keys;
        let Some(keys) = all.nodes.get(node).filter(|_| self.failed.is_none()) else {
            return LEAF;
        };
        let dict = PyDict::new(self.py);
        let result = fill(self.py, &dict, &keys.fields, fields);
        self.check(result);
        let id = if keys.relations.is_empty() {
            LEAF
        } else {
            self.parents.push((dict.clone(), self.lists.len()));
            self.parents.len() - 1
        };
        // A node with through fields is closed when they come (`attach`,
        // `root_through`), so that they precede its relations.
        if keys.through.is_none() {
            self.close(keys, id, &dict, &mut []);
        }
        if node == 0 {
            self.roots.push(dict);
        } else {
            self.pending = Some(dict);
        }
        id
    }

    fn attach(&mut self, parent: usize, child: usize, link: Link<'_>) {
        let all: &Keys = self.keys;
        let (Some(dict), Some(keys)) = (self.pending.take(), all.nodes.get(link.node)) else {
            return;
        };
        if self.failed.is_some() {
            return;
        }
        if keys.through.is_some() {
            self.close(keys, child, &dict, link.through);
        }
        let result = match (&keys.up, self.parents.get(parent)) {
            (Some(Relation { list: Some(k), .. }), Some((_, lists))) => {
                match self.lists.get(lists + k) {
                    Some(list) => list.append(dict),
                    None => Ok(()),
                }
            }
            (Some(Relation { key, list: None }), Some((parent, _))) => {
                parent.set_item(key.bind(self.py), dict)
            }
            _ => Ok(()),
        };
        self.check(result);
    }

    fn root_through(&mut self, root: usize, through: &mut [Value]) {
        let all: &Keys = self.keys;
        let (Some(dict), Some(keys)) = (self.roots.last().cloned(), all.nodes.first()) else {
            return;
        };
        if self.failed.is_none() {
            self.close(keys, root, &dict, through);
        }
    }

    fn finish(self) -> PyResult<Bound<'py, PyList>> {
        match self.failed {
            Some(e) => Err(e),
            None => PyList::new(self.py, self.roots),
        }
    }
}

/// Flat rows (`values`, `aggregate`) as dicts keyed by column name (Django's
/// `values()`); a name given twice keeps its last value, as relq's `to_objects` does.
pub(crate) fn row_dicts(py: Python<'_>, rows: FlatRows) -> PyResult<Bound<'_, PyList>> {
    let keys: Vec<Bound<'_, PyString>> = rows
        .columns
        .iter()
        .map(|c| PyString::intern(py, c))
        .collect();
    let list = PyList::empty(py);
    for row in rows.rows {
        let dict = PyDict::new(py);
        for (key, value) in keys.iter().zip(row) {
            dict.set_item(key, to_py(py, value)?)?;
        }
        list.append(dict)?;
    }
    Ok(list)
}

/// Flat rows as tuples (Django's `values_list()`), or, with `flat`, the one column's
/// values.
pub(crate) fn row_tuples(
    py: Python<'_>,
    rows: FlatRows,
    flat: bool,
) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for row in rows.rows {
        if flat {
            for value in row {
                list.append(to_py(py, value)?)?;
            }
            continue;
        }
        let values = row
            .into_iter()
            .map(|v| to_py(py, v))
            .collect::<PyResult<Vec<_>>>()?;
        list.append(PyTuple::new(py, values)?)?;
    }
    Ok(list)
}
