//! Lists delivered as JSON columns (the json strategy, [`Delivery::Json`](crate::Delivery)):
//! a plan of several statements as one, statement 0 with one more column per list of the
//! root's records, each a correlated scalar subquery returning the list as JSON text in
//! the layout of [`ExtractionPlan::lists_below`](relq_plan::ExtractionPlan::lists_below).
//!
//! - A list `L` under the parent row `P`: `(SELECT COALESCE(<aggregate>(<array>(v1, v2,
//!   ..., <lists below L>) ORDER BY <L's list order>, <L's pk>), <array>()) FROM <L's first
//!   table> [INNER JOIN <L's table>] <L's to-one nodes joined as the tree says> WHERE
//!   <linked to P> [AND <L's own filter and limit>])`: `[]` for no records, never NULL.
//!   The root statement's list columns are cast to text; a list below another one is
//!   the subquery itself (a JSON array, or on some databases a string holding one).
//! - The list's own filter and per-parent limit are the ON terms the joined strategy
//!   gives its join (`nested.rs`), here terms of the subquery's WHERE.
//! - Every value is carried as JSON text ([`JsonCaps`]): `CAST(x AS <text type>)`, bytes
//!   as hexadecimal digits, floats as a text that reads back as the same double, text
//!   as it is; so no value passes through a JSON number.
//!
//! Invariant: every tree node is declared once: the root's list in the root statement,
//! a to-many node's list in its subquery; other aliases are fresh ([`Builder`]).

use relq_plan::{Alias, JoinKind, NodeId, Plan, StatementPlan, ValueKind};

use crate::ast::{Expr, Join, Select, TableRef};
use crate::builder::{Builder, Hop, Nodes, select_column};
use crate::dialect::{Call, JsonCaps};
use crate::statements::marks;

/// The one statement of `plan` (of several statements) with its lists as JSON columns.
pub(crate) fn json<'g>(b: &mut Builder<'g, '_>, caps: &JsonCaps) -> Select<'g> {
    let (graph, plan) = (b.graph, b.plan);
    let Some(roots) = plan.statements().first() else {
        debug_assert!(false, "a plan has statement 0");
        return Select::from(TableRef::Table {
            name: graph.model(plan.root).table(),
            alias: plan.tree.node(NodeId::ROOT).alias(),
        });
    };
    let mut select = b.roots_statement(Nodes::Marked(&marks(plan, roots)), roots.roots());
    select.columns = plan
        .extraction
        .own_positions(0)
        .iter()
        .filter_map(|&p| plan.columns.get(p))
        .map(|c| select_column(graph, &plan.tree, c))
        .collect();
    for (k, statement) in lists_below(plan, 0) {
        let list = Expr::Subquery(Box::new(list(b, caps, k, statement)));
        select
            .columns
            .push(Expr::Cast(Box::new(list), caps.text_type));
    }
    select
}

/// The statements whose lists hang in the records of statement `k`, with their index
/// ([`ExtractionPlan::lists_below`](relq_plan::ExtractionPlan::lists_below)).
fn lists_below(plan: &Plan, k: usize) -> impl Iterator<Item = (usize, &StatementPlan)> {
    let below = plan.extraction.lists_below(k).into_iter();
    below.filter_map(|c| Some((c, plan.statements().get(c)?)))
}

/// The subquery of statement `k`'s list (`k` ≥ 1).
fn list<'g>(
    b: &mut Builder<'g, '_>,
    caps: &JsonCaps,
    k: usize,
    statement: &StatementPlan,
) -> Select<'g> {
    let (graph, plan) = (b.graph, b.plan);
    let tree = &plan.tree;
    let aliases: Vec<Alias> = tree.nodes().iter().map(|n| n.alias()).collect();
    let node_id = statement.start();
    let node = tree.node(node_id);
    let (alias, through) = (node.alias(), node.through_alias());
    let parent = node.parent().map_or(aliases[0], |p| aliases[p.index()]);
    let mut steps = node
        .relation()
        .map(|r| b.steps(r, parent, through, alias))
        .unwrap_or_default()
        .into_iter();
    // A listed node is a to-many node: its relation crosses one or two tables.
    let Some((first, on)) = steps.next() else {
        debug_assert!(false, "a split node has a relation");
        return Select::from(TableRef::Table {
            name: graph.model(node.model()).table(),
            alias,
        });
    };
    let mut select = Select::from(first);
    select
        .filter
        .push(Expr::Column(on.0).eq(Expr::Column(on.1)));
    select.joins.extend(steps.map(|(table, on)| Join {
        kind: JoinKind::Inner,
        table,
        on,
        filter: Vec::new(),
    }));
    let terms = b.nested_terms(node_id, alias, through);
    select.filter.extend(terms);
    // The nodes joined inside the list's subquery (the list itself is its FROM).
    for (i, n) in tree.nodes().iter().enumerate() {
        let below = statement.below().contains(&NodeId::from_index(i));
        let (true, Some(p), Some(relation)) = (below, n.parent(), n.relation()) else {
            continue;
        };
        let hop = Hop {
            relation,
            parent: aliases[p.index()],
            through: n.through_alias(),
            alias: aliases[i],
        };
        b.link(&mut select, n.join(), hop, Vec::new());
    }
    let mut items: Vec<Expr<'g>> = plan
        .extraction
        .own_positions(k)
        .iter()
        .filter_map(|&p| plan.columns.get(p))
        .map(|c| {
            let kind = ValueKind::of(graph.field(c.field).ty());
            text(caps, select_column(graph, tree, c), kind)
        })
        .collect();
    for (child, below) in lists_below(plan, k) {
        items.push(Expr::Subquery(Box::new(list(b, caps, child, below))));
    }
    let mut order = Vec::new();
    for term in b.list_order(node_id) {
        b.push_column_term(&mut order, term, &aliases);
    }
    order.push(b.pk_term(node.model(), alias));
    let aggregate = Expr::OrderedAggregate {
        function: caps.aggregate,
        arg: Box::new(Expr::Function(caps.array, items)),
        order,
    };
    // An empty array built by the array function, not a `'[]'` string: MariaDB keeps a
    // COALESCE of two JSON values JSON, where a string would be embedded in the parent's
    // array as a string (re-encoded from the connection's character set).
    let empty = Expr::Function(caps.array, Vec::new());
    select.columns = vec![Expr::Function("COALESCE", vec![aggregate, empty])];
    select
}

/// A value as JSON text: text as it is, bytes as hexadecimal digits, floats in their
/// exact form, the rest cast to text.
fn text<'g>(caps: &JsonCaps, value: Expr<'g>, kind: ValueKind) -> Expr<'g> {
    match (kind, caps.float_text) {
        (ValueKind::Text, _) => value,
        (ValueKind::Bytes, _) => call(caps.hex, value),
        (ValueKind::Float, Some(form)) => call(form, value),
        _ => Expr::Cast(Box::new(value), caps.text_type),
    }
}

/// `function([before, ]value[, after])`.
fn call(call: Call, value: Expr<'_>) -> Expr<'_> {
    let args = call
        .before
        .map(Expr::Text)
        .into_iter()
        .chain(std::iter::once(value))
        .chain(call.after.map(Expr::Text))
        .collect();
    Expr::Function(call.function, args)
}
