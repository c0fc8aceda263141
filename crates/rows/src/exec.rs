//! What the three executors (`relq_sqlite::fetch`, `relq_postgres::fetch`,
//! `relq_mysql::fetch`) share: [`ExecError`]; [`ExpectedColumn`]s, the kind the
//! extraction plan reads at each result position and that column's name, so a driver
//! converts each value once, into the kind the rebuild expects; and [`RowReader`], the row
//! loop from a driver's rows to the query's [`Answer`] (through the rebuild for records;
//! row numbers over every statement, one reused value buffer, unreadable values reported
//! with their place).
//!
//! Invariant: an executor never panics; a driver failure, a value it cannot read as the
//! plan's kind, and a rebuild failure are each an [`ExecError`] with the place.

use std::error::Error as StdError;
use std::fmt;

use std::sync::Arc;

use relq_plan::{ExtractionPlan, Output, Pick, Plan, Roots, StatementRows, Value, ValueKind};

use crate::answer::{Answer, FlatRows, count, pick};
use crate::error::RowError;
use crate::json_lists::JsonLists;
use crate::layout::column_name;
use crate::rebuild::Rebuilder;
use crate::records::{Record, Records};

/// Rows read from a driver on their way to the query's [`Answer`]: every statement of a
/// compiled query feeds the same reader, which numbers rows across statements, reuses one
/// value buffer, turns a value the driver cannot read as the expected kind into
/// [`ExecErrorKind::Unreadable`] with its row, position and column, and feeds the rows to
/// the rebuild (records) or keeps them (a count, flat rows).
pub struct RowReader<'p> {
    columns: Vec<ExpectedColumn>,
    sink: Sink<'p>,
    row: usize,
    values: Vec<Value>,
    /// Each statement's rows when the plan has several (the split strategy).
    statements: &'p [StatementRows],
    /// The plan position of each column of the current statement's rows; `None`: rows
    /// as wide as the plan.
    positions: Option<&'p [usize]>,
    /// The json strategy: the decoder of the lists after statement 0's columns, what each
    /// such column holds, and the current row's lists' text.
    json: Option<(JsonLists, Vec<ExpectedColumn>, Vec<Value>)>,
    /// The current statement (0-based).
    statement: usize,
    /// The plan position of the root's key when later statements bind the root keys
    /// ([`Roots::Keys`]).
    root_key: Option<usize>,
    /// The root keys statement 0's rows held, in row order.
    root_keys: Vec<Value>,
}

