//! `RowError`: everything that can be wrong with an extraction plan, a result row, or a
//! record handed back for JSON or flattening.
//!
//! Invariant: every message says what was wrong and where: the row number (0-based, as a
//! `row N: ` prefix), the column position and its name as `node.field` (the node's path,
//! or the root's model name; through fields as `node.ThroughModel.field`), the node, and
//! what was expected. Messages are lower-case with no trailing period, and never hold more
//! than a short rendering of a value.

use std::fmt;

use relq_plan::{MAX_SEGMENTS, Value, ValueKind};

use crate::json::hex;
use crate::layout::MAX_WIDTH;

/// A plan, row or record that cannot be rebuilt, converted or flattened.
///
/// Match on [`RowError::kind`]; [`RowError::row`] is the 0-based number of the row that
/// failed, for errors about a row. `Display` gives the whole message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    row: Option<usize>,
    kind: Box<RowErrorKind>,
}

impl RowError {
    /// An error about the plan or a record: no row.
    pub(crate) fn new(kind: RowErrorKind) -> Self {
        Self {
            row: None,
            kind: Box::new(kind),
        }
    }

    /// An error about row `row` (0-based).
    pub(crate) fn at_row(row: usize, kind: RowErrorKind) -> Self {
        Self {
            row: Some(row),
            kind: Box::new(kind),
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> &RowErrorKind {
        &self.kind
    }

    /// The 0-based number of the row that failed; `None` when the plan or a record is at
    /// fault.
    pub fn row(&self) -> Option<usize> {
        self.row
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(row) = self.row {
            write!(f, "row {row}: ")?;
        }
        self.kind.fmt(f)
    }
}

impl std::error::Error for RowError {}

/// The rules a plan, a row and a record must keep. `column` names a column as
/// `students__category.name` (the root's columns under its model name: `SchoolClass.id`);
/// `node` names a plan node by its path (the root by its model name).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowErrorKind {
    /// The extraction plan itself is inconsistent (plans may come as JSON from elsewhere).
    #[error("invalid extraction plan: {0}")]
    InvalidPlan(PlanProblem),
    /// A row has more or fewer values than the plan's width.
    #[error("{found} values, the plan expects {expected}")]
    WrongWidth {
        /// The row's width.
        found: usize,
        /// The plan's width.
        expected: usize,
    },
    /// The root's primary key is NULL: every row belongs to a root record.
    #[error(
        "column {position} (`{column}`) is NULL, but it is the root's primary key and every row has a root record"
    )]
    NullRootKey {
        /// The root's primary key position.
        position: usize,
        /// Its column name.
        column: String,
    },
    /// A statement of several (the split strategy) carries the key of a record that no
    /// earlier statement read: its parent cannot be found.
    #[error(
        "column {position} (`{column}`) holds key {key} of `{node}`, which no earlier statement read"
    )]
    UnknownKey {
        /// The key's position in the plan's row.
        position: usize,
        /// Its column name.
        column: String,
        /// The node.
        node: String,
        /// The key, shortened.
        key: String,
    },
    /// Rows were announced for a statement the plan has no rows for.
    #[error("statement {statement} is not one of the plan's {count} statements")]
    UnknownStatement {
        /// The 0-based statement index given.
        statement: usize,
        /// How many statements the plan describes.
        count: usize,
    },
    /// A value is neither NULL nor of the column's kind.
    #[error("column {position} (`{column}`) holds {}, expected {}", found.name(), expected.name())]
    WrongKind {
        /// The column's position.
        position: usize,
        /// Its name.
        column: String,
        /// The kind the value has.
        found: ValueKind,
        /// The kind the plan gives the column.
        expected: ValueKind,
    },
    /// A column holds a value although its node has no record in this row (its primary
    /// key, or an ancestor's, is NULL): an outer join gives NULL for all of them.
    #[error(
        "column {position} (`{column}`) holds a value, but this row has no `{node}` record (its primary key or a parent's is NULL)"
    )]
    ValueWithoutRecord {
        /// The column's position.
        position: usize,
        /// Its name.
        column: String,
        /// The node without a record.
        node: String,
    },
    /// A record seen again (same node, same parent record, same primary key) has a
    /// different value in a column.
    #[error(
        "column {position} (`{column}`) differs from an earlier row of the same `{node}` record (primary key {key})"
    )]
    Conflict {
        /// The column's position.
        position: usize,
        /// Its name.
        column: String,
        /// The node.
        node: String,
        /// The record's primary key, rendered short.
        key: String,
    },
    /// Rows of the same parent record disagree about a relation: a to-one relation names
    /// two different records, or a relation has a record in one row and none in another
    /// (an outer join repeats the same relation on every row of a parent).
    #[error(
        "`{node}` of the `{parent}` record with primary key {parent_key} has {} here, but had {} in an earlier row",
        describe(.here.as_deref()),
        describe(.earlier.as_deref())
    )]
    RelationChanged {
        /// The relation's node.
        node: String,
        /// The parent's node.
        parent: String,
        /// The parent record's primary key, rendered short.
        parent_key: String,
        /// The primary key of a record the relation had in an earlier row; `None`: none.
        earlier: Option<String>,
        /// The primary key of the record in this row; `None`: none.
        here: Option<String>,
    },
    /// A record given to [`to_json`](crate::to_json) or [`flatten`](crate::flatten) does
    /// not have the shape its plan node gives (records made by hand).
    #[error("root record {root}, at `{node}`: {mismatch}")]
    RecordShape {
        /// The index of the root record it is under.
        root: usize,
        /// The node the record was read as.
        node: String,
        /// What differs.
        mismatch: ShapeMismatch,
    },
}

