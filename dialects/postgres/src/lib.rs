//! relq-postgres: the PostgreSQL dialect.
//!
//! Facts, each from the PostgreSQL 15 documentation
//! (<https://www.postgresql.org/docs/15/>):
//! - identifiers quoted with `"`, truncated past `NAMEDATALEN - 1` = 63 bytes
//!   (sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS): relq refuses longer names;
//! - parameters `$1`, `$2`, ... (sql-expressions.html#SQL-EXPRESSIONS-PARAMETERS-POSITIONAL);
//! - `OFFSET n` alone is accepted (sql-select.html#SQL-LIMIT);
//! - NULLs sort as if larger than any value (NULLS LAST ascending), `NULLS FIRST` /
//!   `NULLS LAST` accepted (queries-order.html);
//! - no limit on the tables of a join;
//! - at most 65535 bound parameters: the Bind message counts them in an Int16
//!   (protocol-message-formats.html, "Bind"), read as unsigned by the server;
//! - filters (the [`Dialect`] hooks of [`Postgres`]): text compared `COLLATE "C"` (byte
//!   order, i.e. code point order in UTF-8, whatever the database's collation:
//!   collation.html#COLLATION-MANAGING-STANDARD), folded for the `i` lookups in the
//!   database's default collation (`LOWER(x COLLATE "default")`);
//!   `LIKE` is case-sensitive, `ESCAPE` takes any character (functions-matching.html#FUNCTIONS-LIKE);
//!   `lower()` follows the database's `LC_CTYPE` (functions-string.html): on the test
//!   server's `C.UTF-8` it folds `É` to `é` but not `ß` to `ss`; `~` matches a POSIX
//!   regular expression case-sensitively (functions-matching.html#FUNCTIONS-POSIX-REGEXP).
//!
//! [`execute`] runs a compiled query on a `postgres` client and rebuilds its records;
//! [`introspect`] reads the current schema's tables back into a `SchemaDef`.
//!
//! Column types ([`TYPES`]), from the data types chapter (datatype.html): `INTEGER`,
//! `BIGINT`, `DOUBLE PRECISION`, `NUMERIC(p, s)` (exact), `TEXT` / `VARCHAR(n)`,
//! `BOOLEAN`, `DATE`, `TIME` and `TIMESTAMP` (microseconds, without time zone), `UUID`,
//! `JSONB`, `BYTEA`.

#![forbid(unsafe_code)]

mod binary;
mod exec;
mod introspect;

pub use exec::{PostgresDriver, PostgresRow, execute, fetch};
pub use introspect::introspect;

use relq_exec::ExecError;
use relq_sql::{
    Call, Caps, ColumnTypes, Dialect, Expr, IdentifierLimit, JsonCaps, Placeholder, Server,
    TypeName, Upsert, WriteCaps, lower,
};

/// PostgreSQL's column types (datatype.html).
pub const TYPES: ColumnTypes = ColumnTypes {
    // datatype-numeric.html#DATATYPE-INT: 4 and 8 bytes.
    integer: "INTEGER",
    big_integer: "BIGINT",
    // datatype-numeric.html#DATATYPE-FLOAT: 8-byte IEEE.
    float: "DOUBLE PRECISION",
    // datatype-numeric.html#DATATYPE-NUMERIC-DECIMAL: exact, scale kept.
    decimal: TypeName::WithArgs("NUMERIC"),
    // datatype-character.html: TEXT unbounded, VARCHAR(n) at most n characters.
    text: "TEXT",
    varchar: TypeName::WithArgs("VARCHAR"),
    key_text_length: None,
    // collation.html#COLLATION-MANAGING-STANDARD: "C" sorts by byte, code point order in
    // UTF-8, whatever locale the database was created with.
    text_collation: " COLLATE \"C\"",
    // datatype-boolean.html.
    boolean: "BOOLEAN",
    // datatype-datetime.html: microsecond resolution; no time zone, so no conversion.
    date: "DATE",
    time: "TIME",
    datetime: "TIMESTAMP",
    // datatype-uuid.html.
    uuid: "UUID",
    // datatype-json.html: JSONB, binary, indexable (key order and duplicates not kept).
    json: "JSONB",
    // datatype-binary.html.
    bytes: "BYTEA",
};

/// PostgreSQL's facts.
pub const CAPS: Caps = Caps {
    name: "postgres",
    placeholder: Placeholder::DollarNumber,
    nulls_sort_smallest: false,
    max_identifier: IdentifierLimit::Bytes(63),
    max_params: 65535,
    types: TYPES,
    regex_operator: Some("~"),
    json: Some(JSON),
    writes: WRITES,
    ..Caps::ANSI
};

