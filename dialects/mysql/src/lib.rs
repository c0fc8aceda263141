//! relq-mysql: the MySQL 8 and MariaDB dialect.
//!
//! Facts, each from the MySQL 8.0 reference manual (<https://dev.mysql.com/doc/refman/8.0/en/>),
//! true of MariaDB too unless said:
//! - identifiers quoted with `` ` `` (identifiers.html), at most 64 characters
//!   (identifier-length.html);
//! - parameters `?` (sql-prepared-statements.html);
//! - no OFFSET without LIMIT: "use some large number for the second parameter"
//!   (select.html, the LIMIT clause): `LIMIT 9223372036854775807 OFFSET ?`, 2^63 - 1,
//!   not the manual's 2^64 - 1: MariaDB's Spider sends its data nodes LIMIT + OFFSET,
//!   which wraps around 2^64 (`LIMIT 18446744073709551615 OFFSET 5` asked each node for
//!   4 rows: `tests/corpus_on_engines.rs`); relq's offsets are at most 2^63 - 1, so the
//!   sum fits;
//! - NULLs sort first ascending ("NULL values are presented first if you do ORDER BY ...
//!   ASC", working-with-null.html) and there is no `NULLS FIRST` / `NULLS LAST`: relq
//!   writes `x IS NULL DESC` / `ASC` terms instead;
//! - at most 61 tables in one join (join.html; MariaDB: the same limit);
//! - at most 65535 placeholders in a prepared statement (error `ER_PS_MANY_PARAM`,
//!   "Prepared statement contains too many placeholders"; the protocol's `num_params` is
//!   2 bytes, MariaDB the same);
//! - filters (the [`Dialect`] hooks of [`MySql`]): the default collations (`*_ci`) make
//!   `=` and `LIKE` ignore case
//!   (case-sensitivity.html), and a table's character set is the server's default
//!   (`latin1` on the test server), so text is compared as
//!   `CAST(CONVERT(x USING utf8mb4) AS BINARY)` (charset-convert.html, cast-functions.html):
//!   the UTF-8 bytes, compared byte by byte, so case-sensitive, by code point, for any
//!   column character set, and without the trailing-space padding of the `_bin`
//!   collations (`utf8mb4_bin` is PAD SPACE: `'a ' = 'a'`, charset-binary-collations.html).
//!   The value is bound in the connection's character set (utf8mb4). `LIKE ... ESCAPE '!'`
//!   (string-comparison-functions.html): the default escape is `\`, which string literals
//!   also unescape, so relq names its own. `LOWER()` of utf8mb4 text folds non-ASCII
//!   letters (`É` to `é`, not `ß` to `ss`). `REGEXP` on the byte string is case-sensitive
//!   (regexp.html; MariaDB: PCRE) and reads bytes: `.` matches one byte of a multi-byte
//!   character.
//! - an `in` list is one parameter, a JSON array unpacked by ISO SQL:2016's `JSON_TABLE`
//!   (MariaDB 10.6.0, <https://mariadb.com/kb/en/json_table/>; MySQL 8.0.4,
//!   json-table-functions.html): `x IN (SELECT jt.v FROM JSON_TABLE(?, '$[*]'
//!   COLUMNS(v <type> PATH '$')) AS jt)`, the column typed by the field's kind
//!   ([`list_item_type`]): integers, booleans, text (compared by its UTF-8 bytes as the
//!   column is), decimals (within `DECIMAL(65,30)`), dates, times, date-times and UUIDs;
//!   floats and bytes keep one placeholder per value, and so does an older server.
//!
//! [`MySql::from_conn`] reads which server it is (MySQL or MariaDB) and its version, and
//! in the same round trip its [`Engines`]: a Spider head or a Galera node gets the
//! session settings it needs ([`set_up_session`], the `session` module: Spider's join
//! and semi-join settings, Galera's `wsrep_sync_wait = 1`), on the driver's
//! connection and on every side connection.
//!
//! [`execute`] runs a compiled query on a `mysql` connection and rebuilds its records;
//! [`introspect`] reads the current database's tables back into a `SchemaDef`.
//!
//! Column types ([`TYPES`]), from the data types chapter (data-types.html): `INT`,
//! `BIGINT`, `DOUBLE`, `DECIMAL(p, s)`, `LONGTEXT` / `VARCHAR(n)` (a key of text without
//! a maximum length is `VARCHAR(255)`: InnoDB cannot index `LONGTEXT` without a prefix
//! length, error 1170), `BOOLEAN` (`TINYINT(1)`), `DATE`, `TIME(6)` and `DATETIME(6)`
//! (microseconds; without the `(6)` fractions are dropped), `CHAR(36)` for a UUID, `JSON`
//! (MariaDB: `LONGTEXT` with a JSON check), `LONGBLOB`.

