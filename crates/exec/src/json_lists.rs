//! The json strategy's lists: the JSON text a root row carries per list of the root's
//! records, decoded into the rows split's statements would have returned (the same
//! [`StatementRows`](relq_plan::StatementRows) positions: the ancestors' keys and the
//! statement's own columns), so the rebuild stitches, checks and orders them as it does
//! split's. The layout is [`ExtractionPlan::lists_below`]'s.
//!
//! Invariant: never panics; JSON of another shape, a value of another form, is a
//! message for [`ExecErrorKind::Unreadable`](crate::ExecErrorKind::Unreadable).

use relq_plan::{ExtractionPlan, Value, ValueKind};
use relq_rows::ExpectedColumn;
use serde_json::Value as Json;

use crate::values::{canonical_json, canonical_seconds};

/// The decoder of one query's lists, holding the rows decoded so far per statement.
pub(crate) struct JsonLists {
    /// The kind read at each plan position (`None`: no node reads it).
    kinds: Vec<Option<ValueKind>>,
    /// Per statement: its positions and where its records' lists are.
    statements: Vec<ListLayout>,
    /// Per statement, its decoded rows back to back, each as wide as the plan.
    rows: Vec<Vec<Value>>,
}

/// How a record of one statement's list is laid out.
struct ListLayout {
    /// The statement's plan positions.
    columns: Vec<usize>,
    /// The positions it carries itself (its columns but its keys' primary keys).
    own: Vec<usize>,
    /// The statements whose lists follow its own values, in order.
    lists: Vec<usize>,
}

impl JsonLists {
    /// The decoder for `plan`'s lists, reading each plan position as `columns` say;
    /// `None` for a plan of one statement.
    pub(crate) fn new(plan: &ExtractionPlan, columns: &[ExpectedColumn]) -> Option<Self> {
        if plan.statements.is_empty() {
            return None;
        }
        let kinds = columns.iter().map(|c| c.kind).collect();
        let statements = plan
            .statements
            .iter()
            .enumerate()
            .map(|(k, s)| ListLayout {
                columns: s.columns.clone(),
                own: plan.own_positions(k),
                lists: plan.lists_below(k),
            })
            .collect();
        Some(Self {
            kinds,
            statements,
            rows: vec![Vec::new(); plan.statements.len()],
        })
    }

    /// The statements whose lists a root row carries, after statement 0's columns.
    pub(crate) fn root_lists(&self) -> &[usize] {
        self.statements.first().map_or(&[], |s| &s.lists)
    }

    /// Decodes the list of statement `statement` in `text`, under the root row `row` (as
    /// wide as the plan), keeping its rows and those of the lists below it.
    ///
    /// # Errors
    /// What is wrong with the text, for a message.
    pub(crate) fn decode(
        &mut self,
        statement: usize,
        text: &str,
        row: &[Value],
    ) -> Result<(), String> {
        let list: Json = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        let mut context = row.to_vec();
        let mut lists = Lists {
            kinds: &self.kinds,
            statements: &self.statements,
            rows: &mut self.rows,
        };
        lists.list(statement, &list, &mut context, 0)
    }

    /// Forgets the rows decoded so far (keeping their room).
    pub(crate) fn clear(&mut self) {
        self.rows.iter_mut().for_each(Vec::clear);
    }

    /// The rows decoded for `statement`, each as wide as the plan, for the rebuild to
    /// take their values.
    pub(crate) fn rows(&mut self, statement: usize) -> impl Iterator<Item = &mut [Value]> {
        let width = self.kinds.len().max(1);
        self.rows
            .get_mut(statement)
            .into_iter()
            .flat_map(move |rows| rows.chunks_mut(width))
    }
}

/// A [`JsonLists`] borrowed for decoding: its layout read while its rows grow, so a
/// list's layout is not copied for each root row.
struct Lists<'a> {
    kinds: &'a [Option<ValueKind>],
    statements: &'a [ListLayout],
    rows: &'a mut [Vec<Value>],
}

