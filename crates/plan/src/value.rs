//! Values: what a parameter binds and what a rebuilt record holds, one model for all
//! three dialects.
//!
//! Exact types stay exact: a decimal keeps its digits as text (`"12.50"`), dates and
//! times are ISO 8601 text (`2024-05-01`, `13:45:00`, `2024-05-01T13:45:00`), a UUID is its
//! lower-case hyphenated text, JSON is the document's text. Drivers convert to and from
//! these forms; relq compares them as given.
//!
//! Invariant: a value never enters SQL text; it is bound as a parameter (or inlined only by
//! the renderer named for debugging).

use std::hash::{Hash, Hasher};

use relq_graph::FieldType;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One value of a field, or NULL (the default, so `std::mem::take` moves a value out
/// and leaves NULL).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    /// SQL NULL.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer (`integer`, `big_integer`).
    Int(i64),
    /// A double-precision float.
    Float(f64),
    /// An exact decimal as text, with its scale's digits (`"12.50"`).
    Decimal(String),
    /// Text.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A date, `YYYY-MM-DD`.
    Date(String),
    /// A time of day, `HH:MM:SS[.ffffff]`.
    Time(String),
    /// A date and time, `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
    DateTime(String),
    /// A UUID, lower-case hyphenated.
    Uuid(String),
    /// A JSON document's text.
    Json(String),
}

impl Value {
    /// The kind of a non-NULL value; `None` for NULL.
    pub fn kind(&self) -> Option<ValueKind> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => ValueKind::Bool,
            Value::Int(_) => ValueKind::Int,
            Value::Float(_) => ValueKind::Float,
            Value::Decimal(_) => ValueKind::Decimal,
            Value::Text(_) => ValueKind::Text,
            Value::Bytes(_) => ValueKind::Bytes,
            Value::Date(_) => ValueKind::Date,
            Value::Time(_) => ValueKind::Time,
            Value::DateTime(_) => ValueKind::DateTime,
            Value::Uuid(_) => ValueKind::Uuid,
            Value::Json(_) => ValueKind::Json,
        })
    }

    /// The text of a value carried as text (decimal, text, date, time, date-time, UUID,
    /// JSON); `None` for NULL, booleans, numbers and bytes. Drivers bind these as text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Decimal(s)
            | Value::Text(s)
            | Value::Date(s)
            | Value::Time(s)
            | Value::DateTime(s)
            | Value::Uuid(s)
            | Value::Json(s) => Some(s),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Bytes(_) => {
                None
            }
        }
    }

    /// Whether the value is NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A JSON value as a value of `kind`, in the JSON forms a query's filters and a
    /// write's values use (module docs: decimals as strings like `"12.50"` or integers,
    /// dates and times as ISO 8601 strings, bytes as lists of integers 0 to 255, a UUID
    /// as its hyphenated text, any document for a JSON field); `None` when `json` is not
    /// one, or is `null` (NULL is the caller's to allow or refuse).
    ///
    /// ```
    /// use relq_plan::{Value, ValueKind};
    /// assert_eq!(Value::from_json(ValueKind::Decimal, &"12.50".into()), Some(Value::Decimal("12.50".into())));
    /// assert_eq!(Value::from_json(ValueKind::Json, &serde_json::json!({"a": 1})), Some(Value::Json(r#"{"a":1}"#.into())));
    /// assert_eq!(Value::from_json(ValueKind::Int, &"1".into()), None);
    /// ```
    pub fn from_json(kind: ValueKind, json: &Json) -> Option<Value> {
        match (kind, json) {
            (_, Json::Null) => None,
            (ValueKind::Json, doc) => Some(Value::Json(doc.to_string())),
            _ => typed(kind, json),
        }
    }
}

/// The kind of value a field holds: [`FieldType`] without its sizes. An
/// [`ExtractionColumn`](crate::ExtractionColumn) carries it so a rebuild can reject a value
/// of the wrong kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// [`Value::Bool`].
    Bool,
    /// [`Value::Int`].
    Int,
    /// [`Value::Float`].
    Float,
    /// [`Value::Decimal`].
    Decimal,
    /// [`Value::Text`].
    Text,
    /// [`Value::Bytes`].
    Bytes,
    /// [`Value::Date`].
    Date,
    /// [`Value::Time`].
    Time,
    /// [`Value::DateTime`].
    DateTime,
    /// [`Value::Uuid`].
    Uuid,
    /// [`Value::Json`].
    Json,
}

