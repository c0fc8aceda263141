//! Every lookup's result on the real databases, against a reference: a table of words
//! (ASCII and non-ASCII case pairs, `%`, `_`, `!` and backslashes, trailing spaces, an
//! empty text, NULL) is loaded into SQLite, PostgreSQL and MariaDB; every text lookup with
//! every probe value, and the integer lookups, run as `filter` and as `exclude` through
//! each executor, and the ids must be what the lookup means, computed here in Rust:
//! `exact` and `contains` case-sensitive, `%` `_` `!` `\` literal, `ne` / `gt`... by code
//! point, `in []` nothing, `exclude` the complement (NULLs included, Django's `exclude`).
//! The one dialect difference is documented in its caps: SQLite's `lower()` folds ASCII
//! letters only, so its `i` lookups ignore the case of ASCII letters only.
//!
//! And hostile values on SQLite: quotes, `%`, `_`, backslashes, NUL, SQL fragments and a
//! 1 MB text, in every text lookup, are bound as parameters (the SQL text never holds
//! them) and match literally.
//!
//! A missing server URL fails the test, never skips it.

mod common;

use common::servers::{Server, loaded};
use common::strategies::TEXT_LOOKUPS;
use relq::Database;
use relq_graph::{FieldDef, FieldType, ModelDef, RelationGraph, SchemaDef};
use relq_plan::{Filter, Query, Value};
use relq_rows::Record;
use relq_sql::{CompileErrorKind, compile};
use serde_json::{Value as Json, json};

/// `Word(id, text NULL, n NULL)`.
fn graph() -> RelationGraph {
    SchemaDef::new()
        .model(
            ModelDef::new("Word")
                .table("words")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("text", FieldType::TEXT).nullable())
                .field(FieldDef::new("n", FieldType::Integer).nullable()),
        )
        .build()
        .expect("the words schema builds")
}

/// The words: `(id, text, n)`. Every text is in Latin-1 too (MariaDB's default table
/// character set on the test server).
const WORDS: [(i64, Option<&str>, Option<i64>); 20] = [
    (1, Some("Apple"), Some(3)),
    (2, Some("apple"), Some(-1)),
    (3, Some("APPLE pie"), Some(0)),
    (4, Some("Éclair"), Some(5)),
    (5, Some("éclair"), None),
    (6, Some("Straße"), Some(7)),
    (7, Some("STRASSE"), Some(5)),
    (8, Some("100%"), Some(100)),
    (9, Some("100x"), Some(101)),
    (10, Some("a_b"), Some(2)),
    (11, Some("axb"), Some(2)),
    (12, Some("back\\slash"), None),
    (13, Some("back/slash"), Some(9)),
    (14, Some("it's"), Some(1)),
    (15, Some("trailing "), Some(4)),
    (16, Some("trailing"), Some(4)),
    (17, Some(""), Some(0)),
    (18, Some("!bang"), Some(-5)),
    (19, Some("pine!apple"), Some(6)),
    (20, None, None),
];

fn words() -> Vec<(i64, Option<String>, Option<i64>)> {
    WORDS
        .iter()
        .map(|&(id, text, n)| (id, text.map(str::to_owned), n))
        .collect()
}

fn table(rows: &[(i64, Option<String>, Option<i64>)]) -> relq_tests::samples::Tables {
    let value = |t: &Option<String>| t.clone().map_or(Value::Null, Value::Text);
    vec![(
        "words",
        rows.iter()
            .map(|(id, t, n)| vec![Value::Int(*id), value(t), n.map_or(Value::Null, Value::Int)])
            .collect(),
    )]
}

/// The probe texts: case pairs, pattern characters, the escape character, quotes.
const PROBES: [&str; 16] = [
    "apple", "APPLE", "ppl", "É", "é", "ß", "ss", "%", "_", "!", "\\", "'", "trailing", "", "a_b",
    "100%",
];

/// What `text__<lookup>` with `value` means for a text `t`, folding case with `fold`.
fn text_matches(t: &str, lookup: &str, v: &str, fold: fn(&str) -> String) -> bool {
    let (ft, fv) = (fold(t), fold(v));
    match lookup {
        "exact" => t == v,
        "iexact" => ft == fv,
        "contains" => t.contains(v),
        "icontains" => ft.contains(&fv),
        "startswith" => t.starts_with(v),
        "istartswith" => ft.starts_with(&fv),
        "endswith" => t.ends_with(v),
        "iendswith" => ft.ends_with(&fv),
        "ne" => t != v,
        "gt" => t > v,
        "gte" => t >= v,
        "lt" => t < v,
        "lte" => t <= v,
        "in" => t == v || t == "zz",
        "range" => v <= t && t <= "q",
        other => panic!("no reference for `{other}`"),
    }
}

