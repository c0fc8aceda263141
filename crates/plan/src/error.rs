//! The errors of planning: [`PathError`], a path that does not parse or does not resolve
//! against the graph, and [`PlanError`], a query that breaks a rule (a path error among
//! them, with the part of the query it came from).
//!
//! Invariants: nothing here names a dialect (relq-sql's `CompileError` adds the
//! dialects' limits); every path error carries the byte position in the path text where
//! the problem starts, and resolution errors also the 1-based segment number; messages
//! quote at most the first 80 bytes of a path.

use std::fmt;

use crate::terminal::AggregateFunc;
use crate::value::ValueKind;

/// A path that could not be parsed or resolved.
///
/// One pointer wide, so `Result<_, PathError>` stays small on the success path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError(Box<Inner>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    path: String,
    position: usize,
    segment: Option<usize>,
    kind: PathErrorKind,
}

impl PathError {
    pub(crate) fn new(
        path: &str,
        position: usize,
        segment: Option<usize>,
        kind: PathErrorKind,
    ) -> Self {
        Self(Box::new(Inner {
            path: shown(path),
            position,
            segment,
            kind,
        }))
    }

    /// What was wrong.
    pub fn kind(&self) -> &PathErrorKind {
        &self.0.kind
    }

    /// The byte offset in the path text where the problem starts.
    pub fn position(&self) -> usize {
        self.0.position
    }

    /// The 1-based number of the segment at fault, for resolution errors.
    pub fn segment(&self) -> Option<usize> {
        self.0.segment
    }

    /// The path text as given, cut to its first 80 bytes (then `…`) so an oversized input
    /// is never copied whole.
    pub fn path(&self) -> &str {
        &self.0.path
    }
}

/// At most the first 80 bytes of a path, cut on a character boundary, `…` if cut.
fn shown(path: &str) -> String {
    if path.len() <= 80 {
        return path.to_owned();
    }
    let mut end = 80;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &path[..end])
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "{} (", e.kind)?;
        if let Some(segment) = e.segment {
            write!(f, "segment {segment}, ")?;
        }
        write!(f, "byte {} of `{}`)", e.position, e.path)?;
        match e.kind.hint() {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for PathError {}

/// The rules a path must keep. Parse rules come first, then resolution rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathErrorKind {
    /// The path (or what follows a leading `-`) is empty.
    #[error("empty path")]
    Empty,
    /// The path starts with `__`.
    #[error("path starts with `__`")]
    LeadingSeparator,
    /// The path ends with `__`.
    #[error("path ends with `__`")]
    TrailingSeparator,
    /// `___` cannot tell which side its third underscore belongs to.
    #[error("`___` is ambiguous")]
    TripleUnderscore,
    /// Two separators with nothing between them (`a____b`).
    #[error("empty segment")]
    EmptySegment,
    /// A character that is not an ASCII letter, digit or `_`.
    #[error("invalid character {ch:?}")]
    InvalidChar {
        /// The character.
        ch: char,
        /// Whether it is a leading `-` where no ordering is parsed.
        descending_sign: bool,
    },
    /// A segment starts with a digit or `_`.
    #[error("segment starts with {ch:?}; a segment starts with an ASCII letter")]
    BadSegmentStart {
        /// The character.
        ch: char,
    },
    /// The path is longer than [`MAX_PATH_BYTES`](crate::MAX_PATH_BYTES).
    #[error("path is {len} bytes long; the limit is {}", crate::MAX_PATH_BYTES)]
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// The path has more than [`MAX_SEGMENTS`](crate::MAX_SEGMENTS) segments.
    #[error("path has more than {} segments", crate::MAX_SEGMENTS)]
    TooDeep,
    /// A segment that must be a relation is not one of the model's relations.
    #[error("unknown relation `{name}` on model `{model}`")]
    UnknownRelation {
        /// The model.
        model: String,
        /// The segment.
        name: String,
        /// The closest relation name, if one is close.
        suggestion: Option<String>,
    },
    /// A segment is neither a field nor a relation of the model.
    #[error("unknown field or relation `{name}` on model `{model}`")]
    UnknownField {
        /// The model.
        model: String,
        /// The segment.
        name: String,
        /// The closest field or relation name, if one is close.
        suggestion: Option<String>,
    },
    /// A segment after a field is not a lookup.
    #[error("unknown lookup `{name}` on field `{field}`")]
    UnknownLookup {
        /// The field (`Model.field`).
        field: String,
        /// The segment.
        name: String,
        /// The closest lookup, if one is close.
        suggestion: Option<String>,
    },
    /// A field is followed by a segment that is not a lookup, or by more than one
    /// segment (`name__first__exact`).
    #[error("field `{field}` is not a relation, so `{next}` cannot follow it")]
    FieldNotRelation {
        /// The field (`Model.field`).
        field: String,
        /// The segment after it.
        next: String,
    },
    /// In a filter, a lookup on a relation that does not take it: a to-many relation
    /// takes only `isnull`, a foreign key only `exact in isnull gt gte lt lte ne range` (Django's
    /// related lookups) on its own column.
    #[error("lookup `{lookup}` on relation `{relation}`")]
    LookupOnRelation {
        /// The relation (`Model.relation`).
        relation: String,
        /// The lookup.
        lookup: String,
        /// The target's primary key, to suggest comparing it instead.
        target_pk: String,
    },
    /// A path ends at a to-many relation where a field is required.
    #[error("relation `{relation}` where a field is required")]
    FieldRequired {
        /// The relation (`Model.relation`).
        relation: String,
        /// The target's primary key, to suggest.
        target_pk: String,
    },
    /// A lookup outside a filter (`select_related("students__exact")`,
    /// `order_by("name__icontains")`).
    #[error(
        "lookup `{lookup}` outside a filter; select_related, order_by and fields take no lookup"
    )]
    LookupNotAllowed {
        /// The lookup.
        lookup: String,
    },
    /// A field where a relation is required (`select_related`).
    #[error("`{name}` is a field of model `{model}`, not a relation")]
    RelationRequired {
        /// The model.
        model: String,
        /// The field.
        name: String,
    },
    /// A relation hidden from loading (`skip_reverse`) in a `select_related` path.
    #[error("relation `{relation}` is hidden from loading (skip_reverse); it can only filter")]
    HiddenRelation {
        /// The relation (`Model.relation`).
        relation: String,
    },
}

