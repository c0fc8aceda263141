//! The query IR: what a caller asks for, before any checking against the graph.
//!
//! One data shape serves the Rust builder and the serde (JSON) form, as `SchemaDef` does
//! for schemas. Paths stay text here; compiling a query resolves them and reports the
//! first bad one with its place.
//!
//! Invariant: a query carries no dialect and no SQL; the same query serialises to the
//! same JSON.

use serde::{Deserialize, Serialize};

use crate::owner::Owner;
use crate::terminal::{Page, Terminal};

/// A query rooted at one model.
///
/// JSON form (every key but `model` optional; `filter` and `exclude` hold one [`Filter`]
/// per call):
///
/// ```json
/// {
///   "model": "SchoolClass",
///   "select_related": ["teachers__category", {"path": "students", "filter": [["name__startswith", "A"]],
///                      "order_by": ["-name"], "limit": 3}],
///   "filter": [{"or": [["name__startswith", "1"], ["students__name", "Eve"]]}],
///   "exclude": [["department__name__iexact", "arts"]],
///   "fields": ["name", "students__name"],
///   "order_by": ["-name", {"path": "department__name", "nulls": "last"}],
///   "limit": 10,
///   "offset": 20,
///   "compat": "roots",
///   "strategy": "split"
/// }
/// ```
///
/// `owner` (`{"model": "News", "pk": 1, "relation": "posts"}`, [`Owner`]) roots the query
/// at the records one owner reaches through a to-many relation: a related set (ormar's
/// QuerysetProxy, `news.posts.filter(...)`; Django's related manager).
///
/// `page` (`{"page": 2, "size": 10}`) is another way to give `limit` and `offset`;
/// `terminal` says what the query returns ([`Terminal`]: `"count"`, `"first"`,
/// `{"values": {...}}`...; every root record when absent).
///
/// ```
/// use relq_plan::{Filter, NullsOrder, OrderBy, Query};
/// let q = Query::new("SchoolClass")
///     .select_related("teachers__category")
///     .select_related("students__category")
///     .filter(Filter::or([
///         Filter::new("name__startswith", "1"),
///         Filter::new("students__name", "Eve"),
///     ]))
///     .exclude(Filter::new("department__name__iexact", "arts"))
///     .order_by(OrderBy::new("-name"))
///     .order_by(OrderBy::new("department__name").nulls(NullsOrder::Last))
///     .limit(10);
/// let json = serde_json::to_string(&q).unwrap();
/// assert_eq!(serde_json::from_str::<Query>(&json).unwrap(), q);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// The root model's name.
    pub model: String,
    /// Relation paths to load (`teachers__category`), each optionally with the filter,
    /// ordering and per-parent limit of its nested list ([`Related`]); shared prefixes
    /// load once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub select_related: Vec<Related>,
    /// `filter` calls: a root is kept when every call's condition holds (see [`Filter`]
    /// for the scope of a call across to-many relations, and [`Compat::Ormar`] for
    /// ormar's row-level scope). A filter never loads a relation in the default scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Filter>,
    /// `exclude` calls: a root is kept when no call's condition holds. Across a to-many
    /// relation that is `NOT EXISTS`, so a root without related rows is kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<Filter>,
    /// Field paths to select (`name`, `students__name`); empty means every field. Primary
    /// keys are always selected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Field paths to leave out; primary keys cannot be left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_fields: Vec<String>,
    /// The ordering, most significant first; the root's primary key always follows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_by: Vec<OrderBy>,
    /// At most this many root records (never rows: nested lists are never cut); with the
    /// `values` terminal, rows (Django's `values()[a:b]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Skip this many root records (`values`: rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The scope of `filter` and `exclude` across to-many relations (DESIGN.md,
    /// "Semantics"): relq's own (`roots`, the default) or ormar's row-level one.
    #[serde(default, skip_serializing_if = "Compat::is_roots")]
    pub compat: Compat,
    /// A page of root records (`paginate(page, size)`): sugar for `limit` and `offset`,
    /// which it cannot be combined with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<Page>,
    /// What the query returns; `None`: every root record (`all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<Terminal>,
    /// How loaded to-many relations are read ([`Strategy`]): chosen per relation (`auto`,
    /// the default), in one statement (`joined`), one statement each (`split`), or lists
    /// as JSON in one statement (`json`). The records are the same.
    #[serde(default, skip_serializing_if = "Strategy::is_auto")]
    pub strategy: Strategy,
    /// The owner of a related set: the roots are the records its relation reaches
    /// (`model` must be the relation's target); `None`: every record of `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

