//! [`PostgresDriver`]: a `postgres` client as relq-exec's [`Driver`], so
//! [`relq_exec::fetch`] runs a compiled query on it ([`fetch`] and [`execute`] here for
//! short).
//!
//! Parameters bind by the type the server reports for each placeholder (an int as
//! `INT2`, `INT4` or `INT8`, text as any text type; a value that does not fit is a driver
//! error); decimals, dates, times and date-times go in the text format, parsed by the
//! server's input function for the placeholder's type (`NUMERIC`, `DATE`, `TIME`,
//! `TIMESTAMP`, or a text type); text bound to an array placeholder (`x = ANY($1)`) is
//! the array's text form ([`array_literal`](crate::array_literal)), sent in the text
//! format and parsed by the server's array input for the element type it inferred.
//! Result values are read from the binary format by the column's type
//! ([`binary`](crate::binary)), as the kind the extraction plan expects at their position: `INT2`/`INT4`/`INT8` (and a whole
//! `NUMERIC`, `SUM` of a `BIGINT`) as ints,
//! `BOOL`, `FLOAT4`/`FLOAT8`, text types, `BYTEA`, `NUMERIC` as its text with its scale
//! (`12.50`), `DATE` / `TIME` / `TIMESTAMP` as ISO 8601 text (fractional seconds only when
//! non-zero, six digits), `UUID` lower-case hyphenated, `JSON` / `JSONB` as the document's
//! text in [`canonical_json`] form. Anything else, and infinities and NaN, are
//! [`ExecErrorKind::Unreadable`](relq_exec::ExecErrorKind::Unreadable).
//!
//! Invariant: never panics; every failure is an [`ExecError`].

use std::borrow::Borrow;
use std::error::Error as StdError;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{Format, FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};
use relq_exec::{
    Constraint, Driver, ExecError, Fetched, ReadFailure, ResultRow, SideBySide, Streamed,
    canonical_json, uuid_text,
};
use relq_plan::{Value, ValueKind};
use relq_rows::{Record, Visitor};
use relq_sql::Compiled;

use crate::binary::{DAY_MICROS, date_text, numeric_text, time_text, uuid_bytes};

type BoxError = Box<dyn StdError + Sync + Send>;

/// A `postgres` client as a [`Driver`]. It keeps the last statement it prepared, so a
/// statement sent again at once (each chunk of a chunked insert) is parsed by the server
/// once: the `postgres` client caches nothing, and each `prepare` is a round trip and a
/// parse (of 3 000 placeholders for a 1 000-row `INSERT`). Its fields after the client:
/// whether the caller's transaction block is open, the last statement prepared, and
/// whether relq's read snapshot is open ([`Driver::begin_snapshot`]).
pub struct PostgresDriver<'c>(
    pub &'c mut postgres::Client,
    bool,
    Option<(String, postgres::Statement)>,
    bool,
);

impl<'c> PostgresDriver<'c> {
    /// `client` as a driver, outside any transaction of the caller's.
    pub fn new(client: &'c mut postgres::Client) -> Self {
        Self(client, false, None, false)
    }

    /// `client` as a driver inside a transaction block the caller opened with `BEGIN`
    /// (`client.batch_execute("BEGIN")`): writes run in a savepoint of it and leave it
    /// open.
    pub fn in_transaction_of(client: &'c mut postgres::Client) -> Self {
        Self(client, true, None, false)
    }
}

