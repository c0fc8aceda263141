//! The single pass: joined-strategy rows in, records out through a [`Visitor`].
//!
//! A row is one combination of a left-join product: per plan node, one record or none
//! (its primary key NULL). A record is identified by (node, parent record, primary key):
//! the same category under two students is two records. Each distinct record reaches the
//! visitor once, when it first appears ([`Visitor::record`], then [`Visitor::attach`] to
//! its parent), so roots and children arrive in first-appearance order, which is the
//! order the SQL sorted them in.
//!
//! The records seen so far live in the store (`store.rs`): a slot per record and a
//! compact copy of its values, to recognise it and check it when it comes again. A
//! to-one child needs no lookup: its parent's relation names it. Root and to-many
//! records are looked for first where sorted rows put them (the node's record in the
//! previous row, the one after it, the parent's first), then in a hash table over
//! (node, parent slot, primary key).
//!
//! A query of several statements (the split strategy) announces each one with
//! [`Rebuilder::begin_statement`]; its rows are still as wide as the plan, NULL where the
//! statement has no column. Per its [`StatementRows`](relq_plan::StatementRows) a node is
//! read (as above), keyed (only its primary key: the record an earlier statement read, by
//! node, parent and key; none is [`RowErrorKind::UnknownKey`]) or absent (skipped). A
//! read node under a keyed one starts or continues that record's list, in row order.
//!
//! Invariants: a row is checked against everything already seen, so a malformed row is a
//! [`RowError`] and never a silently different tree: wrong width, NULL root key, a value
//! of the wrong kind, a value under a node without a record, a record seen again with a
//! different value, a relation whose record changes between rows of one parent. Nothing
//! here panics on any plan or row. After a failed `push` the rebuilder repeats that error
//! and never yields a partial result.

use std::ops::ControlFlow;

use relq_plan::{Cardinality, ExtractionPlan, Value};

use crate::error::{RowError, RowErrorKind, short};
use crate::layout::{ExpectedColumn, Layout, Role, column_name, node_name};
use crate::records::Records;
use crate::row::Row;
use crate::store::{Probe, Store};

/// Receives the rebuilt records in one pass, so a caller (an ORM) builds its own types
/// without an intermediate tree. [`Records`] is the visitor behind [`rebuild`](crate::rebuild).
///
/// Calls, per distinct record, in first-appearance order: `record` (a `node` of 0 is a
/// root, so roots arrive in order), then for a non-root `attach` to its parent, which was
/// announced earlier. A relation that is never attached to is empty: `None` for a to-one
/// relation, an empty list for a to-many one. Children of one parent and relation arrive
/// in their order. `finish` is called once, after the last row, only if every row was
/// well-formed.
///
/// ```
/// use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, Value, ValueKind};
/// use relq_rows::{Link, Rebuilder, Visitor};
///
/// /// Counts each root's children.
/// struct Count(Vec<usize>);
/// impl Visitor for Count {
///     type Id = Option<usize>; // the root's index; children need no id
///     type Output = Vec<usize>;
///     fn record(&mut self, node: usize, _fields: &mut [Value]) -> Option<usize> {
///         (node == 0).then(|| { self.0.push(0); self.0.len() - 1 })
///     }
///     fn attach(&mut self, parent: Option<usize>, _child: Option<usize>, _link: Link<'_>) {
///         if let Some(n) = parent.and_then(|p| self.0.get_mut(p)) { *n += 1 }
///     }
///     fn finish(self) -> Vec<usize> { self.0 }
/// }
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
/// let mut rebuilder = Rebuilder::with_visitor(&plan, Count(Vec::new()))?;
/// for mut row in [[Value::Int(1), Value::Int(10)], [Value::Int(1), Value::Int(11)], [Value::Int(2), Value::Null]] {
///     rebuilder.push(&mut row)?;
/// }
/// assert_eq!(rebuilder.finish()?, [2, 0]);
/// # Ok::<(), relq_rows::RowError>(())
/// ```
pub trait Visitor {
    /// The caller's handle to a record it built (an index, a pointer-like key).
    type Id: Copy;
    /// What [`Visitor::finish`] returns.
    type Output;

    /// A new record of plan node `node` (an index into the plan's `nodes`; 0: a root).
    /// `fields` are its values in the node's `columns` order, each NULL or of the
    /// column's kind, given to the visitor: take what you keep (`std::mem::take`, which
    /// leaves NULL), nothing reads them afterwards. Taking them moves them out of the
    /// row ([`Row::take`]), so a rebuild copies no text.
    fn record(&mut self, node: usize, fields: &mut [Value]) -> Self::Id;

