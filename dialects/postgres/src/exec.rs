//! [`execute`]: a [`Compiled`] query on a `postgres` client, rebuilt into records.
//!
//! Parameters bind by the type the server reports for each placeholder (an int as
//! `INT2`, `INT4` or `INT8`, text as any text type; a value that does not fit is a driver
//! error); decimals, dates, times and date-times go in the text format, parsed by the
//! server's input function for the placeholder's type (`NUMERIC`, `DATE`, `TIME`,
//! `TIMESTAMP`, or a text type). Result values are read from the binary format by the column's type, as the
//! kind the extraction plan expects at their position: `INT2`/`INT4`/`INT8` as ints,
//! `BOOL`, `FLOAT4`/`FLOAT8`, text types, `BYTEA`, `NUMERIC` as its text with its scale
//! (`12.50`), `DATE` / `TIME` / `TIMESTAMP` as ISO 8601 text (fractional seconds only when
//! non-zero, six digits), `UUID` lower-case hyphenated, `JSON` / `JSONB` as the document's
//! text. Anything else, and infinities and NaN, are
//! [`ExecErrorKind::Unreadable`](relq_rows::ExecErrorKind::Unreadable).
//!
//! Invariant: never panics; every failure is an [`ExecError`].

use std::error::Error as StdError;

use postgres::types::{Format, FromSql, IsNull, ToSql, Type, to_sql_checked};
use relq_plan::{Value, ValueKind};
use relq_rows::{ExecError, ExpectedColumn, ReadFailure, Record, RowReader, uuid_text};
use relq_sql::Compiled;

type BoxError = Box<dyn StdError + Sync + Send>;

/// Runs every statement of `compiled` on `client` with its parameters bound and rebuilds
/// the rows into records (one [`RowReader`] over all statements' rows).
///
/// # Errors
/// [`ExecError`]: a driver error with the statement's index (`SQLSTATE: message` for a
/// server error), a value that cannot be read as the plan's kind, or the rebuild's
/// [`RowError`](relq_rows::RowError).
pub fn execute(
    client: &mut postgres::Client,
    compiled: &Compiled<'_>,
) -> Result<Vec<Record>, ExecError> {
    let mut reader = RowReader::new(&compiled.plan.extraction)?;
    for (index, statement) in compiled.statements.iter().enumerate() {
        let driver = |e: postgres::Error| driver_error(Some(index), e);
        let prepared = prepare(client, &statement.sql, &statement.params, Some(index))?;
        let params: Vec<Param<'_>> = statement.params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = client.query(&prepared, &refs).map_err(driver)?;
        for row in &rows {
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
            let day = 86_400_000_000;
            let date = date_text(micros.div_euclid(day))?;
            Value::DateTime(format!("{date}T{}", time_text(micros.rem_euclid(day))?))
        }
        ValueKind::Uuid if *ty == Type::UUID => Value::Uuid(uuid_text(raw)?),
        ValueKind::Uuid => Value::Uuid(text()?.to_ascii_lowercase()),
        ValueKind::Json if *ty == Type::JSONB => {
            let (1, document) = raw.split_first()? else {
                return None;
            };
            Value::Json(std::str::from_utf8(document).ok()?.to_owned())
        }
        ValueKind::Json if *ty == Type::JSON => {
            Value::Json(std::str::from_utf8(raw).ok()?.to_owned())
        }
        _ => return None,
    })
}

