//! The json strategy on SQLite, PostgreSQL and MariaDB (each in a fresh namespace,
//! `common::servers::scratch`): every field kind of `samples::every_field_type` at its
//! extremes (64-bit integers, decimals with every digit, floats that JSON numbers would
//! round, bytes with NUL and 0xFF, text with quotes, backslashes and control characters,
//! NULLs), carried as JSON text and decoded by the plan, gives the joined strategy's
//! records, through two sibling lists, a list below a list and a many-to-many list;
//! a list with its own ordering, filter and limit; empty lists are `[]`; one statement.
//! Dialects without JSON functions refuse the strategy with a typed error; where the
//! aggregate cannot be ordered the query runs as the split strategy. (Every corpus case
//! and random query runs under json too: `differential.rs`, `differential_properties.rs`.)

mod common;

use common::servers::{Server, loaded};
use relq::rows::to_json;
use relq::sql::{Caps, JsonCaps};
use relq::{
    CompileErrorKind, Database, Delivery, Dialect, Filter, OrderBy, Query, Related, RelationGraph,
    Strategy, Value, compile,
};
use relq_tests::samples::{self, Tables};

/// The records as JSON and the number of statements, for `query` with `strategy`.
fn fetch(
    db: &mut Database,
    graph: &RelationGraph,
    query: &Query,
    strategy: Strategy,
) -> (serde_json::Value, usize) {
    let query = query.clone().strategy(strategy);
    let compiled = compile(graph, &query, db.dialect()).expect("compiles");
    let fetched = db
        .fetch(&compiled)
        .unwrap_or_else(|e| panic!("{strategy:?}: {e}"));
    let records = fetched.answer.into_records().expect("records");
    let json = to_json(&compiled.plan.extraction, &records).expect("JSON");
    (json, compiled.statements.len())
}

/// Text no JSON writer may mangle: quotes, a backslash, control characters, non-ASCII.
const AWKWARD: &str = "q\"u'o\\te\u{1}\u{1f}\t\r\n/ü😀";

