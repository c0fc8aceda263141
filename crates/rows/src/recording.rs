//! [`Recording`]: a [`Visitor`] that writes the rebuild's calls down, to be played into
//! another visitor later ([`Recording::replay`]). A caller whose visitor needs something
//! it must not hold while the database works (Python's GIL: relq's Python package) runs
//! the fetch into a recording, then replays it into its own visitor holding that.
//!
//! The calls are kept flat: one event per call and every value in one list, moved in from
//! the rows and moved out again on replay, so a recording allocates nothing per record
//! (its two buffers grow amortised, and keep their room across [`Recording::clear`]) and
//! copies no text.
//!
//! Invariant: a replay makes the same calls, in the same order, with the same values, as
//! the rebuild made to the recording (a `Break` from `roots_complete` ends it there, as
//! it ends a stream's reading), so its output is the one a direct rebuild into that
//! visitor gives.

use std::ops::ControlFlow;

use relq_plan::{Cardinality, Value};

use crate::rebuild::{Link, Visitor};

/// The rebuild's calls, recorded: a [`Visitor`] whose output is itself.
///
/// ```
/// use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, Value, ValueKind};
/// use relq_rows::{Rebuilder, Recording, Records, rebuild};
///
/// let column = |field: &str, position| ExtractionColumn { field: field.into(), position, kind: ValueKind::Int };
/// let plan = ExtractionPlan {
///     width: 2,
///     statements: vec![],
///     nodes: vec![
///         ExtractionNode { path: "".into(), model: "Author".into(), relation: None, parent: None,
///             cardinality: Cardinality::Root, pk: 0, columns: vec![column("id", 0)], through: None },
///         ExtractionNode { path: "posts".into(), model: "Post".into(), relation: Some("posts".into()),
///             parent: Some(0), cardinality: Cardinality::Many, pk: 1,
///             columns: vec![column("id", 1)], through: None },
///     ],
/// };
/// let rows = [[Value::Int(1), Value::Int(10)], [Value::Int(1), Value::Int(11)], [Value::Int(2), Value::Null]];
/// // Recorded first (where the caller may not build its own types)...
/// let mut rebuilder = Rebuilder::with_visitor(&plan, Recording::new())?;
/// for mut row in rows.clone() {
///     rebuilder.push(&mut row)?;
/// }
/// let mut recording = rebuilder.finish()?;
/// assert_eq!(recording.records(), 4);
/// // ...then played into the visitor that builds them: the records of a direct rebuild.
/// let records = recording.replay(Records::new(&plan)?);
/// assert_eq!(records, rebuild(&plan, rows)?);
/// assert_eq!(recording.records(), 0, "a replay empties the recording");
/// # Ok::<(), relq_rows::RowError>(())
/// ```
#[derive(Debug, Default)]
pub struct Recording {
    /// The calls, in order.
    events: Vec<Event>,
    /// Their values, in order: each record's fields, each through row.
    values: Vec<Value>,
    /// How many records were announced.
    records: usize,
}

/// One call; its values are the next `fields` / `through` of [`Recording::values`]. Ids
/// are record numbers (0-based, in announcement order).
#[derive(Clone, Copy, Debug)]
enum Event {
    Record {
        node: usize,
        fields: usize,
    },
    Attach {
        parent: usize,
        child: usize,
        node: usize,
        relation: usize,
        cardinality: Cardinality,
        through: usize,
    },
    RootThrough {
        root: usize,
        through: usize,
    },
    RootsComplete,
}

impl Recording {
    /// An empty recording.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records it holds.
    pub fn records(&self) -> usize {
        self.records
    }

    /// Forgets every call, keeping the buffers' room for the next recording.
    pub fn clear(&mut self) {
        self.events.clear();
        self.values.clear();
        self.records = 0;
    }

    /// Makes the calls recorded on `visitor`, in order, and returns its
    /// [`finish`](Visitor::finish); the recording is then empty ([`clear`](Self::clear)),
    /// ready to record again. A `Break` from [`Visitor::roots_complete`] ends the replay
    /// there, as it ends a stream's reading.
    pub fn replay<V: Visitor>(&mut self, mut visitor: V) -> V::Output {
        // Per record number, the visitor's id (a number past its end: not announced).
        let mut ids: Vec<V::Id> = Vec::with_capacity(self.records);
        let mut values = self.values.as_mut_slice();
        for &event in &self.events {
            match event {
                Event::Record { node, fields } => {
                    let (fields, rest) = split(values, fields);
                    values = rest;
                    ids.push(visitor.record(node, fields));
                }
                Event::Attach {
                    parent,
                    child,
                    node,
                    relation,
                    cardinality,
                    through,
                } => {
                    let (through, rest) = split(values, through);
                    values = rest;
                    if let (Some(&parent), Some(&child)) = (ids.get(parent), ids.get(child)) {
                        let link = Link {
                            node,
                            relation,
                            cardinality,
                            through,
                        };
                        visitor.attach(parent, child, link);
                    }
                }
                Event::RootThrough { root, through } => {
                    let (through, rest) = split(values, through);
                    values = rest;
                    if let Some(&root) = ids.get(root) {
                        visitor.root_through(root, through);
                    }
                }
                Event::RootsComplete => {
                    if visitor.roots_complete().is_break() {
                        break;
                    }
                }
            }
        }
        self.clear();
        visitor.finish()
    }

    /// Moves `values` to the end of the recorded values; how many.
    fn keep(&mut self, values: &mut [Value]) -> usize {
        self.values.extend(values.iter_mut().map(std::mem::take));
        values.len()
    }
}

/// The first `n` values (fewer if there are not as many) and the rest.
fn split(values: &mut [Value], n: usize) -> (&mut [Value], &mut [Value]) {
    values.split_at_mut(n.min(values.len()))
}

impl Visitor for Recording {
    type Id = usize;
    type Output = Recording;

    fn record(&mut self, node: usize, fields: &mut [Value]) -> usize {
        let fields = self.keep(fields);
        self.events.push(Event::Record { node, fields });
        self.records += 1;
        self.records - 1
    }

    fn attach(&mut self, parent: usize, child: usize, link: Link<'_>) {
        let through = self.keep(link.through);
        self.events.push(Event::Attach {
            parent,
            child,
            node: link.node,
            relation: link.relation,
            cardinality: link.cardinality,
            through,
        });
    }

    fn root_through(&mut self, root: usize, through: &mut [Value]) {
        let through = self.keep(through);
        self.events.push(Event::RootThrough { root, through });
    }

    fn roots_complete(&mut self) -> ControlFlow<()> {
        self.events.push(Event::RootsComplete);
        ControlFlow::Continue(())
    }

    fn finish(self) -> Recording {
        self
    }
}
