//! PostgreSQL's binary formats for the values relq carries as text (`Value::Decimal`,
//! `Date`, `Time`, `DateTime`, `Uuid`), both ways: the server sends and receives
//! parameters and results in binary (the `postgres` crate's protocol choice), so a value
//! is converted here, exactly, without a float or a time zone in between.
//!
//! Formats (PostgreSQL 15 source, `src/backend/utils/adt/`): `DATE` an `int4` of days since
//! 2000-01-01 (`date_send`), `TIME` an `int8` of microseconds since midnight (`time_send`),
//! `TIMESTAMP` an `int8` of microseconds since 2000-01-01 00:00:00 (`timestamp_send`),
//! `NUMERIC` a digit count, weight, sign, display scale and base-10000 digits
//! (`numeric_send`), `UUID` its 16 bytes.
//!
//! Text forms: `YYYY-MM-DD` for years 0 to 9999, `HH:MM:SS[.f]` with at most six fraction
//! digits, `YYYY-MM-DDTHH:MM:SS[.f]` (a space is accepted for the `T`), decimals
//! `[-+]digits[.digits]`. Anything else reads as `None`, which the caller reports.

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

/// `YYYY-MM-DD` as days since 2000-01-01; `None` unless it is a real date of years 0 to
/// 9999 written so (Howard Hinnant's `days_from_civil`, checked by formatting back).
pub(crate) fn date_days(text: &str) -> Option<i32> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if text.len() != 10
        || text.as_bytes().get(4) != Some(&b'-')
        || text.as_bytes().get(7) != Some(&b'-')
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468 - 10_957;
    // Out-of-range months and days land on another date: formatting back rejects them.
    (date_text(days)? == text).then(|| i32::try_from(days).ok())?
}

/// `HH:MM:SS[.f]` (at most six fraction digits) as microseconds since midnight; `None`
/// unless hours < 24, minutes and seconds < 60.
pub(crate) fn time_micros(text: &str) -> Option<i64> {
    let (hms, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = hms.split(':');
    let mut part = |max: i64| -> Option<i64> {
        let p = parts.next()?;
        let n: i64 =
            (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())??;
        (n < max).then_some(n)
    };
    let (h, m, s) = (part(24)?, part(60)?, part(60)?);
    if parts.next().is_some() || fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if text.contains('.') && fraction.is_empty() {
        return None;
    }
    let micros: i64 = format!("{fraction:0<6}").parse().ok()?;
    Some(((h * 60 + m) * 60 + s) * 1_000_000 + micros)
}

/// `YYYY-MM-DDTHH:MM:SS[.f]` (or a space for the `T`) as microseconds since
/// 2000-01-01 00:00:00.
pub(crate) fn timestamp_micros(text: &str) -> Option<i64> {
    let (date, time) = text.split_at_checked(10)?;
    let time = time.strip_prefix('T').or_else(|| time.strip_prefix(' '))?;
    i64::from(date_days(date)?)
        .checked_mul(DAY_MICROS)?
        .checked_add(time_micros(time)?)
}

/// A decimal's text as NUMERIC's binary form, its display scale the number of fraction
/// digits written (`12.50` keeps scale 2); `None` for anything but `[-+]digits[.digits]`.
pub(crate) fn numeric_binary(text: &str) -> Option<Vec<u8>> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && fraction.is_empty()) || !digits_only(int) || !digits_only(fraction) {
        return None;
    }
    if unsigned.contains('.') && fraction.is_empty() {
        return None;
    }
    let scale = u16::try_from(fraction.len()).ok()?;
    // Base-10000 groups aligned on the decimal point.
    let int_groups = int.len().div_ceil(4);
    let padded: String = format!(
        "{}{int}{fraction}{}",
        "0".repeat(int_groups * 4 - int.len()),
        "0".repeat(fraction.len().div_ceil(4) * 4 - fraction.len())
    );
    let mut groups: Vec<u16> = padded
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).ok().and_then(|c| c.parse().ok()))
        .collect::<Option<_>>()?;
    let mut weight = i64::try_from(int_groups).ok()? - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= i64::try_from(leading).ok()?;
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
    let head = [
        u16::try_from(groups.len()).ok()?,
        // The weight is an int16 on the wire.
        #[allow(clippy::cast_sign_loss)]
        (i16::try_from(weight).ok()? as u16),
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

#[cfg(test)]
mod tests {
    use super::*;
    use relq_rows::uuid_text;

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
    fn decimals_encode_to_what_decodes_back() {
        for text in [
            "12.50",
            "-12345",
            "0.005",
            "0.00",
            "0",
            "-0.10",
            "123456789.000001",
            "10000",
        ] {
            let binary = numeric_binary(text).unwrap_or_default();
            let expected = text.trim_start_matches('-');
            let expected = if text.starts_with('-') && expected.trim_matches(['0', '.']).is_empty()
            {
                expected.to_owned()
            } else if text.starts_with('-') {
                format!("-{expected}")
            } else {
                expected.to_owned()
            };
            assert_eq!(numeric_text(&binary), Some(expected), "{text}");
        }
        assert_eq!(numeric_binary("12.50"), Some(numeric(0, 0, 2, &[12, 5000])));
        assert_eq!(numeric_binary("+7"), Some(numeric(0, 0, 0, &[7])));
        for bad in ["", "-", ".", "1.", "1e5", "1,5", "NaN", "1.2.3", " 1"] {
            assert_eq!(numeric_binary(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_times_encode_to_what_decodes_back() {
        for days in [0, 8887, -1, -730_485, 2_921_938] {
            let text = date_text(days).unwrap_or_default();
            assert_eq!(date_days(&text).map(i64::from), Some(days), "{text}");
        }
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
        ] {
            assert_eq!(date_days(bad), None, "{bad}");
        }
        assert_eq!(time_micros("13:45:00"), Some(49_500_000_000));
        assert_eq!(time_micros("13:45:00.5"), Some(49_500_500_000));
        assert_eq!(time_micros("23:59:59.999999"), Some(DAY_MICROS - 1));
        for bad in [
            "24:00:00",
            "13:60:00",
            "13:45",
            "13:45:00.",
            "13:45:00.1234567",
            "1:45:00",
        ] {
            assert_eq!(time_micros(bad), None, "{bad}");
        }
        assert_eq!(
            timestamp_micros("2000-01-02T00:00:01"),
            Some(DAY_MICROS + 1_000_000)
        );
        assert_eq!(timestamp_micros("1999-12-31 23:59:59.5"), Some(-500_000));
        assert_eq!(timestamp_micros("2000-01-02X00:00:01"), None);
    }

    #[test]
    fn uuids_round_trip_lower_case() {
        let s = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        let bytes = uuid_bytes(s).unwrap_or_default();
        assert_eq!(uuid_text(&bytes).as_deref(), Some(s));
        assert_eq!(uuid_bytes("67e55044"), None);
    }
}
