//! What planning makes of a query's terminal and slice ([`Terminal`], [`Page`], `limit`,
//! `offset`): the limit and offset that apply, whether the ordering is flipped, the flat
//! columns of `values` and `aggregate`, and the [`Output`] (records picked, a count, flat
//! rows). The rules are on [`Terminal`]'s module (`terminal.rs`).
//!
//! Invariants: a limit or offset is at most `i64::MAX` (every dialect binds it as a
//! signed 64-bit integer); every flat column's path is a loaded node of the join tree
//! ending at a field.

use relq_graph::{FieldId, RelationGraph, RelationId};
use serde::Serialize;

use crate::error::{PlanError, PlanErrorKind, QueryPart};
use crate::join::{JoinTree, JoinTreeBuilder, NodeId};
use crate::order::OrderTerm;
use crate::query::Query;
use crate::resolve::{PathKind, QueryPaths, ResolvedPath};
use crate::terminal::{AggregateFunc, Page, Terminal};
use crate::value::ValueKind;

/// What a planned query gives back. Serialises for ORMs in other languages (`"count"`,
/// `{"records": "first"}`, `{"rows": {"columns": [{"name": .., "path": .., "kind": ..,
/// "aggregate": ..}], "distinct": false}}`), as the extraction plan does.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Root records, read through the extraction plan, then picked.
    Records(Pick),
    /// The number of roots (one integer).
    Count,
    /// Whether a root exists (one integer, 0 or 1).
    Exists,
    /// Flat rows: one value per column.
    Rows {
        /// The columns, in row order.
        columns: Vec<FlatColumn>,
        /// `SELECT DISTINCT`.
        distinct: bool,
    },
}

/// Which root records of the rows a terminal returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// Every one (`all`, `paginate`).
    All,
    /// The first, or none (`first`, `last`).
    First,
    /// Exactly one (`get`).
    One,
    /// One or none (`get_or_none`).
    OneOrNone,
}

/// One column of flat rows (serialised without its node and field ids, which only mean
/// something inside relq).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlatColumn {
    /// Its name: the field path (`author__first_name`) or, for an aggregate, Django's
    /// default key `path__func` (`weight__sum`).
    pub name: String,
    /// The field path.
    pub path: String,
    /// The kind of value it holds.
    pub kind: ValueKind,
    /// The join-tree node holding the field.
    #[serde(skip)]
    pub node: NodeId,
    /// The field.
    #[serde(skip)]
    pub field: FieldId,
    /// The aggregate over the field, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<AggregateFunc>,
}

/// Whether a query's terminal returns records (`all`, `first`, `last`, `get`,
/// `get_or_none`) rather than a count or flat rows.
pub(crate) fn returns_records(terminal: Option<&Terminal>) -> bool {
    matches!(
        terminal,
        None | Some(Terminal::First | Terminal::Last | Terminal::Get | Terminal::GetOrNone)
    )
}

/// The roots a query returns, once its terminal and page are applied.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slice {
    /// Root records (or flat rows, for `values`) to return.
    pub(crate) limit: Option<u64>,
    /// Root records (rows) to skip.
    pub(crate) offset: Option<u64>,
    /// Which of the records the terminal returns.
    pub(crate) pick: Pick,
    /// Whether the ordering is flipped (`last`).
    pub(crate) flip: bool,
}

impl Slice {
    /// Whether a limit or offset applies.
    pub(crate) fn is_sliced(&self) -> bool {
        self.limit.is_some() || self.offset.is_some()
    }
}

/// The slice of `query`: its limit and offset or its page, narrowed by its terminal
/// (`first` and `exists` read at most one root, `get` two, `last` one of the flipped
/// ordering).
///
/// # Errors
/// A limit or offset above `i64::MAX`, a page numbered 0 or of size 0 (or too large), a
/// page with a limit or offset, `last` of a slice.
pub(crate) fn slice(query: &Query) -> Result<Slice, PlanError> {
    let (mut limit, mut offset) = (query.limit, query.offset);
    for (part, count) in [(QueryPart::Limit, limit), (QueryPart::Offset, offset)] {
        if let Some(value) = count.filter(|&v| i64::try_from(v).is_err()) {
            return Err(PlanError::new(PlanErrorKind::CountTooLarge { part, value }));
        }
    }
    if let Some(page) = query.page {
        if limit.is_some() || offset.is_some() {
            return Err(PlanError::new(PlanErrorKind::PageWithSlice));
        }
        let (l, o) = page_slice(page)?;
        (limit, offset) = (Some(l), Some(o));
    }
    let at_most = |n: u64| Some(limit.map_or(n, |l| l.min(n)));
    let (pick, flip) = match &query.terminal {
        Some(Terminal::First) => {
            limit = at_most(1);
            (Pick::First, false)
        }
        Some(Terminal::Last) => {
            if limit.is_some() || offset.is_some() {
                return Err(PlanError::new(PlanErrorKind::ReverseSlice));
            }
            limit = Some(1);
            (Pick::First, true)
        }
        Some(Terminal::Get) => {
            limit = at_most(2);
            (Pick::One, false)
        }
        Some(Terminal::GetOrNone) => {
            limit = at_most(2);
            (Pick::OneOrNone, false)
        }
        Some(Terminal::Exists) => {
            limit = at_most(1);
            (Pick::All, false)
        }
        _ => (Pick::All, false),
    };
    Ok(Slice {
        limit,
        offset,
        pick,
        flip,
    })
}