    /// `child`, just announced by `record`, belongs to `parent` through `link`.
    fn attach(&mut self, parent: Self::Id, child: Self::Id, link: Link<'_>);

    /// The through row of `root`, just announced by `record`: the roots of a
    /// many-to-many related set carry their owner's through row
    /// ([`Plan::owner`](relq_plan::Plan::owner)), in the root node's `through.columns`
    /// order, given as [`Visitor::record`]'s fields are. Called only when the root
    /// node has through columns; the default ignores them.
    fn root_through(&mut self, root: Self::Id, through: &mut [Value]) {
        let _ = (root, through);
    }

    /// Every record announced so far is complete, its subtree whole: the rows that
    /// follow ([`Rebuilder::complete_roots`]) never reach these records again, and their
    /// ids are never passed again. A streaming visitor hands its roots on here and
    /// forgets them, so it holds one root's subtree at a time; `Break` asks the caller
    /// to stop reading (a closed output), and the visitor's [`finish`](Self::finish)
    /// then says why. The default keeps everything, as [`Records`] does.
    fn roots_complete(&mut self) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    /// Every row was pushed and well-formed.
    fn finish(self) -> Self::Output;
}

/// How a child record hangs under its parent.
#[derive(Debug)]
#[non_exhaustive]
pub struct Link<'a> {
    /// The child's plan node.
    pub node: usize,
    /// The relation's index among the parent node's relations (its child nodes in plan
    /// order): the index into [`Record::relations`](crate::Record::relations).
    pub relation: usize,
    /// `One` (at most one child) or `Many` (a list).
    pub cardinality: Cardinality,
    /// The through row's values for a many-to-many child, in the node's
    /// `through.columns` order, given as [`Visitor::record`]'s fields are (take what you
    /// keep); empty otherwise.
    pub through: &'a mut [Value],
}

/// No slot: a relation without a record, or a node without a record in this row.
pub(crate) const NONE: usize = usize::MAX;

/// Feeds rows one by one into a [`Visitor`]; see the module docs for the rules.
///
/// ```
/// # use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, Value, ValueKind};
/// # let plan = ExtractionPlan { width: 1, statements: vec![], nodes: vec![ExtractionNode { path: "".into(),
/// #     model: "Tag".into(), relation: None, parent: None, cardinality: Cardinality::Root,
/// #     pk: 0, through: None,
/// #     columns: vec![ExtractionColumn { field: "id".into(), position: 0, kind: ValueKind::Int }] }] };
/// let mut rebuilder = relq_rows::Rebuilder::new(&plan)?;
/// rebuilder.push(&mut vec![Value::Int(7)])?;
/// rebuilder.push(&mut vec![Value::Int(7)])?; // the same record again
/// let records = rebuilder.finish()?;
/// assert_eq!(records.len(), 1);
/// assert_eq!(records[0].fields, [Value::Int(7)]);
/// # Ok::<(), relq_rows::RowError>(())
/// ```
pub struct Rebuilder<'p, V: Visitor> {
    layout: Layout<'p>,
    visitor: V,
    store: Store<V::Id>,
    /// Per node, this row's record (during a row) or the previous row's (before it).
    here: Vec<Here>,
    /// Rows pushed, failed one included.
    rows: usize,
    /// Root records read, over every statement and every `complete_roots`.
    roots: usize,
    /// The statement whose rows are pushed (an index into the plan's `statements`).
    statement: usize,
    /// The first error, repeated by every later call.
    failed: Option<RowError>,
}

/// A node's record in one row.
#[derive(Clone, Copy, Debug)]
struct Here {
    /// Its slot, or `NONE`.
    slot: usize,
    /// Created in this row (its relations' states are set, not checked).
    new: bool,
}

const ABSENT: Here = Here {
    slot: NONE,
    new: false,
};

impl<'p> Rebuilder<'p, Records> {
    /// A rebuilder into [`Record`](crate::Record)s, for `plan`.
    ///
    /// # Errors
    /// [`RowErrorKind::InvalidPlan`] when the plan breaks a rule of
    /// [`NodeProblem`](crate::NodeProblem) or [`PlanProblem`](crate::PlanProblem).
    pub fn new(plan: &'p ExtractionPlan) -> Result<Self, RowError> {
        let layout = Layout::new(plan)?;
        let records = Records::from_layout(&layout);
        Ok(Self::start(layout, records))
    }
}