impl PostgresDriver<'_> {
    /// `sql` prepared: the last statement again when it is the same text.
    fn prepare(&mut self, sql: &str, params: usize) -> Result<postgres::Statement, ExecError> {
        if let Some((text, statement)) = &self.2
            && text == sql
        {
            check_params(statement, params)?;
            return Ok(statement.clone());
        }
        let prepared = prepare(self.0, sql, params)?;
        self.2 = Some((sql.to_owned(), prepared.clone()));
        Ok(prepared)
    }

    fn query_with<P, F>(&mut self, sql: &str, params: &[P], mut on_row: F) -> Result<(), ExecError>
    where
        P: Borrow<Value>,
        F: FnMut(&mut PostgresRow<'_>) -> Result<(), ExecError>,
    {
        let prepared = self.prepare(sql, params.len())?;
        // Streamed: each row is read as it arrives, never all of them held at once.
        let mut rows = self
            .0
            .query_raw(&prepared, params.iter().map(|p| Param(p.borrow())))
            .map_err(driver_error)?;
        while let Some(row) = rows.next().map_err(driver_error)? {
            on_row(&mut PostgresRow(&row))?;
        }
        Ok(())
    }

    fn run_with<P: Borrow<Value>>(&mut self, sql: &str, params: &[P]) -> Result<u64, ExecError> {
        let prepared = self.prepare(sql, params.len())?;
        let bound: Vec<Param<'_>> = params.iter().map(|p| Param(p.borrow())).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
        self.0.execute(&prepared, &refs).map_err(driver_error)
    }
}

/// How many rows a portal hands over per round trip in
/// [`side_by_side`](Driver::side_by_side): the driver's buffer per open statement.
pub(crate) const PORTAL_ROWS: i32 = 1024;

/// The statements a [`PostgresDriver`] reads side by side: a portal each, and each
/// portal's batch of rows not yet handed over and whether the portal has no more.
struct Portals<'t> {
    transaction: std::mem::ManuallyDrop<postgres::Transaction<'t>>,
    portals: Vec<postgres::Portal>,
    batches: Vec<(std::collections::VecDeque<postgres::Row>, bool)>,
}

impl Portals<'_> {
    fn bind(
        &mut self,
        prepared: &[postgres::Statement],
        statements: &[(&str, &[Value])],
    ) -> Result<(), ExecError> {
        for (statement, (_, params)) in prepared.iter().zip(statements) {
            let bound: Vec<Param<'_>> = params.iter().map(Param).collect();
            let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
            let portal = self
                .transaction
                .bind(statement, &refs)
                .map_err(driver_error)?;
            self.portals.push(portal);
            self.batches
                .push((std::collections::VecDeque::new(), false));
        }
        Ok(())
    }
}

impl<'c> SideBySide<PostgresDriver<'c>> for Portals<'_> {
    fn next<'a>(
        &mut self,
        index: usize,
        on_row: &'a mut (dyn FnMut(&mut PostgresRow<'_>) -> Result<(), ExecError> + 'a),
    ) -> Result<bool, ExecError>
    where
        PostgresDriver<'c>: 'a,
    {
        let (Some(portal), Some((batch, exhausted))) =
            (self.portals.get(index), self.batches.get_mut(index))
        else {
            return Ok(false);
        };
        if batch.is_empty() && !*exhausted {
            let rows = self
                .transaction
                .query_portal(portal, PORTAL_ROWS)
                .map_err(driver_error)?;
            // Fewer rows than asked for: the portal has no more.
            *exhausted = rows.len() < usize::try_from(PORTAL_ROWS).unwrap_or(usize::MAX);
            batch.extend(rows);
        }
        match batch.pop_front() {
            Some(row) => on_row(&mut PostgresRow(&row)).map(|()| true),
            None => Ok(false),
        }
    }
}

/// A result row of a [`PostgresDriver`].
pub struct PostgresRow<'r>(&'r postgres::Row);

