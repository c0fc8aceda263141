//! [`ExecError`]: a compiled query that could not be run and read, and what a driver
//! reports while reading one value ([`ReadFailure`]).
//!
//! Invariants: every failure says where: the statement (its index in
//! `Compiled::statements`) for a driver error while running one, the row (counted over
//! every statement), position and column name for a value that cannot be read. A
//! message never carries a whole statement: a driver's message is cut to
//! [`MESSAGE_LIMIT`] characters ([`cut`]), and a driver that quotes its statement quotes
//! at most [`STATEMENT_LIMIT`] characters of it (one statement can hold 100 000
//! placeholders).

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use relq_plan::ValueKind;
use relq_rows::{ExpectedColumn, RowError};

/// Why one value could not be read: the driver failed, or its value is not of the kind
/// the plan expects there (with a short description of what it was: `REAL 1.5`).
#[derive(Debug)]
pub enum ReadFailure {
    /// The driver failed reading the value.
    Driver(ExecError),
    /// The value cannot be read as the plan's kind; what it was.
    Unreadable(String),
}

impl From<ExecError> for ReadFailure {
    fn from(e: ExecError) -> Self {
        ReadFailure::Driver(e)
    }
}

/// A compiled query that could not be executed and rebuilt.
///
/// Match on [`ExecError::kind`]; `Display` gives the whole message, and
/// [`source`](std::error::Error::source) the driver's or the rebuild's error.
#[derive(Debug)]
pub struct ExecError {
    kind: Box<ExecErrorKind>,
}

