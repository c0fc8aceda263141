//! Every `Value` kind binds as a parameter on the three databases: one row of every field
//! type (`samples::every_field_type`) goes in through `relq::Database::insert`, every value
//! a bound parameter (PostgreSQL: in the binary form of the placeholder's type, `NUMERIC`,
//! `DATE`, `TIME`, `TIMESTAMP`, `UUID`, `JSONB` included), and comes back through relq
//! equal to what went in. A date that does not exist is refused with the driver's error on
//! the servers; SQLite, which keeps dates as text, stores it as written.
//!
//! Needs the test servers (`bash scripts/test.sh` starts them); nothing is skipped.

mod common;

use common::servers::server_url;
use relq::{Database, Query, RelationGraph, Value, compile};
use relq_tests::samples;

/// The `Item` row: one value of each kind, with a scale to keep (`12.50`), microseconds,
/// an upper-case UUID (read back lower-case), bytes outside UTF-8 and non-ASCII text.
fn item() -> Vec<Value> {
    vec![
        Value::Int(9_007_199_254_740_993), // 2^53 + 1: no float on the way
        Value::Int(-7),
        Value::Float(0.1),
        Value::Decimal("-12.50".to_owned()),
        Value::Text("naïve 'quote' \\ 日本".to_owned()),
        Value::Text("Straße".to_owned()),
        Value::Bool(true),
        Value::Date("2024-02-29".to_owned()),
        Value::Time("23:59:59.000001".to_owned()),
        Value::DateTime("1999-12-31T23:59:59.5".to_owned()),
        Value::Uuid("67E55044-10B1-426F-9247-BB680E5FE0C8".to_owned()),
        Value::Json(r#"{"a":[1,2]}"#.to_owned()),
        Value::Bytes(vec![0, 1, 0xff]),
        Value::Text("t1".to_owned()),
    ]
}

/// What relq reads back: the UUID lower-case, the fraction of a second in six digits.
fn expected() -> Vec<Value> {
    let mut row = item();
    row[9] = Value::DateTime("1999-12-31T23:59:59.500000".to_owned());
    row[10] = Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".to_owned());
    row
}

fn databases() -> Vec<(&'static str, Database)> {
    let open = |url: &str| Database::open(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let suffix = std::process::id();
    let mut postgres = open(&server_url("RELQ_POSTGRES_URL"));
    let mut mariadb = open(&server_url("RELQ_MYSQL_URL"));
    for statement in [
        format!("DROP SCHEMA IF EXISTS relq_params_{suffix} CASCADE"),
        format!("CREATE SCHEMA relq_params_{suffix}"),
        format!("SET search_path TO relq_params_{suffix}"),
    ] {
        postgres
            .run(&statement, &[])
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for statement in [
        format!("DROP DATABASE IF EXISTS relq_params_{suffix}"),
        format!("CREATE DATABASE relq_params_{suffix}"),
        format!("USE relq_params_{suffix}"),
    ] {
        mariadb
            .run(&statement, &[])
            .unwrap_or_else(|e| panic!("{e}"));
    }
    vec![
        ("SQLite", open("sqlite::memory:")),
        ("PostgreSQL", postgres),
        ("MariaDB", mariadb),
    ]
}

fn drop_all(product: &str, db: &mut Database) {
    let suffix = std::process::id();
    let statement = match product {
        "PostgreSQL" => format!("DROP SCHEMA relq_params_{suffix} CASCADE"),
        "MariaDB" => format!("DROP DATABASE relq_params_{suffix}"),
        _ => return,
    };
    db.run(&statement, &[]).unwrap_or_else(|e| panic!("{e}"));
}

fn load(db: &mut Database, graph: &RelationGraph) -> Result<u64, relq::ExecError> {
    db.create_tables(graph)?;
    let tags = graph.model_by_name("Tag").expect("declared");
    db.insert(tags, &[vec![Value::Text("t1".to_owned())]])?;
    let items = graph.model_by_name("Item").expect("declared");
    db.insert(items, &[item()])
}

#[test]
fn every_value_kind_binds_and_reads_back_equal() {
    let graph = samples::every_field_type().build().expect("valid schema");
    for (product, mut db) in databases() {
        assert_eq!(
            load(&mut db, &graph).ok(),
            Some(1),
            "{product}: the row goes in"
        );
        let compiled =
            compile(&graph, &Query::new("Item"), db.dialect()).unwrap_or_else(|e| panic!("{e}"));
        let records = db
            .execute(&compiled)
            .unwrap_or_else(|e| panic!("{product}: {e}"));
        assert_eq!(records.len(), 1, "{product}");
        assert_eq!(records[0].fields, expected(), "{product}");
        // A value its column cannot hold is the driver's error, not a stored surprise.
        let items = graph.model_by_name("Item").expect("declared");
        let mut bad = item();
        bad[0] = Value::Int(2);
        bad[7] = Value::Date("2023-02-29".to_owned());
        let refused = db.insert(items, &[bad]).is_err();
        // SQLite keeps dates as TEXT and checks nothing (datatype3.html): it stores the text.
        assert_eq!(
            refused,
            product != "SQLite",
            "{product}: 2023-02-29 refused"
        );
        drop_all(product, &mut db);
    }
}
