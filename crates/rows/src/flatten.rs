//! [`flatten`]: the inverse of [`rebuild`](crate::rebuild), the rows a joined statement
//! returns for some records. Property tests check `rebuild(flatten(r)) == r`; benchmarks
//! make their rows with it.
//!
//! Per record: its own values, times every combination of its relations' rows (sibling
//! to-many lists multiply, as a chain of LEFT JOINs does); a to-one `None` or an empty list
//! leaves its columns NULL. Rows come in record order, the first relation varying slowest.
//!
//! Invariant: the walk follows the checked plan (at most `MAX_SEGMENTS` deep), and a
//! plan's positions are distinct, so no value overwrites another.

use relq_plan::{ExtractionPlan, Value};

use crate::error::RowError;
use crate::layout::Layout;
use crate::records::{Record, Related, check_shape};

/// The rows of `plan` that hold `records` (roots).
///
/// `rebuild(plan, flatten(plan, records)?)` gives `records` back when they could have
/// come from a rebuild: roots with distinct primary keys, children of one parent and
/// relation with distinct keys, non-NULL keys. The row count is the sum over roots of
/// the product of their list sizes, so a wide record makes many rows.
///
/// # Errors
/// [`RowErrorKind::InvalidPlan`](crate::RowErrorKind::InvalidPlan) or
/// [`RowErrorKind::RecordShape`](crate::RowErrorKind::RecordShape), as for
/// [`to_json`](crate::to_json).
pub fn flatten(plan: &ExtractionPlan, records: &[Record]) -> Result<Vec<Vec<Value>>, RowError> {
    let layout = Layout::new(plan)?;
    let mut rows = Vec::new();
    for (root, record) in records.iter().enumerate() {
        for part in parts(&layout, 0, record, root)? {
            let mut row = vec![Value::Null; plan.width];
            for (position, value) in part {
                if let Some(cell) = row.get_mut(position) {
                    *cell = value.clone();
                }
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The rows of one record of node `node` and everything under it, each as the (position,
/// value) pairs it sets.
fn parts<'r>(
    layout: &Layout<'_>,
    node: usize,
    record: &'r Record,
    root: usize,
) -> Result<Vec<Vec<(usize, &'r Value)>>, RowError> {
    check_shape(layout, node, record, root)?;
    let Some(n) = layout.nodes.get(node) else {
        return Ok(Vec::new());
    };
    let values = record.fields.iter().chain(&record.through);
    let own = n.columns.iter().map(|c| c.position).zip(values).collect();
    let mut rows: Vec<Vec<(usize, &Value)>> = vec![own];
    for (related, &child) in record.relations.iter().zip(&n.children) {
        let children: Vec<&Record> = match related {
            Related::One(one) => one.iter().collect(),
            Related::Many(list) => list.iter().collect(),
        };
        if children.is_empty() {
            continue;
        }
        let mut options = Vec::new();
        for c in children {
            options.extend(parts(layout, child, c, root)?);
        }
        rows = rows
            .iter()
            .flat_map(|row| {
                options.iter().map(move |option| {
                    let mut combined = row.clone();
                    combined.extend_from_slice(option);
                    combined
                })
            })
            .collect();
    }
    Ok(rows)
}
