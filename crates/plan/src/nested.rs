//! The `select_related` entries of a query: the relation paths it loads, and the nested
//! lists given a filter, ordering or per-parent limit of their own ([`Related`], Prisma's
//! `include: { where }`, Django's `Prefetch(queryset=)`).
//!
//! Rules:
//! - Every node on a `select_related` path is loaded; shared prefixes share nodes.
//! - A nested list's filter and ordering are planned as for a query rooted at its model
//!   (errors wrapped in [`PlanErrorKind::Nested`]); its ordering reads the list's own
//!   fields and its to-one relations (never a to-many one); options on a to-one path or
//!   twice on one path are errors.
//!
//! Invariant: every nested list is a loaded to-many node of the tree, in alias order.

use relq_graph::{ModelId, RelationGraph, RelationId};

use crate::error::{PlanError, PlanErrorKind, QueryPart};
use crate::filter::{Condition, plan_filters};
use crate::join::{JoinTree, JoinTreeBuilder, NodeId};
use crate::order::OrderTerm;
use crate::path::ParsedPath;
use crate::query::{Compat, Query, Related};
use crate::resolve::{PathKind, QueryPaths, resolve};

/// A loaded to-many node's own filter, ordering and per-parent limit
/// ([`Related`](crate::Related)).
#[derive(Clone, Debug, PartialEq)]
pub struct NestedList {
    /// The to-many node.
    pub node: NodeId,
    /// What its rows must satisfy, scoped from the node's model (its comparisons read
    /// the node's row and rows reached from it through to-one relations).
    pub filter: Option<Condition>,
    /// Its ordering per parent, before its primary key; every term's `node` is set (the
    /// node or a to-one node joined below it), `hops` are from the root.
    pub order: Vec<OrderTerm>,
    /// At most this many records per parent record.
    pub limit: Option<u64>,
}

/// A `select_related` entry with options: its relation path, its nested model, and the
/// entry.
pub(crate) struct NestedEntry<'q> {
    hops: Vec<RelationId>,
    model: ModelId,
    related: &'q Related,
}

/// A nested list before the tree is built: its relation path and the list, whose node
/// ids are set by [`place`].
pub(crate) struct NestedPath {
    hops: Vec<RelationId>,
    list: NestedList,
}

/// Adds every `select_related` path of `query` to the tree as loaded nodes; returns the
/// entries that give their nested list options, planned by [`nested_lists`].
///
/// # Errors
/// A path that does not resolve to relations; options on a to-one relation or twice on
/// one path.
pub(crate) fn select_related<'q>(
    paths: &QueryPaths<'_>,
    query: &'q Query,
    tree: &mut JoinTreeBuilder,
) -> Result<Vec<NestedEntry<'q>>, PlanError> {
    let mut entries: Vec<NestedEntry<'q>> = Vec::new();
    for related in &query.select_related {
        let text = &related.path;
        let (_, path) = paths.resolve(QueryPart::SelectRelated, text, PathKind::Relations)?;
        tree.add(path.hops(), true);
        if !related.has_options() {
            continue;
        }
        if entries.iter().any(|e| e.hops == path.hops()) {
            return Err(PlanError::new(PlanErrorKind::NestedTwice {
                path: text.clone(),
            }));
        }
        match path.hops().last().map(|&h| paths.graph.relation(h)) {
            Some(last) if last.is_to_many() => entries.push(NestedEntry {
                hops: path.hops().to_vec(),
                model: last.target().id(),
                related,
            }),
            last => {
                return Err(PlanError::new(PlanErrorKind::NestedNotList {
                    path: text.clone(),
                    relation: last.map(|r| r.name().to_owned()).unwrap_or_default(),
                }));
            }
        }
    }
    Ok(entries)
}

/// Plans each entry's nested list and adds its ordering paths to the tree (not loaded).
///
/// # Errors
/// A nested list's filter, ordering or limit that is wrong ([`PlanErrorKind::Nested`],
/// [`PlanErrorKind::NestedOrderAcrossToMany`]).
pub(crate) fn nested_lists(
    graph: &RelationGraph,
    entries: Vec<NestedEntry<'_>>,
    tree: &mut JoinTreeBuilder,
) -> Result<Vec<NestedPath>, PlanError> {
    entries
        .into_iter()
        .map(|e| {
            let list = nested_list(graph, &e.hops, e.model, e.related)?;
            for term in &list.order {
                tree.add(&term.hops, false);
            }
            Ok(NestedPath { hops: e.hops, list })
        })
        .collect()
}

/// The nested lists placed on the built tree (their nodes and their ordering terms'
/// nodes set), in alias order.
pub(crate) fn place(tree: &JoinTree, nested: Vec<NestedPath>) -> Vec<NestedList> {
    let mut lists: Vec<NestedList> = nested
        .into_iter()
        .filter_map(|NestedPath { hops, mut list }| {
            list.node = tree.node_at(&hops)?;
            for term in &mut list.order {
                term.node = tree.node_at(&term.hops);
            }
            Some(list)
        })
        .collect();
    lists.sort_by_key(|l| l.node);
    lists
}

/// The filter, ordering and limit of the nested list at `hops` (the last a to-many
/// relation, reaching `model`), planned from its model; the node ids are set by
/// [`place`].
fn nested_list(
    graph: &RelationGraph,
    hops: &[RelationId],
    model: ModelId,
    related: &Related,
) -> Result<NestedList, PlanError> {
    // Errors as for a query rooted at the nested model, inside one naming the entry.
    let nested = |error| {
        PlanError::new(PlanErrorKind::Nested {
            path: related.path.clone(),
            error,
        })
    };
    let filter = plan_filters(graph, model, &related.filter, &[], Compat::Roots)
        .map_err(nested)?
        .condition;
    let mut order = Vec::with_capacity(related.order_by.len());
    for o in &related.order_by {
        let (descending, path) = ParsedPath::parse_ordering(&o.path)
            .and_then(|p| {
                Ok((
                    p.is_descending(),
                    resolve(graph, model, &p, PathKind::Field)?,
                ))
            })
            .map_err(|error| {
                nested(PlanError::new(PlanErrorKind::Path {
                    part: QueryPart::OrderBy,
                    error,
                }))
            })?;
        if let Some(&h) = path
            .hops()
            .iter()
            .find(|&&h| graph.relation(h).is_to_many())
        {
            return Err(PlanError::new(PlanErrorKind::NestedOrderAcrossToMany {
                path: related.path.clone(),
                order: o.path.clone(),
                relation: graph.relation(h).name().to_owned(),
            }));
        }
        let Some(field) = path.field() else {
            continue;
        };
        order.push(OrderTerm {
            hops: hops.iter().chain(path.hops()).copied().collect(),
            node: None,
            field,
            descending,
            nulls: o.nulls,
            across_to_many: false,
        });
    }
    if let Some(value) = related.limit.filter(|&v| i64::try_from(v).is_err()) {
        return Err(nested(PlanError::new(PlanErrorKind::CountTooLarge {
            part: QueryPart::Limit,
            value,
        })));
    }
    Ok(NestedList {
        node: NodeId::ROOT,
        filter,
        order,
        limit: related.limit,
    })
}
