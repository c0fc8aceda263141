//! The random differential property test: random schemas (`loadable_schema`: 2 to 6
//! models, foreign keys nullable or not with their reverse sides, a self-reference, a
//! many-to-many relation through a model with a field of its own), random data
//! (`data_shape`: NULLs, empty lists, duplicate, mixed-case and non-ASCII text, primary
//! keys not in insertion order) and random queries (`query_shape_counting`: select_related
//! walks, orderings with NULL placement across any relation, exclude_fields, filter and
//! exclude calls of AND / OR / NOT conditions across any relation with every lookup but
//! `regex`, limit and offset) run on SQLite (in memory), PostgreSQL and MariaDB through
//! `relq::Database`, with the joined, the split (in both of its forms whatever the
//! plan's rule picks: re-selecting the roots, and binding the root keys in chunks of 2
//! through a dialect claiming a parameter limit of 2), the json and the auto strategy,
//! and on the in-memory reference evaluator (`common/reference.rs`); each database must
//! return the records the reference gives for its dialect, compared as
//! `relq_rows::to_json` output. With every strategy but joined, every statement must
//! return exactly one row per leaf path of the lists it reads (`common/statements.rs`):
//! no row multiplies two independent lists. The
//! dialects differ only where a dialect limit is documented: SQLite's `i` lookups fold
//! ASCII letters only (`relq_sqlite`), so the reference folds case as each database does
//! ([`Fold`]).
//!
//! Each case gets fresh tables: a new in-memory SQLite database, and on the servers one
//! PostgreSQL schema and one MariaDB database named `relq_prop_<pid>`, dropped and made
//! again per case and dropped at the end. The server connections are opened once.
//!
//! Not generated, on purpose: foreign-key cycles longer than a self-reference (the
//! servers cannot create them, see `relq_sql::create_tables`), and two through rows
//! linking the same pair (what such a list holds is not decided: relq gives the child
//! once, a nested loop twice).
//!
//! Cases: 32 by default (5 to 15 s, most of it MariaDB creating and dropping InnoDB tables;
//! 300 cases took 50 s);
//! more with `RELQ_DIFFERENTIAL_CASES=2000 cargo test -p relq-tests --test differential_properties`
//! (with the server URLs of `eval "$(bash scripts/servers.sh env)"`). `PROPTEST_CASES`
//! does not apply: the test script's 256 would take minutes on three databases. Failures
//! shrink and are kept in `tests/proptest-regressions/differential_properties.txt`.
//!
//! A missing server URL fails the test, never skips it.

mod common;

use std::cell::RefCell;

use common::reference::{Fold, expected};
use common::servers::server_url;
use common::statements::{rows_without_products, statement_rows};
use common::strategies::{
    DataShape, LOADS, QueryShape, compile_case, data_shape, describe_rows, load_rows,
    loadable_schema, query_shape_counting,
};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use relq::{Database, Query, RelationGraph, SchemaDef, Strategy as Load, Value, to_json};
use serde_json::Value as Json;

/// Cases when `RELQ_DIFFERENTIAL_CASES` is not set.
const DEFAULT_CASES: u32 = 32;

/// The three databases, connected once, and the namespace their cases use.
struct Databases {
    sqlite: Database,
    postgres: Database,
    mariadb: Database,
    namespace: String,
}

impl Databases {
    fn open() -> Self {
        let open = |url: &str| Database::open(url).unwrap_or_else(|e| panic!("{e}"));
        Databases {
            sqlite: open("sqlite::memory:"),
            postgres: open(&server_url("RELQ_POSTGRES_URL")),
            mariadb: open(&server_url("RELQ_MYSQL_URL")),
            namespace: format!("relq_prop_{}", std::process::id()),
        }
    }

