//! `Database::stream` against `Database::fetch` on SQLite (in memory), PostgreSQL
//! (`RELQ_POSTGRES_URL`) and MariaDB (`RELQ_MYSQL_URL`): the records a stream hands out
//! one root at a time (`relq::rows::RecordStream`, the query compiled with
//! `ListRoots::SemiJoin`) are exactly the records `fetch` returns for the query compiled
//! the default way (`compile`): the same records in the same order. And the rows the
//! stream reports are the rows `fetch` reports for the same compiled query.
//!
//! - Every corpus case (`relq_tests::corpus::cases`) with every strategy (joined, split,
//!   auto, and json where the dialect has JSON lists), on each database: a case on a
//!   sample runs on the sample's generated data at scale 1 (`relq_sample::generate`,
//!   each sample loaded once per database; thousands of rows, so PostgreSQL's portals
//!   hand their rows over in several batches), a case with its own schema on rows drawn
//!   for it (`strategies::data_shape_of`, 8 to 16 rows per table, a fixed draw). A case
//!   whose query does not return every record (count, values, first, get...: its plan's
//!   output is not `Records(All)`) is left out, as is one the dialect refuses at compile
//!   time; how many were streamed per strategy is asserted, so the test cannot pass
//!   without streaming. Strategies that compile to the same statements (a query without
//!   lists) run once (`common::streams::every_strategy`).
//! - Random schemas, rows (4 to 16 per table) and queries (the differential property
//!   test's strategies, with nested lists' options and ormar's scope kept: nothing here
//!   needs the reference evaluator), each query as drawn and without its filters, every
//!   strategy on every database. Cases: 32 by default, more with
//!   `RELQ_STREAM_CASES=500 cargo test -p relq-tests --test stream`; failures shrink and
//!   are kept in `tests/proptest-regressions/stream.txt`.
//! - A visitor's `Break` after the first root, `NotStreamable` queries, MySQL without
//!   side connections and after a `USE`, a stream inside a PostgreSQL caller's
//!   transaction, and roots ordered by a field other than their key.
//!
//! About 100 s on two cores (the corpus on PostgreSQL the longest: joined products of
//! hundreds of thousands of rows, fetched and streamed).
//!
//! A missing server URL fails the test, never skips it (`bash scripts/test.sh` starts the
//! servers; by hand `scripts/servers.sh start` and `eval "$(scripts/servers.sh env)"`).

mod common;

use std::cell::{Cell, RefCell};
use std::ops::ControlFlow;

use common::servers::{Server, loaded, scratch};
use common::strategies::{
    DataShape, data_shape_of, load_rows, loadable_schema, query_shape_counting,
};
use common::streams::{
    Compared, SEMI_JOIN, STRATEGIES, Tally, compare, compile_both, every_strategy, streamed,
};
use proptest::strategy::{Strategy as _, ValueTree};
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use relq::exec::ExecErrorKind;
use relq::plan::{ListRoots, PlanOptions};
use relq::rows::{Link, RecordStream, Visitor};
use relq::{Database, OrderBy, Query, Strategy, Terminal, Value, compile, compile_with};
use relq_sample::{Sample, generate, load};
use relq_tests::corpus::{Case, cases};
use relq_tests::samples;

/// The seed of the sample data every database loads.
const SEED: u64 = 20_240_501;

/// Random cases when `RELQ_STREAM_CASES` is not set.
const DEFAULT_CASES: u32 = 32;

// ---------------------------------------------------------------- the corpus

/// `case` with every strategy on `db`; each disagreement pushed on `failures`, named.
fn run_case(
    db: &mut Database,
    server: Server,
    graph: &relq::RelationGraph,
    case: &Case,
    tally: &mut Tally,
    failures: &mut Vec<String>,
) {
    let mut of_case = Vec::new();
    every_strategy(db, server, graph, &case.query, tally, &mut of_case);
    failures.extend(
        of_case
            .into_iter()
            .map(|e| format!("case `{}`, {e}", case.name)),
    );
}

