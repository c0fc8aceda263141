//! From a query to what a driver runs: plan it, lower the plan to statements, render them
//! for one dialect and check them against the dialect's limits.
//!
//! Invariant: the same graph, query and dialect give byte-identical statements, params and
//! plan.

use std::borrow::Cow;

use relq_graph::RelationGraph;
use relq_plan::{CompileError, CompileErrorKind, Condition, Plan, Query, Value, plan};

use crate::ast::Select;
use crate::dialect::{Caps, Dialect, IdentifierLimit};
use crate::filter::unsupported_regex;
use crate::joined::{Builder, joined};
use crate::json::json;
use crate::render::{Layout, render, render_debug, render_keys};
use crate::split::split;
use crate::terminal::terminal;

/// A compiled query: the statements to run, in order, and the plan that reads their rows
/// (its [`Output`](relq_plan::Output): records through the extraction plan, a count, or
/// flat rows). The joined strategy has one statement, and so has every terminal that
/// returns no records (`count`, `values`...); with split nodes (`plan.split`: every
/// loaded to-many relation under the split strategy, sibling lists under auto) there is
/// one per split node beside the root's, each filling the plan positions of its
/// [`StatementRows`](relq_plan::StatementRows); the json strategy has one, its lists
/// as JSON columns ([`ExtractionPlan::json`](relq_plan::ExtractionPlan::json)).
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
    /// The compact text, for a driver. With [`keys`](Self::keys), its list of root keys
    /// is one placeholder (bound to NULL in `params`): run it through
    /// [`runs`](Self::runs).
    pub sql: String,
    /// One value per placeholder, in order.
    pub params: Vec<Value>,
    /// The bound `IN` list of the root keys it reads (the split strategy's
    /// [`SplitRoots::Keys`](relq_plan::SplitRoots::Keys)); `None`: it runs as it is.
    pub keys: Option<RootKeys>,
}

/// How a statement's list of root keys ([`Expr::RootKeys`](crate::Expr::RootKeys)) is
/// bound: at most `chunk` keys per execution, rendered for the dialect's facts.
#[derive(Clone, Debug, PartialEq)]
pub struct RootKeys {
    /// Keys per execution: the dialect's parameter limit less the statement's own
    /// parameters (a nested list's filter in an ON clause), at least 1.
    pub chunk: usize,
    /// The facts the statement is rendered with, for each size of chunk.
    caps: Caps,
}

/// One execution of a statement: its text and parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Run<'s> {
    /// The compact text.
    pub sql: Cow<'s, str>,
    /// One value per placeholder, in order.
    pub params: Cow<'s, [Value]>,
}

impl Statement<'_> {
    /// The executions of this statement, given the root keys the root statement
    /// returned (in its row order): the statement itself, or, with a list of root keys,
    /// one per chunk of at most [`RootKeys::chunk`] keys in their order (none for no
    /// keys). The text is rendered at most twice: for a full chunk and for the rest. The
    /// executors of the three dialects share this.
    ///
    /// ```
    /// # use relq_graph::SchemaDef;
    /// # use relq_plan::{Query, Strategy, Value};
    /// # use relq_sql::{Caps, compile};
    /// let graph = SchemaDef::from_toml(r#"
    /// [[models]]
    /// name = "Author"
    /// table = "authors"
    /// fields = [{ name = "id", type = "integer", primary_key = true }]
    /// [[models]]
    /// name = "Book"
    /// table = "books"
    /// fields = [{ name = "id", type = "integer", primary_key = true }]
    /// foreign_keys = [{ name = "author", to = "Author" }]
    /// "#).unwrap().build().unwrap();
    /// let query = Query::new("Author").select_related("books").limit(3).strategy(Strategy::Split);
    /// let caps = Caps { max_params: 2, ..Caps::ANSI };
    /// let compiled = compile(&graph, &query, &caps).unwrap();
    /// let keys = [Value::Int(1), Value::Int(2), Value::Int(3)];
    /// let runs = compiled.statements[1].runs(&keys);
    /// assert_eq!(runs.len(), 2);
    /// assert!(runs[0].sql.contains("IN (?, ?)"));
    /// assert_eq!(&*runs[1].params, &[Value::Int(3)]);
    /// assert!(compiled.statements[1].runs(&[]).is_empty());
    /// ```
    pub fn runs(&self, root_keys: &[Value]) -> Vec<Run<'_>> {
        let Some(keys) = &self.keys else {
            return vec![Run {
                sql: Cow::Borrowed(&self.sql),
                params: Cow::Borrowed(&self.params),
            }];
        };
        let chunk = keys.chunk.max(1);
        let render = |n| {
            let (rendered, at) = render_keys(&self.select, &keys.caps, Layout::Compact, n);
            (rendered, at.unwrap_or(0))
        };
        let rest = root_keys.len() % chunk;
        let full = (root_keys.len() >= chunk).then(|| render(chunk));
        let rest = (rest > 0).then(|| render(rest));
        root_keys
            .chunks(chunk)
            .filter_map(|keys| {
                let (rendered, at) = if keys.len() == chunk { &full } else { &rest }.as_ref()?;
                let before = rendered.params.get(..*at).unwrap_or_default();
                let after = rendered.params.get(at + keys.len()..).unwrap_or_default();
                let params = before.iter().chain(keys).chain(after).cloned().collect();
                Some(Run {
                    sql: Cow::Owned(rendered.sql.clone()),
                    params: Cow::Owned(params),
                })
            })
            .collect()
    }

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
/// split nodes the root's, then one per split node; json: one, or split's where the
/// database cannot order a JSON aggregate, `JsonCaps::ordered_aggregate`), or the
/// statement of its terminal (`count`, `exists`, `values`, `aggregate`).
///
/// # Errors
/// Every planning error of [`plan`], and for the dialect: a `regex` lookup where it has no
/// regex operator ([`CompileErrorKind::UnsupportedLookup`]), a table or column name
/// longer than it allows ([`CompileErrorKind::IdentifierTooLong`]), a SELECT joining more
/// tables than it allows ([`CompileErrorKind::TooManyTables`]), an aggregate it cannot
/// compute exactly ([`CompileErrorKind::UnsupportedAggregate`]), the json strategy
/// where it has no JSON functions or a per-parent limit where it has no window functions
/// ([`CompileErrorKind::UnsupportedFeature`]), a split statement whose own parameters
/// fill the dialect's limit ([`CompileErrorKind::TooManyParams`]).
pub fn compile<'g>(
    graph: &'g RelationGraph,
    query: &Query,
    dialect: &dyn Dialect,
) -> Result<Compiled<'g>, CompileError> {
    compile_plan(graph, plan(graph, query)?, dialect)
}