/// `a record (primary key 3)` or `no record`.
fn describe(key: Option<&str>) -> String {
    key.map_or_else(
        || "no record".to_owned(),
        |k| format!("a record (primary key {k})"),
    )
}

/// A key for a message: at most 32 characters or bytes, quoted and escaped as Rust
/// does (`"abc"`, `x'00ff'`, `3`), an ellipsis where it was cut.
pub(crate) fn short(value: &Value) -> String {
    const MAX: usize = 32;
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bytes(b) => {
            let cut = if b.len() > MAX { "…" } else { "" };
            format!("x'{}{cut}'", hex(b.get(..MAX).unwrap_or(b)))
        }
        text => {
            let s = text.as_text().unwrap_or_default();
            let mut text: String = s.chars().take(MAX).collect();
            if text.len() < s.len() {
                text.push('…');
            }
            format!("{text:?}")
        }
    }
}

/// What is inconsistent in an extraction plan.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanProblem {
    /// The plan has no nodes; the root is `nodes[0]`.
    #[error("it has no nodes")]
    NoNodes,
    /// The width is beyond what any database returns.
    #[error(
        "its width {width} exceeds {MAX_WIDTH}, the most columns a result row can have (SQLite's largest SQLITE_MAX_COLUMN)"
    )]
    TooWide {
        /// The plan's width.
        width: usize,
    },
    /// The rows of one statement (`statements[statement]`) break a rule.
    #[error("statement {statement}: {problem}")]
    Statement {
        /// The statement's index in `statements`.
        statement: usize,
        /// What is wrong with its rows.
        problem: StatementProblem,
    },
    /// One node breaks a rule.
    #[error("node {node} (`{name}`): {problem}")]
    Node {
        /// The node's index in `nodes`.
        node: usize,
        /// Its path, or its model's name when the path is empty.
        name: String,
        /// What is wrong with it.
        problem: NodeProblem,
    },
}

