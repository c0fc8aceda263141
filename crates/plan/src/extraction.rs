//! The selected columns of a records query and its [`ExtractionPlan`]: how rows become
//! nested records, by column position only.
//!
//! Rules:
//! - `fields` keeps, on each node it names, only the named fields plus the primary key; a
//!   node it does not name keeps every field. `exclude_fields` then removes fields from
//!   the node each path names, never from another node of the same model; a primary key
//!   cannot be removed. Both may only name fields of loaded nodes.
//! - A many-to-many node also selects its through model's own fields (not its keys or
//!   primary key), so children carry their through row (`weight`); so does the root of
//!   a many-to-many related set ([`RelatedSet`]), its owner's through row.
//! - Selected columns are positional: node by node in alias order, each model's fields in
//!   definition order, through fields after the node's own.
//! - A query of several statements ([`StatementPlan`]s) describes each statement's rows
//!   ([`StatementRows`]): the positions of the records it reads and of the keys of its
//!   start's ancestors.
//!
//! Invariants: every loaded node is a plan node, its parent before it; every position
//! belongs to one column; every column is read in full by exactly one statement, and a
//! statement's columns are in position order.

use std::sync::Arc;

use relq_graph::{Field, FieldId, RelationGraph, RelationId};
use serde::{Deserialize, Serialize};
use smallvec::{SmallVec, smallvec};

use crate::error::{PlanError, PlanErrorKind, QueryPart};
use crate::join::{JoinTree, NodeId};
use crate::query::Query;
use crate::related_set::RelatedSet;
use crate::resolve::{PathKind, QueryPaths};
use crate::statements::StatementPlan;
use crate::value::ValueKind;

/// How many records a plan node holds per parent record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cardinality {
    /// The root: one record per result.
    Root,
    /// At most one (a forward foreign key): `null` or a record.
    One,
    /// A list (reverse foreign key, many-to-many): possibly empty.
    Many,
}

/// One selected column: which node, which field, and whether the field belongs to the
/// node's through model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectColumn {
    /// The join-tree node.
    pub node: NodeId,
    /// The field (of the node's model, or of its through model).
    pub field: FieldId,
    /// Whether the field is read from the node's through model.
    pub through: bool,
}

/// How to rebuild nested records from result rows, by column position only: no column
/// names are read. Serialisable so an ORM in another language can rebuild without relq.
///
/// Nodes are in join-tree (alias) order; a node's parent comes before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractionPlan {
    /// The nodes; `nodes[0]` is the root.
    pub nodes: Vec<ExtractionNode>,
    /// How many columns a row has.
    pub width: usize,
    /// For a query of several statements (the split strategy), each statement's rows, in
    /// the order the statements run; empty when one statement's rows are as wide as the
    /// plan. When the SQL layer delivers the lists of statements `1..` as JSON columns of
    /// statement 0's rows (the json strategy), their layout is
    /// [`lists_below`](Self::lists_below)'s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<StatementRows>,
}

/// One node of an [`ExtractionPlan`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractionNode {
    /// The relation path from the root (`students__category`; `""` for the root).
    pub path: String,
    /// The node's model.
    pub model: Arc<str>,
    /// The relation from the parent (its name on the parent's model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Arc<str>>,
    /// The parent's index in `nodes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    /// Records per parent record.
    pub cardinality: Cardinality,
    /// The row position of the primary key (NULL there: no record).
    pub pk: usize,
    /// Every selected field of the model, with its row position, in definition order.
    pub columns: Vec<ExtractionColumn>,
    /// For a many-to-many node whose through model has fields of its own, and for the
    /// root of such a many-to-many related set: that model's name and its selected
    /// fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through: Option<ExtractionThrough>,
}

/// A field and its row position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractionColumn {
    /// The field's name.
    pub field: Arc<str>,
    /// Its position in the row (0-based).
    pub position: usize,
    /// The kind of value it holds (a rebuild rejects any other).
    pub kind: ValueKind,
}

/// The through row a many-to-many child carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractionThrough {
    /// The through model's name (the key the fields go under).
    pub model: Arc<str>,
    /// Its selected fields.
    pub columns: Vec<ExtractionColumn>,
}

/// The rows of one statement of a query with several: which plan positions its columns
/// fill, whose records it reads and whose keys it carries. Rows are rebuilt as if they
/// were as wide as the plan, NULL at every other position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRows {
    /// The plan position of each of the statement's columns, in its select order
    /// (ascending).
    pub columns: Vec<usize>,
    /// The plan nodes (indices into `nodes`) whose records the statement reads in full.
    pub nodes: Vec<usize>,
    /// The plan nodes of which it reads only the primary key, to find the record an
    /// earlier statement read (the ancestors of its first node, root first).
    pub keys: Vec<usize>,
}

