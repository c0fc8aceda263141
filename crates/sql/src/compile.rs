//! From a query to what a driver runs: plan it, lower the plan's statements, render them
//! for one dialect and check them against the dialect's limits.
//!
//! How the lists of a plan of several statements arrive is decided here, per dialect
//! ([`Delivery`]): as the rows of their own statements, or, for the json strategy where
//! the database can order a JSON aggregate, as JSON columns of statement 0.
//!
//! Invariants: the same graph, query and dialect give byte-identical statements, params and
//! plan; [`Compiled::plan`] is the plan [`plan`] gives, unchanged.

use std::borrow::Cow;
use std::sync::Arc;

use relq_graph::RelationGraph;
use relq_plan::{Condition, Output, Plan, PlanOptions, Query, Strategy, Value, plan_with};
use serde::Serialize;
use smallvec::SmallVec;

use crate::ast::Select;
use crate::builder::Builder;
use crate::dialect::{Caps, Dialect, IdentifierLimit};
use crate::error::{CompileError, CompileErrorKind};
use crate::filter::unsupported_regex;
use crate::json::json;
use crate::render::{Layout, render, render_debug_with, render_keys};
use crate::statements::statements;
use crate::terminal::terminal;

/// A compiled query: the statements to run, in order, the plan that reads their rows
/// (its [`Output`](relq_plan::Output): records through the extraction plan, a count, or
/// flat rows), and how the lists of its statements arrive.
///
/// A plan of one statement (the joined strategy, every terminal that returns no
/// records) compiles to one; a plan of several ([`Plan::statements`]: the split strategy,
/// sibling lists under auto) to one per statement, each filling the plan positions of
/// its [`StatementRows`](relq_plan::StatementRows), or, delivered as JSON
/// ([`Delivery::Json`]), to one.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled<'g> {
    /// The statements, in the order they run.
    pub statements: Vec<Statement<'g>>,
    /// The plan, as [`plan`](relq_plan::plan) gives it: join tree, columns, statements and the
    /// [`ExtractionPlan`](relq_plan::ExtractionPlan). Shared: a compile from the
    /// [`CompileCache`](crate::CompileCache) holds its shape's plan, whose filter values
    /// are the first query's of that shape (nothing reads them after compiling).
    pub plan: Arc<Plan>,
    /// How the lists of the plan's statements `1..` arrive: the SQL layer's choice for
    /// the dialect.
    pub delivery: Delivery,
    /// The facts of the dialect it was compiled for, which the executions of a statement
    /// that binds root keys are rendered with ([`runs`](Self::runs)).
    pub caps: Caps,
}

/// How the lists of a plan's statements after the first arrive.
///
/// JSON: `"rows"` or `"json"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// As the rows of their own statements (each of [`Compiled::statements`] is one of
    /// the plan's), NULL at the positions a statement does not read.
    Rows,
    /// As JSON columns of statement 0's rows, one per list of the root's records, in the
    /// layout of [`ExtractionPlan::lists_below`](relq_plan::ExtractionPlan::lists_below)
    /// (the json strategy, where the database orders a JSON aggregate): one statement
    /// whose rows are statement 0's columns followed by those JSON columns.
    Json,
}

impl Compiled<'_> {
    /// How many columns a row of statement `index` has: its
    /// [`StatementRows`](relq_plan::StatementRows)' columns for a plan of several
    /// statements, plus one per list of the root's records when the lists come as JSON
    /// ([`Delivery::Json`]), else the plan's [`width`](Plan::width).
    pub fn statement_width(&self, index: usize) -> usize {
        let extraction = &self.plan.extraction;
        let Some(rows) = extraction.statements.get(index) else {
            return self.plan.width();
        };
        let lists = match self.delivery {
            Delivery::Json => extraction.lists_below(index).len(),
            Delivery::Rows => 0,
        };
        rows.columns.len() + lists
    }
}

/// One statement: its IR, its compact text and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement<'g> {
    /// The SQL IR it was rendered from. Shared: a compile from the
    /// [`CompileCache`](crate::CompileCache) holds its shape's, whose values are the
    /// first query's of that shape ([`params`](Self::params) are this query's).
    pub select: Arc<Select<'g>>,
    /// The compact text, for a driver. With [`keys`](Self::keys), its list of root keys
    /// is one placeholder (bound to NULL in `params`): run it through
    /// [`Compiled::runs`].
    pub sql: Arc<str>,
    /// One value per placeholder, in order.
    pub params: Vec<Value>,
    /// The bound `IN` list of the root keys it reads ([`Roots::Keys`](relq_plan::Roots));
    /// `None`: it runs as it is.
    pub keys: Option<RootKeys>,
}