#![forbid(unsafe_code)]

mod exec;
mod introspect;
mod session;
mod side;

pub use exec::{MySqlDriver, MySqlRow, execute, fetch, stream};
pub use introspect::{catalog, introspect};
pub use session::{Engines, set_up_session};
pub use side::SideConnections;

use mysql::prelude::Queryable;
use relq_exec::ExecError;
use relq_plan::{Alias, Value, ValueKind};
use relq_sql::{
    BoundList, Call, Caps, ColumnTypes, Dialect, Expr, GeneratedKey, IdentifierLimit, JsonCaps,
    OffsetWithoutLimit, Server, TableRef, TextColumn, TextTest, TypeName, Upsert, WriteCaps, lower,
};

/// MySQL's and MariaDB's column types (data-types.html).
pub const TYPES: ColumnTypes = ColumnTypes {
    // integer-types.html: INT 4 bytes, BIGINT 8.
    integer: "INT",
    big_integer: "BIGINT",
    // floating-point-types.html: 8-byte IEEE.
    float: "DOUBLE",
    // fixed-point-types.html: exact, at most 65 digits, scale at most 30.
    decimal: TypeName::WithArgs("DECIMAL"),
    // blob.html: LONGTEXT holds up to 4 GiB; char.html: VARCHAR(n) n characters.
    text: "LONGTEXT",
    varchar: TypeName::WithArgs("VARCHAR"),
    // create-index.html: a BLOB/TEXT key needs a prefix length (error 1170), so a text key
    // without a maximum length is VARCHAR(255) (1020 bytes in utf8mb4, under InnoDB's 3072).
    key_text_length: Some(255),
    // charset-unicode-sets.html: `utf8mb4_bin` compares by code point; stated per column
    // because the server's default character set may be `latin1` (MariaDB's compiled
    // default) with a case-insensitive `_ci` collation. Both products have it, but it is a
    // PAD SPACE collation (trailing spaces ignored: `'a' = 'a '`, and the two sort as
    // equals); a connection's facts name the product's NO PAD one ([`text_collation`]).
    text_collation: " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    // numeric-type-syntax.html: a synonym of TINYINT(1).
    boolean: "BOOLEAN",
    // date-and-time-types.html, fractional-seconds.html: `(6)` keeps microseconds;
    // DATETIME, unlike TIMESTAMP, is not converted through the session time zone.
    date: "DATE",
    time: "TIME(6)",
    datetime: "DATETIME(6)",
    // No UUID type in MySQL 8 (MariaDB 10.7+ has one): the 36-character hyphenated text.
    uuid: "CHAR(36)",
    // json.html (MariaDB: an alias of LONGTEXT with a JSON_VALID check).
    json: "JSON",
    // blob.html.
    bytes: "LONGBLOB",
    // create-table.html, "AUTO_INCREMENT" (MariaDB: auto_increment): an INSERT leaving
    // the column out gets the counter's next value; a larger given value moves the
    // counter past it (innodb-auto-increment-handling.html).
    generated_key: GeneratedKey {
        ty: None,
        words: " AUTO_INCREMENT",
    },
};