/// Days since 2000-01-01 (PostgreSQL's epoch) as `YYYY-MM-DD`, for years 0 to 9999
/// (Howard Hinnant's `civil_from_days`).
fn date_text(days: i64) -> Option<String> {
    let z = days.checked_add(10_957 + 719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (0..=9999)
        .contains(&year)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Microseconds since midnight as `HH:MM:SS[.ffffff]`, for times before 24:00.
fn time_text(micros: i64) -> Option<String> {
    if !(0..86_400_000_000).contains(&micros) {
        return None;
    }
    let (seconds, fraction) = (micros / 1_000_000, micros % 1_000_000);
    let hms = format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    Some(if fraction == 0 {
        hms
    } else {
        format!("{hms}.{fraction:06}")
    })
}

/// NUMERIC's binary form (`numeric_send`: digit count, weight, sign, display scale, then
/// base-10000 digits) as its text with the display scale's digits; `None` for NaN and
/// infinities.
fn numeric_text(raw: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<u16> {
        Some(u16::from_be_bytes([*raw.get(2 * i)?, *raw.get(2 * i + 1)?]))
    };
    let count = usize::from(word(0)?);
    #[allow(clippy::cast_possible_wrap)]
    let weight = i64::from(word(1)? as i16);
    let negative = match word(2)? {
        0x0000 => false,
        0x4000 => true,
        _ => return None,
    };
    let scale = usize::from(word(3)?);
    let digits = (0..count)
        .map(|i| word(4 + i))
        .collect::<Option<Vec<u16>>>()?;
    let digit = |k: i64| -> u16 {
        usize::try_from(k)
            .ok()
            .and_then(|k| digits.get(k).copied())
            .unwrap_or(0)
    };
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    if weight < 0 {
        s.push('0');
    } else {
        s.push_str(&digit(0).to_string());
        for k in 1..=weight {
            s.push_str(&format!("{:04}", digit(k)));
        }
    }
    if scale > 0 {
        let mut fraction = String::new();
        let mut k = weight + 1;
        while fraction.len() < scale {
            fraction.push_str(&format!("{:04}", digit(k)));
            k += 1;
        }
        fraction.truncate(scale);
        s.push('.');
        s.push_str(&fraction);
    }
    Some(s)
}

/// A hyphenated UUID's 16 bytes.
fn uuid_bytes(s: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = s.bytes().filter(|b| *b != b'-').collect();
    if hex.len() != 32 || s.len() != 36 {
        return None;
    }
    let mut out = [0; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        *out.get_mut(i)? = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(weight: i16, sign: u16, scale: u16, digits: &[u16]) -> Vec<u8> {
        let len = u16::try_from(digits.len()).unwrap_or(0);
        #[allow(clippy::cast_sign_loss)]
        let head = [len, weight as u16, sign, scale];
        head.iter()
            .chain(digits)
            .flat_map(|w| w.to_be_bytes())
            .collect()
    }

    #[test]
    fn numeric_keeps_its_scale() {
        assert_eq!(
            numeric_text(&numeric(0, 0, 2, &[12, 5000])).as_deref(),
            Some("12.50")
        );
        assert_eq!(
            numeric_text(&numeric(1, 0x4000, 0, &[1, 2345])).as_deref(),
            Some("-12345")
        );
        assert_eq!(
            numeric_text(&numeric(-1, 0, 3, &[50])).as_deref(),
            Some("0.005")
        );
        assert_eq!(
            numeric_text(&numeric(0, 0, 2, &[])).as_deref(),
            Some("0.00")
        );
        assert_eq!(numeric_text(&numeric(0, 0xC000, 0, &[])), None, "NaN");
        assert_eq!(numeric_text(&[0, 1]), None, "truncated");
    }

    #[test]
    fn dates_and_times_are_iso_text() {
        assert_eq!(date_text(0).as_deref(), Some("2000-01-01"));
        assert_eq!(date_text(8887).as_deref(), Some("2024-05-01"));
        assert_eq!(date_text(-1).as_deref(), Some("1999-12-31"));
        assert_eq!(date_text(i64::MAX), None);
        assert_eq!(time_text(49_500_000_000).as_deref(), Some("13:45:00"));
        assert_eq!(
            time_text(49_500_500_000).as_deref(),
            Some("13:45:00.500000")
        );
        assert_eq!(time_text(86_400_000_000), None);
    }

    #[test]
    fn uuids_round_trip_lower_case() {
        let s = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        let bytes = uuid_bytes(s).unwrap_or_default();
        assert_eq!(uuid_text(&bytes).as_deref(), Some(s));
        assert_eq!(uuid_bytes("67e55044"), None);
    }
}
