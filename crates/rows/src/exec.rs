//! What the three executors (`relq_sqlite::execute`, `relq_postgres::execute`,
//! `relq_mysql::execute`) share: [`ExecError`], and [`ExpectedColumn`]s, the kind the
//! extraction plan reads at each result position and that column's name, so a driver
//! converts each value once, into the kind the rebuild expects.
//!
//! Invariant: an executor never panics; a driver failure, a value it cannot read as the
//! plan's kind, and a rebuild failure are each an [`ExecError`] with the place.

use std::error::Error as StdError;
use std::fmt;

use relq_plan::{ExtractionPlan, ValueKind};

use crate::error::RowError;
use crate::layout::column_name;

/// What the plan reads at one result position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedColumn {
    /// The kind of value the rebuild expects there; `None` for a position no node reads
    /// (the rebuild's width check rejects such rows).
    pub kind: Option<ValueKind>,
    /// The column's name in messages: `students__category.name`, `SchoolClass.id`.
    pub name: String,
}

/// One [`ExpectedColumn`] per position `0..plan.width`, own fields and through fields.
pub fn expected_columns(plan: &ExtractionPlan) -> Vec<ExpectedColumn> {
    let mut columns: Vec<ExpectedColumn> = (0..plan.width)
        .map(|position| ExpectedColumn {
            kind: None,
            name: format!("position {position}"),
        })
        .collect();
    for (node, n) in plan.nodes.iter().enumerate() {
        let through = n.through.iter().flat_map(|t| &t.columns);
        for (index, c) in n.columns.iter().chain(through).enumerate() {
            if let Some(slot) = columns.get_mut(c.position) {
                *slot = ExpectedColumn {
                    kind: Some(c.kind),
                    name: column_name(plan, node, index),
                };
            }
        }
    }
    columns
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
    /// statement, or setting up the session (`statement` is then `None`).
    #[error("{}: {message}", statement.map_or_else(|| "session setup".to_owned(), |s| format!("statement {s}")))]
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
}

impl ExecError {
    /// What was wrong.
    pub fn kind(&self) -> &ExecErrorKind {
        &self.kind
    }

    /// A driver failure at statement `statement` (`None`: setting up the session).
    pub fn driver(
        statement: Option<usize>,
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        ExecErrorKind::Driver {
            statement,
            message: message.into(),
            source: source.into(),
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
        assert_eq!(e.to_string(), "session setup: access denied");
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
