//! Terminal operations executed on SQLite, PostgreSQL and MariaDB over a small hand-made
//! shop (`common::servers::loaded`): `count`, `exists`, `get`, `get_or_none`, `first`,
//! `last`, `paginate`, `values` (plain and distinct) and the aggregates must give the same
//! answer on the three, equal to the answer computed here from the rows in Rust.
//!
//! Also the two server differences behind `avg`'s form: each server's own `AVG`, and its
//! way of summing floats.
//!
//! A missing server URL fails the test, never skips it.

mod common;

use common::servers::{Server, loaded};
use relq::exec::ExecErrorKind;
use relq::{
    AggregateFunc as F, Aggregation, Answer, CompileErrorKind, Filter, NullsOrder, OrderBy, Query,
    RelationGraph, SchemaDef, Terminal, Value, Values, compile,
};

const SCHEMA: &str = r#"
[[models]]
name = "Store"
table = "stores"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 40 },
]

[[models]]
name = "Item"
table = "items"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 40 },
  { name = "qty", type = "integer" },
  { name = "big", type = "big_integer" },
  { name = "ratio", type = "float", nullable = true },
  { name = "price", type = "decimal", precision = 8, scale = 2 },
  { name = "day", type = "date", nullable = true },
]
foreign_keys = [{ name = "store", to = "Store" }]

[[models]]
name = "Review"
table = "reviews"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "stars", type = "integer" },
]
foreign_keys = [{ name = "item", to = "Item", nullable = false }]
"#;

/// An item: id, name, qty, big, ratio, price (cents), day, store.
type Item = (
    i64,
    &'static str,
    i64,
    i64,
    Option<f64>,
    i64,
    Option<&'static str>,
    Option<i64>,
);

const STORES: [(i64, &str); 2] = [(1, "North"), (2, "South")];

const ITEMS: [Item; 6] = [
    (
        1,
        "bolt",
        3,
        5_000_000_000,
        Some(0.5),
        1250,
        Some("2024-05-01"),
        Some(1),
    ),
    (2, "nut", 1, 7_000_000_000, None, 99, None, Some(1)),
    (
        3,
        "washer",
        4,
        -2_000_000_000,
        Some(2.25),
        100_000,
        Some("2023-12-31"),
        Some(2),
    ),
    (4, "gear", 2, 1, Some(0.5), 5, Some("2024-01-15"), None),
    (5, "axle", 0, 0, None, 3333, None, Some(2)),
    (
        6,
        "cog",
        7,
        9_000_000_000,
        Some(-1.0),
        1,
        Some("2022-02-02"),
        Some(1),
    ),
];

/// Reviews: id, item, stars. Items 1 and 3 have two; 4 and 5 none.
const REVIEWS: [(i64, i64, i64); 6] = [
    (1, 1, 5),
    (2, 1, 2),
    (3, 2, 4),
    (4, 3, 1),
    (5, 3, 5),
    (6, 6, 3),
];

fn graph() -> RelationGraph {
    SchemaDef::from_toml(SCHEMA)
        .and_then(|d| d.build())
        .expect("the shop schema builds")
}

fn tables() -> relq_tests::samples::Tables {
    let opt = |v: Option<Value>| v.unwrap_or(Value::Null);
    vec![
        (
            "stores",
            STORES
                .iter()
                .map(|&(id, name)| vec![Value::Int(id), Value::Text(name.into())])
                .collect(),
        ),
        (
            "items",
            ITEMS
                .iter()
                .map(|&(id, name, qty, big, ratio, cents, day, store)| {
                    vec![
                        Value::Int(id),
                        Value::Text(name.into()),
                        Value::Int(qty),
                        Value::Int(big),
                        opt(ratio.map(Value::Float)),
                        Value::Decimal(cents_text(cents)),
                        opt(day.map(|d| Value::Date(d.into()))),
                        opt(store.map(Value::Int)),
                    ]
                })
                .collect(),
        ),
        (
            "reviews",
            REVIEWS
                .iter()
                .map(|&(id, item, stars)| vec![Value::Int(id), Value::Int(stars), Value::Int(item)])
                .collect(),
        ),
    ]
}

