//! The facts a dialect reads from its connection at run time (`relq::Database::open`, which
//! calls `Sqlite::from_connection`, `Postgres::from_client` and `MySql::from_conn`), proven
//! on the three databases: the server's product and version, and the bound-parameter limit
//! (`Caps::max_params`): a statement with that many parameters runs, one more is refused.
//!
//! Needs the test servers (`RELQ_POSTGRES_URL`, `RELQ_MYSQL_URL`; `bash scripts/test.sh`
//! starts them). A missing URL fails the test; nothing is skipped.

mod common;

use common::servers::server_url;
use relq::{Database, Value};

fn databases() -> [(&'static str, Database); 3] {
    let open = |url: &str| Database::open(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    [
        ("SQLite", open("sqlite::memory:")),
        ("PostgreSQL", open(&server_url("RELQ_POSTGRES_URL"))),
        ("MariaDB", open(&server_url("RELQ_MYSQL_URL"))),
    ]
}

/// `DELETE FROM table WHERE id IN (p1, ..., pn)` in the dialect's placeholder style.
fn delete_in(db: &Database, table: &str, n: usize) -> String {
    let caps = db.dialect().caps();
    let dollar = caps.placeholder == relq_sql::Placeholder::DollarNumber;
    let list: Vec<String> = (1..=n)
        .map(|i| {
            if dollar {
                format!("${i}")
            } else {
                "?".to_owned()
            }
        })
        .collect();
    format!("DELETE FROM {table} WHERE id IN ({})", list.join(", "))
}

#[test]
fn each_server_says_what_it_is() {
    for (product, db) in databases() {
        let server = db
            .dialect()
            .caps()
            .server
            .unwrap_or_else(|| panic!("{product}: no server read"));
        println!("{product}: {server}");
        assert_eq!(server.product, product);
        let (major, _, _) = server.version;
        let expected_major = match product {
            "SQLite" => 3,
            "PostgreSQL" => 15,
            _ => 10,
        };
        assert_eq!(major, expected_major, "{product}: {server}");
    }
}

#[test]
fn the_parameter_limit_is_the_one_read_from_the_connection() {
    let table = format!("relq_params_{}", std::process::id());
    for (product, mut db) in databases() {
        let max = db.dialect().caps().max_params;
        db.run(&format!("DROP TABLE IF EXISTS {table}"), &[])
            .and_then(|_| db.run(&format!("CREATE TABLE {table} (id INTEGER)"), &[]))
            .unwrap_or_else(|e| panic!("{product}: {e}"));
        let params = |n: usize| (0..n).map(|i| Value::Int(i as i64)).collect::<Vec<_>>();
        let at_limit = db.run(&delete_in(&db, &table, max), &params(max));
        assert_eq!(at_limit.ok(), Some(0), "{product}: {max} parameters run");
        let past = db.run(&delete_in(&db, &table, max + 1), &params(max + 1));
        assert!(
            past.is_err(),
            "{product}: {} parameters are refused",
            max + 1
        );
        db.run(&format!("DROP TABLE {table}"), &[])
            .unwrap_or_else(|e| panic!("{product}: {e}"));
    }
}