    /// Fresh, empty namespaces: a new SQLite database, the PostgreSQL schema and the
    /// MariaDB database dropped and made again.
    fn reset(&mut self) -> Result<(), String> {
        let n = &self.namespace;
        self.sqlite = Database::open("sqlite::memory:").map_err(|e| e.to_string())?;
        for sql in [
            format!("DROP SCHEMA IF EXISTS {n} CASCADE"),
            format!("CREATE SCHEMA {n}"),
            format!("SET search_path TO {n}"),
        ] {
            self.postgres
                .run(&sql, &[])
                .map_err(|e| format!("PostgreSQL: {e}"))?;
        }
        for sql in [
            format!("DROP DATABASE IF EXISTS {n}"),
            format!("CREATE DATABASE {n}"),
            format!("USE {n}"),
        ] {
            self.mariadb
                .run(&sql, &[])
                .map_err(|e| format!("MariaDB: {e}"))?;
        }
        Ok(())
    }

    /// Drops the server namespaces.
    fn close(&mut self) {
        let n = &self.namespace;
        let dropped = self
            .postgres
            .run(&format!("DROP SCHEMA IF EXISTS {n} CASCADE"), &[])
            .and_then(|_| {
                self.mariadb
                    .run(&format!("DROP DATABASE IF EXISTS {n}"), &[])
            });
        dropped.unwrap_or_else(|e| panic!("dropping {n}: {e}"));
    }

