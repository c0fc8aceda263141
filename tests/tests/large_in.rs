//! `in` lists past the parameter limit, on the real databases: a filter `__in` with
//! 100 000 values is bound as ONE parameter and unpacked in SQL (PostgreSQL `= ANY($1)`,
//! SQLite `json_each`, MariaDB `JSON_TABLE`, `Dialect::bound_list`), and returns exactly
//! the roots it means on SQLite, PostgreSQL and MariaDB, joined and split, for integers,
//! text (quotes, backslashes, non-ASCII) and dates; every kind of value an `in` list
//! takes matches what it means, in `filter` and `exclude`, in the one-parameter form or,
//! for floats and bytes, one placeholder per value; without the form a list past the
//! limit is a typed `TooManyParams` naming the statement, never a driver error; and a
//! driver's error never prints the whole statement.
//!
//! A missing server URL fails the test, never skips it.

mod common;

use common::servers::{Server, loaded};
use relq_graph::{FieldDef, FieldType, ForeignKeyDef, ModelDef, RelationGraph, SchemaDef};
use relq_plan::{Filter, Query, Strategy, Value};
use relq_rows::{Record, Related};
use relq_sql::{Caps, CompileErrorKind, Dialect, compile};
use serde_json::{Value as Json, json};

/// `Author(id, name, born, price, at NULL, clock, uid, active, ratio, raw)` and
/// `Book(id, title, author)`.
fn graph() -> RelationGraph {
    SchemaDef::new()
        .model(
            ModelDef::new("Author")
                .table("authors")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("name", FieldType::TEXT))
                .field(FieldDef::new("born", FieldType::Date))
                .field(FieldDef::new(
                    "price",
                    FieldType::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                ))
                .field(FieldDef::new("at", FieldType::DateTime).nullable())
                .field(FieldDef::new("clock", FieldType::Time))
                .field(FieldDef::new("uid", FieldType::Uuid))
                .field(FieldDef::new("active", FieldType::Boolean))
                .field(FieldDef::new("ratio", FieldType::Float))
                .field(FieldDef::new("raw", FieldType::Bytes)),
        )
        .model(
            ModelDef::new("Book")
                .table("books")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("title", FieldType::TEXT))
                .foreign_key(ForeignKeyDef::new("author", "Author")),
        )
        .build()
        .expect("the authors schema builds")
}