/// Compiles a planned query ([`plan`] of a query over `graph`) for `dialect`:
/// [`compile`]'s second half, for a plan whose decisions a caller changed (the benches
/// run the split strategy with either [`SplitRoots`](relq_plan::SplitRoots)).
///
/// # Errors
/// [`compile`]'s errors for the dialect, and a split statement whose own parameters fill
/// the dialect's limit ([`CompileErrorKind::TooManyParams`]).
pub fn compile_plan<'g>(
    graph: &'g RelationGraph,
    mut plan: Plan,
    dialect: &dyn Dialect,
) -> Result<Compiled<'g>, CompileError> {
    let caps = dialect.caps();
    let json_caps = match (plan.extraction.json, caps.json) {
        (false, _) => None,
        (true, None) => {
            return Err(CompileErrorKind::UnsupportedFeature {
                feature: "the json strategy (JSON array functions)",
                dialect: caps.name,
            }
            .into());
        }
        // Lists the database cannot order are read by the split strategy's statements.
        (true, Some(json)) if !json.ordered_aggregate => {
            plan.extraction.json = false;
            None
        }
        (true, Some(json)) => Some(json),
    };
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
    let selects = match terminal(graph, &plan, dialect)? {
        Some(select) => vec![select],
        None if plan.split.is_empty() => vec![joined(graph, &plan, dialect)],
        None => match &json_caps {
            Some(json_caps) => vec![json(&mut Builder::new(graph, &plan, dialect), json_caps)],
            None => split(graph, &plan, dialect),
        },
    };
    let mut statements = Vec::with_capacity(selects.len());
    for (index, select) in selects.into_iter().enumerate() {
        check(graph, &plan, &select, caps)?;
        let (rendered, keys_at) = render_keys(&select, caps, Layout::Compact, 1);
        let keys = match keys_at {
            Some(_) => Some(root_keys(index, rendered.params.len() - 1, caps)?),
            None => None,
        };
        statements.push(Statement {
            select,
            sql: rendered.sql,
            params: rendered.params,
            keys,
        });
    }
    Ok(Compiled { statements, plan })
}

/// The chunking of statement `index`'s root keys, given its `own` other parameters.
fn root_keys(index: usize, own: usize, caps: &Caps) -> Result<RootKeys, CompileError> {
    match caps.max_params.checked_sub(own) {
        Some(chunk) if chunk > 0 => Ok(RootKeys { chunk, caps: *caps }),
        _ => Err(CompileErrorKind::TooManyParams {
            statement: index,
            params: own,
            dialect: caps.name,
            limit: caps.max_params,
        }
        .into()),
    }
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
