//! Every fact in a dialect's `CAPS`, proven on the real database: each test reads the fact
//! from `relq_sqlite::CAPS`, `relq_postgres::CAPS` or `relq_mysql::CAPS`, runs SQL that
//! shows it on the server, and fails when the server disagrees. Also the trap "MySQL and
//! MariaDB reject `LIMIT` inside `IN (subquery)`" and the derived table that avoids it, and
//! the filters' text hooks (`Dialect::comparable_text`, `Dialect::match_text`), their SQL
//! rendered by relq and run on the server: text compared by code point (and why MariaDB
//! needs the conversion: latin1 `_ci` tables, PAD SPACE `_bin` collations), substrings
//! matched literally and case-sensitively (SQLite's LIKE and NUL traps, and why its hook
//! uses `INSTR` and BLOB `SUBSTR`), regex operators, decimals stored as text and not exact,
//! what `LOWER` folds.
//!
//! The databases: SQLite in memory (bundled with rusqlite), PostgreSQL at
//! `RELQ_POSTGRES_URL` and MariaDB at `RELQ_MYSQL_URL`, both started by `scripts/test.sh`
//! (by hand: `scripts/servers.sh start` and `eval "$(scripts/servers.sh env)"`). A missing
//! URL fails the test; nothing is skipped.
//!
//! Proven on (each `*::server_is_the_one_the_facts_are_proven_on` test prints the version it ran
//! on and checks it is that server):
//! SQLite 3.50.2 (bundled by rusqlite 0.37), PostgreSQL 15.18 (Debian 15.18-0+deb12u1) and
//! MariaDB 10.11.14 (Debian 12). `relq_mysql::CAPS` claims MySQL 8 and MariaDB; only MariaDB
//! is proven here, as MySQL 8 is not installable on the test machines (Debian ships
//! MariaDB only).
//!
//! Tables are real (not temporary: MariaDB cannot open a temporary table twice in one
//! statement), named for their test, and dropped first, so tests run in parallel and on
//! servers left from an earlier run.

mod common;

use common::servers;
use relq_plan::{Alias, TextOp, Value};
use relq_sql::{
    Caps, Dialect, Expr, IdentifierLimit, Layout, OffsetWithoutLimit, OrderItem, Placeholder,
    Select, TableRef, TextTest, TypeName, render,
};

