//! Loading a schema and a small data set into each test database: the tables from
//! `relq_sql::create_tables`, then the rows through parameterised INSERTs (integers, text
//! and NULL) or the dialect's own INSERT statements (literals of every type), in a fresh
//! SQLite memory database, PostgreSQL schema or MariaDB database that is dropped when the
//! handle is.
//!
//! A missing server URL fails the test (`servers`), never skips it.

use relq_graph::RelationGraph;
use relq_plan::Value;
use relq_sql::create_tables;

use super::servers;

/// `(table, columns, rows)`: rows of one table, in the order of `columns`
/// (`"id, name"`). Tables are given in foreign-key order.
pub type Table = (&'static str, &'static str, Vec<Vec<Value>>);

/// The rows to load: [`Table`]s bound as parameters, or statements in the dialect's SQL.
pub enum Data<'a> {
    /// Rows of integers, text and NULL, bound.
    Rows(&'a [Table]),
    /// INSERT statements with literals, run as they are.
    Sql(&'a [String]),
}

/// The INSERTs of two rows of every field type (`samples::every_field_type`), as literals
/// in the dialect's spelling: `q` quotes identifiers, `bytes` is the literal of the bytes
/// 00 01 ff. Row 1: count -7, ratio 0.5, price 12.50, title `T`, done, 2024-05-01,
/// 13:45:00, 2024-05-01 13:45:00.25, an upper-case UUID (read back lower-case), tag `a`;
/// row 2: count 0, no ratio, price -0.05, title `U`, not done, 1999-12-31, 00:00:00,
/// 1999-12-31 23:59:59, the nil UUID, no tag. Item 1 has the tags `b` and `a`.
pub fn every_type_inserts(q: char, bytes: &str) -> Vec<String> {
    let columns = [
        "id", "count", "ratio", "price", "note", "title", "done", "day", "at", "stamp", "uid",
        "doc", "raw", "tag_id",
    ]
    .map(|c| format!("{q}{c}{q}"))
    .join(", ");
    vec![
        format!("INSERT INTO {q}tags{q} ({q}code{q}) VALUES ('a'), ('b')"),
        format!(
            "INSERT INTO {q}items{q} ({columns}) VALUES (1, -7, 0.5, '12.50', 'n', 'T', TRUE, \
             '2024-05-01', '13:45:00', '2024-05-01 13:45:00.250000', \
             '67E55044-10B1-426F-9247-BB680E5FE0C8', '{{\"a\": 1}}', {bytes}, 'a'), \
             (2, 0, NULL, '-0.05', '', 'U', FALSE, '1999-12-31', '00:00:00', \
             '1999-12-31 23:59:59', '00000000-0000-0000-0000-000000000000', '[]', {bytes}, NULL)"
        ),
        format!(
            "INSERT INTO {q}items_tags{q} ({q}id{q}, {q}item{q}, {q}tag{q}) \
             VALUES (1, 1, 'b'), (2, 1, 'a')"
        ),
    ]
}

/// `INSERT INTO table (columns) VALUES (?, ...)`, identifiers unquoted (plain lower-case
/// words on every dialect).
pub fn insert_sql(table: &str, columns: &str) -> String {
    let marks = vec!["?"; columns.split(',').count()].join(", ");
    format!("INSERT INTO {table} ({columns}) VALUES ({marks})")
}

/// An in-memory SQLite database holding `graph`'s tables and `data`.
pub fn sqlite(graph: &RelationGraph, data: Data<'_>) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("an in-memory SQLite database");
    for create in create_tables(graph, &relq_sqlite::Sqlite::default()) {
        conn.execute_batch(&create).expect("SQLite accepts the DDL");
    }
    let rows = match data {
        Data::Rows(rows) => rows,
        Data::Sql(statements) => {
            for sql in statements {
                conn.execute_batch(sql)
                    .unwrap_or_else(|e| panic!("SQLite: {e}\n  {sql}"));
            }
            return conn;
        }
    };
    for (table, columns, rows) in rows {
        let sql = insert_sql(table, columns);
        for row in rows {
            let params = row.iter().map(|v| match v {
                Value::Int(i) => rusqlite::types::Value::Integer(*i),
                Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
                _ => rusqlite::types::Value::Null,
            });
            conn.execute(&sql, rusqlite::params_from_iter(params))
                .unwrap_or_else(|e| panic!("SQLite insert into {table}: {e}"));
        }
    }
    conn
}

/// A PostgreSQL client whose `search_path` is a fresh schema holding the tables and data;
/// the schema is dropped with it.
pub struct PgSchema {
    /// The client, inside the schema.
    pub client: ::postgres::Client,
    schema: String,
}

/// `graph`'s tables and `data` in a fresh PostgreSQL schema `name` (made unique per
/// process).
pub fn postgres(graph: &RelationGraph, data: Data<'_>, name: &str) -> PgSchema {
    use ::postgres::types::{ToSql, Type};
    let mut client = servers::postgres();
    let schema = format!("{name}_{}", std::process::id());
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; \
             SET search_path TO {schema}"
        ))
        .expect("a fresh schema");
    for create in create_tables(graph, &relq_postgres::Postgres::default()) {
        client
            .batch_execute(&create)
            .expect("PostgreSQL accepts the DDL");
    }
    let tables = match data {
        Data::Rows(tables) => tables,
        Data::Sql(statements) => {
            for sql in statements {
                client
                    .batch_execute(sql)
                    .unwrap_or_else(|e| panic!("PostgreSQL: {e}\n  {sql}"));
            }
            return PgSchema { client, schema };
        }
    };
    for (table, columns, rows) in tables {
        let mut n = 0;
        let sql: String = insert_sql(table, columns)
            .split('?')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_owned()
                } else {
                    n += 1;
                    format!("${n}{part}")
                }
            })
            .collect();
        let statement = client.prepare(&sql).expect("the INSERT prepares");
        for row in rows {
            let params: Vec<Box<dyn ToSql + Sync>> = row
                .iter()
                .zip(statement.params())
                .map(|(v, ty)| -> Box<dyn ToSql + Sync> {
                    match v {
                        Value::Int(i) if *ty == Type::INT4 => {
                            Box::new(i32::try_from(*i).expect("a small integer"))
                        }
                        Value::Int(i) => Box::new(*i),
                        Value::Text(s) => Box::new(s.clone()),
                        _ if *ty == Type::INT4 => Box::new(None::<i32>),
                        _ if *ty == Type::INT8 => Box::new(None::<i64>),
                        _ => Box::new(None::<String>),
                    }
                })
                .collect();
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| &**b as _).collect();
            client
                .execute(&statement, &refs)
                .unwrap_or_else(|e| panic!("PostgreSQL insert into {table}: {e}"));
        }
    }
    PgSchema { client, schema }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = self.client.batch_execute(&format!(
            "SET search_path TO public; DROP SCHEMA {} CASCADE",
            self.schema
        ));
    }
}