/// What is wrong with the rows of one statement of an extraction plan
/// ([`StatementRows`](relq_plan::StatementRows)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementProblem {
    /// A node index outside `nodes`, or a node both read and keyed.
    #[error("node {node} is not a node of the plan, or is both read and keyed")]
    BadNode {
        /// The index given.
        node: usize,
    },
    /// A read node's parent is neither read nor keyed, or a keyed node's parent is not
    /// keyed: the statement's records could not be found a place.
    #[error("the parent of node {node} is not carried by the statement")]
    ParentNotCarried {
        /// The node.
        node: usize,
    },
    /// The columns are not the read nodes' columns and the keyed nodes' keys, each once,
    /// in ascending position order.
    #[error(
        "its columns are not its nodes' columns and keys in ascending order (position {position})"
    )]
    Columns {
        /// The first position that is out of place, missing or not the statement's.
        position: usize,
    },
}

/// What is wrong with one node of an extraction plan.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeProblem {
    /// `nodes[0]` must be the root: no parent, cardinality `root`.
    #[error("the first node must be the root: no parent, cardinality `root`")]
    NotRoot,
    /// Only `nodes[0]` is a root; every other node has a parent and is `one` or `many`.
    #[error("only the first node is the root: it needs a parent and cardinality `one` or `many`")]
    ExtraRoot,
    /// Parents come before their children.
    #[error("its parent {parent} does not come before it")]
    ParentNotBefore {
        /// The parent index given.
        parent: usize,
    },
    /// A non-root node needs its relation's name (the JSON key).
    #[error("it has no relation name")]
    NoRelation,
    /// Deeper than any path relq plans.
    #[error("it is more than {MAX_SEGMENTS} relations deep, the longest path relq accepts")]
    TooDeep,
    /// A column's position is outside the row.
    #[error("column `{field}` is at position {position}, outside the row of {width} columns")]
    PositionOutsideRow {
        /// The field.
        field: String,
        /// The position given.
        position: usize,
        /// The plan's width.
        width: usize,
    },
    /// Two columns share a position.
    #[error("column `{field}` is at position {position}, which `{other}` already takes")]
    PositionTaken {
        /// The field.
        field: String,
        /// The position given.
        position: usize,
        /// The column that has it (`node.field`).
        other: String,
    },
    /// The primary key position is none of the node's own columns.
    #[error("its primary key position {position} is none of its columns")]
    KeyNotAColumn {
        /// The `pk` given.
        position: usize,
    },
    /// Two of a node's JSON keys would be the same: its fields, its relations' names, its
    /// through model's name; or two fields of its through model.
    #[error("`{name}` names two of its fields, relations or through model")]
    DuplicateName {
        /// The name.
        name: String,
    },
}

/// How a record differs from the shape of its plan node.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShapeMismatch {
    /// `fields` has the wrong length.
    #[error("`fields` has length {found}; the plan selects {expected} fields")]
    Fields {
        /// `fields.len()`.
        found: usize,
        /// The node's columns.
        expected: usize,
    },
    /// `through` has the wrong length.
    #[error("`through` has length {found}; the plan selects {expected} through fields")]
    Through {
        /// `through.len()`.
        found: usize,
        /// The node's through columns.
        expected: usize,
    },
    /// `relations` has the wrong length.
    #[error("`relations` has length {found}; the plan loads {expected} relations")]
    Relations {
        /// `relations.len()`.
        found: usize,
        /// The node's child nodes.
        expected: usize,
    },
    /// A relation is `One` where the plan loads a list, or `Many` where it loads one.
    #[error("relation `{relation}` must hold {}", if *many { "a list" } else { "at most one record" })]
    Cardinality {
        /// The relation's name.
        relation: String,
        /// Whether the plan loads a list.
        many: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_messages_are_short_and_escaped() {
        assert_eq!(short(&Value::Int(-3)), "-3");
        assert_eq!(short(&Value::Text("a\"b\n".into())), r#""a\"b\n""#);
        assert_eq!(
            short(&Value::Text("é".repeat(40))),
            format!("\"{}…\"", "é".repeat(32))
        );
        assert_eq!(short(&Value::Bytes(vec![0, 255])), "x'00ff'");
        assert_eq!(
            short(&Value::Bytes(vec![1; 33])),
            format!("x'{}…'", "01".repeat(32))
        );
        assert_eq!(short(&Value::Null), "NULL");
    }
}
