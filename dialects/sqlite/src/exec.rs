//! [`SqliteDriver`]: a rusqlite connection as relq-exec's [`Driver`], so
//! [`relq_exec::fetch`] runs a compiled query on it ([`fetch`] and [`execute`] here for
//! short).
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
//! [`ExecErrorKind::Unreadable`]: relq_exec::ExecErrorKind::Unreadable

use std::borrow::Borrow;

use relq_exec::{
    Constraint, Driver, ExecError, Fetched, ReadFailure, ResultRow, STATEMENT_LIMIT, SideBySide,
    Streamed, canonical_json, canonical_seconds, cut, uuid_text,
};
use relq_plan::{Value, ValueKind};
use relq_rows::{Record, Visitor};
use relq_sql::Compiled;
use rusqlite::types::{Value as SqlValue, ValueRef};

/// A rusqlite connection as a [`Driver`].
pub struct SqliteDriver<'c>(pub &'c rusqlite::Connection);

impl SqliteDriver<'_> {
    fn query_with<P, F>(&mut self, sql: &str, params: &[P], mut on_row: F) -> Result<(), ExecError>
    where
        P: Borrow<Value>,
        F: FnMut(&mut SqliteRow<'_>) -> Result<(), ExecError>,
    {
        let mut prepared = self.0.prepare_cached(sql).map_err(driver)?;
        let width = prepared.column_count();
        let mut rows = prepared
            .query(rusqlite::params_from_iter(
                params.iter().map(|p| Bind(p.borrow())),
            ))
            .map_err(driver)?;
        while let Some(row) = rows.next().map_err(driver)? {
            on_row(&mut SqliteRow { row, width })?;
        }
        Ok(())
    }

    fn run_with<P: Borrow<Value>>(&mut self, sql: &str, params: &[P]) -> Result<u64, ExecError> {
        let changed = self
            .0
            .prepare_cached(sql)
            .and_then(|mut prepared| {
                prepared.execute(rusqlite::params_from_iter(
                    params.iter().map(|p| Bind(p.borrow())),
                ))
            })
            .map_err(driver)?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }
}

/// The statements a [`SqliteDriver`] reads side by side: each one's rows and width.
struct Open<'s> {
    rows: Vec<(rusqlite::Rows<'s>, usize)>,
}

impl<'c> SideBySide<SqliteDriver<'c>> for Open<'_> {
    fn next<'a>(
        &mut self,
        index: usize,
        on_row: &'a mut (dyn FnMut(&mut SqliteRow<'_>) -> Result<(), ExecError> + 'a),
    ) -> Result<bool, ExecError>
    where
        SqliteDriver<'c>: 'a,
    {
        let Some((rows, width)) = self.rows.get_mut(index) else {
            return Ok(false);
        };
        let width = *width;
        match rows.next().map_err(driver)? {
            Some(row) => on_row(&mut SqliteRow { row, width }).map(|()| true),
            None => Ok(false),
        }
    }
}

/// A result row of a [`SqliteDriver`].
pub struct SqliteRow<'r> {
    row: &'r rusqlite::Row<'r>,
    width: usize,
}