/// How a statement's list of root keys ([`Expr::RootKeys`](crate::Expr::RootKeys)) is
/// bound: at most `chunk` keys per execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootKeys {
    /// Keys per execution: the dialect's parameter limit less the statement's own
    /// parameters (a nested list's filter in an ON clause), at least 1.
    pub chunk: usize,
}

/// One execution of a statement: its text and parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Run<'s> {
    /// The compact text.
    pub sql: Cow<'s, str>,
    /// One value per placeholder, in order.
    pub params: Cow<'s, [Value]>,
}

impl Compiled<'_> {
    /// The executions of statement `index`, given the root keys statement 0 returned (in
    /// its row order): the statement itself, or, with a list of root keys, one per chunk
    /// of at most [`RootKeys::chunk`] keys in their order (none for no keys, nor for an
    /// index past the statements). The text is rendered at most twice: for a full chunk
    /// and for the rest, with [`caps`](Self::caps).
    ///
    /// ```
    /// # use relq_graph::SchemaDef;
    /// # use relq_plan::{Query, Strategy, Value};
    /// # use relq_sql::{Ansi, Caps, compile};
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
    /// let ansi = Ansi::new(Caps { max_params: 2, ..Caps::ANSI });
    /// let compiled = compile(&graph, &query, &ansi).unwrap();
    /// let keys = [Value::Int(1), Value::Int(2), Value::Int(3)];
    /// let runs = compiled.runs(1, &keys);
    /// assert_eq!(runs.len(), 2);
    /// assert!(runs[0].sql.contains("IN (?, ?)"));
    /// assert_eq!(&*runs[1].params, &[Value::Int(3)]);
    /// assert!(compiled.runs(1, &[]).is_empty());
    /// ```
    pub fn runs(&self, index: usize, root_keys: &[Value]) -> Vec<Run<'_>> {
        let Some(statement) = self.statements.get(index) else {
            return Vec::new();
        };
        let Some(keys) = &statement.keys else {
            return vec![Run {
                sql: Cow::Borrowed(&statement.sql),
                params: Cow::Borrowed(&statement.params),
            }];
        };
        let chunk = keys.chunk.max(1);
        let render = |n| {
            let (rendered, at) = render_keys(&statement.select, &self.caps, Layout::Compact, n);
            (rendered, at.unwrap_or(0))
        };
        let rest = root_keys.len() % chunk;
        let full = (root_keys.len() >= chunk).then(|| render(chunk));
        let rest = (rest > 0).then(|| render(rest));
        root_keys
            .chunks(chunk)
            .filter_map(|keys| {
                let (rendered, at) = if keys.len() == chunk { &full } else { &rest }.as_ref()?;
                // The statement's own parameters around the keys' one placeholder: the
                // text is rendered from the IR, the values are the statement's.
                let before = statement.params.get(..*at).unwrap_or_default();
                let after = statement.params.get(at + 1..).unwrap_or_default();
                let params = before.iter().chain(keys).chain(after).cloned().collect();
                Some(Run {
                    sql: Cow::Owned(rendered.sql.clone()),
                    params: Cow::Owned(params),
                })
            })
            .collect()
    }
}

impl Statement<'_> {
    /// The text laid out one clause per line (same statement as [`sql`](Self::sql)), for
    /// the dialect it was compiled for.
    pub fn pretty(&self, dialect: &dyn Dialect) -> String {
        render(&self.select, dialect, Layout::Pretty).sql
    }

    /// The pretty text with its [`params`](Self::params) written in as literals: for logs
    /// and people, never for a database (see [`render_debug`](crate::render_debug)).
    pub fn debug(&self, dialect: &dyn Dialect) -> String {
        render_debug_with(&self.select, dialect, Layout::Pretty, &self.params)
    }
}

