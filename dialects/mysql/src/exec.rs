//! [`MySqlDriver`]: a `mysql` connection (MySQL or MariaDB) as relq-exec's [`Driver`], so
//! [`relq_exec::fetch`] runs a compiled query on it ([`fetch`] and [`execute`] here for
//! short).
//!
//! Before its first query a [`MySqlDriver`] sets the session up for relq and for the
//! server's engines ([`set_up_session`]: `group_concat_max_len` at its largest, and
//! Spider's and Galera's settings where the server has them). Statements run as prepared statements (the binary protocol); parameters
//! bind as ints (booleans 0 / 1), doubles, and bytes for text and the text forms of
//! decimals, dates, times, UUIDs and JSON. A result value is read as the kind the
//! extraction plan expects at its position: integers as ints, bools (0 or 1) or floats;
//! doubles and floats; bytes as text (also integers, bools, floats and decimals written
//! as text), decimals, UUIDs (lower-cased), JSON ([`canonical_json`]) and bytes; `DATE` /
//! `DATETIME` and `TIME` values as ISO 8601 text (fractional seconds only when non-zero,
//! six digits). Anything else is
//! [`ExecErrorKind::Unreadable`](relq_exec::ExecErrorKind::Unreadable).
//!
//! Invariant: never panics; every failure is an [`ExecError`].

use std::borrow::Borrow;

use mysql::Value as MyValue;
use mysql::prelude::Queryable;
use relq_exec::{
    Constraint, Driver, ExecError, Fetched, ReadFailure, ResultRow, SideBySide, Streamed,
    canonical_json,
};
use relq_plan::{Value, ValueKind};
use relq_rows::{Record, Visitor};
use relq_sql::Compiled;

use crate::session::{Engines, set_up_session};
use crate::side::SideConnections;

/// A `mysql` connection as a [`Driver`]. Before its first statement it sets the
/// session up ([`set_up_session`]), unless made for a session already set up.
pub struct MySqlDriver<'c> {
    conn: &'c mut mysql::Conn,
    /// Whether the session is set up (before this driver's first statement, or by its
    /// owner).
    ready: bool,
    /// The server's engines the session was set up for (side connections get the same).
    engines: Engines,
    /// Whether the caller opened a transaction on the connection.
    joined: bool,
    /// Where later statements are read when several are read side by side.
    side: Option<&'c mut SideConnections>,
    /// The statements that opened relq's read snapshot, while it is open
    /// ([`Driver::begin_snapshot`]): the side connections then open theirs with them.
    snapshot: Option<String>,
}

impl<'c> MySqlDriver<'c> {
    /// `conn` as a driver; before its first statement it reads the server's
    /// [`Engines`] and sets the session up for them (two round trips, once).
    pub fn new(conn: &'c mut mysql::Conn) -> Self {
        Self {
            conn,
            ready: false,
            engines: Engines::default(),
            joined: false,
            side: None,
            snapshot: None,
        }
    }

    /// `conn`, whose session [`set_up_session`] already set up for `engines`, as a
    /// driver that sends no setup (`relq::Database` sets its connection up once, when it
    /// opens it, for the engines [`MySql::from_conn`](crate::MySql::from_conn) read).
    pub fn on_set_up_session(conn: &'c mut mysql::Conn, engines: Engines) -> Self {
        Self {
            conn,
            ready: true,
            engines,
            joined: false,
            side: None,
            snapshot: None,
        }
    }

    /// The same driver, inside a transaction the caller opened on the connection
    /// (`START TRANSACTION`), as [`in_transaction_of`](Self::in_transaction_of) makes
    /// one: writes run in a savepoint of it and leave it open.
    #[must_use]
    pub fn in_callers_transaction(mut self) -> Self {
        self.joined = true;
        self
    }

    /// The driver reading the later statements of a streamed query on `side`
    /// ([`Driver::side_by_side`]).
    #[must_use]
    pub fn with_side_connections(mut self, side: &'c mut SideConnections) -> Self {
        self.side = Some(side);
        self
    }

    /// The session setup, once.
    fn ready(&mut self) -> Result<(), ExecError> {
        if !self.ready {
            self.engines = Engines::read(self.conn)?;
            set_up_session(self.conn, self.engines)?;
            self.ready = true;
        }
        Ok(())
    }

    /// `conn` as a driver inside a transaction the caller opened (`START TRANSACTION`):
    /// writes run in a savepoint of it and leave it open.
    pub fn in_transaction_of(conn: &'c mut mysql::Conn) -> Self {
        Self::new(conn).in_callers_transaction()
    }
}