/// PostgreSQL's write facts: `BEGIN` (sql-begin.html), `INSERT ... RETURNING`
/// (sql-insert.html), `ON CONFLICT (...) DO NOTHING` (9.5, sql-insert.html "ON CONFLICT
/// Clause"), `FOR UPDATE` row locks (sql-select.html#SQL-FOR-UPDATE-SHARE).
pub const WRITES: WriteCaps = WriteCaps {
    begin: "BEGIN",
    insert_returning: true,
    last_insert_id: None,
    upsert: Some(Upsert::OnConflict),
    lock_rows: Some(" FOR UPDATE"),
};

/// PostgreSQL's JSON functions (functions-json.html): `json_build_array`, `json_agg`
/// ordered by an `ORDER BY` among its arguments (sql-expressions.html#SYNTAX-AGGREGATES,
/// since 9.0), `encode(x, 'hex')` for bytes (functions-binarystring.html), and floats by
/// `CAST(x AS TEXT)`, which writes the shortest text that reads back as the same double
/// (datatype-numeric.html#DATATYPE-FLOAT, `extra_float_digits` 1, the default since 12).
pub const JSON: JsonCaps = JsonCaps {
    array: "json_build_array",
    aggregate: "json_agg",
    ordered_aggregate: true,
    text_type: "TEXT",
    hex: Call {
        function: "encode",
        before: None,
        after: Some("hex"),
    },
    float_text: None,
};

/// The PostgreSQL dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Postgres {
    caps: Caps,
}

impl Default for Postgres {
    fn default() -> Self {
        Self { caps: CAPS }
    }
}

impl Postgres {
    /// The dialect with the facts of the server `client` talks to: its version
    /// (`SHOW server_version_num`, `150018` for 15.18; runtime-config-preset.html).
    ///
    /// # Errors
    /// The driver's error, or a version that is not a number.
    pub fn from_client(client: &mut postgres::Client) -> Result<Self, ExecError> {
        let driver = |e: postgres::Error| ExecError::driver(None, e.to_string(), e);
        let row = client
            .query_one("SHOW server_version_num", &[])
            .map_err(driver)?;
        let text: String = row.try_get(0).map_err(driver)?;
        let num: u32 = text.parse().map_err(|_| {
            let message = format!("server_version_num is `{text}`, not a number");
            ExecError::driver(None, message.clone(), message)
        })?;
        // Since version 10: major * 10000 + minor (server_version_num).
        let version = (num / 10000, num % 10000, 0);
        Ok(Self {
            caps: Caps {
                server: Some(Server {
                    product: "PostgreSQL",
                    version,
                }),
                ..CAPS
            },
        })
    }
}

/// Text by code point in the `"C"` collation; substrings with the default `LIKE ... ESCAPE
/// '!'`, which is case-sensitive and takes any escape character
/// (functions-matching.html#FUNCTIONS-LIKE).
impl Dialect for Postgres {
    fn caps(&self) -> &Caps {
        &self.caps
    }

    fn with_caps(&self, caps: Caps) -> Box<dyn Dialect> {
        Box::new(Postgres { caps })
    }

    /// `x COLLATE "C"`: byte order, code point order in UTF-8, whatever the column's or
    /// the database's collation (collation.html#COLLATION-MANAGING-STANDARD). Folded:
    /// `LOWER(x COLLATE "default") COLLATE "C"`: `lower()` maps case by its argument's
    /// collation (functions-string.html), and a column declared `COLLATE "C"` (relq's
    /// DDL) maps ASCII only, so it folds in the database's default (`LC_CTYPE`), as a
    /// column without a collation would (collation.html, "default").
    fn comparable_text<'g>(&self, column: Expr<'g>, fold: bool) -> Expr<'g> {
        let x = if fold {
            lower(Expr::Collate(Box::new(column), "\"default\""))
        } else {
            column
        };
        Expr::Collate(Box::new(x), "\"C\"")
    }
}

#[cfg(test)]
mod tests {
    use relq_plan::{Alias, TextOp, Value};
    use relq_sql::{Dialect, Expr, render_expr};

    use super::Postgres;

    /// The condition's text and its parameters for Postgres.
    fn rendered(condition: Expr<'_>) -> (String, Vec<Value>) {
        let r = render_expr(&condition, &Postgres::default());
        (r.sql, r.params)
    }

    fn x() -> Expr<'static> {
        Expr::column(Alias::new(0), "x")
    }

    #[test]
    fn text_is_compared_collate_c_and_folded_in_the_default_collation() {
        let d = Postgres::default();
        assert_eq!(
            rendered(d.comparable_text(x(), false)).0,
            r#""t0"."x" COLLATE "C""#
        );
        assert_eq!(
            rendered(d.match_text(TextOp::Contains, x(), true, "5%")),
            (
                r#"LOWER("t0"."x" COLLATE "default") COLLATE "C" LIKE LOWER($1) ESCAPE '!'"#
                    .to_owned(),
                vec![Value::Text("%5!%%".to_owned())]
            )
        );
    }
}