/// Every corpus case with every strategy on `server`; fails listing each disagreement,
/// or when too few cases were streamed.
fn corpus_on(server: Server) {
    let all = cases().expect("the corpus loads");
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for sample in Sample::ALL {
        let of: Vec<&Case> = all.iter().filter(|c| c.sample == Some(sample)).collect();
        if of.is_empty() {
            continue;
        }
        let graph = sample.graph().expect("the sample builds");
        let data = generate(sample, 1, SEED).expect("scale 1 generates");
        let mut db = scratch(server, &format!("stream_{}", sample.name()));
        load(&mut db, &data).unwrap_or_else(|e| panic!("{}: loading: {e}", server.name()));
        for case in of {
            run_case(&mut db, server, &graph, case, &mut tally, &mut failures);
        }
    }
    // The cases with a schema of their own, each on rows drawn for it: the same draws on
    // every database.
    let mut runner = TestRunner::deterministic();
    let rows_of = data_shape_of(8..=16);
    for case in all.iter().filter(|c| c.sample.is_none()) {
        let shape: DataShape = rows_of
            .new_tree(&mut runner)
            .expect("the strategy draws")
            .current();
        let graph = case.graph().expect("the case's schema builds");
        let compiles = |db: &Database| {
            STRATEGIES
                .iter()
                .any(|&s| compile(&graph, &case.query.clone().strategy(s), db.dialect()).is_ok())
        };
        let mut db = scratch(server, "stream_case");
        if !compiles(&db) {
            // Refused with every strategy (a name too long): no tables to make.
            for strategy in STRATEGIES {
                tally.add(server, strategy, Compared::Refused);
            }
            continue;
        }
        if server == Server::Postgres && graph.models().len() > 32 {
            // PostgreSQL 15 plans the 62-table join of `join_62_tables_past_mysqls_limit`
            // for over a minute with the default join_collapse_limit (8); at 1 it keeps
            // the joins in their written order and plans in about a second. A plan never
            // changes the rows, and fetch and stream run under the same setting.
            db.run("SET join_collapse_limit = 1", &[])
                .unwrap_or_else(|e| panic!("postgres: {e}"));
        }
        if let Err(e) = load_rows(&mut db, &graph, &shape.rows(&graph)) {
            failures.push(format!("case `{}` on {}: {e}", case.name, server.name()));
            continue;
        }
        run_case(&mut db, server, &graph, case, &mut tally, &mut failures);
    }
    tally.print("corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Not vacuous: most cases return every record, and every strategy streams them; split
    // and auto read several statements side by side in many (42 and 9 when written).
    for strategy in STRATEGIES {
        let [n, records, ..] = tally.streamed(server, strategy);
        assert!(
            n * 4 >= all.len() * 3 && records > 0,
            "{n} of {} corpus cases streamed ({records} records) on {} with {strategy:?}",
            all.len(),
            server.name()
        );
    }
    for (strategy, least) in [(Strategy::Split, 30), (Strategy::Auto, 5)] {
        let [_, _, several, ..] = tally.streamed(server, strategy);
        assert!(
            several >= least,
            "{several} {strategy:?} cases read several statements on {}",
            server.name()
        );
    }
}

#[test]
fn corpus_streams_what_fetch_returns_on_sqlite() {
    corpus_on(Server::Sqlite);
}

#[test]
fn corpus_streams_what_fetch_returns_on_postgres() {
    corpus_on(Server::Postgres);
}

#[test]
fn corpus_streams_what_fetch_returns_on_mariadb() {
    corpus_on(Server::MariaDb);
}

// ---------------------------------------------------------------- random cases

#[test]
fn random_queries_stream_what_fetch_returns_on_three_databases() {
    let cases = std::env::var("RELQ_STREAM_CASES")
        .ok()
        .map(|n| n.parse().expect("RELQ_STREAM_CASES is a number"))
        .unwrap_or(DEFAULT_CASES);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/stream.txt",
        ))),
        max_shrink_iters: 200,
        ..Config::default()
    };
    let tally = RefCell::new(Tally::default());
    let checked = RefCell::new(0usize);
    let strategy = (
        loadable_schema(),
        data_shape_of(4..=16),
        query_shape_counting(0..8),
    );
    let result = TestRunner::new(config).run(&strategy, |(def, data, shape)| {
        let graph = def
            .build()
            .map_err(|e| TestCaseError::fail(format!("schema: {e}")))?;
        let rows = data.rows(&graph);
        // The query drawn, and the same without its filters: random filters often keep
        // no root, and most queries should hand records out.
        let query = shape.query(&graph);
        let unfiltered = Query {
            filter: Vec::new(),
            exclude: Vec::new(),
            ..query.clone()
        };
        let mut failures = Vec::new();
        let mut of_case = Tally::default();
        for server in Server::ALL {
            let mut db = scratch(server, "stream_random");
            if let Err(e) = load_rows(&mut db, &graph, &rows) {
                failures.push(format!("{}: {e}", server.name()));
                continue;
            }
            for query in [&query, &unfiltered] {
                let mut of_query = Vec::new();
                every_strategy(&mut db, server, &graph, query, &mut of_case, &mut of_query);
                let json = serde_json::to_string(query).unwrap_or_default();
                failures.extend(of_query.into_iter().map(|e| format!("query {json}: {e}")));
            }
        }
        if !failures.is_empty() {
            return Err(TestCaseError::fail(format!(
                "schema:\n{}\n{}",
                def.to_toml().unwrap_or_else(|e| e.to_string()),
                failures.join("\n")
            )));
        }
        let mut tally = tally.borrow_mut();
        for (key, counts) in of_case.counts {
            let sum = tally.counts.entry(key).or_default();
            for (s, c) in sum.iter_mut().zip(counts) {
                *s += c;
            }
        }
        *checked.borrow_mut() += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let tally = tally.into_inner();
    let checked = checked.into_inner();
    tally.print("random cases");
    // Not vacuous: a random query returns every record and compiles on every dialect, so
    // both queries of every case were streamed with every strategy on every database,
    // handing out records.
    assert!(checked >= cases as usize, "{checked} cases checked");
    for server in Server::ALL {
        for strategy in STRATEGIES {
            let [n, records, ..] = tally.streamed(server, strategy);
            assert_eq!(n, 2 * checked, "{} with {strategy:?}", server.name());
            assert!(
                records >= 2 * checked,
                "{records} records in {checked} cases on {} with {strategy:?}",
                server.name()
            );
        }
    }
}

// ---------------------------------------------------------------- stopping, refusing

/// The school sample with its lists split: three statements read side by side.
fn split_school_query() -> Query {
    Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students")
        .strategy(Strategy::Split)
}

#[test]
fn a_visitor_that_breaks_after_the_first_root_stops_the_stream() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, SEED).expect("scale 1 generates");
    let query = split_school_query();
    for server in Server::ALL {
        let name = server.name();
        let mut db = scratch(server, "stream_break");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{name}: loading: {e}"));
        let compiled = compile_with(&graph, &query, db.dialect(), &SEMI_JOIN).expect("compiles");
        assert_eq!(compiled.statements.len(), 3, "{name}: split into three");
        let fetched = db.fetch(&compiled).expect("fetch");
        let all_rows = fetched.rows;
        let want = fetched.answer.into_records().expect("records");
        let mut seen = Vec::new();
        let first = RecordStream::new(&compiled.plan.extraction, |record| {
            seen.push(record);
            ControlFlow::Break(())
        })
        .expect("a stream");
        let stopped = db
            .stream(&compiled, first)
            .unwrap_or_else(|e| panic!("{name}: a break is no error: {e}"));
        assert_eq!(seen.len(), 1, "{name}: one root seen");
        assert_eq!(seen.first(), want.first(), "{name}: fetch's first root");
        assert!(
            stopped.rows < all_rows / 10,
            "{name}: {} of {all_rows} rows read before the break",
            stopped.rows
        );
        // The connection is left as it was: the whole stream runs on it next.
        let (records, rows) = streamed(&mut db, &graph, &query).expect("the next stream");
        assert_eq!(
            (records == want, rows),
            (true, all_rows),
            "{name}: the next stream"
        );
    }
}

