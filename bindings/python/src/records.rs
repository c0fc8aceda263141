//! Records and flat rows as Python objects, built in Rust: a record is a `dict` in the
//! shape of the CLI's JSON (relq-rows' `to_json`): its fields under their names in the
//! plan's column order, a many-to-many child's through fields as a dict under the
//! through model's name, then each loaded relation under its name, a to-one relation a
//! dict or `None`, a to-many one a `list`. Values are Python's own (`values.rs`), never
//! JSON text.
//!
//! Invariant: every key is a `str` object made once per plan ([`Keys`]) and shared by
//! every record of its node, so a result of 100 000 records builds each field name once;
//! the walk follows the plan, whose depth relq bounds, and consumes the records, so each
//! value's text is read once.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use relq::exec::FlatRows;
use relq::rows::Related;
use relq::{ExtractionPlan, Record};

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
    /// Per child node (in plan order, as `Record::relations`): its index and the
    /// relation's name.
    children: Vec<(usize, Py<PyString>)>,
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
                children: Vec::new(),
            })
            .collect();
        // A child's relations follow its parent's in plan order (relq-rows' layout).
        for (index, node) in plan.nodes.iter().enumerate() {
            if let Some(parent) = node.parent.and_then(|p| nodes.get_mut(p)) {
                let name = node.relation.as_deref().unwrap_or_default();
                parent.children.push((index, key(name)));
            }
        }
        Self { nodes }
    }

    /// `records`, roots of the plan, as a list of dicts.
    pub(crate) fn list<'py>(
        &self,
        py: Python<'py>,
        records: Vec<Record>,
    ) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for record in records {
            list.append(self.dict(py, 0, record)?)?;
        }
        Ok(list)
    }

    /// One record of node `node` as a dict.
    pub(crate) fn dict<'py>(
        &self,
        py: Python<'py>,
        node: usize,
        record: Record,
    ) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let Some(keys) = self.nodes.get(node) else {
            return Ok(dict);
        };
        for (key, value) in keys.fields.iter().zip(record.fields) {
            dict.set_item(key.bind(py), to_py(py, value)?)?;
        }
        if let Some((model, fields)) = &keys.through {
            let through = PyDict::new(py);
            for (key, value) in fields.iter().zip(record.through) {
                through.set_item(key.bind(py), to_py(py, value)?)?;
            }
            dict.set_item(model.bind(py), through)?;
        }
        for ((child, key), related) in keys.children.iter().zip(record.relations) {
            match related {
                Related::One(None) => dict.set_item(key.bind(py), py.None())?,
                Related::One(Some(one)) => {
                    dict.set_item(key.bind(py), self.dict(py, *child, one)?)?
                }
                Related::Many(many) => {
                    let list = PyList::empty(py);
                    for record in many {
                        list.append(self.dict(py, *child, record)?)?;
                    }
                    dict.set_item(key.bind(py), list)?;
                }
            }
        }
        Ok(dict)
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