/// The filter value of a text lookup with the probe `v`.
fn text_value(lookup: &str, v: &str) -> Json {
    match lookup {
        "in" => json!([v, "zz"]),
        "range" => json!([v, "q"]),
        _ => json!(v),
    }
}

/// What `n__<lookup>` means for `n`.
fn int_matches(n: i64, lookup: &str, v: i64) -> bool {
    match lookup {
        "exact" => n == v,
        "ne" => n != v,
        "gt" => n > v,
        "gte" => n >= v,
        "lt" => n < v,
        "lte" => n <= v,
        "in" => n == v || n == 100,
        "range" => (v..=v + 4).contains(&n),
        other => panic!("no reference for `{other}`"),
    }
}

/// One probe: the condition, and the ids of the rows it must keep.
struct Probe {
    filter: Filter,
    expected: Vec<i64>,
}

/// Every probe over `rows`, with case folded by `fold` (the dialect's `LOWER`).
fn probes(rows: &[(i64, Option<String>, Option<i64>)], fold: fn(&str) -> String) -> Vec<Probe> {
    let keep = |pred: &dyn Fn(Option<&str>, Option<i64>) -> bool| -> Vec<i64> {
        rows.iter()
            .filter(|(_, t, n)| pred(t.as_deref(), *n))
            .map(|(id, _, _)| *id)
            .collect()
    };
    let mut out = Vec::new();
    for lookup in TEXT_LOOKUPS {
        for v in PROBES {
            out.push(Probe {
                filter: Filter::new(format!("text__{lookup}"), text_value(lookup, v)),
                expected: keep(&|t, _| t.is_some_and(|t| text_matches(t, lookup, v, fold))),
            });
        }
    }
    for lookup in ["exact", "ne", "gt", "gte", "lt", "lte", "in", "range"] {
        for v in [-1, 0, 5] {
            let value = match lookup {
                "in" => json!([v, 100]),
                "range" => json!([v, v + 4]),
                _ => json!(v),
            };
            out.push(Probe {
                filter: Filter::new(format!("n__{lookup}"), value),
                expected: keep(&|_, n| n.is_some_and(|n| int_matches(n, lookup, v))),
            });
        }
    }
    for (path, value) in [
        ("text__isnull", true),
        ("text__isnull", false),
        ("n__isnull", true),
    ] {
        out.push(Probe {
            filter: Filter::new(path, value),
            expected: keep(&|t, n| {
                let null = if path == "text__isnull" {
                    t.is_none()
                } else {
                    n.is_none()
                };
                null == value
            }),
        });
    }
    // `exact` / `ne` with null are `isnull`; `in []` matches nothing.
    out.push(Probe {
        filter: Filter::new("text", Json::Null),
        expected: keep(&|t, _| t.is_none()),
    });
    out.push(Probe {
        filter: Filter::new("text__ne", Json::Null),
        expected: keep(&|t, _| t.is_some()),
    });
    out.push(Probe {
        filter: Filter::new("text__in", json!([])),
        expected: Vec::new(),
    });
    out
}

/// The regex probes, where the dialect has the lookup: anchored literals, whose meaning
/// is the same in POSIX (PostgreSQL) and PCRE (MariaDB) regular expressions.
fn regex_probes(rows: &[(i64, Option<String>, Option<i64>)]) -> Vec<Probe> {
    let keep = |pred: &dyn Fn(&str) -> bool| -> Vec<i64> {
        rows.iter()
            .filter(|(_, t, _)| t.as_deref().is_some_and(pred))
            .map(|(id, _, _)| *id)
            .collect()
    };
    vec![
        Probe {
            filter: Filter::new("text__regex", "^Ap"),
            expected: keep(&|t| t.starts_with("Ap")),
        },
        Probe {
            filter: Filter::new("text__regex", "pie$"),
            expected: keep(&|t| t.ends_with("pie")),
        },
        Probe {
            filter: Filter::new("text__regex", "ppl"),
            expected: keep(&|t| t.contains("ppl")),
        },
    ]
}

/// The ids of records (the pk is the first field).
fn ids(records: &[Record]) -> Vec<i64> {
    records
        .iter()
        .map(|r| match r.fields.first() {
            Some(Value::Int(id)) => *id,
            other => panic!("a record without an integer id: {other:?}"),
        })
        .collect()
}