/// MySQL's and MariaDB's facts.
pub const CAPS: Caps = Caps {
    name: "mysql",
    identifier_quote: '`',
    offset_without_limit: OffsetWithoutLimit::LimitLiteral("9223372036854775807"),
    nulls_sort_smallest: true,
    supports_nulls_order: false,
    max_identifier: IdentifierLimit::Chars(64),
    max_join_tables: 61,
    // create-table-foreign-keys.html: InnoDB creates an index on a foreign key's columns.
    indexes_foreign_keys: true,
    max_params: 65535,
    types: TYPES,
    regex_operator: Some("REGEXP"),
    json: Some(JSON),
    writes: WRITES,
    // MariaDB KB "START TRANSACTION", MySQL commit.html: `WITH CONSISTENT SNAPSHOT`
    // starts InnoDB's consistent read at once, and every statement of the transaction
    // reads it; in REPEATABLE READ only (under READ COMMITTED each statement reads its
    // own, innodb-consistent-read.html), so relq's driver sends [`SNAPSHOT_ISOLATION`]
    // first. `READ ONLY` lets InnoDB skip the transaction id. A snapshot is a session's
    // own: MySQL and MariaDB cannot share one between connections (see `side.rs`).
    read_snapshot: "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
    // JSON_TABLE: MariaDB 10.6.0 (mariadb.com/kb/en/json_table), MySQL 8.0.4
    // (json-table-functions.html); the runtime facts read the version.
    supports_bound_lists: true,
    ..Caps::ANSI
};

/// MySQL's and MariaDB's write facts: `START TRANSACTION` (commit.html), no `RETURNING`
/// in the `const` (MySQL has none; MariaDB's `INSERT ... RETURNING` since 10.5.0,
/// mariadb.com/kb/en/insertreturning, is read from the server's version),
/// `LAST_INSERT_ID()` (information-functions.html#function_last-insert-id), `ON
/// DUPLICATE KEY UPDATE` (insert-on-duplicate.html; it fires on any unique key, so relq
/// uses it only where one unique key is meant), `FOR UPDATE` row locks
/// (innodb-locking-reads.html).
pub const WRITES: WriteCaps = WriteCaps {
    begin: "START TRANSACTION",
    insert_returning: false,
    last_insert_id: Some("SELECT LAST_INSERT_ID()"),
    upsert: Some(Upsert::DuplicateKey),
    lock_rows: Some(" FOR UPDATE"),
};

/// MariaDB's and MySQL's JSON functions: `JSON_ARRAY`, `JSON_ARRAYAGG` (MariaDB since
/// 10.5.0 with `ORDER BY` among its arguments, mariadb.com/kb/en/json_arrayagg; MySQL
/// since 5.7.22 without one, aggregate-functions.html#function_json-arrayagg, so its
/// lists are read as the split strategy reads them), `HEX(x)` for bytes, and
/// `CAST(x AS CHAR)` for every other value (floats as the shortest text that reads back
/// as the same double).
pub const JSON: JsonCaps = JsonCaps {
    array: "JSON_ARRAY",
    aggregate: "JSON_ARRAYAGG",
    ordered_aggregate: true,
    text_type: "CHAR",
    hex: Call {
        function: "HEX",
        before: None,
        after: None,
    },
    float_text: None,
};

/// Sent before [`Caps::read_snapshot`] (MySQL and MariaDB "SET TRANSACTION": the
/// level of the session's next transaction only), so the snapshot holds whatever
/// isolation the session reads in: `WITH CONSISTENT SNAPSHOT` makes every statement
/// read one view in REPEATABLE READ only, and a session in READ COMMITTED read a write
/// committed between two statements without it (`tests/snapshot.rs`). A caller running
/// relq's statements on its own driver ([`relq_exec::Steps`]) sends it too.
pub const SNAPSHOT_ISOLATION: &str = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";

