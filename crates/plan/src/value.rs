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

use relq_graph::FieldType;
use serde::{Deserialize, Serialize};

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