impl Lists<'_> {
    /// One list: every record's own values set in `context` (which holds its
    /// ancestors'), its row kept, then the lists below it.
    fn list(
        &mut self,
        statement: usize,
        list: &Json,
        context: &mut [Value],
        depth: usize,
    ) -> Result<(), String> {
        // Depth is bounded by the plan's (at most 32 nodes deep).
        if depth > 32 {
            return Err("lists nested deeper than the plan".to_owned());
        }
        let Json::Array(records) = list else {
            return Err(format!("{} where a list was expected", describe(list)));
        };
        let Some(layout) = self.statements.get(statement) else {
            return Err(format!(
                "a list of statement {statement}, which the plan lacks"
            ));
        };
        let (own, lists) = (&layout.own, &layout.lists);
        for record in records {
            let Json::Array(items) = record else {
                return Err(format!("{} where a record was expected", describe(record)));
            };
            if items.len() != own.len() + lists.len() {
                return Err(format!(
                    "a record of {} items for {}",
                    items.len(),
                    own.len() + lists.len()
                ));
            }
            for (&position, item) in own.iter().zip(items) {
                let kind = self.kinds.get(position).copied().flatten();
                let value = value(kind, item)
                    .ok_or_else(|| format!("{} at position {position}", describe(item)))?;
                if let Some(slot) = context.get_mut(position) {
                    *slot = value;
                }
            }
            self.keep(statement, context);
            for (&below, item) in lists.iter().zip(&items[own.len()..]) {
                self.list(below, item, context, depth + 1)?;
            }
        }
        Ok(())
    }

    /// Keeps a row of `statement`: its positions from `context`, NULL elsewhere.
    fn keep(&mut self, statement: usize, context: &[Value]) {
        let (Some(layout), Some(rows)) =
            (self.statements.get(statement), self.rows.get_mut(statement))
        else {
            return;
        };
        let start = rows.len();
        rows.resize(start + context.len(), Value::Null);
        for &p in &layout.columns {
            if let (Some(slot), Some(v)) = (rows.get_mut(start + p), context.get(p)) {
                *slot = v.clone();
            }
        }
    }
}

/// A JSON item as the value of `kind`: `null`, or a string in the kind's text form
/// (`None` for anything else).
fn value(kind: Option<ValueKind>, item: &Json) -> Option<Value> {
    let text = match item {
        Json::Null => return Some(Value::Null),
        Json::String(text) => text,
        _ => return None,
    };
    Some(match kind? {
        ValueKind::Bool => Value::Bool(match text.as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return None,
        }),
        ValueKind::Int => Value::Int(text.parse().ok()?),
        ValueKind::Float => Value::Float(text.parse().ok()?),
        ValueKind::Decimal => Value::Decimal(text.clone()),
        ValueKind::Text => Value::Text(text.clone()),
        ValueKind::Bytes => Value::Bytes(hex(text.strip_prefix("\\x").unwrap_or(text))?),
        ValueKind::Date => Value::Date(text.clone()),
        ValueKind::Time => Value::Time(canonical_seconds(text.clone())),
        ValueKind::DateTime => Value::DateTime(canonical_seconds(text.clone())),
        ValueKind::Uuid => Value::Uuid(text.to_ascii_lowercase()),
        ValueKind::Json => Value::Json(canonical_json(text)?),
    })
}

/// Hexadecimal digits (either case) as bytes; `None` for an odd count or another
/// character.
fn hex(text: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| char::from(b).to_digit(16);
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok())
        .collect()
}

/// A JSON item described for a message: `a number`, `an object`...
fn describe(item: &Json) -> String {
    match item {
        Json::Null => "null".to_owned(),
        Json::Bool(b) => format!("the boolean {b}"),
        Json::Number(n) => format!("the number {n}"),
        Json::String(s) => format!("a string of {} bytes", s.len()),
        Json::Array(a) => format!("an array of {} items", a.len()),
        Json::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_from_their_text_forms() {
        let v = |kind, item: Json| value(Some(kind), &item);
        assert_eq!(
            v(ValueKind::Int, Json::from("-9223372036854775808")),
            Some(Value::Int(i64::MIN))
        );
        assert_eq!(v(ValueKind::Bool, Json::from("t")), None);
        assert_eq!(v(ValueKind::Bool, Json::from("1")), Some(Value::Bool(true)));
        assert_eq!(
            v(ValueKind::Bytes, Json::from("\\x00fF")),
            Some(Value::Bytes(vec![0, 255]))
        );
        assert_eq!(v(ValueKind::Bytes, Json::from("0")), None);
        assert_eq!(
            v(ValueKind::Float, Json::from("0.30000000000000004")),
            Some(Value::Float(0.1 + 0.2))
        );
        assert_eq!(
            v(ValueKind::DateTime, Json::from("2024-05-01 13:45:00.5")),
            Some(Value::DateTime("2024-05-01T13:45:00.500000".into()))
        );
        assert_eq!(v(ValueKind::Int, Json::from(1)), None);
        assert_eq!(v(ValueKind::Text, Json::Null), Some(Value::Null));
    }
}
