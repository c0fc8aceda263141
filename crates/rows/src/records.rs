//! [`Record`]: relq's own nested record type, built by the [`Records`] visitor, and
//! [`rebuild`], rows to records in one call.
//!
//! Invariant: a record built by [`rebuild`] has the shape of its plan node (as many
//! `fields` as the node's columns, as many `through` values as its through columns, one
//! [`Related`] per child node, `One` or `Many` as the plan says); [`check_shape`] holds
//! hand-made records to the same shape before they are read as the plan says.

use std::ops::ControlFlow;

use relq_plan::{ExtractionPlan, Value};
use smallvec::SmallVec;

use crate::error::{RowError, RowErrorKind, ShapeMismatch};
use crate::layout::{Layout, node_name};
use crate::rebuild::{Link, Rebuilder, Visitor};
use crate::row::Row;

/// A rebuilt model instance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// The selected fields, in the plan node's `columns` order.
    pub fields: Vec<Value>,
    /// A many-to-many child's (or a many-to-many related set's root's) through row, in
    /// the node's `through.columns` order; empty
    /// for every other record.
    pub through: Vec<Value>,
    /// The loaded relations, one per child node of the plan node, in plan order.
    pub relations: Vec<Related>,
}

/// One loaded relation of a [`Record`].
#[derive(Clone, Debug, PartialEq)]
pub enum Related {
    /// A to-one relation (forward foreign key): the record, or `None` (a NULL key).
    /// Held inline, not boxed: `Record` already reaches its relations through a `Vec`,
    /// so the type is finite, and a rebuild saves an allocation per to-one record.
    One(Option<Record>),
    /// A to-many relation (reverse foreign key, many-to-many), in first-appearance order;
    /// empty when there are none.
    Many(Vec<Record>),
}

impl Record {
    /// How many records `records` hold, each record and every record loaded under it
    /// counted once: the number of records a rebuild made ([`Rebuilder::records`]).
    pub fn count(records: &[Record]) -> usize {
        records
            .iter()
            .map(|r| {
                1 + r
                    .relations
                    .iter()
                    .map(|related| match related {
                        Related::One(one) => Record::count(one.as_slice()),
                        Related::Many(many) => Record::count(many),
                    })
                    .sum::<usize>()
            })
            .sum()
    }
}

/// The [`Visitor`] that builds [`Record`]s; made by [`Rebuilder::new`], or by
/// [`Records::new`] for a rebuild driven another way (a [`Recording`](crate::Recording)
/// replayed).
///
/// Each record goes straight to its place in the tree: a root to the root list, a child
/// into its parent's relation. An id is the record's place (its parent's id, the
/// relation, the index in it), so reaching a parent walks down from its root, at most
/// `MAX_SEGMENTS` steps; nothing is moved afterwards and nothing recurses.
#[derive(Debug)]
pub struct Records {
    roots: Vec<Record>,
    /// Per id, where the record is.
    places: Vec<Place>,
    /// A child announced by `record`, until `attach` places it.
    pending: Option<Record>,
    /// Per plan node, the empty relations a new record starts with.
    empty: Vec<Vec<Related>>,
}

/// Where a record is: `index` in the roots, or in relation `relation` of `parent`.
#[derive(Clone, Copy, Debug)]
struct Place {
    parent: Option<usize>,
    relation: usize,
    index: usize,
}

impl Records {
    /// The visitor that builds `plan`'s records.
    ///
    /// # Errors
    /// [`RowErrorKind::InvalidPlan`] for a plan that breaks a rule.
    pub fn new(plan: &ExtractionPlan) -> Result<Self, RowError> {
        Ok(Self::from_layout(&Layout::new(plan)?))
    }

    pub(crate) fn from_layout(layout: &Layout<'_>) -> Self {
        let empty = layout
            .nodes
            .iter()
            .map(|n| {
                n.children
                    .iter()
                    .map(|&c| match layout.nodes.get(c) {
                        Some(child) if child.many => Related::Many(Vec::new()),
                        _ => Related::One(None),
                    })
                    .collect()
            })
            .collect();
        Self {
            roots: Vec::new(),
            places: Vec::new(),
            pending: None,
            empty,
        }
    }

    /// The record with id `id`.
    fn get_mut(&mut self, id: usize) -> Option<&mut Record> {
        // The ids from `id` up to its root; a place's parent is always an earlier id, so
        // the walk ends (and the plan's depth bounds it).
        let mut path: SmallVec<[usize; 8]> = SmallVec::new();
        let mut at = id;
        loop {
            let place = *self.places.get(at)?;
            path.push(at);
            match place.parent {
                Some(parent) if parent < at => at = parent,
                Some(_) => return None,
                None => break,
            }
        }
        let mut ids = path.iter().rev();
        let root = self.places.get(*ids.next()?)?;
        let mut record = self.roots.get_mut(root.index)?;
        for &id in ids {
            let place = self.places.get(id)?;
            record = match record.relations.get_mut(place.relation)? {
                Related::Many(list) => list.get_mut(place.index)?,
                Related::One(one) => one.as_mut()?,
            };
        }
        Some(record)
    }
}

