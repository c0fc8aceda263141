//! The executors on real data, differentially: the school sample
//! (`schemas/school.toml`) is created with `relq_sql::create_tables` on SQLite (in
//! memory), PostgreSQL (`RELQ_POSTGRES_URL`, a fresh schema) and MariaDB
//! (`RELQ_MYSQL_URL`, a fresh database), the same small data set goes in through
//! parameterised INSERTs, and every query below runs through `relq_sqlite::execute`,
//! `relq_postgres::execute` and `relq_mysql::execute`: the three must return equal
//! records (compared as `relq_rows::to_json` output). The seed query's SQLite JSON is
//! snapshotted once. One more test puts a row of every field type
//! (`samples::every_field_type`) on the three and reads it back alike: decimals, dates,
//! times, UUIDs, JSON and bytes through each driver's conversion.
//!
//! The data: class 1A has two teachers (one without category) and two students; 2B no
//! teacher and a student without category; 3C a teacher and two students; 4D a teacher and
//! a student without category; 5E nobody. Names are capitalised alike so no collation
//! (MariaDB's is case-insensitive) can order them differently.
//!
//! A missing server URL fails the test, never skips it (`bash scripts/test.sh` starts the
//! servers; by hand `scripts/servers.sh start` and `eval "$(scripts/servers.sh env)"`).

mod common;

use common::load::{self, Data, Table};
use relq_graph::RelationGraph;
use relq_plan::{OrderBy, Query, Value};
use relq_rows::to_json;
use relq_sql::{Dialect, compile};
use relq_tests::samples::{self, Sample};

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// The school data set.
fn data() -> Vec<Table> {
    let person = |id, name: &str, class, category: Option<i64>| {
        vec![
            int(id),
            text(name),
            int(class),
            category.map_or(Value::Null, int),
        ]
    };
    vec![
        (
            "departments",
            "id, name",
            vec![vec![int(1), text("Science")], vec![int(2), text("Arts")]],
        ),
        (
            "categories",
            "id, name",
            vec![
                vec![int(1), text("Math")],
                vec![int(2), text("Art")],
                vec![int(3), text("Music")],
            ],
        ),
        (
            "schoolclasses",
            "id, name, department_id",
            vec![
                vec![int(1), text("1A"), int(1)],
                vec![int(2), text("2B"), int(1)],
                vec![int(3), text("3C"), int(2)],
                vec![int(4), text("4D"), int(2)],
                vec![int(5), text("5E"), int(1)],
            ],
        ),
        (
            "teachers",
            "id, name, schoolclass_id, category_id",
            vec![
                person(1, "Ann", 1, Some(1)),
                person(2, "Bob", 1, None),
                person(3, "Fay", 3, Some(2)),
                person(4, "Gus", 4, Some(3)),
            ],
        ),
        (
            "students",
            "id, name, schoolclass_id, category_id",
            vec![
                person(1, "Cid", 1, Some(1)),
                person(2, "Dee", 1, Some(2)),
                person(3, "Eve", 2, None),
                person(4, "Abe", 3, Some(3)),
                person(5, "Hal", 4, None),
                person(6, "Ida", 3, Some(1)),
            ],
        ),
    ]
}

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

fn graph() -> RelationGraph {
    Sample::School.graph().expect("the school sample builds")
}