impl Query {
    /// A query over every record of `model`.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            ..Self::default()
        }
    }

    /// Loads a relation path: a `&str` / `String`, or a [`Related`] with the filter,
    /// ordering and limit of the nested list.
    #[must_use]
    pub fn select_related(mut self, related: impl Into<Related>) -> Self {
        self.select_related.push(related.into());
        self
    }

    /// Adds a `filter` call: roots must match `condition`. Conditions of one call on the
    /// same to-many path must hold for the same related row; separate calls may be
    /// matched by different rows (Django's rule for `filter()` across multi-valued
    /// relations).
    #[must_use]
    pub fn filter(mut self, condition: Filter) -> Self {
        self.filter.push(condition);
        self
    }

    /// Adds an `exclude` call: roots matching `condition` are left out (Django's
    /// `exclude()`, ormar's `exclude()` on roots).
    #[must_use]
    pub fn exclude(mut self, condition: Filter) -> Self {
        self.exclude.push(condition);
        self
    }

    /// Selects a field path (the others of its model are left out).
    #[must_use]
    pub fn field(mut self, path: impl Into<String>) -> Self {
        self.fields.push(path.into());
        self
    }

    /// Leaves a field path out.
    #[must_use]
    pub fn exclude_field(mut self, path: impl Into<String>) -> Self {
        self.exclude_fields.push(path.into());
        self
    }

    /// Adds an ordering term.
    #[must_use]
    pub fn order_by(mut self, order: OrderBy) -> Self {
        self.order_by.push(order);
        self
    }

    /// Sets the number of root records.
    #[must_use]
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the number of root records to skip.
    #[must_use]
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Asks for page `page` (from 1) of `size` root records: `limit = size`,
    /// `offset = (page - 1) * size`. Page 0 or size 0 is an error when the query is
    /// planned ([`PlanErrorKind::BadPage`](crate::PlanErrorKind::BadPage)).
    #[must_use]
    pub fn paginate(mut self, page: u64, size: u64) -> Self {
        self.page = Some(Page { page, size });
        self
    }

    /// Sets what the query returns (`first`, `count`, `values`...).
    #[must_use]
    pub fn terminal(mut self, terminal: Terminal) -> Self {
        self.terminal = Some(terminal);
        self
    }

    /// Sets the scope of filters across to-many relations.
    #[must_use]
    pub fn compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// Sets how loaded to-many relations are read.
    #[must_use]
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Roots the query at a related set: the records `owner`'s relation reaches.
    #[must_use]
    pub fn owner(mut self, owner: Owner) -> Self {
        self.owner = Some(owner);
        self
    }
}

/// How the records of loaded to-many relations are read (DESIGN.md, "Strategies"). Every
/// strategy returns the same records in the same order.
///
/// JSON: `"auto"` (the default, left out when serialised), `"joined"`, `"split"` or `"json"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Per loaded to-many relation ([`Load`](crate::Load), [`Plan::load`](crate::Plan::load)):
    /// to-one relations join into their parent's statement; a to-many relation joins too
    /// unless a loaded to-many relation that is neither above nor below it would share
    /// that statement (a sibling or a cousin), and then it is split, as are its siblings.
    /// So the to-many relations of one statement form a chain and no statement's rows
    /// multiply two independent lists.
    ///
    /// On the school schema: `teachers` and `students` (siblings) are both split (three
    /// statements: the classes, the teachers, the students); a blog post's `categories`
    /// alone are joined (one statement); a person's `employees__employees` is a chain,
    /// joined (one statement); `students__category` with `teachers__category__students`
    /// splits `students` and `teachers`, and the category's `students` join into the
    /// teachers' statement (a chain below `teachers`).
    /// In ormar's scope and for terminals without records: one statement, as `Joined`.
    #[default]
    Auto,
    /// One statement joining every loaded relation (ormar's): sibling to-many relations
    /// multiply the rows (a class's teachers times its students).
    Joined,
    /// The root statement (the root and its to-one relations), then one statement per
    /// loaded to-many relation, reading its records (with the to-one relations below
    /// them) joined to the roots the root statement picks, with their ancestors' keys:
    /// no row is repeated for a sibling list. Queries in ormar's scope
    /// ([`Compat::Ormar`], whose filter holds on the joined rows) and queries that return
    /// no records (`count`, `values`...) have one statement whatever the strategy.
    /// The statements run one after another: for records from one state of the database
    /// under concurrent writes, run them in one transaction with a snapshot (repeatable
    /// read); otherwise a root written between them may be missed or its children read
    /// without it (an `UnknownKey` rebuild error).
    Split,
    /// One statement: the root statement of `split`, plus per loaded to-many relation of
    /// the root (or of its to-one relations) a column holding its records as a JSON
    /// array built by a correlated subquery (PostgreSQL `json_agg`, MySQL / MariaDB
    /// `JSON_ARRAYAGG`, SQLite `json_group_array`), a to-many relation below it nested
    /// in each record's array; the layout is
    /// [`ExtractionPlan::lists_below`](crate::ExtractionPlan::lists_below)'s. Where the database cannot
    /// order inside the aggregate (MySQL 8, SQLite before 3.44) the query runs as
    /// `split`; ormar's scope and queries without records run as one joined statement.
    Json,
}