    /// Each database with its name and how it folds case for the `i` lookups.
    fn each(&mut self) -> [(&'static str, Fold, &mut Database); 3] {
        [
            ("SQLite", Fold::Ascii, &mut self.sqlite),
            ("PostgreSQL", Fold::Unicode, &mut self.postgres),
            ("MariaDB", Fold::Unicode, &mut self.mariadb),
        ]
    }
}

/// Where `got` first differs from `want`: the root number and both records.
fn first_difference(want: &Json, got: &Json) -> String {
    let (Some(want), Some(got)) = (want.as_array(), got.as_array()) else {
        return format!("not arrays: want {want}, got {got}");
    };
    let at = (0..want.len().max(got.len()))
        .find(|&i| want.get(i) != got.get(i))
        .unwrap_or(0);
    format!(
        "{} roots, want {}; first difference at root {at}:\n    want {}\n    got  {}",
        got.len(),
        want.len(),
        want.get(at).map_or("nothing".to_owned(), Json::to_string),
        got.get(at).map_or("nothing".to_owned(), Json::to_string),
    )
}

/// One case: load, run on the three, compare each with the reference.
fn check(
    dbs: &mut Databases,
    def: &SchemaDef,
    data: &DataShape,
    shape: &QueryShape,
) -> Result<(), TestCaseError> {
    let graph = def
        .build()
        .map_err(|e| TestCaseError::fail(format!("schema: {e}")))?;
    let rows = data.rows(&graph);
    let mut query = shape.query(&graph);
    // The reference does not evaluate nested lists' options or ormar's scope
    // (`tests/nested_lists.rs` covers those on the three databases): left out here.
    for related in &mut query.select_related {
        *related = relq_plan::Related::new(related.path.clone());
    }
    query.compat = relq_plan::Compat::default();
    dbs.reset().map_err(TestCaseError::fail)?;
    let mut failures = Vec::new();
    let mut wants = Vec::new();
    for (name, fold, db) in dbs.each() {
        let want = expected(&graph, &rows, &query, fold);
        if let Err(e) = load_rows(db, &graph, &rows) {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        for (strategy, roots) in LOADS {
            let query = query.clone().strategy(strategy);
            let compiled = compile_case(&graph, &query, db.dialect(), roots);
            let load = strategy;
            let strategy = (strategy, roots);
            let compiled = match compiled {
                Ok(compiled) => compiled,
                Err(e) => {
                    failures.push(format!("{name}, {strategy:?}: {e}"));
                    continue;
                }
            };
            let sql = compiled
                .statements
                .iter()
                .map(|s| &*s.sql)
                .collect::<Vec<_>>()
                .join(";\n");
            let outcome = db
                .execute(&compiled)
                .map_err(|e| e.to_string())
                .and_then(|records| {
                    let json = to_json(&compiled.plan.extraction, &records);
                    Ok((json.map_err(|e| e.to_string())?, records))
                });
            let records = match outcome {
                Ok((got, records)) if got == want => records,
                Ok((got, _)) => {
                    failures.push(format!(
                        "{name}, {strategy:?}: {}\n  SQL: {sql}",
                        first_difference(&want, &got)
                    ));
                    continue;
                }
                Err(e) => {
                    failures.push(format!("{name}, {strategy:?}: {e}"));
                    continue;
                }
            };
            // No statement of split or auto multiplies two lists: each returns one row
            // per leaf path of what it reads.
            if load != Load::Joined {
                let plan = &compiled.plan.extraction;
                let without = rows_without_products(plan, &records, compiled.statements.len());
                match statement_rows(db, &compiled) {
                    Ok(rows) if rows == without => {}
                    Ok(rows) => failures.push(format!(
                        "{name}, {strategy:?}: statements returned {rows:?} rows, {without:?} without a product of lists\n  SQL: {sql}"
                    )),
                    Err(e) => failures.push(format!("{name}, {strategy:?}: per statement: {e}")),
                }
            }
        }
        if !wants.contains(&want) {
            wants.push(want);
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    let wants: Vec<String> = wants.iter().map(Json::to_string).collect();
    Err(TestCaseError::fail(format!(
        "the databases disagree with the reference\nschema:\n{}\ndata:\n{}\nquery: {}\nexpected: {}\n{}",
        def.to_toml().unwrap_or_else(|e| e.to_string()),
        describe_rows(&graph, &rows),
        serde_json::to_string(&query).unwrap_or_default(),
        wants.join("\nor (folding case otherwise): "),
        failures.join("\n"),
    )))
}

#[test]
fn random_queries_on_random_data_agree_on_three_databases_and_the_reference() {
    let cases = std::env::var("RELQ_DIFFERENTIAL_CASES")
        .ok()
        .map(|n| n.parse().expect("RELQ_DIFFERENTIAL_CASES is a number"))
        .unwrap_or(DEFAULT_CASES);
    let config = Config {
        cases,
        // Failures are kept beside the other property tests' (committed) and replayed first.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/differential_properties.txt",
        ))),
        // Each shrink step loads three databases (about 0.2 s): enough steps to reach a
        // small case, few enough to fail within minutes.
        max_shrink_iters: 200,
        ..Config::default()
    };
    let dbs = RefCell::new(Databases::open());
    let result = TestRunner::new(config).run(&strategy(), |(def, data, shape)| {
        check(&mut dbs.borrow_mut(), &def, &data, &shape)
    });
    dbs.borrow_mut().close();
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The cases of the differential test: a schema, its rows, a query.
fn strategy() -> impl Strategy<Value = (SchemaDef, DataShape, QueryShape)> {
    (loadable_schema(), data_shape(), query_shape_counting(0..4))
}

/// Whether `query`'s filters choose records over `rows`, in the reference: over every
/// root (no page), the records with them are some, and not those without them.
fn filters_choose(graph: &RelationGraph, rows: &[Vec<Vec<Value>>], query: &Query) -> bool {
    let every_root = Query {
        limit: None,
        offset: None,
        ..query.clone()
    };
    let unfiltered = Query {
        filter: Vec::new(),
        exclude: Vec::new(),
        ..every_root.clone()
    };
    let chosen = expected(graph, rows, &every_root, Fold::Unicode);
    chosen.as_array().is_some_and(|roots| !roots.is_empty())
        && chosen != expected(graph, rows, &unfiltered, Fold::Unicode)
}

/// Not vacuous: the differential test's cases draw filters that keep some roots and leave
/// others out, often (about one case in seven when measured; at least one in twenty here,
/// over 500 cases drawn, evaluated by the reference alone).
#[test]
fn drawn_filters_often_choose_some_of_the_records() {
    let mut runner = TestRunner::default();
    let strategy = strategy();
    let drawn = 500;
    let choosing = (0..drawn)
        .filter(|_| {
            let (def, data, shape) = strategy
                .new_tree(&mut runner)
                .expect("the strategy draws")
                .current();
            let graph = def.build().expect("a loadable schema builds");
            let rows = data.rows(&graph);
            filters_choose(&graph, &rows, &shape.query(&graph))
        })
        .count();
    assert!(
        choosing * 20 >= drawn,
        "only {choosing} of {drawn} drawn cases have filters choosing some of the records"
    );
}