impl MySqlDriver<'_> {
    fn query_with<P, F>(&mut self, sql: &str, params: &[P], mut on_row: F) -> Result<(), ExecError>
    where
        P: Borrow<Value>,
        F: FnMut(&mut MySqlRow<'_>) -> Result<(), ExecError>,
    {
        self.ready()?;
        let prepared = self.conn.prep(sql).map_err(driver)?;
        let result = self
            .conn
            .exec_iter(&prepared, positional(params))
            .map_err(driver)?;
        for row in result {
            let mut row = row.map_err(driver)?;
            on_row(&mut MySqlRow(&mut row))?;
        }
        Ok(())
    }

    fn run_with<P: Borrow<Value>>(&mut self, sql: &str, params: &[P]) -> Result<u64, ExecError> {
        self.ready()?;
        if params.is_empty() {
            // DDL goes through the text protocol: not every statement can be prepared
            // (MariaDB: "Permitted statements", prepare.html).
            self.conn.query_drop(sql).map_err(driver)?;
        } else {
            self.conn
                .exec_drop(sql, positional(params))
                .map_err(driver)?;
        }
        Ok(self.conn.affected_rows())
    }
}

/// A result row of a [`MySqlDriver`].
pub struct MySqlRow<'r>(pub(crate) &'r mut mysql::Row);