impl Strategy {
    fn is_auto(&self) -> bool {
        *self == Strategy::Auto
    }
}

/// The scope of `filter` and `exclude` across to-many relations.
///
/// JSON: `"roots"` (the default, left out when serialised) or `"ormar"`; any other value
/// is a deserialisation error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compat {
    /// relq's scope: filters pick roots. A to-many condition is an `EXISTS`, never
    /// repeats a root, never trims a nested list, and loads nothing; `exclude` is its
    /// negation (a root without related rows is kept).
    #[default]
    Roots,
    /// ormar's row-level scope (ormar 0.26): every relation a filter crosses is joined
    /// in, the to-many ones are loaded (as if `select_related`, up to the last to-many
    /// relation of the path), and the conditions of every call hold on the joined row, so
    /// a nested list keeps only its matching rows and a root without any is dropped.
    /// Negations are SQL's `NOT`: `NOT (NULL)` is not true, so `exclude` drops a root
    /// without related rows (or without a to-one row it compares). `isnull` on a to-many
    /// relation keeps its roots-scope meaning ("has none"). `limit` / `offset` still
    /// count roots: the page holds the roots having a matching joined row.
    Ormar,
}

impl Compat {
    fn is_roots(&self) -> bool {
        *self == Compat::Roots
    }
}

/// A `select_related` path with what its nested list keeps: Prisma's `include: { where,
/// orderBy, take }`, Django's `Prefetch(queryset=)`.
///
/// The filter trims only this nested list (the rows below a removed row go with it) and
/// never drops a parent: a parent whose list becomes empty keeps `[]`. Its paths, and the
/// ordering's, are relative to the nested model; a filter across a further to-many
/// relation is an `EXISTS` correlated to the nested row (the roots scope, whatever the
/// query's [`Compat`]). `order_by` orders the list per parent (before its primary key,
/// which still breaks ties) through fields of the nested model and its to-one relations;
/// `limit` keeps the first N of each parent's list in that order. The options need the
/// path to end in a to-many relation.
///
/// JSON: a string (the path alone), or an object `{"path": "posts", "filter": [..],
/// "order_by": [..], "limit": 3}` (unknown keys rejected).
///
/// ```
/// use relq_plan::{Filter, OrderBy, Query, Related};
/// let q = Query::new("User").select_related(
///     Related::new("posts").filter(Filter::new("published", true)).order_by(OrderBy::new("-id")).limit(3),
/// );
/// let json = r#"{"model":"User","select_related":[{"path":"posts","filter":[["published",true]],"order_by":["-id"],"limit":3}]}"#;
/// assert_eq!(serde_json::to_string(&q).unwrap(), json);
/// assert_eq!(serde_json::from_str::<Query>(json).unwrap(), q);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RelatedRepr", into = "RelatedRepr")]
pub struct Related {
    /// The relation path from the root.
    pub path: String,
    /// `filter` calls on the nested rows (all must hold; see [`Filter`]).
    pub filter: Vec<Filter>,
    /// The nested list's ordering per parent, most significant first.
    pub order_by: Vec<OrderBy>,
    /// At most this many nested records per parent.
    pub limit: Option<u64>,
}