impl Visitor for Records {
    type Id = usize;
    type Output = Vec<Record>;

    fn record(&mut self, node: usize, fields: &mut [Value]) -> usize {
        let record = Record {
            fields: fields.iter_mut().map(std::mem::take).collect(),
            through: Vec::new(),
            relations: self.empty.get(node).cloned().unwrap_or_default(),
        };
        let id = self.places.len();
        if node == 0 {
            self.places.push(Place {
                parent: None,
                relation: 0,
                index: self.roots.len(),
            });
            self.roots.push(record);
        } else {
            // Placed by `attach`, which comes next.
            self.places.push(Place {
                parent: Some(id),
                relation: 0,
                index: 0,
            });
            self.pending = Some(record);
        }
        id
    }

    fn root_through(&mut self, root: usize, through: &mut [Value]) {
        let index = self.places.get(root).map(|p| p.index);
        if let Some(record) = index.and_then(|i| self.roots.get_mut(i)) {
            record.through = through.iter_mut().map(std::mem::take).collect();
        }
    }

    fn attach(&mut self, parent: usize, child: usize, link: Link<'_>) {
        let Some(mut record) = self.pending.take() else {
            return;
        };
        record.through = link.through.iter_mut().map(std::mem::take).collect();
        let index = match self
            .get_mut(parent)
            .and_then(|p| p.relations.get_mut(link.relation))
        {
            Some(Related::Many(list)) => {
                list.push(record);
                list.len() - 1
            }
            Some(Related::One(one)) => {
                *one = Some(record);
                0
            }
            None => {
                debug_assert!(false, "a child names a parent relation that is missing");
                return;
            }
        };
        if let Some(place) = self.places.get_mut(child) {
            *place = Place {
                parent: Some(parent),
                relation: link.relation,
                index,
            };
        }
    }

    fn finish(self) -> Vec<Record> {
        self.roots
    }
}

/// The [`Visitor`] that hands each root [`Record`], whole, to a callback as soon as its
/// rows end ([`Rebuilder::complete_roots`]), in the rows' order, so it holds one root's
/// subtree at a time (relq-exec's `stream`). The callback's `Break` asks the reader to
/// stop.
///
/// ```
/// # use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, Value, ValueKind};
/// # let plan = ExtractionPlan { width: 1, statements: vec![], nodes: vec![ExtractionNode { path: "".into(),
/// #     model: "Tag".into(), relation: None, parent: None, cardinality: Cardinality::Root,
/// #     pk: 0, through: None,
/// #     columns: vec![ExtractionColumn { field: "id".into(), position: 0, kind: ValueKind::Int }] }] };
/// use std::ops::ControlFlow;
/// use relq_rows::{RecordStream, Rebuilder};
/// let mut seen = Vec::new();
/// let stream = RecordStream::new(&plan, |r| { seen.push(r.fields); ControlFlow::Continue(()) })?;
/// let mut rebuilder = Rebuilder::with_visitor(&plan, stream)?;
/// rebuilder.push(&mut vec![Value::Int(7)])?;
/// rebuilder.complete_roots()?; // root 7 is whole: handed over now
/// rebuilder.push(&mut vec![Value::Int(8)])?;
/// rebuilder.complete_roots()?;
/// rebuilder.finish()?;
/// assert_eq!(seen, [[Value::Int(7)], [Value::Int(8)]]);
/// # Ok::<(), relq_rows::RowError>(())
/// ```
pub struct RecordStream<F> {
    records: Records,
    on_record: F,
}

impl<F: FnMut(Record) -> ControlFlow<()>> RecordStream<F> {
    /// A stream of `plan`'s root records into `on_record`.
    ///
    /// # Errors
    /// [`RowErrorKind::InvalidPlan`] for a plan that breaks a rule.
    pub fn new(plan: &ExtractionPlan, on_record: F) -> Result<Self, RowError> {
        Ok(Self {
            records: Records::new(plan)?,
            on_record,
        })
    }
}

impl<F: FnMut(Record) -> ControlFlow<()>> Visitor for RecordStream<F> {
    type Id = usize;
    type Output = ();

    fn record(&mut self, node: usize, fields: &mut [Value]) -> usize {
        self.records.record(node, fields)
    }

    fn attach(&mut self, parent: usize, child: usize, link: Link<'_>) {
        self.records.attach(parent, child, link);
    }