/// The MySQL / MariaDB dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MySql {
    caps: Caps,
    /// The engines found on the server ([`Engines`]; none by default).
    engines: Engines,
}

impl Default for MySql {
    fn default() -> Self {
        Self {
            caps: CAPS,
            engines: Engines::default(),
        }
    }
}

impl MySql {
    /// The engines [`from_conn`](Self::from_conn) found on the server (Spider, Galera),
    /// which the session is set up for ([`set_up_session`]).
    pub fn engines(&self) -> Engines {
        self.engines
    }

    /// The dialect with the facts of the server `conn` talks to: MariaDB when
    /// `SELECT VERSION()` says so (`10.11.14-MariaDB-0+deb12u2`), else MySQL, its
    /// version, and that server's binary NO PAD collation for text columns (so `'a'` and
    /// `'a '` differ, as on SQLite and PostgreSQL), and in the same round trip the
    /// server's [`Engines`] (Spider, Galera), which [`set_up_session`] sets the session
    /// up for.
    ///
    /// # Errors
    /// The driver's error, or no version.
    pub fn from_conn(conn: &mut mysql::Conn) -> Result<Self, ExecError> {
        let row: Option<mysql::Row> = conn
            .query_first(format!("SELECT VERSION() {}", session::ENGINE_FACTS))
            .map_err(|e| ExecError::driver(None, e.to_string(), e))?;
        let engines = row
            .as_ref()
            .map(|row| Engines::from_row(row, 1))
            .unwrap_or_default();
        let text = row.and_then(|row| row.get::<Option<String>, _>(0).flatten());
        let text = text.ok_or_else(|| {
            let message = "SELECT VERSION() returned no row";
            ExecError::driver(None, message, message)
        })?;
        Ok(Self {
            engines,
            ..Self::of_version(&text)
        })
    }

    /// The dialect with the facts of a MySQL or MariaDB server whose `SELECT VERSION()`
    /// is `text` (`"10.11.6-MariaDB"`, `"8.0.36"`): window functions, JSON functions
    /// (ordered on MariaDB), `JSON_TABLE`, the binary NO PAD collation and `RETURNING`
    /// from the release that brought each; for a server relq does not connect to itself
    /// (a caller's own driver).
    ///
    /// ```
    /// use relq_sql::Dialect;
    /// let mariadb = relq_mysql::MySql::of_version("10.11.6-MariaDB");
    /// assert!(mariadb.caps().json.is_some_and(|j| j.ordered_aggregate));
    /// ```
    pub fn of_version(text: &str) -> Self {
        // Window functions since MariaDB 10.2 (window-functions-overview) and MySQL 8.0
        // (window-functions.html).
        let mariadb = text.contains("MariaDB");
        let (product, windows_since) = if mariadb {
            ("MariaDB", (10, 2, 0))
        } else {
            ("MySQL", (8, 0, 0))
        };
        let version = Server::parse_version(text);
        // JSON_ARRAYAGG since MariaDB 10.5.0 (ordered) and MySQL 5.7.22 (unordered).
        let json = if mariadb {
            (version >= (10, 5, 0)).then_some(JSON)
        } else {
            (version >= (5, 7, 22)).then_some(JsonCaps {
                ordered_aggregate: false,
                ..JSON
            })
        };
        // JSON_TABLE since MariaDB 10.6.0 and MySQL 8.0.4.
        let json_table_since = if mariadb { (10, 6, 0) } else { (8, 0, 4) };
        Self {
            caps: Caps {
                server: Some(Server { product, version }),
                supports_bound_lists: version >= json_table_since,
                supports_window_functions: version >= windows_since,
                json,
                types: ColumnTypes {
                    text_collation: text_collation(product, version),
                    ..TYPES
                },
                writes: WriteCaps {
                    insert_returning: mariadb && version >= (10, 5, 0),
                    ..WRITES
                },
                ..CAPS
            },
            engines: Engines::default(),
        }
    }
}