/// Each query's JSON on one database, in `queries()` order.
fn answers(
    graph: &RelationGraph,
    dialect: &dyn Dialect,
    mut run: impl FnMut(&relq_sql::Compiled<'_>) -> Result<Vec<relq_rows::Record>, relq_rows::ExecError>,
) -> Vec<serde_json::Value> {
    queries()
        .into_iter()
        .map(|(name, query)| {
            let compiled = compile(graph, &query, dialect)
                .unwrap_or_else(|e| panic!("{name}: compiles for {}: {e}", dialect.caps().name));
            let records = run(&compiled)
                .unwrap_or_else(|e| panic!("{name}: runs on {}: {e}", dialect.caps().name));
            to_json(&compiled.plan.extraction, &records)
                .unwrap_or_else(|e| panic!("{name}: JSON on {}: {e}", dialect.caps().name))
        })
        .collect()
}

// ---------------------------------------------------------------- the three databases

fn sqlite_answers(graph: &RelationGraph) -> Vec<serde_json::Value> {
    let conn = load::sqlite(graph, Data::Rows(&data()));
    answers(graph, &relq_sqlite::Sqlite::default(), |c| {
        relq_sqlite::execute(&conn, c)
    })
}

fn postgres_answers(graph: &RelationGraph) -> Vec<serde_json::Value> {
    let mut db = load::postgres(graph, Data::Rows(&data()), "relq_diff");
    answers(graph, &relq_postgres::Postgres::default(), |c| {
        relq_postgres::execute(&mut db.client, c)
    })
}

fn mariadb_answers(graph: &RelationGraph) -> Vec<serde_json::Value> {
    let mut db = load::mariadb(graph, Data::Rows(&data()), "relq_diff");
    answers(graph, &relq_mysql::MySql::default(), |c| {
        relq_mysql::execute(&mut db.conn, c)
    })
}

// ---------------------------------------------------------------- the tests

#[test]
fn three_databases_return_equal_records() {
    let graph = graph();
    let sqlite = sqlite_answers(&graph);
    let postgres = postgres_answers(&graph);
    let mariadb = mariadb_answers(&graph);
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
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
    let graph = graph();
    let json = sqlite_answers(&graph).swap_remove(0);
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).expect("JSON prints"));
}

#[test]
fn every_field_type_reads_alike_on_three_databases() {
    let graph = samples::every_field_type().build().expect("valid schema");
    let query = Query::new("Item")
        .select_related("tag")
        .select_related("tags");
    let json = |dialect: &dyn Dialect,
                run: &mut dyn FnMut(
        &relq_sql::Compiled<'_>,
    )
        -> Result<Vec<relq_rows::Record>, relq_rows::ExecError>| {
        let compiled = compile(&graph, &query, dialect).expect("compiles");
        let records =
            run(&compiled).unwrap_or_else(|e| panic!("runs on {}: {e}", dialect.caps().name));
        to_json(&compiled.plan.extraction, &records).expect("JSON")
    };
    let sqlite = {
        let inserts = load::every_type_inserts('"', "X'0001ff'");
        let conn = load::sqlite(&graph, Data::Sql(&inserts));
        json(&relq_sqlite::Sqlite::default(), &mut |c| {
            relq_sqlite::execute(&conn, c)
        })
    };
    let postgres = {
        let inserts = load::every_type_inserts('"', "'\\x0001ff'");
        let mut db = load::postgres(&graph, Data::Sql(&inserts), "relq_diff_types");
        json(&relq_postgres::Postgres::default(), &mut |c| {
            relq_postgres::execute(&mut db.client, c)
        })
    };
    let mariadb = {
        let inserts = load::every_type_inserts('`', "X'0001ff'");
        let mut db = load::mariadb(&graph, Data::Sql(&inserts), "relq_diff_types");
        json(&relq_mysql::MySql::default(), &mut |c| {
            relq_mysql::execute(&mut db.conn, c)
        })
    };

    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    assert_eq!(
        pretty(&postgres),
        pretty(&sqlite),
        "postgres differs from sqlite"
    );
    assert_eq!(
        pretty(&mariadb),
        pretty(&sqlite),
        "mariadb differs from sqlite"
    );
    // Reviewed: the decimal keeps its scale (`12.50`, `-0.05`), the date-time is ISO with
    // `T` and six fraction digits, the UUID lower-case, JSON a document, bytes in hex.
    insta::assert_snapshot!(pretty(&sqlite), @r#"
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