impl ExtractionPlan {
    /// The plan of a query that returns no records: no node, width 0.
    pub(crate) fn empty() -> Self {
        Self {
            nodes: Vec::new(),
            width: 0,
            statements: Vec::new(),
        }
    }

    /// The layout of lists delivered as JSON: the statements whose lists hang in the
    /// records of statement `k`, those whose last key (their list's parent) is a node `k`
    /// reads, in statement order (for `k = 0`: the root row's lists).
    ///
    /// A list (the records of statement `c`, each the parent record's key positions left
    /// out) is a JSON array with one array per record: the statement's columns but its
    /// `keys`' primary keys, in position order ([`own_positions`](Self::own_positions)),
    /// then one list per statement of `lists_below(c)`, each a JSON array or a string
    /// holding one. A value is JSON `null` or a string, read by its column's kind:
    /// integers and floats as decimal text, booleans `true` / `false` / `1` / `0`, bytes
    /// as hexadecimal digits (after an optional `\x`), the rest as the text the other
    /// strategies read. A rebuild reads the lists as if they were the rows of statements
    /// `1..`, in statement order, after every row of statement 0.
    pub fn lists_below(&self, k: usize) -> Vec<usize> {
        let Some(nodes) = self.statements.get(k).map(|s| &s.nodes) else {
            return Vec::new();
        };
        (1..self.statements.len())
            .filter(|&c| {
                self.statements[c]
                    .keys
                    .last()
                    .is_some_and(|parent| nodes.contains(parent))
            })
            .collect()
    }

    /// The plan positions statement `k`'s records carry themselves in the JSON lists'
    /// layout: its columns but its keys' primary keys (the parent records' keys, known
    /// from the enclosing rows), in position order.
    pub fn own_positions(&self, k: usize) -> Vec<usize> {
        let Some(rows) = self.statements.get(k) else {
            return Vec::new();
        };
        let keys: Vec<usize> = rows
            .keys
            .iter()
            .filter_map(|&n| self.nodes.get(n).map(|n| n.pk))
            .collect();
        rows.columns
            .iter()
            .copied()
            .filter(|p| !keys.contains(p))
            .collect()
    }
}

