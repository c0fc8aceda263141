//! relq-sqlite: the SQLite dialect.
//!
//! Facts, each from the SQLite documentation (<https://sqlite.org/lang.html>):
//! - identifiers quoted with `"` (<https://sqlite.org/lang_keywords.html>);
//! - parameters `?` (<https://sqlite.org/lang_expr.html#parameters>);
//! - no OFFSET without LIMIT: `LIMIT -1 OFFSET ?`, a negative limit meaning "no upper bound"
//!   (<https://sqlite.org/lang_select.html#the_limit_clause>);
//! - NULLs are smaller than any other value, and `NULLS FIRST` / `NULLS LAST` are accepted
//!   since 3.30.0 (<https://sqlite.org/lang_select.html#the_order_by_clause>): [`CAPS`]
//!   says so, [`Sqlite::from_connection`] reads it from the library's version;
//! - no identifier length limit; at most 64 tables in a join
//!   (<https://sqlite.org/limits.html>, "Maximum Number Of Tables In A Join");
//! - at most 32766 bound parameters by default since 3.32.0 (limits.html, "Maximum Number
//!   Of Host Parameters In A Single SQL Statement"), a build option:
//!   [`Sqlite::from_connection`] reads the connection's own with `sqlite3_limit`;
//! - filters (the [`Dialect`] hooks of [`Sqlite`]): text compared `COLLATE BINARY`
//!   (memcmp, so case-sensitive by code point,
//!   <https://sqlite.org/datatype3.html#collating_sequences>); `LIKE` ignores ASCII case
//!   whatever the collation and stops at a NUL (<https://sqlite.org/lang_expr.html#like>),
//!   so substrings are matched with `instr` and BLOB `substr`, which read every byte
//!   (<https://sqlite.org/lang_corefunc.html#instr>); `lower()` folds ASCII letters only
//!   ("does not work for unicode characters", lang_corefunc.html#lower), so the `i`
//!   lookups ignore the case of ASCII letters only (`É` does not match `é`); no built-in
//!   `REGEXP` function ("If an application-defined SQL function named regexp is added at
//!   run-time...", lang_expr.html#regexp): the `regex` lookup is an error; decimals are
//!   TEXT (to keep their digits), so they are not exact (`decimals_exact`: aggregates
//!   other than `count` of them are refused) and filters compare them as
//!   `CAST(x AS REAL)` (lang_expr.html#castexpr): numerically, exact up to 15 significant
//!   digits; dates,
//!   times and date-times are TEXT and compare as text, so the executor binds them in one
//!   form (`YYYY-MM-DD HH:MM:SS[.ffffff]`, a space as SQLite's own `datetime()` writes,
//!   six fraction digits unless zero) and values stored in that form compare rightly;
//!   UUIDs are TEXT too and compare as stored (relq binds them lower-case);
//! - an `in` list is one parameter, a JSON array unpacked by the table-valued function
//!   `json_each` (json1.html#jeach; built in since 3.38.0, and in the bundled library):
//!   `x IN (SELECT "t5"."value" FROM json_each(?) AS "t5")`, whose `value` column is an
//!   INTEGER for a JSON integer and TEXT for a JSON string (json1.html#jeach, "value").
//!   Integers and booleans (0 / 1) go as JSON numbers, text, decimals, dates, times,
//!   date-times and UUIDs as JSON strings in the forms the driver binds them; floats
//!   (SQLite's own JSON parser reads them, not necessarily to the nearest double), bytes
//!   (JSON has no byte strings) and text holding NUL (`json_each` may stop at it) keep one
//!   placeholder per value.
//!
//! [`execute`] runs a compiled query on a rusqlite connection and rebuilds its records;
//! [`introspect`] reads a database's tables back into a `SchemaDef`.
//!
//! Column types ([`TYPES`]), by type affinity (<https://sqlite.org/datatype3.html>):
//! integers `INTEGER` (a primary key declared exactly `INTEGER PRIMARY KEY` is the rowid,
//! <https://sqlite.org/lang_createtable.html#rowid>), floats `REAL`, decimals, dates,
//! times, UUIDs and JSON as `TEXT` (TEXT affinity stores the text as given; NUMERIC
//! affinity would turn `12.50` into the REAL 12.5, losing the scale), booleans `INTEGER`
//! (0 and 1), bytes `BLOB`.