#[test]
fn count_and_bound_root_keys_are_not_streamable() {
    let graph = Sample::School.graph().expect("the school sample builds");
    for server in Server::ALL {
        let name = server.name();
        let mut db = loaded(server, "stream_refused", &graph, &samples::school_rows());
        let count = Query::new("SchoolClass")
            .select_related("students")
            .terminal(Terminal::Count);
        let keys = PlanOptions {
            list_roots: Some(ListRoots::Keys),
        };
        let bound =
            compile_with(&graph, &split_school_query(), db.dialect(), &keys).expect("compiles");
        assert!(
            bound.statements.iter().skip(1).all(|s| s.keys.is_some()),
            "{name}: the list statements bind the root keys"
        );
        let counted = compile_with(&graph, &count, db.dialect(), &SEMI_JOIN).expect("compiles");
        for (what, compiled) in [("count", &counted), ("bound keys", &bound)] {
            let seen = Cell::new(0);
            let error = db
                .stream(compiled, Counting(&seen))
                .expect_err("not streamable");
            assert!(
                matches!(error.kind(), ExecErrorKind::NotStreamable { .. }),
                "{name}, {what}: {error}"
            );
            assert_eq!(seen.get(), 0, "{name}, {what}: no record handed out");
        }
    }
}

/// A visitor that counts the records it is given in a cell (a count's plan has no
/// record node, so no `RecordStream` is made for it).
struct Counting<'c>(&'c Cell<usize>);

