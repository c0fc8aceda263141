//! From a query to what a driver runs: plan it, lower the plan to statements, render them
//! for one dialect and check them against the dialect's limits.
//!
//! Invariant: the same graph, query and dialect give byte-identical statements, params and
//! plan.

use relq_graph::RelationGraph;
use relq_plan::{CompileError, CompileErrorKind, Condition, Plan, Query, Value, plan};

use crate::ast::Select;
use crate::dialect::{Caps, Dialect, IdentifierLimit};
use crate::filter::unsupported_regex;
use crate::joined::joined;
use crate::render::{Layout, render, render_debug};
use crate::split::split;
use crate::terminal::terminal;

/// A compiled query: the statements to run, in order, and the plan that reads their rows
/// (its [`Output`](relq_plan::Output): records through the extraction plan, a count, or
/// flat rows). The joined strategy has one statement, and so has every terminal that
/// returns no records (`count`, `values`...); with split nodes (`plan.split`: every
/// loaded to-many relation under the split strategy, sibling lists under auto) there is
/// one per split node beside the root's, each filling the plan positions of its
/// [`StatementRows`](relq_plan::StatementRows).
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled<'g> {
    /// The statements, in the order they run.
    pub statements: Vec<Statement<'g>>,
    /// The plan: join tree, columns and the [`ExtractionPlan`](relq_plan::ExtractionPlan).
    pub plan: Plan,
}

/// One statement: its IR, its compact text and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement<'g> {
    /// The SQL IR it was rendered from.
    pub select: Select<'g>,
    /// The compact text, for a driver.
    pub sql: String,
    /// One value per placeholder, in order.
    pub params: Vec<Value>,
}

impl Statement<'_> {
    /// The text laid out one clause per line (same statement as [`sql`](Self::sql)).
    pub fn pretty(&self, dialect: &dyn Dialect) -> String {
        render(&self.select, dialect, Layout::Pretty).sql
    }

    /// The pretty text with values written in as literals: for logs and people, never for
    /// a database (see [`render_debug`]).
    pub fn debug(&self, dialect: &dyn Dialect) -> String {
        render_debug(&self.select, dialect, Layout::Pretty)
    }
}

/// Compiles `query` over `graph` for `dialect` with its strategy (one statement, or with
/// split nodes the root's, then one per split node), or the statement of its
/// terminal (`count`, `exists`, `values`, `aggregate`).
///
/// # Errors
/// Every planning error of [`plan`], and for the dialect: a `regex` lookup where it has no
/// regex operator ([`CompileErrorKind::UnsupportedLookup`]), a table or column name
/// longer than it allows ([`CompileErrorKind::IdentifierTooLong`]), a SELECT joining more
/// tables than it allows ([`CompileErrorKind::TooManyTables`]), an aggregate it cannot
/// compute exactly ([`CompileErrorKind::UnsupportedAggregate`]).
pub fn compile<'g>(
    graph: &'g RelationGraph,
    query: &Query,
    dialect: &dyn Dialect,
) -> Result<Compiled<'g>, CompileError> {
    let plan = plan(graph, query)?;
    let caps = dialect.caps();
    if let Some(path) = conditions(&plan).find_map(|c| unsupported_regex(c, caps.regex_operator)) {
        return Err(CompileErrorKind::UnsupportedLookup {
            lookup: "regex",
            path: path.to_owned(),
            dialect: caps.name,
        }
        .into());
    }
    if !caps.supports_window_functions && plan.nested.iter().any(|l| l.limit.is_some()) {
        return Err(CompileErrorKind::UnsupportedFeature {
            feature: "a nested list's per-parent limit (ROW_NUMBER() OVER (PARTITION BY ...))",
            dialect: caps.name,
        }
        .into());
    }
    let selects = match terminal(graph, &plan, caps)? {
        Some(select) => vec![select],
        None if plan.split.is_empty() => vec![joined(graph, &plan, caps)],
        None => split(graph, &plan, caps),
    };
    let mut statements = Vec::with_capacity(selects.len());
    for select in selects {
        check(graph, &plan, &select, caps)?;
        let rendered = render(&select, dialect, Layout::Compact);
        statements.push(Statement {
            select,
            sql: rendered.sql,
            params: rendered.params,
        });
    }
    Ok(Compiled { statements, plan })
}

/// The plan's filter and its nested lists' filters.
fn conditions(plan: &Plan) -> impl Iterator<Item = &Condition> {
    let nested = plan.nested.iter().filter_map(|l| l.filter.as_ref());
    plan.filter.iter().chain(nested)
}

/// Checks a statement against the dialect's limits: the tables its largest SELECT joins
/// (the outer one: a derived table or subquery joins fewer), and the names of every table
/// and column the plan can reach (each joined model's, and its through model's).
fn check(
    graph: &RelationGraph,
    plan: &Plan,
    select: &Select<'_>,
    caps: &Caps,
) -> Result<(), CompileError> {
    if select.table_count() > caps.max_join_tables {
        return Err(CompileErrorKind::TooManyTables {
            count: select.table_count(),
            dialect: caps.name,
            limit: caps.max_join_tables,
        }
        .into());
    }
    let limit = caps.max_identifier;
    let too_long = |what, name: &str| {
        CompileError::from(CompileErrorKind::IdentifierTooLong {
            what,
            name: name.to_owned(),
            len: limit.measure(name),
            unit: limit.unit(),
            dialect: caps.name,
            limit: limit.count(),
        })
    };
    if limit == IdentifierLimit::None {
        return Ok(());
    }
    // The relations a statement reads: the join tree's and its filter's subqueries'.
    let mut relations: Vec<relq_graph::RelationId> = plan
        .tree
        .nodes()
        .iter()
        .filter_map(|n| n.relation())
        .collect();
    for condition in conditions(plan) {
        condition.visit(&mut |c| {
            match c {
                Condition::Exists { hops, .. } => relations.extend(hops),
                Condition::Compare(cmp) => relations.extend(&cmp.hops),
                _ => {}
            }
            true
        });
    }
    let models = std::iter::once(plan.root).chain(relations.into_iter().flat_map(|r| {
        let r = graph.relation(r);
        std::iter::once(r.target().id()).chain(r.through().map(|t| t.model))
    }));
    for model in models.map(|m| graph.model(m)) {
        if !limit.allows(model.table()) {
            return Err(too_long("table", model.table()));
        }
        if let Some(f) = model.fields().find(|f| !limit.allows(f.column())) {
            return Err(too_long("column", f.column()));
        }
    }
    Ok(())
}
