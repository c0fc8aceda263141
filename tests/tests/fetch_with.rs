//! `Database::fetch_with` against `Database::fetch` on SQLite (in memory), PostgreSQL
//! (`RELQ_POSTGRES_URL`) and MariaDB (`RELQ_MYSQL_URL`): the records a visitor is handed
//! (a `relq::rows::Recording`, replayed into `Records`) are `fetch`'s, in its order, with
//! its row count, for the school sample at scale 1 with every strategy (json where the
//! dialect has JSON lists; split binding the root keys statement 0 returned) and every
//! terminal that returns records: `all`, a page, `first`, `last`, `get` of one,
//! `get_or_none` of none; `get` of none and of several, and `get_or_none` of several,
//! fail as `fetch` does; a count or flat rows is `NotRecords` before any statement runs.
//!
//! A missing server URL fails the test, never skips it.

mod common;

use common::servers::{Server, scratch};
use relq::exec::ExecErrorKind;
use relq::rows::{Recording, Records};
use relq::{Filter, OrderBy, Query, Strategy, Terminal, compile};
use relq_sample::{Sample, generate, load};

const STRATEGIES: [Strategy; 4] = [
    Strategy::Joined,
    Strategy::Split,
    Strategy::Auto,
    Strategy::Json,
];

/// The school query every case refines.
fn classes() -> Query {
    Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
}

#[test]
fn fetch_with_hands_a_visitor_fetchs_records_on_three_databases() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, 7).expect("scale 1 generates");
    let one = Filter::new("id", 3);
    let none = Filter::new("id", -1);
    let cases = [
        ("all", classes()),
        (
            "a page",
            classes().order_by(OrderBy::new("-name")).limit(5).offset(2),
        ),
        ("first", classes().terminal(Terminal::First)),
        ("last", classes().terminal(Terminal::Last)),
        ("get", classes().filter(one).terminal(Terminal::Get)),
        (
            "get_or_none of none",
            classes().filter(none.clone()).terminal(Terminal::GetOrNone),
        ),
    ];
    let failing = [
        (
            "get of none",
            classes().filter(none).terminal(Terminal::Get),
        ),
        ("get of several", classes().terminal(Terminal::Get)),
        (
            "get_or_none of several",
            classes().terminal(Terminal::GetOrNone),
        ),
    ];
    for server in Server::ALL {
        let name = server.name();
        let mut db = scratch(server, "fetch_with");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{name}: loading: {e}"));
        let mut compared = 0;
        for strategy in STRATEGIES {
            if strategy == Strategy::Json && db.dialect().caps().json.is_none() {
                continue;
            }
            for (what, query) in &cases {
                let query = query.clone().strategy(strategy);
                let compiled = compile(&graph, &query, db.dialect()).expect("compiles");
                let fetched = db.fetch(&compiled).expect("fetch");
                let want = fetched.answer.into_records().expect("records");
                let visited = db
                    .fetch_with(&compiled, Recording::new())
                    .unwrap_or_else(|e| panic!("{name}, {strategy:?}, {what}: {e}"));
                let mut recording = visited.output;
                let got = recording.replay(Records::new(&compiled.plan.extraction).expect("plan"));
                assert_eq!(got, want, "{name}, {strategy:?}, {what}");
                assert_eq!(visited.rows, fetched.rows, "{name}, {strategy:?}, {what}");
                compared += usize::from(!got.is_empty());
            }
            for (what, query) in &failing {
                let query = query.clone().strategy(strategy);
                let compiled = compile(&graph, &query, db.dialect()).expect("compiles");
                let want = db.fetch(&compiled).expect_err("fetch fails");
                let got = db
                    .fetch_with(&compiled, Recording::new())
                    .expect_err("fetch_with fails");
                assert_eq!(
                    got.to_string(),
                    want.to_string(),
                    "{name}, {strategy:?}, {what}"
                );
                assert!(
                    matches!(
                        got.kind(),
                        ExecErrorKind::NoMatch { .. } | ExecErrorKind::MultipleMatches { .. }
                    ),
                    "{name}, {strategy:?}, {what}: {got}"
                );
            }
        }
        // Every non-empty case on every strategy (json on PostgreSQL and MariaDB; none
        // of none is the empty one).
        let strategies = if db.dialect().caps().json.is_some() {
            4
        } else {
            3
        };
        assert_eq!(compared, strategies * (cases.len() - 1), "{name}");
    }
}

#[test]
fn a_count_or_flat_rows_is_not_records_before_any_statement_runs() {
    let graph = Sample::School.graph().expect("the school sample builds");
    for server in Server::ALL {
        let name = server.name();
        // No tables: a statement that ran would fail, not answer NotRecords.
        let mut db = scratch(server, "fetch_with_not_records");
        for terminal in [
            Terminal::Count,
            Terminal::Exists,
            Terminal::Values(relq::Values {
                fields: vec!["name".into()],
                distinct: false,
            }),
        ] {
            let query = Query::new("SchoolClass").terminal(terminal);
            let compiled = compile(&graph, &query, db.dialect()).expect("compiles");
            let e = db
                .fetch_with(&compiled, Recording::new())
                .expect_err("not records");
            assert!(
                matches!(e.kind(), ExecErrorKind::NotRecords { .. }),
                "{name}, {query:?}: {e}"
            );
        }
    }
}
