//! PostgreSQL's binary formats for the values relq carries as text (`Value::Decimal`,
//! `Date`, `Time`, `DateTime`, `Uuid`): results arrive in binary (the `postgres` crate's
//! protocol choice), so a value is converted here, exactly, without a float or a time zone
//! in between. (Parameters of these kinds go in the text format instead, parsed by the
//! server; a UUID goes as its 16 bytes, [`uuid_bytes`].)
//!
//! Formats (PostgreSQL 15 source, `src/backend/utils/adt/`): `DATE` an `int4` of days since
//! 2000-01-01 (`date_send`), `TIME` an `int8` of microseconds since midnight (`time_send`),
//! `TIMESTAMP` an `int8` of microseconds since 2000-01-01 00:00:00 (`timestamp_send`),
//! `NUMERIC` a digit count, weight, sign, display scale and base-10000 digits
//! (`numeric_send`), `UUID` its 16 bytes.
//!
//! Text forms: `YYYY-MM-DD` for years 0 to 9999, `HH:MM:SS[.ffffff]`, decimals with their
//! display scale. Anything else reads as `None`, which the caller reports.

/// Days since 2000-01-01 (PostgreSQL's epoch) as `YYYY-MM-DD`, for years 0 to 9999
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn date_text(days: i64) -> Option<String> {
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
pub(crate) fn time_text(micros: i64) -> Option<String> {
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
pub(crate) fn numeric_text(raw: &[u8]) -> Option<String> {
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
pub(crate) fn uuid_bytes(s: &str) -> Option<[u8; 16]> {
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

/// Microseconds in a day.
pub(crate) const DAY_MICROS: i64 = 86_400_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use relq_exec::uuid_text;

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