/// Compiles `query` over `graph` for `dialect`: the plan's statements (json: one, its
/// lists as JSON columns, or the plan's statements where the database cannot order a
/// JSON aggregate, `JsonCaps::ordered_aggregate`), or the statement of its terminal
/// (`count`, `exists`, `values`, `aggregate`).
///
/// # Errors
/// Every planning error of [`plan`](relq_plan::plan), and for the dialect: a `regex` lookup where it has no
/// regex operator ([`CompileErrorKind::UnsupportedLookup`]), a table or column name
/// longer than it allows ([`CompileErrorKind::IdentifierTooLong`]), a SELECT joining more
/// tables than it allows ([`CompileErrorKind::TooManyTables`]), an aggregate it cannot
/// compute exactly ([`CompileErrorKind::UnsupportedAggregate`]), the json strategy
/// where it has no JSON functions or a per-parent limit where it has no window functions
/// ([`CompileErrorKind::UnsupportedFeature`]), a statement binding more parameters than
/// it allows, or a split statement whose own parameters leave no room for a root key
/// ([`CompileErrorKind::TooManyParams`]).
pub fn compile<'g>(
    graph: &'g RelationGraph,
    query: &Query,
    dialect: &dyn Dialect,
) -> Result<Compiled<'g>, CompileError> {
    compile_with(graph, query, dialect, &PlanOptions::default())
}

/// [`compile`] with `options` forcing some of relq's choices ([`plan_with`]): the
/// benches and the differential tests run the split strategy with either
/// [`ListRoots`](relq_plan::ListRoots).
///
/// # Errors
/// As [`compile`].
pub fn compile_with<'g>(
    graph: &'g RelationGraph,
    query: &Query,
    dialect: &dyn Dialect,
    options: &PlanOptions,
) -> Result<Compiled<'g>, CompileError> {
    let plan = plan_with(graph, query, options)?;
    let caps = dialect.caps();
    let lists = plan.statements().len() > 1 && matches!(plan.output, Output::Records(_));
    let json_caps = match (lists && plan.strategy == Strategy::Json, caps.json) {
        (false, _) => None,
        (true, None) => {
            return Err(CompileErrorKind::UnsupportedFeature {
                feature: "the json strategy (JSON array functions)",
                dialect: caps.name,
            }
            .into());
        }
        // Lists the database cannot order are read by the plan's own statements.
        (true, Some(json)) if !json.ordered_aggregate => None,
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
    let selects = match (terminal(graph, &plan, dialect)?, &json_caps) {
        (Some(select), _) => vec![select],
        (None, Some(json_caps)) => vec![json(&mut Builder::new(graph, &plan, dialect), json_caps)],
        (None, None) => statements(graph, &plan, dialect),
    };
    let delivery = if json_caps.is_some() {
        Delivery::Json
    } else {
        Delivery::Rows
    };
    let mut statements = Vec::with_capacity(selects.len());
    for (index, select) in selects.into_iter().enumerate() {
        check_tables(&select, caps)?;
        if index == 0 {
            check_identifiers(graph, &plan, caps)?;
        }
        let (rendered, keys_at) = render_keys(&select, caps, Layout::Compact, 1);
        let keys = match keys_at {
            Some(_) => Some(root_keys(index, rendered.params.len() - 1, caps)?),
            None => {
                check_params(index, rendered.params.len(), caps)?;
                None
            }
        };
        statements.push(Statement {
            select: Arc::new(select),
            sql: Arc::from(rendered.sql),
            params: rendered.params,
            keys,
        });
    }
    Ok(Compiled {
        statements,
        plan: Arc::new(plan),
        delivery,
        caps: *caps,
    })
}

/// The chunking of statement `index`'s root keys, given its `own` other parameters.
fn root_keys(index: usize, own: usize, caps: &Caps) -> Result<RootKeys, CompileError> {
    match caps.max_params.checked_sub(own) {
        Some(chunk) if chunk > 0 => Ok(RootKeys { chunk }),
        _ => Err(CompileErrorKind::TooManyParams {
            statement: index,
            params: own,
            root_keys: true,
            dialect: caps.name,
            limit: caps.max_params,
        }
        .into()),
    }
}

/// Checks statement `index`, binding `params` parameters, against the dialect's limit.
fn check_params(index: usize, params: usize, caps: &Caps) -> Result<(), CompileError> {
    if params > caps.max_params {
        return Err(CompileErrorKind::TooManyParams {
            statement: index,
            params,
            root_keys: false,
            dialect: caps.name,
            limit: caps.max_params,
        }
        .into());
    }
    Ok(())
}

/// The plan's filter and its nested lists' filters.
fn conditions(plan: &Plan) -> impl Iterator<Item = &Condition> {
    let nested = plan.nested.iter().filter_map(|l| l.filter.as_ref());
    plan.filter.iter().chain(nested)
}

/// Checks a statement against the dialect's join limit: the tables its largest SELECT
/// joins (the outer one: a derived table or subquery joins fewer).
fn check_tables(select: &Select<'_>, caps: &Caps) -> Result<(), CompileError> {
    if select.table_count() > caps.max_join_tables {
        return Err(CompileErrorKind::TooManyTables {
            count: select.table_count(),
            dialect: caps.name,
            limit: caps.max_join_tables,
        }
        .into());
    }
    Ok(())
}

