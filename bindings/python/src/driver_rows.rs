//! The rows of a caller's own driver (sqlite3, psycopg, PyMySQL, asyncpg...) read as
//! relq's values, for `Compiled.rebuild` and `Steps.feed`: each row a sequence (a
//! tuple, `sqlite3.Row`, asyncpg's `Record`), each value read as the kind the plan
//! expects at its position, whatever Python type the driver gave it.
//!
//! What each kind takes (the drivers' types for the column types relq's DDL writes):
//! - an integer: `int` (not `bool`); a float: `float`, or an `int`;
//! - a boolean: `bool`, or the `int` 0 / 1 (SQLite, MySQL's `TINYINT(1)`);
//! - a decimal: `Decimal` (its digits, scale kept), or `str` (SQLite stores the text);
//! - text: `str`; bytes: `bytes`, `bytearray`, `memoryview`;
//! - a date, time, date-time: `datetime.date` / `time` / `datetime`, naive, a time
//!   also as the `timedelta` within one day PyMySQL gives, or their ISO `str`
//!   (SQLite); written in relq's one form (relq-exec's `canonical_seconds`);
//! - a UUID: `uuid.UUID`, `str`, or 16 `bytes`;
//! - a JSON document: its `str`, or the `dict` / `list` / scalar a driver decoded
//!   (psycopg), in relq's one form (relq-exec's `canonical_json`).
//!
//! Invariant: a value is never changed to fit: anything else (a float for an integer, a
//! datetime with a time zone) is relq's `Unreadable` error naming the row, position and
//! column, raised as `relq.RowError`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyString};
use relq::Value;
use relq::exec::{ExecError, ReadFailure, ResultRow, canonical_json, canonical_seconds, uuid_text};
use relq::plan::ValueKind;

use crate::values::{
    DATE, DATETIME, DECIMAL, TIME, TIMEDELTA, UUID, is, to_json, to_value, type_name,
};

/// One row of a caller's driver.
pub(crate) struct PyRow<'a, 'py> {
    row: &'a Bound<'py, PyAny>,
    width: usize,
}

impl<'a, 'py> PyRow<'a, 'py> {
    /// `row`, a sequence of values.
    ///
    /// # Errors
    /// `TypeError` when it has no length.
    pub(crate) fn new(row: &'a Bound<'py, PyAny>) -> PyResult<Self> {
        Ok(Self {
            width: row.len()?,
            row,
        })
    }
}

impl ResultRow for PyRow<'_, '_> {
    fn width(&self) -> usize {
        self.width
    }

    fn read(&mut self, position: usize, kind: Option<ValueKind>) -> Result<Value, ReadFailure> {
        let driver = |e: PyErr| {
            let message = format!("reading a value of the caller's row: {e}");
            ReadFailure::Driver(ExecError::driver(None, message.clone(), message))
        };
        let value = self.row.get_item(position).map_err(driver)?;
        match read_as(&value, kind).map_err(driver)? {
            Some(read) => Ok(read),
            None => Err(ReadFailure::Unreadable(format!(
                "a Python {}",
                type_name(&value)
            ))),
        }
    }
}

/// `obj` as a value of `kind` (module docs); `None` when it is not one. A position the
/// plan does not read (`kind` `None`) takes the value of its Python type.
///
/// # Errors
/// Python's, asking the object.
fn read_as(obj: &Bound<'_, PyAny>, kind: Option<ValueKind>) -> PyResult<Option<Value>> {
    if obj.is_none() {
        return Ok(Some(Value::Null));
    }
    let Some(kind) = kind else {
        return to_value(obj).map(Some);
    };
    let int = || -> Option<i64> {
        (obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>())
            .then(|| obj.extract::<i64>().ok())
            .flatten()
    };
    let text = || obj.cast::<PyString>().ok().map(|s| s.to_string());
    let iso = |class| -> PyResult<Option<String>> {
        Ok(if is(obj, class)? {
            Some(obj.call_method0("isoformat")?.extract()?)
        } else {
            None
        })
    };
    Ok(match kind {
        ValueKind::Int => int().map(Value::Int),
        ValueKind::Bool => match obj.cast::<PyBool>() {
            Ok(b) => Some(Value::Bool(b.is_true())),
            Err(_) => match int() {
                Some(0) => Some(Value::Bool(false)),
                Some(1) => Some(Value::Bool(true)),
                _ => None,
            },
        },
        // An integer read as a float is exact up to 2^53, as SQLite's driver reads it.
        #[allow(clippy::cast_precision_loss)]
        ValueKind::Float => match obj.cast::<PyFloat>() {
            Ok(f) => Some(Value::Float(f.value())),
            Err(_) => int().map(|i| Value::Float(i as f64)),
        },
        ValueKind::Decimal => {
            if is(obj, &DECIMAL)? {
                let finite: bool = obj.call_method0("is_finite")?.extract()?;
                finite
                    .then(|| obj.call_method1("__format__", ("f",))?.extract())
                    .transpose()?
                    .map(Value::Decimal)
            } else {
                text().map(Value::Decimal)
            }
        }
        ValueKind::Text => text().map(Value::Text),
        ValueKind::Bytes => bytes(obj)?.map(Value::Bytes),
        ValueKind::Date => {
            // A datetime is a date too, and not one.
            if is(obj, &DATETIME)? {
                None
            } else {
                iso(&DATE)?.or_else(text).map(Value::Date)
            }
        }
        ValueKind::Time => {
            let naive = naive(obj)?;
            let time = if naive { iso(&TIME)? } else { None };
            time.or(time_of_day(obj)?)
                .or_else(text)
                .map(|t| Value::Time(canonical_seconds(t)))
        }
        ValueKind::DateTime => {
            let datetime = if naive(obj)? { iso(&DATETIME)? } else { None };
            datetime
                .or_else(text)
                .map(|t| Value::DateTime(canonical_seconds(t)))
        }
        ValueKind::Uuid => {
            if is(obj, &UUID)? {
                Some(Value::Uuid(obj.str()?.to_string().to_ascii_lowercase()))
            } else if let Some(t) = text() {
                Some(Value::Uuid(t.to_ascii_lowercase()))
            } else {
                bytes(obj)?.and_then(|b| uuid_text(&b)).map(Value::Uuid)
            }
        }
        ValueKind::Json => {
            let document = match text() {
                Some(t) => t,
                None => to_json(obj)?.to_string(),
            };
            canonical_json(&document).map(Value::Json)
        }
    })
}

/// The bytes of `bytes`, `bytearray` or `memoryview`; `None` for another type.
fn bytes(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Some(b.to_vec()));
    }
    if obj.get_type().name()?.to_str()? == "memoryview" {
        return Ok(Some(obj.call_method0("tobytes")?.extract()?));
    }
    Ok(None)
}

/// Whether a date-time or time has no time zone (`tzinfo` `None`); `true` for an object
/// without `tzinfo`.
fn naive(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    match obj.getattr("tzinfo") {
        Ok(tz) => Ok(tz.is_none()),
        Err(_) => Ok(true),
    }
}

/// A `timedelta` of at least zero and under a day as the time of day `HH:MM:SS[.f]`
/// (PyMySQL returns MySQL's `TIME` so); `None` for anything else.
fn time_of_day(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if !is(obj, &TIMEDELTA)? {
        return Ok(None);
    }
    let days: i64 = obj.getattr("days")?.extract()?;
    let seconds: i64 = obj.getattr("seconds")?.extract()?;
    let micros: i64 = obj.getattr("microseconds")?.extract()?;
    if days != 0 {
        return Ok(None);
    }
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    Ok(Some(if micros == 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{micros:06}")
    }))
}