/// Where a [`RowReader`]'s rows go.
enum Sink<'p> {
    /// Into records, then picked (`first`, `get`...); the root model names errors.
    Records(Box<Rebuilder<'p, Records>>, Pick, &'p str),
    /// The one-integer row of a count (`exists` when `true`).
    Count(Vec<Vec<Value>>, bool),
    /// Flat rows.
    Rows(FlatRows),
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
    /// A reader for the rows of `plan`'s statements, read as its output says: by the
    /// extraction plan, one integer (`count`, `exists`), or the flat columns' kinds; with
    /// `json_lists`, the lists of statements `1..` come as JSON columns of statement 0's
    /// rows (relq-sql's `Delivery::Json`), else as the rows of their own statements.
    ///
    /// # Errors
    /// A plan the rebuild rejects ([`ExecErrorKind::Rebuild`]).
    pub fn new(plan: &'p Plan, json_lists: bool) -> Result<Self, ExecError> {
        let flat = |name: &str, kind| ExpectedColumn {
            kind: Some(kind),
            name: name.to_owned(),
        };
        let (columns, sink) = match &plan.output {
            Output::Records(pick) => {
                let model = plan.extraction.nodes.first().map_or("", |n| &*n.model);
                let rebuilder = Box::new(Rebuilder::new(&plan.extraction)?);
                let sink = Sink::Records(rebuilder, *pick, model);
                (expected_columns(&plan.extraction), sink)
            }
            Output::Count | Output::Exists => {
                let exists = plan.output == Output::Exists;
                let name = if exists { "exists" } else { "count" };
                (
                    vec![flat(name, ValueKind::Int)],
                    Sink::Count(Vec::new(), exists),
                )
            }
            Output::Rows { columns, .. } => {
                let rows = FlatRows {
                    columns: columns.iter().map(|c| Arc::from(c.name.as_str())).collect(),
                    kinds: columns.iter().map(|c| c.kind).collect(),
                    rows: Vec::new(),
                };
                let expected = columns.iter().map(|c| flat(&c.name, c.kind)).collect();
                (expected, Sink::Rows(rows))
            }
        };
        let statements = &plan.extraction.statements;
        let json = match &sink {
            Sink::Records(..) if json_lists => JsonLists::new(&plan.extraction).map(|lists| {
                let columns = lists
                    .root_lists()
                    .iter()
                    .map(|&k| {
                        let path = statements
                            .get(k)
                            .and_then(|s| s.nodes.first())
                            .and_then(|&n| plan.extraction.nodes.get(n))
                            .map_or("", |n| &*n.path);
                        ExpectedColumn {
                            kind: Some(ValueKind::Text),
                            name: format!("{path} (JSON list)"),
                        }
                    })
                    .collect();
                (lists, columns, Vec::new())
            }),
            _ => None,
        };
        let keyed = !json_lists
            && !statements.is_empty()
            && plan.statements.iter().any(|s| s.roots == Roots::Keys);
        let root_key = plan
            .extraction
            .nodes
            .first()
            .filter(|_| keyed)
            .map(|n| n.pk);
        // With several statements each row fills its own positions of a plan-wide
        // buffer, NULL elsewhere (`begin_statement` empties it again).
        let values = if statements.is_empty() {
            Vec::with_capacity(columns.len())
        } else {
            vec![Value::Null; columns.len()]
        };
        Ok(Self {
            json,
            values,
            columns,
            sink,
            row: 0,
            statements,
            positions: statements.first().map(|s| s.columns.as_slice()),
            statement: 0,
            root_key,
            root_keys: Vec::new(),
        })
    }

    /// Announces that the next rows are statement `index`'s (0-based; the rows are
    /// statement 0's until then). Executors call it before each statement's rows: with
    /// the split strategy each statement fills its own positions of the plan's row.
    ///
    /// # Errors
    /// The rebuild's [`RowErrorKind::UnknownStatement`](crate::RowErrorKind::UnknownStatement).
    pub fn begin_statement(&mut self, index: usize) -> Result<(), ExecError> {
        if let Sink::Records(rebuilder, ..) = &mut self.sink {
            rebuilder.begin_statement(index)?;
        }
        self.positions = self.statements.get(index).map(|s| s.columns.as_slice());
        self.statement = index;
        // A statement's rows fill only its own positions: the others stay NULL.
        if self.positions.is_some() {
            self.values.clear();
            self.values.resize(self.columns.len(), Value::Null);
        }
        Ok(())
    }

    /// The root keys statement 0 returned, in its row order, each once (a root whose
    /// rows repeat, for a to-many chain joined into the root statement, gives its key
    /// once), for the statements that bind them ([`Roots::Keys`]; empty for other
    /// plans): each the value read at the root's key position, so the bytes the root
    /// statement read.
    pub fn root_keys(&self) -> &[Value] {
        &self.root_keys
    }

    /// Reads one row of `width` values, each from `read(position, expected)`, and feeds it
    /// to the rebuild or keeps it.
    ///
    /// # Errors
    /// The driver's error, an unreadable value with its place, the rebuild's error, or
    /// (flat rows) a row not as wide as the columns.
    pub fn push(
        &mut self,
        width: usize,
        mut read: impl FnMut(usize, Option<&ExpectedColumn>) -> Result<Value, ReadFailure>,
    ) -> Result<(), ExecError> {
        let lists = self
            .json
            .as_ref()
            .map_or(0, |(_, columns, _)| columns.len());
        if let Some((_, _, texts)) = &mut self.json {
            texts.clear();
        }
        if let Some(positions) = self.positions {
            if width != positions.len() + lists {
                let wanted = positions.len() + lists;
                let found = format!("a row of {width} columns for {wanted}");
                return Err(ExecError::unreadable(self.row, width, None, found));
            }
            // The buffer is as wide as the plan: the row overwrites its own positions,
            // the rest stays NULL.
        } else {
            self.values.clear();
        }
        for position in 0..width {
            let at = self
                .positions
                .map_or(Some(position), |p| p.get(position).copied());
            // The json strategy's lists follow statement 0's columns: looked up only past
            // them, so other plans' rows never do.
            let expected = at.and_then(|at| self.columns.get(at)).or_else(|| {
                let i = position.checked_sub(self.positions?.len())?;
                self.json.as_ref()?.1.get(i)
            });
            let value = match read(position, expected) {
                Ok(value) => value,
                Err(ReadFailure::Driver(e)) => return Err(e),
                Err(ReadFailure::Unreadable(found)) => {
                    return Err(ExecError::unreadable(self.row, position, expected, found));
                }
            };
            match (self.positions, at.and_then(|at| self.values.get_mut(at))) {
                (Some(_), Some(slot)) => *slot = value,
                (Some(_), None) => {
                    if let Some((_, _, texts)) = &mut self.json {
                        texts.push(value);
                    }
                }
                (None, _) => self.values.push(value),
            }
        }
        // A root's rows are consecutive (ordered by root first); under auto a to-many
        // chain joined into the root statement repeats them: each key is kept once.
        if let (0, Some(key)) = (
            self.statement,
            self.root_key.and_then(|at| self.values.get(at)),
        ) && self.root_keys.last() != Some(key)
        {
            self.root_keys.push(key.clone());
        }
        match &mut self.sink {
            Sink::Records(rebuilder, ..) => {
                // The lists are decoded under the root's values before the rebuild takes
                // a new root's values out of the row.
                if let Some((decoder, columns, texts)) = &mut self.json {
                    let start = width - texts.len();
                    for (i, text) in texts.iter().enumerate() {
                        // As many texts as lists: the row's width was checked above.
                        let Some(&k) = decoder.root_lists().get(i) else {
                            break;
                        };
                        let decoded = match text {
                            Value::Text(text) => decoder.decode(k, text, &self.values),
                            other => Err(format!("{other:?}")),
                        };
                        decoded.map_err(|found| {
                            ExecError::unreadable(self.row, start + i, columns.get(i), found)
                        })?;
                    }
                }
                rebuilder.push(&mut self.values)?;
            }
            Sink::Count(rows, _) | Sink::Rows(FlatRows { rows, .. }) => {
                if width != self.columns.len() {
                    let found = format!("a row of {width} columns for {}", self.columns.len());
                    return Err(ExecError::unreadable(self.row, width, None, found));
                }
                rows.push(self.values.clone());
            }
        }
        self.row += 1;
        Ok(())
    }

    /// The answer, and the number of rows read.
    ///
    /// # Errors
    /// The rebuild's error; `get`'s [`ExecErrorKind::NoMatch`] and
    /// [`ExecErrorKind::MultipleMatches`]; a count that is not one integer of at least 0.
    pub fn finish(mut self) -> Result<Fetched, ExecError> {
        let answer = match self.sink {
            Sink::Records(mut rebuilder, how, model) => {
                if let Some((decoder, ..)) = &mut self.json {
                    for k in 1..self.statements.len() {
                        rebuilder.begin_statement(k)?;
                        for row in decoder.rows(k) {
                            rebuilder.push(row)?;
                        }
                    }
                }
                pick(how, (*rebuilder).finish()?, model)?
            }
            Sink::Count(rows, false) => Answer::Count(count(&rows)?),
            Sink::Count(rows, true) => Answer::Exists(count(&rows)? > 0),
            Sink::Rows(rows) => Answer::Rows(rows),
        };
        Ok(Fetched {
            answer,
            rows: self.row,
        })
    }
}

impl Answer {
    /// The records of a records answer (`all`: every one; `first`, `get`...: none or
    /// one).
    ///
    /// # Errors
    /// [`ExecErrorKind::NotRecords`] for a count, a yes or no, or flat rows.
    pub fn into_records(self) -> Result<Vec<Record>, ExecError> {
        let found = match self {
            Answer::Records(records) => return Ok(records),
            Answer::Record(record) => return Ok(record.into_iter().collect()),
            Answer::Count(_) => "a count",
            Answer::Exists(_) => "a yes or no",
            Answer::Rows(_) => "flat rows",
        };
        Err(ExecErrorKind::NotRecords { found }.into())
    }
}

/// What an executor's `fetch` returns: the query's [`Answer`] and the number of rows the
/// database returned for it, over every statement: with loaded to-many relations, one
/// row per combination of children in the joined strategy (more than the records), one
/// per root and then one per child of each list in the split strategy, one per root in
/// the json strategy (its lists come inside the root rows).
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    /// What the query's terminal asks for.
    pub answer: Answer,
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
