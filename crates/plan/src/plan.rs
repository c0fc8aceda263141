//! Planning a query: [`plan`] resolves every path, builds the join tree, decides the
//! statements, chooses the selected columns and the ordering, and describes the result
//! rows in an [`ExtractionPlan`]; [`Plan`] holds what it decided.
//!
//! The steps, each in its own module:
//! 1. the root model and its owner (`related_set.rs`), then every path of the query resolved and added to the join tree
//!    in a fixed order (aliases depend on it): `select_related` (`nested.rs`), the flat
//!    columns of `values` / `aggregate` (`output.rs`), the nested lists' orderings, the
//!    query's ordering (`order.rs`), the filter's to-one paths (`filter.rs`; to-many
//!    paths are `EXISTS` subqueries, never joins; in ormar's scope every to-many
//!    relation a filter crosses is loaded);
//! 2. the slice (`output.rs`): limit, offset, `first` / `last` / `get`;
//! 3. the tree built, then the nested lists placed on it, the ordering, the flat
//!    columns and the output;
//! 4. the statements (`statements.rs`) and the extraction plan (`extraction.rs`).
//!
//! Invariant: the plan is dialect-independent and depends only on the graph, the query
//! and the options.

use relq_graph::{ModelId, RelationGraph, suggest};

use crate::error::{PlanError, PlanErrorKind};
use crate::extraction::{ExtractionPlan, SelectColumn, extraction};
use crate::filter::{Condition, plan_filters};
use crate::join::{JoinTree, JoinTreeBuilder, NodeId};
use crate::nested::{NestedList, nested_lists, place, select_related};
use crate::order::{OrderTerm, order_paths, order_terms};
use crate::output::{Output, flat_columns, flat_paths, output, returns_records, slice};
use crate::query::{Compat, Query, Strategy};
use crate::related_set::{RelatedSet, related_set};
use crate::resolve::QueryPaths;
use crate::statements::{ListRoots, Load, Selection, StatementPlan, Statements, statements};

/// A query planned against a graph: what to join, select and order by, which statements
/// read it, and how to read the rows back.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The root model.
    pub root: ModelId,
    /// The join tree.
    pub tree: JoinTree,
    /// The selected columns, in row order.
    pub columns: Vec<SelectColumn>,
    /// The user's ordering, most significant first (the root's primary key and the
    /// to-many primary keys that order nested lists are added by the SQL stage).
    pub order: Vec<OrderTerm>,
    /// Which roots are kept: every `filter` call and the negation of every `exclude`
    /// call, with their scope explicit; `None` keeps every root. Its root-level
    /// comparisons read the root and nodes of `tree` (joined to-one relations).
    pub filter: Option<Condition>,
    /// Root records to return.
    pub limit: Option<u64>,
    /// Root records to skip.
    pub offset: Option<u64>,
    /// The scope of `filter`: in ormar's, `filter` is row-level (its to-many paths are
    /// loaded nodes of `tree`, and it also trims their lists).
    pub compat: Compat,
    /// The strategy in effect: the query's, or `joined` in ormar's scope and for outputs
    /// without records (one statement). With `json` the SQL layer may deliver the lists
    /// of statements `1..` as JSON columns of statement 0.
    pub strategy: Strategy,
    /// The nested lists with a filter, ordering or limit of their own, in alias order.
    pub nested: Vec<NestedList>,
    /// The root's primary key, which follows the user's ordering, sorts descending
    /// (`last` flips the whole ordering).
    pub descending_pk: bool,
    /// What the query returns: records (through `extraction`), a count, or flat rows.
    pub output: Output,
    /// How rows become records (no nodes and width 0 when the output is not records).
    pub extraction: ExtractionPlan,
    /// The statements that read the query (decided once, read through
    /// [`statements`](Self::statements)).
    statements: Statements,
    /// The related set the roots are (read through [`owner`](Self::owner)).
    owner: Option<RelatedSet>,
}

impl Plan {
    /// For a query with an owner ([`Query::owner`]): the related set whose records are
    /// the roots. Every SELECT that picks roots from the root table (statement 0, the
    /// root page, a later statement re-selecting the roots) restricts them to it; a
    /// many-to-many set's through table is the root's [`JoinNode::through_alias`]
    /// (`t1`), and its own fields are the root's through columns.
    ///
    /// [`JoinNode::through_alias`]: crate::JoinNode::through_alias
    pub fn owner(&self) -> Option<&RelatedSet> {
        self.owner.as_ref()
    }

    /// The statements that read the query, statement 0 (the roots') first: one unless
    /// to-many nodes are split, then one more per split list, in alias order. When there
    /// are several, the rows of statement `k` are `extraction.statements[k]`.
    pub fn statements(&self) -> &[StatementPlan] {
        &self.statements
    }

    /// How many columns a row of its statement has: the extraction plan's width for
    /// records, 1 for `count` and `exists`, one per flat column.
    pub fn width(&self) -> usize {
        match &self.output {
            Output::Records(_) => self.extraction.width,
            Output::Count | Output::Exists => 1,
            Output::Rows { columns, .. } => columns.len(),
        }
    }

    /// The join-tree node of the extraction plan's node `index` (read through the
    /// selected column of its primary key); `None` for an index outside the plan.
    pub fn tree_node(&self, index: usize) -> Option<NodeId> {
        let node = self.extraction.nodes.get(index)?;
        self.columns.get(node.pk).map(|c| c.node)
    }