/// The limit and offset a page gives.
fn page_slice(page: Page) -> Result<(u64, u64), PlanError> {
    if page.page == 0 || page.size == 0 {
        return Err(PlanErrorKind::BadPage {
            page: page.page,
            size: page.size,
        }
        .into());
    }
    let offset = (page.page - 1).saturating_mul(page.size);
    for value in [page.size, offset] {
        if i64::try_from(value).is_err() {
            return Err(PlanErrorKind::CountTooLarge {
                part: QueryPart::Page,
                value,
            }
            .into());
        }
    }
    Ok((page.size, offset))
}

/// A flat column's path before the tree is built: its name, the path, its aggregate.
pub(crate) struct FlatPath {
    name: String,
    path: ResolvedPath,
    aggregate: Option<AggregateFunc>,
}

/// The paths of `values` (every root field when none is named, Django's `values()`) or
/// `aggregate`, each added to the tree as loaded nodes; none for other terminals.
///
/// # Errors
/// A path that does not resolve to a field, no aggregate at all, aggregates through
/// different to-many relations (they would count each other's rows).
pub(crate) fn flat_paths(
    paths: &QueryPaths<'_>,
    terminal: Option<&Terminal>,
    tree: &mut JoinTreeBuilder,
) -> Result<Vec<FlatPath>, PlanError> {
    let graph = paths.graph;
    let mut flat: Vec<FlatPath> = Vec::new();
    match terminal {
        Some(Terminal::Values(v)) => {
            let all: Vec<String>;
            let fields = if v.fields.is_empty() {
                all = graph
                    .model(paths.root)
                    .fields()
                    .map(|f| f.name().to_owned())
                    .collect();
                &all
            } else {
                &v.fields
            };
            for text in fields {
                let (_, path) = paths.resolve(QueryPart::Values, text, PathKind::Field)?;
                flat.push(FlatPath {
                    name: text.clone(),
                    path,
                    aggregate: None,
                });
            }
        }
        Some(Terminal::Aggregate(aggregates)) if aggregates.is_empty() => {
            return Err(PlanError::new(PlanErrorKind::NoAggregate));
        }
        Some(Terminal::Aggregate(aggregates)) => {
            for a in aggregates {
                let (_, path) = paths.resolve(QueryPart::Aggregate, &a.path, PathKind::Field)?;
                if let Some(first) = flat.first() {
                    let prefix = to_many_prefix(graph, first.path.hops());
                    if prefix != to_many_prefix(graph, path.hops()) {
                        return Err(PlanError::new(PlanErrorKind::AggregatesMultiply {
                            first: first.name.clone(),
                            second: a.path.clone(),
                        }));
                    }
                }
                flat.push(FlatPath {
                    name: a.path.clone(),
                    path,
                    aggregate: Some(a.func),
                });
            }
        }
        _ => {}
    }
    for f in &flat {
        tree.add(f.path.hops(), true);
    }
    Ok(flat)
}

/// The to-many prefix of a path: its hops up to and including its last to-many one.
fn to_many_prefix<'h>(graph: &RelationGraph, hops: &'h [RelationId]) -> &'h [RelationId] {
    let end = hops
        .iter()
        .rposition(|&h| graph.relation(h).is_to_many())
        .map_or(0, |i| i + 1);
    &hops[..end]
}

/// The flat columns of `flat` on the built tree, each named and typed (an aggregate
/// `path__func`, of its result's kind).
///
/// # Errors
/// An aggregate on a field kind it does not apply to.
pub(crate) fn flat_columns(
    graph: &RelationGraph,
    tree: &JoinTree,
    flat: Vec<FlatPath>,
) -> Result<Vec<FlatColumn>, PlanError> {
    let mut columns = Vec::with_capacity(flat.len());
    for FlatPath {
        name,
        path,
        aggregate,
    } in flat
    {
        // Every flat path was added to the tree and ends at a field.
        let (Some(node), Some(field)) = (tree.node_at(path.hops()), path.field()) else {
            continue;
        };
        let f = graph.field(field);
        let kind = ValueKind::of(f.ty());
        let path_text = name.clone();
        let (name, kind) = match aggregate {
            None => (name, kind),
            Some(func) => {
                let result = func.result(kind).ok_or_else(|| {
                    PlanError::new(PlanErrorKind::AggregateOnKind {
                        func,
                        path: name.clone(),
                        field: format!("{}.{}", f.model().name(), f.name()),
                        kind,
                    })
                })?;
                (format!("{name}__{}", func.name()), result)
            }
        };
        columns.push(FlatColumn {
            name,
            path: path_text,
            kind,
            node,
            field,
            aggregate,
        });
    }
    Ok(columns)
}

/// What `query` returns: its picked records, a count, or its flat columns' rows.
///
/// # Errors
/// Distinct values ordered by a path that is not one of them.
pub(crate) fn output(
    query: &Query,
    order: &[OrderTerm],
    columns: Vec<FlatColumn>,
    pick: Pick,
) -> Result<Output, PlanError> {
    Ok(match &query.terminal {
        Some(Terminal::Count) => Output::Count,
        Some(Terminal::Exists) => Output::Exists,
        Some(Terminal::Values(v)) => {
            if v.distinct {
                let selected = |t: &OrderTerm| {
                    columns
                        .iter()
                        .any(|c| Some(c.node) == t.node && c.field == t.field)
                };
                if let Some((o, _)) = query.order_by.iter().zip(order).find(|(_, t)| !selected(t)) {
                    return Err(PlanError::new(PlanErrorKind::DistinctOrder {
                        path: o.path.clone(),
                    }));
                }
            }
            Output::Rows {
                columns,
                distinct: v.distinct,
            }
        }
        Some(Terminal::Aggregate(_)) => Output::Rows {
            columns,
            distinct: false,
        },
        _ => Output::Records(pick),
    })
}