#![forbid(unsafe_code)]

mod exec;
mod introspect;

pub use exec::{SqliteDriver, SqliteRow, execute, fetch, stream};
pub use introspect::{catalog, introspect};

use relq_exec::ExecError;
use relq_plan::{Alias, TextOp, Value, ValueKind};
use relq_sql::{
    BinaryOp, BoundList, Call, Caps, ColumnTypes, Dialect, Expr, GeneratedKey, IdentifierLimit,
    JsonCaps, OffsetWithoutLimit, Server, TableRef, TextColumn, TextTest, TypeName, Upsert,
    WriteCaps, lower,
};

/// SQLite's column types (<https://sqlite.org/datatype3.html>, "Type Affinity").
pub const TYPES: ColumnTypes = ColumnTypes {
    // INTEGER affinity, 8-byte signed; `INTEGER PRIMARY KEY` aliases the rowid.
    integer: "INTEGER",
    big_integer: "INTEGER",
    // REAL affinity: an 8-byte IEEE float.
    float: "REAL",
    // TEXT affinity keeps `12.50` as written; NUMERIC would store the REAL 12.5.
    decimal: TypeName::Bare("TEXT"),
    text: "TEXT",
    // SQLite ignores a length (`VARCHAR(n)` is TEXT affinity, not enforced): plain TEXT.
    varchar: TypeName::Bare("TEXT"),
    key_text_length: None,
    // The default collation BINARY compares with memcmp(), code point order for UTF-8
    // (datatype3.html#collating_sequences).
    text_collation: "",
    // No boolean storage class: `TRUE` / `FALSE` are the integers 1 / 0 (datatype3.html,
    // "Boolean Datatype").
    boolean: "INTEGER",
    // No date/time storage class: ISO-8601 text (datatype3.html#date_and_time_datatype).
    date: "TEXT",
    time: "TEXT",
    datetime: "TEXT",
    uuid: "TEXT",
    // JSON functions read and write text (json1.html).
    json: "TEXT",
    bytes: "BLOB",
    // lang_createtable.html#rowid: only a column declared exactly `INTEGER PRIMARY KEY`
    // aliases the rowid, which an INSERT leaving it out sets to one more than the largest
    // (autoinc.html); `BIGINT PRIMARY KEY` would be an ordinary column left NULL.
    generated_key: GeneratedKey {
        ty: Some("INTEGER"),
        words: "",
    },
};

/// SQLite's facts.
pub const CAPS: Caps = Caps {
    name: "sqlite",
    offset_without_limit: OffsetWithoutLimit::LimitLiteral("-1"),
    nulls_sort_smallest: true,
    max_identifier: IdentifierLimit::None,
    max_join_tables: 64,
    max_params: 32766,
    types: TYPES,
    // datatype3.html: no decimal storage class; TYPES stores decimals as TEXT.
    decimals_exact: false,
    decimal_cast: Some("REAL"),
    regex_operator: None,
    json: Some(JSON),
    writes: WRITES,
    // lang_transaction.html: a deferred `BEGIN` starts a read transaction at the first
    // read, and every read until `COMMIT` sees the database as it was then. In WAL mode
    // (wal.html, "Concurrency") it reads a snapshot while writers on other connections
    // commit; with a rollback journal it holds a SHARED lock, so another connection's
    // COMMIT waits (busy timeout) or fails with SQLITE_BUSY until the read ends.
    read_snapshot: "BEGIN",
    // json1.html#jeach: `json_each`, built in since 3.38.0 (and in rusqlite's bundled
    // library); the runtime facts read the version.
    supports_bound_lists: true,
    ..Caps::ANSI
};

