//! `Caps::indexes_foreign_keys`, proven on the three databases: after relq's
//! `create_tables` of the school sample, the foreign-key column `students.schoolclass_id`
//! has an index on each (SQLite and PostgreSQL through relq's `CREATE INDEX`, on the
//! column then the primary key `id`; MariaDB
//! through InnoDB's own, which relq does not duplicate), and on MariaDB relq writes no
//! `CREATE INDEX` at all.
//!
//! Needs the test servers (`bash scripts/test.sh` starts them); nothing is skipped.

mod common;

use common::servers;
use relq_sample::Sample;
use relq_sql::create_tables;

#[test]
fn foreign_key_columns_are_indexed_on_every_database() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let pid = std::process::id();

    let sqlite = rusqlite::Connection::open_in_memory().expect("SQLite in memory");
    for statement in create_tables(&graph, &relq_sqlite::Sqlite::default()) {
        sqlite
            .execute_batch(&statement)
            .expect("SQLite accepts the DDL");
    }
    let indexed: Vec<String> = sqlite
        .prepare("SELECT name FROM pragma_index_info('students_schoolclass_id_idx') ORDER BY seqno")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("the index's columns");
    assert_eq!(indexed, ["schoolclass_id", "id"], "SQLite");

    let mut pg = servers::postgres();
    let schema = format!("relq_fk_index_{pid}");
    pg.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema}"
    ))
    .expect("a fresh schema");
    for statement in create_tables(&graph, &relq_postgres::Postgres::default()) {
        pg.batch_execute(&statement)
            .expect("PostgreSQL accepts the DDL");
    }
    let definitions: Vec<String> = pg
        .query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'students'",
            &[&schema],
        )
        .expect("pg_indexes")
        .iter()
        .map(|r| r.get(0))
        .collect();
    pg.batch_execute(&format!(
        "SET search_path TO public; DROP SCHEMA {schema} CASCADE"
    ))
    .expect("the schema drops");
    assert!(
        definitions
            .iter()
            .any(|d| d.ends_with("(schoolclass_id, id)")),
        "PostgreSQL: {definitions:?}"
    );

    use mysql::prelude::Queryable;
    let mut my = servers::mariadb();
    let database = format!("relq_fk_index_{pid}");
    for sql in [
        format!("DROP DATABASE IF EXISTS {database}"),
        format!("CREATE DATABASE {database}"),
        format!("USE {database}"),
    ] {
        my.query_drop(sql).expect("a fresh database");
    }
    let statements = create_tables(&graph, &relq_mysql::MySql::default());
    assert!(
        statements.iter().all(|s| !s.starts_with("CREATE INDEX")),
        "InnoDB indexes foreign keys itself"
    );
    for statement in &statements {
        my.query_drop(statement).expect("MariaDB accepts the DDL");
    }
    let columns: Vec<String> = my
        .query_map("SHOW INDEX FROM students", |row: mysql::Row| {
            row.get::<String, _>("Column_name").unwrap_or_default()
        })
        .expect("SHOW INDEX");
    my.query_drop(format!("DROP DATABASE {database}"))
        .expect("the database drops");
    assert!(
        columns.contains(&"schoolclass_id".to_owned()),
        "MariaDB: {columns:?}"
    );
}
