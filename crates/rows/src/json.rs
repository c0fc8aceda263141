//! Records as JSON, the shape an ORM in another language or an HTTP API hands on.
//!
//! Shape: an array of root objects. Each object has its selected fields under their
//! field names in column order, then (a many-to-many child, or a root of a many-to-many
//! related set) its through fields as an object under the through model's name, then
//! one key per loaded relation under the relation's name: a to-one relation as an object
//! or `null`, a to-many relation as an array (`[]` when empty).
//!
//! Values ([`value_to_json`]): integers and finite floats are numbers; a non-finite float
//! is the string `NaN`, `inf` or `-inf`; decimals, dates, times, date-times and UUIDs are
//! their text (exact, as [`Value`] keeps them); a JSON value is the parsed document, or
//! its text if it does not parse; bytes are a lower-case hex string (`"00ff"`).
//!
//! Invariant: keys follow the plan, never hash order (serde_json's `preserve_order`); the
//! walk follows the checked plan, so it recurses at most `MAX_SEGMENTS` deep.

use std::fmt::Write;

use relq_plan::{ExtractionPlan, Value};
use serde_json::{Map, Value as Json};

use crate::error::RowError;
use crate::layout::Layout;
use crate::records::{Record, Related, check_shape};

/// `records` (roots of `plan`, as [`rebuild`](crate::rebuild) returns them) as a JSON
/// array; the module docs give the shape.
///
/// # Errors
/// [`RowErrorKind::InvalidPlan`](crate::RowErrorKind::InvalidPlan) for a plan that breaks
/// a rule; [`RowErrorKind::RecordShape`](crate::RowErrorKind::RecordShape) for a record
/// (made by hand) whose fields or relations do not match its plan node.
pub fn to_json(plan: &ExtractionPlan, records: &[Record]) -> Result<Json, RowError> {
    let layout = Layout::new(plan)?;
    let roots = records
        .iter()
        .enumerate()
        .map(|(root, record)| object(&layout, 0, record, root))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json::Array(roots))
}

/// One record of node `node` as an object.
fn object(
    layout: &Layout<'_>,
    node: usize,
    record: &Record,
    root: usize,
) -> Result<Json, RowError> {
    check_shape(layout, node, record, root)?;
    let (Some(plan_node), Some(laid)) = (layout.plan.nodes.get(node), layout.nodes.get(node))
    else {
        return Ok(Json::Null);
    };
    let mut map = Map::with_capacity(plan_node.columns.len() + 1 + laid.children.len());
    for (column, value) in plan_node.columns.iter().zip(&record.fields) {
        map.insert(column.field.to_string(), value_to_json(value));
    }
    if let Some(through) = &plan_node.through {
        let fields = through
            .columns
            .iter()
            .zip(&record.through)
            .map(|(c, v)| (c.field.to_string(), value_to_json(v)))
            .collect();
        map.insert(through.model.to_string(), Json::Object(fields));
    }
    for (related, &child) in record.relations.iter().zip(&laid.children) {
        let value = match related {
            Related::One(None) => Json::Null,
            Related::One(Some(one)) => object(layout, child, one, root)?,
            Related::Many(list) => Json::Array(
                list.iter()
                    .map(|r| object(layout, child, r, root))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let name = layout
            .plan
            .nodes
            .get(child)
            .and_then(|c| c.relation.as_deref());
        map.insert(name.unwrap_or_default().to_owned(), value);
    }
    Ok(Json::Object(map))
}

/// One value as JSON; the module docs give the mapping.
///
/// ```
/// use relq_plan::Value;
/// use relq_rows::value_to_json;
/// assert_eq!(value_to_json(&Value::Bytes(vec![0, 255])), "00ff");
/// assert_eq!(value_to_json(&Value::Decimal("12.50".into())), "12.50");
/// assert_eq!(value_to_json(&Value::Float(f64::NAN)), "NaN");
/// assert_eq!(value_to_json(&Value::Json(r#"{"a":[1]}"#.into()))["a"][0], 1);
/// ```
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or_else(|| Json::String(f.to_string()), Json::Number),
        Value::Decimal(s)
        | Value::Text(s)
        | Value::Date(s)
        | Value::Time(s)
        | Value::DateTime(s)
        | Value::Uuid(s) => Json::String(s.clone()),
        Value::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| Json::String(s.clone())),
        Value::Bytes(b) => Json::String(hex(b)),
    }
}

/// Lower-case hex, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_map_to_json_as_documented() {
        let cases = [
            (Value::Null, "null"),
            (Value::Bool(true), "true"),
            (Value::Int(i64::MIN), "-9223372036854775808"),
            (Value::Float(0.5), "0.5"),
            (Value::Float(f64::INFINITY), r#""inf""#),
            (Value::Float(f64::NEG_INFINITY), r#""-inf""#),
            (Value::Float(f64::NAN), r#""NaN""#),
            (Value::Decimal("12.50".into()), r#""12.50""#),
            (Value::Text("a\"b".into()), r#""a\"b""#),
            (Value::Bytes(vec![0, 15, 16, 255]), r#""000f10ff""#),
            (Value::Date("2024-05-01".into()), r#""2024-05-01""#),
            (Value::Time("13:45:00".into()), r#""13:45:00""#),
            (
                Value::DateTime("2024-05-01T13:45:00".into()),
                r#""2024-05-01T13:45:00""#,
            ),
            (
                Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()),
                r#""67e55044-10b1-426f-9247-bb680e5fe0c8""#,
            ),
            (
                Value::Json(r#"{"b":1,"a":[true]}"#.into()),
                r#"{"b":1,"a":[true]}"#,
            ),
            (Value::Json("{not json".into()), r#""{not json""#),
        ];
        for (value, expected) in cases {
            assert_eq!(value_to_json(&value).to_string(), expected, "{value:?}");
        }
    }
}