impl Visitor for Counting<'_> {
    type Id = usize;
    type Output = ();

    fn record(&mut self, _: usize, _: &mut [Value]) -> usize {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }

    fn attach(&mut self, _: usize, _: usize, _: Link<'_>) {}

    fn finish(self) {}
}

// ---------------------------------------------------------------- connections

#[test]
fn mysql_streams_several_statements_only_with_side_connections() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let query = split_school_query();
    // Opened from its URL: the side connections come from it.
    let mut by_url = loaded(
        Server::MariaDb,
        "stream_side",
        &graph,
        &samples::school_rows(),
    );
    let compiled = compile_with(&graph, &query, by_url.dialect(), &SEMI_JOIN).expect("compiles");
    assert_eq!(compiled.statements.len(), 3, "split into three");
    let want = by_url.execute(&compiled).expect("fetch");
    let (records, _) = streamed(&mut by_url, &graph, &query).expect("streams by URL");
    assert_eq!(records, want);
    assert!(records.len() >= 5, "{} records", records.len());
    // Given a connection without its options: no side connections.
    let mut conn = common::servers::mariadb();
    {
        use mysql::prelude::Queryable;
        let namespace = format!("relq_stream_side_{}", std::process::id());
        conn.query_drop(format!("USE `{namespace}`")).expect("USE");
    }
    let mut given = Database::mysql(conn).expect("a MariaDB connection");
    let error = streamed(&mut given, &graph, &query).expect_err("needs side connections");
    assert!(error.contains("side connections"), "{error}");
    // One statement needs none.
    let joined = query.clone().strategy(Strategy::Joined);
    let (records, _) = streamed(&mut given, &graph, &joined).expect("one statement streams");
    assert_eq!(records, want);
}

#[test]
fn mysql_side_connections_read_the_database_in_use() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let query = split_school_query();
    let mut db = loaded(
        Server::MariaDb,
        "stream_use_a",
        &graph,
        &samples::school_rows(),
    );
    let (first, _) = streamed(&mut db, &graph, &query).expect("streams");
    // The same tables in another database, other rows: one class without anybody.
    let other = format!("relq_stream_use_b_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS `{other}`"),
        format!("CREATE DATABASE `{other}`"),
        format!("USE `{other}`"),
    ] {
        db.run(&sql, &[]).expect("a second database");
    }
    let outcome = (|| {
        db.create_tables(&graph).map_err(|e| e.to_string())?;
        let classes = graph.model_by_name("Department").ok_or("declared")?;
        db.insert(classes, &[vec![Value::Int(1), Value::Text("D".into())]])
            .map_err(|e| e.to_string())?;
        let classes = graph.model_by_name("SchoolClass").ok_or("declared")?;
        let class = vec![Value::Int(7), Value::Text("7G".into()), Value::Int(1)];
        db.insert(classes, &[class]).map_err(|e| e.to_string())?;
        // Another query text: the mysql crate's cache of prepared statements, by text,
        // would hand the driver's own connection the first database's statement.
        let query = query.clone().order_by(OrderBy::new("-name"));
        let want = compile(&graph, &query, db.dialect())
            .map_err(|e| e.to_string())
            .and_then(|c| db.execute(&c).map_err(|e| e.to_string()))?;
        let (got, _) = streamed(&mut db, &graph, &query)?;
        Ok::<_, String>((want, got))
    })();
    let dropped = db.run(&format!("DROP DATABASE `{other}`"), &[]);
    let (want, got) = outcome.unwrap_or_else(|e| panic!("in the second database: {e}"));
    dropped.expect("dropped");
    assert_eq!(want.len(), 1, "one class in the second database");
    assert_eq!(got, want, "the stream reads the database in use");
    assert_ne!(got, first);
}