/// Statements are prepared through the connection's statement cache
/// (`prepare_cached`, rusqlite's LRU of 16 by default): a chunked insert sends the same
/// text once per chunk, and a repeated fetch the same statements, so each is compiled by
/// SQLite once, not per call (a 1 000-row `INSERT` is 3 000 placeholders to parse).
impl Driver for SqliteDriver<'_> {
    type Row<'r> = SqliteRow<'r>;

    fn query<F>(&mut self, sql: &str, params: &[Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut SqliteRow<'_>) -> Result<(), ExecError>,
    {
        self.query_with(sql, params, on_row)
    }

    fn run(&mut self, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
        self.run_with(sql, params)
    }

    fn query_refs<F>(&mut self, sql: &str, params: &[&Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut SqliteRow<'_>) -> Result<(), ExecError>,
    {
        self.query_with(sql, params, on_row)
    }

    fn run_refs(&mut self, sql: &str, params: &[&Value]) -> Result<u64, ExecError> {
        self.run_with(sql, params)
    }

    /// Every statement prepared and stepped on its own (SQLite keeps any number of
    /// statements running on one connection, each at its row: c3ref/step.html);
    /// outside a transaction each statement reads its own snapshot.
    fn side_by_side<T, B>(
        &mut self,
        statements: &[(&str, &[Value])],
        body: B,
    ) -> Result<T, ExecError>
    where
        B: FnOnce(&mut dyn SideBySide<Self>) -> Result<T, ExecError>,
    {
        let mut prepared = statements
            .iter()
            .map(|(sql, _)| self.0.prepare_cached(sql).map_err(driver))
            .collect::<Result<Vec<_>, _>>()?;
        let mut open = Open {
            rows: Vec::with_capacity(prepared.len()),
        };
        for (statement, (_, params)) in prepared.iter_mut().zip(statements) {
            let width = statement.column_count();
            let rows = statement
                .query(rusqlite::params_from_iter(params.iter().map(Bind)))
                .map_err(driver)?;
            open.rows.push((rows, width));
        }
        body(&mut open)
    }

    /// `!sqlite3_get_autocommit()` (c3ref/get_autocommit.html): a transaction is open.
    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        Ok(!self.0.is_autocommit())
    }

    /// The extended result codes of a constraint failure (rescode.html#constraint):
    /// `SQLITE_CONSTRAINT_UNIQUE` and `_PRIMARYKEY`, `_FOREIGNKEY`, `_NOTNULL`, `_CHECK`.
    fn violation(&self, error: &ExecError) -> Option<Constraint> {
        use rusqlite::ffi;
        let source = std::error::Error::source(error)?;
        let rusqlite::Error::SqliteFailure(failure, _) =
            source.downcast_ref::<rusqlite::Error>()?
        else {
            return None;
        };
        match failure.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                Some(Constraint::Unique)
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(Constraint::ForeignKey),
            ffi::SQLITE_CONSTRAINT_NOTNULL => Some(Constraint::NotNull),
            ffi::SQLITE_CONSTRAINT_CHECK => Some(Constraint::Check),
            _ => None,
        }
    }
}

impl ResultRow for SqliteRow<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn read(&mut self, position: usize, kind: Option<ValueKind>) -> Result<Value, ReadFailure> {
        let raw = self.row.get_ref(position).map_err(driver)?;
        read(raw, kind).ok_or_else(|| ReadFailure::Unreadable(describe(raw)))
    }
}

/// A driver error, its statement named by the loop. rusqlite's error for an input it
/// cannot prepare prints the whole statement (`<message> in <SQL> at offset <n>`): here it
/// quotes at most [`STATEMENT_LIMIT`] characters of it, and the statement is not kept.
fn driver(e: rusqlite::Error) -> ExecError {
    match e {
        rusqlite::Error::SqlInputError {
            msg, sql, offset, ..
        } => {
            let message = format!(
                "{msg} in `{}` at offset {offset}",
                cut(&sql, STATEMENT_LIMIT)
            );
            ExecError::driver(None, message.clone(), message)
        }
        e => ExecError::driver(None, e.to_string(), e),
    }
}

/// Runs a compiled query on `conn` ([`relq_exec::fetch`]).
///
/// # Errors
/// [`relq_exec::fetch`]'s.
pub fn fetch(conn: &rusqlite::Connection, compiled: &Compiled<'_>) -> Result<Fetched, ExecError> {
    relq_exec::fetch(&mut SqliteDriver(conn), compiled)
}

/// Runs a compiled query on `conn` and hands its records to `visitor` root by root
/// ([`relq_exec::stream`]; several statements stepped side by side).
///
/// # Errors
/// [`relq_exec::stream`]'s.
pub fn stream<V: Visitor>(
    conn: &rusqlite::Connection,
    compiled: &Compiled<'_>,
    visitor: V,
) -> Result<Streamed<V::Output>, ExecError> {
    relq_exec::stream(&mut SqliteDriver(conn), compiled, visitor)
}

/// Runs a compiled query that returns records ([`fetch`]'s records: every one, or the
/// one of `first` / `get`).
///
/// # Errors
/// [`fetch`]'s, and [`ExecErrorKind::NotRecords`](relq_exec::ExecErrorKind::NotRecords)
/// for a query that returns a count or flat rows.
pub fn execute(
    conn: &rusqlite::Connection,
    compiled: &Compiled<'_>,
) -> Result<Vec<Record>, ExecError> {
    fetch(conn, compiled)?.answer.into_records()
}

/// A parameter bound as [`bind`] makes it, text and bytes without a copy (SQLite copies
/// them itself, `SQLITE_TRANSIENT`).
struct Bind<'a>(&'a Value);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput;
        Ok(match self.0 {
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Decimal(s)
            | Value::Text(s)
            | Value::Date(s)
            | Value::Uuid(s)
            | Value::Json(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            other => ToSqlOutput::Owned(bind(other)),
        })
    }
}