impl Driver for MySqlDriver<'_> {
    type Row<'r> = MySqlRow<'r>;

    fn query<F>(&mut self, sql: &str, params: &[Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut MySqlRow<'_>) -> Result<(), ExecError>,
    {
        self.query_with(sql, params, on_row)
    }

    fn run(&mut self, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
        self.run_with(sql, params)
    }

    fn query_refs<F>(&mut self, sql: &str, params: &[&Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut MySqlRow<'_>) -> Result<(), ExecError>,
    {
        self.query_with(sql, params, on_row)
    }

    fn run_refs(&mut self, sql: &str, params: &[&Value]) -> Result<u64, ExecError> {
        self.run_with(sql, params)
    }

    /// The first statement on the driver's connection, each later one on a side
    /// connection ([`SideConnections`]: MySQL carries one result at a time per
    /// connection), all streamed from their sockets as they are read. In relq's read
    /// snapshot ([`Driver::begin_snapshot`]) each side connection opens one of its own
    /// before any statement runs, and ends it after: MySQL and MariaDB cannot share a
    /// snapshot between sessions, so the statements read snapshots taken a few round
    /// trips apart (see [`SideConnections`]).
    ///
    /// # Errors
    /// Several statements without side connections
    /// ([`with_side_connections`](MySqlDriver::with_side_connections)) are a driver
    /// error saying so; else the driver's.
    fn side_by_side<T, B>(
        &mut self,
        statements: &[(&str, &[Value])],
        body: B,
    ) -> Result<T, ExecError>
    where
        B: FnOnce(&mut dyn SideBySide<Self>) -> Result<T, ExecError>,
    {
        self.ready()?;
        let engines = self.engines;
        let side = self.side.as_deref_mut().map(|side| (side, engines));
        crate::side::run(self.conn, side, self.snapshot.as_deref(), statements, body)
    }

    /// [`SNAPSHOT_ISOLATION`](crate::SNAPSHOT_ISOLATION), then `begin`, in one round
    /// trip.
    fn begin_snapshot(&mut self, begin: &str) -> Result<(), ExecError> {
        let begin = format!("{}; {begin}", crate::SNAPSHOT_ISOLATION);
        self.run(&begin, &[])?;
        self.snapshot = Some(begin);
        Ok(())
    }

    fn end_snapshot(&mut self, succeeded: bool) -> Result<(), ExecError> {
        self.snapshot = None;
        self.run(if succeeded { "COMMIT" } else { "ROLLBACK" }, &[])
            .map(drop)
    }

    /// Whether the caller opened a transaction ([`MySqlDriver::in_transaction_of`]): a
    /// `mysql::Conn` borrowed mutably has no `mysql::Transaction` open on it.
    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        Ok(self.joined)
    }

    /// The server's error numbers (MariaDB kb "MariaDB Error Codes", MySQL
    /// server-error-reference.html): 1062 `ER_DUP_ENTRY`, 1451 / 1452 `ER_ROW_IS_REFERENCED_2`
    /// / `ER_NO_REFERENCED_ROW_2` (1216 / 1217 their older forms), 1048 `ER_BAD_NULL_ERROR`,
    /// 1364 `ER_NO_DEFAULT_FOR_FIELD`, 4025 (MariaDB) and 3819 (MySQL) for a CHECK.
    fn violation(&self, error: &ExecError) -> Option<Constraint> {
        let source = std::error::Error::source(error)?;
        let mysql::Error::MySqlError(e) = source.downcast_ref::<mysql::Error>()? else {
            return None;
        };
        match e.code {
            1062 => Some(Constraint::Unique),
            1216 | 1217 | 1451 | 1452 => Some(Constraint::ForeignKey),
            1048 | 1364 => Some(Constraint::NotNull),
            3819 | 4025 => Some(Constraint::Check),
            _ => None,
        }
    }
}

impl ResultRow for MySqlRow<'_> {
    fn width(&self) -> usize {
        self.0.len()
    }

    fn read(&mut self, position: usize, kind: Option<ValueKind>) -> Result<Value, ReadFailure> {
        // Taken, not borrowed: text keeps the bytes the driver read.
        let raw = self.0.take(position).unwrap_or(MyValue::NULL);
        read(raw, kind).map_err(|raw| ReadFailure::Unreadable(describe(&raw)))
    }
}

/// A driver error, its statement named by the loop.
pub(crate) fn driver(e: mysql::Error) -> ExecError {
    ExecError::driver(None, e.to_string(), e)
}

/// Runs a compiled query on `conn` ([`relq_exec::fetch`] on a [`MySqlDriver`]).
///
/// # Errors
/// [`relq_exec::fetch`]'s (the session setup's driver error names statement 0).
pub fn fetch(conn: &mut mysql::Conn, compiled: &Compiled<'_>) -> Result<Fetched, ExecError> {
    relq_exec::fetch(&mut MySqlDriver::new(conn), compiled)
}

/// Runs a compiled query on `conn` and hands its records to `visitor` root by root
/// ([`relq_exec::stream`]); a query of several statements reads the later ones on
/// `side`'s connections ([`SideConnections`]).
///
/// # Errors
/// [`relq_exec::stream`]'s.
pub fn stream<V: Visitor>(
    conn: &mut mysql::Conn,
    side: &mut SideConnections,
    compiled: &Compiled<'_>,
    visitor: V,
) -> Result<Streamed<V::Output>, ExecError> {
    relq_exec::stream(
        &mut MySqlDriver::new(conn).with_side_connections(side),
        compiled,
        visitor,
    )
}

/// Runs a compiled query that returns records ([`fetch`]'s records: every one, or the
/// one of `first` / `get`).
///
/// # Errors
/// [`fetch`]'s, and [`ExecErrorKind::NotRecords`](relq_exec::ExecErrorKind::NotRecords)
/// for a query that returns a count or flat rows.
pub fn execute(conn: &mut mysql::Conn, compiled: &Compiled<'_>) -> Result<Vec<Record>, ExecError> {
    fetch(conn, compiled)?.answer.into_records()
}

/// `params` for the driver: `Params::Empty` when there are none (the driver refuses an
/// empty positional list for a statement without placeholders).
pub(crate) fn positional<P: Borrow<Value>>(params: &[P]) -> mysql::Params {
    if params.is_empty() {
        mysql::Params::Empty
    } else {
        mysql::Params::Positional(params.iter().map(|p| bind(p.borrow())).collect())
    }
}

/// A parameter as the protocol sends it.
fn bind(v: &Value) -> MyValue {
    match v {
        Value::Null => MyValue::NULL,
        Value::Bool(b) => MyValue::Int(i64::from(*b)),
        Value::Int(i) => MyValue::Int(*i),
        Value::Float(f) => MyValue::Double(*f),
        Value::Bytes(b) => MyValue::Bytes(b.clone()),
        text => MyValue::Bytes(text.as_text().unwrap_or_default().as_bytes().to_vec()),
    }
}

/// `raw` as `kind`, or `raw` back when it cannot be read so. Bytes read as bytes, text or
/// a decimal become the value without a copy. A position the plan does not read (`kind`
/// `None`) is read as text when it is bytes.
fn read(raw: MyValue, kind: Option<ValueKind>) -> Result<Value, MyValue> {
    let kind = kind.unwrap_or(ValueKind::Text);
    let text = |b: Vec<u8>, make: fn(String) -> Value| {
        String::from_utf8(b)
            .map(make)
            .map_err(|e| MyValue::Bytes(e.into_bytes()))
    };
    match (raw, kind) {
        (MyValue::Bytes(b), ValueKind::Bytes) => Ok(Value::Bytes(b)),
        (MyValue::Bytes(b), ValueKind::Text) => text(b, Value::Text),
        (MyValue::Bytes(b), ValueKind::Decimal) => text(b, Value::Decimal),
        (raw, kind) => convert(&raw, kind).ok_or(raw),
    }
}

/// `raw` as a value of `kind`, for the forms [`read`] does not take as they are.
fn convert(raw: &MyValue, kind: ValueKind) -> Option<Value> {
    Some(match (raw, kind) {
        (MyValue::NULL, _) => Value::Null,
        (MyValue::Int(i), ValueKind::Int) => Value::Int(*i),
        (MyValue::UInt(u), ValueKind::Int) => Value::Int(i64::try_from(*u).ok()?),
        (MyValue::Int(0) | MyValue::UInt(0), ValueKind::Bool) => Value::Bool(false),
        (MyValue::Int(1) | MyValue::UInt(1), ValueKind::Bool) => Value::Bool(true),
        #[allow(clippy::cast_precision_loss)]
        (MyValue::Int(i), ValueKind::Float) => Value::Float(*i as f64),
        (MyValue::Double(f), ValueKind::Float) => Value::Float(*f),
        (MyValue::Float(f), ValueKind::Float) => Value::Float(f64::from(*f)),
        (MyValue::Date(y, mo, d, 0, 0, 0, 0), ValueKind::Date) => {
            Value::Date(format!("{y:04}-{mo:02}-{d:02}"))
        }
        (MyValue::Date(y, mo, d, h, mi, s, us), ValueKind::DateTime) => Value::DateTime(format!(
            "{y:04}-{mo:02}-{d:02}T{}",
            time_text(u32::from(*h), *mi, *s, *us)
        )),
        (MyValue::Time(false, 0, h, mi, s, us), ValueKind::Time) if *h < 24 => {
            Value::Time(time_text(u32::from(*h), *mi, *s, *us))
        }
        (MyValue::Bytes(b), kind) => {
            let text = std::str::from_utf8(b).ok()?;
            match kind {
                ValueKind::Int => Value::Int(text.parse().ok()?),
                ValueKind::Bool => match text {
                    "0" => Value::Bool(false),
                    "1" => Value::Bool(true),
                    _ => return None,
                },
                ValueKind::Float => Value::Float(text.parse().ok()?),
                ValueKind::Uuid => Value::Uuid(text.to_ascii_lowercase()),
                ValueKind::Json => Value::Json(canonical_json(text)?),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// `HH:MM:SS[.ffffff]`.
fn time_text(h: u32, mi: u8, s: u8, us: u32) -> String {
    if us == 0 {
        format!("{h:02}:{mi:02}:{s:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}.{us:06}")
    }
}

/// A short description of a value for messages: its protocol type and, for numbers, the
/// number.
fn describe(raw: &MyValue) -> String {
    match raw {
        MyValue::NULL => "NULL".to_owned(),
        MyValue::Bytes(b) => format!("{} bytes", b.len()),
        MyValue::Int(i) => format!("the integer {i}"),
        MyValue::UInt(u) => format!("the unsigned integer {u}"),
        MyValue::Float(f) => format!("the float {f}"),
        MyValue::Double(f) => format!("the double {f}"),
        MyValue::Date(..) => "a date".to_owned(),
        MyValue::Time(..) => "a time".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_as(raw: MyValue, kind: ValueKind) -> Option<Value> {
        read(raw, Some(kind)).ok()
    }

    #[test]
    fn values_read_as_the_plans_kind() {
        assert_eq!(
            read_as(MyValue::Int(1), ValueKind::Bool),
            Some(Value::Bool(true))
        );
        assert_eq!(read_as(MyValue::Int(2), ValueKind::Bool), None);
        assert_eq!(read_as(MyValue::UInt(u64::MAX), ValueKind::Int), None);
        assert_eq!(
            read_as(MyValue::Bytes(b"12.50".to_vec()), ValueKind::Decimal),
            Some(Value::Decimal("12.50".into()))
        );
        assert_eq!(
            read_as(MyValue::Date(2024, 5, 1, 0, 0, 0, 0), ValueKind::Date),
            Some(Value::Date("2024-05-01".into()))
        );
        assert_eq!(
            read_as(
                MyValue::Date(2024, 5, 1, 13, 45, 0, 500_000),
                ValueKind::DateTime
            ),
            Some(Value::DateTime("2024-05-01T13:45:00.500000".into()))
        );
        assert_eq!(
            read_as(MyValue::Time(false, 0, 13, 45, 0, 0), ValueKind::Time),
            Some(Value::Time("13:45:00".into()))
        );
        assert_eq!(
            read_as(MyValue::Time(true, 0, 1, 0, 0, 0), ValueKind::Time),
            None
        );
        assert_eq!(
            read_as(
                MyValue::Bytes(b"67E55044-10B1-426F-9247-BB680E5FE0C8".to_vec()),
                ValueKind::Uuid
            ),
            Some(Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()))
        );
    }
}