impl ValueKind {
    /// The kind of value a field of type `ty` holds.
    pub fn of(ty: FieldType) -> Self {
        match ty {
            FieldType::Integer | FieldType::BigInteger => ValueKind::Int,
            FieldType::Float => ValueKind::Float,
            FieldType::Decimal { .. } => ValueKind::Decimal,
            FieldType::Text { .. } => ValueKind::Text,
            FieldType::Boolean => ValueKind::Bool,
            FieldType::Date => ValueKind::Date,
            FieldType::Time => ValueKind::Time,
            FieldType::DateTime => ValueKind::DateTime,
            FieldType::Uuid => ValueKind::Uuid,
            FieldType::Json => ValueKind::Json,
            FieldType::Bytes => ValueKind::Bytes,
        }
    }

    /// How a value of this kind is written in JSON, for messages: `a string`,
    /// `a date (a string YYYY-MM-DD)`.
    pub fn expected_form(self) -> &'static str {
        expected_forms(self).0
    }

    /// The kind's name in messages and JSON (`int`, `date_time`).
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::Bool => "bool",
            ValueKind::Int => "int",
            ValueKind::Float => "float",
            ValueKind::Decimal => "decimal",
            ValueKind::Text => "text",
            ValueKind::Bytes => "bytes",
            ValueKind::Date => "date",
            ValueKind::Time => "time",
            ValueKind::DateTime => "date_time",
            ValueKind::Uuid => "uuid",
            ValueKind::Json => "json",
        }
    }
}

/// What a value of `kind` is written as in a filter, for messages: one, and several.
pub(crate) fn expected_forms(kind: ValueKind) -> (&'static str, &'static str) {
    match kind {
        ValueKind::Bool => ("a boolean", "booleans"),
        ValueKind::Int => ("an integer", "integers"),
        ValueKind::Float => ("a number", "numbers"),
        ValueKind::Decimal => (
            "a decimal (a string like \"12.50\", or an integer)",
            "decimals (strings like \"12.50\", or integers)",
        ),
        ValueKind::Text => ("a string", "strings"),
        ValueKind::Bytes => (
            "bytes (a list of integers 0 to 255)",
            "byte strings (lists of integers 0 to 255)",
        ),
        ValueKind::Date => ("a date (a string YYYY-MM-DD)", "dates (strings YYYY-MM-DD)"),
        ValueKind::Time => (
            "a time (a string HH:MM:SS[.ffffff])",
            "times (strings HH:MM:SS[.ffffff])",
        ),
        ValueKind::DateTime => (
            "a date-time (a string YYYY-MM-DDTHH:MM:SS[.ffffff])",
            "date-times (strings YYYY-MM-DDTHH:MM:SS[.ffffff])",
        ),
        ValueKind::Uuid => (
            "a UUID (a string of 32 hex digits with 4 hyphens)",
            "UUIDs (strings of 32 hex digits with 4 hyphens)",
        ),
        ValueKind::Json => ("a JSON document", "JSON documents"),
    }
}

/// `a string` for one value of `kind`.
pub(crate) fn expected(kind: ValueKind) -> String {
    expected_forms(kind).0.to_owned()
}

/// `a list of strings` for an `in` list of `kind`.
pub(crate) fn expected_list(kind: ValueKind) -> String {
    format!("a list of {}", expected_forms(kind).1)
}

/// A short description of a JSON value, for messages: `the string "x"`, `the number 3`
/// (cut after 40 characters, so an oversized input is never copied whole).
pub fn describe_json(v: &Json) -> String {
    let shown = v.to_string();
    let shown = match shown.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    };
    match v {
        Json::Null => "null".to_owned(),
        Json::Bool(_) => format!("the boolean {shown}"),
        Json::Number(_) => format!("the number {shown}"),
        Json::String(_) => format!("the string {shown}"),
        Json::Array(_) => format!("the list {shown}"),
        Json::Object(_) => format!("the object {shown}"),
    }
}