    fn root_through(&mut self, root: usize, through: &mut [Value]) {
        self.records.root_through(root, through);
    }

    fn roots_complete(&mut self) -> ControlFlow<()> {
        self.records.places.clear();
        for root in self.records.roots.drain(..) {
            (self.on_record)(root)?;
        }
        ControlFlow::Continue(())
    }

    fn finish(self) {}
}

/// Rebuilds the nested records held by `rows` (joined-strategy result rows of `plan`):
/// the roots in first-appearance order, each with its relations.
///
/// ```
/// # use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, Value, ValueKind};
/// # let column = |field: &str, position| ExtractionColumn { field: field.into(), position, kind: ValueKind::Int };
/// # let plan = ExtractionPlan { width: 2, statements: vec![], nodes: vec![
/// #     ExtractionNode { path: "".into(), model: "Post".into(), relation: None, parent: None,
/// #         cardinality: Cardinality::Root, pk: 0, columns: vec![column("id", 0)], through: None },
/// #     ExtractionNode { path: "author".into(), model: "Author".into(), relation: Some("author".into()),
/// #         parent: Some(0), cardinality: Cardinality::One, pk: 1,
/// #         columns: vec![column("id", 1)], through: None }] };
/// use relq_rows::{Record, Related, rebuild};
/// // Post 1 by author 9; post 2 without an author.
/// let rows = [vec![Value::Int(1), Value::Int(9)], vec![Value::Int(2), Value::Null]];
/// let posts = rebuild(&plan, &rows)?;
/// let author = Record { fields: vec![Value::Int(9)], ..Record::default() };
/// assert_eq!(posts[0].relations, [Related::One(Some(author))]);
/// assert_eq!(posts[1].relations, [Related::One(None)]);
/// # Ok::<(), relq_rows::RowError>(())
/// ```
///
/// # Errors
/// The first [`RowError`]: an invalid plan, or the first malformed row (see
/// [`Rebuilder::push`]).
pub fn rebuild<I>(plan: &ExtractionPlan, rows: I) -> Result<Vec<Record>, RowError>
where
    I: IntoIterator,
    I::Item: Row,
{
    let rows = rows.into_iter();
    let mut rebuilder = Rebuilder::new(plan)?;
    rebuilder.reserve(rows.size_hint().0);
    for mut row in rows {
        rebuilder.push(&mut row)?;
    }
    rebuilder.finish()
}

/// Rebuilds `rows` through `visitor`; [`rebuild`] for any [`Visitor`].
///
/// # Errors
/// As [`rebuild`].
pub fn rebuild_with<V, I>(plan: &ExtractionPlan, rows: I, visitor: V) -> Result<V::Output, RowError>
where
    V: Visitor,
    I: IntoIterator,
    I::Item: Row,
{
    let rows = rows.into_iter();
    let mut rebuilder = Rebuilder::with_visitor(plan, visitor)?;
    rebuilder.reserve(rows.size_hint().0);
    for mut row in rows {
        rebuilder.push(&mut row)?;
    }
    rebuilder.finish()
}

/// Checks that `record`, read as a record of node `node`, has that node's shape.
///
/// # Errors
/// [`RowErrorKind::RecordShape`] naming `root` (the index of the root record it is
/// under) and the node.
pub(crate) fn check_shape(
    layout: &Layout<'_>,
    node: usize,
    record: &Record,
    root: usize,
) -> Result<(), RowError> {
    let Some(n) = layout.nodes.get(node) else {
        return Ok(());
    };
    let fail = |mismatch| {
        RowError::new(RowErrorKind::RecordShape {
            root,
            node: node_name(layout.plan, node),
            mismatch,
        })
    };
    let through = n.columns.len() - n.fields;
    if record.fields.len() != n.fields {
        return Err(fail(ShapeMismatch::Fields {
            found: record.fields.len(),
            expected: n.fields,
        }));
    }
    if record.through.len() != through {
        return Err(fail(ShapeMismatch::Through {
            found: record.through.len(),
            expected: through,
        }));
    }
    if record.relations.len() != n.children.len() {
        return Err(fail(ShapeMismatch::Relations {
            found: record.relations.len(),
            expected: n.children.len(),
        }));
    }
    for (related, &child) in record.relations.iter().zip(&n.children) {
        let many = layout.nodes.get(child).is_some_and(|c| c.many);
        if matches!(related, Related::Many(_)) != many {
            let relation = layout
                .plan
                .nodes
                .get(child)
                .and_then(|c| c.relation.as_deref());
            return Err(fail(ShapeMismatch::Cardinality {
                relation: relation.unwrap_or_default().to_owned(),
                many,
            }));
        }
    }
    Ok(())
}
