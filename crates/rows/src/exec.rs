//! What the three executors (`relq_sqlite::execute`, `relq_postgres::execute`,
//! `relq_mysql::execute`) share: [`ExecError`]; [`ExpectedColumn`]s, the kind the
//! extraction plan reads at each result position and that column's name, so a driver
//! converts each value once, into the kind the rebuild expects; and [`RowReader`], the row
//! loop around the rebuild (row numbers over every statement, one reused value buffer,
//! unreadable values reported with their place).
//!
//! Invariant: an executor never panics; a driver failure, a value it cannot read as the
//! plan's kind, and a rebuild failure are each an [`ExecError`] with the place.

use std::error::Error as StdError;
use std::fmt;

use relq_plan::{ExtractionPlan, Value, ValueKind};

use crate::error::RowError;
use crate::layout::column_name;
use crate::rebuild::Rebuilder;
use crate::records::{Record, Records};

/// Rows read from a driver on their way into a [`Rebuilder`]: every statement of a
/// compiled query feeds the same reader, which numbers rows across statements, reuses one
/// value buffer, and turns a value the driver cannot read as the plan's kind into
/// [`ExecErrorKind::Unreadable`] with its row, position and column.
pub struct RowReader<'p> {
    columns: Vec<ExpectedColumn>,
    rebuilder: Rebuilder<'p, Records>,
    row: usize,
    values: Vec<Value>,
}

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

impl<'p> RowReader<'p> {
    /// A reader for the rows of `plan`.
    ///
    /// # Errors
    /// A plan the rebuild rejects ([`ExecErrorKind::Rebuild`]).
    pub fn new(plan: &'p ExtractionPlan) -> Result<Self, ExecError> {
        Ok(Self {
            columns: expected_columns(plan),
            rebuilder: Rebuilder::new(plan)?,
            row: 0,
            values: Vec::with_capacity(plan.width),
        })
    }

    /// Reads one row of `width` values, each from `read(position, expected)`, and feeds it
    /// to the rebuild.
    ///
    /// # Errors
    /// The driver's error, an unreadable value with its place, or the rebuild's error.
    pub fn push(
        &mut self,
        width: usize,
        mut read: impl FnMut(usize, Option<&ExpectedColumn>) -> Result<Value, ReadFailure>,
    ) -> Result<(), ExecError> {
        self.values.clear();
        for position in 0..width {
            let expected = self.columns.get(position);
            match read(position, expected) {
                Ok(value) => self.values.push(value),
                Err(ReadFailure::Driver(e)) => return Err(e),
                Err(ReadFailure::Unreadable(found)) => {
                    return Err(ExecError::unreadable(self.row, position, expected, found));
                }
            }
        }
        self.rebuilder.push(&self.values)?;
        self.row += 1;
        Ok(())
    }

    /// The records, and the number of rows read.
    ///
    /// # Errors
    /// The rebuild's error.
    pub fn finish(self) -> Result<Fetched, ExecError> {
        Ok(Fetched {
            records: self.rebuilder.finish()?,
            rows: self.row,
        })
    }
}

/// What an executor returns: the rebuilt root records and the number of rows the
/// database returned for them (over every statement), which is more than the records when
/// a to-many relation was loaded (one row per combination of children).
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    /// The root records, nested.
    pub records: Vec<Record>,
    /// The rows read from the database.
    pub rows: usize,
}

/// 16 bytes as a lower-case hyphenated UUID (`Value::Uuid`'s form); `None` for any other
/// length. For drivers that return UUIDs as bytes.
pub fn uuid_text(bytes: &[u8]) -> Option<String> {
    if bytes.len() != 16 {
        return None;
    }
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    Some(s)
}

