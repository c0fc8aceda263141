//! The statements of a query, decided once: which to-many nodes are read by a statement
//! of their own, which nodes each statement reads, and where each statement's roots come
//! from ([`StatementPlan`]).
//!
//! Each loaded to-many node is joined into the statement of its parent's records or
//! split into a statement of its own, as the query's [`Strategy`] says: `joined` joins
//! every one, `split` and `json` split every one (json's statements become subqueries
//! of one statement when the SQL layer delivers the lists as JSON columns), `auto`
//! decides per node (the rule is on [`Strategy::Auto`]). Statement 0 starts at the root;
//! statement `k` at the `k`-th split node in alias order. A statement reads its start
//! and every node below it reached without passing another split node (loaded, or
//! joined to order or filter); the ancestors of its start give it their primary keys, so
//! the rebuild finds the parent record an earlier statement read.
//!
//! Where a statement's roots come from ([`Roots`]):
//! - Statement 0 picks them: from the root table with the filter as WHERE, its own
//!   `LIMIT` / `OFFSET` counting its rows; or, when a limit or offset must count roots
//!   that its rows repeat (it joins a to-many node) or aggregate over (`count`,
//!   `exists`, `aggregate`), from the root page, a derived table holding the filter,
//!   ordering and slice. `values` slices its own rows (Django's).
//! - A later statement re-selects them (a semi-join on statement 0: the root table with
//!   the filter, or the root page), or binds the keys statement 0 returned
//!   ([`Roots::Keys`]). The rule, from the figures of `benches/README.md` ("Split:
//!   semi-join or bound keys"): the bound keys when re-selecting costs a filter or a page
//!   per statement, the semi-join when the roots are the whole table.
//!   [`PlanOptions`](crate::PlanOptions) lets a benchmark or a test force either.
//!
//! Invariants: every loaded node is read by exactly one statement; under `auto` the
//! to-many nodes of one statement form a chain (each above the next), so no statement's
//! rows multiply two independent lists; a query of anything but records, or in ormar's
//! scope, has one statement; the statements depend on the tree, the strategy and the
//! query's filter, slice and output only (deterministic).

use relq_graph::RelationGraph;
use smallvec::SmallVec;

use crate::join::{JoinNode, JoinTree, NodeId};
use crate::output::Output;
use crate::query::Strategy;

/// How a loaded to-many node's records are read ([`Plan::load`](crate::Plan::load)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Load {
    /// Joined into the statement that reads its parent's records (its rows repeat the
    /// parent's, once per record of the list).
    Joined,
    /// Read by a statement of its own over the same roots, with its ancestors' keys.
    Split,
}

/// Where a statement's roots come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Roots {
    /// The root table, the query's filter as the WHERE clause (statement 0: its limit and
    /// offset, if any, count its own rows).
    Filter,
    /// The root page: a derived table holding the filter, the ordering, the limit and
    /// the offset, so they count roots, never the rows joined to them.
    Page,
    /// The keys of the roots statement 0 returned, bound as `root.pk IN (...)` in chunks
    /// within the dialect's parameter limit, one execution per chunk.
    Keys,
}

/// How the statements after the root's select their roots, when a caller forces it
/// instead of the rule ([`PlanOptions::list_roots`](crate::PlanOptions::list_roots)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListRoots {
    /// Re-selected in the statement itself (a semi-join on statement 0): the root table
    /// with the filter ([`Roots::Filter`]), or the root page when the query has a limit
    /// or offset ([`Roots::Page`]).
    SemiJoin,
    /// [`Roots::Keys`].
    Keys,
}

/// One statement of a query: the node that starts it, the nodes below it that it reads,
/// and where its roots come from. Only planning makes one ([`Plan::statements`]).
///
/// [`Plan::statements`]: crate::Plan::statements
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementPlan {
    start: NodeId,
    below: SmallVec<[NodeId; 8]>,
    roots: Roots,
}

impl StatementPlan {
    /// The root (statement 0), or the split to-many node whose records it reads.
    pub fn start(&self) -> NodeId {
        self.start
    }

    /// The nodes below [`start`](Self::start) that it reads, in alias order: the loaded
    /// nodes reached without passing another split node, and nodes joined for an
    /// ordering or a filter.
    pub fn below(&self) -> &[NodeId] {
        &self.below
    }