    /// How a loaded to-many node's records are read: by a statement of its own, or
    /// joined into its parent's; `None` for the root, to-one nodes and nodes not loaded.
    pub fn load(&self, graph: &RelationGraph, node: NodeId) -> Option<Load> {
        let n = self.tree.nodes().get(node.index())?;
        if !n.is_loaded() || !graph.relation(n.relation()?).is_to_many() {
            return None;
        }
        Some(if self.statements.iter().any(|s| s.start() == node) {
            Load::Split
        } else {
            Load::Joined
        })
    }
}

/// Choices a caller may force instead of relq's rules, to compare them (benchmarks,
/// tests). The default is the rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// How the statements after the root's select their roots; `None`: the rule of
    /// `statements.rs` (bound keys with a filter or a page, else a semi-join).
    pub list_roots: Option<ListRoots>,
}

/// Plans `query` against `graph` by relq's rules ([`plan_with`] with the default
/// options).
///
/// ```
/// use relq_graph::SchemaDef;
/// use relq_plan::{Load, NodeId, Query, plan};
/// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
/// let q = Query::new("SchoolClass").select_related("teachers__category").select_related("students__category");
/// let p = plan(&graph, &q)?;
/// assert_eq!(p.tree.nodes().len(), 5);
/// assert_eq!(p.extraction.nodes[4].path, "students__category");
/// // auto splits the sibling lists: the classes, the teachers, the students.
/// assert_eq!(p.statements().len(), 3);
/// assert_eq!(p.load(&graph, NodeId::from_index(3)), Some(Load::Split));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A [`PlanError`]: an unknown root model; an owner that is not a related set of it
/// (`related_set.rs`); a path that does not parse or resolve
/// (with its part of the query); a filter value of the wrong kind or a lookup that does
/// not apply to its field; a field of a relation that is not loaded; an excluded
/// primary key; a limit, offset or page too large; a nested list's options that are
/// wrong; for the terminals (`output.rs`): a page numbered 0 or of size 0, a page with a
/// limit or offset, `last` of a slice, an aggregate on a field kind it does not apply
/// to, aggregates through different to-many relations, none at all, distinct values
/// ordered by another path.
pub fn plan(graph: &RelationGraph, query: &Query) -> Result<Plan, PlanError> {
    plan_with(graph, query, &PlanOptions::default())
}

/// Plans `query` against `graph`, with `options` forcing some of relq's choices.
///
/// # Errors
/// As [`plan`].
pub fn plan_with(
    graph: &RelationGraph,
    query: &Query,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let root = root_model(graph, query)?;
    let paths = QueryPaths { graph, root };
    let records = returns_records(query.terminal.as_ref());
    let owner = query
        .owner
        .as_ref()
        .map(|o| related_set(graph, root, o))
        .transpose()?;

    let mut builder = JoinTreeBuilder::new(root);
    if owner
        .as_ref()
        .is_some_and(|o| graph.relation(o.relation).through().is_some())
    {
        builder.through_root();
    }
    let entries = if records {
        select_related(&paths, query, &mut builder)?
    } else {
        Vec::new()
    };
    let flat = flat_paths(&paths, query.terminal.as_ref(), &mut builder)?;
    let nested = nested_lists(graph, entries, &mut builder)?;
    let orders = order_paths(&paths, &query.order_by, &mut builder)?;
    let filters = plan_filters(graph, root, &query.filter, &query.exclude, query.compat)?;
    for hops in &filters.root_paths {
        // ormar's scope loads every to-many relation a filter crosses, up to the last.
        let to_many = hops.iter().rposition(|&h| graph.relation(h).is_to_many());
        if let Some(last) = to_many {
            builder.add(&hops[..=last], true);
        }
        builder.add(hops, false);
    }
    let slice = slice(query)?;

    let tree = builder.finish(graph);
    let nested = place(&tree, nested);
    let order = order_terms(graph, &tree, orders, slice.flip);
    let output = output(query, &order, flat_columns(graph, &tree, flat)?, slice.pick)?;
    let strategy = if records && query.compat == Compat::Roots {
        query.strategy
    } else {
        Strategy::Joined
    };
    let selection = Selection {
        // A related set restricts the roots as a filter does.
        filtered: filters.condition.is_some() || owner.is_some(),
        sliced: slice.is_sliced(),
        output: &output,
        list_roots: options.list_roots,
    };
    let statements = statements(graph, &tree, strategy, selection);
    let (columns, extraction) = if records {
        extraction(&paths, &tree, query, owner.as_ref(), &statements)?
    } else {
        (Vec::new(), ExtractionPlan::empty())
    };
    Ok(Plan {
        root,
        tree,
        columns,
        order,
        filter: filters.condition,
        limit: slice.limit,
        offset: slice.offset,
        compat: query.compat,
        strategy,
        nested,
        descending_pk: slice.flip,
        output,
        statements,
        extraction,
        owner,
    })
}

/// The query's root model.
fn root_model(graph: &RelationGraph, query: &Query) -> Result<ModelId, PlanError> {
    let root = graph.model_by_name(&query.model).ok_or_else(|| {
        PlanError::new(PlanErrorKind::UnknownModel {
            name: query.model.clone(),
            suggestion: suggest(&query.model, graph.models().map(|m| m.name())).map(str::to_owned),
        })
    })?;
    Ok(root.id())
}