#[test]
fn postgres_streams_inside_the_callers_transaction_and_leaves_it_open() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let _tables = loaded(
        Server::Postgres,
        "stream_tx",
        &graph,
        &samples::school_rows(),
    );
    let mut client = common::servers::postgres();
    let namespace = format!("relq_stream_tx_{}", std::process::id());
    let count = |client: &mut ::postgres::Client| -> i64 {
        client
            .query_one(
                "SELECT count(*) FROM \"schoolclasses\" WHERE \"id\" = 99",
                &[],
            )
            .expect("a count")
            .get(0)
    };
    client
        .batch_execute(&format!("SET search_path TO \"{namespace}\""))
        .expect("the namespace");
    client
        .batch_execute(
            "BEGIN; \
             INSERT INTO \"schoolclasses\" (\"id\", \"name\", \"department_id\") VALUES (99, 'tx', 1); \
             INSERT INTO \"students\" (\"id\", \"name\", \"schoolclass_id\") VALUES (99, 'new', 99)",
        )
        .expect("a write in the caller's transaction");
    let dialect = relq::Postgres::from_client(&mut client).expect("the server's facts");
    let compiled =
        compile_with(&graph, &split_school_query(), &dialect, &SEMI_JOIN).expect("compiles");
    assert_eq!(compiled.statements.len(), 3, "split into three");
    let want = relq::exec::fetch(
        &mut relq::postgres::PostgresDriver::in_transaction_of(&mut client),
        &compiled,
    )
    .expect("fetch")
    .answer
    .into_records()
    .expect("records");
    let mut records = Vec::new();
    let each = RecordStream::new(&compiled.plan.extraction, |record| {
        records.push(record);
        ControlFlow::Continue(())
    })
    .expect("a stream");
    relq::exec::stream(
        &mut relq::postgres::PostgresDriver::in_transaction_of(&mut client),
        &compiled,
        each,
    )
    .expect("streams in the caller's transaction");
    assert_eq!(records, want);
    // The write is streamed: class 99 with its one student.
    let last = records.last().expect("records");
    assert_eq!(last.fields.first(), Some(&Value::Int(99)));
    assert!(
        matches!(last.relations.get(1), Some(relq::rows::Related::Many(s)) if s.len() == 1),
        "{last:?}"
    );
    // The transaction is still the caller's: the write is there until the caller rolls
    // it back (had the stream ended the transaction, the row would be gone already, or
    // would stay after the ROLLBACK).
    assert_eq!(count(&mut client), 1, "the write is still visible");
    client
        .batch_execute("ROLLBACK")
        .expect("the caller rolls back");
    assert_eq!(count(&mut client), 0, "the write is rolled back");
}

// ---------------------------------------------------------------- root orderings

#[test]
fn roots_ordered_by_a_non_key_field_stream_as_fetched() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, SEED).expect("scale 1 generates");
    let lists = || {
        Query::new("SchoolClass")
            .select_related("students")
            .select_related("teachers__category")
            .strategy(Strategy::Split)
    };
    let queries = [
        ("by name", lists().order_by(OrderBy::new("name"))),
        (
            "by name, descending",
            lists().order_by(OrderBy::new("-name")),
        ),
        (
            "by the department's name",
            lists().order_by(OrderBy::new("department__name")),
        ),
        (
            "by the department's name, descending, a page",
            lists()
                .order_by(OrderBy::new("-department__name"))
                .limit(30)
                .offset(5),
        ),
    ];
    for server in Server::ALL {
        let name = server.name();
        let mut db = scratch(server, "stream_order");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{name}: loading: {e}"));
        for (what, query) in &queries {
            let compared = compile_both(&db, &graph, query)
                .and_then(|both| both.map_err(|c| format!("not compared: {c:?}")))
                .and_then(|both| compare(&mut db, &both))
                .unwrap_or_else(|e| panic!("{what} on {name}: {e}"));
            assert!(
                matches!(compared, Compared::Streamed { records, statements: 3 } if records >= 30),
                "{what} on {name}: {compared:?}"
            );
            // Not the key order: the ordering is the field's.
            let (records, _) = streamed(&mut db, &graph, query).expect("streams");
            let keys: Vec<&Value> = records.iter().filter_map(|r| r.fields.first()).collect();
            assert!(
                keys.windows(2)
                    .any(|w| matches!((w[0], w[1]), (Value::Int(a), Value::Int(b)) if a > b)),
                "{what} on {name}: the roots came in key order"
            );
        }
    }
}
