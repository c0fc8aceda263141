//! [`fetch`]: a [`Compiled`] query on a `postgres` client, read into its answer
//! ([`Answer`](relq_rows::Answer): records rebuilt, one record, a count, flat rows); [`execute`]: its records.
//!
//! Parameters bind by the type the server reports for each placeholder (an int as
//! `INT2`, `INT4` or `INT8`, text as any text type; a value that does not fit is a driver
//! error); decimals, dates, times and date-times go in the text format, parsed by the
//! server's input function for the placeholder's type (`NUMERIC`, `DATE`, `TIME`,
//! `TIMESTAMP`, or a text type). Result values are read from the binary format by the
//! column's type ([`binary`](crate::binary)), as the
//! kind the extraction plan expects at their position: `INT2`/`INT4`/`INT8` (and a whole
//! `NUMERIC`, `SUM` of a `BIGINT`) as ints,
//! `BOOL`, `FLOAT4`/`FLOAT8`, text types, `BYTEA`, `NUMERIC` as its text with its scale
//! (`12.50`), `DATE` / `TIME` / `TIMESTAMP` as ISO 8601 text (fractional seconds only when
//! non-zero, six digits), `UUID` lower-case hyphenated, `JSON` / `JSONB` as the document's
//! text in [`canonical_json`] form. Anything else, and infinities and NaN, are
//! [`ExecErrorKind::Unreadable`](relq_rows::ExecErrorKind::Unreadable).
//!
//! Invariant: never panics; every failure is an [`ExecError`].

use std::error::Error as StdError;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{Format, FromSql, IsNull, ToSql, Type, to_sql_checked};
use relq_plan::{Value, ValueKind};
use relq_rows::{
    ExecError, ExpectedColumn, Fetched, ReadFailure, Record, RowReader, canonical_json, uuid_text,
};
use relq_sql::{Compiled, Delivery};

use crate::binary::{DAY_MICROS, date_text, numeric_text, time_text, uuid_bytes};

type BoxError = Box<dyn StdError + Sync + Send>;

/// Runs a compiled query that returns records ([`fetch`]'s records: every one, or the
/// one of `first` / `get`).
///
/// # Errors
/// [`fetch`]'s, and [`ExecErrorKind::NotRecords`](relq_rows::ExecErrorKind::NotRecords)
/// for a query that returns a count or flat rows.
pub fn execute(
    client: &mut postgres::Client,
    compiled: &Compiled<'_>,
) -> Result<Vec<Record>, ExecError> {
    fetch(client, compiled)?.answer.into_records()
}

/// Runs every statement of `compiled` on `client` with its parameters bound and reads
/// the rows into the query's [`Answer`](relq_rows::Answer) (one [`RowReader`] over all
/// statements' rows: records, one record, a count or flat rows), with the number of rows
/// read.
///
/// # Errors
/// [`ExecError`]: a driver error with the statement's index (`SQLSTATE: message` for a
/// server error), a value that cannot be read as the plan's kind, the rebuild's
/// [`RowError`](relq_rows::RowError), or `get`'s
/// [`NoMatch`](relq_rows::ExecErrorKind::NoMatch) /
/// [`MultipleMatches`](relq_rows::ExecErrorKind::MultipleMatches).
pub fn fetch(client: &mut postgres::Client, compiled: &Compiled<'_>) -> Result<Fetched, ExecError> {
    let mut reader = RowReader::new(&compiled.plan, compiled.delivery == Delivery::Json)?;
    for (index, statement) in compiled.statements.iter().enumerate() {
        reader.begin_statement(index)?;
        let driver = |e: postgres::Error| driver_error(Some(index), e);
        for run in statement.runs(reader.root_keys()) {
            let prepared = prepare(client, &run.sql, &run.params, Some(index))?;
            // Streamed: each row is rebuilt as it arrives, never all of them held at once.
            let mut rows = client
                .query_raw(&prepared, run.params.iter().map(Param))
                .map_err(driver)?;
            while let Some(row) = rows.next().map_err(driver)? {
                let columns = row.columns();
                reader.push(columns.len(), |position, expected| {
                    let Raw(raw) = row.try_get(position).map_err(driver)?;
                    let ty = columns.get(position).map(|c| c.type_());
                    ty.and_then(|ty| read(raw, ty, expected)).ok_or_else(|| {
                        ReadFailure::Unreadable(
                            ty.map_or_else(|| "no column".to_owned(), |ty| format!("a {ty} value")),
                        )
                    })
                })?;
            }
        }
    }
    reader.finish()
}

/// Runs one statement that returns no rows (`CREATE TABLE`, [`insert`](relq_sql::insert))
/// with `params` bound as [`execute`] binds them; the number of rows it changed.
///
/// # Errors
/// The driver's error ([`ExecErrorKind::Driver`](relq_rows::ExecErrorKind::Driver)
/// without a statement index), or a parameter count that is not the statement's.
pub fn run(client: &mut postgres::Client, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
    let prepared = prepare(client, sql, params, None)?;
    let bound: Vec<Param<'_>> = params.iter().map(Param).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
    client
        .execute(&prepared, &refs)
        .map_err(|e| driver_error(None, e))
}

/// `sql` prepared on the server, which reports each placeholder's type for [`Param`];
/// an error when it has not one placeholder per parameter.
fn prepare(
    client: &mut postgres::Client,
    sql: &str,
    params: &[Value],
    index: Option<usize>,
) -> Result<postgres::Statement, ExecError> {
    let prepared = client.prepare(sql).map_err(|e| driver_error(index, e))?;
    if prepared.params().len() != params.len() {
        let message = format!(
            "the statement has {} placeholders and {} parameters",
            prepared.params().len(),
            params.len()
        );
        return Err(ExecError::driver(index, message.clone(), message));
    }
    Ok(prepared)
}

/// A driver error as an [`ExecError`]: `SQLSTATE: message` for a server error.
fn driver_error(index: Option<usize>, e: postgres::Error) -> ExecError {
    let message = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    ExecError::driver(index, message, e)
}

/// A parameter, encoded as the type the server reports for its placeholder.
#[derive(Debug)]
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
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
    fn encode_format(&self, _: &Type) -> Format {
        match self.0 {
            Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::DateTime(_) => {
                Format::Text
            }
            _ => Format::Binary,
        }
    }

    to_sql_checked!();
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

/// A binary value of type `ty` as the kind `column` expects; `None` when it cannot be read
/// so. A position the plan does not read is read as text when it is text.
fn read(raw: Option<&[u8]>, ty: &Type, column: Option<&ExpectedColumn>) -> Option<Value> {
    let Some(raw) = raw else {
        return Some(Value::Null);
    };
    let kind = column.and_then(|c| c.kind).unwrap_or(ValueKind::Text);
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
