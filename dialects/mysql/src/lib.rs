//! relq-mysql: the MySQL 8 and MariaDB dialect.
//!
//! Facts, each from the MySQL 8.0 reference manual (<https://dev.mysql.com/doc/refman/8.0/en/>),
//! true of MariaDB too unless said:
//! - identifiers quoted with `` ` `` (identifiers.html), at most 64 characters
//!   (identifier-length.html);
//! - parameters `?` (sql-prepared-statements.html);
//! - no OFFSET without LIMIT: "use some large number for the second parameter",
//!   `LIMIT 18446744073709551615 OFFSET ?` (select.html, the LIMIT clause);
//! - NULLs sort first ascending ("NULL values are presented first if you do ORDER BY ...
//!   ASC", working-with-null.html) and there is no `NULLS FIRST` / `NULLS LAST`: relq
//!   writes `x IS NULL DESC` / `ASC` terms instead;
//! - at most 61 tables in one join (join.html; MariaDB: the same limit).

#![forbid(unsafe_code)]

use relq_sql::{Caps, Dialect, IdentifierLimit, OffsetWithoutLimit};

/// MySQL's and MariaDB's facts.
pub const CAPS: Caps = Caps {
    name: "mysql",
    identifier_quote: '`',
    offset_without_limit: OffsetWithoutLimit::LimitLiteral("18446744073709551615"),
    nulls_sort_smallest: true,
    supports_nulls_order: false,
    max_identifier: IdentifierLimit::Chars(64),
    max_join_tables: 61,
    ..Caps::ANSI
};

/// The MySQL / MariaDB dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MySql {
    caps: Caps,
}

impl Default for MySql {
    fn default() -> Self {
        Self { caps: CAPS }
    }
}

impl Dialect for MySql {
    fn caps(&self) -> &Caps {
        &self.caps
    }
}
