//! Planning a query: resolve every path, build the join tree, choose the selected columns
//! and the ordering, and describe the result rows in an [`ExtractionPlan`].
//!
//! Rules (ormar's and Django's, made deterministic):
//! - `select_related` paths load their nodes; `order_by` paths through relations join
//!   nodes that are not loaded (ormar drops such orderings silently; relq orders), and so
//!   do the to-one paths of root-level filter comparisons (see `filter.rs`: to-many paths
//!   are `EXISTS` subqueries, never joins).
//! - `fields` keeps, on each node it names, only the named fields plus the primary key; a
//!   node it does not name keeps every field. `exclude_fields` then removes fields from
//!   the node each path names, never from another node of the same model; a primary key
//!   cannot be removed. Both may only name fields of loaded nodes.
//! - A many-to-many node also selects its through model's own fields (not its keys or
//!   primary key), so children carry their through row (`weight`).
//! - Selected columns are positional: node by node in alias order, each model's fields in
//!   definition order, through fields after the node's own.
//! - A terminal (`terminal.rs`) may change the limit (`first`: 1, `get`: 2), flip the
//!   ordering (`last`), and replace the records by a count or flat columns, whose paths
//!   are loaded nodes of the tree (`select_related` and `fields` then do not apply).
//!
//! Invariant: the plan is dialect-independent and depends only on the graph and the query.

use std::fmt;
use std::sync::Arc;

use relq_graph::{Field, FieldId, ModelId, RelationGraph, RelationId, suggest};
use serde::{Deserialize, Serialize};
use smallvec::{SmallVec, smallvec};

use crate::error::PathError;
use crate::filter::{Condition, plan_filters};
use crate::join::{Alias, JoinTree, JoinTreeBuilder, NodeId};
use crate::path::ParsedPath;
use crate::query::{Compat, NullsOrder, Query, Related, Strategy};
use crate::resolve::{PathKind, ResolvedPath, resolve};
use crate::split::{Load, SplitRoots, StatementRows, choose_loads, split_roots, split_statements};
use crate::terminal::{
    AggregateFunc, FlatColumn, Output, Pick, Terminal, page_slice, to_many_prefix,
};
use crate::value::ValueKind;

/// A query that cannot be planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError(Box<CompileErrorKind>);

impl From<CompileErrorKind> for CompileError {
    fn from(kind: CompileErrorKind) -> Self {
        Self::new(kind)
    }
}

impl CompileError {
    fn new(kind: CompileErrorKind) -> Self {
        Self(Box::new(kind))
    }

    /// What was wrong.
    pub fn kind(&self) -> &CompileErrorKind {
        &self.0
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for CompileError {}

/// Which part of a query a path came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryPart {
    /// `select_related`.
    SelectRelated,
    /// `filter`.
    Filter,
    /// `exclude`.
    Exclude,
    /// `fields`.
    Fields,
    /// `exclude_fields`.
    ExcludeFields,
    /// `order_by`.
    OrderBy,
    /// `limit`.
    Limit,
    /// `offset`.
    Offset,
    /// `page`.
    Page,
    /// The `values` terminal.
    Values,
    /// The `aggregate` terminal.
    Aggregate,
}

impl fmt::Display for QueryPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QueryPart::SelectRelated => "select_related",
            QueryPart::Filter => "filter",
            QueryPart::Exclude => "exclude",
            QueryPart::Fields => "fields",
            QueryPart::ExcludeFields => "exclude_fields",
            QueryPart::OrderBy => "order_by",
            QueryPart::Limit => "limit",
            QueryPart::Offset => "offset",
            QueryPart::Page => "page",
            QueryPart::Values => "values",
            QueryPart::Aggregate => "aggregate",
        })
    }
}

