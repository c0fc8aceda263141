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
//! - no limit on the tables of a join.

#![forbid(unsafe_code)]

use relq_sql::{Caps, Dialect, IdentifierLimit, Placeholder};

/// PostgreSQL's facts.
pub const CAPS: Caps = Caps {
    name: "postgres",
    placeholder: Placeholder::DollarNumber,
    nulls_sort_smallest: false,
    max_identifier: IdentifierLimit::Bytes(63),
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
