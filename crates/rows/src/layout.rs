//! The extraction plan, checked once and laid out for the row loop: per node its parent,
//! its columns (own fields, then through fields) with positions and kinds, its primary
//! key's index among them, its child nodes, and its index among its parent's relations.
//!
//! Invariants, once [`Layout::new`] succeeds: `nodes[0]` is the only root; a parent comes
//! before its children; no node is more than `MAX_SEGMENTS` relations deep (so every
//! walk guided by the plan recurses at most that far); every position is inside the row
//! and belongs to one column only (so flattening never overwrites a value); a node's
//! primary key is one of its own columns; a node's JSON keys are distinct.

use std::collections::HashSet;

use relq_plan::{Cardinality, ExtractionColumn, ExtractionPlan, MAX_SEGMENTS, ValueKind};

use crate::error::{NodeProblem, PlanProblem, RowError, RowErrorKind, StatementProblem};

/// The most columns a plan may have: SQLite's largest `SQLITE_MAX_COLUMN` (32767,
/// <https://www.sqlite.org/limits.html>), above PostgreSQL's 1664 and MySQL's 4096.
pub const MAX_WIDTH: usize = 32_767;

/// A checked plan, laid out for rebuilding.
#[derive(Debug)]
pub(crate) struct Layout<'p> {
    /// The plan, for names in messages and JSON keys.
    pub(crate) plan: &'p ExtractionPlan,
    /// One entry per plan node, same order.
    pub(crate) nodes: Vec<NodeLayout>,
    /// Per statement of the plan's `statements` (none: one statement of full rows), the
    /// role of every node in its rows.
    pub(crate) statements: Vec<Vec<Role>>,
    /// Per row position, the column there: its node and its index in the node's
    /// `columns`; `None` for a position no node reads.
    pub(crate) positions: Vec<Option<(usize, usize)>>,
}

/// What the plan reads at one row position: the one table of kinds by position, made
/// from the checked layout ([`Rebuilder::columns`](crate::Rebuilder::columns)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedColumn {
    /// The kind of value the rebuild expects there; `None` for a position no node reads
    /// (the rebuild's width check rejects such rows).
    pub kind: Option<ValueKind>,
    /// The column's name in messages: `students__category.name`, `SchoolClass.id`.
    pub name: String,
}

/// What a statement's rows hold of one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Its records, in full.
    Read,
    /// Only its primary key: the record an earlier statement read.
    Key,
    /// Nothing.
    Absent,
}

/// One node, laid out.
#[derive(Debug)]
pub(crate) struct NodeLayout {
    /// The parent's index; `None` for the root.
    pub(crate) parent: Option<usize>,
    /// A list per parent record (`Cardinality::Many`).
    pub(crate) many: bool,
    /// The primary key's row position.
    pub(crate) pk: usize,
    /// The primary key's index in `columns`.
    pub(crate) pk_column: usize,
    /// The node's own fields, then its through fields.
    pub(crate) columns: Vec<Column>,
    /// How many of `columns` are own fields.
    pub(crate) fields: usize,
    /// This node's index among its parent's relations (0 for the root).
    pub(crate) relation: usize,
    /// The child nodes, in plan order.
    pub(crate) children: Vec<usize>,
}

/// A column: where it is in the row and what it holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Column {
    /// Row position.
    pub(crate) position: usize,
    /// The kind of its non-NULL values.
    pub(crate) kind: ValueKind,
}

