//! The statements of the terminals that return no records: `count`, `exists`, `values`
//! and `aggregate` (the record terminals, `first`, `last`, `get`, are the joined
//! statement with the plan's limit and ordering).
//!
//! Each is built on [`Builder::base`]: the root table with the joins the plan needs and
//! the filter as WHERE, or the root page (a derived table holding the filter, ordering,
//! limit and offset) where the plan's one statement reads its roots from it
//! ([`Roots::Page`]: `count`, `exists` and `aggregate` of a slice).
//! - `count`: `SELECT COUNT(*) FROM <roots>`; the tree has no to-many node (loaded
//!   relations are not planned, to-many filters are `EXISTS`), so every root is one row.
//!   Sliced: `COUNT(*)` over the root page. `exists` is the count of a page of at most
//!   one root: 0 or 1.
//! - `values`: the field paths' columns over the joins of their paths, ordered by the
//!   query's terms (a joined column orders by itself, a term across an unjoined to-many
//!   relation by its MIN / MAX), then the root's primary key, then every joined to-many
//!   relation's primary key, so the row order is one order on every dialect; `limit` /
//!   `offset` count rows. `distinct`: `SELECT DISTINCT`, ordered by the query's terms
//!   (each one of the values, checked when planned) then every other value, left to
//!   right, NULLs smallest.
//! - `aggregate`: one row, `MIN`, `MAX`, `SUM`, `COUNT` of the column; `avg` is
//!   `CAST(SUM(x) AS <double>) / COUNT(x)`: `AVG` itself differs (MariaDB's of integers
//!   and decimals is a `DECIMAL` of 4 more digits only, `1.3333`; PostgreSQL's a
//!   `NUMERIC`; SQLite's a `REAL` summed its own way), while the sum of integers and
//!   decimals is exact on every dialect, its conversion to a double correctly rounded,
//!   and one IEEE division gives the same double everywhere. (Sums of floats are added
//!   in each server's own order and way, so `sum` / `avg` of float columns can differ
//!   in the last bits where the values are not exact binary fractions.) Decimals where
//!   the dialect stores them as text (SQLite): only `count`. With a slice the
//!   aggregates run over the root page.
//!
//! Invariant: as for the joined statement, aliases are unique and values are bound.

use relq_graph::RelationGraph;
use relq_plan::{
    AggregateFunc, Alias, FlatColumn, NodeId, OrderTerm, Output, Plan, Roots, ValueKind,
};

use crate::ast::{Aggregate, BinaryOp, Expr, Select};
use crate::builder::Builder;
use crate::dialect::{Caps, Dialect};
use crate::error::{CompileError, CompileErrorKind};

/// The statement of a plan whose output is not records; `None` for records.
///
/// # Errors
/// [`CompileErrorKind::UnsupportedAggregate`]: any aggregate but `count` of decimals
/// where the dialect stores them as text ([`Caps::decimals_exact`] is false).
pub(crate) fn terminal<'g>(
    graph: &'g RelationGraph,
    plan: &Plan,
    dialect: &dyn Dialect,
) -> Result<Option<Select<'g>>, CompileError> {
    let caps = dialect.caps();
    let mut b = Builder::new(graph, plan, dialect);
    let paged = plan
        .statements()
        .first()
        .is_some_and(|s| s.roots() == Roots::Page);
    let select = match &plan.output {
        Output::Records(_) => return Ok(None),
        Output::Count | Output::Exists => {
            let (mut select, _) = b.base(paged.then(Vec::new));
            select.columns = vec![Expr::CountRows];
            select
        }
        Output::Rows { columns, .. } if columns.iter().any(|c| c.aggregate.is_some()) => {
            let nodes = columns.iter().map(|c| Some(c.node)).collect::<Vec<_>>();
            let (mut select, aliases) = b.base(paged.then_some(nodes));
            select.columns = columns
                .iter()
                .map(|c| aggregate(graph, caps, c, &aliases))
                .collect::<Result<_, _>>()?;
            select
        }
        Output::Rows { columns, distinct } => {
            let (mut select, aliases) = b.base(None::<Vec<Option<NodeId>>>);
            select.columns = columns.iter().map(|c| column(graph, c, &aliases)).collect();
            select.distinct = *distinct;
            if *distinct {
                for term in &plan.order {
                    b.push_column_term(&mut select.order_by, term, &aliases);
                }
                let ordered = |c: &&FlatColumn| {
                    plan.order
                        .iter()
                        .any(|t| t.node == Some(c.node) && t.field == c.field)
                };
                for c in columns.iter().filter(|c| !ordered(c)) {
                    let term = OrderTerm {
                        hops: Vec::new(),
                        node: Some(c.node),
                        field: c.field,
                        descending: false,
                        nulls: None,
                        across_to_many: false,
                    };
                    b.push_column_term(&mut select.order_by, &term, &aliases);
                }
            } else {
                select.order_by = b.root_order(&aliases, true);
                for (i, node) in plan.tree.nodes().iter().enumerate() {
                    if node
                        .relation()
                        .is_some_and(|r| graph.relation(r).is_to_many())
                    {
                        select.order_by.push(b.pk_term(node.model(), aliases[i]));
                    }
                }
            }
            select.limit = plan.limit;
            select.offset = plan.offset;
            select
        }
    };
    Ok(Some(select))
}

/// The column a flat column reads.
fn column<'g>(graph: &'g RelationGraph, c: &FlatColumn, aliases: &[Alias]) -> Expr<'g> {
    Expr::column(aliases[c.node.index()], graph.field(c.field).column())
}

/// An aggregate column.
fn aggregate<'g>(
    graph: &'g RelationGraph,
    caps: &Caps,
    c: &FlatColumn,
    aliases: &[Alias],
) -> Result<Expr<'g>, CompileError> {
    let field = graph.field(c.field);
    let x = column(graph, c, aliases);
    let func = c.aggregate.unwrap_or(AggregateFunc::Count);
    let exact = ValueKind::of(field.ty()) != ValueKind::Decimal || caps.decimals_exact;
    let op = match func {
        AggregateFunc::Count => Aggregate::Count,
        _ if !exact => {
            return Err(CompileErrorKind::UnsupportedAggregate {
                func,
                path: c.path.clone(),
                kind: ValueKind::Decimal,
                dialect: caps.name,
            }
            .into());
        }
        AggregateFunc::Avg => {
            // The exact sum, made a double once, over the count: one IEEE division.
            let sum = Expr::Aggregate(Aggregate::Sum, Box::new(x.clone()));
            let count = Expr::Aggregate(Aggregate::Count, Box::new(x));
            return Ok(Expr::Cast(Box::new(sum), caps.types.float).binary(BinaryOp::Div, count));
        }
        AggregateFunc::Min => Aggregate::Min,
        AggregateFunc::Max => Aggregate::Max,
        AggregateFunc::Sum => Aggregate::Sum,
    };
    Ok(Expr::Aggregate(op, Box::new(x)))
}