/// `YYYY-MM-DD` of `days` after 1900-01-01 (Howard Hinnant's `civil_from_days`).
fn date(days: i64) -> String {
    let z = days - 25_567 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Author `i`'s name: plain, or every 97th one with a quote, a double quote, a
/// backslash, a non-ASCII letter and an emoji.
fn name(i: i64) -> String {
    if i % 97 == 0 {
        format!("it's \"{i}\" \\ é😀")
    } else {
        format!("n{i}")
    }
}

/// Author `i`'s date of birth: 7 days apart.
fn born(i: i64) -> String {
    date(i * 7)
}

/// Author `i`'s fields, in the model's order.
fn author(i: i64) -> Vec<Value> {
    vec![
        Value::Int(i),
        Value::Text(name(i)),
        Value::Date(born(i)),
        Value::Decimal(format!("{i}.{:02}", i % 100)),
        if i % 5 == 0 {
            Value::Null
        } else {
            Value::DateTime(format!("2024-05-01T13:45:{:02}.250000", i % 60))
        },
        Value::Time(format!("08:{:02}:00", i % 60)),
        Value::Uuid(format!("{i:08x}-0000-4000-8000-{i:012x}")),
        Value::Bool(i % 2 == 0),
        #[allow(clippy::cast_precision_loss)]
        Value::Float(i as f64 + 0.5),
        Value::Bytes(vec![u8::try_from(i % 256).unwrap_or(0), 0, 255]),
    ]
}

/// `authors` authors (ids 1..) with two books each.
fn tables(authors: i64) -> relq_tests::samples::Tables {
    let books = (1..=authors)
        .flat_map(|i| {
            [0, 1].map(|k| {
                vec![
                    Value::Int(2 * i + k),
                    Value::Text(format!("b{i}.{k}")),
                    Value::Int(i),
                ]
            })
        })
        .collect();
    vec![
        ("authors", (1..=authors).map(author).collect()),
        ("books", books),
    ]
}

/// The root ids of `records`, each checked to hold its two books.
fn root_ids(records: &[Record], server: Server) -> Vec<i64> {
    records
        .iter()
        .map(|r| {
            let Value::Int(id) = r.fields[0] else {
                panic!("{}: a key that is no int: {:?}", server.name(), r.fields[0]);
            };
            if let Some(Related::Many(books)) = r.relations.first() {
                assert_eq!(books.len(), 2, "{}: author {id}'s books", server.name());
            }
            id
        })
        .collect()
}

/// Runs `query` with `strategy` on `db`; the compiled statements' largest parameter
/// count, and the root ids.
fn run(
    db: &mut relq::Database,
    graph: &RelationGraph,
    query: &Query,
    strategy: Strategy,
    server: Server,
) -> (usize, Vec<i64>) {
    run_with(db, graph, query, strategy, server, None)
}

/// [`run`], compiled with at most `max_params` bound parameters per statement when given
/// (so a short list is past the limit, and bound as one parameter where it can be).
fn run_with(
    db: &mut relq::Database,
    graph: &RelationGraph,
    query: &Query,
    strategy: Strategy,
    server: Server,
    max_params: Option<usize>,
) -> (usize, Vec<i64>) {
    let query = query.clone().strategy(strategy);
    let limited = max_params.map(|max_params| {
        db.dialect().with_caps(Caps {
            max_params,
            ..*db.dialect().caps()
        })
    });
    let dialect = limited.as_deref().unwrap_or(db.dialect());
    let compiled = compile(graph, &query, dialect)
        .unwrap_or_else(|e| panic!("{} {strategy:?}: {e}", server.name()));
    let params = compiled
        .statements
        .iter()
        .map(|s| s.params.len())
        .max()
        .unwrap_or(0);
    let records = db
        .execute(&compiled)
        .unwrap_or_else(|e| panic!("{} {strategy:?}: {e}", server.name()));
    (params, root_ids(&records, server))
}

/// Authors of the 100 000-value test: few, because MariaDB compares a text column
/// through `CAST(CONVERT(x USING utf8mb4) AS BINARY)` (no index), and its optimizer reads
/// a `JSON_TABLE` list by a block nested loop (`FirstMatch`), every author against every
/// value: 3000 authors take 84 s, 300 about 8 s.
const AUTHORS: i64 = 300;

/// 100 000 values per list.
const LIST: i64 = 100_000;

#[test]
fn a_100_000_value_in_list_returns_exactly_its_roots_on_every_server() {
    let graph = graph();
    let data = tables(AUTHORS);
    // Every third author is meant (and 97 000-odd values match nobody).
    let meant = |i: i64| i % 3 == 0;
    let lists: [(&str, Json); 3] = [
        ("id__in", (0..LIST).map(|k| json!(3 * k)).collect()),
        ("name__in", (0..LIST).map(|k| json!(name(3 * k))).collect()),
        ("born__in", (0..LIST).map(|k| json!(born(3 * k))).collect()),
    ];
    let expected: Vec<i64> = (1..=AUTHORS).filter(|&i| meant(i)).collect();
    for server in Server::ALL {
        let mut db = loaded(server, "large_in", &graph, &data);
        for (path, list) in &lists {
            let query = Query::new("Author")
                .select_related("books")
                .filter(Filter::new(*path, list.clone()));
            for strategy in [Strategy::Joined, Strategy::Split] {
                let (params, ids) = run(&mut db, &graph, &query, strategy, server);
                let at = format!("{} {path} {strategy:?}", server.name());
                assert!(params <= 2, "{at}: {params} parameters, not one list");
                assert_eq!(ids, expected, "{at}");
            }
            // And the complement, NULL-free fields: exclude keeps every other root.
            let query = Query::new("Author").exclude(Filter::new(*path, list.clone()));
            let (_, ids) = run(&mut db, &graph, &query, Strategy::Joined, server);
            let others: Vec<i64> = (1..=AUTHORS).filter(|&i| !meant(i)).collect();
            assert_eq!(ids, others, "{} exclude {path}", server.name());
        }
    }
}

/// One `in` probe: the path, the list, which authors it means, and whether the dialects
/// bind it as one parameter.
struct Probe {
    path: &'static str,
    list: Json,
    meant: fn(i64) -> bool,
    one_parameter: bool,
}

fn probes() -> Vec<Probe> {
    let up = |i: i64| format!("{i:08X}-0000-4000-8000-{i:012X}");
    vec![
        Probe {
            path: "id__in",
            list: json!([1, 3, 1_000_000, -1]),
            meant: |i| i == 1 || i == 3,
            one_parameter: true,
        },
        Probe {
            path: "name__in",
            list: json!([name(97), "N1", "n3", "n3 ", "", "'", "\\"]),
            meant: |i| i == 97 || i == 3,
            one_parameter: true,
        },
        Probe {
            path: "born__in",
            list: json!([born(1), born(3), "1800-01-01"]),
            meant: |i| i == 1 || i == 3,
            one_parameter: true,
        },
        Probe {
            // `3.030` is 3.03; scale does not matter to a decimal's value.
            path: "price__in",
            list: json!(["1.01", "3.030", 7, "-2.00"]),
            meant: |i| i == 1 || i == 3,
            one_parameter: true,
        },
        Probe {
            // Fractions given short; 5 and 10 hold NULL.
            path: "at__in",
            list: json!(["2024-05-01T13:45:01.25", "2024-05-01T13:45:03.250000"]),
            meant: |i| i % 60 == 1 || i % 60 == 3,
            one_parameter: true,
        },
        Probe {
            path: "clock__in",
            list: json!(["08:01:00", "08:03:00.000000"]),
            meant: |i| i % 60 == 1 || i % 60 == 3,
            one_parameter: true,
        },
        Probe {
            // Upper-case UUIDs are typed lower-case.
            path: "uid__in",
            list: json!([up(1), up(3)]),
            meant: |i| i == 1 || i == 3,
            one_parameter: true,
        },
        Probe {
            path: "active__in",
            list: json!([true]),
            meant: |i| i % 2 == 0,
            one_parameter: true,
        },
        Probe {
            path: "ratio__in",
            list: json!([1.5, 3.5, 0.1]),
            meant: |i| i == 1 || i == 3,
            one_parameter: false,
        },
        Probe {
            path: "raw__in",
            list: json!([[1, 0, 255], [3, 0, 255], []]),
            meant: |i| i % 256 == 1 || i % 256 == 3,
            one_parameter: false,
        },
    ]
}

#[test]
fn every_kind_of_in_list_matches_what_it_means_in_filter_and_exclude() {
    let graph = graph();
    let authors = 100;
    let data = tables(authors);
    for server in Server::ALL {
        let mut db = loaded(server, "in_kinds", &graph, &data);
        for probe in probes() {
            let at = format!("{} {}", server.name(), probe.path);
            // A limit of one parameter: the list is past it, so it is bound as one
            // parameter where the kind has the form, else a placeholder per value (then
            // without the small limit, which the list would break).
            let limit = probe.one_parameter.then_some(1);
            let query = Query::new("Author").filter(Filter::new(probe.path, probe.list.clone()));
            let (params, ids) = run_with(&mut db, &graph, &query, Strategy::Joined, server, limit);
            let expected: Vec<i64> = (1..=authors).filter(|&i| (probe.meant)(i)).collect();
            assert_eq!(ids, expected, "{at}");
            let items = probe.list.as_array().map_or(0, Vec::len);
            let want = if probe.one_parameter { 1 } else { items };
            assert_eq!(params, want, "{at}: parameters");
            // exclude: the complement, the NULL `at` of every fifth author included.
            let query = Query::new("Author").exclude(Filter::new(probe.path, probe.list.clone()));
            let (_, ids) = run_with(&mut db, &graph, &query, Strategy::Joined, server, limit);
            let expected: Vec<i64> = (1..=authors).filter(|&i| !(probe.meant)(i)).collect();
            assert_eq!(ids, expected, "{at} exclude");
        }
    }
}

#[test]
fn a_text_list_holding_nul_keeps_its_placeholders_on_sqlite_and_matches() {
    let graph = graph();
    let mut data = tables(3);
    if let Some(row) = data[0].1.get_mut(1) {
        row[1] = Value::Text("a\0b".to_owned());
    }
    let mut db = loaded(Server::Sqlite, "in_nul", &graph, &data);
    let query = Query::new("Author").filter(Filter::new("name__in", json!(["a\0b", "n3"])));
    let (params, ids) = run(&mut db, &graph, &query, Strategy::Joined, Server::Sqlite);
    assert_eq!((params, ids), (2, vec![2, 3]));
}

/// The three dialects' `const` facts, with bound lists off.
fn without_bound_lists() -> Vec<Box<dyn Dialect>> {
    let off = |d: &dyn Dialect| {
        d.with_caps(Caps {
            supports_bound_lists: false,
            ..*d.caps()
        })
    };
    vec![
        off(&relq_sqlite::Sqlite::default()),
        off(&relq_postgres::Postgres::default()),
        off(&relq_mysql::MySql::default()),
    ]
}

#[test]
fn without_the_form_a_list_past_the_limit_is_a_typed_error_naming_the_statement() {
    let graph = graph();
    let list: Json = (0..LIST).map(Json::from).collect();
    let query = Query::new("Author")
        .select_related("books")
        .filter(Filter::new("id__in", list));
    for dialect in without_bound_lists() {
        let limit = dialect.caps().max_params;
        for strategy in [Strategy::Joined, Strategy::Split] {
            let err = compile(&graph, &query.clone().strategy(strategy), dialect.as_ref())
                .expect_err("100 000 placeholders are past every limit");
            let name = dialect.caps().name;
            assert!(
                matches!(
                    err.kind(),
                    CompileErrorKind::TooManyParams {
                        statement: 0,
                        params,
                        root_keys: false,
                        limit: l,
                        ..
                    } if *params == 100_000 && *l == limit
                ),
                "{name} {strategy:?}: {err}"
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "statement 0 binds 100000 parameters; {name} allows at most {limit} in one statement"
                )
            );
        }
    }
}

