//! relq: relation-aware query compilation.
//!
//! Describe models and their relations ([`SchemaDef`], from Rust, TOML or JSON), build the
//! [`RelationGraph`], ask for a [`Query`] such as ormar's
//! `SchoolClass.objects.select_related(["teachers__category", "students__category"])`, and
//! [`compile`] it for a dialect ([`Sqlite`], [`Postgres`], [`MySql`]): the statements with
//! their parameters, and the [`Plan`] whose [`ExtractionPlan`] rebuilds nested records from
//! the rows. The default [`Strategy`], `auto`, reads the sibling lists `teachers` and
//! `students` by statements of their own, so no row is a teacher × student product;
//! `joined` reads everything in one statement.
//!
//! ```
//! use relq::{Postgres, Query, SchemaDef, Strategy, compile};
//! use relq::plan::{Load, NodeId};
//! let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
//! let query = Query::new("SchoolClass")
//!     .select_related("teachers__category")
//!     .select_related("students__category");
//! let compiled = compile(&graph, &query, &Postgres::default())?;
//! assert_eq!(compiled.statements.len(), 3); // the classes, the teachers, the students
//! let students = compiled.plan.tree_node(3).expect("a plan node");
//! assert_eq!(compiled.plan.extraction.nodes[3].path, "students");
//! assert_eq!(compiled.plan.load(&graph, students), Some(Load::Split));
//! let students = &compiled.statements[2].sql;
//! assert!(students.contains(r#"INNER JOIN "students" AS "t3" ON "t0"."id" = "t3"."schoolclass_id""#));
//!
//! let joined = compile(&graph, &query.strategy(Strategy::Joined), &Postgres::default())?;
//! let sql = &joined.statements[0].sql;
//! assert!(sql.starts_with(r#"SELECT "t0"."id", "t0"."name""#));
//! assert!(sql.contains(r#"LEFT OUTER JOIN "categories" AS "t4" ON "t3"."category_id" = "t4"."id""#));
//! assert!(sql.ends_with(r#"ORDER BY "t0"."id" ASC, "t1"."id" ASC, "t3"."id" ASC"#));
//! assert_eq!(joined.plan.extraction.nodes[4].path, "students__category");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Filters across relations ([`Filter`]: ormar's `and_` / `or_` / `~`, Django's `Q`): a
//! to-many condition keeps a root when some related row matches, through `EXISTS`, so
//! roots are never repeated and loaded lists never trimmed; values are always bound.
//!
//! ```
//! use relq::{Filter, Query, SchemaDef, Sqlite, compile};
//! let graph = SchemaDef::from_toml(include_str!("../../../schemas/blog.toml"))?.build()?;
//! let query = Query::new("Post")
//!     .select_related("categories")
//!     .filter(Filter::or([
//!         Filter::new("author__first_name", "Bob"),
//!         Filter::new("categories__name__icontains", "sql"),
//!     ]))
//!     .exclude(Filter::new("title__startswith", "Draft"));
//! let compiled = compile(&graph, &query, &Sqlite::default())?;
//! let sql = &compiled.statements[0].sql;
//! assert!(sql.contains(r#"WHERE ("t3"."first_name" COLLATE BINARY = ? OR EXISTS (SELECT 1 FROM"#));
//! assert_eq!(compiled.statements[0].params.len(), 4); // Bob, sql, then the prefix: length and text
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Terminal operations ([`Terminal`]: `first`, `last`, `get`, `get_or_none`, `count`,
//! `exists`, `values`, `aggregate`) and `paginate` are part of the [`Query`];
//! [`Database::fetch`] returns their [`Answer`].
//!
//! The stages live in their own crates, re-exported here whole: [`graph`], [`plan`],
//! [`sql`], [`rows`], [`exec`]; ARCHITECTURE.md maps them. Each dialect crate implements
//! [`exec::Driver`] for its driver, so [`exec::fetch`] runs a compiled query there and
//! rebuilds the records (`relq_sqlite::fetch`, ... for short); [`Database`] opens any of
//! the three from a URL and does the same.

#![forbid(unsafe_code)]

mod database;

pub use database::{Database, OpenError};

pub use relq_exec as exec;
pub use relq_graph as graph;
pub use relq_mysql as mysql;
pub use relq_plan as plan;
pub use relq_postgres as postgres;
pub use relq_rows as rows;
pub use relq_sql as sql;
pub use relq_sqlite as sqlite;
pub use relq_write as write;

pub use relq_exec::{Answer, ExecError, Fetched, FlatRows, Outcome, Streamed};
pub use relq_graph::{RelationGraph, SchemaDef, SchemaError};
pub use relq_mysql::MySql;
pub use relq_plan::{
    AggregateFunc, Aggregation, Compat, ExtractionPlan, Filter, NullsOrder, OrderBy, Owner, Plan,
    PlanError, Query, Related, Strategy, Terminal, Value, Values,
};
pub use relq_postgres::Postgres;
pub use relq_rows::{Record, to_json};
pub use relq_sql::{
    CompileCache, CompileError, CompileErrorKind, Compiled, Delivery, Dialect, DriverStyle,
    Placeholder, Statement, compile, compile_for_driver, compile_with,
};
pub use relq_sqlite::Sqlite;
pub use relq_write::{CompiledWrite, Operation, WriteError, compile_write};

/// The dialect named `name` (its [`Caps::name`](relq_sql::Caps::name): `sqlite`,
/// `postgres`, `mysql`) with the facts of the server `version` (its version text:
/// `"3.40.1"` for the SQLite library, `"15.4"`, `"10.11.6-MariaDB"`: each dialect's
/// `of_version`), or, without one, its documented facts; for compiling for a database
/// relq is not connected to ([`compile_for_driver`]); a connection's are
/// [`Database::dialect`]. `None` for any other name.
///
/// ```
/// use relq::dialect_named;
/// assert_eq!(dialect_named("postgres", None).map(|d| d.caps().name), Some("postgres"));
/// let old = dialect_named("sqlite", Some("3.40.1")).expect("a dialect");
/// assert!(!old.caps().json.is_some_and(|j| j.ordered_aggregate));
/// assert!(dialect_named("oracle", None).is_none());
/// ```
pub fn dialect_named(name: &str, version: Option<&str>) -> Option<Box<dyn Dialect>> {
    let dialect: Box<dyn Dialect> = match (name, version) {
        ("sqlite", None) => Box::new(Sqlite::default()),
        ("sqlite", Some(v)) => Box::new(Sqlite::of_version(v)),
        ("postgres", None) => Box::new(Postgres::default()),
        ("postgres", Some(v)) => Box::new(Postgres::of_version(v)),
        ("mysql", None) => Box::new(MySql::default()),
        ("mysql", Some(v)) => Box::new(MySql::of_version(v)),
        _ => return None,
    };
    Some(dialect)
}