impl<'p> Layout<'p> {
    /// Checks `plan` and lays it out.
    ///
    /// # Errors
    /// [`RowErrorKind::InvalidPlan`] with the first rule broken, nodes in order, rules in
    /// the order of [`NodeProblem`].
    pub(crate) fn new(plan: &'p ExtractionPlan) -> Result<Self, RowError> {
        let invalid = |problem| RowError::new(RowErrorKind::InvalidPlan(problem));
        if plan.nodes.is_empty() {
            return Err(invalid(PlanProblem::NoNodes));
        }
        if plan.width > MAX_WIDTH {
            return Err(invalid(PlanProblem::TooWide { width: plan.width }));
        }
        // Which column holds each position, as (node, index in its columns).
        let mut taken: Vec<Option<(usize, usize)>> = vec![None; plan.width];
        let mut depth: Vec<usize> = Vec::with_capacity(plan.nodes.len());
        // Per node, the JSON keys it has so far (fields, through model, relations).
        let mut names: Vec<HashSet<&str>> = Vec::with_capacity(plan.nodes.len());
        let mut nodes: Vec<NodeLayout> = Vec::with_capacity(plan.nodes.len());
        for (i, n) in plan.nodes.iter().enumerate() {
            let fail = |problem| {
                invalid(PlanProblem::Node {
                    node: i,
                    name: node_name(plan, i),
                    problem,
                })
            };
            let parent = match (i, n.parent, n.cardinality) {
                // A related set's roots may carry their owner's through row.
                (0, None, Cardinality::Root) => None,
                (0, _, _) => return Err(fail(NodeProblem::NotRoot)),
                (_, None, _) | (_, _, Cardinality::Root) => {
                    return Err(fail(NodeProblem::ExtraRoot));
                }
                (_, Some(p), _) if p >= i => {
                    return Err(fail(NodeProblem::ParentNotBefore { parent: p }));
                }
                (_, Some(p), _) => Some(p),
            };
            let d = parent.and_then(|p| depth.get(p)).map_or(0, |d| d + 1);
            if d > MAX_SEGMENTS {
                return Err(fail(NodeProblem::TooDeep));
            }
            depth.push(d);

            let through = n.through.iter().flat_map(|t| &t.columns);
            let mut columns = Vec::with_capacity(n.columns.len());
            for (k, c) in n.columns.iter().chain(through).enumerate() {
                let Some(slot) = taken.get_mut(c.position) else {
                    return Err(fail(NodeProblem::PositionOutsideRow {
                        field: c.field.to_string(),
                        position: c.position,
                        width: plan.width,
                    }));
                };
                if let Some((node, index)) = *slot {
                    return Err(fail(NodeProblem::PositionTaken {
                        field: c.field.to_string(),
                        position: c.position,
                        other: column_name(plan, node, index),
                    }));
                }
                *slot = Some((i, k));
                columns.push(Column {
                    position: c.position,
                    kind: c.kind,
                });
            }
            let Some(pk_column) = n.columns.iter().position(|c| c.position == n.pk) else {
                return Err(fail(NodeProblem::KeyNotAColumn { position: n.pk }));
            };

            let mut own: HashSet<&str> = HashSet::new();
            let own_keys = n.columns.iter().map(|c| &*c.field);
            for name in own_keys.chain(n.through.iter().map(|t| &*t.model)) {
                if !own.insert(name) {
                    return Err(fail(NodeProblem::DuplicateName { name: name.into() }));
                }
            }
            if let Some(t) = &n.through {
                let mut seen = HashSet::new();
                if let Some(c) = t.columns.iter().find(|c| !seen.insert(&*c.field)) {
                    return Err(fail(NodeProblem::DuplicateName {
                        name: c.field.to_string(),
                    }));
                }
            }
            let mut relation = 0;
            if let Some(p) = parent {
                let Some(name) = n.relation.as_deref() else {
                    return Err(fail(NodeProblem::NoRelation));
                };
                if !names.get_mut(p).is_some_and(|set| set.insert(name)) {
                    return Err(fail(NodeProblem::DuplicateName { name: name.into() }));
                }
                if let Some(parent) = nodes.get_mut(p) {
                    relation = parent.children.len();
                    parent.children.push(i);
                }
            }
            names.push(own);
            nodes.push(NodeLayout {
                parent,
                many: n.cardinality == Cardinality::Many,
                pk: n.pk,
                pk_column,
                fields: n.columns.len(),
                columns,
                relation,
                children: Vec::new(),
            });
        }
        let statements = statement_roles(plan, &nodes)?;
        Ok(Self {
            plan,
            nodes,
            statements,
            positions: taken,
        })
    }