/// SQLite's write facts: `BEGIN IMMEDIATE` (lang_transaction.html: the write lock at
/// once, so an operation that reads then writes never meets `SQLITE_BUSY` half way),
/// `RETURNING` (3.35.0, lang_returning.html; the runtime facts check the version),
/// `last_insert_rowid()` (lang_corefunc.html#last_insert_rowid), the upsert's `ON
/// CONFLICT (...) DO NOTHING` (3.24.0, lang_upsert.html), and no row locks (the
/// transaction's write lock serialises writers).
pub const WRITES: WriteCaps = WriteCaps {
    begin: "BEGIN IMMEDIATE",
    insert_returning: true,
    last_insert_id: Some("SELECT last_insert_rowid()"),
    upsert: Some(Upsert::OnConflict),
    lock_rows: None,
};

/// SQLite's JSON functions (json1.html): `json_array`, `json_group_array` (ordered by an
/// `ORDER BY` among its arguments since 3.44.0, releaselog/3_44_0.html: "Aggregate
/// functions can now include an ORDER BY clause after their last parameter"), `hex()`
/// for bytes (lang_corefunc.html#hex), and `printf('%!.17g', x)` for floats: `CAST(x AS
/// TEXT)` keeps 15 significant digits, the `!` flag lifts printf's limit of 16
/// (printf.html, "the alternate-form-2 flag"), and 17 digits name every double.
pub const JSON: JsonCaps = JsonCaps {
    array: "json_array",
    aggregate: "json_group_array",
    ordered_aggregate: true,
    text_type: "TEXT",
    hex: Call {
        function: "hex",
        before: None,
        after: None,
    },
    float_text: Some(Call {
        function: "printf",
        before: Some("%!.17g"),
        after: None,
    }),
};

/// The SQLite dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sqlite {
    caps: Caps,
}

impl Default for Sqlite {
    fn default() -> Self {
        Self { caps: CAPS }
    }
}

impl Sqlite {
    /// The dialect with the facts of `conn`: the linked SQLite library's version
    /// (`sqlite_version()`: window functions, `NULLS FIRST` / `LAST` and an ordered
    /// `json_group_array` from the release that brought each) and the connection's
    /// bound-parameter limit
    /// (`sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1)`,
    /// <https://sqlite.org/c3ref/limit.html>).
    ///
    /// # Errors
    /// The driver's error reading the limit.
    pub fn from_connection(conn: &rusqlite::Connection) -> Result<Self, ExecError> {
        let limit = conn
            .limit(rusqlite::limits::Limit::SQLITE_LIMIT_VARIABLE_NUMBER)
            .map_err(|e| ExecError::driver(None, e.to_string(), e))?;
        let mut sqlite = Self::of_version(rusqlite::version());
        sqlite.caps.max_params = usize::try_from(limit).unwrap_or(1).max(1);
        Ok(sqlite)
    }

    /// The dialect with the facts of the SQLite library of version `version`
    /// (`sqlite_version()`'s text, `"3.40.1"`): window functions, `NULLS FIRST` /
    /// `LAST`, an ordered `json_group_array`, `json_each`, `RETURNING` and the upsert
    /// from the release that brought each; the parameter limit [`CAPS`]'s. For a
    /// library relq does not open itself (a caller's own driver, such as Python's
    /// `sqlite3` module, `sqlite3.sqlite_version`).
    ///
    /// ```
    /// use relq_sql::Dialect;
    /// let old = relq_sqlite::Sqlite::of_version("3.40.1");
    /// assert!(!old.caps().json.is_some_and(|j| j.ordered_aggregate));
    /// ```
    pub fn of_version(version: &str) -> Self {
        let version = Server::parse_version(version);
        Self {
            caps: Caps {
                server: Some(Server {
                    product: "SQLite",
                    version,
                }),
                // windowfunctions.html: "added to SQLite with release version 3.25.0".
                supports_window_functions: version >= (3, 25, 0),
                // lang_select.html#the_order_by_clause, releaselog/3_30_0.html: "Add
                // support for the NULLS FIRST and NULLS LAST syntax in ORDER BY clauses."
                supports_nulls_order: version >= (3, 30, 0),
                json: Some(JsonCaps {
                    ordered_aggregate: version >= (3, 44, 0),
                    ..JSON
                }),
                // releaselog/3_38_0.html: "The JSON functions are now built-ins."
                supports_bound_lists: version >= (3, 38, 0),
                writes: WriteCaps {
                    insert_returning: version >= (3, 35, 0),
                    upsert: (version >= (3, 24, 0)).then_some(Upsert::OnConflict),
                    ..WRITES
                },
                ..CAPS
            },
        }
    }
}