#[test]
fn a_driver_error_never_prints_the_whole_statement() {
    // Bound lists off and the limit lifted past the driver's: the statement of 100 000
    // placeholders reaches the driver, which refuses it.
    let graph = graph();
    let list: Json = (0..LIST).map(Json::from).collect();
    let query = Query::new("Author").filter(Filter::new("id__in", list));
    for server in Server::ALL {
        let mut db = loaded(server, "in_error", &graph, &tables(3));
        let dialect = db.dialect().with_caps(Caps {
            supports_bound_lists: false,
            max_params: usize::MAX,
            ..*db.dialect().caps()
        });
        let compiled = compile(&graph, &query, dialect.as_ref()).expect("no limit to check");
        let sql_len = compiled.statements[0].sql.len();
        assert!(sql_len > 300_000, "{sql_len}");
        let err = db
            .execute(&compiled)
            .expect_err("the driver refuses 100 000 placeholders");
        let (shown, debug) = (err.to_string(), format!("{err:?}"));
        assert!(shown.len() < 1000, "{}: {shown}", server.name());
        assert!(debug.len() < 2000, "{}: {}", server.name(), &debug[..2000]);
        assert!(
            shown.starts_with("statement 0: "),
            "{}: {shown}",
            server.name()
        );
    }
}

