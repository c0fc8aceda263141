//! The executors on real data, differentially, on SQLite (in memory), PostgreSQL
//! (`RELQ_POSTGRES_URL`) and MariaDB (`RELQ_MYSQL_URL`), each in a fresh namespace
//! (`common::servers::scratch`), loaded through `relq::Database` (`create_tables`,
//! `insert`) and queried through `Database::fetch`: the three must return equal answers
//! (records compared as `relq_rows::to_json` output, counts and flat rows as
//! `Answer::to_json`).
//!
//! - Every corpus case whose schema is a sample (school, blog, person) runs on that
//!   sample's generated data at scale 1 (`relq_sample::generate`, seed [`SEED`]), each
//!   sample loaded once per database; every such case must return records, but
//!   `filter_in_an_empty_list` (`in []` matches nothing).
//!   Each case also runs with the other strategies (of `auto`, `joined` and `split`),
//!   each of which must give the same answer on the same database.
//! - Six corpus-like queries run on a small hand-made school data set, whose seed-query
//!   answer on SQLite is snapshotted: class 1A has two teachers (one without category) and
//!   two students; 2B no teacher and a student without category; 3C a teacher and two
//!   students; 4D a teacher and a student without category; 5E nobody.
//! - A row of every field type (`samples::every_field_type`) is bound and read back alike:
//!   decimals, dates, times, UUIDs, JSON and bytes through each driver's conversion.
//!
//! A missing server URL fails the test, never skips it (`bash scripts/test.sh` starts the
//! servers; by hand `scripts/servers.sh start` and `eval "$(scripts/servers.sh env)"`).

mod common;

use common::servers::{Server, loaded, scratch};
use common::strategies::{found_something, refused_by_dialect};
use relq::exec::ExecErrorKind;
use relq::{Database, OrderBy, Query, RelationGraph, Strategy, compile};
use relq_sample::{Sample, generate, load};
use relq_tests::corpus::{Case, cases};
use relq_tests::samples;

/// The seed of the sample data every database loads.
const SEED: u64 = 20_240_501;