/// A MariaDB connection using a fresh database holding the tables and data; the database
/// is dropped with it.
pub struct MariaDatabase {
    /// The connection, using the database.
    pub conn: mysql::Conn,
    database: String,
}

/// `graph`'s tables and `data` in a fresh MariaDB database `name` (a `relq_` name, made
/// unique per process).
pub fn mariadb(graph: &RelationGraph, data: Data<'_>, name: &str) -> MariaDatabase {
    use mysql::prelude::Queryable;
    let mut conn = servers::mariadb();
    let database = format!("{name}_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {database}"),
        format!("CREATE DATABASE {database}"),
        format!("USE {database}"),
    ] {
        conn.query_drop(sql).expect("a fresh database");
    }
    for create in create_tables(graph, &relq_mysql::MySql::default()) {
        conn.query_drop(&create).expect("MariaDB accepts the DDL");
    }
    let tables = match data {
        Data::Rows(tables) => tables,
        Data::Sql(statements) => {
            for sql in statements {
                conn.query_drop(sql)
                    .unwrap_or_else(|e| panic!("MariaDB: {e}\n  {sql}"));
            }
            return MariaDatabase { conn, database };
        }
    };
    for (table, columns, rows) in tables {
        let statement = conn
            .prep(insert_sql(table, columns))
            .expect("the INSERT prepares");
        for row in rows {
            let params: Vec<mysql::Value> = row
                .iter()
                .map(|v| match v {
                    Value::Int(i) => mysql::Value::Int(*i),
                    Value::Text(s) => mysql::Value::Bytes(s.clone().into_bytes()),
                    _ => mysql::Value::NULL,
                })
                .collect();
            conn.exec_drop(&statement, params)
                .unwrap_or_else(|e| panic!("MariaDB insert into {table}: {e}"));
        }
    }
    MariaDatabase { conn, database }
}

impl Drop for MariaDatabase {
    fn drop(&mut self) {
        use mysql::prelude::Queryable;
        let _ = self.conn.query_drop("USE relq");
        let _ = self
            .conn
            .query_drop(format!("DROP DATABASE {}", self.database));
    }
}