/// The text collation of a server: binary (code point order) and NO PAD, so trailing
/// spaces count (`'a' < 'a '`, as on SQLite and PostgreSQL): MariaDB's
/// `utf8mb4_nopad_bin` (10.2.2+, MariaDB KB "Supported Character Sets and Collations"),
/// MySQL's `utf8mb4_0900_bin` (8.0.17+, charset-unicode-sets.html); an older server gets
/// the PAD SPACE `utf8mb4_bin` of [`TYPES`].
///
/// ```
/// assert!(relq_mysql::text_collation("MariaDB", (10, 11, 14)).ends_with("utf8mb4_nopad_bin"));
/// assert!(relq_mysql::text_collation("MySQL", (8, 0, 36)).ends_with("utf8mb4_0900_bin"));
/// assert!(relq_mysql::text_collation("MySQL", (5, 7, 44)).ends_with("utf8mb4_bin"));
/// ```
pub fn text_collation(product: &str, version: (u32, u32, u32)) -> &'static str {
    match product {
        "MariaDB" if version >= (10, 2, 2) => " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
        "MySQL" if version >= (8, 0, 17) => " CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin",
        _ => TYPES.text_collation,
    }
}

/// The `JSON_TABLE` column type an `in` list's items of `kind` are read as (MariaDB
/// json_table, "Column types": any SQL type, the item converted as a value of it is):
/// `BIGINT`, `BOOLEAN`, `LONGTEXT CHARACTER SET utf8mb4` (the character set named: a
/// column without one is in the database's default on MariaDB 10.11.19, `latin1` on the
/// test server, where an emoji of the list became `?` and matched nothing; 10.11.14 kept
/// the document's utf8mb4; `tests/large_in.rs`), `DECIMAL(65,30)` (the most digits and scale DECIMAL takes,
/// fixed-point-types.html), `DATE`, `TIME(6)`, `DATETIME(6)`, `CHAR(36)`; `None` for
/// floats, bytes and JSON.
pub fn list_item_type(kind: ValueKind) -> Option<&'static str> {
    Some(match kind {
        ValueKind::Int => "BIGINT",
        ValueKind::Bool => "BOOLEAN",
        ValueKind::Text => "LONGTEXT CHARACTER SET utf8mb4",
        ValueKind::Decimal => "DECIMAL(65,30)",
        ValueKind::Date => "DATE",
        ValueKind::Time => "TIME(6)",
        ValueKind::DateTime => "DATETIME(6)",
        ValueKind::Uuid => "CHAR(36)",
        ValueKind::Float | ValueKind::Bytes | ValueKind::Json => return None,
    })
}