/// A query's answer as JSON on `db` (its records, count or flat rows:
/// `Answer::to_json`; `get`'s NoMatch / MultipleMatches as `{"error": message}`, an
/// outcome the databases must agree on), or what failed.
fn answer(
    graph: &RelationGraph,
    query: &Query,
    db: &mut Database,
) -> Result<serde_json::Value, String> {
    let compiled = compile(graph, query, db.dialect()).map_err(|e| format!("compile: {e}"))?;
    match db.fetch(&compiled) {
        Ok(fetched) => fetched
            .answer
            .to_json(&compiled.plan.extraction)
            .map_err(|e| format!("JSON: {e}")),
        Err(e)
            if matches!(
                e.kind(),
                ExecErrorKind::NoMatch { .. } | ExecErrorKind::MultipleMatches { .. }
            ) =>
        {
            Ok(serde_json::json!({ "error": e.to_string() }))
        }
        Err(e) => Err(format!("execute: {e}")),
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// Where `other` first differs from `first` (both arrays of root records): the index and
/// the two records there, or the lengths.
fn first_difference(first: &serde_json::Value, other: &serde_json::Value) -> String {
    let (a, b) = (
        first.as_array().cloned().unwrap_or_default(),
        other.as_array().cloned().unwrap_or_default(),
    );
    match a.iter().zip(&b).position(|(x, y)| x != y) {
        Some(i) => format!("record {i}:\n{}\nversus\n{}", pretty(&a[i]), pretty(&b[i])),
        None => format!("{} records versus {}", a.len(), b.len()),
    }
}

// ---------------------------------------------------------------- the corpus on sample data

/// Every corpus case on a sample, grouped by sample.
fn sample_cases() -> Vec<(Sample, Vec<Case>)> {
    let all = cases().expect("the corpus loads");
    Sample::ALL
        .into_iter()
        .map(|sample| {
            let of: Vec<Case> = all
                .iter()
                .filter(|c| c.sample == Some(sample))
                .cloned()
                .collect();
            (sample, of)
        })
        .filter(|(_, of)| !of.is_empty())
        .collect()
}

/// A case's outcome on one database: its records as JSON, or `None` when the dialect
/// refuses the query at compile time as beyond it (an unsupported lookup, a name too long,
/// too many tables): "unsupported" is an outcome, never a disagreement.
type Outcome = Result<Option<serde_json::Value>, String>;

/// Each sample case's outcome on `server`, in [`sample_cases`] order: every sample loaded
/// once, in its own namespace. A case whose answer differs with the other strategy is
/// an error.
fn corpus_answers(server: Server) -> Vec<(String, Outcome)> {
    let mut out = Vec::new();
    for (sample, of) in sample_cases() {
        let graph = sample.graph().expect("the sample builds");
        let data = generate(sample, 1, SEED).expect("scale 1 generates");
        let mut db = scratch(server, &format!("diff_{}", sample.name()));
        load(&mut db, &data).unwrap_or_else(|e| panic!("{}: loading: {e}", server.name()));
        for case in of {
            let outcome = match compile(&graph, &case.query, db.dialect()) {
                Err(e) if refused_by_dialect(e.kind()) => Ok(None),
                _ => answer(&graph, &case.query, &mut db).map(Some),
            };
            let mut outcome = outcome;
            for strategy in [
                Strategy::Joined,
                Strategy::Split,
                Strategy::Json,
                Strategy::Auto,
            ] {
                if strategy == case.query.strategy {
                    continue;
                }
                let other = case.query.clone().strategy(strategy);
                outcome = match (outcome, compile(&graph, &other, db.dialect())) {
                    (Ok(Some(json)), Ok(_)) => match answer(&graph, &other, &mut db) {
                        Ok(by_other) if by_other == json => Ok(Some(json)),
                        Ok(by_other) => Err(format!(
                            "{strategy:?} differs from {:?} at {}",
                            case.query.strategy,
                            first_difference(&json, &by_other)
                        )),
                        Err(e) => Err(format!("{strategy:?}: {e}")),
                    },
                    (Ok(Some(_)), Err(e)) => Err(format!("{strategy:?}: compile: {e}")),
                    (outcome, _) => outcome,
                };
            }
            out.push((case.name.clone(), outcome));
        }
    }
    out
}

#[test]
fn corpus_cases_on_sample_data_agree_on_three_databases() {
    let answers = Server::ALL.map(corpus_answers);
    let cases = answers[0].len();
    assert!(cases > 0, "no corpus case is on a sample");
    let mut problems = Vec::new();
    let mut empty = Vec::new();
    for i in 0..cases {
        let name = &answers[0][i].0;
        // The databases that ran the case, with their records.
        let mut ran: Vec<(Server, &serde_json::Value)> = Vec::new();
        for (server, outcomes) in Server::ALL.into_iter().zip(&answers) {
            match &outcomes[i].1 {
                Ok(Some(json)) => ran.push((server, json)),
                Ok(None) => eprintln!("case `{name}`: refused by {}", server.name()),
                Err(e) => problems.push(format!("case `{name}` on {}: {e}", server.name())),
            }
        }
        let Some(&(first_server, first)) = ran.first() else {
            continue;
        };
        eprintln!(
            "case `{name}` on {}: {}",
            first_server.name(),
            summary(first)
        );
        if !found_something(first) && !MATCHING_NOTHING.contains(&name.as_str()) {
            empty.push(name.clone());
        }
        for &(server, json) in &ran[1..] {
            if json != first {
                problems.push(format!(
                    "case `{name}`: {} differs from {} at {}",
                    server.name(),
                    first_server.name(),
                    first_difference(first, json)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // Not vacuous: every case finds records in the sample data but the one whose filter
    // matches nothing by design (`in []`).
    assert!(empty.is_empty(), "cases returning no records: {empty:?}");
}

/// An answer in a few words for the log: `12 records`, `{"count":3}`.
fn summary(answer: &serde_json::Value) -> String {
    match answer {
        serde_json::Value::Array(items) => format!("{} records", items.len()),
        other => other.to_string().chars().take(80).collect(),
    }
}

/// The corpus cases on a sample that return no records by design.
const MATCHING_NOTHING: [&str; 1] = ["filter_in_an_empty_list"];

// ---------------------------------------------------------------- a small hand-made data set

/// The seed query of the corpus.
fn seed_query() -> Query {
    Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
}

/// The queries every database must answer alike.
fn queries() -> Vec<(&'static str, Query)> {
    vec![
        ("seed", seed_query()),
        (
            "page with students",
            Query::new("SchoolClass")
                .select_related("students")
                .limit(2)
                .offset(1),
        ),
        (
            "descending name",
            Query::new("SchoolClass")
                .select_related("teachers")
                .order_by(OrderBy::new("-name")),
        ),
        (
            "across loaded students by name",
            Query::new("SchoolClass")
                .select_related("students")
                .order_by(OrderBy::new("students__name")),
        ),
        (
            "across students not loaded, descending",
            Query::new("SchoolClass")
                .select_related("teachers__category")
                .order_by(OrderBy::new("-students__name")),
        ),
        (
            "students with class and department",
            Query::new("Student").select_related("schoolclass__department"),
        ),
    ]
}

/// Each query's JSON on `server`, in `queries()` order.
fn answers(server: Server, graph: &RelationGraph) -> Vec<serde_json::Value> {
    let mut db = loaded(server, "diff_small", graph, &samples::school_rows());
    queries()
        .into_iter()
        .map(|(name, query)| {
            answer(graph, &query, &mut db)
                .unwrap_or_else(|e| panic!("{name} on {}: {e}", server.name()))
        })
        .collect()
}

fn school() -> RelationGraph {
    Sample::School.graph().expect("the school sample builds")
}

#[test]
fn three_databases_return_equal_records() {
    let graph = school();
    let [sqlite, postgres, mariadb] = Server::ALL.map(|s| answers(s, &graph));
    // Not vacuous: every query returns records (the page two, the others five or six).
    for (answer, (name, _)) in sqlite.iter().zip(queries()) {
        let roots = answer.as_array().map_or(0, Vec::len);
        assert!(
            roots >= 2,
            "query `{name}` returned {roots} records on sqlite"
        );
    }
    let mut differences = Vec::new();
    for (i, (name, _)) in queries().iter().enumerate() {
        for (db, answer) in [("postgres", &postgres[i]), ("mariadb", &mariadb[i])] {
            if *answer != sqlite[i] {
                differences.push(format!(
                    "query `{name}`: {db} differs from sqlite\n== sqlite\n{}\n== {db}\n{}",
                    pretty(&sqlite[i]),
                    pretty(answer)
                ));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

#[test]
fn seed_query_records_on_sqlite() {
    // Classes in id order; each one's teachers and students in id order; a NULL category
    // is null; a class without teachers (2B, 5E) has `[]`.
    let graph = school();
    let json = answers(Server::Sqlite, &graph).swap_remove(0);
    insta::assert_snapshot!(pretty(&json));
}

// ---------------------------------------------------------------- every field type

#[test]
fn every_field_type_reads_alike_on_three_databases() {
    let graph = samples::every_field_type().build().expect("valid schema");
    let query = Query::new("Item")
        .select_related("tag")
        .select_related("tags");
    let [sqlite, postgres, mariadb] = Server::ALL.map(|server| {
        let mut db = loaded(
            server,
            "diff_types",
            &graph,
            &samples::every_field_type_rows(),
        );
        let json =
            answer(&graph, &query, &mut db).unwrap_or_else(|e| panic!("{}: {e}", server.name()));
        pretty(&json)
    });
    assert_eq!(postgres, sqlite, "postgres differs from sqlite");
    assert_eq!(mariadb, sqlite, "mariadb differs from sqlite");
    // Reviewed: the decimal keeps its scale (`12.50`, `-0.05`), the date-time is ISO with
    // `T` and six fraction digits, the UUID lower-case, JSON a document, bytes in hex.
    insta::assert_snapshot!(sqlite, @r#"
    [
      {
        "id": 1,
        "count": -7,
        "ratio": 0.5,
        "price": "12.50",
        "note": "n",
        "title": "T",
        "done": true,
        "day": "2024-05-01",
        "at": "13:45:00",
        "stamp": "2024-05-01T13:45:00.250000",
        "uid": "67e55044-10b1-426f-9247-bb680e5fe0c8",
        "doc": {
          "a": 1
        },
        "raw": "0001ff",
        "tag_id": "a",
        "tag": {
          "code": "a"
        },
        "tags": [
          {
            "code": "a"
          },
          {
            "code": "b"
          }
        ]
      },
      {
        "id": 2,
        "count": 0,
        "ratio": null,
        "price": "-0.05",
        "note": "",
        "title": "U",
        "done": false,
        "day": "1999-12-31",
        "at": "00:00:00",
        "stamp": "1999-12-31T23:59:59",
        "uid": "00000000-0000-0000-0000-000000000000",
        "doc": [],
        "raw": "0001ff",
        "tag_id": null,
        "tag": null,
        "tags": []
      }
    ]
    "#);
}