/// Tags `a`, [`AWKWARD`] and `empty` (no items); items at the extremes of every kind,
/// each item under a tag and linked to tags through `items_tags`.
fn extremes() -> Tables {
    let text = |s: &str| Value::Text(s.to_owned());
    #[allow(clippy::too_many_arguments)]
    let item =
        |id: i64, count: i64, ratio: Value, price: &str, note: &str, raw: Vec<u8>, tag: Value| {
            vec![
                Value::Int(id),
                Value::Int(count),
                ratio,
                Value::Decimal(price.into()),
                text(note),
                text(&note.chars().take(80).collect::<String>()),
                Value::Bool(id % 2 == 0),
                Value::Date("9999-12-31".into()),
                Value::Time("23:59:59.999999".into()),
                Value::DateTime("1000-01-01T00:00:00.000001".into()),
                Value::Uuid("67E55044-10B1-426F-9247-BB680E5FE0C8".into()),
                Value::Json(r#"{"z": [1, 2.5, null, "\"\\"], "a": {"ü": true}}"#.into()),
                Value::Bytes(raw),
                tag,
            ]
        };
    vec![
        (
            "tags",
            vec![vec![text("a")], vec![text(AWKWARD)], vec![text("empty")]],
        ),
        (
            "items",
            vec![
                item(
                    i64::MIN,
                    i64::from(i32::MIN),
                    Value::Float(0.1 + 0.2),
                    "-99999999.99",
                    AWKWARD,
                    vec![0, 0xff, b'"', b'\\', b'\''],
                    text("a"),
                ),
                item(
                    i64::MAX,
                    i64::from(i32::MAX),
                    Value::Float(5e-324),
                    "99999999.99",
                    "",
                    Vec::new(),
                    text("a"),
                ),
                item(
                    0,
                    0,
                    Value::Float(1e308),
                    "0.00",
                    "x",
                    vec![0xff; 33],
                    text(AWKWARD),
                ),
                item(
                    1,
                    -1,
                    Value::Float(1.0 / 3.0),
                    "-0.01",
                    AWKWARD,
                    vec![0],
                    text(AWKWARD),
                ),
                item(
                    2,
                    7,
                    Value::Float(-123_456_789.123_456_78),
                    "12.50",
                    "y",
                    vec![1, 2],
                    text("a"),
                ),
                item(3, 7, Value::Null, "0.05", "z", vec![0xab], Value::Null),
                item(
                    4,
                    3,
                    Value::Float(f64::MIN_POSITIVE),
                    "1.00",
                    AWKWARD,
                    vec![0x7f],
                    text(AWKWARD),
                ),
            ],
        ),
        (
            "items_tags",
            vec![
                vec![Value::Int(1), Value::Int(i64::MIN), text(AWKWARD)],
                vec![Value::Int(2), Value::Int(i64::MAX), text("a")],
                vec![Value::Int(3), Value::Int(0), text("a")],
                vec![Value::Int(4), Value::Int(1), text(AWKWARD)],
                vec![Value::Int(5), Value::Int(i64::MIN), text("a")],
            ],
        ),
    ]
}

#[test]
fn every_kind_at_its_extremes_reads_as_joined_on_three_databases() {
    let graph = samples::every_field_type().build().expect("valid schema");
    let query = Query::new("Tag")
        .select_related("items__tags")
        .select_related(
            Related::new("tagged")
                .filter(Filter::new("count__gte", 0))
                .order_by(OrderBy::new("-count"))
                .limit(2),
        );
    for server in Server::ALL {
        let mut db = loaded(server, "json_types", &graph, &extremes());
        let (joined, _) = fetch(&mut db, &graph, &query, Strategy::Joined);
        let (json, statements) = fetch(&mut db, &graph, &query, Strategy::Json);
        assert_eq!(statements, 1, "{}: one statement", server.name());
        assert_eq!(json, joined, "{}: json differs from joined", server.name());
        // Not vacuous: the extremes are there, and the tag without items has `[]`.
        let text = json.to_string();
        for expected in [
            "-9223372036854775808",
            "9223372036854775807",
            "-2147483648",
            "0.30000000000000004",
            "5e-324",
            "1e+308",
            "-99999999.99",
            r#""raw":"00ff225c27""#,
            r#""raw":"""#,
            "9999-12-31",
            "23:59:59.999999",
            "1000-01-01T00:00:00.000001",
            "67e55044-10b1-426f-9247-bb680e5fe0c8",
        ] {
            assert!(
                text.contains(expected),
                "{}: no {expected} in {text}",
                server.name()
            );
        }
        let by_code = |code: &str| {
            json.as_array()
                .and_then(|tags| tags.iter().find(|t| t["code"] == code))
                .unwrap_or_else(|| panic!("{}: no tag {code}", server.name()))
        };
        assert_eq!(
            by_code(AWKWARD)["items"][1]["note"],
            AWKWARD,
            "{}",
            server.name()
        );
        assert_eq!(
            by_code("empty")["items"],
            serde_json::json!([]),
            "{}",
            server.name()
        );
        assert_eq!(
            by_code("empty")["tagged"],
            serde_json::json!([]),
            "{}",
            server.name()
        );
        // `tagged`: count >= 0, highest first, two per tag: `a` links i64::MAX (count
        // i32::MAX), 0 (count 0) and i64::MIN (count i32::MIN, filtered out).
        let tagged: Vec<&serde_json::Value> = by_code("a")["tagged"]
            .as_array()
            .map(|items| items.iter().map(|i| &i["id"]).collect())
            .unwrap_or_default();
        assert_eq!(
            tagged,
            [&serde_json::json!(i64::MAX), &serde_json::json!(0)],
            "{}",
            server.name()
        );
    }
}

#[test]
fn dialects_without_json_functions_refuse_and_unordered_aggregates_run_as_split() {
    let graph = samples::every_field_type().build().expect("valid schema");
    let query = Query::new("Tag")
        .select_related("items")
        .select_related("tagged")
        .strategy(Strategy::Json);
    let ansi = relq::sql::Ansi::default();
    let error = compile(&graph, &query, &ansi).expect_err("ANSI has no JSON functions");
    assert!(
        matches!(error.kind(), CompileErrorKind::UnsupportedFeature { feature, dialect: "ansi" } if feature.contains("json")),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "the json strategy (JSON array functions) is not supported by ansi"
    );
    let sqlite = relq::Sqlite::default();
    let unordered = sqlite.with_caps(Caps {
        json: Some(JsonCaps {
            ordered_aggregate: false,
            ..relq::sqlite::JSON
        }),
        ..relq::sqlite::CAPS
    });
    let compiled = compile(&graph, &query, &*unordered).expect("compiles as split");
    assert_eq!(compiled.statements.len(), 3);
    assert_eq!(compiled.delivery, Delivery::Rows);
    let split = compile(
        &graph,
        &query.clone().strategy(Strategy::Split),
        &*unordered,
    )
    .expect("split compiles");
    assert_eq!(compiled.statements, split.statements);
    assert_eq!(compiled.plan.extraction, split.plan.extraction);
    // Without a list the json strategy is one joined statement, as split's.
    let flat = Query::new("Item")
        .select_related("tag")
        .strategy(Strategy::Json);
    let compiled = compile(&graph, &flat, &sqlite).expect("compiles");
    assert_eq!(compiled.statements.len(), 1);
    assert_eq!(compiled.delivery, Delivery::Rows);
}
