//! `Steps`, a compiled query run by its caller's own driver (an embedder that keeps its
//! driver and connection): on a SQLite file of the school sample, each run is executed
//! with rusqlite by the test itself and its rows fed back as values, and the answer is
//! `Database::fetch`'s for every strategy, with a filter and a page (the list statements
//! then bind the root keys statement 0 returned, in chunks: a dialect of 3 parameters
//! makes several runs), for the `%s` paramstyle too (the text a Python driver reads,
//! turned back into SQLite's `?` for the run); a row fed before any run, or finishing
//! early, is an error.

use relq::exec::Steps;
use relq::sql::{Caps, Placeholder};
use relq::{Database, Filter, OrderBy, Query, Strategy, Value, compile};
use relq_sample::{Sample, generate, load};

/// The school sample at scale 1 in a SQLite file of its own (in the system's temporary
/// directory, named by the process).
fn school() -> (std::path::PathBuf, String, relq::RelationGraph) {
    let path = std::env::temp_dir().join(format!("relq-steps-{}.db", std::process::id()));
    std::fs::write(&path, b"").expect("an empty database file");
    let url = format!("sqlite:{}", path.display());
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, 11).expect("generates");
    let mut db = Database::open(&url).expect("opens");
    load(&mut db, &data).expect("loads");
    (path, url, graph)
}

/// One SQLite value as relq's, the way an embedder's driver gives it.
fn value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

/// Runs `compiled` by steps on `conn`, each run's `%s` turned into `?` when `format`.
fn by_steps(
    conn: &rusqlite::Connection,
    compiled: &relq::Compiled<'_>,
    format: bool,
) -> (relq::Answer, usize, usize) {
    let mut steps = Steps::new(compiled).expect("steps");
    let mut runs = 0;
    while let Some(run) = steps.next_run() {
        runs += 1;
        let sql = if format {
            assert!(!run.sql.contains('?'), "{}", run.sql);
            run.sql.replace("%s", "?")
        } else {
            run.sql.to_string()
        };
        let mut statement = conn.prepare(&sql).expect("prepares");
        let width = statement.column_count();
        let params = run.params.iter().map(|p| match p {
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
            Value::Null => rusqlite::types::Value::Null,
            other => panic!("the school query binds no {other:?}"),
        });
        let mut rows = statement
            .query(rusqlite::params_from_iter(params))
            .expect("runs");
        while let Some(row) = rows.next().expect("a row") {
            let mut values: Vec<Value> = (0..width)
                .map(|i| value(row.get_ref(i).expect("a value")))
                .collect();
            steps.push(values.as_mut_slice()).expect("takes the row");
        }
    }
    let fetched = steps.finish().expect("an answer");
    (fetched.answer, fetched.rows, runs)
}

#[test]
fn steps_on_the_callers_driver_give_fetchs_answer_for_every_strategy() {
    let (path, url, graph) = school();
    let mut db = Database::open(&url).expect("opens");
    let conn = rusqlite::Connection::open(url.trim_start_matches("sqlite:")).expect("opens");
    let seed = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    let paged = seed
        .clone()
        .filter(Filter::new("name__contains", "a"))
        .order_by(OrderBy::new("-name"))
        .limit(7)
        .offset(2);
    for query in [seed, paged] {
        for strategy in [
            Strategy::Joined,
            Strategy::Split,
            Strategy::Auto,
            Strategy::Json,
        ] {
            let query = query.clone().strategy(strategy);
            let compiled = compile(&graph, &query, db.dialect()).expect("compiles");
            let fetched = db.fetch(&compiled).expect("fetches");
            let (answer, rows, runs) = by_steps(&conn, &compiled, false);
            assert_eq!(answer, fetched.answer, "{strategy:?} {query:?}");
            assert_eq!(rows, fetched.rows, "{strategy:?}");
            assert!(runs >= 1);
            // 3 parameters at most: the bound root keys come in several chunks.
            let small = db.dialect().with_caps(Caps {
                max_params: 3,
                ..*db.dialect().caps()
            });
            let compiled = compile(&graph, &query, small.as_ref()).expect("compiles");
            let (answer, _, runs) = by_steps(&conn, &compiled, false);
            assert_eq!(answer, fetched.answer, "{strategy:?}, chunked");
            if compiled.statements.iter().any(|s| s.keys.is_some()) {
                assert!(runs > compiled.statements.len(), "{runs} runs");
            }
            // The `%s` paramstyle of psycopg and PyMySQL: the same statements.
            let format = db.dialect().with_caps(Caps {
                placeholder: Placeholder::Format,
                ..*db.dialect().caps()
            });
            let compiled = compile(&graph, &query, format.as_ref()).expect("compiles");
            let (answer, _, _) = by_steps(&conn, &compiled, true);
            assert_eq!(answer, fetched.answer, "{strategy:?}, %s");
        }
    }
    drop(conn);
    drop(db);
    std::fs::remove_file(path).expect("removes its file");
}

#[test]
fn a_row_before_a_run_and_an_early_finish_are_errors() {
    let graph = Sample::School.graph().expect("builds");
    let query = Query::new("SchoolClass")
        .select_related("teachers")
        .strategy(Strategy::Split);
    let compiled = compile(&graph, &query, &relq::Sqlite::default()).expect("compiles");
    let mut steps = Steps::new(&compiled).expect("steps");
    let early = steps
        .push(&mut [Value::Int(1)][..])
        .expect_err("no run is out");
    assert!(early.to_string().contains("next_run first"), "{early}");
    assert!(steps.next_run().is_some());
    let unfinished = steps.finish().expect_err("statement 1 never ran");
    assert!(
        unfinished
            .to_string()
            .contains("before every statement ran"),
        "{unfinished}"
    );
}