/// One connection to a database under test, as much as the facts need: statements
/// without results, and queries whose first column is a nullable integer.
trait Db {
    /// The facts relq holds for this database.
    fn caps(&self) -> Caps;
    /// The dialect relq renders this database's SQL with (its `const` facts and its hooks).
    fn dialect(&self) -> Box<dyn Dialect>;
    /// Runs statements without parameters (several, `;`-separated, where the driver allows).
    fn exec(&mut self, sql: &str) -> Result<(), String>;
    /// Runs a query with integer parameters; returns the first column of every row.
    fn ints(&mut self, sql: &str, params: &[i64]) -> Result<Vec<Option<i64>>, String>;
    /// Runs a query with text parameters; returns the first column (an integer) of every
    /// row.
    fn ints_for_texts(&mut self, sql: &str, params: &[&str]) -> Result<Vec<Option<i64>>, String>;
    /// Runs a query with the integer and text parameters relq rendered; returns the first
    /// column of every row.
    fn ints_for_values(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Option<i64>>, String>;
    /// The server's version string.
    fn version(&mut self) -> String;
}

// ---------------------------------------------------------------- the three databases

struct Sqlite(rusqlite::Connection);

fn sqlite() -> Sqlite {
    Sqlite(rusqlite::Connection::open_in_memory().expect("an in-memory SQLite database opens"))
}

impl Db for Sqlite {
    fn caps(&self) -> Caps {
        relq_sqlite::CAPS
    }
    fn dialect(&self) -> Box<dyn Dialect> {
        Box::new(relq_sqlite::Sqlite::default())
    }
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        self.0.execute_batch(sql).map_err(|e| e.to_string())
    }
    fn ints(&mut self, sql: &str, params: &[i64]) -> Result<Vec<Option<i64>>, String> {
        let mut statement = self.0.prepare(sql).map_err(|e| e.to_string())?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(params), |row| row.get(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
    fn ints_for_texts(&mut self, sql: &str, params: &[&str]) -> Result<Vec<Option<i64>>, String> {
        let mut statement = self.0.prepare(sql).map_err(|e| e.to_string())?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(params), |row| row.get(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
    fn ints_for_values(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Option<i64>>, String> {
        let params = params.iter().map(|p| match p {
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
            other => panic!("no test binds {other:?}"),
        });
        let mut statement = self.0.prepare(sql).map_err(|e| e.to_string())?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(params), |row| row.get(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
    fn version(&mut self) -> String {
        self.0
            .query_row("SELECT sqlite_version()", [], |row| row.get(0))
            .expect("sqlite_version()")
    }
}

struct Postgres(::postgres::Client);

fn postgres() -> Postgres {
    let client = servers::postgres();
    Postgres(client)
}

fn pg_error(e: ::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// The first column of every row of a PostgreSQL query with parameters of one type.
fn pg_ints<T: ::postgres::types::ToSql + Sync>(
    client: &mut ::postgres::Client,
    sql: &str,
    params: &[T],
) -> Result<Vec<Option<i64>>, String> {
    let params: Vec<&(dyn ::postgres::types::ToSql + Sync)> =
        params.iter().map(|p| p as _).collect();
    let rows = client.query(sql, &params).map_err(pg_error)?;
    rows.iter()
        .map(|row| row.try_get(0).map_err(pg_error))
        .collect()
}

impl Db for Postgres {
    fn caps(&self) -> Caps {
        relq_postgres::CAPS
    }
    fn dialect(&self) -> Box<dyn Dialect> {
        Box::new(relq_postgres::Postgres::default())
    }
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        self.0.batch_execute(sql).map_err(pg_error)
    }
    fn ints(&mut self, sql: &str, params: &[i64]) -> Result<Vec<Option<i64>>, String> {
        pg_ints(&mut self.0, sql, params)
    }
    fn ints_for_texts(&mut self, sql: &str, params: &[&str]) -> Result<Vec<Option<i64>>, String> {
        pg_ints(&mut self.0, sql, params)
    }
    fn ints_for_values(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Option<i64>>, String> {
        let params: Vec<Box<dyn ::postgres::types::ToSql + Sync>> = params
            .iter()
            .map(|p| -> Box<dyn ::postgres::types::ToSql + Sync> {
                match p {
                    Value::Int(i) => Box::new(*i),
                    Value::Text(t) => Box::new(t.clone()),
                    other => panic!("no test binds {other:?}"),
                }
            })
            .collect();
        let params: Vec<&(dyn ::postgres::types::ToSql + Sync)> =
            params.iter().map(AsRef::as_ref).collect();
        let rows = self.0.query(sql, &params).map_err(pg_error)?;
        rows.iter()
            .map(|row| row.try_get(0).map_err(pg_error))
            .collect()
    }
    fn version(&mut self) -> String {
        let row = self
            .0
            .query_one("SELECT version()", &[])
            .expect("SELECT version()");
        row.get(0)
    }
}

struct MariaDb(mysql::Conn);

fn mariadb() -> MariaDb {
    let conn = servers::mariadb();
    MariaDb(conn)
}

impl Db for MariaDb {
    fn caps(&self) -> Caps {
        relq_mysql::CAPS
    }
    fn dialect(&self) -> Box<dyn Dialect> {
        Box::new(relq_mysql::MySql::default())
    }
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        use mysql::prelude::Queryable;
        // One statement at a time: the text protocol's multi-statements leave results to drain.
        for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
            self.0.query_drop(statement).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
    fn ints(&mut self, sql: &str, params: &[i64]) -> Result<Vec<Option<i64>>, String> {
        use mysql::prelude::Queryable;
        let params: Vec<mysql::Value> = params.iter().map(|&p| mysql::Value::Int(p)).collect();
        let params = if params.is_empty() {
            mysql::Params::Empty
        } else {
            mysql::Params::Positional(params)
        };
        self.0
            .exec::<Option<i64>, _, _>(sql, params)
            .map_err(|e| e.to_string())
    }
    fn ints_for_texts(&mut self, sql: &str, params: &[&str]) -> Result<Vec<Option<i64>>, String> {
        use mysql::prelude::Queryable;
        let params: Vec<mysql::Value> = params
            .iter()
            .map(|p| mysql::Value::Bytes(p.as_bytes().to_vec()))
            .collect();
        self.0
            .exec::<Option<i64>, _, _>(sql, mysql::Params::Positional(params))
            .map_err(|e| e.to_string())
    }
    fn ints_for_values(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Option<i64>>, String> {
        use mysql::prelude::Queryable;
        let params: Vec<mysql::Value> = params
            .iter()
            .map(|p| match p {
                Value::Int(i) => mysql::Value::Int(*i),
                Value::Text(t) => mysql::Value::Bytes(t.as_bytes().to_vec()),
                other => panic!("no test binds {other:?}"),
            })
            .collect();
        self.0
            .exec::<Option<i64>, _, _>(sql, mysql::Params::Positional(params))
            .map_err(|e| e.to_string())
    }
    fn version(&mut self) -> String {
        use mysql::prelude::Queryable;
        self.0
            .query_first::<String, _>("SELECT version()")
            .expect("SELECT version()")
            .expect("one row")
    }
}

// ---------------------------------------------------------------- SQL from the facts

/// `name` quoted the way the caps say: the quote character around it, doubled inside.
fn quote(caps: &Caps, name: &str) -> String {
    let q = caps.identifier_quote;
    let doubled: String = [q, q].iter().collect();
    format!("{q}{}{q}", name.replace(q, &doubled))
}

/// The `n`th (from 1) parameter's placeholder the way the caps say.
fn placeholder(caps: &Caps, n: usize) -> String {
    match caps.placeholder {
        Placeholder::QuestionMark => "?".to_owned(),
        Placeholder::DollarNumber => format!("${n}"),
        Placeholder::Format => "%s".to_owned(),
    }
}

/// The other placeholder style, which the server should reject.
fn other_placeholder(caps: &Caps, n: usize) -> String {
    match caps.placeholder {
        Placeholder::QuestionMark | Placeholder::Format => format!("${n}"),
        Placeholder::DollarNumber => "?".to_owned(),
    }
}

/// A fresh table `name` with one BIGINT column `x` holding `values`.
fn table_of(db: &mut dyn Db, name: &str, values: &[Option<i64>]) {
    let caps = db.caps();
    let table = quote(&caps, name);
    let rows: Vec<String> = values
        .iter()
        .map(|v| v.map_or("(NULL)".to_owned(), |v| format!("({v})")))
        .collect();
    let mut sql = format!("DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (x BIGINT);");
    if !rows.is_empty() {
        sql += &format!("INSERT INTO {table} (x) VALUES {};", rows.join(", "));
    }
    db.exec(&sql)
        .unwrap_or_else(|e| panic!("{}: cannot create {table}: {e}", caps.name));
}

/// A name of exactly `units` of `unit` (a character), for identifier-limit tests.
fn name_of(prefix: &str, unit: char, units: usize, last: char) -> String {
    let mut name = prefix.to_owned();
    while name.chars().count() + 1 < units {
        name.push(unit);
    }
    name.push(last);
    name
}

// ---------------------------------------------------------------- the facts

fn identifier_quote_doubled_inside_a_name_is_accepted(db: &mut dyn Db) {
    let caps = db.caps();
    let q = caps.identifier_quote;
    let name = format!("relq {q}quoted{q} table");
    let column = format!("say {q}hi{q}");
    let (t, c) = (quote(&caps, &name), quote(&caps, &column));
    db.exec(&format!(
        "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} ({c} BIGINT); INSERT INTO {t} ({c}) VALUES (7);"
    ))
    .unwrap_or_else(|e| panic!("{}: a name with {q} inside, quoted as {t}: {e}", caps.name));
    let got = db.ints(&format!("SELECT {c} FROM {t}"), &[]);
    assert_eq!(got, Ok(vec![Some(7)]), "{}: quoted with {q}", caps.name);
}

fn placeholders_bind_in_the_caps_style(db: &mut dyn Db) {
    let caps = db.caps();
    table_of(db, "relq_placeholders", &[Some(1), Some(2), Some(3)]);
    let sql = format!(
        "SELECT x FROM relq_placeholders WHERE x = {} OR x = {} ORDER BY x",
        placeholder(&caps, 1),
        placeholder(&caps, 2)
    );
    assert_eq!(
        db.ints(&sql, &[3, 1]),
        Ok(vec![Some(1), Some(3)]),
        "{}: {sql}",
        caps.name
    );
}

fn other_placeholder_style_is_rejected(db: &mut dyn Db) {
    let caps = db.caps();
    table_of(db, "relq_other_placeholders", &[Some(1)]);
    let sql = format!(
        "SELECT x FROM relq_other_placeholders WHERE x = {}",
        other_placeholder(&caps, 1)
    );
    let got = db.ints(&sql, &[1]);
    assert!(got.is_err(), "{}: {sql} was accepted: {got:?}", caps.name);
}

fn offset_without_limit_works_in_the_caps_form(db: &mut dyn Db) {
    let caps = db.caps();
    let values: Vec<Option<i64>> = (1..=5).map(Some).collect();
    table_of(db, "relq_offset", &values);
    let p = placeholder(&caps, 1);
    let clause = match caps.offset_without_limit {
        OffsetWithoutLimit::Alone => format!("OFFSET {p}"),
        OffsetWithoutLimit::LimitLiteral(no_limit) => format!("LIMIT {no_limit} OFFSET {p}"),
    };
    let sql = format!("SELECT x FROM relq_offset ORDER BY x {clause}");
    assert_eq!(
        db.ints(&sql, &[2]),
        Ok(vec![Some(3), Some(4), Some(5)]),
        "{}: {sql}",
        caps.name
    );
    // Where the caps ask for a LIMIT literal, OFFSET alone must really be refused.
    let alone = format!("SELECT x FROM relq_offset ORDER BY x OFFSET {p}");
    let got = db.ints(&alone, &[2]);
    match caps.offset_without_limit {
        OffsetWithoutLimit::Alone => assert!(got.is_ok(), "{}: {alone}: {got:?}", caps.name),
        OffsetWithoutLimit::LimitLiteral(_) => {
            assert!(got.is_err(), "{}: {alone} was accepted: {got:?}", caps.name);
        }
    }
}

fn nulls_sort_where_the_caps_say(db: &mut dyn Db) {
    let caps = db.caps();
    table_of(db, "relq_nulls_sort", &[Some(2), None, Some(1)]);
    let ascending = db.ints("SELECT x FROM relq_nulls_sort ORDER BY x ASC", &[]);
    let expected = if caps.nulls_sort_smallest {
        vec![None, Some(1), Some(2)]
    } else {
        vec![Some(1), Some(2), None]
    };
    assert_eq!(
        ascending,
        Ok(expected),
        "{}: nulls_sort_smallest = {}",
        caps.name,
        caps.nulls_sort_smallest
    );
}

fn nulls_order_syntax_is_accepted_where_the_caps_say(db: &mut dyn Db) {
    let caps = db.caps();
    table_of(db, "relq_nulls_order", &[Some(2), None, Some(1)]);
    let got = db.ints(
        "SELECT x FROM relq_nulls_order ORDER BY x ASC NULLS LAST",
        &[],
    );
    if caps.supports_nulls_order {
        assert_eq!(got, Ok(vec![Some(1), Some(2), None]), "{}", caps.name);
    } else {
        assert!(
            got.is_err(),
            "{}: NULLS LAST was accepted: {got:?}",
            caps.name
        );
        // The terms relq writes instead.
        let instead = "SELECT x FROM relq_nulls_order ORDER BY x IS NULL ASC, x ASC";
        assert_eq!(
            db.ints(instead, &[]),
            Ok(vec![Some(1), Some(2), None]),
            "{}",
            caps.name
        );
    }
}

/// A name at the limit is kept whole; one unit past it is refused (MySQL) or truncated to
/// the limit (PostgreSQL), in the limit's unit; no limit means a 1000-character name works.
fn identifier_limit_is_where_the_caps_say(db: &mut dyn Db, truncates: bool) {
    let caps = db.caps();
    let limit = caps.max_identifier;
    let (ascii, wide) = match limit {
        IdentifierLimit::None => {
            let long = name_of("relq_long_", 'n', 1000, 'n');
            table_of(db, &long, &[Some(1)]);
            let got = db.ints(&format!("SELECT x FROM {}", quote(&caps, &long)), &[]);
            assert_eq!(
                got,
                Ok(vec![Some(1)]),
                "{}: a 1000-character name",
                caps.name
            );
            return;
        }
        IdentifierLimit::Bytes(n) | IdentifierLimit::Chars(n) => (n, n),
    };
    // ASCII: bytes and characters agree. The name at the limit works.
    let at_limit = name_of("relq_id_", 'a', ascii, 'z');
    table_of(db, &at_limit, &[Some(1)]);
    let got = db.ints(&format!("SELECT x FROM {}", quote(&caps, &at_limit)), &[]);
    assert_eq!(got, Ok(vec![Some(1)]), "{}: a {ascii}-byte name", caps.name);
    // Two names one past the limit, equal up to it.
    let one = name_of("relq_id_", 'b', ascii + 1, '1');
    let two = name_of("relq_id_", 'b', ascii + 1, '2');
    let (q1, q2) = (quote(&caps, &one), quote(&caps, &two));
    let _ = db.exec(&format!("DROP TABLE IF EXISTS {q1}"));
    let first = db.exec(&format!("CREATE TABLE {q1} (x BIGINT)"));
    if truncates {
        assert_eq!(
            first,
            Ok(()),
            "{}: a name past the limit is truncated",
            caps.name
        );
        let second = db.exec(&format!("CREATE TABLE {q2} (x BIGINT)"));
        let err = second.expect_err("names equal in their first `limit` units collide");
        assert!(err.contains("already exists"), "{}: {err}", caps.name);
    } else {
        // MariaDB 10.11 says "Incorrect table name" (1103) for a table, "Identifier name
        // ... is too long" (1059) for a column; both name the identifier.
        let err = first.expect_err("a name one past the limit is refused");
        assert!(err.contains(&one), "{}: {err}", caps.name);
    }
    // The unit: a column name of `n` two-byte characters (2n bytes).
    let wide_name = name_of("é", 'é', wide, '1');
    let wide_twin = name_of("é", 'é', wide, '2');
    let (w1, w2) = (quote(&caps, &wide_name), quote(&caps, &wide_twin));
    let t = quote(&caps, "relq_id_unit");
    let _ = db.exec(&format!("DROP TABLE IF EXISTS {t}"));
    let got = db.exec(&format!("CREATE TABLE {t} ({w1} BIGINT, {w2} BIGINT)"));
    match limit {
        // Characters: both fit and stay distinct.
        IdentifierLimit::Chars(_) => {
            assert_eq!(got, Ok(()), "{}: {wide} 2-byte characters fit", caps.name);
        }
        // Bytes: both are cut to the same prefix and collide.
        IdentifierLimit::Bytes(_) => {
            let err = got.expect_err("2-byte names past the byte limit collide");
            assert!(err.contains("more than once"), "{}: {err}", caps.name);
        }
        IdentifierLimit::None => unreachable!(),
    }
}

/// A join of `n` tables (the FROM table included) over a one-row table.
fn join_of(name: &str, n: usize) -> String {
    let mut sql = format!("SELECT t0.x FROM {name} AS t0");
    for i in 1..n {
        sql += &format!(" JOIN {name} AS t{i} ON t{i}.x = t0.x");
    }
    sql
}

fn join_limit_is_where_the_caps_say(db: &mut dyn Db) {
    let caps = db.caps();
    table_of(db, "relq_joins", &[Some(1)]);
    let max = caps.max_join_tables;
    if max == usize::MAX {
        // No limit: far more tables than the others allow still join.
        let got = db.ints(&join_of("relq_joins", 100), &[]);
        assert_eq!(got, Ok(vec![Some(1)]), "{}: 100 tables", caps.name);
        return;
    }
    let got = db.ints(&join_of("relq_joins", max), &[]);
    assert_eq!(got, Ok(vec![Some(1)]), "{}: {max} tables", caps.name);
    let got = db.ints(&join_of("relq_joins", max + 1), &[]);
    let err = got.expect_err("one table past the join limit is refused");
    assert!(
        err.contains(&max.to_string()),
        "{}: the message names the limit {max}: {err}",
        caps.name
    );
}

// ---------------------------------------------------------------- the filter facts

/// A fresh table `name` of `(id BIGINT, x <the caps' text type>)` holding `rows`, the
/// texts bound as parameters (so no string-literal escaping of the server applies).
fn text_table(db: &mut dyn Db, name: &str, rows: &[(i64, &str)]) {
    let caps = db.caps();
    let table = quote(&caps, name);
    let sql = format!(
        "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id BIGINT, x {});",
        caps.types.text
    );
    db.exec(&sql)
        .unwrap_or_else(|e| panic!("{}: cannot create {table}: {e}", caps.name));
    let p = placeholder(&caps, 1);
    for (id, x) in rows {
        let insert = format!("INSERT INTO {table} (id, x) VALUES ({id}, {p})");
        db.ints_for_texts(&insert, &[x])
            .unwrap_or_else(|e| panic!("{}: cannot insert into {table}: {e}", caps.name));
    }
}

/// The column `t0.x` of `table` (its FROM item: `table AS t0`), as the dialect's
/// `comparable_text` hook has filters compare it, folded when `fold`: relq's own rendering.
fn comparable(db: &dyn Db, table: &str, fold: bool) -> String {
    let dialect = db.dialect();
    let x = dialect.comparable_text(
        Expr::column(Alias::new(0), "x").into(),
        fold,
        TextTest::Order,
    );
    let (sql, params) = rendered(&*dialect, table, vec![x], Vec::new());
    assert_eq!(params, [], "comparable_text binds nothing");
    let column = sql
        .strip_prefix("SELECT ")
        .and_then(|s| s.rsplit_once(" FROM "));
    column.map_or(sql.clone(), |(c, _)| c.to_owned())
}

/// `SELECT <columns> FROM <table> AS t0 WHERE <filter> ORDER BY t0.id` as relq renders it
/// for `dialect` (compact), with its parameters.
fn rendered<'g>(
    dialect: &dyn Dialect,
    table: &'g str,
    columns: Vec<Expr<'g>>,
    filter: Vec<Expr<'g>>,
) -> (String, Vec<Value>) {
    let t0 = Alias::new(0);
    let mut select = Select::from(TableRef::Table {
        name: table,
        alias: t0,
    });
    select.columns = columns;
    select.filter = filter;
    if !select.filter.is_empty() {
        select.order_by = vec![OrderItem {
            expr: Expr::column(t0, "id"),
            descending: false,
            nulls: None,
        }];
    }
    let r = render(&select, dialect, Layout::Compact);
    (r.sql, r.params)
}

/// The ids of `rows` whose text satisfies `keep`.
fn ids_where(rows: &[(i64, &str)], keep: impl Fn(&str) -> bool) -> Vec<Option<i64>> {
    rows.iter()
        .filter(|(_, x)| keep(x))
        .map(|(id, _)| Some(*id))
        .collect()
}

const TEXTS: [(i64, &str); 9] = [
    (1, "a"),
    (2, "A"),
    (3, "a "),
    (4, "É"),
    (5, "é"),
    (6, "b"),
    (7, "Straße"),
    (8, "100%"),
    (9, "a\\b"),
];

/// Text compared as the dialect's `comparable_text` hook writes it is case-sensitive, by
/// code point (UTF-8 byte order), and without trailing-space padding, whatever the
/// column's collation and character set.
fn text_compares_by_code_point_as_the_hook_says(db: &mut dyn Db) {
    let caps = db.caps();
    text_table(db, "relq_text_compare", &TEXTS);
    let p = placeholder(&caps, 1);
    let x = comparable(db, "relq_text_compare", false);
    for (op, value, keep) in [
        ("=", "a", &(|t: &str| t == "a") as &dyn Fn(&str) -> bool),
        ("=", "é", &|t: &str| t == "é"),
        ("<", "b", &|t: &str| t < "b"),
        (">=", "É", &|t: &str| t >= "É"),
        ("<>", "a", &|t: &str| t != "a"),
    ] {
        let sql = format!("SELECT id FROM relq_text_compare AS t0 WHERE {x} {op} {p} ORDER BY id");
        assert_eq!(
            db.ints_for_texts(&sql, &[value]),
            Ok(ids_where(&TEXTS, keep)),
            "{}: {sql} with {value:?}",
            caps.name
        );
    }
}

/// `iexact`, `contains`, `startswith`, `endswith` and their `i` forms as the dialect's
/// `match_text` hook writes them, run on the server: `%`, `_`, the LIKE escape `!` and a
/// backslash match only themselves, and only the `i` forms ignore case.
fn substring_match_is_literal_and_case_sensitive_as_the_hook_says(db: &mut dyn Db) {
    let caps = db.caps();
    let rows: [(i64, &str); 7] = [
        (1, "100%"),
        (2, "100x"),
        (3, "a\\b"),
        (4, "a_b"),
        (5, "axb"),
        (6, "a!b"),
        (7, "AxB"),
    ];
    text_table(db, "relq_substring", &rows);
    let dialect = db.dialect();
    for (op, fold, text) in [
        (TextOp::Contains, false, "0%"),
        (TextOp::Contains, false, "_"),
        (TextOp::Contains, false, "\\"),
        (TextOp::Contains, false, "!"),
        (TextOp::Contains, false, "x"),
        (TextOp::Contains, true, "X"),
        (TextOp::StartsWith, false, "a_"),
        (TextOp::StartsWith, false, "a!"),
        (TextOp::StartsWith, false, "a\\"),
        (TextOp::StartsWith, false, "A"),
        (TextOp::StartsWith, true, "A"),
        (TextOp::EndsWith, false, "%"),
        (TextOp::EndsWith, false, "B"),
        (TextOp::EndsWith, true, "B"),
        (TextOp::Equal, false, "a_b"),
        (TextOp::Equal, true, "AXB"),
    ] {
        let x = Expr::column(Alias::new(0), "x");
        let condition = dialect.match_text(op, x.into(), fold, text);
        let id = Expr::column(Alias::new(0), "id");
        let (sql, params) = rendered(&*dialect, "relq_substring", vec![id], vec![condition]);
        let folded = |t: &str| if fold { t.to_lowercase() } else { t.to_owned() };
        let value = folded(text);
        let expected = ids_where(&rows, |t| match op {
            TextOp::Equal => folded(t) == value,
            TextOp::Contains => folded(t).contains(&value),
            TextOp::StartsWith => folded(t).starts_with(&value),
            TextOp::EndsWith => folded(t).ends_with(&value),
        });
        assert_eq!(
            db.ints_for_values(&sql, &params),
            Ok(expected),
            "{}: {sql} with {params:?}",
            caps.name
        );
    }
}

/// The regex operator matches case-sensitively where the caps have one; where they do
/// not, the server has no REGEXP function.
fn regex_is_where_the_caps_say(db: &mut dyn Db) {
    let caps = db.caps();
    text_table(db, "relq_regex", &TEXTS);
    let p = placeholder(&caps, 1);
    match caps.regex_operator {
        Some(op) => {
            let x = comparable(db, "relq_regex", false);
            let sql = format!("SELECT id FROM relq_regex AS t0 WHERE {x} {op} {p} ORDER BY id");
            assert_eq!(db.ints_for_texts(&sql, &["^A"]), Ok(vec![Some(2)]), "{sql}");
            assert_eq!(
                db.ints_for_texts(&sql, &["a$"]),
                Ok(ids_where(&TEXTS, |t| t.ends_with('a'))),
                "{sql}"
            );
        }
        None => {
            let err = db
                .ints_for_texts("SELECT id FROM relq_regex WHERE x REGEXP ?", &["a"])
                .expect_err("no REGEXP function");
            assert!(err.contains("no such function: REGEXP"), "{err}");
        }
    }
}

/// Window functions number the rows of each partition in order where the caps say so,
/// inside a derived table read through `IN` (the form of a nested list's limit).
fn window_functions_are_where_the_caps_say(db: &mut dyn Db) {
    let caps = db.caps();
    table_of(
        db,
        "relq_window",
        &[Some(12), Some(11), Some(21), Some(23), Some(22)],
    );
    // The tens are the partition: keep the two largest of each.
    let sql = format!(
        "SELECT x FROM relq_window WHERE x IN (SELECT k FROM (SELECT x AS k, ROW_NUMBER() OVER \
         (PARTITION BY x - x % 10 ORDER BY x DESC) AS n FROM relq_window) AS w WHERE n <= {}) ORDER BY x",
        placeholder(&caps, 1)
    );
    let got = db.ints(&sql, &[2]);
    if caps.supports_window_functions {
        assert_eq!(
            got,
            Ok(vec![Some(11), Some(12), Some(22), Some(23)]),
            "{sql}"
        );
    } else {
        assert!(got.is_err(), "{sql}");
    }
}

/// Where the caps cast decimals (stored as text), the cast compares numerically and the
/// text does not.
fn decimals_compare_numerically_where_the_caps_cast_them(db: &mut dyn Db) {
    let caps = db.caps();
    let Some(ty) = caps.decimal_cast else {
        return;
    };
    let rows = [(1, "12.50"), (2, "9.99"), (3, "12.5")];
    text_table(db, "relq_decimals", &rows);
    let sql =
        format!("SELECT id FROM relq_decimals WHERE CAST(x AS {ty}) > CAST(? AS {ty}) ORDER BY id");
    assert_eq!(
        db.ints_for_texts(&sql, &["10"]),
        Ok(vec![Some(1), Some(3)]),
        "{sql}"
    );
    let sql =
        format!("SELECT id FROM relq_decimals WHERE CAST(x AS {ty}) = CAST(? AS {ty}) ORDER BY id");
    assert_eq!(
        db.ints_for_texts(&sql, &["12.5"]),
        Ok(vec![Some(1), Some(3)]),
        "{sql}"
    );
    let text = "SELECT id FROM relq_decimals WHERE x > ? ORDER BY id";
    assert_eq!(
        db.ints_for_texts(text, &["10"]),
        Ok(vec![Some(1), Some(2), Some(3)]),
        "as text"
    );
}

/// Where the caps say decimals are exact, a decimal column keeps every digit through `MAX`
/// and `SUM`; where they do not (SQLite: TEXT), `MAX` compares the texts (`'9.50'` is the
/// largest) and `SUM` adds doubles, which lose the cents of a 19-digit number.
fn decimals_are_exact_where_the_caps_say(db: &mut dyn Db) {
    let caps = db.caps();
    let table = quote(&caps, "relq_decimals_exact");
    let ty = match caps.types.decimal {
        TypeName::Bare(name) => name.to_owned(),
        TypeName::WithArgs(name) => format!("{name}(20, 2)"),
    };
    db.exec(&format!(
        "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (x {ty}); \
         INSERT INTO {table} (x) VALUES ('9.50'), ('10.00'), ('12345678901234567.89');"
    ))
    .unwrap_or_else(|e| panic!("{}: cannot create {table}: {e}", caps.name));
    let exact = Some(i64::from(caps.decimals_exact));
    for test in [
        "largest = 12345678901234567.89",
        "total - 12345678901234587 = 0.39",
    ] {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT MAX(x) AS largest, SUM(x) AS total FROM {table}) \
             AS aggregates WHERE {test}"
        );
        assert_eq!(
            db.ints(&sql, &[]),
            Ok(vec![exact]),
            "{}: decimals_exact = {}: {sql}",
            caps.name,
            caps.decimals_exact
        );
    }
}

/// What LOWER does with non-ASCII letters (the `i` lookups fold with it): `É` → `é` where
/// `unicode`, unchanged otherwise; `ß` is never `ss`.
fn lower_folds(db: &mut dyn Db, unicode: bool) {
    let caps = db.caps();
    text_table(db, "relq_lower", &[(1, "É"), (2, "Straße")]);
    let p = placeholder(&caps, 1);
    let (x, value) = (comparable(db, "relq_lower", true), format!("LOWER({p})"));
    let sql = format!("SELECT id FROM relq_lower AS t0 WHERE {x} = {value} ORDER BY id");
    let folded = if unicode { vec![Some(1)] } else { vec![] };
    assert_eq!(
        db.ints_for_texts(&sql, &["é"]),
        Ok(folded),
        "{}: {sql}",
        caps.name
    );
    assert_eq!(
        db.ints_for_texts(&sql, &["É"]),
        Ok(vec![Some(1)]),
        "{}: {sql}",
        caps.name
    );
    assert_eq!(
        db.ints_for_texts(&sql, &["STRASSE"]),
        Ok(vec![]),
        "{}: {sql}",
        caps.name
    );
}

/// The servers this file proves the facts on, as its module doc names them: SQLite 3.30 or
/// later (`NULLS FIRST` / `LAST` arrived in 3.30.0), PostgreSQL 15, and MariaDB (MySQL 8
/// cannot be installed here).
fn assert_proven_server(dialect: &str, version: &str) {
    match dialect {
        "sqlite" => {
            let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            assert!(
                (major, minor) >= (3, 30),
                "SQLite {version}: the facts need 3.30 or later"
            );
        }
        "postgres" => assert!(
            version.starts_with("PostgreSQL 15."),
            "the facts are proven on PostgreSQL 15, not {version}"
        ),
        "mysql" => assert!(
            version.contains("MariaDB"),
            "the facts are proven on MariaDB, not {version}"
        ),
        other => panic!("no server is known for the dialect {other}"),
    }
}

macro_rules! dialect_facts {
    (@each $connect:expr; $($test:ident => $fact:ident,)*) => {
        $(
            #[test]
            fn $test() {
                $fact(&mut $connect);
            }
        )*
    };
    ($dialect:ident, $connect:expr, truncates_long_identifiers = $truncates:expr) => {
        mod $dialect {
            use super::*;

            #[test]
            fn server_is_the_one_the_facts_are_proven_on() {
                let mut db = $connect;
                let version = db.version();
                println!("{}: proven on {version}", db.caps().name);
                assert_proven_server(db.caps().name, &version);
            }

            #[test]
            fn identifier_limit_is_where_its_caps_say() {
                identifier_limit_is_where_the_caps_say(&mut $connect, $truncates);
            }

            // Each test: the fact proven on a fresh connection.
            dialect_facts!(@each $connect;
                identifier_quote_is_doubled_inside_a_name_as_its_caps_say => identifier_quote_doubled_inside_a_name_is_accepted,
                placeholders_bind_in_its_caps_style => placeholders_bind_in_the_caps_style,
                offset_without_limit_works_in_its_caps_form => offset_without_limit_works_in_the_caps_form,
                sorts_nulls_ascending_where_its_caps_say => nulls_sort_where_the_caps_say,
                accepts_nulls_first_last_only_where_its_caps_say => nulls_order_syntax_is_accepted_where_the_caps_say,
                join_limit_is_where_its_caps_say => join_limit_is_where_the_caps_say,
                filters_compare_text_by_code_point_as_its_hook_says => text_compares_by_code_point_as_the_hook_says,
                filters_match_substrings_literally_as_its_hook_says => substring_match_is_literal_and_case_sensitive_as_the_hook_says,
                regex_is_where_its_caps_say => regex_is_where_the_caps_say,
                window_functions_are_where_its_caps_say => window_functions_are_where_the_caps_say,
                decimals_compare_numerically_as_its_caps_say => decimals_compare_numerically_where_the_caps_cast_them,
                decimals_are_exact_as_its_caps_say => decimals_are_exact_where_the_caps_say,
            );
        }
    };
}

dialect_facts!(sqlite, sqlite(), truncates_long_identifiers = false);
dialect_facts!(postgres, postgres(), truncates_long_identifiers = true);
dialect_facts!(mariadb, mariadb(), truncates_long_identifiers = false);

// SQLite accepts `$1` as a named parameter (`$AAAA`), so only the two servers refuse the
// other style.

// `LOWER` (the `i` lookups): SQLite's folds ASCII letters only (lang_corefunc.html#lower);
// PostgreSQL's (the test server's `C.UTF-8`) and MariaDB's (utf8mb4) fold `É` to `é`; none
// folds `ß` to `ss`.

#[test]
fn sqlite_lower_folds_ascii_letters_only() {
    lower_folds(&mut sqlite(), false);
}

#[test]
fn postgres_lower_folds_non_ascii_letters_but_not_sharp_s() {
    lower_folds(&mut postgres(), true);
}

#[test]
fn mariadb_lower_folds_non_ascii_letters_but_not_sharp_s() {
    lower_folds(&mut mariadb(), true);
}

#[test]
fn mariadb_tables_default_to_latin1_and_a_bin_collation_pads_trailing_spaces() {
    // Why relq_mysql::CAPS converts text to utf8mb4 and compares its bytes.
    let mut db = mariadb();
    text_table(&mut db, "relq_charset", &TEXTS);
    let charset =
        "SELECT CASE WHEN CHARSET(x) = 'latin1' THEN 1 ELSE 0 END FROM relq_charset WHERE id = 1";
    assert_eq!(db.ints(charset, &[]), Ok(vec![Some(1)]));
    let padded = "SELECT id FROM relq_charset WHERE CONVERT(x USING utf8mb4) COLLATE utf8mb4_bin = ? ORDER BY id";
    assert_eq!(
        db.ints_for_texts(padded, &["a"]),
        Ok(vec![Some(1), Some(3)])
    );
    // The column as it is (a latin1 `_ci` one) folds case and pads trailing spaces.
    let plain = "SELECT id FROM relq_charset WHERE x = ? ORDER BY id";
    assert_eq!(
        db.ints_for_texts(plain, &["a"]),
        Ok(vec![Some(1), Some(2), Some(3)]),
        "{plain}"
    );
}

#[test]
fn sqlite_like_ignores_case_and_stops_at_a_nul_where_instr_and_blob_substr_do_not() {
    // Why relq_sqlite's match_text hook uses INSTR and BLOB SUBSTR, not LIKE.
    let mut db = sqlite();
    let rows: [(i64, &str); 6] = [
        (1, "100%"),
        (2, "100x"),
        (3, "a\\b"),
        (4, "a_b"),
        (5, "axb"),
        (6, "a!b"),
    ];
    text_table(&mut db, "relq_substring_traps", &rows);
    let like = "SELECT id FROM relq_substring_traps WHERE x LIKE 'A_B' ORDER BY id";
    assert_eq!(
        db.ints(like, &[]),
        Ok(vec![Some(3), Some(4), Some(5), Some(6)])
    );
    for (probe, expected) in [
        ("'a' || char(0) || 'b' LIKE 'a'", 1),
        ("INSTR('a' || char(0) || 'b', 'b')", 3),
        (
            "COALESCE(SUBSTR(CAST('a' || char(0) || 'b' AS BLOB), -1), 0) = CAST('b' AS BLOB)",
            1,
        ),
        ("SUBSTR(CAST('' AS BLOB), 1, 1) IS NULL", 1),
        ("INSTR(x, ?) > 0", 1),
    ] {
        let sql = format!("SELECT {probe} FROM relq_substring_traps WHERE id = 3");
        assert_eq!(
            db.ints_for_texts(&sql, if probe.contains('?') { &["\\"] } else { &[] }),
            Ok(vec![Some(expected)]),
            "{sql}"
        );
    }
    // The hook's own SQL finds a text after a NUL, and none in an empty text.
    text_table(&mut db, "relq_substring_nul", &[(1, "a\0b"), (2, "")]);
    let dialect = db.dialect();
    for (op, text, expected) in [
        (TextOp::Contains, "b", vec![Some(1)]),
        (TextOp::StartsWith, "a\0", vec![Some(1)]),
        (TextOp::EndsWith, "\0b", vec![Some(1)]),
        (TextOp::EndsWith, "a", vec![]),
    ] {
        let x = Expr::column(Alias::new(0), "x");
        let id = Expr::column(Alias::new(0), "id");
        let condition = dialect.match_text(op, x.into(), false, text);
        let (sql, params) = rendered(&*dialect, "relq_substring_nul", vec![id], vec![condition]);
        assert_eq!(db.ints_for_values(&sql, &params), Ok(expected), "{sql}");
    }
}

#[test]
fn postgres_rejects_question_mark_placeholders() {
    other_placeholder_style_is_rejected(&mut postgres());
}

#[test]
fn mariadb_rejects_dollar_number_placeholders() {
    other_placeholder_style_is_rejected(&mut mariadb());
}

#[test]
fn mariadb_rejects_limit_inside_in_subquery_but_takes_a_derived_table() {
    let mut db = mariadb();
    table_of(&mut db, "relq_in_limit", &[Some(3), Some(1), Some(2)]);
    let inside = "SELECT x FROM relq_in_limit WHERE x IN \
                  (SELECT x FROM relq_in_limit ORDER BY x LIMIT 2) ORDER BY x";
    let err = db
        .ints(inside, &[])
        .expect_err("LIMIT inside IN (subquery) is refused");
    assert!(err.contains("LIMIT & IN/ALL/ANY/SOME subquery"), "{err}");
    let derived = "SELECT x FROM relq_in_limit WHERE x IN (SELECT x FROM \
                   (SELECT x FROM relq_in_limit ORDER BY x LIMIT 2) AS first_two) ORDER BY x";
    assert_eq!(db.ints(derived, &[]), Ok(vec![Some(1), Some(2)]));
}