/// The selected columns of a records query over `tree` and its extraction plan, with the
/// rows of each of `statements` when there are several: `fields` and `exclude_fields`
/// applied to the loaded nodes.
///
/// # Errors
/// A `fields` or `exclude_fields` path that does not resolve to a field, names a field
/// of a relation that is not loaded, or excludes a primary key.
pub(crate) fn extraction(
    paths: &QueryPaths<'_>,
    tree: &JoinTree,
    query: &Query,
    owner: Option<&RelatedSet>,
    statements: &[StatementPlan],
) -> Result<(Vec<SelectColumn>, ExtractionPlan), PlanError> {
    let graph = paths.graph;
    // Field choices per node: `Some(list)` keeps only the listed fields (plus the pk).
    let mut kept: SmallVec<[Option<Vec<FieldId>>; 16]> = smallvec![None; tree.nodes().len()];
    // Exclusions per node, like `kept`: a model loaded at two nodes (Category under
    // teachers and under students, a self-reference) loses the field at the named one only.
    let mut excluded: Vec<(NodeId, FieldId)> = Vec::new();
    for (part, texts) in [
        (QueryPart::Fields, &query.fields),
        (QueryPart::ExcludeFields, &query.exclude_fields),
    ] {
        for text in texts {
            let (_, path) = paths.resolve(part, text, PathKind::Field)?;
            let node = tree
                .node_at(path.hops())
                .filter(|&n| tree.node(n).is_loaded());
            let (Some(node), Some(field)) = (node, path.field()) else {
                return Err(PlanError::new(PlanErrorKind::RelationNotLoaded {
                    part,
                    path: text.clone(),
                    relation: relation_path(graph, path.hops()),
                }));
            };
            if part == QueryPart::Fields {
                kept[node.index()].get_or_insert_with(Vec::new).push(field);
            } else if graph.field(field).is_primary_key() {
                return Err(PlanError::new(PlanErrorKind::ExcludedPrimaryKey {
                    path: text.clone(),
                }));
            } else {
                excluded.push((node, field));
            }
        }
    }

    let mut columns = Vec::with_capacity(
        tree.nodes()
            .iter()
            .filter(|n| n.is_loaded())
            .map(|n| graph.model(n.model()).fields().len())
            .sum(),
    );
    let mut nodes: Vec<ExtractionNode> = Vec::with_capacity(tree.nodes().len());
    // A loaded node's ancestors are loaded (a path loads every node on it), so a loaded
    // node's parent always has a plan index.
    let mut plan_index: SmallVec<[Option<usize>; 16]> = smallvec![None; tree.nodes().len()];
    for (i, node) in tree.nodes().iter().enumerate() {
        if !node.is_loaded() {
            continue;
        }
        plan_index[i] = Some(nodes.len());
        let id = NodeId::from_index(i);
        let model = graph.model(node.model());
        let selected = |f: &Field<'_>| {
            (f.is_primary_key() || kept[i].as_ref().is_none_or(|k| k.contains(&f.id())))
                && !excluded.contains(&(id, f.id()))
        };
        let mut node_columns = Vec::with_capacity(model.fields().len());
        let mut pk = 0;
        for f in model.fields().filter(selected) {
            if f.is_primary_key() {
                pk = columns.len();
            }
            node_columns.push(ExtractionColumn {
                field: f.shared_name(),
                position: columns.len(),
                kind: ValueKind::of(f.ty()),
            });
            columns.push(SelectColumn {
                node: id,
                field: f.id(),
                through: false,
            });
        }
        let relation = node.relation().map(|r| graph.relation(r));
        // The root of a related set crosses its owner's relation.
        let crossed = relation.or_else(|| owner.map(|o| graph.relation(o.relation)));
        let through = crossed.and_then(|r| r.through()).and_then(|t| {
            let through_model = graph.model(t.model);
            let own: Vec<ExtractionColumn> = through_model
                .fields()
                .filter(|f| {
                    !f.is_primary_key() && f.id() != t.source_field && f.id() != t.target_field
                })
                .map(|f| {
                    columns.push(SelectColumn {
                        node: id,
                        field: f.id(),
                        through: true,
                    });
                    ExtractionColumn {
                        field: f.shared_name(),
                        position: columns.len() - 1,
                        kind: ValueKind::of(f.ty()),
                    }
                })
                .collect();
            (!own.is_empty()).then(|| ExtractionThrough {
                model: through_model.shared_name(),
                columns: own,
            })
        });
        let parent = node.parent().and_then(|p| plan_index[p.index()]);
        let path = match (parent.map(|p| nodes[p].path.as_str()), relation) {
            (Some(""), Some(r)) => r.name().to_owned(),
            (Some(above), Some(r)) => [above, "__", r.name()].concat(),
            _ => String::new(),
        };
        nodes.push(ExtractionNode {
            path,
            model: model.shared_name(),
            relation: relation.map(|r| r.shared_name()),
            parent,
            cardinality: match relation {
                None => Cardinality::Root,
                Some(r) if r.is_to_many() => Cardinality::Many,
                Some(_) => Cardinality::One,
            },
            pk,
            columns: node_columns,
            through,
        });
    }

    let index = |n: NodeId| plan_index.get(n.index()).copied().flatten();
    let statements = if statements.len() > 1 {
        statements
            .iter()
            .map(|s| statement_rows(tree, &columns, &nodes, s, index))
            .collect()
    } else {
        Vec::new()
    };
    let width = columns.len();
    Ok((
        columns,
        ExtractionPlan {
            nodes,
            width,
            statements,
        },
    ))
}

/// The rows of `statement` in plan terms: the keys of its start's ancestors (root first),
/// the plan nodes it reads, and their columns' positions.
fn statement_rows(
    tree: &JoinTree,
    columns: &[SelectColumn],
    nodes: &[ExtractionNode],
    statement: &StatementPlan,
    index: impl Fn(NodeId) -> Option<usize>,
) -> StatementRows {
    let parent = tree.node(statement.start()).parent();
    let mut keys: Vec<usize> = std::iter::successors(parent, |&n| tree.node(n).parent())
        .filter_map(&index)
        .collect();
    keys.reverse();
    let read: Vec<usize> = std::iter::once(statement.start())
        .chain(statement.below().iter().copied())
        .filter_map(&index)
        .collect();
    let own = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| statement.reads(c.node))
        .map(|(position, _)| position);
    let mut positions: Vec<usize> = keys
        .iter()
        .filter_map(|&k| nodes.get(k).map(|n| n.pk))
        .chain(own)
        .collect();
    positions.sort_unstable();
    StatementRows {
        columns: positions,
        nodes: read,
        keys,
    }
}

/// `students__category` for these hops.
fn relation_path(graph: &RelationGraph, hops: &[RelationId]) -> String {
    hops.iter()
        .map(|&h| graph.relation(h).name())
        .collect::<Vec<_>>()
        .join("__")
}