/// A time (`HH:MM:SS[.f]`) or date-time (`...THH:MM:SS[.f]`) in relq's one text form, the
/// form PostgreSQL and MySQL return: a fraction of a second written with six digits
/// (`.5` becomes `.500000`), none at all when it is zero (`.000` is dropped), the date and
/// time joined by `T`. Text that is not so shaped, or has more than six fraction digits
/// (which no relq column type keeps), is returned as it is. For drivers that store
/// these as text (SQLite), on the way in and out, so equal values are equal text.
pub fn canonical_seconds(mut text: String) -> String {
    if text.as_bytes().get(10) == Some(&b' ') && text.as_bytes().get(13) == Some(&b':') {
        text.replace_range(10..11, "T");
    }
    let Some(dot) = text.rfind('.') else {
        return text;
    };
    let fraction = &text[dot + 1..];
    let seconds = text.get(dot.saturating_sub(3)..dot).unwrap_or("");
    let shaped = seconds.starts_with(':') && seconds[1..].bytes().all(|b| b.is_ascii_digit());
    if !shaped
        || fraction.is_empty()
        || fraction.len() > 6
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return text;
    }
    if fraction.bytes().all(|b| b == b'0') {
        text.truncate(dot);
    } else {
        let pad = 6 - fraction.len();
        text.extend(std::iter::repeat_n('0', pad));
    }
    text
}

/// A JSON document in relq's one text form: compact, object keys sorted by their UTF-8
/// bytes at every depth, numbers as `serde_json` prints them; `None` when `text` is not
/// JSON. PostgreSQL's `JSONB` returns a document rewritten (spaces added, keys reordered,
/// duplicate keys dropped: the last one kept, as here) while SQLite and MariaDB return it
/// as stored, so every executor reads JSON through this and the three give equal
/// records. Numbers outside `i64`/`u64`/`f64` lose precision here (`serde_json` without
/// `arbitrary_precision`).
pub fn canonical_json(text: &str) -> Option<String> {
    fn sort(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.sort_keys();
                map.values_mut().for_each(sort);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(sort),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    sort(&mut value);
    Some(value.to_string())
}

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
}

impl ExecError {
    /// What was wrong.
    pub fn kind(&self) -> &ExecErrorKind {
        &self.kind
    }

    /// A driver failure at statement `statement` of a compiled query (`None`: anywhere
    /// else on the connection).
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
    fn json_has_one_text_form() {
        assert_eq!(
            canonical_json(r#"{"b": [1, {"d": 1, "c": 2}], "a": null}"#).as_deref(),
            Some(r#"{"a":null,"b":[1,{"c":2,"d":1}]}"#)
        );
        assert_eq!(
            canonical_json(r#"{"a": 1, "a": 2}"#).as_deref(),
            Some(r#"{"a":2}"#)
        );
        assert_eq!(canonical_json("{").as_deref(), None);
    }

    #[test]
    fn seconds_have_one_text_form() {
        let c = |s: &str| canonical_seconds(s.to_owned());
        assert_eq!(c("23:59:59.5"), "23:59:59.500000");
        assert_eq!(c("23:59:59.000"), "23:59:59");
        assert_eq!(c("23:59:59"), "23:59:59");
        assert_eq!(c("1999-12-31 23:59:59.25"), "1999-12-31T23:59:59.250000");
        assert_eq!(
            c("1999-12-31T23:59:59.123456"),
            "1999-12-31T23:59:59.123456"
        );
        // Not a time, or more digits than any column keeps: left alone.
        assert_eq!(c("23:59:59.1234567"), "23:59:59.1234567");
        assert_eq!(c("12.5"), "12.5");
        assert_eq!(c("a b.c"), "a b.c");
        assert_eq!(c("23:59:59."), "23:59:59.");
    }

    #[test]
    fn messages_name_the_statement_and_the_column() {
        let e = ExecError::driver(Some(0), "42P01: relation \"x\" does not exist", "boom");
        assert_eq!(
            e.to_string(),
            "statement 0: 42P01: relation \"x\" does not exist"
        );
        let e = ExecError::driver(None, "access denied", "boom");
        assert_eq!(e.to_string(), "access denied");
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
