//! [`fetch`]: a [`Compiled`] query on a rusqlite connection, read into its answer
//! ([`Answer`](relq_rows::Answer): records rebuilt, one record, a count, flat rows); [`execute`]: its records.
//!
//! Values bind as SQLite's storage classes (booleans as 0 / 1, decimals, dates, times,
//! UUIDs and JSON as their text, as [`TYPES`](crate::TYPES) stores them; times and
//! date-times in [`canonical_seconds`]' form, a date-time with a space between date and
//! time as SQLite's `datetime()` writes it, so that they compare as text with values
//! stored in that form). A result value is
//! read as the kind the extraction plan expects at its position: INTEGER as an int, a bool
//! (0 or 1) or a float; REAL as a float; TEXT as text, a decimal, a date, a time, a date-time
//! (`T` or a space between date and time, read into [`canonical_seconds`]' form with a
//! `T`), a UUID (lower-cased) or JSON ([`canonical_json`]);
//! BLOB as bytes or a 16-byte UUID. Anything else is [`ExecErrorKind::Unreadable`].
//!
//! Invariant: never panics; every failure is an [`ExecError`].
//!
//! [`ExecErrorKind::Unreadable`]: relq_rows::ExecErrorKind::Unreadable

use relq_plan::{Value, ValueKind};
use relq_rows::{
    ExecError, ExpectedColumn, Fetched, ReadFailure, Record, RowReader, canonical_json,
    canonical_seconds, uuid_text,
};
use relq_sql::{Compiled, Delivery};
use rusqlite::types::{Value as SqlValue, ValueRef};

/// Runs a compiled query that returns records ([`fetch`]'s records: every one, or the
/// one of `first` / `get`).
///
/// # Errors
/// [`fetch`]'s, and [`ExecErrorKind::NotRecords`](relq_rows::ExecErrorKind::NotRecords)
/// for a query that returns a count or flat rows.
pub fn execute(
    conn: &rusqlite::Connection,
    compiled: &Compiled<'_>,
) -> Result<Vec<Record>, ExecError> {
    fetch(conn, compiled)?.answer.into_records()
}

/// Runs every statement of `compiled` on `conn` with its parameters bound and reads the
/// rows into the query's [`Answer`](relq_rows::Answer) (one [`RowReader`] over all
/// statements' rows: records, one record, a count or flat rows), with the number of rows
/// read.
///
/// # Errors
/// [`ExecError`]: a driver error with the statement's index, a value that cannot be read
/// as the plan's kind, the rebuild's [`RowError`](relq_rows::RowError), or `get`'s
/// [`NoMatch`](relq_rows::ExecErrorKind::NoMatch) /
/// [`MultipleMatches`](relq_rows::ExecErrorKind::MultipleMatches).
pub fn fetch(conn: &rusqlite::Connection, compiled: &Compiled<'_>) -> Result<Fetched, ExecError> {
    let mut reader = RowReader::new(&compiled.plan, compiled.delivery == Delivery::Json)?;
    for (index, statement) in compiled.statements.iter().enumerate() {
        reader.begin_statement(index)?;
        let driver = |e: rusqlite::Error| ExecError::driver(Some(index), e.to_string(), e);
        for run in statement.runs(reader.root_keys()) {
            let mut prepared = conn.prepare(&run.sql).map_err(driver)?;
            let width = prepared.column_count();
            let mut rows = prepared
                .query(rusqlite::params_from_iter(run.params.iter().map(bind)))
                .map_err(driver)?;
            while let Some(row) = rows.next().map_err(driver)? {
                reader.push(width, |position, expected| {
                    let raw = row.get_ref(position).map_err(driver)?;
                    read(raw, expected).ok_or_else(|| ReadFailure::Unreadable(describe(raw)))
                })?;
            }
        }
    }
    reader.finish()
}

/// Runs one statement that returns no rows (`CREATE TABLE`, [`insert`](relq_sql::insert),
/// `BEGIN`) with `params` bound as [`execute`] binds them; the number of rows it changed.
///
/// # Errors
/// The driver's error ([`ExecErrorKind::Driver`](relq_rows::ExecErrorKind::Driver)
/// without a statement index).
pub fn run(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
    let changed = conn
        .execute(sql, rusqlite::params_from_iter(params.iter().map(bind)))
        .map_err(|e| ExecError::driver(None, e.to_string(), e))?;
    Ok(u64::try_from(changed).unwrap_or(u64::MAX))
}

/// A parameter as SQLite stores it.
fn bind(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Float(f) => SqlValue::Real(*f),
        Value::Bytes(b) => SqlValue::Blob(b.clone()),
        Value::Time(t) => SqlValue::Text(canonical_seconds(t.clone())),
        // A space between date and time, as SQLite's own `datetime()` writes them.
        Value::DateTime(t) => SqlValue::Text(canonical_seconds(t.clone()).replacen('T', " ", 1)),
        text => SqlValue::Text(text.as_text().unwrap_or_default().to_owned()),
    }
}