/// `1250` as `12.50`.
fn cents_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Every query's answer on one server: `Ok(answer)` or the error's message.
/// `purpose` names the namespace (tests run in parallel, each in its own).
fn answers(server: Server, purpose: &str, queries: &[Query]) -> Vec<Result<Answer, String>> {
    let graph = graph();
    let mut db = loaded(server, purpose, &graph, &tables());
    queries
        .iter()
        .map(|q| {
            let compiled = compile(&graph, q, db.dialect()).map_err(|e| e.to_string())?;
            db.fetch(&compiled)
                .map(|f| f.answer)
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// The answers of `queries` on the three databases, which must agree; SQLite's.
fn agreed(purpose: &str, queries: &[Query]) -> Vec<Result<Answer, String>> {
    let [sqlite, postgres, mariadb] = Server::ALL.map(|s| answers(s, purpose, queries));
    for (i, q) in queries.iter().enumerate() {
        assert_eq!(
            sqlite[i], postgres[i],
            "sqlite and postgres differ on {q:?}"
        );
        assert_eq!(sqlite[i], mariadb[i], "sqlite and mariadb differ on {q:?}");
    }
    sqlite
}

fn ids_of(answer: &Result<Answer, String>) -> Vec<i64> {
    let records = match answer {
        Ok(Answer::Records(r)) => r.clone(),
        Ok(Answer::Record(r)) => r.iter().cloned().collect(),
        other => panic!("not records: {other:?}"),
    };
    records
        .iter()
        .map(|r| match r.fields[0] {
            Value::Int(id) => id,
            ref v => panic!("not an id: {v:?}"),
        })
        .collect()
}

fn has_review(item: i64, min_stars: i64) -> bool {
    REVIEWS.iter().any(|&(_, i, s)| i == item && s >= min_stars)
}

#[test]
fn count_and_exists_count_roots_on_three_databases() {
    let item = || Query::new("Item");
    let good = || Filter::new("reviews__stars__gte", 4);
    let queries = [
        item().terminal(Terminal::Count),
        // A loaded to-many relation and a to-many filter never repeat a root.
        item()
            .select_related("reviews")
            .filter(good())
            .terminal(Terminal::Count),
        item().exclude(good()).terminal(Terminal::Count),
        // Within a slice: Django's qs[1:4].count() and qs[5:].count().
        item().limit(3).offset(1).terminal(Terminal::Count),
        item().offset(5).terminal(Terminal::Count),
        item().filter(good()).terminal(Terminal::Exists),
        item()
            .filter(Filter::new("reviews__stars__gt", 5))
            .terminal(Terminal::Exists),
        item().offset(6).terminal(Terminal::Exists),
    ];
    let good_items = ITEMS.iter().filter(|i| has_review(i.0, 4)).count() as u64;
    let expected = [
        Answer::Count(6),
        Answer::Count(good_items),
        Answer::Count(6 - good_items),
        Answer::Count(3),
        Answer::Count(1),
        Answer::Exists(good_items > 0),
        Answer::Exists(false),
        Answer::Exists(false),
    ];
    assert_eq!(good_items, 3);
    let got = agreed("counts", &queries);
    for (got, expected) in got.iter().zip(expected) {
        assert_eq!(got.as_ref().ok(), Some(&expected));
    }
}

#[test]
fn get_first_last_and_paginate_pick_roots_on_three_databases() {
    let item = || Query::new("Item").select_related("reviews");
    let by_ratio = || OrderBy::new("ratio");
    let queries = [
        item()
            .filter(Filter::new("name", "washer"))
            .terminal(Terminal::Get),
        item()
            .filter(Filter::new("name", "none"))
            .terminal(Terminal::Get),
        item()
            .filter(Filter::new("qty__gt", 2))
            .terminal(Terminal::Get),
        item()
            .filter(Filter::new("name", "none"))
            .terminal(Terminal::GetOrNone),
        item()
            .filter(Filter::new("qty__gt", 2))
            .terminal(Terminal::GetOrNone),
        item().order_by(by_ratio()).terminal(Terminal::First),
        item().order_by(by_ratio()).terminal(Terminal::Last),
        item()
            .order_by(by_ratio().nulls(NullsOrder::Last))
            .terminal(Terminal::Last),
        item().terminal(Terminal::Last),
        item()
            .filter(Filter::new("qty__gt", 100))
            .terminal(Terminal::First),
        item().order_by(OrderBy::new("-qty")).paginate(2, 2),
        item().order_by(OrderBy::new("-qty")).paginate(4, 2),
    ];
    let got = agreed("picks", &queries);
    // The washer with both its reviews.
    match &got[0] {
        Ok(Answer::Record(Some(r))) => {
            assert_eq!(r.fields[0], Value::Int(3));
            assert_eq!(format!("{:?}", r.relations).matches("Int(3)").count(), 2);
        }
        other => panic!("get: {other:?}"),
    }
    assert_eq!(got[1], Err("get on `Item` matched no record".to_owned()));
    assert_eq!(
        got[2],
        Err("get on `Item` matched more than one record".to_owned())
    );
    assert_eq!(got[3], Ok(Answer::Record(None)));
    assert_eq!(got[4], got[2]);
    // Ratio ascending, NULLs smallest, then id: 2, 5 (NULL), 6 (-1.0), 1, 4 (0.5), 3.
    let mut by_ratio: Vec<&Item> = ITEMS.iter().collect();
    by_ratio.sort_by(|a, b| {
        a.4.partial_cmp(&b.4)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    assert_eq!(ids_of(&got[5]), [by_ratio[0].0]);
    assert_eq!(ids_of(&got[6]), [by_ratio[5].0]);
    // NULLs last, flipped: NULLs first, ratio descending, id descending: item 5.
    assert_eq!(ids_of(&got[7]), [5]);
    assert_eq!(ids_of(&got[8]), [6]);
    assert!(ids_of(&got[9]).is_empty());
    let mut by_qty: Vec<&Item> = ITEMS.iter().collect();
    by_qty.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    assert_eq!(ids_of(&got[10]), [by_qty[2].0, by_qty[3].0]);
    assert!(ids_of(&got[11]).is_empty());
}

#[test]
fn values_are_flat_typed_rows_on_three_databases() {
    let values = |fields: &[&str], distinct| {
        Terminal::Values(Values {
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            distinct,
        })
    };
    let queries = [
        // A to-one path joins (a missing store is NULL), a to-many path gives a row per
        // review (an item without one: a row of NULLs there).
        Query::new("Item")
            .filter(Filter::new("qty__gte", 1))
            .order_by(OrderBy::new("-qty"))
            .terminal(values(
                &["id", "store__name", "reviews__stars", "price", "day"],
                false,
            )),
        Query::new("Item")
            .order_by(OrderBy::new("-store__name"))
            .terminal(values(&["store__name"], true)),
        Query::new("Review")
            .order_by(OrderBy::new("id"))
            .limit(2)
            .offset(1)
            .terminal(values(&["item__name"], false)),
        // No field named: every field of the root.
        Query::new("Review").terminal(values(&[], false)),
    ];
    let got = agreed("values", &queries);
    let rows = |a: &Result<Answer, String>| match a {
        Ok(Answer::Rows(r)) => r.clone(),
        other => panic!("not rows: {other:?}"),
    };
    let first = rows(&got[0]);
    assert_eq!(
        first.columns.iter().map(|c| &**c).collect::<Vec<_>>(),
        ["id", "store__name", "reviews__stars", "price", "day"]
    );
    let mut items: Vec<&Item> = ITEMS.iter().filter(|i| i.2 >= 1).collect();
    items.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut expected = Vec::new();
    for i in items {
        let store = STORES
            .iter()
            .find(|s| Some(s.0) == i.7)
            .map_or(Value::Null, |s| Value::Text(s.1.into()));
        let mut stars: Vec<_> = REVIEWS.iter().filter(|r| r.1 == i.0).collect();
        stars.sort_by_key(|r| r.0);
        let stars: Vec<Value> = if stars.is_empty() {
            vec![Value::Null]
        } else {
            stars.iter().map(|r| Value::Int(r.2)).collect()
        };
        for s in stars {
            expected.push(vec![
                Value::Int(i.0),
                store.clone(),
                s,
                Value::Decimal(cents_text(i.5)),
                i.6.map_or(Value::Null, |d| Value::Date(d.into())),
            ]);
        }
    }
    assert_eq!(first.rows, expected);
    // Distinct store names, descending, NULL (the gear has no store) last.
    assert_eq!(
        rows(&got[1]).rows,
        [
            vec![Value::Text("South".into())],
            vec![Value::Text("North".into())],
            vec![Value::Null]
        ]
    );
    let all = rows(&got[3]);
    assert_eq!(
        all.columns.iter().map(|c| &**c).collect::<Vec<_>>(),
        ["id", "stars", "item_id"]
    );
    let reviews: Vec<Vec<Value>> = REVIEWS
        .iter()
        .map(|&(id, item, stars)| vec![Value::Int(id), Value::Int(stars), Value::Int(item)])
        .collect();
    assert_eq!(all.rows, reviews);
    // LIMIT and OFFSET count rows: reviews 2 and 3.
    assert_eq!(
        rows(&got[2]).rows,
        [
            vec![Value::Text("bolt".into())],
            vec![Value::Text("nut".into())]
        ]
    );
}

#[test]
fn aggregates_have_one_kind_and_value_on_three_databases() {
    let agg = |list: &[(F, &str)]| {
        Terminal::Aggregate(list.iter().map(|&(f, p)| Aggregation::new(f, p)).collect())
    };
    let exact = agg(&[
        (F::Sum, "qty"),
        (F::Sum, "big"),
        (F::Avg, "qty"),
        (F::Avg, "ratio"),
        (F::Min, "name"),
        (F::Max, "day"),
        (F::Max, "ratio"),
        (F::Count, "ratio"),
        (F::Count, "day"),
    ]);
    let queries = [
        Query::new("Item").terminal(exact.clone()),
        // No row: NULL sums, 0 counts.
        Query::new("Item")
            .filter(Filter::new("qty__gt", 100))
            .terminal(exact),
        // Through a to-many relation of a slice of roots: reviews of the first three
        // items by id.
        Query::new("Item").limit(3).terminal(agg(&[
            (F::Count, "reviews__id"),
            (F::Sum, "reviews__stars"),
        ])),
        Query::new("Item")
            .filter(Filter::new("store__name", "North"))
            .terminal(agg(&[
                (F::Sum, "price"),
                (F::Max, "price"),
                (F::Avg, "price"),
            ])),
    ];
    let [sqlite, postgres, mariadb] = Server::ALL.map(|s| answers(s, "aggregates", &queries));
    for i in 0..3 {
        assert_eq!(sqlite[i], postgres[i], "{:?}", queries[i]);
        assert_eq!(sqlite[i], mariadb[i], "{:?}", queries[i]);
    }
    let row = |a: &Result<Answer, String>| match a {
        Ok(Answer::Rows(r)) if r.rows.len() == 1 => r.rows[0].clone(),
        other => panic!("not one row: {other:?}"),
    };
    let qty: i64 = ITEMS.iter().map(|i| i.2).sum();
    let ratios: Vec<f64> = ITEMS.iter().filter_map(|i| i.4).collect();
    let days: Vec<&str> = ITEMS.iter().filter_map(|i| i.6).collect();
    assert_eq!(
        row(&sqlite[0]),
        [
            Value::Int(qty),
            Value::Int(ITEMS.iter().map(|i| i.3).sum()),
            Value::Float(qty as f64 / 6.0),
            Value::Float(ratios.iter().sum::<f64>() / ratios.len() as f64),
            Value::Text("axle".into()),
            Value::Date((*days.iter().max().expect("days")).into()),
            Value::Float(ratios.iter().copied().fold(f64::MIN, f64::max)),
            Value::Int(ratios.len() as i64),
            Value::Int(days.len() as i64),
        ]
    );
    let none = row(&sqlite[1]);
    assert_eq!(none[0], Value::Null);
    assert_eq!(none[7], Value::Int(0));
    let first_three: Vec<_> = REVIEWS.iter().filter(|r| r.1 <= 3).collect();
    assert_eq!(
        row(&sqlite[2]),
        [
            Value::Int(first_three.len() as i64),
            Value::Int(first_three.iter().map(|r| r.2).sum())
        ]
    );
    // Exact decimal sums keep the column's scale on PostgreSQL and MariaDB; SQLite stores
    // decimals as text and refuses rather than sum floats.
    // The average: the exact sum made a double, over the count.
    let north: Vec<i64> = ITEMS
        .iter()
        .filter(|i| i.7 == Some(1))
        .map(|i| i.5)
        .collect();
    let sum = cents_text(north.iter().sum());
    let avg = sum.parse::<f64>().expect("a number") / north.len() as f64;
    let expected = vec![
        Value::Decimal(sum),
        Value::Decimal(cents_text(*north.iter().max().expect("north items"))),
        Value::Float(avg),
    ];
    assert_eq!(row(&postgres[3]), expected);
    assert_eq!(row(&mariadb[3]), expected);
    assert_eq!(
        sqlite[3],
        Err("aggregate sum of `price` (decimal values) is not supported by sqlite".to_owned())
    );
}

#[test]
fn terminal_errors_are_typed_before_any_sql() {
    let graph = graph();
    let agg = |f, p: &str| Terminal::Aggregate(vec![Aggregation::new(f, p)]);
    let cases = [
        Query::new("Item").paginate(0, 10),
        Query::new("Item").paginate(1, 0),
        Query::new("Item").paginate(2, 10).limit(3),
        Query::new("Item").paginate(u64::MAX, 2),
        Query::new("Item").offset(1).terminal(Terminal::Last),
        Query::new("Item").terminal(agg(F::Sum, "name")),
        Query::new("Item").terminal(agg(F::Avg, "day")),
        Query::new("Store").terminal(agg(F::Max, "items__nope")),
        Query::new("Store").terminal(Terminal::Aggregate(vec![
            Aggregation::new(F::Sum, "items__qty"),
            Aggregation::new(F::Sum, "items__reviews__stars"),
        ])),
        Query::new("Item")
            .order_by(OrderBy::new("qty"))
            .terminal(Terminal::Values(Values {
                fields: vec!["name".into()],
                distinct: true,
            })),
        Query::new("Item").terminal(Terminal::Values(Values {
            fields: vec!["reviews".into()],
            distinct: false,
        })),
        Query::new("Item").terminal(Terminal::Aggregate(Vec::new())),
    ];
    let mut report = String::new();
    for q in &cases {
        let e = compile(&graph, q, &relq::Postgres::default()).expect_err("refused");
        assert!(
            !matches!(e.kind(), CompileErrorKind::Plan(p) if matches!(p.kind(), relq::plan::PlanErrorKind::UnknownModel { .. })),
            "{e}"
        );
        report.push_str(&format!("{e}\n"));
    }
    insta::assert_snapshot!(report, @"
    in page: page 0 of size 10; pages count from 1 and hold at least one record
    in page: page 1 of size 0; pages count from 1 and hold at least one record
    in page: a page cannot be combined with limit or offset
    in page: 18446744073709551615 is above the largest count a database accepts (9223372036854775807)
    last cannot reverse a query with a limit, offset or page; order it the other way and use first
    in aggregate: `name`: sum does not apply to field `Item.name`, which holds text values
    in aggregate: `day`: avg does not apply to field `Item.day`, which holds date values
    in aggregate: unknown field or relation `nope` on model `Item` (segment 2, byte 7 of `items__nope`)
    in aggregate: `items__qty` and `items__reviews__stars` cross different to-many relations, which would count each other's rows; aggregate them in separate queries
    in order_by: `qty` is not one of the distinct values; order distinct values by their own paths
    in values: relation `Item.reviews` where a field is required (segment 1, byte 0 of `reviews`); name a field of it, e.g. `reviews__id`
    in aggregate: no aggregate given; name at least one, e.g. count of `id`
    ");
    // get's errors are the executor's, named by kind.
    let mut db = loaded(Server::Sqlite, "terminal_errors", &graph, &tables());
    let get = compile(
        &graph,
        &Query::new("Item").terminal(Terminal::Get),
        db.dialect(),
    );
    let e = db.fetch(&get.expect("compiles")).expect_err("six items");
    assert!(
        matches!(e.kind(), ExecErrorKind::MultipleMatches { .. }),
        "{e}"
    );
    let count = compile(
        &graph,
        &Query::new("Item").terminal(Terminal::Count),
        db.dialect(),
    );
    let e = db
        .execute(&count.expect("compiles"))
        .expect_err("a count is not records");
    assert_eq!(e.to_string(), "the query returns a count, not records");
}

/// Why `avg` is not SQL's `AVG`: over the integers 1, 1, 2 the three servers' own `AVG`
/// differ (SQLite a double; PostgreSQL a `NUMERIC` of 16 digits; MariaDB a `DECIMAL` of 4
/// more digits than the input, 1.3333), while the exact sum made a double and divided by
/// the count, relq's form, is the same double on all three.
#[test]
fn avg_differs_between_the_servers_and_the_sum_over_the_count_does_not() {
    const ROWS: &str = "(SELECT 1 AS x UNION ALL SELECT 1 UNION ALL SELECT 2) AS t";
    let third = 4.0 / 3.0;
    let sqlite = rusqlite::Connection::open_in_memory().expect("SQLite");
    let query = |sql: &str| {
        sqlite
            .query_row(sql, [], |r| r.get::<_, f64>(0))
            .expect("SQLite runs it")
    };
    assert_eq!(query(&format!("SELECT AVG(x) FROM {ROWS}")), third);
    assert_eq!(
        query(&format!(
            "SELECT CAST(SUM(x) AS REAL) / COUNT(x) FROM {ROWS}"
        )),
        third
    );
    let mut pg = common::servers::postgres();
    let row = pg
        .query_one(
            &format!(
                "SELECT AVG(x)::text, CAST(SUM(x) AS DOUBLE PRECISION) / COUNT(x) FROM {ROWS}"
            ),
            &[],
        )
        .expect("PostgreSQL runs it");
    assert_eq!(row.get::<_, String>(0), "1.3333333333333333");
    assert_eq!(row.get::<_, f64>(1), third);
    let mut maria = common::servers::mariadb();
    let row: Option<(String, f64)> = mysql::prelude::Queryable::query_first(
        &mut maria,
        format!("SELECT CAST(AVG(x) AS CHAR), CAST(SUM(x) AS DOUBLE) / COUNT(x) FROM {ROWS}"),
    )
    .expect("MariaDB runs it");
    assert_eq!(row, Some(("1.3333".to_owned(), third)));
}

/// The one documented difference left: sums of floats are added each server's own way
/// (SQLite's `SUM` of REALs compensates rounding: 1046.88; PostgreSQL and MariaDB add in
/// turn: 1046.8799999999999), so `sum` / `avg` of float columns may differ in the last
/// bit where the values are not exact binary fractions (the prices of the shop made
/// floats, here).
#[test]
fn float_sums_differ_in_the_last_bit_between_the_servers() {
    let sql = |double: &str| {
        let rows: Vec<String> = ["12.5", "0.99", "1000.0", "0.05", "33.33", "0.01"]
            .iter()
            .map(|x| format!("SELECT CAST({x} AS {double}) AS x"))
            .collect();
        format!("SELECT SUM(x) FROM ({}) AS t", rows.join(" UNION ALL "))
    };
    let sqlite = rusqlite::Connection::open_in_memory()
        .and_then(|c| c.query_row(&sql("REAL"), [], |r| r.get::<_, f64>(0)))
        .expect("SQLite runs it");
    let pg: f64 = common::servers::postgres()
        .query_one(&sql("DOUBLE PRECISION"), &[])
        .expect("PostgreSQL runs it")
        .get(0);
    let maria: Option<f64> =
        mysql::prelude::Queryable::query_first(&mut common::servers::mariadb(), sql("DOUBLE"))
            .expect("MariaDB runs it");
    let in_turn = [12.5, 0.99, 1000.0, 0.05, 33.33, 0.01].iter().sum::<f64>();
    assert_eq!(pg, in_turn);
    assert_eq!(maria, Some(in_turn));
    assert_ne!(sqlite, in_turn);
    assert!((sqlite - in_turn).abs() <= f64::EPSILON * 2048.0);
}