impl Related {
    /// The path alone: the whole nested list.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            ..Self::default()
        }
    }

    /// Adds a `filter` call on the nested rows.
    #[must_use]
    pub fn filter(mut self, condition: Filter) -> Self {
        self.filter.push(condition);
        self
    }

    /// Adds an ordering term of the nested list.
    #[must_use]
    pub fn order_by(mut self, order: OrderBy) -> Self {
        self.order_by.push(order);
        self
    }

    /// Keeps at most `limit` nested records per parent.
    #[must_use]
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Whether the nested list is trimmed or ordered at all.
    pub fn has_options(&self) -> bool {
        !self.filter.is_empty() || !self.order_by.is_empty() || self.limit.is_some()
    }
}

impl From<&str> for Related {
    fn from(path: &str) -> Self {
        Related::new(path)
    }
}

impl From<String> for Related {
    fn from(path: String) -> Self {
        Related::new(path)
    }
}

impl From<&String> for Related {
    fn from(path: &String) -> Self {
        Related::new(path.as_str())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum RelatedRepr {
    Path(String),
    Full(RelatedFull),
}

/// The object form; its own struct so unknown keys are rejected.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelatedFull {
    path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    filter: Vec<Filter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    order_by: Vec<OrderBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<u64>,
}

impl From<RelatedRepr> for Related {
    fn from(r: RelatedRepr) -> Self {
        match r {
            RelatedRepr::Path(path) => Related::new(path),
            RelatedRepr::Full(RelatedFull {
                path,
                filter,
                order_by,
                limit,
            }) => Related {
                path,
                filter,
                order_by,
                limit,
            },
        }
    }
}

impl From<Related> for RelatedRepr {
    fn from(r: Related) -> Self {
        if !r.has_options() {
            return RelatedRepr::Path(r.path);
        }
        RelatedRepr::Full(RelatedFull {
            path: r.path,
            filter: r.filter,
            order_by: r.order_by,
            limit: r.limit,
        })
    }
}

/// A filter expression: conditions `path__lookup = value` combined with AND, OR and NOT
/// to any depth (ormar's `and_` / `or_` / `~`, Django's `Q`).
///
/// A condition's path names a field (or a relation, for `isnull` and a foreign key's own
/// column) and optionally a lookup (`exact` when none: `name`, `name__icontains`,
/// `students__name__in`, `author` = the foreign key column, no join). Its value is
/// JSON, typed by the field it compares with: a string for text, date (`2024-05-01`),
/// time, date-time, UUID and decimal fields (decimals also take integers), a number for
/// integer and float fields, `true` / `false` for booleans and `isnull`, a list of
/// integers 0 to 255 for bytes, a list for `in`, two values `[low, high]` for `range`,
/// `null` with `exact` (is NULL) or `ne` (is not NULL). Anything else is a
/// `PlanErrorKind::FilterValue` naming the path and the expected kind.
///
/// Scope across relations (DESIGN.md, "Filters across relations"): a condition through a
/// to-one relation compares the joined row (a missing row matches nothing); through a
/// to-many relation it keeps a root if some related row matches (`EXISTS`), never
/// duplicating roots or trimming loaded lists. Inside one expression the conditions on
/// the same to-many path that are combined by AND / OR (not through a NOT) must hold
/// for the same related row. A negated condition across a to-many relation means "no
/// related row matches" (`NOT EXISTS`, like Django's `~Q`), and a negated condition on a
/// to-one path or a nullable field is true where the field is NULL or the row is missing
/// (Django's `exclude(author__name="Bob")` keeps posts without an author).
///
/// JSON form: a condition is a two-element list `[path, value]`; groups are objects with
/// one key, `{"and": [..]}`, `{"or": [..]}`, `{"not": ..}`.
///
/// ```
/// use relq_plan::Filter;
/// let f = Filter::and([
///     Filter::new("title__contains", "M2M"),
///     !Filter::new("categories__name__in", ["sql", "orm"]),
/// ]);
/// let json = r#"{"and":[["title__contains","M2M"],{"not":["categories__name__in",["sql","orm"]]}]}"#;
/// assert_eq!(serde_json::to_string(&f).unwrap(), json);
/// assert_eq!(serde_json::from_str::<Filter>(json).unwrap(), f);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FilterRepr", into = "FilterRepr")]
pub enum Filter {
    /// `path__lookup = value`.
    Condition {
        /// The path, with an optional lookup last.
        path: String,
        /// The value, as JSON (typed by the field when the query is planned).
        value: serde_json::Value,
    },
    /// Every part holds (an empty list always holds).
    And(Vec<Filter>),
    /// Some part holds (an empty list never holds).
    Or(Vec<Filter>),
    /// The part does not hold.
    Not(Box<Filter>),
}

impl Filter {
    /// The condition `path = value` (`value` as JSON: `3`, `"Bob"`, `[1, 2]`, `true`).
    pub fn new(path: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        Filter::Condition {
            path: path.into(),
            value: value.into(),
        }
    }