/// Runs every probe over `model` as a filter and as an exclude on one database, compiled
/// for its own dialect; returns the failures.
fn run_probes(
    graph: &RelationGraph,
    model: &str,
    db: &mut Database,
    all: &[i64],
    probes: &[Probe],
) -> Vec<String> {
    let mut failures = Vec::new();
    for probe in probes {
        let complement: Vec<i64> = all
            .iter()
            .copied()
            .filter(|id| !probe.expected.contains(id))
            .collect();
        for (query, expected) in [
            (
                Query::new(model).filter(probe.filter.clone()),
                &probe.expected,
            ),
            (Query::new(model).exclude(probe.filter.clone()), &complement),
        ] {
            let name = db.dialect().caps().name;
            let compiled = match compile(graph, &query, db.dialect()) {
                Ok(c) => c,
                Err(e) => {
                    failures.push(format!("{name}: {query:?} does not compile: {e}"));
                    continue;
                }
            };
            match db.execute(&compiled) {
                Ok(records) if ids(&records) == *expected => {}
                Ok(records) => failures.push(format!(
                    "{name}: {}\n  want {expected:?}\n  got  {:?}",
                    serde_json::to_string(&query).unwrap_or_default(),
                    ids(&records)
                )),
                Err(e) => failures.push(format!("{name}: {query:?} fails: {e}")),
            }
        }
    }
    failures
}

fn all_ids(rows: &[(i64, Option<String>, Option<i64>)]) -> Vec<i64> {
    rows.iter().map(|(id, _, _)| *id).collect()
}

fn unicode_lower(s: &str) -> String {
    s.to_lowercase()
}

