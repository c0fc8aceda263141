//! How loaded to-many nodes are read, and the statements of a query with several: which
//! to-many nodes start statements of their own, and which columns of the extraction plan
//! each statement's rows carry.
//!
//! Each loaded to-many node is [`Load::Joined`] into the statement of its parent's
//! records or [`Load::Split`] into a statement of its own ([`choose_loads`]): `joined`
//! joins every one, `split` and `json` split every one (json's statements are
//! subqueries of one statement), `auto` decides per edge (the rule is on
//! [`Strategy::Auto`]). A statement reads one group: the node that starts it (the root,
//! or a split to-many node) and the loaded nodes below it reached without passing
//! another split node ([`JoinTree::statement_of`]).
//!
//! Statement 0 reads the root's group; statement `k` reads the group of the `k`-th split
//! node (alias order), with the primary key of each of its ancestors, so the rebuild
//! finds the parent record read by an earlier statement by (node, parent, key).
//!
//! Invariants: every column of the extraction plan is read in full by exactly one
//! statement; a statement's columns are in plan position order; under `auto` the
//! to-many nodes of one group form a chain (each above the next), so no statement's rows
//! multiply two independent lists.
//!
//! How the statements after the root's select their roots ([`SplitRoots`],
//! [`split_roots`]) is decided here too, from the query alone (deterministic).

use relq_graph::RelationGraph;
use serde::{Deserialize, Serialize};

use crate::compile::{ExtractionPlan, SelectColumn};
use crate::join::{JoinTree, NodeId};
use crate::query::Strategy;

/// How a loaded to-many node's records are read (the choice of the query's
/// [`Strategy`], recorded per node in the join tree and the extraction plan).
///
/// JSON: `"joined"` or `"split"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Load {
    /// Joined into the statement that reads its parent's records (its rows repeat the
    /// parent's, once per record of the list).
    Joined,
    /// Read by a statement of its own over the same roots, with its ancestors' keys.
    Split,
}

/// Records in `tree` how each loaded to-many node is read under `strategy` (`Auto` and
/// `Split` only for queries of records in the roots' scope; `joined` otherwise).
///
/// `Auto`, per node in alias order (so the statement of its parent is already known):
/// a loaded to-many node is split when a loaded to-many node that is neither above nor
/// below it hangs under the node starting its parent's statement (a sibling or a
/// cousin it would multiply), else joined. Both of two siblings are split: the rule is
/// symmetric and depends on nothing but the tree. Where a dialect reads a list faster
/// as JSON, this is the place to choose it.
pub(crate) fn choose_loads(graph: &RelationGraph, tree: &mut JoinTree, strategy: Strategy) {
    let lists: Vec<NodeId> = (0..tree.nodes().len())
        .map(NodeId::from_index)
        .filter(|&n| {
            let node = tree.node(n);
            node.is_loaded()
                && node
                    .relation()
                    .is_some_and(|r| graph.relation(r).is_to_many())
        })
        .collect();
    for &list in &lists {
        let load = match strategy {
            Strategy::Joined => Load::Joined,
            // json reads every list by a subquery of its own, decoded as split's rows.
            Strategy::Split | Strategy::Json => Load::Split,
            Strategy::Auto => {
                let parent = tree.node(list).parent().unwrap_or(NodeId::ROOT);
                let start = tree.statement_of(graph, parent);
                let cousin = lists.iter().any(|&other| {
                    tree.is_at_or_above(start, other)
                        && !tree.is_at_or_above(other, list)
                        && !tree.is_at_or_above(list, other)
                });
                if cousin { Load::Split } else { Load::Joined }
            }
        };
        tree.set_load(list, load);
    }
}

/// The rows of one statement of a query with several (the split strategy): which plan
/// positions its columns fill, whose records it reads and whose keys it carries. Rows
/// are rebuilt as if they were as wide as the plan, NULL at every other position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRows {
    /// The plan position of each of the statement's columns, in its select order
    /// (ascending).
    pub columns: Vec<usize>,
    /// The plan nodes (indices into `nodes`) whose records the statement reads in full.
    pub nodes: Vec<usize>,
    /// The plan nodes of which it reads only the primary key, to find the record an
    /// earlier statement read (the ancestors of its first node, root first).
    pub keys: Vec<usize>,
}

/// How each statement after the root's (the split strategy) selects the roots whose
/// lists it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitRoots {
    /// A semi-join on the root statement: the roots are re-selected (the root table with
    /// the filter, or the root page) in the same statement; every statement is known
    /// before any runs.
    SemiJoin,
    /// A bound `IN` list of the root keys the root statement returned, in chunks within
    /// the dialect's parameter limit; each chunk runs as its own execution.
    Keys,
}

