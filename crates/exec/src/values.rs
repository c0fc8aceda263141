//! Value canonicalisation: relq's one text form for the values drivers return in several
//! (times and date-times, JSON documents, UUIDs as bytes), so the three databases give
//! equal records. The dialect crates read values through these, and so does the decoding
//! of JSON lists.
//!
//! Invariant: each function is idempotent on its own output, and leaves text it does not
//! recognise as it is (or says `None`).

/// 16 bytes as a lower-case hyphenated UUID (`Value::Uuid`'s form); `None` for any other
/// length. For drivers that return UUIDs as bytes.
pub fn uuid_text(bytes: &[u8]) -> Option<String> {
    if bytes.len() != 16 {
        return None;
    }
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    Some(s)
}

/// A time (`HH:MM:SS[.f]`) or date-time (`...THH:MM:SS[.f]`) in relq's one text form, the
/// form PostgreSQL and MySQL return: a fraction of a second written with six digits
/// (`.5` becomes `.500000`), none at all when it is zero (`.000` is dropped), the date and
/// time joined by `T`. Text that is not so shaped, or has more than six fraction digits
/// (which no relq column type keeps), is returned as it is. For drivers that store
/// these as text (SQLite), on the way in and out, so equal values are equal text.
pub fn canonical_seconds(mut text: String) -> String {
    if text.as_bytes().get(10) == Some(&b' ') && text.as_bytes().get(13) == Some(&b':') {
        text.replace_range(10..11, "T");
    }
    let Some(dot) = text.rfind('.') else {
        return text;
    };
    let fraction = &text[dot + 1..];
    let seconds = text.get(dot.saturating_sub(3)..dot).unwrap_or("");
    let shaped = seconds.starts_with(':') && seconds[1..].bytes().all(|b| b.is_ascii_digit());
    if !shaped
        || fraction.is_empty()
        || fraction.len() > 6
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return text;
    }
    if fraction.bytes().all(|b| b == b'0') {
        text.truncate(dot);
    } else {
        let pad = 6 - fraction.len();
        text.extend(std::iter::repeat_n('0', pad));
    }
    text
}

/// A JSON document in relq's one text form: compact, object keys sorted by their UTF-8
/// bytes at every depth, numbers as `serde_json` prints them; `None` when `text` is not
/// JSON. PostgreSQL's `JSONB` returns a document rewritten (spaces added, keys reordered,
/// duplicate keys dropped: the last one kept, as here) while SQLite and MariaDB return it
/// as stored, so every executor reads JSON through this and the three give equal
/// records. Numbers outside `i64`/`u64`/`f64` lose precision here (`serde_json` without
/// `arbitrary_precision`).
pub fn canonical_json(text: &str) -> Option<String> {
    fn sort(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.sort_keys();
                map.values_mut().for_each(sort);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(sort),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    sort(&mut value);
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_one_text_form() {
        assert_eq!(
            canonical_json(r#"{"b": [1, {"d": 1, "c": 2}], "a": null}"#).as_deref(),
            Some(r#"{"a":null,"b":[1,{"c":2,"d":1}]}"#)
        );
        assert_eq!(
            canonical_json(r#"{"a": 1, "a": 2}"#).as_deref(),
            Some(r#"{"a":2}"#)
        );
        assert_eq!(canonical_json("{").as_deref(), None);
    }

    #[test]
    fn seconds_have_one_text_form() {
        let c = |s: &str| canonical_seconds(s.to_owned());
        assert_eq!(c("23:59:59.5"), "23:59:59.500000");
        assert_eq!(c("23:59:59.000"), "23:59:59");
        assert_eq!(c("23:59:59"), "23:59:59");
        assert_eq!(c("1999-12-31 23:59:59.25"), "1999-12-31T23:59:59.250000");
        assert_eq!(
            c("1999-12-31T23:59:59.123456"),
            "1999-12-31T23:59:59.123456"
        );
        // Not a time, or more digits than any column keeps: left alone.
        assert_eq!(c("23:59:59.1234567"), "23:59:59.1234567");
        assert_eq!(c("12.5"), "12.5");
        assert_eq!(c("a b.c"), "a b.c");
        assert_eq!(c("23:59:59."), "23:59:59.");
    }
}