    /// All of `parts` (ormar's `and_`).
    pub fn and(parts: impl IntoIterator<Item = Filter>) -> Self {
        Filter::And(parts.into_iter().collect())
    }

    /// Any of `parts` (ormar's `or_`).
    pub fn or(parts: impl IntoIterator<Item = Filter>) -> Self {
        Filter::Or(parts.into_iter().collect())
    }
}

/// `!filter`: the negation (ormar's `~`).
impl std::ops::Not for Filter {
    type Output = Filter;
    fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum FilterRepr {
    Condition(String, serde_json::Value),
    Group(FilterGroup),
}

/// The object forms; an enum of its own so an unknown key is rejected.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum FilterGroup {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
}

impl From<FilterRepr> for Filter {
    fn from(r: FilterRepr) -> Self {
        match r {
            FilterRepr::Condition(path, value) => Filter::Condition { path, value },
            FilterRepr::Group(FilterGroup::And(parts)) => Filter::And(parts),
            FilterRepr::Group(FilterGroup::Or(parts)) => Filter::Or(parts),
            FilterRepr::Group(FilterGroup::Not(part)) => Filter::Not(part),
        }
    }
}

impl From<Filter> for FilterRepr {
    fn from(f: Filter) -> Self {
        match f {
            Filter::Condition { path, value } => FilterRepr::Condition(path, value),
            Filter::And(parts) => FilterRepr::Group(FilterGroup::And(parts)),
            Filter::Or(parts) => FilterRepr::Group(FilterGroup::Or(parts)),
            Filter::Not(part) => FilterRepr::Group(FilterGroup::Not(part)),
        }
    }
}

/// Where NULLs sort. By default they sort as the smallest value on every dialect: first
/// ascending, last descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullsOrder {
    /// NULLs before every value.
    First,
    /// NULLs after every value.
    Last,
}

/// One ordering term: a field path with an optional leading `-` for descending, and an
/// optional NULL placement.
///
/// In JSON either a string (`"-name"`) or an object (`{"path": "-name", "nulls": "first"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "OrderByRepr", into = "OrderByRepr")]
pub struct OrderBy {
    /// The path, `-` first for descending.
    pub path: String,
    /// NULL placement; `None` means NULLs sort smallest.
    pub nulls: Option<NullsOrder>,
}

impl OrderBy {
    /// Orders by `path` (`-` first for descending), NULLs smallest.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            nulls: None,
        }
    }

    /// Places NULLs first or last.
    #[must_use]
    pub fn nulls(mut self, nulls: NullsOrder) -> Self {
        self.nulls = Some(nulls);
        self
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum OrderByRepr {
    Path(String),
    Full(OrderByFull),
}

/// The object form; its own struct so unknown keys are rejected.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderByFull {
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nulls: Option<NullsOrder>,
}

impl From<OrderByRepr> for OrderBy {
    fn from(r: OrderByRepr) -> Self {
        match r {
            OrderByRepr::Path(path) => OrderBy { path, nulls: None },
            OrderByRepr::Full(OrderByFull { path, nulls }) => OrderBy { path, nulls },
        }
    }
}