/// The rules a query must keep.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileErrorKind {
    /// The root model is not in the schema.
    #[error("unknown model `{name}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownModel {
        /// The name given.
        name: String,
        /// The closest model name, if one is close.
        suggestion: Option<String>,
    },
    /// A path of the query does not parse or resolve.
    #[error("in {part}: {error}")]
    Path {
        /// Where the path was given.
        part: QueryPart,
        /// What is wrong with it.
        error: PathError,
    },
    /// `fields` or `exclude_fields` names a field of a relation that is not loaded.
    #[error(
        "in {part}: `{path}` names a field of a relation that is not loaded; add `{relation}` to select_related"
    )]
    RelationNotLoaded {
        /// `fields` or `exclude_fields`.
        part: QueryPart,
        /// The path.
        path: String,
        /// The relation path to load.
        relation: String,
    },
    /// `exclude_fields` names a primary key, which is always selected.
    #[error("in exclude_fields: `{path}` is a primary key, which is always selected")]
    ExcludedPrimaryKey {
        /// The path.
        path: String,
    },
    /// A limit or offset above the largest count every dialect binds (`i64::MAX`).
    #[error(
        "in {part}: {value} is above the largest count a database accepts ({})",
        i64::MAX
    )]
    CountTooLarge {
        /// `limit` or `offset`.
        part: QueryPart,
        /// The count given.
        value: u64,
    },
    /// A page numbered 0 or of size 0 (pages count from 1 and hold at least one root).
    #[error("in page: page {page} of size {size}; pages count from 1 and hold at least one record")]
    BadPage {
        /// The page number given.
        page: u64,
        /// The size given.
        size: u64,
    },
    /// `page` together with `limit` or `offset`: both say which roots to return.
    #[error("in page: a page cannot be combined with limit or offset")]
    PageWithSlice,
    /// `last` on a query with a limit or offset (Django: "cannot reverse a query once a
    /// slice has been taken"): the last of a slice is not the first of the flipped query.
    #[error(
        "last cannot reverse a query with a limit, offset or page; order it the other way and use first"
    )]
    ReverseSlice,
    /// An aggregate that does not apply to the field's kind (`sum` / `avg` take
    /// integers, floats and decimals; `min` / `max` also text, dates and times).
    #[error("in aggregate: `{path}`: {} does not apply to field `{field}`, which holds {} values", func.name(), kind.name())]
    AggregateOnKind {
        /// The function.
        func: AggregateFunc,
        /// The path.
        path: String,
        /// The field (`Model.field`).
        field: String,
        /// The kind of value the field holds.
        kind: ValueKind,
    },
    /// An `aggregate` terminal without an aggregate: a statement selects something.
    #[error("in aggregate: no aggregate given; name at least one, e.g. count of `id`")]
    NoAggregate,
    /// Two aggregates through different to-many relations: in one statement each would
    /// be repeated once per row of the other (the rows multiply), so relq refuses.
    #[error(
        "in aggregate: `{first}` and `{second}` cross different to-many relations, which would count each other's rows; aggregate them in separate queries"
    )]
    AggregatesMultiply {
        /// The first path.
        first: String,
        /// The path crossing other to-many relations.
        second: String,
    },
    /// An ordering of distinct values by a path that is not one of the values: the
    /// repeated rows it would tell apart are gone.
    #[error(
        "in order_by: `{path}` is not one of the distinct values; order distinct values by their own paths"
    )]
    DistinctOrder {
        /// The ordering path.
        path: String,
    },
    /// An aggregate the dialect cannot compute exactly (any but `count` of decimals on
    /// SQLite, which stores them as text: <https://sqlite.org/datatype3.html>).
    #[error("aggregate {} of `{path}` ({} values) is not supported by {dialect}", func.name(), kind.name())]
    UnsupportedAggregate {
        /// The function.
        func: AggregateFunc,
        /// The path.
        path: String,
        /// The kind of value the field holds.
        kind: ValueKind,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A filter value that is not what its lookup takes on its field (values are typed by
    /// the field they compare with; checked before any SQL is made).
    #[error("in {part}: `{path}` takes {expected}; got {found}")]
    FilterValue {
        /// `filter` or `exclude`.
        part: QueryPart,
        /// The condition's path.
        path: String,
        /// What the lookup takes on the field (`an integer`, `a list of a string`).
        expected: String,
        /// The value given, described (`the string "x"`).
        found: String,
    },
    /// A lookup that does not apply to the field's kind of value: text lookups
    /// (`contains`, `iexact`, `regex`...) on anything but text, ordering lookups (`gt`,
    /// `range`...) on booleans and bytes, any lookup but `isnull` on JSON.
    #[error("in {part}: `{path}`: lookup `{lookup}` does not apply to field `{field}`, which holds {} values", kind.name())]
    LookupOnKind {
        /// `filter` or `exclude`.
        part: QueryPart,
        /// The condition's path.
        path: String,
        /// The lookup.
        lookup: &'static str,
        /// The field (`Model.field`).
        field: String,
        /// The kind of value the field holds.
        kind: ValueKind,
    },
    /// A lookup the dialect has no form for (`regex` on SQLite, which has no built-in
    /// `REGEXP` function: <https://sqlite.org/lang_expr.html#regexp>).
    #[error("lookup `{lookup}` (in `{path}`) is not supported by {dialect}")]
    UnsupportedLookup {
        /// The lookup.
        lookup: &'static str,
        /// The condition's path.
        path: String,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A `select_related` entry's filter, ordering or limit is wrong (its paths are
    /// relative to the nested model).
    #[error("in select_related `{path}`: {error}")]
    Nested {
        /// The entry's relation path.
        path: String,
        /// What is wrong, as for a query rooted at the nested model.
        error: CompileError,
    },
    /// A filter, ordering or limit on a `select_related` path whose last relation is a
    /// to-one relation: only a nested list can be trimmed or ordered.
    #[error(
        "in select_related `{path}`: filter, order_by and limit apply to a nested list; `{relation}` is a to-one relation"
    )]
    NestedNotList {
        /// The entry's relation path.
        path: String,
        /// Its last relation.
        relation: String,
    },
    /// A nested list's ordering through a to-many relation of the nested model (a list is
    /// ordered by its own fields and its to-one relations).
    #[error(
        "in select_related `{path}`: order_by `{order}` crosses the to-many relation `{relation}`; a nested list is ordered by fields of its model and its to-one relations"
    )]
    NestedOrderAcrossToMany {
        /// The entry's relation path.
        path: String,
        /// The ordering path.
        order: String,
        /// The to-many relation it crosses.
        relation: String,
    },
    /// Two `select_related` entries give a filter, ordering or limit for the same path.
    #[error(
        "select_related `{path}` has a filter, order_by or limit in two entries; give them in one"
    )]
    NestedTwice {
        /// The relation path.
        path: String,
    },
    /// A feature the dialect (or the server it was read from) does not have.
    #[error("{feature} is not supported by {dialect}")]
    UnsupportedFeature {
        /// The feature, with the SQL it needs.
        feature: &'static str,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A table or column name longer than the dialect allows (PostgreSQL truncates past
    /// 63 bytes, MySQL rejects past 64): relq refuses rather than let two names collide.
    #[error("{what} `{name}` is {len} {unit} long; {dialect} allows at most {limit}")]
    IdentifierTooLong {
        /// `table` or `column`.
        what: &'static str,
        /// The identifier.
        name: String,
        /// Its length, in the dialect's unit.
        len: usize,
        /// `bytes` (PostgreSQL) or `characters` (MySQL).
        unit: &'static str,
        /// The dialect's name.
        dialect: &'static str,
        /// The dialect's limit, in its unit.
        limit: usize,
    },
    /// A split statement's own parameters leave no room in the dialect's parameter limit
    /// for one root key of its bound `IN` list.
    #[error(
        "statement {statement} binds {params} parameters of its own; {dialect} allows at most {limit}, leaving no room for the root keys"
    )]
    TooManyParams {
        /// The statement's index (0: the root statement).
        statement: usize,
        /// Its parameters besides the root keys.
        params: usize,
        /// The dialect's name.
        dialect: &'static str,
        /// The dialect's limit.
        limit: usize,
    },
    /// A statement would join more tables than the dialect allows (MySQL 61, SQLite 64).
    #[error("the statement joins {count} tables; {dialect} allows at most {limit} in one SELECT")]
    TooManyTables {
        /// Tables in the largest SELECT of the statement.
        count: usize,
        /// The dialect's name.
        dialect: &'static str,
        /// The dialect's limit.
        limit: usize,
    },
}

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