/// `values` as the JSON array of a `JSON_TABLE` list: integers and booleans as JSON
/// numbers and booleans, the text forms as strings; `None` for a float, bytes, NULL, or
/// a decimal past `DECIMAL(65,30)` (more than 35 digits before the point or 30 after),
/// which the column would round.
fn json_array(values: &[Value]) -> Option<String> {
    use serde_json::Value as Json;
    let fits = |d: &str| {
        let digits = d.trim_start_matches('-');
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        whole.len() <= 35 && fraction.len() <= 30
    };
    let items = values
        .iter()
        .map(|v| match v {
            Value::Int(i) => Some(Json::from(*i)),
            Value::Bool(b) => Some(Json::from(*b)),
            Value::Decimal(d) if !fits(d) => None,
            Value::Text(s)
            | Value::Decimal(s)
            | Value::Date(s)
            | Value::Time(s)
            | Value::DateTime(s)
            | Value::Uuid(s) => Some(Json::String(s.clone())),
            Value::Null | Value::Float(_) | Value::Bytes(_) | Value::Json(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Json::Array(items).to_string())
}

/// Text as its UTF-8 bytes; substrings with the default `LIKE ... ESCAPE '!'` on them, so
/// case-sensitive whatever the column's collation (string-comparison-functions.html: the
/// default escape `\` is one string literals also unescape, so relq names its own).
impl Dialect for MySql {
    fn caps(&self) -> &Caps {
        &self.caps
    }

    fn with_caps(&self, caps: Caps) -> Box<dyn Dialect> {
        Box::new(MySql {
            caps,
            engines: self.engines,
        })
    }

    /// `x IN (SELECT a.v FROM JSON_TABLE(?, '$[*]' COLUMNS(v <type> PATH '$')) AS a)`,
    /// the values as one JSON array, the column typed by [`list_item_type`]; `None` for
    /// the kinds and values it has no form for (module docs).
    fn bound_list<'g>(
        &self,
        kind: ValueKind,
        values: &[Value],
        alias: Alias,
    ) -> Option<BoundList<'g>> {
        let ty = list_item_type(kind)?;
        let document = json_array(values)?;
        Some(BoundList::Rows {
            table: TableRef::JsonArray {
                document: Box::new(Expr::Value(Value::Text(document))),
                column: "v",
                ty,
                alias,
            },
            column: "v",
        })
    }

    /// `CAST(CONVERT(x USING utf8mb4) AS BINARY)`: the column converted to utf8mb4
    /// whatever its own character set (a table's is the server's default, `latin1` on
    /// the test server; charset-convert.html), then cast to a byte string
    /// (cast-functions.html#operator_binary), compared byte by byte: case-sensitive, by
    /// code point, without the trailing-space padding of the `_bin` collations
    /// (`utf8mb4_bin` is PAD SPACE: `'a ' = 'a'`, charset-binary-collations.html). Folded:
    /// `CAST(LOWER(CONVERT(x USING utf8mb4)) AS BINARY)`, as `LOWER` of a byte string
    /// changes nothing (string-functions.html#function_lower) while `LOWER` of utf8mb4
    /// text folds non-ASCII letters too (`É` to `é`, not `ß` to `ss`). The value is bound
    /// in the connection's character set (utf8mb4) and compared as it is.
    /// Whatever the column's collation and the test: relq reads no MySQL collation
    /// (`catalog`), and no `_bin` collation gives relq's equality (PAD SPACE).
    fn comparable_text<'g>(&self, column: TextColumn<'g>, fold: bool, _: TextTest) -> Expr<'g> {
        let x = Expr::Convert(Box::new(column.expr), "utf8mb4");
        let x = if fold { lower(x) } else { x };
        Expr::Cast(Box::new(x), "BINARY")
    }
}

#[cfg(test)]
mod tests {
    use relq_plan::{Alias, TextOp, Value};
    use relq_sql::{Dialect, Expr, TextTest, render_expr};

    use super::MySql;

    /// The condition's text and its parameters for MySql.
    fn rendered(condition: Expr<'_>) -> (String, Vec<Value>) {
        let r = render_expr(&condition, &MySql::default());
        (r.sql, r.params)
    }

    fn x() -> Expr<'static> {
        Expr::column(Alias::new(0), "x")
    }

    #[test]
    fn text_is_compared_as_utf8mb4_bytes() {
        let d = MySql::default();
        assert_eq!(
            rendered(d.comparable_text(x().into(), false, TextTest::Equality)).0,
            "CAST(CONVERT(`t0`.`x` USING utf8mb4) AS BINARY)"
        );
        assert_eq!(
            rendered(d.match_text(TextOp::StartsWith, x().into(), true, "a\\b")),
            (
                "CAST(LOWER(CONVERT(`t0`.`x` USING utf8mb4)) AS BINARY) LIKE LOWER(?) ESCAPE '!'"
                    .to_owned(),
                vec![Value::Text("a\\b%".to_owned())]
            )
        );
    }
}