/// `v` as a value of `kind`, if it is one (text forms checked for their shape).
pub(crate) fn typed(kind: ValueKind, v: &Json) -> Option<Value> {
    let text = || v.as_str().map(str::to_owned);
    Some(match kind {
        ValueKind::Bool => Value::Bool(v.as_bool()?),
        ValueKind::Int => Value::Int(v.as_i64()?),
        ValueKind::Float => Value::Float(v.as_f64()?),
        ValueKind::Decimal => match v {
            Json::Number(n) => Value::Decimal(n.as_i64()?.to_string()),
            _ => Value::Decimal(text().filter(|s| is_decimal(s))?),
        },
        ValueKind::Text => Value::Text(text()?),
        ValueKind::Bytes => Value::Bytes(
            v.as_array()?
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<_>>()?,
        ),
        ValueKind::Date => Value::Date(text().filter(|s| is_date(s))?),
        ValueKind::Time => Value::Time(text().filter(|s| is_time(s))?),
        ValueKind::DateTime => Value::DateTime(text().filter(|s| {
            let (date, time) = (s.get(..10), s.get(11..));
            date.is_some_and(is_date) && s.get(10..11) == Some("T") && time.is_some_and(is_time)
        })?),
        ValueKind::Uuid => Value::Uuid(text().filter(|s| is_uuid(s))?.to_ascii_lowercase()),
        ValueKind::Json => return None,
    })
}

/// `-12.50`, `3`: an optional sign, digits, optionally `.` and digits.
fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    [whole, fraction]
        .iter()
        .all(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// `s` has the shape of `pattern`, where `9` stands for any ASCII digit.
fn shaped(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'9' => c.is_ascii_digit(),
            _ => c == p,
        })
}

fn is_date(s: &str) -> bool {
    shaped(s, "9999-99-99")
}

fn is_time(s: &str) -> bool {
    let (clock, fraction) = s.split_once('.').unwrap_or((s, "0"));
    shaped(clock, "99:99:99")
        && (1..=6).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A value as a hash key, compared as [`Value`]'s `==` compares it (same variant, same
/// content), so a set of them finds exactly what `contains` on a list would: how writes
/// drop repeated keys and check that every required key came back. A NaN float equals
/// nothing, itself included, as under `==`.
///
/// ```
/// use std::collections::HashSet;
/// use relq_plan::{Value, ValueKey};
/// let keys = [Value::Int(1), Value::Text("1".into())];
/// let set: HashSet<ValueKey<'_>> = keys.iter().map(ValueKey).collect();
/// assert!(set.contains(&ValueKey(&Value::Int(1))) && !set.contains(&ValueKey(&Value::Int(2))));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ValueKey<'a>(pub &'a Value);

impl PartialEq for ValueKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for ValueKey<'_> {}

impl Hash for ValueKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self.0).hash(state);
        match self.0 {
            Value::Null => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) => i.hash(state),
            // 0.0 == -0.0: both hash as 0.0.
            Value::Float(f) => (if *f == 0.0 { 0.0_f64 } else { *f }).to_bits().hash(state),
            Value::Bytes(b) => b.hash(state),
            Value::Decimal(s)
            | Value::Text(s)
            | Value::Date(s)
            | Value::Time(s)
            | Value::DateTime(s)
            | Value::Uuid(s)
            | Value::Json(s) => s.hash(state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_type_has_the_kind_its_values_report() {
        let cases = [
            (FieldType::Integer, Value::Int(1)),
            (FieldType::BigInteger, Value::Int(i64::MAX)),
            (FieldType::Float, Value::Float(0.5)),
            (
                FieldType::Decimal {
                    precision: 4,
                    scale: 2,
                },
                Value::Decimal("12.50".into()),
            ),
            (FieldType::TEXT, Value::Text("a".into())),
            (FieldType::Boolean, Value::Bool(true)),
            (FieldType::Date, Value::Date("2024-05-01".into())),
            (FieldType::Time, Value::Time("13:45:00".into())),
            (
                FieldType::DateTime,
                Value::DateTime("2024-05-01T13:45:00".into()),
            ),
            (
                FieldType::Uuid,
                Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()),
            ),
            (FieldType::Json, Value::Json("{}".into())),
            (FieldType::Bytes, Value::Bytes(vec![0, 1])),
        ];
        for (ty, value) in cases {
            assert_eq!(value.kind(), Some(ValueKind::of(ty)), "{}", ty.name());
        }
        assert_eq!(Value::Null.kind(), None);
    }
}
