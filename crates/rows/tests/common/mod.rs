//! Strategies for the JSON writer's property tests: random extraction plans (up to six
//! nodes, to-one and to-many relations, through models with and without fields, names
//! that need escaping) and random records of a plan, with values of every kind that
//! stress the JSON text: quotes, control characters and non-ASCII in strings, NaN,
//! infinities and extreme floats, long byte strings, JSON documents valid, nested and
//! invalid.
//!
//! Invariant: the records could come from a rebuild (non-NULL keys, siblings with
//! distinct keys), so `flatten` turns them into rows that rebuild into them.

use proptest::prelude::*;
use relq_plan::{
    Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, ExtractionThrough, Value,
    ValueKind,
};
use relq_rows::{Record, Related};

/// Every value kind.
pub(crate) const KINDS: [ValueKind; 11] = [
    ValueKind::Bool,
    ValueKind::Int,
    ValueKind::Float,
    ValueKind::Decimal,
    ValueKind::Text,
    ValueKind::Bytes,
    ValueKind::Date,
    ValueKind::Time,
    ValueKind::DateTime,
    ValueKind::Uuid,
    ValueKind::Json,
];

/// Name stems that need escaping in JSON, or look as if they might.
const STEMS: [&str; 10] = [
    "id",
    "quote\"",
    "back\\",
    "tab\t",
    "ctl\u{1}\u{1f}",
    "é",
    "😀",
    "slash/",
    "del\u{7f}",
    "",
];

/// The shape of one non-root node, before positions and names are given.
#[derive(Clone, Debug)]
struct NodeShape {
    /// Picks the parent among the nodes before it (modulo their count).
    parent: usize,
    many: bool,
    /// The kinds of its columns after the key.
    kinds: Vec<ValueKind>,
    /// The through model's fields, for a to-many node with one.
    through: Option<Vec<ValueKind>>,
    /// Picks a name stem.
    stem: usize,
}

fn kinds(max: usize) -> impl Strategy<Value = Vec<ValueKind>> {
    prop::collection::vec(prop::sample::select(KINDS.to_vec()), 0..=max)
}

fn through() -> impl Strategy<Value = Option<Vec<ValueKind>>> {
    prop::option::weighted(0.4, kinds(2))
}

/// A plan of one to six nodes; the root may carry a through model, as a related set's
/// root does.
fn plan() -> impl Strategy<Value = ExtractionPlan> {
    let root = (kinds(4), through(), 0..STEMS.len(), any::<bool>());
    let node = (
        any::<usize>(),
        any::<bool>(),
        kinds(3),
        through(),
        0..STEMS.len(),
    )
        .prop_map(|(parent, many, kinds, through, stem)| NodeShape {
            parent,
            many,
            kinds,
            through: through.filter(|_| many),
            stem,
        });
    (root, prop::collection::vec(node, 0..6)).prop_map(
        |((kinds, through, stem, text_key), nodes)| {
            let root = NodeShape {
                parent: 0,
                many: false,
                kinds,
                through,
                stem,
            };
            build(&root, text_key, &nodes)
        },
    )
}

/// The plan of these shapes: positions in node order, names made distinct per node by
/// a suffix.
fn build(root: &NodeShape, text_key: bool, shapes: &[NodeShape]) -> ExtractionPlan {
    let mut width = 0;
    let mut column = |field: String, kind| {
        width += 1;
        ExtractionColumn {
            field: field.into(),
            position: width - 1,
            kind,
        }
    };
    let mut nodes: Vec<ExtractionNode> = Vec::new();
    for (i, shape) in std::iter::once(root).chain(shapes).enumerate() {
        let stem = STEMS[shape.stem];
        let key_kind = if text_key && i == 0 {
            ValueKind::Text
        } else {
            ValueKind::Int
        };
        let mut columns = vec![column(format!("{stem}f0"), key_kind)];
        for (k, &kind) in shape.kinds.iter().enumerate() {
            columns.push(column(format!("{stem}f{}", k + 1), kind));
        }
        let through = shape.through.as_ref().map(|kinds| ExtractionThrough {
            model: format!("{stem}T").into(),
            columns: kinds
                .iter()
                .enumerate()
                .map(|(k, &kind)| column(format!("{stem}w{k}"), kind))
                .collect(),
        });
        let (parent, cardinality, relation, path) = if i == 0 {
            (None, Cardinality::Root, None, String::new())
        } else {
            let parent = shape.parent % i;
            let cardinality = if shape.many {
                Cardinality::Many
            } else {
                Cardinality::One
            };
            let relation = format!("{stem}r{i}");
            let path = match nodes.get(parent) {
                Some(p) if !p.path.is_empty() => format!("{}__{relation}", p.path),
                _ => relation.clone(),
            };
            (Some(parent), cardinality, Some(relation.into()), path)
        };
        nodes.push(ExtractionNode {
            path,
            model: format!("M{i}").into(),
            relation,
            parent,
            cardinality,
            pk: columns[0].position,
            columns,
            through,
        });
    }
    ExtractionPlan {
        nodes,
        width,
        statements: vec![],
    }
}