fn ascii_lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Every probe (and the regex probes where the dialect has a regex) on `server`, the
/// expected ids computed with `fold` as the dialect's case folding.
fn lookups_on(server: Server, fold: fn(&str) -> String) {
    let graph = graph();
    let rows = words();
    let mut db = loaded(server, "lookups", &graph, &table(&rows));
    let mut all = probes(&rows, fold);
    if db.dialect().caps().regex_operator.is_some() {
        all.extend(regex_probes(&rows));
    }
    let failures = run_probes(&graph, "Word", &mut db, &all_ids(&rows), &all);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lookups_mean_the_same_on_sqlite_with_ascii_case_folding() {
    lookups_on(Server::Sqlite, ascii_lower);
}

#[test]
fn lookups_mean_the_same_on_postgres() {
    lookups_on(Server::Postgres, unicode_lower);
}

#[test]
fn lookups_mean_the_same_on_mariadb() {
    lookups_on(Server::MariaDb, unicode_lower);
}

#[test]
fn regex_on_sqlite_is_an_error_naming_the_dialect() {
    let graph = graph();
    let query = Query::new("Word").filter(Filter::new("text__regex", "^a"));
    let err = compile(&graph, &query, &relq_sqlite::Sqlite::default())
        .expect_err("SQLite has no REGEXP function");
    assert!(
        matches!(
            err.kind(),
            CompileErrorKind::UnsupportedLookup {
                dialect: "sqlite",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "lookup `regex` (in `text__regex`) is not supported by sqlite"
    );
}

/// Hostile values: quotes, pattern characters, backslashes, NUL, SQL fragments, a 1 MB
/// text.
fn hostile() -> Vec<String> {
    let mut values: Vec<String> = [
        "'",
        "''",
        "\"",
        "%",
        "_",
        "\\",
        "\\%",
        "!",
        "!%",
        "a\0b",
        "\0",
        "'; DROP TABLE words; --",
        "\" OR 1=1 --",
        "%' OR '1'='1",
        "?",
        "$1",
        "Robert'); DROP TABLE words;--",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut big = "x".repeat(1 << 20);
    big.push_str("%_!'\\\0");
    values.push(big);
    values
}

#[test]
fn hostile_values_in_every_lookup_are_bound_and_match_literally_on_sqlite() {
    let graph = graph();
    // Each hostile value alone, inside other text, and decoys a pattern would match.
    let mut rows: Vec<(i64, Option<String>, Option<i64>)> = Vec::new();
    for (i, h) in hostile().into_iter().enumerate() {
        let id = i64::try_from(i).expect("few values") * 3;
        rows.push((id + 1, Some(h.clone()), None));
        rows.push((id + 2, Some(format!("pre{h}post")), None));
        rows.push((id + 3, Some(format!("PRE{}", h.to_ascii_uppercase())), None));
    }
    for (k, decoy) in ["", "zzz", "ab", "a", "x", "1", "PREx"].iter().enumerate() {
        let id = 1000 + i64::try_from(k).expect("few decoys");
        rows.push((id, Some((*decoy).to_owned()), None));
    }
    let mut db = loaded(Server::Sqlite, "hostile", &graph, &table(&rows));
    let all = all_ids(&rows);
    let keep = |pred: &dyn Fn(&str) -> bool| -> Vec<i64> {
        rows.iter()
            .filter(|(_, t, _)| t.as_deref().is_some_and(pred))
            .map(|(id, _, _)| *id)
            .collect()
    };
    let mut probes = Vec::new();
    for h in hostile() {
        for lookup in TEXT_LOOKUPS {
            probes.push(Probe {
                filter: Filter::new(format!("text__{lookup}"), text_value(lookup, &h)),
                expected: keep(&|t| text_matches(t, lookup, &h, ascii_lower)),
            });
        }
        // Bound, never in the text: each lookup's SQL is the same as for a plain value.
        for lookup in TEXT_LOOKUPS {
            let sql_with = |v: &str| {
                let query = Query::new("Word").filter(Filter::new(
                    format!("text__{lookup}"),
                    text_value(lookup, v),
                ));
                let compiled = compile(&graph, &query, db.dialect()).expect("compiles");
                compiled
                    .statements
                    .into_iter()
                    .map(|s| (s.sql, s.params))
                    .collect::<Vec<_>>()
            };
            // An `in` list holding NUL keeps a placeholder per value (`json_each` of
            // SQLite before 3.45 stops at NUL): the one value that picks another form.
            let plain = if lookup == "in" && h.contains('\0') {
                "plain\0"
            } else {
                "plain"
            };
            let (hostile_sql, plain_sql) = (sql_with(&h), sql_with(plain));
            assert_eq!(
                hostile_sql[0].0, plain_sql[0].0,
                "`{lookup}`: the value changed the SQL"
            );
            // Bound as it is, or as an item of the JSON array an `in` list binds.
            let holds = |t: &str| {
                t.contains(h.as_str())
                    || serde_json::from_str::<Vec<String>>(t).is_ok_and(|items| items.contains(&h))
            };
            assert!(
                hostile_sql[0]
                    .1
                    .iter()
                    .any(|p| p.as_text().is_some_and(holds)),
                "`{lookup}`: the value is bound"
            );
        }
    }
    let failures = run_probes(&graph, "Word", &mut db, &all, &probes);
    let shown: Vec<String> = failures
        .iter()
        .map(|f| f.chars().take(300).collect())
        .collect();
    assert!(failures.is_empty(), "{}", shown.join("\n"));
    // The table is still there, whole.
    let compiled = compile(&graph, &Query::new("Word"), db.dialect()).expect("compiles");
    let records = db.execute(&compiled).expect("the table still exists");
    assert_eq!(records.len(), rows.len());
}

/// Filters on every comparable kind of value (`samples::every_field_type`, its two rows),
/// each with the ids it must keep.
fn typed_probes() -> Vec<Probe> {
    let probe = |path: &str, value: Json, expected: &[i64]| Probe {
        filter: Filter::new(path, value),
        expected: expected.to_vec(),
    };
    vec![
        probe("day", json!("2024-05-01"), &[1]),
        probe("day__lt", json!("2000-01-01"), &[2]),
        probe("at__gt", json!("12:00:00"), &[1]),
        probe("at__range", json!(["00:00:00", "00:00:01.5"]), &[2]),
        probe("stamp__gte", json!("2024-05-01T13:45:00.250000"), &[1]),
        probe("stamp__lt", json!("2024-05-01T13:45:00.25"), &[2]),
        probe("price", json!("12.50"), &[1]),
        probe("price__lt", json!(0), &[2]),
        // Numerically, not as text: "12.50" < "9.99" as text.
        probe("price__gt", json!("9.99"), &[1]),
        probe("price__in", json!(["-0.05", "99.99"]), &[2]),
        probe("done", json!(true), &[1]),
        probe("done__ne", json!(true), &[2]),
        probe("ratio__gt", json!(0.25), &[1]),
        probe("ratio__isnull", json!(true), &[2]),
        probe("count__in", json!([-7, 5]), &[1]),
        // Stored lower-case on every dialect but SQLite's TEXT, where it is as inserted:
        // the nil UUID has no case.
        probe("uid", json!("00000000-0000-0000-0000-000000000000"), &[2]),
        probe("raw", json!([0, 1, 255]), &[1, 2]),
        probe("tag", json!("a"), &[1]),
        probe("tag__isnull", json!(true), &[2]),
        probe("tags__code", json!("b"), &[1]),
        probe("title__in", json!(["T", "x"]), &[1]),
    ]
}

#[test]
fn values_of_every_kind_compare_alike_on_three_databases() {
    let graph = relq_tests::samples::every_field_type()
        .build()
        .expect("valid schema");
    let ids = [1, 2];
    for server in Server::ALL {
        let rows = relq_tests::samples::every_field_type_rows();
        let mut db = loaded(server, "typed_filters", &graph, &rows);
        let failures = run_probes(&graph, "Item", &mut db, &ids, &typed_probes());
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
