//! relq-sqlite: the SQLite dialect.
//!
//! Facts, each from the SQLite documentation (<https://sqlite.org/lang.html>):
//! - identifiers quoted with `"` (<https://sqlite.org/lang_keywords.html>);
//! - parameters `?` (<https://sqlite.org/lang_expr.html#parameters>);
//! - no OFFSET without LIMIT: `LIMIT -1 OFFSET ?`, a negative limit meaning "no upper bound"
//!   (<https://sqlite.org/lang_select.html#the_limit_clause>);
//! - NULLs are smaller than any other value, and `NULLS FIRST` / `NULLS LAST` are accepted
//!   since 3.30.0 (<https://sqlite.org/lang_select.html#the_order_by_clause>);
//! - no identifier length limit; at most 64 tables in a join
//!   (<https://sqlite.org/limits.html>, "Maximum Number Of Tables In A Join").

#![forbid(unsafe_code)]

use relq_sql::{Caps, Dialect, IdentifierLimit, OffsetWithoutLimit};

/// SQLite's facts.
pub const CAPS: Caps = Caps {
    name: "sqlite",
    offset_without_limit: OffsetWithoutLimit::LimitLiteral("-1"),
    nulls_sort_smallest: true,
    max_identifier: IdentifierLimit::None,
    max_join_tables: 64,
    ..Caps::ANSI
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

impl Dialect for Sqlite {
    fn caps(&self) -> &Caps {
        &self.caps
    }
}