/// Text by code point, and substrings without `LIKE`: SQLite's `LIKE` ignores the case of
/// ASCII letters whatever the collation and stops at a NUL character
/// (<https://sqlite.org/lang_expr.html#like>), so it cannot make `contains` case-sensitive.
impl Dialect for Sqlite {
    fn caps(&self) -> &Caps {
        &self.caps
    }

    fn with_caps(&self, caps: Caps) -> Box<dyn Dialect> {
        Box::new(Sqlite { caps })
    }

    /// The value as SQLite's own driver binds it (its storage class, datatype3.html):
    /// a boolean an INTEGER 0 / 1, a time or date-time text in relq's one form (a
    /// date-time with a space, as SQLite's `datetime()` writes it), a decimal, date,
    /// UUID or JSON document its text.
    fn driver_value(&self, value: &Value) -> Value {
        exec::stored(value)
    }

    /// `x COLLATE BINARY`, `LOWER(x) COLLATE BINARY` when `fold`: memcmp order, which is
    /// code point order for UTF-8 text (datatype3.html#collating_sequences), whatever
    /// collation the column was declared with; `LOWER` folds ASCII letters only
    /// (lang_corefunc.html#lower).
    /// Whatever the column's collation (relq reads none of SQLite's) and the test.
    fn comparable_text<'g>(&self, column: TextColumn<'g>, fold: bool, _: TextTest) -> Expr<'g> {
        let x = if fold {
            lower(column.expr)
        } else {
            column.expr
        };
        Expr::Collate(Box::new(x), "BINARY")
    }

    /// `x IN (SELECT "a"."value" FROM json_each(?) AS "a")` with the values as one JSON
    /// array (module docs: the kinds it carries; `None` for the others).
    fn bound_list<'g>(
        &self,
        _: ValueKind,
        values: &[Value],
        alias: Alias,
    ) -> Option<BoundList<'g>> {
        let document = exec::json_array(values)?;
        Some(BoundList::Rows {
            table: TableRef::Function {
                name: "json_each",
                args: vec![Expr::Value(Value::Text(document))],
                alias,
            },
            column: "value",
        })
    }

    /// `iexact` as [`comparable_text`](Self::comparable_text)` = ?`; the substrings with
    /// functions that compare bytes (each side folded with `LOWER` when `fold`):
    /// - contains: `INSTR(x, ?) > 0` (lang_corefunc.html#instr);
    /// - startswith: `COALESCE(SUBSTR(CAST(x AS BLOB), 1, ?), 0) = CAST(? AS BLOB)`, the
    ///   first parameter the text's length in bytes;
    /// - endswith: `COALESCE(SUBSTR(CAST(x AS BLOB), ?), 0) = CAST(? AS BLOB)`, the first
    ///   parameter minus that length (lang_corefunc.html#substr: a negative start counts
    ///   from the end, and on a BLOB it counts bytes).
    ///
    /// `SUBSTR` of an empty BLOB is NULL, not an empty BLOB: `COALESCE` makes it 0, which
    /// equals no BLOB. `INSTR` and BLOB `SUBSTR` read the whole value, NUL characters
    /// included, where `LIKE`, `GLOB` and text `SUBSTR` stop at the first NUL; the folded
    /// forms rely on `LOWER` keeping a text's length in bytes (it changes ASCII letters
    /// only).
    fn match_text<'g>(
        &self,
        op: TextOp,
        column: TextColumn<'g>,
        fold: bool,
        text: &str,
    ) -> Expr<'g> {
        let folded = |x: Expr<'g>| if fold { lower(x) } else { x };
        let bound = || folded(Expr::Value(Value::Text(text.to_owned())));
        match op {
            TextOp::Equal => self
                .comparable_text(column, fold, TextTest::Equality)
                .eq(bound()),
            TextOp::Contains => Expr::Function("INSTR", vec![folded(column.expr), bound()])
                .binary(BinaryOp::Gt, Expr::Constant(0)),
            TextOp::StartsWith | TextOp::EndsWith => {
                let len = i64::try_from(text.len()).unwrap_or(i64::MAX);
                let mut args = vec![Expr::Cast(Box::new(folded(column.expr)), "BLOB")];
                if op == TextOp::StartsWith {
                    args.extend([Expr::Constant(1), Expr::Value(Value::Int(len))]);
                } else {
                    args.push(Expr::Value(Value::Int(-len)));
                }
                let head = Expr::Function("SUBSTR", args);
                Expr::Function("COALESCE", vec![head, Expr::Constant(0)])
                    .eq(Expr::Cast(Box::new(bound()), "BLOB"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use relq_plan::{Alias, TextOp, Value};
    use relq_sql::{Dialect, Expr, TextTest, render_expr};

    use super::Sqlite;

    /// The condition's text and its parameters for Sqlite.
    fn rendered(condition: Expr<'_>) -> (String, Vec<Value>) {
        let r = render_expr(&condition, &Sqlite::default());
        (r.sql, r.params)
    }

    fn x() -> Expr<'static> {
        Expr::column(Alias::new(0), "x")
    }

    #[test]
    fn facts_of_a_connection_follow_the_library_version() {
        let conn = rusqlite::Connection::open_in_memory().expect("an in-memory database");
        let dialect = Sqlite::from_connection(&conn).expect("its facts");
        let caps = dialect.caps();
        let version = caps.server.map(|s| s.version).unwrap_or_default();
        assert_eq!(
            caps.supports_nulls_order,
            version >= (3, 30, 0),
            "{version:?}"
        );
        assert_eq!(caps.supports_window_functions, version >= (3, 25, 0));
    }

    #[test]
    fn text_is_compared_collate_binary_and_substrings_without_like() {
        let d = Sqlite::default();
        let text = |t: &str| Value::Text(t.to_owned());
        assert_eq!(
            rendered(d.comparable_text(x().into(), false, TextTest::Equality)).0,
            r#""t0"."x" COLLATE BINARY"#
        );
        assert_eq!(
            rendered(d.match_text(TextOp::Equal, x().into(), true, "Ab")),
            (
                r#"LOWER("t0"."x") COLLATE BINARY = LOWER(?)"#.to_owned(),
                vec![text("Ab")]
            )
        );
        assert_eq!(
            rendered(d.match_text(TextOp::Contains, x().into(), false, "5%")),
            (r#"INSTR("t0"."x", ?) > 0"#.to_owned(), vec![text("5%")])
        );
        assert_eq!(
            rendered(d.match_text(TextOp::StartsWith, x().into(), true, "é")),
            (
                r#"COALESCE(SUBSTR(CAST(LOWER("t0"."x") AS BLOB), 1, ?), 0) = CAST(LOWER(?) AS BLOB)"#
                    .to_owned(),
                vec![Value::Int(2), text("é")]
            )
        );
        assert_eq!(
            rendered(d.match_text(TextOp::EndsWith, x().into(), false, "ab")),
            (
                r#"COALESCE(SUBSTR(CAST("t0"."x" AS BLOB), ?), 0) = CAST(? AS BLOB)"#.to_owned(),
                vec![Value::Int(-2), text("ab")]
            )
        );
    }
}