/// One ordering term, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTerm {
    /// The relations from the root to the field's model.
    pub hops: Vec<RelationId>,
    /// The joined node holding the field; `None` when the path crosses a to-many relation
    /// that is not loaded (the root is then ordered through a subquery only: joining it
    /// would repeat the root's rows).
    pub node: Option<NodeId>,
    /// The field.
    pub field: FieldId,
    /// Descending.
    pub descending: bool,
    /// NULL placement; `None`: NULLs sort smallest.
    pub nulls: Option<NullsOrder>,
    /// Whether the path crosses a to-many relation (the root is then ordered by the
    /// MIN ascending, MAX descending, of the field).
    pub across_to_many: bool,
}

/// A query planned against a graph: what to join, select and order by, and how to read
/// the rows back.
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
    /// The nested lists with a filter, ordering or limit of their own, in alias order.
    pub nested: Vec<NestedList>,
    /// The root's primary key, which follows the user's ordering, sorts descending
    /// (`last` flips the whole ordering).
    pub descending_pk: bool,
    /// What the query returns: records (through `extraction`), a count, or flat rows.
    pub output: Output,
    /// How rows become records (no nodes and width 0 when the output is not records).
    pub extraction: ExtractionPlan,
    /// The [`Load::Split`] nodes, read by statements of their own after the root's (json:
    /// by subqueries), in alias order (`extraction.statements` has their rows); empty
    /// when the query runs as one statement.
    pub split: Vec<NodeId>,
    /// How the split strategy's statements after the root's select their roots
    /// ([`SplitRoots::SemiJoin`] when `split` is empty).
    pub split_roots: SplitRoots,
}

