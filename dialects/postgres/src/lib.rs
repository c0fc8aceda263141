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
//! - filters: text compared `COLLATE "C"` (byte order, i.e. code point order in UTF-8,
//!   whatever the database's collation: collation.html#COLLATION-MANAGING-STANDARD);
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

mod exec;
mod introspect;

pub use exec::execute;
pub use introspect::introspect;

use relq_sql::{Caps, ColumnTypes, Dialect, IdentifierLimit, Placeholder, TypeName};

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
    types: TYPES,
    text_collation: Some("\"C\""),
    regex_operator: Some("~"),
    ..Caps::ANSI
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

impl Dialect for Postgres {
    fn caps(&self) -> &Caps {
        &self.caps
    }
}