/// `raw` as the kind `column` expects; `None` when it cannot be read so. A position the
/// plan does not read keeps the storage class's own kind.
fn read(raw: ValueRef<'_>, column: Option<&ExpectedColumn>) -> Option<Value> {
    let kind = column.and_then(|c| c.kind);
    let text = |t: &[u8]| std::str::from_utf8(t).ok().map(str::to_owned);
    Some(match (raw, kind) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), Some(ValueKind::Int) | None) => Value::Int(i),
        (ValueRef::Integer(0), Some(ValueKind::Bool)) => Value::Bool(false),
        (ValueRef::Integer(1), Some(ValueKind::Bool)) => Value::Bool(true),
        // REAL affinity stores a whole float as written; an integer read as a float is exact
        // up to 2^53.
        #[allow(clippy::cast_precision_loss)]
        (ValueRef::Integer(i), Some(ValueKind::Float)) => Value::Float(i as f64),
        (ValueRef::Real(f), Some(ValueKind::Float) | None) => Value::Float(f),
        (ValueRef::Text(t), None | Some(ValueKind::Text)) => Value::Text(text(t)?),
        (ValueRef::Text(t), Some(ValueKind::Decimal)) => Value::Decimal(text(t)?),
        (ValueRef::Text(t), Some(ValueKind::Date)) => Value::Date(text(t)?),
        (ValueRef::Text(t), Some(ValueKind::Time)) => Value::Time(canonical_seconds(text(t)?)),
        (ValueRef::Text(t), Some(ValueKind::DateTime)) => {
            Value::DateTime(canonical_seconds(text(t)?))
        }
        (ValueRef::Text(t), Some(ValueKind::Uuid)) => Value::Uuid(text(t)?.to_ascii_lowercase()),
        (ValueRef::Text(t), Some(ValueKind::Json)) => {
            Value::Json(canonical_json(std::str::from_utf8(t).ok()?)?)
        }
        (ValueRef::Blob(b), Some(ValueKind::Bytes) | None) => Value::Bytes(b.to_vec()),
        (ValueRef::Blob(b), Some(ValueKind::Uuid)) => Value::Uuid(uuid_text(b)?),
        _ => return None,
    })
}

/// A short description of a value for messages: its storage class and, for numbers, the
/// number.
fn describe(raw: ValueRef<'_>) -> String {
    match raw {
        ValueRef::Null => "NULL".to_owned(),
        ValueRef::Integer(i) => format!("INTEGER {i}"),
        ValueRef::Real(f) => format!("REAL {f}"),
        ValueRef::Text(t) => format!("TEXT of {} bytes", t.len()),
        ValueRef::Blob(b) => format!("BLOB of {} bytes", b.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(kind: ValueKind) -> ExpectedColumn {
        ExpectedColumn {
            kind: Some(kind),
            name: "M.f".to_owned(),
        }
    }

    #[test]
    fn times_bind_in_the_one_text_form_sqlite_compares() {
        let bound = |v: Value| match bind(&v) {
            SqlValue::Text(t) => t,
            other => format!("{other:?}"),
        };
        assert_eq!(bound(Value::Time("13:45:00.25".into())), "13:45:00.250000");
        assert_eq!(bound(Value::Time("13:45:00.000".into())), "13:45:00");
        assert_eq!(bound(Value::Time("13:45:00".into())), "13:45:00");
        assert_eq!(
            bound(Value::DateTime("2024-05-01T13:45:00.5".into())),
            "2024-05-01 13:45:00.500000"
        );
        assert_eq!(bound(Value::Date("2024-05-01".into())), "2024-05-01");
    }

    #[test]
    fn values_read_as_the_plans_kind() {
        let c = |k| Some(col(k));
        assert_eq!(
            read(ValueRef::Integer(1), c(ValueKind::Bool).as_ref()),
            Some(Value::Bool(true))
        );
        assert_eq!(
            read(ValueRef::Integer(2), c(ValueKind::Bool).as_ref()),
            None
        );
        assert_eq!(
            read(ValueRef::Integer(2), c(ValueKind::Float).as_ref()),
            Some(Value::Float(2.0))
        );
        assert_eq!(read(ValueRef::Real(1.5), c(ValueKind::Int).as_ref()), None);
        assert_eq!(
            read(
                ValueRef::Text(b"2024-05-01 13:45:00"),
                c(ValueKind::DateTime).as_ref()
            ),
            Some(Value::DateTime("2024-05-01T13:45:00".into()))
        );
        assert_eq!(
            read(
                ValueRef::Text(b"67E55044-10B1-426F-9247-BB680E5FE0C8"),
                c(ValueKind::Uuid).as_ref()
            ),
            Some(Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()))
        );
        assert_eq!(
            read(
                ValueRef::Blob(&[
                    0x67, 0xe5, 0x50, 0x44, 0x10, 0xb1, 0x42, 0x6f, 0x92, 0x47, 0xbb, 0x68, 0x0e,
                    0x5f, 0xe0, 0xc8
                ]),
                c(ValueKind::Uuid).as_ref()
            ),
            Some(Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()))
        );
        assert_eq!(
            read(ValueRef::Text(b"12.50"), c(ValueKind::Decimal).as_ref()),
            Some(Value::Decimal("12.50".into()))
        );
        assert_eq!(
            read(ValueRef::Null, c(ValueKind::Int).as_ref()),
            Some(Value::Null)
        );
    }
}