impl<'p, V: Visitor> Rebuilder<'p, V> {
    /// A rebuilder that drives `visitor`, for `plan`.
    ///
    /// # Errors
    /// [`RowErrorKind::InvalidPlan`], as for [`Rebuilder::new`].
    pub fn with_visitor(plan: &'p ExtractionPlan, visitor: V) -> Result<Self, RowError> {
        Ok(Self::start(Layout::new(plan)?, visitor))
    }

    fn start(layout: Layout<'p>, visitor: V) -> Self {
        let nodes = layout.nodes.len();
        Self {
            layout,
            visitor,
            store: Store::new(),
            here: vec![ABSENT; nodes],
            rows: 0,
            roots: 0,
            statement: 0,
            failed: None,
        }
    }

    /// Reads one row: new records go to the visitor, records seen before are checked
    /// against it. The values of new records are taken from the row ([`Row::take`]: an
    /// owned row is left with NULL there, a borrowed one is cloned from).
    ///
    /// # Errors
    /// A [`RowError`] with this row's number (0-based): [`RowErrorKind::WrongWidth`],
    /// [`NullRootKey`](RowErrorKind::NullRootKey), [`WrongKind`](RowErrorKind::WrongKind),
    /// [`ValueWithoutRecord`](RowErrorKind::ValueWithoutRecord),
    /// [`Conflict`](RowErrorKind::Conflict),
    /// [`RelationChanged`](RowErrorKind::RelationChanged). After an error, every call
    /// returns that error again.
    pub fn push<R: Row + ?Sized>(&mut self, row: &mut R) -> Result<(), RowError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let number = self.rows;
        self.rows += 1;
        let result = self.read(row, number);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// Announces that the next rows are those of statement `statement` (0-based) of a plan
    /// with several ([`ExtractionPlan::statements`]: the split strategy); rows are
    /// statement 0's until then. Each row is still as wide as the plan, NULL where the
    /// statement has no column. A statement's keyed nodes find the records earlier
    /// statements read (by node, parent and key, as the rows of one statement do); its
    /// read nodes' records are new or checked as usual, and start the lists of records
    /// read before.
    ///
    /// # Errors
    /// [`RowErrorKind::UnknownStatement`] for a plan with statements but not this one
    /// (any index is statement 0 of a plan without statements); after an error, that
    /// error again.
    pub fn begin_statement(&mut self, statement: usize) -> Result<(), RowError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let count = self.layout.statements.len();
        if count > 0 && statement >= count {
            let e = RowError::new(RowErrorKind::UnknownStatement { statement, count });
            self.failed = Some(e.clone());
            return Err(e);
        }
        self.statement = statement;
        self.here.fill(ABSENT);
        Ok(())
    }

    /// Ends the roots read so far: every record the rows held is complete
    /// ([`Visitor::roots_complete`]), and the rebuilder forgets them, so its memory is
    /// that of the rows since. A streaming reader calls it when the rows move to a new
    /// root: rows are ordered by root first, so a root seen before never comes again.
    /// Returns the visitor's answer (`Break`: stop reading).
    ///
    /// # Errors
    /// The error of a failed [`Rebuilder::push`], repeated.
    pub fn complete_roots(&mut self) -> Result<ControlFlow<()>, RowError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.store.clear();
        self.here.fill(ABSENT);
        Ok(self.visitor.roots_complete())
    }

    /// Makes room for about `rows` more rows, as a capacity hint (like `Vec::reserve`):
    /// the rebuilder then grows without copying while the rows hold at most one new
    /// record each. Hints above 2^16 rows count as 2^16, so a hint never reserves more
    /// than a few MiB; past it the buffers grow as usual. [`rebuild`](crate::rebuild)
    /// passes its iterator's lower size bound.
    pub fn reserve(&mut self, rows: usize) {
        let rows = rows.min(1 << 16);
        let nodes = self.layout.nodes.len().max(1);
        let columns: usize = self.layout.nodes.iter().map(|n| n.columns.len()).sum();
        self.store
            .reserve(rows, columns.div_ceil(nodes), (nodes - 1).div_ceil(nodes));
    }

    /// What the plan reads at each row position (its kind and its name in messages), from
    /// the checked plan: for a reader that converts each value into the kind the rebuild
    /// expects.
    pub fn columns(&self) -> Vec<ExpectedColumn> {
        self.layout.columns()
    }

    /// How many distinct records the rows held so far (since the last
    /// [`complete_roots`](Self::complete_roots), which forgets them).
    pub fn records(&self) -> usize {
        self.store.len()
    }

    /// How many root records the rows held so far, every one counted once, over every
    /// statement and every [`complete_roots`](Self::complete_roots): what `get` checks
    /// (one root, not none, not several) when the records went to a visitor.
    pub fn roots(&self) -> usize {
        self.roots
    }

    /// Ends the rows: the visitor's output.
    ///
    /// # Errors
    /// The error of a failed [`Rebuilder::push`], so a partial result never passes as a
    /// whole one.
    pub fn finish(self) -> Result<V::Output, RowError> {
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self.visitor.finish()),
        }
    }

    fn read<R: Row + ?Sized>(&mut self, row: &mut R, number: usize) -> Result<(), RowError> {
        let at = |kind| RowError::at_row(number, kind);
        let Self {
            layout,
            visitor,
            store,
            here,
            roots,
            ..
        } = self;
        if row.width() != layout.width() {
            return Err(at(RowErrorKind::WrongWidth {
                found: row.width(),
                expected: layout.width(),
            }));
        }
        let roles = layout.statements.get(self.statement);
        let role = |i: usize| roles.and_then(|r| r.get(i)).copied().unwrap_or(Role::Read);
        for (i, node) in layout.nodes.iter().enumerate() {
            let own = role(i);
            if own == Role::Absent {
                here[i] = ABSENT;
                continue;
            }
            let parent = match node.parent.map(|p| here.get(p).copied().unwrap_or(ABSENT)) {
                Some(p) if p.slot == NONE => {
                    require_null(layout, i, row).map_err(at)?;
                    here[i] = ABSENT;
                    continue;
                }
                parent => parent,
            };
            // The parent was read by an earlier statement: this one starts its lists.
            let keyed_parent = node.parent.is_some_and(|p| role(p) == Role::Key);
            let pk = row.value(node.pk);
            if own == Role::Key {
                let slot = store.known(i, node, parent.map_or(NONE, |p| p.slot), pk, here[i].slot);
                if slot == NONE {
                    return Err(at(RowErrorKind::UnknownKey {
                        position: node.pk,
                        column: column_name(layout.plan, i, node.pk_column),
                        node: node_name(layout.plan, i),
                        key: short(pk),
                    }));
                }
                here[i] = Here { slot, new: false };
                continue;
            }
            if pk.is_null() {
                let Some(parent) = parent else {
                    return Err(at(RowErrorKind::NullRootKey {
                        position: node.pk,
                        column: column_name(layout.plan, i, node.pk_column),
                    }));
                };
                require_null(layout, i, row).map_err(at)?;
                if !parent.new && !keyed_parent {
                    let earlier = store.first(parent.slot, node.relation);
                    if earlier != NONE {
                        return Err(at(store.changed(layout, i, parent.slot, earlier, None)));
                    }
                }
                here[i] = ABSENT;
                continue;
            }
            let probe = match parent {
                None => store.find(i, node, NONE, pk, here[i].slot),
                Some(p) if p.new => Probe::Missing(if node.many {
                    store.hash(i, p.slot, pk)
                } else {
                    0
                }),
                Some(p) => match store.first(p.slot, node.relation) {
                    _ if node.many && keyed_parent => store.find(i, node, p.slot, pk, here[i].slot),
                    NONE if keyed_parent => Probe::Missing(0),
                    NONE => return Err(at(store.changed(layout, i, p.slot, NONE, Some(pk)))),
                    _ if node.many => store.find(i, node, p.slot, pk, here[i].slot),
                    one if store.has_key(one, node, pk) => Probe::Found(one),
                    one => return Err(at(store.changed(layout, i, p.slot, one, Some(pk)))),
                },
            };
            here[i] = match probe {
                Probe::Found(slot) => {
                    store.compare(layout, i, row, slot).map_err(at)?;
                    Here { slot, new: false }
                }
                Probe::Missing(hash) => {
                    let slot = store
                        .create(
                            visitor,
                            layout,
                            i,
                            row,
                            parent.map_or(NONE, |p| p.slot),
                            hash,
                        )
                        .map_err(at)?;
                    if parent.is_none() {
                        *roots += 1;
                    }
                    Here { slot, new: true }
                }
            };
        }
        Ok(())
    }
}

/// Every column of node `i` is NULL: the node has no record in this row.
fn require_null<R: Row + ?Sized>(
    layout: &Layout<'_>,
    i: usize,
    row: &R,
) -> Result<(), RowErrorKind> {
    let Some(node) = layout.nodes.get(i) else {
        return Ok(());
    };
    match node
        .columns
        .iter()
        .position(|c| !row.value(c.position).is_null())
    {
        None => Ok(()),
        Some(k) => Err(RowErrorKind::ValueWithoutRecord {
            position: node.columns[k].position,
            column: column_name(layout.plan, i, k),
            node: node_name(layout.plan, i),
        }),
    }
}