    /// One [`ExpectedColumn`] per row position.
    pub(crate) fn columns(&self) -> Vec<ExpectedColumn> {
        self.positions
            .iter()
            .enumerate()
            .map(|(position, at)| match *at {
                Some((node, index)) => ExpectedColumn {
                    kind: self
                        .nodes
                        .get(node)
                        .and_then(|n| n.columns.get(index))
                        .map(|c| c.kind),
                    name: column_name(self.plan, node, index),
                },
                None => ExpectedColumn {
                    kind: None,
                    name: format!("position {position}"),
                },
            })
            .collect()
    }

    /// The plan's row width.
    pub(crate) fn width(&self) -> usize {
        self.plan.width
    }
}

/// The roles of every node in each statement's rows, checked: nodes in the plan, each
/// read or keyed node's parent carried (a keyed node's keyed), the columns exactly the
/// read nodes' and the keys', ascending.
fn statement_roles(
    plan: &ExtractionPlan,
    nodes: &[NodeLayout],
) -> Result<Vec<Vec<Role>>, RowError> {
    let mut all = Vec::with_capacity(plan.statements.len());
    for (statement, rows) in plan.statements.iter().enumerate() {
        let fail = |problem| {
            RowError::new(RowErrorKind::InvalidPlan(PlanProblem::Statement {
                statement,
                problem,
            }))
        };
        let mut roles = vec![Role::Absent; nodes.len()];
        for (list, role) in [(&rows.nodes, Role::Read), (&rows.keys, Role::Key)] {
            for &node in list {
                match roles.get_mut(node) {
                    Some(r @ Role::Absent) => *r = role,
                    _ => return Err(fail(StatementProblem::BadNode { node })),
                }
            }
        }
        let mut expected = Vec::new();
        for (i, (node, role)) in nodes.iter().zip(&roles).enumerate() {
            let parent = node.parent.and_then(|p| roles.get(p).copied());
            match (role, parent) {
                (Role::Absent, _) | (Role::Read, None | Some(Role::Read | Role::Key)) => {}
                (Role::Key, None | Some(Role::Key)) => {}
                _ => return Err(fail(StatementProblem::ParentNotCarried { node: i })),
            }
            match role {
                Role::Read => expected.extend(node.columns.iter().map(|c| c.position)),
                Role::Key => expected.push(node.pk),
                Role::Absent => {}
            }
        }
        expected.sort_unstable();
        if let Some(position) = expected
            .iter()
            .zip(&rows.columns)
            .find(|(e, c)| e != c)
            .map(|(e, c)| *e.min(c))
            .or_else(|| {
                (expected.len() != rows.columns.len()).then(|| {
                    let n = expected.len().min(rows.columns.len());
                    expected
                        .get(n)
                        .or(rows.columns.get(n))
                        .copied()
                        .unwrap_or(0)
                })
            })
        {
            return Err(fail(StatementProblem::Columns { position }));
        }
        all.push(roles);
    }
    Ok(all)
}

/// A node's name in messages: its path, or its model's name for the root (whose path is
/// empty).
pub(crate) fn node_name(plan: &ExtractionPlan, node: usize) -> String {
    match plan.nodes.get(node) {
        Some(n) if n.path.is_empty() => n.model.to_string(),
        Some(n) => n.path.clone(),
        None => format!("node {node}"),
    }
}

/// A column's name in messages: `students__category.name`, `SchoolClass.id`, through
/// fields as `tags.PostTag.weight`. `index` counts own fields, then through fields.
pub(crate) fn column_name(plan: &ExtractionPlan, node: usize, index: usize) -> String {
    let name = node_name(plan, node);
    let Some(n) = plan.nodes.get(node) else {
        return name;
    };
    match n.columns.get(index) {
        Some(c) => format!("{name}.{}", c.field),
        None => {
            let through = n.through.as_ref();
            let field = through
                .and_then(|t| t.columns.get(index - n.columns.len()))
                .map_or("?", |c: &ExtractionColumn| &*c.field);
            format!("{name}.{}.{field}", through.map_or("?", |t| &*t.model))
        }
    }
}