/// Text that needs escaping now and then: quotes, backslashes, every kind of control
/// character, non-ASCII, and plain letters.
fn text() -> BoxedStrategy<String> {
    let special = prop::sample::select(vec![
        '"', '\\', '/', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}', '\u{1b}', '\u{1f}', '\u{7f}',
        'é', '😀', '\u{2028}', '\u{fffd}',
    ]);
    let c = prop_oneof![3 => prop::char::range('a', 'e'), 1 => special, 1 => any::<char>()];
    prop::collection::vec(c, 0..12)
        .prop_map(String::from_iter)
        .boxed()
}

/// A JSON document: nested arrays and objects, escaped keys, floats and big integers.
fn document() -> BoxedStrategy<serde_json::Value> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<u64>().prop_map(J::from),
        any::<f64>().prop_map(J::from),
        text().prop_map(J::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
            prop::collection::vec((text(), inner), 0..4)
                .prop_map(|members| J::Object(members.into_iter().collect())),
        ]
    })
    .boxed()
}

/// The text of a JSON value: a generated document (compact or pretty), or one of a few
/// hand-picked ones, invalid ones included.
fn json_text() -> BoxedStrategy<String> {
    let fixed = prop::sample::select(vec![
        "{}",
        "[]",
        "[[],{},[{}]]",
        r#"{"b":1,"a":[true,null,{"c":"d\"e"}]}"#,
        r#"{"a":1,"a":2}"#,
        " { \"x\" :\n [ 1 ,\t2 ] } ",
        r#""\u00e9\ud83d\ude00\/""#,
        "1e400",
        "-0",
        "0.1",
        "18446744073709551616",
        "1.0e1",
        "12345678901234567890123",
        "{",
        "[1,]",
        "",
        "nul",
        "{\"a\":1} x",
        "'single'",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        2 => document().prop_map(|d| d.to_string()),
        1 => document().prop_map(|d| serde_json::to_string_pretty(&d).unwrap_or_default()),
        2 => fixed,
        1 => text(),
    ]
    .boxed()
}

/// A float: any, or one whose text is an edge case of the shortest formatting.
fn float() -> BoxedStrategy<f64> {
    prop_oneof![
        2 => any::<f64>(),
        1 => prop::sample::select(vec![
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            0.1,
            1.0,
            1e15,
            1e16,
            1e17,
            1e-5,
            1e-7,
            123_456_789.123,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
        ]),
    ]
    .boxed()
}

/// A non-NULL value of `kind`.
fn value(kind: ValueKind) -> BoxedStrategy<Value> {
    match kind {
        ValueKind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        ValueKind::Int => prop_oneof![
            any::<i64>(),
            prop::sample::select(vec![0, -1, i64::MIN, i64::MAX])
        ]
        .prop_map(Value::Int)
        .boxed(),
        ValueKind::Float => float().prop_map(Value::Float).boxed(),
        ValueKind::Decimal => text().prop_map(Value::Decimal).boxed(),
        ValueKind::Text => text().prop_map(Value::Text).boxed(),
        ValueKind::Bytes => prop::collection::vec(any::<u8>(), 0..150)
            .prop_map(Value::Bytes)
            .boxed(),
        ValueKind::Date => text().prop_map(Value::Date).boxed(),
        ValueKind::Time => text().prop_map(Value::Time).boxed(),
        ValueKind::DateTime => text().prop_map(Value::DateTime).boxed(),
        ValueKind::Uuid => text().prop_map(Value::Uuid).boxed(),
        ValueKind::Json => json_text().prop_map(Value::Json).boxed(),
    }
}

/// A value of `kind` or NULL.
fn nullable(kind: ValueKind) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 4 => value(kind)].boxed()
}

/// Gives siblings the keys 0, 1, 2, ... (as text for a text key), so keys are distinct
/// among siblings and repeat under different parents.
fn numbered(mut records: Vec<Record>) -> Vec<Record> {
    for (k, record) in records.iter_mut().enumerate() {
        if let Some(key) = record.fields.first_mut() {
            *key = match key {
                Value::Text(_) => Value::Text(format!("k\"{k}")),
                _ => Value::Int(i64::try_from(k).unwrap_or(i64::MAX)),
            };
        }
    }
    records
}

/// A record of node `node` and everything under it: to-one relations maybe absent,
/// lists of 0 to 3 children.
fn record(plan: &ExtractionPlan, node: usize) -> BoxedStrategy<Record> {
    let n = &plan.nodes[node];
    let fields: Vec<_> = n
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
    let through: Vec<_> = n
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
            Cardinality::Many => prop::collection::vec(record(plan, i), 0..4)
                .prop_map(|list| Related::Many(numbered(list)))
                .boxed(),
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

/// Zero to four roots of `plan`.
fn roots(plan: &ExtractionPlan) -> BoxedStrategy<Vec<Record>> {
    prop::collection::vec(record(plan, 0), 0..5)
        .prop_map(numbered)
        .boxed()
}

/// A plan and roots of it.
pub(crate) fn plan_and_roots() -> impl Strategy<Value = (ExtractionPlan, Vec<Record>)> {
    plan().prop_flat_map(|plan| {
        let roots = roots(&plan);
        (Just(plan), roots)
    })
}