#[test]
fn lists_past_the_limit_are_one_parameter_and_shorter_ones_a_placeholder_each() {
    // A list that fits keeps its placeholders (the form every server plans best); past
    // the limit the statement text no longer grows with the list: its length is in the
    // one parameter only.
    let graph = graph();
    let dialects: [Box<dyn Dialect>; 3] = [
        Box::new(relq_sqlite::Sqlite::default()),
        Box::new(relq_postgres::Postgres::default()),
        Box::new(relq_mysql::MySql::default()),
    ];
    for dialect in dialects {
        let sql = |n: i64| {
            let list: Json = (0..n).map(Json::from).collect();
            let query = Query::new("Author").filter(Filter::new("id__in", list));
            let compiled = compile(&graph, &query, dialect.as_ref()).expect("compiles");
            let s = &compiled.statements[0];
            (s.params.len(), s.sql.clone())
        };
        let limit = dialect.caps().max_params as i64;
        let name = dialect.caps().name;
        assert_eq!(sql(3).0, 3, "{name}");
        assert_eq!(sql(limit).0, limit as usize, "{name}");
        let (params, past) = sql(limit + 1);
        assert_eq!(params, 1, "{name}: {past}");
        assert_eq!(sql(LIST), (1, past), "{name}");
    }
}
