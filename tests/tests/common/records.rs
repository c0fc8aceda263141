//! Records generated from an extraction plan: non-NULL keys, other values maybe NULL,
//! to-one relations maybe absent, lists of 0 to 3 children with distinct keys. Values come
//! from small ranges so the same key often appears under different parents (which must
//! stay different records).

use proptest::prelude::*;
use relq_plan::{Cardinality, ExtractionPlan, Value, ValueKind};
use relq_rows::{Record, Related};

/// A non-NULL value of `kind`, from a small range so values repeat.
pub fn value(kind: ValueKind) -> BoxedStrategy<Value> {
    let text = "[a-c]{0,3}";
    match kind {
        ValueKind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        ValueKind::Int => (-3i64..4).prop_map(Value::Int).boxed(),
        ValueKind::Float => (-4i32..4)
            .prop_map(|f| Value::Float(f64::from(f) / 2.0))
            .boxed(),
        ValueKind::Decimal => (0u8..100)
            .prop_map(|d| Value::Decimal(format!("{}.{:02}", d / 10, d)))
            .boxed(),
        ValueKind::Text => text.prop_map(Value::Text).boxed(),
        ValueKind::Bytes => prop::collection::vec(any::<u8>(), 0..3)
            .prop_map(Value::Bytes)
            .boxed(),
        ValueKind::Date => (1u8..29)
            .prop_map(|d| Value::Date(format!("2024-05-{d:02}")))
            .boxed(),
        ValueKind::Time => (0u8..24)
            .prop_map(|h| Value::Time(format!("{h:02}:00:00")))
            .boxed(),
        ValueKind::DateTime => (0u8..24)
            .prop_map(|h| Value::DateTime(format!("2024-05-01T{h:02}:00:00")))
            .boxed(),
        ValueKind::Uuid => (0u8..4)
            .prop_map(|u| Value::Uuid(format!("00000000-0000-4000-8000-00000000000{u}")))
            .boxed(),
        ValueKind::Json => text.prop_map(|t| Value::Json(format!("\"{t}\""))).boxed(),
    }
}

/// A value of `kind` or NULL.
pub fn nullable(kind: ValueKind) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 4 => value(kind)].boxed()
}

/// Keeps the first record of each primary key: siblings have distinct keys.
pub fn distinct(records: Vec<Record>, pk_column: usize) -> Vec<Record> {
    let mut seen = Vec::new();
    records
        .into_iter()
        .filter(|r| {
            let key = r.fields.get(pk_column).cloned();
            let new = !seen.contains(&key);
            seen.push(key);
            new
        })
        .collect()
}

/// A record of plan node `node` with everything under it: a non-NULL key, other values
/// maybe NULL, to-one relations maybe absent, lists of 0 to 3 distinct children.
pub fn record(plan: &ExtractionPlan, node: usize) -> BoxedStrategy<Record> {
    let n = &plan.nodes[node];
    let fields: Vec<BoxedStrategy<Value>> = n
        .columns
        .iter()
        .map(|c| {
            if c.position == n.pk {
                value(c.kind)
            } else {
                nullable(c.kind)
            }
        })
        .collect();
    let through: Vec<BoxedStrategy<Value>> = n
        .through
        .iter()
        .flat_map(|t| &t.columns)
        .map(|c| nullable(c.kind))
        .collect();
    let relations: Vec<BoxedStrategy<Related>> = plan
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.parent == Some(node))
        .map(|(i, c)| match c.cardinality {
            Cardinality::Many => {
                let pk = pk_column(plan, i);
                prop::collection::vec(record(plan, i), 0..4)
                    .prop_map(move |list| Related::Many(distinct(list, pk)))
                    .boxed()
            }
            _ => prop::option::of(record(plan, i))
                .prop_map(Related::One)
                .boxed(),
        })
        .collect();
    (fields, through, relations)
        .prop_map(|(fields, through, relations)| Record {
            fields,
            through,
            relations,
        })
        .boxed()
}

/// The index of node `node`'s primary key among its columns.
pub fn pk_column(plan: &ExtractionPlan, node: usize) -> usize {
    let n = &plan.nodes[node];
    n.columns
        .iter()
        .position(|c| c.position == n.pk)
        .expect("the key is a column")
}

/// Up to 3 roots of `plan` with distinct keys.
pub fn roots(plan: &ExtractionPlan) -> BoxedStrategy<Vec<Record>> {
    let pk = pk_column(plan, 0);
    prop::collection::vec(record(plan, 0), 0..4)
        .prop_map(move |roots| distinct(roots, pk))
        .boxed()
}
