//! The rows each statement of a compiled query returns, and how many it returns when no
//! row multiplies two independent lists (the `auto` strategy's promise): computed from
//! the rebuilt records, as one row per leaf path of the statement's chain.

use relq::rows::Related;
use relq::{Compiled, Database, ExtractionPlan, Record};

/// The rows each statement of `compiled` returns on `db`, statement by statement: each
/// prefix of the statements fetched (later statements need the earlier ones' records),
/// statement `k`'s rows the difference between the prefixes ending at `k` and `k - 1`.
pub fn statement_rows(db: &mut Database, compiled: &Compiled<'_>) -> Result<Vec<usize>, String> {
    let mut counts = Vec::new();
    let mut before = 0;
    for end in 1..=compiled.statements.len() {
        let prefix = Compiled {
            statements: compiled.statements[..end].to_vec(),
            ..compiled.clone()
        };
        let rows = db.fetch(&prefix).map_err(|e| e.to_string())?.rows;
        counts.push(rows - before);
        before = rows;
    }
    Ok(counts)
}

/// The rows each of the first `statements` statements of `plan` returns when no row
/// multiplies two lists ([`statement_without_products`]), in statement order: what
/// [`statement_rows`] should find.
pub fn rows_without_products(
    plan: &ExtractionPlan,
    records: &[Record],
    statements: usize,
) -> Vec<usize> {
    (0..statements)
        .map(|k| statement_without_products(plan, records, k))
        .collect()
}

/// The rows statement `index` of `plan` returns when no row multiplies two lists: per
/// record of the node it starts from (every root, or every record of its split node
/// under every parent), one row per leaf path down the to-many relations it reads (one
/// for a record without any), sibling paths added, never multiplied.
fn statement_without_products(plan: &ExtractionPlan, records: &[Record], index: usize) -> usize {
    let Some(statement) = plan.statements.get(index) else {
        // One statement: it reads every node from the roots.
        let every: Vec<usize> = (0..plan.nodes.len()).collect();
        return records.iter().map(|r| paths(plan, &every, 0, r)).sum();
    };
    let start = statement.nodes.first().copied().unwrap_or(0);
    let mut line = vec![start];
    while let Some(parent) = line.last().and_then(|&n| plan.nodes[n].parent) {
        line.push(parent);
    }
    line.reverse();
    let mut at: Vec<&Record> = records.iter().collect();
    for pair in line.windows(2) {
        let relation = child_index(plan, pair[0], pair[1]);
        at = at
            .into_iter()
            .flat_map(|r| match &r.relations[relation] {
                Related::Many(list) => list.iter().collect::<Vec<_>>(),
                Related::One(one) => one.iter().collect(),
            })
            .collect();
    }
    at.iter()
        .map(|r| paths(plan, &statement.nodes, start, r))
        .sum()
}

/// The index of `child` among `parent`'s relations (its child nodes in plan order).
fn child_index(plan: &ExtractionPlan, parent: usize, child: usize) -> usize {
    plan.nodes[..child]
        .iter()
        .filter(|n| n.parent == Some(parent))
        .count()
}

/// The rows `record` (of `node`) spans in a statement reading `read`: at least one; each
/// to-many relation read adds its records' rows, and a to-one record spanning several
/// (a list below it) adds those.
fn paths(plan: &ExtractionPlan, read: &[usize], node: usize, record: &Record) -> usize {
    let mut sum = 0;
    for (child, n) in plan.nodes.iter().enumerate() {
        if n.parent != Some(node) || !read.contains(&child) {
            continue;
        }
        match &record.relations[child_index(plan, node, child)] {
            Related::Many(list) => {
                sum += list
                    .iter()
                    .map(|c| paths(plan, read, child, c))
                    .sum::<usize>();
            }
            Related::One(Some(c)) => {
                let spans = paths(plan, read, child, c);
                if spans > 1 {
                    sum += spans;
                }
            }
            Related::One(None) => {}
        }
    }
    sum.max(1)
}