/// A parameter as SQLite stores it.
fn bind(v: &Value) -> SqlValue {
    match stored(v) {
        Value::Int(i) => SqlValue::Integer(i),
        Value::Float(f) => SqlValue::Real(f),
        Value::Bytes(b) => SqlValue::Blob(b),
        Value::Text(t) => SqlValue::Text(t),
        // NULL: `stored` gives no other kind.
        _ => SqlValue::Null,
    }
}

/// A value in the storage class SQLite keeps it in, as a [`Value`] of that class
/// (NULL, an integer, a float, text or bytes): a boolean an integer, times and
/// date-times text in relq's one form (a space between date and time, as SQLite's own
/// `datetime()` writes them), every other kind its text.
pub(crate) fn stored(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Bool(b) => Value::Int(i64::from(*b)),
        Value::Int(i) => Value::Int(*i),
        Value::Float(f) => Value::Float(*f),
        Value::Bytes(b) => Value::Bytes(b.clone()),
        Value::Time(t) => Value::Text(canonical_seconds(t.clone())),
        Value::DateTime(t) => Value::Text(canonical_seconds(t.clone()).replacen('T', " ", 1)),
        text => Value::Text(text.as_text().unwrap_or_default().to_owned()),
    }
}

/// `values` as the JSON array an `in` list binds ([`Sqlite`](crate::Sqlite)'s
/// `bound_list`): each value as [`bind`] binds it, an INTEGER as a JSON number, TEXT as
/// a JSON string; `None` when a value binds as anything else (a float, bytes, NULL) or
/// is text holding NUL.
pub(crate) fn json_array(values: &[Value]) -> Option<String> {
    let items = values
        .iter()
        .map(|v| match bind(v) {
            SqlValue::Integer(i) => Some(serde_json::Value::from(i)),
            SqlValue::Text(t) if !t.contains('\0') => Some(serde_json::Value::String(t)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(serde_json::Value::Array(items).to_string())
}

/// `raw` as `kind`; `None` when it cannot be read so. A position the plan does not read
/// (`kind` `None`) keeps the storage class's own kind.
fn read(raw: ValueRef<'_>, kind: Option<ValueKind>) -> Option<Value> {
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
    fn a_callers_driver_gets_the_values_as_sqlite_stores_them() {
        use relq_sql::Dialect;
        let sqlite = crate::Sqlite::default();
        assert_eq!(sqlite.driver_value(&Value::Bool(true)), Value::Int(1));
        assert_eq!(
            sqlite.driver_value(&Value::DateTime("2024-05-01T13:45:00.5".into())),
            Value::Text("2024-05-01 13:45:00.500000".into())
        );
        assert_eq!(
            sqlite.driver_value(&Value::Decimal("12.50".into())),
            Value::Text("12.50".into())
        );
        assert_eq!(
            sqlite.driver_value(&Value::Bytes(vec![1])),
            Value::Bytes(vec![1])
        );
    }

    #[test]
    fn values_read_as_the_plans_kind() {
        assert_eq!(
            read(ValueRef::Integer(1), Some(ValueKind::Bool)),
            Some(Value::Bool(true))
        );
        assert_eq!(read(ValueRef::Integer(2), Some(ValueKind::Bool)), None);
        assert_eq!(
            read(ValueRef::Integer(2), Some(ValueKind::Float)),
            Some(Value::Float(2.0))
        );
        assert_eq!(read(ValueRef::Real(1.5), Some(ValueKind::Int)), None);
        assert_eq!(
            read(
                ValueRef::Text(b"2024-05-01 13:45:00"),
                Some(ValueKind::DateTime)
            ),
            Some(Value::DateTime("2024-05-01T13:45:00".into()))
        );
        assert_eq!(
            read(
                ValueRef::Text(b"67E55044-10B1-426F-9247-BB680E5FE0C8"),
                Some(ValueKind::Uuid)
            ),
            Some(Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()))
        );
        assert_eq!(
            read(
                ValueRef::Blob(&[
                    0x67, 0xe5, 0x50, 0x44, 0x10, 0xb1, 0x42, 0x6f, 0x92, 0x47, 0xbb, 0x68, 0x0e,
                    0x5f, 0xe0, 0xc8
                ]),
                Some(ValueKind::Uuid)
            ),
            Some(Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()))
        );
        assert_eq!(
            read(ValueRef::Text(b"12.50"), Some(ValueKind::Decimal)),
            Some(Value::Decimal("12.50".into()))
        );
        assert_eq!(
            read(ValueRef::Null, Some(ValueKind::Int)),
            Some(Value::Null)
        );
    }
}
