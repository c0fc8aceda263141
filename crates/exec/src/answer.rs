//! What a query returns, by its terminal ([`Output`](relq_plan::Output)): records, one
//! record, a count, a yes or no, or flat rows; and how the rows a statement gave become
//! that answer (`get`'s zero and several are errors here).
//!
//! Invariant: a count is never negative and `exists` is read from a count of 0 or 1; any
//! other value is an [`ExecErrorKind::Unreadable`](crate::ExecErrorKind::Unreadable).

use std::sync::Arc;

use relq_plan::{ExtractionPlan, Output, Pick, Value, ValueKind};
use serde_json::Value as Json;

use relq_rows::{Record, RowError, to_json, value_to_json};

use crate::error::{ExecError, ExecErrorKind};

/// The answer to a compiled query.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Every root record (`all`, `paginate`).
    Records(Vec<Record>),
    /// One root record or none (`first`, `last`, `get`, `get_or_none`).
    Record(Option<Record>),
    /// How many roots (`count`).
    Count(u64),
    /// Whether a root exists (`exists`).
    Exists(bool),
    /// Flat rows (`values`, `aggregate`).
    Rows(FlatRows),
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

    /// The answer as JSON: records as [`to_json`] writes them (one record or none: an
    /// array of it or empty), `{"count": n}`, `{"exists": true}`, flat rows as
    /// `{"columns": [...], "rows": [[...], ...]}`.
    ///
    /// # Errors
    /// [`to_json`]'s, for records that do not match `plan`.
    pub fn to_json(&self, plan: &ExtractionPlan) -> Result<Json, RowError> {
        Ok(match self {
            Answer::Records(records) => to_json(plan, records)?,
            Answer::Record(record) => to_json(plan, record.as_slice())?,
            Answer::Count(n) => serde_json::json!({ "count": n }),
            Answer::Exists(b) => serde_json::json!({ "exists": b }),
            Answer::Rows(rows) => serde_json::json!({
                "columns": rows.columns.iter().map(|c| &**c).collect::<Vec<_>>(),
                "rows": rows.to_lists(),
            }),
        })
    }
}

/// Flat rows: named, typed columns and one value per column in each row (`values` gives
/// them as Django's `values_list()`; [`to_objects`](Self::to_objects) as its `values()`).
#[derive(Clone, Debug, PartialEq)]
pub struct FlatRows {
    /// The column names (field paths; `path__func` for aggregates).
    pub columns: Vec<Arc<str>>,
    /// The kind of each column's values (NULL aside).
    pub kinds: Vec<ValueKind>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

impl FlatRows {
    /// The rows as JSON lists (`values_list()`), values as [`value_to_json`] writes them.
    pub fn to_lists(&self) -> Json {
        Json::Array(
            self.rows
                .iter()
                .map(|r| Json::Array(r.iter().map(value_to_json).collect()))
                .collect(),
        )
    }

    /// The rows as JSON objects keyed by column name (`values()`); a name given twice
    /// keeps its last value, as a Python dict would.
    pub fn to_objects(&self) -> Json {
        Json::Array(
            self.rows
                .iter()
                .map(|r| {
                    Json::Object(
                        self.columns
                            .iter()
                            .zip(r)
                            .map(|(c, v)| (c.to_string(), value_to_json(v)))
                            .collect(),
                    )
                })
                .collect(),
        )
    }
}

/// Checks the number of roots a records query read against its terminal; `model` names
/// the root model in errors. (`first` and `last` read at most one root: their statement
/// is limited so.)
///
/// # Errors
/// [`ExecErrorKind::NoMatch`] (`get` on no record), [`ExecErrorKind::MultipleMatches`]
/// (`get` / `get_or_none` on several).
pub(crate) fn check_pick(pick: Pick, roots: usize, model: &str) -> Result<(), ExecError> {
    let kind = match pick {
        Pick::One | Pick::OneOrNone if roots > 1 => ExecErrorKind::MultipleMatches {
            model: model.to_owned(),
        },
        Pick::One if roots == 0 => ExecErrorKind::NoMatch {
            model: model.to_owned(),
        },
        _ => return Ok(()),
    };
    Err(kind.into())
}

/// The answer of a records query whose roots passed [`check_pick`]: every record, or
/// the one (or none) its terminal picks.
pub(crate) fn picked(pick: Pick, records: Vec<Record>) -> Answer {
    match pick {
        Pick::All => Answer::Records(records),
        Pick::First | Pick::One | Pick::OneOrNone => Answer::Record(records.into_iter().next()),
    }
}

/// What a query of `output` returns, for [`ExecErrorKind::NotRecords`]; `None` for
/// records.
pub(crate) fn not_records(output: &Output) -> Option<&'static str> {
    match output {
        Output::Records(_) => None,
        Output::Count => Some("a count"),
        Output::Exists => Some("a yes or no"),
        Output::Rows { .. } => Some("flat rows"),
    }
}

/// The one count a `count` or `exists` statement returns; a missing row or another value
/// is unreadable.
pub(crate) fn count(rows: &[Vec<Value>]) -> Result<u64, ExecError> {
    match rows {
        [row] => match row.as_slice() {
            [Value::Int(n)] => u64::try_from(*n).ok(),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| {
        ExecErrorKind::Unreadable {
            row: 0,
            position: 0,
            column: "count".to_owned(),
            expected: ValueKind::Int,
            found: format!("{} rows: {rows:?}", rows.len()),
        }
        .into()
    })
}