impl From<OrderBy> for OrderByRepr {
    fn from(o: OrderBy) -> Self {
        match o.nulls {
            None => OrderByRepr::Path(o.path),
            nulls => OrderByRepr::Full(OrderByFull {
                path: o.path,
                nulls,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_by_reads_a_string_or_an_object_and_rejects_unknown_keys() {
        let q: Query = serde_json::from_str(
            r#"{"model": "Post", "order_by": ["-title", {"path": "id", "nulls": "first"}]}"#,
        )
        .expect("valid");
        assert_eq!(
            q.order_by,
            [
                OrderBy::new("-title"),
                OrderBy::new("id").nulls(NullsOrder::First)
            ]
        );
        let bad = r#"{"model": "Post", "order_by": [{"path": "id", "nuls": "first"}]}"#;
        assert!(serde_json::from_str::<Query>(bad).is_err());
        assert!(serde_json::from_str::<Query>(r#"{"model": "Post", "limt": 3}"#).is_err());
    }

    #[test]
    fn filters_read_conditions_and_groups_and_reject_unknown_shapes() {
        let q: Query = serde_json::from_str(
            r#"{"model": "Post", "filter": [["title", "a"], {"not": {"or": [["id__in", [1, 2]]]}}],
                "exclude": [{"and": []}]}"#,
        )
        .expect("valid");
        assert_eq!(
            q.filter,
            [
                Filter::new("title", "a"),
                !Filter::or([Filter::new("id__in", [1, 2])])
            ]
        );
        assert_eq!(q.exclude, [Filter::and([])]);
        for bad in [
            r#"{"model": "Post", "filter": [{"nand": []}]}"#,
            r#"{"model": "Post", "filter": [["title"]]}"#,
            r#"{"model": "Post", "filter": [["title", 1, 2]]}"#,
            r#"{"model": "Post", "filter": [{"and": [], "or": []}]}"#,
            r#"{"model": "Post", "filters": []}"#,
        ] {
            assert!(serde_json::from_str::<Query>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn select_related_reads_a_string_or_an_object_and_compat_a_known_name() {
        let q: Query = serde_json::from_str(
            r#"{"model": "User", "select_related": ["posts__tags", {"path": "posts", "limit": 2}],
                "compat": "ormar"}"#,
        )
        .expect("valid");
        assert_eq!(
            q.select_related,
            [Related::new("posts__tags"), Related::new("posts").limit(2)]
        );
        assert_eq!(q.compat, Compat::Ormar);
        for bad in [
            r#"{"model": "User", "select_related": [{"path": "posts", "where": []}]}"#,
            r#"{"model": "User", "select_related": [{"filter": []}]}"#,
            r#"{"model": "User", "compat": "django"}"#,
        ] {
            assert!(serde_json::from_str::<Query>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn terminals_and_pages_read_their_json_forms_and_reject_unknown_keys() {
        use crate::terminal::{AggregateFunc, Aggregation, Values};
        let q: Query = serde_json::from_str(
            r#"{"model": "Post", "page": {"page": 2, "size": 10},
                "terminal": {"aggregate": [{"func": "avg", "path": "weight"}]}}"#,
        )
        .expect("valid");
        assert_eq!(
            q,
            Query::new("Post")
                .paginate(2, 10)
                .terminal(Terminal::Aggregate(vec![Aggregation::new(
                    AggregateFunc::Avg,
                    "weight"
                )]))
        );
        let values = Query::new("Post").terminal(Terminal::Values(Values {
            fields: vec!["title".into()],
            distinct: true,
        }));
        let json = serde_json::to_string(&values).expect("serialises");
        assert_eq!(
            json,
            r#"{"model":"Post","terminal":{"values":{"fields":["title"],"distinct":true}}}"#
        );
        assert_eq!(serde_json::from_str::<Query>(&json).ok(), Some(values));
        for (text, terminal) in [
            ("first", Terminal::First),
            ("last", Terminal::Last),
            ("get", Terminal::Get),
            ("get_or_none", Terminal::GetOrNone),
            ("count", Terminal::Count),
            ("exists", Terminal::Exists),
        ] {
            let json = format!(r#"{{"model": "Post", "terminal": "{text}"}}"#);
            let q: Query = serde_json::from_str(&json).expect("valid");
            assert_eq!(q.terminal, Some(terminal));
        }
        for bad in [
            r#"{"model": "Post", "terminal": "all"}"#,
            r#"{"model": "Post", "terminal": {"values": {"fields": [], "distinc": true}}}"#,
            r#"{"model": "Post", "terminal": {"aggregate": [{"func": "median", "path": "id"}]}}"#,
            r#"{"model": "Post", "page": {"page": 1, "size": 2, "of": 3}}"#,
        ] {
            assert!(serde_json::from_str::<Query>(bad).is_err(), "{bad}");
        }
    }
}