/// The rule between the two forms, from the figures of `benches/benches/strategies.rs`
/// (`benches/README.md`, "Split: semi-join or bound keys"): the bound keys when
/// re-selecting the roots costs a filter or a page per statement, the semi-join (no
/// list of every key to bind and match) when the roots are the whole table, or when
/// nothing is `split` (no statement after the root's).
pub(crate) fn split_roots(split: &[NodeId], filtered: bool, sliced: bool) -> SplitRoots {
    if !split.is_empty() && (filtered || sliced) {
        SplitRoots::Keys
    } else {
        SplitRoots::SemiJoin
    }
}

/// The [`Load::Split`] nodes of `tree` (read by statements of their own), in alias
/// order, and the rows of every statement (the root's first); both empty when no node
/// is split (one statement then).
pub(crate) fn split_statements(
    graph: &RelationGraph,
    tree: &JoinTree,
    columns: &[SelectColumn],
    extraction: &ExtractionPlan,
) -> (Vec<NodeId>, Vec<StatementRows>) {
    let lists: Vec<NodeId> = (0..tree.nodes().len())
        .map(NodeId::from_index)
        .filter(|&n| tree.node(n).load() == Some(Load::Split))
        .collect();
    if lists.is_empty() {
        return (lists, Vec::new());
    }
    // Per tree node, computed once rather than once per statement: its plan index
    // (plan nodes carry the node's alias; `None` for a node not loaded) and the node
    // starting its statement.
    let all = || (0..tree.nodes().len()).map(NodeId::from_index);
    let plan_index: Vec<Option<usize>> = all()
        .map(|n| {
            let alias = tree.node(n).alias();
            extraction.nodes.iter().position(|e| e.alias == alias)
        })
        .collect();
    let index = |n: NodeId| plan_index.get(n.index()).copied().flatten();
    let starts: Vec<Option<NodeId>> = all()
        .map(|n| {
            tree.node(n)
                .is_loaded()
                .then(|| tree.statement_of(graph, n))
        })
        .collect();
    let statements = std::iter::once(NodeId::ROOT)
        .chain(lists.iter().copied())
        .map(|list| {
            let mut keys = Vec::new();
            let mut at = tree.node(list).parent();
            while let Some(n) = at {
                keys.extend(index(n));
                at = tree.node(n).parent();
            }
            keys.reverse();
            let nodes: Vec<usize> = all()
                .filter(|n| starts[n.index()] == Some(list))
                .filter_map(index)
                .collect();
            let own = columns.iter().enumerate().filter_map(|(position, c)| {
                index(c.node)
                    .filter(|i| nodes.contains(i))
                    .map(|_| position)
            });
            let mut positions: Vec<usize> = keys
                .iter()
                .filter_map(|&k| extraction.nodes.get(k).map(|e| e.pk))
                .chain(own)
                .collect();
            positions.sort_unstable();
            StatementRows {
                columns: positions,
                nodes,
                keys,
            }
        })
        .collect();
    (lists, statements)
}

impl ExtractionPlan {
    /// The json strategy's layout ([`ExtractionPlan::json`]): the statements whose lists
    /// hang in the records of statement `k`, those whose last key (their list's parent)
    /// is a node `k` reads, in statement order (for `k = 0`: the root row's lists).
    pub fn lists_below(&self, k: usize) -> Vec<usize> {
        let Some(nodes) = self.statements.get(k).map(|s| &s.nodes) else {
            return Vec::new();
        };
        (1..self.statements.len())
            .filter(|&c| {
                self.statements[c]
                    .keys
                    .last()
                    .is_some_and(|parent| nodes.contains(parent))
            })
            .collect()
    }

    /// The plan positions statement `k`'s records carry themselves in the json
    /// strategy's layout: its columns but its keys' primary keys (the parent records'
    /// keys, known from the enclosing rows), in position order.
    pub fn own_positions(&self, k: usize) -> Vec<usize> {
        let Some(rows) = self.statements.get(k) else {
            return Vec::new();
        };
        let keys: Vec<usize> = rows
            .keys
            .iter()
            .filter_map(|&n| self.nodes.get(n).map(|n| n.pk))
            .collect();
        rows.columns
            .iter()
            .copied()
            .filter(|p| !keys.contains(p))
            .collect()
    }
}