/// What went wrong while executing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecErrorKind {
    /// The driver or the server failed: preparing, binding, running or reading a
    /// statement of a compiled query (`statement` is its index), or anything else on the
    /// connection (`None`: connecting, the session setup, DDL, an insert).
    #[error("{}{message}", statement.map_or_else(String::new, |s| format!("statement {s}: ")))]
    Driver {
        /// The 0-based index of the statement in `Compiled::statements` (relq-sql).
        statement: Option<usize>,
        /// The driver's message (PostgreSQL: `SQLSTATE: message`).
        message: String,
        /// The driver's error.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The driver returned a value that cannot be read as the kind the plan expects there.
    #[error(
        "row {row}, position {position} (`{column}`): the database returned {found}, which cannot be read as {}",
        expected.name()
    )]
    Unreadable {
        /// The 0-based row number, counted over every statement.
        row: usize,
        /// The 0-based position in the row.
        position: usize,
        /// The column's name (`students__category.name`).
        column: String,
        /// The kind the plan expects.
        expected: ValueKind,
        /// A short description of what the driver returned (`REAL 1.5`, `type INT4`).
        found: String,
    },
    /// Introspection met a column type it cannot map to a field type.
    #[error(
        "column `{column}` of table `{table}` has type `{type_name}`, which maps to no field type"
    )]
    UnknownColumnType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type as the catalog spells it.
        type_name: String,
    },
    /// The rows do not rebuild into records.
    #[error(transparent)]
    Rebuild(#[from] RowError),
    /// `get` found no root record.
    #[error("get on `{model}` matched no record")]
    NoMatch {
        /// The root model.
        model: String,
    },
    /// `get` or `get_or_none` found more than one root record.
    #[error("get on `{model}` matched more than one record")]
    MultipleMatches {
        /// The root model.
        model: String,
    },
    /// Records were asked of a query that returns something else (`count`, `values`...).
    #[error("the query returns {found}, not records")]
    NotRecords {
        /// What it returns.
        found: &'static str,
    },
    /// A query [`stream`](crate::stream) cannot read one root at a time: it returns
    /// something else than every record (`count`, `values`, `first`, `get`: use
    /// [`fetch`](crate::fetch)), or a later statement binds the root keys statement 0
    /// returns, which needs statement 0 read whole first (compile it with
    /// `PlanOptions::list_roots = Some(ListRoots::SemiJoin)`, as `relq::Database::stream`
    /// does).
    #[error("the query cannot be streamed: {reason}")]
    NotStreamable {
        /// Why, for a message.
        reason: &'static str,
    },
    /// `commit` or `rollback` with no transaction of the caller's open
    /// (`relq::Database::begin` opens one).
    #[error("{action} with no transaction open")]
    NoTransaction {
        /// What was asked: `commit` or `rollback`.
        action: &'static str,
    },
    /// A row given to insert has not one value per column of its table.
    #[error("row {row} for table `{table}` has {values} values; the table has {columns} columns")]
    InsertWidth {
        /// The table.
        table: String,
        /// The 0-based row number in what was given.
        row: usize,
        /// How many values the row has.
        values: usize,
        /// How many columns the table has.
        columns: usize,
    },
    /// A write broke a constraint of the database (SQLSTATE 23505 / 23503 / 23502 /
    /// 23514, MariaDB and MySQL 1062 / 1451 / 1452 / 1048 / 4025, SQLite's extended
    /// constraint codes), as the driver maps its codes
    /// ([`Driver::violation`](crate::Driver::violation)).
    #[error("operation {operation} ({op}) on `{model}`: {constraint} violated: {message}")]
    Violation {
        /// The operation's index in its batch.
        operation: usize,
        /// The operation's name.
        op: &'static str,
        /// The model whose table the statement wrote.
        model: String,
        /// Which kind of constraint.
        constraint: Constraint,
        /// The driver's message (it names the constraint or the key).
        message: String,
        /// The driver's error.
        #[source]
        source: Box<ExecError>,
    },
    /// Records a write needs do not exist (or do not belong to the owner), found before
    /// the operation changed anything.
    #[error(
        "operation {operation} ({op}): no `{model}` with primary key {}{}",
        keys.join(", "),
        owner.as_ref().map(|(m, k)| format!(" belongs to `{m}` {k}")).unwrap_or_default()
    )]
    Missing {
        /// The operation's index in its batch.
        operation: usize,
        /// The operation's name.
        op: &'static str,
        /// The model.
        model: String,
        /// The missing keys, as text.
        keys: Vec<String>,
        /// `(model, key)` of the owner the keys must belong to.
        owner: Option<(String, String)>,
    },
    /// A write statement failed in the driver (not a constraint).
    #[error("operation {operation} ({op}) on `{model}`: {source}")]
    Write {
        /// The operation's index in its batch.
        operation: usize,
        /// The operation's name.
        op: &'static str,
        /// The model whose table the statement wrote or read.
        model: String,
        /// The driver's error.
        #[source]
        source: Box<ExecError>,
    },
    /// `get_or_create` / `update_or_create` found several records for its lookup.
    #[error("operation {operation} ({op}): the lookup matched more than one `{model}`")]
    LookupNotUnique {
        /// The operation's index in its batch.
        operation: usize,
        /// The operation's name.
        op: &'static str,
        /// The model.
        model: String,
    },
}

impl ExecError {
    /// What was wrong.
    pub fn kind(&self) -> &ExecErrorKind {
        &self.kind
    }

    /// A driver failure at statement `statement` of a compiled query (`None`: anywhere
    /// else on the connection, or not known yet: [`fetch`](crate::fetch) names the
    /// statement of a driver error its driver reports without one). The message is cut
    /// to [`MESSAGE_LIMIT`] characters ([`cut`]).
    pub fn driver(
        statement: Option<usize>,
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        let message = message.into();
        let message = match cut(&message, MESSAGE_LIMIT) {
            Cow::Borrowed(_) => message,
            Cow::Owned(shorter) => shorter,
        };
        ExecErrorKind::Driver {
            statement,
            message,
            source: source.into(),
        }
        .into()
    }

    /// Introspection met `table`.`column` of a declared type with no field type.
    pub fn unknown_column_type(table: &str, column: &str, type_name: &str) -> Self {
        ExecErrorKind::UnknownColumnType {
            table: table.to_owned(),
            column: column.to_owned(),
            type_name: type_name.to_owned(),
        }
        .into()
    }

