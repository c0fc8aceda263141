//! `relq schema`, `compile`, `query` and `graph` run as a user runs them, on the school
//! database in SQLite, PostgreSQL and MariaDB.

mod common;

use common::{relq, stdout, three_schools};

/// The acceptance check: the introspected school database answers ormar's
/// example with the nested classes, and PostgreSQL and MariaDB print the same JSON.
#[test]
fn ormars_example_prints_the_same_nested_classes_on_three_databases() {
    let [sqlite, postgres, mariadb] = three_schools();
    let query = |url: &str| {
        stdout(&[
            "query",
            "--db",
            url,
            "--model",
            "schoolclasses",
            "--select-related",
            "teachers__category,students__category",
        ])
    };
    let expected = query(&sqlite.url);
    insta::assert_snapshot!(expected);
    assert_eq!(query(&postgres.url), expected, "PostgreSQL");
    assert_eq!(query(&mariadb.url), expected, "MariaDB");
}
