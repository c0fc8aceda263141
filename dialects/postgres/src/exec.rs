//! [`execute`]: a [`Compiled`] query on a `postgres` client, rebuilt into records.
//!
//! Parameters bind by the type the server reports for each placeholder (an int as
//! `INT2`, `INT4` or `INT8`, text as any text type, a date, time, date-time or decimal in
//! the binary form of `DATE`, `TIME`, `TIMESTAMP` or `NUMERIC` where the server asks for
//! one; a value that does not fit is a driver error). Result values are read from the binary format by the column's type, as the
//! kind the extraction plan expects at their position: `INT2`/`INT4`/`INT8` as ints,
//! `BOOL`, `FLOAT4`/`FLOAT8`, text types, `BYTEA`, `NUMERIC` as its text with its scale
//! (`12.50`), `DATE` / `TIME` / `TIMESTAMP` as ISO 8601 text (fractional seconds only when
//! non-zero, six digits), `UUID` lower-case hyphenated, `JSON` / `JSONB` as the document's
//! text. Anything else, and infinities and NaN, are
//! [`ExecErrorKind::Unreadable`](relq_rows::ExecErrorKind::Unreadable).
//!
//! Invariant: never panics; every failure is an [`ExecError`].

use std::error::Error as StdError;

use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
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
        let driver = |e: postgres::Error| {
            let message = match e.as_db_error() {
                Some(db) => format!("{}: {}", db.code().code(), db.message()),
                None => e.to_string(),
            };
            ExecError::driver(Some(index), message, e)
        };
        let prepared = client.prepare(&statement.sql).map_err(driver)?;
        if prepared.params().len() != statement.params.len() {
            let message = format!(
                "the statement has {} placeholders and {} parameters",
                prepared.params().len(),
                statement.params.len()
            );
            return Err(ExecError::driver(Some(index), message.clone(), message));
        }
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
            // date_send / time_send / timestamp_send: big-endian days or microseconds.
            Value::Date(s) if *ty == Type::DATE => {
                let days = i32::try_from(date_days(s).ok_or("not a date YYYY-MM-DD")?)?;
                out.extend_from_slice(&days.to_be_bytes());
                Ok(IsNull::No)
            }
            Value::Time(s) if *ty == Type::TIME => {
                let micros = time_micros(s).ok_or("not a time HH:MM:SS[.ffffff]")?;
                out.extend_from_slice(&micros.to_be_bytes());
                Ok(IsNull::No)
            }
            Value::DateTime(s) if *ty == Type::TIMESTAMP => {
                let micros = s
                    .split_once('T')
                    .and_then(|(d, t)| Some(date_days(d)? * 86_400_000_000 + time_micros(t)?))
                    .ok_or("not a date-time YYYY-MM-DDTHH:MM:SS[.ffffff]")?;
                out.extend_from_slice(&micros.to_be_bytes());
                Ok(IsNull::No)
            }
            Value::Decimal(s) if *ty == Type::NUMERIC => {
                out.extend_from_slice(&numeric_bytes(s).ok_or("not a decimal")?);
                Ok(IsNull::No)
            }
            text => text.as_text().unwrap_or_default().to_sql_checked(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
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

/// `YYYY-MM-DD` as days since 2000-01-01 (the inverse of [`date_text`]; Howard
/// Hinnant's `days_from_civil`).
fn date_days(s: &str) -> Option<i64> {
    let mut parts = s.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    if s.len() != 10 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468 - 10_957)
}

/// `HH:MM:SS[.ffffff]` as microseconds since midnight (the inverse of [`time_text`]).
fn time_micros(s: &str) -> Option<i64> {
    let (clock, fraction) = s.split_once('.').unwrap_or((s, ""));
    let mut parts = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (parts.next()??, parts.next()??, parts.next()??);
    if clock.len() != 8 || fraction.len() > 6 || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let micros = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").parse::<i64>().ok()?
    };
    Some(((h * 60 + m) * 60 + sec) * 1_000_000 + micros)
}

/// Decimal text (`-12.50`) in NUMERIC's binary form (the inverse of [`numeric_text`]):
/// base-10000 digits around the decimal point, zero groups trimmed, the text's scale.
fn numeric_bytes(s: &str) -> Option<Vec<u8>> {
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let scale = u16::try_from(fraction.len()).ok()?;
    // Whole digits padded left and fraction digits padded right to groups of four.
    let pad = (4 - whole.len() % 4) % 4;
    let whole_groups = (whole.len() + pad) / 4;
    let mut text = "0".repeat(pad) + whole + fraction;
    text.push_str(&"0".repeat((4 - fraction.len() % 4) % 4));
    let mut groups: Vec<u16> = text
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).ok()?.parse().ok())
        .collect::<Option<_>>()?;
    let mut weight = i16::try_from(whole_groups).ok()? - 1;
    let leading = groups.iter().take_while(|&&g| g == 0).count();
    groups.drain(..leading);
    weight -= i16::try_from(leading).ok()?;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign: u16 = if negative && !groups.is_empty() {
        0x4000
    } else {
        0
    };
    #[allow(clippy::cast_sign_loss)]
    let head = [
        u16::try_from(groups.len()).ok()?,
        weight as u16,
        sign,
        scale,
    ];
    Some(
        head.iter()
            .chain(&groups)
            .flat_map(|w| w.to_be_bytes())
            .collect(),
    )
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
    fn bound_dates_times_and_decimals_read_back_as_given() {
        for date in [
            "2000-01-01",
            "2024-05-01",
            "1999-12-31",
            "0001-03-01",
            "9999-12-31",
        ] {
            let days = date_days(date).unwrap_or(i64::MIN);
            assert_eq!(date_text(days).as_deref(), Some(date));
        }
        assert_eq!(date_days("2024-13-01"), None);
        assert_eq!(date_days("2024-5-1"), None);
        for time in ["00:00:00", "13:45:00", "13:45:00.500000", "23:59:59.000001"] {
            let micros = time_micros(time).unwrap_or(-1);
            assert_eq!(time_text(micros).as_deref(), Some(time));
        }
        assert_eq!(time_micros("13:45:00.25"), Some(49_500_250_000));
        assert_eq!(time_micros("24:00:00"), None);
        for decimal in [
            "12.50",
            "-12345",
            "0.005",
            "0.00",
            "10000.0001",
            "-0.5",
            "7",
        ] {
            let bytes = numeric_bytes(decimal).unwrap_or_default();
            assert_eq!(numeric_text(&bytes).as_deref(), Some(decimal), "{decimal}");
        }
        assert_eq!(numeric_bytes("1e3"), None);
        assert_eq!(numeric_bytes(".5"), None);
    }

    #[test]
    fn uuids_round_trip_lower_case() {
        let s = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        let bytes = uuid_bytes(s).unwrap_or_default();
        assert_eq!(uuid_text(&bytes).as_deref(), Some(s));
        assert_eq!(uuid_bytes("67e55044"), None);
    }
}