impl PathErrorKind {
    /// What would be right, where relq can tell.
    fn hint(&self) -> Option<String> {
        match self {
            PathErrorKind::InvalidChar {
                descending_sign: true,
                ..
            } => Some("a leading `-` (descending) is only allowed in order_by".to_owned()),
            PathErrorKind::UnknownRelation {
                suggestion: Some(s),
                ..
            }
            | PathErrorKind::UnknownField {
                suggestion: Some(s),
                ..
            }
            | PathErrorKind::UnknownLookup {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            PathErrorKind::LookupOnRelation {
                relation,
                lookup,
                target_pk,
            } => {
                let name = relation.rsplit('.').next().unwrap_or(relation);
                Some(format!(
                    "compare a field instead, e.g. `{name}__{target_pk}__{lookup}`"
                ))
            }
            PathErrorKind::FieldRequired {
                relation,
                target_pk,
            } => {
                let name = relation.rsplit('.').next().unwrap_or(relation);
                Some(format!("name a field of it, e.g. `{name}__{target_pk}`"))
            }
            _ => None,
        }
    }
}

/// A query that cannot be planned: what the query asks breaks a rule of the schema or of
/// the query language, whatever the dialect (a dialect's limits are relq-sql's
/// `CompileError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(Box<PlanErrorKind>);

impl From<PlanErrorKind> for PlanError {
    fn from(kind: PlanErrorKind) -> Self {
        Self::new(kind)
    }
}

impl PlanError {
    pub(crate) fn new(kind: PlanErrorKind) -> Self {
        Self(Box::new(kind))
    }

    /// What was wrong.
    pub fn kind(&self) -> &PlanErrorKind {
        &self.0
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for PlanError {}

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
    /// `owner` (a related set).
    Owner,
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
            QueryPart::Owner => "owner",
        })
    }
}

/// The rules a query must keep, whatever the dialect.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanErrorKind {
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
    /// A `select_related` entry's filter, ordering or limit is wrong (its paths are
    /// relative to the nested model).
    #[error("in select_related `{path}`: {error}")]
    Nested {
        /// The entry's relation path.
        path: String,
        /// What is wrong, as for a query rooted at the nested model.
        error: PlanError,
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
    /// An owner's relation reaches another model than the query's: a related set's
    /// records are the roots, so the query is rooted at the relation's target.
    #[error(
        "in owner: `{owner}.{relation}` reaches `{target}`, not `{model}`; root the query at `{target}`"
    )]
    OwnerTarget {
        /// The owner's model.
        owner: String,
        /// The relation on it.
        relation: String,
        /// The model the relation reaches.
        target: String,
        /// The query's model.
        model: String,
    },
    /// An owner's relation that reaches at most one record (a forward foreign key): a
    /// related set is the records of a to-many relation.
    #[error(
        "in owner: `{owner}.{relation}` is a to-one relation to `{target}`; a related set needs a reverse foreign key or a many-to-many relation"
    )]
    OwnerToOne {
        /// The owner's model.
        owner: String,
        /// The relation on it.
        relation: String,
        /// The model the relation reaches.
        target: String,
    },
    /// Two `select_related` entries give a filter, ordering or limit for the same path.
    #[error(
        "select_related `{path}` has a filter, order_by or limit in two entries; give them in one"
    )]
    NestedTwice {
        /// The relation path.
        path: String,
    },
}
