//! The ordering of a query: its `order_by` terms resolved, joined where they can be, and
//! flipped for `last`.
//!
//! Rules (ormar drops an ordering through a relation silently; relq orders):
//! - A term through relations joins its nodes (not loaded) when it crosses no to-many
//!   relation that is not loaded; otherwise the roots are ordered through a subquery only
//!   (joining it would repeat the roots' rows), by the `MIN` (ascending) / `MAX`
//!   (descending) of the field.
//! - `last` flips every term (`x` ↔ `-x`, NULLs first ↔ last).
//!
//! Invariant: one term per `order_by` entry, in the order given.

use relq_graph::{FieldId, RelationGraph, RelationId};

use crate::error::{PlanError, QueryPart};
use crate::join::{JoinTree, JoinTreeBuilder, NodeId};
use crate::query::{NullsOrder, OrderBy};
use crate::resolve::{PathKind, QueryPaths, ResolvedPath};

/// One ordering term, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTerm {
    /// The relations from the root to the field's model.
    pub hops: Vec<RelationId>,
    /// The joined node holding the field; `None` when the path crosses a to-many relation
    /// that is not loaded (the root is then ordered through a subquery only: joining it
    /// would repeat the root's rows).
    pub node: Option<NodeId>,
    /// The field.
    pub field: FieldId,
    /// Descending.
    pub descending: bool,
    /// NULL placement; `None`: NULLs sort smallest.
    pub nulls: Option<NullsOrder>,
    /// Whether the path crosses a to-many relation (the root is then ordered by the
    /// MIN ascending, MAX descending, of the field).
    pub across_to_many: bool,
}

/// An `order_by` entry before the tree is built: the path, whether it is joined, its
/// direction and NULL placement.
pub(crate) struct OrderPath {
    path: ResolvedPath,
    joined: bool,
    descending: bool,
    nulls: Option<NullsOrder>,
}

/// Resolves `order_by` and adds each path the tree can join.
///
/// # Errors
/// A path that does not resolve to a field.
pub(crate) fn order_paths(
    paths: &QueryPaths<'_>,
    order_by: &[OrderBy],
    tree: &mut JoinTreeBuilder,
) -> Result<Vec<OrderPath>, PlanError> {
    order_by
        .iter()
        .map(|o| {
            let (descending, path) = paths.resolve(QueryPart::OrderBy, &o.path, PathKind::Field)?;
            let joined = tree.add_joinable(paths.graph, path.hops());
            Ok(OrderPath {
                path,
                joined,
                descending,
                nulls: o.nulls,
            })
        })
        .collect()
}

/// The terms of `orders` on the built tree, flipped when `flip` (`last`).
pub(crate) fn order_terms(
    graph: &RelationGraph,
    tree: &JoinTree,
    orders: Vec<OrderPath>,
    flip: bool,
) -> Vec<OrderTerm> {
    let count = orders.len();
    let terms: Vec<OrderTerm> = orders
        .into_iter()
        // A Field path always ends at a field.
        .filter_map(|o| {
            Some(OrderTerm {
                node: if o.joined {
                    tree.node_at(o.path.hops())
                } else {
                    None
                },
                field: o.path.field()?,
                descending: o.descending != flip,
                nulls: if flip {
                    o.nulls.map(|n| match n {
                        NullsOrder::First => NullsOrder::Last,
                        NullsOrder::Last => NullsOrder::First,
                    })
                } else {
                    o.nulls
                },
                across_to_many: o
                    .path
                    .hops()
                    .iter()
                    .any(|&h| graph.relation(h).is_to_many()),
                hops: o.path.hops().to_vec(),
            })
        })
        .collect();
    debug_assert_eq!(terms.len(), count, "an order term was lost");
    terms
}