    /// A value at (`row`, `position`) that cannot be read as `column`'s kind; `found`
    /// says what it was. A position the plan does not read is named by its number and
    /// reported as expecting text.
    pub fn unreadable(
        row: usize,
        position: usize,
        column: Option<&ExpectedColumn>,
        found: impl Into<String>,
    ) -> Self {
        ExecErrorKind::Unreadable {
            row,
            position,
            column: column.map_or_else(|| format!("position {position}"), |c| c.name.clone()),
            expected: column.and_then(|c| c.kind).unwrap_or(ValueKind::Text),
            found: found.into(),
        }
        .into()
    }
}

/// The most characters of a driver's message an [`ExecError`] keeps.
pub const MESSAGE_LIMIT: usize = 500;

/// The most characters of a statement an error message quotes.
pub const STATEMENT_LIMIT: usize = 200;

/// `text` whole when it has at most `limit` characters, else its first `limit`
/// characters followed by `… (N bytes)`, `N` the whole text's length: how an error
/// quotes a statement or a driver's message, so one line never carries a statement of
/// 100 000 placeholders.
///
/// ```
/// assert_eq!(relq_exec::cut("SELECT 1", 200), "SELECT 1");
/// assert_eq!(relq_exec::cut("SELECT ?, ?, ?", 9), "SELECT ?,… (14 bytes)");
/// ```
pub fn cut(text: &str, limit: usize) -> Cow<'_, str> {
    match text.char_indices().nth(limit) {
        Some((at, _)) => Cow::Owned(format!("{}… ({} bytes)", &text[..at], text.len())),
        None => Cow::Borrowed(text),
    }
}

/// The kind of a database constraint a write broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Constraint {
    /// A unique key or primary key: the key exists.
    Unique,
    /// A foreign key: the referenced record does not exist, or is still referenced.
    ForeignKey,
    /// A NOT NULL column got NULL.
    NotNull,
    /// A CHECK constraint.
    Check,
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Constraint::Unique => "unique key",
            Constraint::ForeignKey => "foreign key",
            Constraint::NotNull => "NOT NULL",
            Constraint::Check => "CHECK",
        })
    }
}

impl ExecError {
    /// This error, as a failure of statement `index` when it is a driver error that
    /// names no statement.
    pub(crate) fn in_statement(mut self, index: usize) -> Self {
        if let ExecErrorKind::Driver { statement, .. } = &mut *self.kind {
            statement.get_or_insert(index);
        }
        self
    }
}

impl From<ExecErrorKind> for ExecError {
    fn from(kind: ExecErrorKind) -> Self {
        Self {
            kind: Box::new(kind),
        }
    }
}

impl From<RowError> for ExecError {
    fn from(e: RowError) -> Self {
        ExecErrorKind::Rebuild(e).into()
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl StdError for ExecError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.kind.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_statement_and_the_column() {
        let e = ExecError::driver(Some(0), "42P01: relation \"x\" does not exist", "boom");
        assert_eq!(
            e.to_string(),
            "statement 0: 42P01: relation \"x\" does not exist"
        );
        let e = ExecError::driver(None, "access denied", "boom");
        assert_eq!(e.to_string(), "access denied");
        let long = format!(
            "near \"x\": syntax error in SELECT {}",
            "?, ".repeat(40_000)
        );
        let e = ExecError::driver(Some(1), long.clone(), "boom");
        let shown = e.to_string();
        assert!(shown.len() < 600, "{shown}");
        assert!(
            shown.ends_with(&format!("… ({} bytes)", long.len())),
            "{shown}"
        );
        let column = ExpectedColumn {
            kind: Some(ValueKind::Int),
            name: "SchoolClass.id".to_owned(),
        };
        let e = ExecError::unreadable(3, 0, Some(&column), "REAL 1.5");
        assert_eq!(
            e.to_string(),
            "row 3, position 0 (`SchoolClass.id`): the database returned REAL 1.5, which cannot be read as int"
        );
    }
}