/// Checks the names of every table and column the plan can reach (each joined model's,
/// and its through model's) against the dialect's identifier limit: the same for every
/// statement of the plan, so checked once.
fn check_identifiers(graph: &RelationGraph, plan: &Plan, caps: &Caps) -> Result<(), CompileError> {
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
    let mut relations: SmallVec<[relq_graph::RelationId; 16]> = plan
        .tree
        .nodes()
        .iter()
        .filter_map(|n| n.relation())
        .collect();
    for condition in conditions(plan) {
        condition.visit(&mut |c| {
            match c {
                Condition::Exists { hops, .. } => relations.extend_from_slice(hops),
                Condition::Compare(cmp) => relations.extend_from_slice(&cmp.hops),
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

#[cfg(test)]
mod tests {
    use relq_graph::SchemaDef;
    use relq_plan::{Alias, Filter, ValueKind};

    use super::*;
    use crate::ast::{Expr, TableRef};
    use crate::dialect::{Ansi, BoundList};

    /// ISO SQL with SQLite's `json_each` form for integer lists.
    struct Each(Caps);

    impl Dialect for Each {
        fn caps(&self) -> &Caps {
            &self.0
        }
        fn with_caps(&self, caps: Caps) -> Box<dyn Dialect> {
            Box::new(Each(caps))
        }
        fn bound_list<'g>(
            &self,
            kind: ValueKind,
            values: &[Value],
            alias: Alias,
        ) -> Option<BoundList<'g>> {
            (kind == ValueKind::Int).then(|| BoundList::Rows {
                table: TableRef::Function {
                    name: "json_each",
                    args: vec![Expr::Value(Value::Text(format!("{} values", values.len())))],
                    alias,
                },
                column: "value",
            })
        }
    }

    fn graph() -> RelationGraph {
        SchemaDef::from_toml(
            r#"
            [[models]]
            name = "Book"
            fields = [{ name = "id", type = "integer", primary_key = true }, { name = "title", type = "text" }]
            "#,
        )
        .and_then(|def| def.build())
        .expect("the schema builds")
    }

    #[test]
    fn an_in_list_past_the_limit_is_one_parameter_where_the_dialect_has_a_form_for_its_kind() {
        let graph = graph();
        let query = Query::new("Book")
            .filter(Filter::new("id__in", vec![1, 2, 3]))
            .filter(Filter::new("title__in", vec!["a"]));
        // Two parameters allowed: the three ids are past it and bound as one (the hook
        // has a form for ints), the one title keeps its placeholder.
        let caps = Caps {
            supports_bound_lists: true,
            max_params: 2,
            ..Caps::ANSI
        };
        let compiled = compile(&graph, &query, &Each(caps)).expect("compiles");
        let s = &compiled.statements[0];
        assert_eq!(
            &*s.sql,
            r#"SELECT "t0"."id", "t0"."title" FROM "books" AS "t0" WHERE "t0"."id" IN (SELECT "t1"."value" FROM json_each(?) AS "t1") AND "t0"."title" IN (?) ORDER BY "t0"."id" ASC"#
        );
        assert_eq!(s.params.len(), 2);
        // A list within the limit keeps its placeholders.
        let within = Caps {
            supports_bound_lists: true,
            ..Caps::ANSI
        };
        let compiled = compile(&graph, &query, &Each(within)).expect("compiles");
        assert!(
            compiled.statements[0]
                .sql
                .contains(r#""t0"."id" IN (?, ?, ?)"#)
        );
        // The fact off: the hook is not asked, and past the limit is an error.
        let off = Caps {
            max_params: 2,
            ..Caps::ANSI
        };
        assert!(compile(&graph, &query, &Each(off)).is_err());
    }

    #[test]
    fn every_statement_is_checked_against_the_parameter_limit() {
        let graph = graph();
        let query = Query::new("Book").filter(Filter::new("id__in", vec![1, 2, 3]));
        let ansi = |max_params| {
            Ansi::new(Caps {
                max_params,
                ..Caps::ANSI
            })
        };
        assert!(compile(&graph, &query, &ansi(3)).is_ok());
        let err = compile(&graph, &query, &ansi(2)).expect_err("3 parameters, 2 allowed");
        assert_eq!(
            err.to_string(),
            "statement 0 binds 3 parameters; ansi allows at most 2 in one statement"
        );
    }
}