impl Plan {
    /// How many columns a row of its statement has: the extraction plan's width for
    /// records, 1 for `count` and `exists`, one per flat column.
    pub fn width(&self) -> usize {
        match &self.output {
            Output::Records(_) => self.extraction.width,
            Output::Count | Output::Exists => 1,
            Output::Rows { columns, .. } => columns.len(),
        }
    }

    /// How many columns a row of statement `index` has: its
    /// [`StatementRows`]' columns when the query has several (the split strategy), and
    /// one more per list of the root's records for the json strategy's one statement
    /// ([`ExtractionPlan::json`]), else [`width`](Self::width).
    pub fn statement_width(&self, index: usize) -> usize {
        let lists = if self.extraction.json {
            self.extraction.lists_below(index).len()
        } else {
            0
        };
        self.extraction
            .statements
            .get(index)
            .map_or_else(|| self.width(), |s| s.columns.len() + lists)
    }
}

/// A loaded to-many node's own filter, ordering and per-parent limit
/// ([`Related`](crate::Related)).
#[derive(Clone, Debug, PartialEq)]
pub struct NestedList {
    /// The to-many node.
    pub node: NodeId,
    /// What its rows must satisfy, scoped from the node's model (its comparisons read
    /// the node's row and rows reached from it through to-one relations).
    pub filter: Option<Condition>,
    /// Its ordering per parent, before its primary key; every term's `node` is set (the
    /// node or a to-one node joined below it), `hops` are from the root.
    pub order: Vec<OrderTerm>,
    /// At most this many records per parent record.
    pub limit: Option<u64>,
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
    /// plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<StatementRows>,
    /// The json strategy: the rows of `statements` after the first come as JSON text in
    /// the first statement's rows, which are its columns followed by one JSON column per
    /// list of the root's records. A list (the records of statement `k`, each the
    /// parent record's key positions left out) is a JSON array with one array per record:
    /// the statement's columns but its `keys`' primary keys, in position order, then one
    /// list per statement whose `keys` end with a node statement `k` reads (in statement
    /// order), each a JSON array or a string holding one. A value is JSON `null` or a
    /// string, read by its column's kind: integers and floats as decimal text, booleans
    /// `true` / `false` / `1` / `0`, bytes as hexadecimal digits (after an optional `\x`),
    /// the rest as the text the other strategies read. The rebuild reads the lists as if
    /// they were the rows of statements `1..`, in statement order, after every row of
    /// statement 0.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub json: bool,
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
    /// The alias the node has in the SQL (`"t3"` in JSON).
    pub alias: Alias,
    /// The row position of the primary key (NULL there: no record).
    pub pk: usize,
    /// Every selected field of the model, with its row position, in definition order.
    pub columns: Vec<ExtractionColumn>,
    /// For a many-to-many node whose through model has fields of its own: that model's
    /// name and its selected fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through: Option<ExtractionThrough>,
    /// For a to-many node: whether its records are joined into its parent's statement or
    /// read by a statement of their own ([`JoinNode::load`](crate::JoinNode::load)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<Load>,
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

/// Plans `query` against `graph`.
///
/// ```
/// use relq_graph::SchemaDef;
/// use relq_plan::{Query, plan};
/// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
/// let q = Query::new("SchoolClass").select_related("teachers__category").select_related("students__category");
/// let p = plan(&graph, &q)?;
/// assert_eq!(p.tree.nodes().len(), 5);
/// assert_eq!(p.extraction.nodes[4].path, "students__category");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A [`CompileError`]: an unknown root model; a path that does not parse or resolve
/// (with its part of the query); a filter value of the wrong kind or a lookup that does
/// not apply to its field; a field of a relation that is not loaded; an excluded
/// primary key; a limit, offset or page too large; for the terminals (`terminal.rs`): a
/// page numbered 0 or of size 0, a page with a limit or offset, `last` of a slice, an
/// aggregate on a field kind it does not apply to, aggregates through different to-many
/// relations, none at all, distinct values ordered by another path.
pub fn plan(graph: &RelationGraph, query: &Query) -> Result<Plan, CompileError> {
    let root = graph.model_by_name(&query.model).ok_or_else(|| {
        CompileError::new(CompileErrorKind::UnknownModel {
            name: query.model.clone(),
            suggestion: suggest(&query.model, graph.models().map(|m| m.name())).map(str::to_owned),
        })
    })?;
    let root = root.id();
    let resolve_in = |part, text: &str, kind| {
        let parsed = if part == QueryPart::OrderBy {
            ParsedPath::parse_ordering(text)
        } else {
            ParsedPath::parse(text)
        };
        parsed
            .and_then(|p| Ok((p.is_descending(), resolve(graph, root, &p, kind)?)))
            .map_err(|error| CompileError::new(CompileErrorKind::Path { part, error }))
    };

    let terminal = query.terminal.as_ref();
    let records = matches!(
        terminal,
        None | Some(Terminal::First | Terminal::Last | Terminal::Get | Terminal::GetOrNone)
    );
    let mut builder = JoinTreeBuilder::new(root);
    let mut lists: Vec<(Vec<RelationId>, ModelId, &Related)> = Vec::new();
    if records {
        for related in &query.select_related {
            let text = &related.path;
            let (_, path) = resolve_in(QueryPart::SelectRelated, text, PathKind::Relations)?;
            builder.add(path.hops(), true);
            if !related.has_options() {
                continue;
            }
            if lists.iter().any(|(hops, ..)| hops == path.hops()) {
                return Err(CompileError::new(CompileErrorKind::NestedTwice {
                    path: text.clone(),
                }));
            }
            match path.hops().last().map(|&h| graph.relation(h)) {
                Some(last) if last.is_to_many() => {
                    lists.push((path.hops().to_vec(), last.target().id(), related));
                }
                last => {
                    return Err(CompileError::new(CompileErrorKind::NestedNotList {
                        path: text.clone(),
                        relation: last.map(|r| r.name().to_owned()).unwrap_or_default(),
                    }));
                }
            }
        }
    }
    // The flat columns' paths: (name, path, aggregate).
    let mut flat = Vec::new();
    match terminal {
        Some(Terminal::Values(v)) => {
            // No field named: every field of the root (Django's `values()`).
            let all: Vec<String>;
            let fields = if v.fields.is_empty() {
                all = graph
                    .model(root)
                    .fields()
                    .map(|f| f.name().to_owned())
                    .collect();
                &all
            } else {
                &v.fields
            };
            for text in fields {
                let (_, path) = resolve_in(QueryPart::Values, text, PathKind::Field)?;
                flat.push((text.clone(), path, None));
            }
        }
        Some(Terminal::Aggregate(aggregates)) if aggregates.is_empty() => {
            return Err(CompileError::new(CompileErrorKind::NoAggregate));
        }
        Some(Terminal::Aggregate(aggregates)) => {
            for a in aggregates {
                let (_, path) = resolve_in(QueryPart::Aggregate, &a.path, PathKind::Field)?;
                if let Some((first, first_path, _)) = flat.first() {
                    let prefix = to_many_prefix(graph, first_path.hops());
                    if prefix != to_many_prefix(graph, path.hops()) {
                        return Err(CompileError::new(CompileErrorKind::AggregatesMultiply {
                            first: first.clone(),
                            second: a.path.clone(),
                        }));
                    }
                }
                flat.push((a.path.clone(), path, Some(a.func)));
            }
        }
        _ => {}
    }
    for (_, path, _) in &flat {
        builder.add(path.hops(), true);
    }
    let mut nested = Vec::with_capacity(lists.len());
    for (hops, model, related) in &lists {
        let list = nested_list(graph, hops, *model, related)?;
        for term in &list.order {
            builder.add(&term.hops, false);
        }
        nested.push((hops, list));
    }
    let mut orders = Vec::with_capacity(query.order_by.len());
    for o in &query.order_by {
        let (descending, path) = resolve_in(QueryPart::OrderBy, &o.path, PathKind::Field)?;
        let joined = builder.add_joinable(graph, path.hops());
        orders.push((path, joined, descending, o.nulls));
    }
    let filters = plan_filters(graph, root, &query.filter, &query.exclude, query.compat)?;
    for hops in &filters.root_paths {
        // ormar's scope loads every to-many relation a filter crosses, up to the last.
        let to_many = hops.iter().rposition(|&h| graph.relation(h).is_to_many());
        if let Some(last) = to_many {
            builder.add(&hops[..=last], true);
        }
        builder.add(hops, false);
    }
    let (mut limit, mut offset) = (query.limit, query.offset);
    for (part, count) in [(QueryPart::Limit, limit), (QueryPart::Offset, offset)] {
        if let Some(value) = count.filter(|&v| i64::try_from(v).is_err()) {
            return Err(CompileError::new(CompileErrorKind::CountTooLarge {
                part,
                value,
            }));
        }
    }
    if let Some(page) = query.page {
        if limit.is_some() || offset.is_some() {
            return Err(CompileError::new(CompileErrorKind::PageWithSlice));
        }
        let (l, o) = page_slice(page)?;
        (limit, offset) = (Some(l), Some(o));
    }
    let at_most = |n: u64| Some(limit.map_or(n, |l| l.min(n)));
    let (pick, flip) = match terminal {
        Some(Terminal::First) => {
            limit = at_most(1);
            (Pick::First, false)
        }
        Some(Terminal::Last) => {
            if limit.is_some() || offset.is_some() {
                return Err(CompileError::new(CompileErrorKind::ReverseSlice));
            }
            limit = Some(1);
            (Pick::First, true)
        }
        Some(Terminal::Get) => {
            limit = at_most(2);
            (Pick::One, false)
        }
        Some(Terminal::GetOrNone) => {
            limit = at_most(2);
            (Pick::OneOrNone, false)
        }
        Some(Terminal::Exists) => {
            limit = at_most(1);
            (Pick::All, false)
        }
        _ => (Pick::All, false),
    };
    let mut tree = builder.finish(graph);
    // ormar's scope reads its filter on the joined rows, and a terminal without records
    // reads one statement: every list joined there.
    let strategy = if records && query.compat == Compat::Roots {
        query.strategy
    } else {
        Strategy::Joined
    };
    choose_loads(graph, &mut tree, strategy);
    let mut nested: Vec<NestedList> = nested
        .into_iter()
        .filter_map(|(hops, mut list)| {
            list.node = tree.node_at(hops)?;
            for term in &mut list.order {
                term.node = tree.node_at(&term.hops);
            }
            Some(list)
        })
        .collect();
    nested.sort_by_key(|l| l.node);

    let (columns, mut extraction) = if records {
        record_columns(graph, &tree, query, &resolve_in)?
    } else {
        (
            Vec::new(),
            ExtractionPlan {
                nodes: Vec::new(),
                width: 0,
                statements: Vec::new(),
                json: false,
            },
        )
    };

    // A Field path always ends at a field.
    let order = orders
        .into_iter()
        .filter_map(|(path, joined, descending, nulls)| {
            Some(OrderTerm {
                node: if joined {
                    tree.node_at(path.hops())
                } else {
                    None
                },
                field: path.field()?,
                descending: descending != flip,
                nulls: if flip {
                    nulls.map(|n| match n {
                        NullsOrder::First => NullsOrder::Last,
                        NullsOrder::Last => NullsOrder::First,
                    })
                } else {
                    nulls
                },
                across_to_many: path.hops().iter().any(|&h| graph.relation(h).is_to_many()),
                hops: path.hops().to_vec(),
            })
        })
        .collect::<Vec<_>>();
    debug_assert_eq!(order.len(), query.order_by.len(), "an order term was lost");
    let mut flat_columns = Vec::with_capacity(flat.len());
    for (name, path, aggregate) in flat {
        // Every flat path was added to the tree and ends at a field.
        let (Some(node), Some(field)) = (tree.node_at(path.hops()), path.field()) else {
            continue;
        };
        let f = graph.field(field);
        let kind = ValueKind::of(f.ty());
        let path_text = name.clone();
        let (name, kind) = match aggregate {
            None => (name, kind),
            Some(func) => {
                let result = func.result(kind).ok_or_else(|| {
                    CompileError::new(CompileErrorKind::AggregateOnKind {
                        func,
                        path: name.clone(),
                        field: format!("{}.{}", f.model().name(), f.name()),
                        kind,
                    })
                })?;
                (format!("{name}__{}", func.name()), result)
            }
        };
        flat_columns.push(FlatColumn {
            name,
            path: path_text,
            kind,
            node,
            field,
            aggregate,
        });
    }
    let output = match terminal {
        Some(Terminal::Count) => Output::Count,
        Some(Terminal::Exists) => Output::Exists,
        Some(Terminal::Values(v)) => {
            if v.distinct {
                let selected = |t: &OrderTerm| {
                    flat_columns
                        .iter()
                        .any(|c| Some(c.node) == t.node && c.field == t.field)
                };
                if let Some((o, _)) = query
                    .order_by
                    .iter()
                    .zip(&order)
                    .find(|(_, t)| !selected(t))
                {
                    return Err(CompileError::new(CompileErrorKind::DistinctOrder {
                        path: o.path.clone(),
                    }));
                }
            }
            Output::Rows {
                columns: flat_columns,
                distinct: v.distinct,
            }
        }
        Some(Terminal::Aggregate(_)) => Output::Rows {
            columns: flat_columns,
            distinct: false,
        },
        _ => Output::Records(pick),
    };
    let (split, statements) = split_statements(graph, &tree, &columns, &extraction);
    extraction.json = !statements.is_empty() && strategy == Strategy::Json;
    extraction.statements = statements;
    let split_roots = split_roots(
        &split,
        filters.condition.is_some(),
        limit.is_some() || offset.is_some(),
    );
    Ok(Plan {
        root,
        tree,
        columns,
        order,
        filter: filters.condition,
        limit,
        offset,
        compat: query.compat,
        nested,
        descending_pk: flip,
        output,
        extraction,
        split,
        split_roots,
    })
}

/// Resolves a path of a part of the query: whether it is descending, and the path.
type Resolver<'a> =
    dyn Fn(QueryPart, &str, PathKind) -> Result<(bool, ResolvedPath), CompileError> + 'a;

/// The selected columns of a records query and its extraction plan: `fields` and
/// `exclude_fields` applied to the loaded nodes of `tree`.
fn record_columns(
    graph: &RelationGraph,
    tree: &JoinTree,
    query: &Query,
    resolve_in: &Resolver<'_>,
) -> Result<(Vec<SelectColumn>, ExtractionPlan), CompileError> {
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
            let (_, path) = resolve_in(part, text, PathKind::Field)?;
            let node = tree
                .node_at(path.hops())
                .filter(|&n| tree.node(n).is_loaded());
            let (Some(node), Some(field)) = (node, path.field()) else {
                return Err(CompileError::new(CompileErrorKind::RelationNotLoaded {
                    part,
                    path: text.clone(),
                    relation: relation_path(graph, path.hops()),
                }));
            };
            if part == QueryPart::Fields {
                kept[node.index()].get_or_insert_with(Vec::new).push(field);
            } else if graph.field(field).is_primary_key() {
                return Err(CompileError::new(CompileErrorKind::ExcludedPrimaryKey {
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
        let through = relation.and_then(|r| r.through()).and_then(|t| {
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
            alias: node.alias(),
            pk,
            columns: node_columns,
            through,
            load: node.load(),
        });
    }

    let width = columns.len();
    Ok((
        columns,
        ExtractionPlan {
            nodes,
            width,
            statements: Vec::new(),
            json: false,
        },
    ))
}

/// The filter, ordering and limit of the nested list at `hops` (the last a to-many
/// relation, reaching `model`), planned from its model; the node ids are set once the
/// tree is built.
fn nested_list(
    graph: &RelationGraph,
    hops: &[RelationId],
    model: ModelId,
    related: &Related,
) -> Result<NestedList, CompileError> {
    // Errors as for a query rooted at the nested model, inside one naming the entry.
    let nested = |error| {
        CompileError::new(CompileErrorKind::Nested {
            path: related.path.clone(),
            error,
        })
    };
    let filter = plan_filters(graph, model, &related.filter, &[], Compat::Roots)
        .map_err(nested)?
        .condition;
    let mut order = Vec::with_capacity(related.order_by.len());
    for o in &related.order_by {
        let path = ParsedPath::parse_ordering(&o.path)
            .and_then(|p| {
                Ok((
                    p.is_descending(),
                    resolve(graph, model, &p, PathKind::Field)?,
                ))
            })
            .map_err(|error| {
                nested(CompileError::new(CompileErrorKind::Path {
                    part: QueryPart::OrderBy,
                    error,
                }))
            })?;
        let (descending, path) = path;
        if let Some(&h) = path
            .hops()
            .iter()
            .find(|&&h| graph.relation(h).is_to_many())
        {
            return Err(CompileError::new(
                CompileErrorKind::NestedOrderAcrossToMany {
                    path: related.path.clone(),
                    order: o.path.clone(),
                    relation: graph.relation(h).name().to_owned(),
                },
            ));
        }
        let Some(field) = path.field() else {
            continue;
        };
        order.push(OrderTerm {
            hops: hops.iter().chain(path.hops()).copied().collect(),
            node: None,
            field,
            descending,
            nulls: o.nulls,
            across_to_many: false,
        });
    }
    if let Some(value) = related.limit.filter(|&v| i64::try_from(v).is_err()) {
        return Err(nested(CompileError::new(CompileErrorKind::CountTooLarge {
            part: QueryPart::Limit,
            value,
        })));
    }
    Ok(NestedList {
        node: NodeId::ROOT,
        filter,
        order,
        limit: related.limit,
    })
}

/// `students__category` for these hops.
fn relation_path(graph: &RelationGraph, hops: &[RelationId]) -> String {
    hops.iter()
        .map(|&h| graph.relation(h).name())
        .collect::<Vec<_>>()
        .join("__")
}