impl Driver for PostgresDriver<'_> {
    type Row<'r> = PostgresRow<'r>;

    fn query<F>(&mut self, sql: &str, params: &[Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut PostgresRow<'_>) -> Result<(), ExecError>,
    {
        self.query_with(sql, params, on_row)
    }

    fn run(&mut self, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
        self.run_with(sql, params)
    }

    fn query_refs<F>(&mut self, sql: &str, params: &[&Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut PostgresRow<'_>) -> Result<(), ExecError>,
    {
        self.query_with(sql, params, on_row)
    }

    fn run_refs(&mut self, sql: &str, params: &[&Value]) -> Result<u64, ExecError> {
        self.run_with(sql, params)
    }

    /// Each statement bound to a portal and read `PORTAL_ROWS` (1 024) rows at a time
    /// (protocol-flow.html, "Extended Query": `Execute` with a row limit). Portals live
    /// in a transaction block: relq's read snapshot ([`Driver::begin_snapshot`], which
    /// [`relq_exec::stream`] opens, so every statement reads one snapshot) or the
    /// caller's ([`PostgresDriver::in_transaction_of`]). The block is left open for its
    /// owner to end: the client's `BEGIN` inside it only warns (`25001`), and the
    /// transaction handle is not dropped, so it sends no `ROLLBACK`.
    ///
    /// # Errors
    /// With no block open, a driver error saying so; else the driver's.
    fn side_by_side<T, B>(
        &mut self,
        statements: &[(&str, &[Value])],
        body: B,
    ) -> Result<T, ExecError>
    where
        B: FnOnce(&mut dyn SideBySide<Self>) -> Result<T, ExecError>,
    {
        if !self.1 && !self.3 {
            let message = "PostgreSQL portals live in a transaction block: read several \
                           statements side by side through relq_exec::stream, which opens \
                           a read snapshot, or inside the caller's transaction";
            return Err(ExecError::driver(None, message, message));
        }
        let prepared = statements
            .iter()
            .map(|(sql, params)| prepare(self.0, sql, params.len()))
            .collect::<Result<Vec<_>, _>>()?;
        let transaction = self.0.transaction().map_err(driver_error)?;
        let mut open = Portals {
            transaction: std::mem::ManuallyDrop::new(transaction),
            portals: Vec::with_capacity(prepared.len()),
            batches: Vec::with_capacity(prepared.len()),
        };
        let result = open
            .bind(&prepared, statements)
            .and_then(|()| body(&mut open));
        // The block stays open for its owner: neither COMMIT nor ROLLBACK is sent.
        std::mem::forget(std::mem::ManuallyDrop::into_inner(open.transaction));
        result
    }

    /// `begin` sent as a simple query (one round trip, not a prepare and an execute).
    fn begin_snapshot(&mut self, begin: &str) -> Result<(), ExecError> {
        self.0.batch_execute(begin).map_err(driver_error)?;
        self.3 = true;
        Ok(())
    }

    /// `COMMIT` or `ROLLBACK` sent as a simple query.
    fn end_snapshot(&mut self, succeeded: bool) -> Result<(), ExecError> {
        self.3 = false;
        let end = if succeeded { "COMMIT" } else { "ROLLBACK" };
        self.0.batch_execute(end).map_err(driver_error)
    }

    /// Whether the client is inside a transaction block. A `postgres::Client` borrowed
    /// mutably has no `postgres::Transaction` open on it (that borrows it), so relq
    /// opens its own; [`PostgresDriver::in_transaction_of`] is the caller's.
    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        Ok(self.1)
    }

    /// SQLSTATE class 23 (errcodes-appendix.html): 23505 `unique_violation`, 23503
    /// `foreign_key_violation`, 23502 `not_null_violation`, 23514 `check_violation`.
    fn violation(&self, error: &ExecError) -> Option<Constraint> {
        use postgres::error::SqlState;
        let source = std::error::Error::source(error)?;
        let code = source.downcast_ref::<postgres::Error>()?.code()?;
        match code {
            c if *c == SqlState::UNIQUE_VIOLATION => Some(Constraint::Unique),
            c if *c == SqlState::FOREIGN_KEY_VIOLATION => Some(Constraint::ForeignKey),
            c if *c == SqlState::NOT_NULL_VIOLATION => Some(Constraint::NotNull),
            c if *c == SqlState::CHECK_VIOLATION => Some(Constraint::Check),
            _ => None,
        }
    }
}

impl ResultRow for PostgresRow<'_> {
    fn width(&self) -> usize {
        self.0.columns().len()
    }

    fn read(&mut self, position: usize, kind: Option<ValueKind>) -> Result<Value, ReadFailure> {
        let Raw(raw) = self.0.try_get(position).map_err(driver_error)?;
        let ty = self.0.columns().get(position).map(|c| c.type_());
        ty.and_then(|ty| read(raw, ty, kind)).ok_or_else(|| {
            ReadFailure::Unreadable(
                ty.map_or_else(|| "no column".to_owned(), |ty| format!("a {ty} value")),
            )
        })
    }
}

/// Runs a compiled query on `client` ([`relq_exec::fetch`]).
///
/// # Errors
/// [`relq_exec::fetch`]'s (`SQLSTATE: message` for a server error).
pub fn fetch(client: &mut postgres::Client, compiled: &Compiled<'_>) -> Result<Fetched, ExecError> {
    relq_exec::fetch(&mut PostgresDriver::new(client), compiled)
}

/// Runs a compiled query on `client` and hands its records to `visitor` root by root
/// ([`relq_exec::stream`]; several statements as portals in one read-only snapshot).
///
/// # Errors
/// [`relq_exec::stream`]'s (`SQLSTATE: message` for a server error).
pub fn stream<V: Visitor>(
    client: &mut postgres::Client,
    compiled: &Compiled<'_>,
    visitor: V,
) -> Result<Streamed<V::Output>, ExecError> {
    relq_exec::stream(&mut PostgresDriver::new(client), compiled, visitor)
}

/// Runs a compiled query that returns records ([`fetch`]'s records: every one, or the
/// one of `first` / `get`).
///
/// # Errors
/// [`fetch`]'s, and [`ExecErrorKind::NotRecords`](relq_exec::ExecErrorKind::NotRecords)
/// for a query that returns a count or flat rows.
pub fn execute(
    client: &mut postgres::Client,
    compiled: &Compiled<'_>,
) -> Result<Vec<Record>, ExecError> {
    fetch(client, compiled)?.answer.into_records()
}

/// `sql` prepared on the server, which reports each placeholder's type for [`Param`];
/// an error when it has not one placeholder per parameter.
fn prepare(
    client: &mut postgres::Client,
    sql: &str,
    params: usize,
) -> Result<postgres::Statement, ExecError> {
    let prepared = client.prepare(sql).map_err(driver_error)?;
    check_params(&prepared, params)?;
    Ok(prepared)
}

/// An error when `prepared` has not one placeholder per parameter.
fn check_params(prepared: &postgres::Statement, params: usize) -> Result<(), ExecError> {
    if prepared.params().len() != params {
        let message = format!(
            "the statement has {} placeholders and {} parameters",
            prepared.params().len(),
            params
        );
        return Err(ExecError::driver(None, message.clone(), message));
    }
    Ok(())
}

/// A driver error as an [`ExecError`] (its statement named by the loop): `SQLSTATE:
/// message` for a server error.
fn driver_error(e: postgres::Error) -> ExecError {
    let message = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    ExecError::driver(None, message, e)
}

/// A parameter, encoded as the type the server reports for its placeholder.
#[derive(Debug)]
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Text(s) if is_array(ty) => {
                // An array's text form (`array_literal`), in the text format.
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            Value::Bool(b) => b.to_sql_checked(ty, out),
            Value::Int(i) if *ty == Type::INT2 => i16::try_from(*i)?.to_sql_checked(ty, out),
            Value::Int(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql_checked(ty, out),
            Value::Int(i) => i.to_sql_checked(ty, out),
            #[allow(clippy::cast_possible_truncation)]
            Value::Float(f) if *ty == Type::FLOAT4 => (*f as f32).to_sql_checked(ty, out),
            Value::Float(f) => f.to_sql_checked(ty, out),
            Value::Bytes(b) => b.to_sql_checked(ty, out),
            Value::Json(s) if *ty == Type::JSONB => {
                out.extend_from_slice(&[1]);
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            Value::Json(s) if *ty == Type::JSON => {
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            Value::Uuid(s) if *ty == Type::UUID => {
                out.extend_from_slice(&uuid_bytes(s).ok_or("not a hyphenated UUID")?);
                Ok(IsNull::No)
            }
            Value::Decimal(s) | Value::Date(s) | Value::Time(s) | Value::DateTime(s) => {
                // Sent in the text format (`encode_format`): the server parses it.
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            text => text.as_text().unwrap_or_default().to_sql_checked(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    /// Decimals, dates, times and date-times in the text format: their text is what the
    /// server's input functions read, whatever the placeholder's type; the binary forms
    /// would need a conversion per type. Everything else in the binary format.
    fn encode_format(&self, ty: &Type) -> Format {
        match self.0 {
            Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::DateTime(_) => {
                Format::Text
            }
            Value::Text(_) if is_array(ty) => Format::Text,
            _ => Format::Binary,
        }
    }

    to_sql_checked!();
}

/// Whether a placeholder's type is an array type (`x = ANY($1)`: the element type's
/// array).
fn is_array(ty: &Type) -> bool {
    matches!(ty.kind(), Kind::Array(_))
}

/// A column's raw binary value, `None` for NULL.
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Raw(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Raw(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A binary value of type `ty` as `kind`; `None` when it cannot be read so. A position the
/// plan does not read (`kind` `None`) is read as text when it is text.
fn read(raw: Option<&[u8]>, ty: &Type, kind: Option<ValueKind>) -> Option<Value> {
    let Some(raw) = raw else {
        return Some(Value::Null);
    };
    let kind = kind.unwrap_or(ValueKind::Text);
    let text = || <&str>::from_sql(ty, raw).ok().map(str::to_owned);
    Some(match kind {
        ValueKind::Int => Value::Int(match *ty {
            Type::INT2 => i16::from_sql(ty, raw).ok()?.into(),
            Type::INT4 => i32::from_sql(ty, raw).ok()?.into(),
            Type::INT8 => i64::from_sql(ty, raw).ok()?,
            // `SUM` of a `BIGINT` is a `NUMERIC` (PostgreSQL functions-aggregate.html):
            // read when it is a whole number within 64 bits.
            Type::NUMERIC => numeric_text(raw)?.parse().ok()?,
            _ => return None,
        }),
        ValueKind::Bool if *ty == Type::BOOL => Value::Bool(bool::from_sql(ty, raw).ok()?),
        ValueKind::Float => Value::Float(match *ty {
            Type::FLOAT4 => f32::from_sql(ty, raw).ok()?.into(),
            Type::FLOAT8 => f64::from_sql(ty, raw).ok()?,
            _ => return None,
        }),
        ValueKind::Text => Value::Text(text()?),
        ValueKind::Bytes if *ty == Type::BYTEA => Value::Bytes(raw.to_vec()),
        ValueKind::Decimal if *ty == Type::NUMERIC => Value::Decimal(numeric_text(raw)?),
        ValueKind::Decimal => Value::Decimal(text()?),
        ValueKind::Date if *ty == Type::DATE => {
            Value::Date(date_text(i32::from_sql(&Type::INT4, raw).ok()?.into())?)
        }
        ValueKind::Time if *ty == Type::TIME => {
            Value::Time(time_text(i64::from_sql(&Type::INT8, raw).ok()?)?)
        }
        ValueKind::DateTime if *ty == Type::TIMESTAMP => {
            let micros = i64::from_sql(&Type::INT8, raw).ok()?;
            let date = date_text(micros.div_euclid(DAY_MICROS))?;
            Value::DateTime(format!(
                "{date}T{}",
                time_text(micros.rem_euclid(DAY_MICROS))?
            ))
        }
        ValueKind::Uuid if *ty == Type::UUID => Value::Uuid(uuid_text(raw)?),
        ValueKind::Uuid => Value::Uuid(text()?.to_ascii_lowercase()),
        ValueKind::Json if *ty == Type::JSONB => {
            let (1, document) = raw.split_first()? else {
                return None;
            };
            Value::Json(canonical_json(std::str::from_utf8(document).ok()?)?)
        }
        ValueKind::Json if *ty == Type::JSON => {
            Value::Json(canonical_json(std::str::from_utf8(raw).ok()?)?)
        }
        _ => return None,
    })
}