    /// Where its roots come from.
    pub fn roots(&self) -> Roots {
        self.roots
    }

    /// Whether it reads `node`: its start or a node below it.
    pub fn reads(&self, node: NodeId) -> bool {
        node == self.start || self.below.binary_search(&node).is_ok()
    }
}

/// A query's statements, statement 0 first: one for most queries, held inline.
pub(crate) type Statements = SmallVec<[StatementPlan; 1]>;

/// What the roots rule reads of the query.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Selection<'o> {
    /// Whether the query has a filter.
    pub(crate) filtered: bool,
    /// Whether a limit or offset applies.
    pub(crate) sliced: bool,
    /// What the query returns.
    pub(crate) output: &'o Output,
    /// The caller's choice for the statements after the root's; `None`: the rule.
    pub(crate) list_roots: Option<ListRoots>,
}

/// The statements of a query over `tree` read with `strategy` (in effect: `joined` for
/// ormar's scope and outputs without records), statement 0 first.
pub(crate) fn statements(
    graph: &RelationGraph,
    tree: &JoinTree,
    strategy: Strategy,
    selection: Selection<'_>,
) -> Statements {
    let nodes = tree.nodes();
    let to_many = |n: &JoinNode| n.relation().is_some_and(|r| graph.relation(r).is_to_many());
    // None is without being loaded: a to-many node joined only to filter or order would
    // repeat the roots' rows.
    debug_assert!(
        nodes.iter().all(|n| !to_many(n) || n.is_loaded()),
        "every to-many node of a join tree is loaded"
    );
    // The node starting the statement that reads each node, in alias order (a parent's
    // is known before its children's): the node itself for a split list. Empty when
    // nothing is split: every node is statement 0's.
    let mut start: SmallVec<[NodeId; 16]> = SmallVec::new();
    let lists: SmallVec<[NodeId; 8]> = match strategy {
        Strategy::Joined => SmallVec::new(),
        _ => (0..nodes.len())
            .map(NodeId::from_index)
            .filter(|&n| to_many(tree.node(n)))
            .collect(),
    };
    if !lists.is_empty() {
        for (i, node) in nodes.iter().enumerate() {
            let id = NodeId::from_index(i);
            let Some(parent) = node.parent() else {
                start.push(NodeId::ROOT);
                continue;
            };
            let above = start[parent.index()];
            let split = to_many(node)
                && match strategy {
                    Strategy::Joined => false,
                    Strategy::Split | Strategy::Json => true,
                    // Split when a list neither above nor below it hangs under the start
                    // of its parent's statement (a sibling or a cousin it would multiply).
                    Strategy::Auto => lists.iter().any(|&other| {
                        tree.is_at_or_above(above, other)
                            && !tree.is_at_or_above(other, id)
                            && !tree.is_at_or_above(id, other)
                    }),
                };
            start.push(if split { id } else { above });
        }
    }
    let read_by = |s: NodeId, from: usize| -> SmallVec<[NodeId; 8]> {
        (from..nodes.len())
            .map(NodeId::from_index)
            .filter(|n| start.get(n.index()).is_none_or(|&at| at == s))
            .collect()
    };
    let Selection {
        filtered,
        sliced,
        output,
        list_roots,
    } = selection;
    // Statement 0: a limit counts its rows unless they repeat the roots or aggregate them.
    let first = read_by(NodeId::ROOT, 1);
    let aggregates = match output {
        Output::Records(_) => first.iter().any(|&n| to_many(tree.node(n))),
        Output::Count | Output::Exists => true,
        Output::Rows { columns, .. } => columns.iter().any(|c| c.aggregate.is_some()),
    };
    let mut plans = Statements::new();
    plans.push(StatementPlan {
        start: NodeId::ROOT,
        below: first,
        roots: if sliced && aggregates {
            Roots::Page
        } else {
            Roots::Filter
        },
    });
    let reselected = if sliced { Roots::Page } else { Roots::Filter };
    let later = match list_roots {
        Some(ListRoots::Keys) => Roots::Keys,
        Some(ListRoots::SemiJoin) => reselected,
        None if filtered || sliced => Roots::Keys,
        None => reselected,
    };
    for &list in lists.iter().filter(|l| start.get(l.index()) == Some(l)) {
        plans.push(StatementPlan {
            start: list,
            below: read_by(list, list.index() + 1),
            roots: later,
        });
    }
    plans
}
