//! Terminal operations in the query IR: what a query returns (Django's `all`, `get`,
//! `first`, `last`, `count`, `exists`, `values`, `aggregate`; ormar's the same names) and
//! pagination.
//!
//! The query carries the operation ([`Terminal`], `None` for `all`) and the page
//! ([`Page`]); planning (`output.rs`) turns them into limits, a flipped ordering and an
//! [`Output`](crate::Output):
//! - `first`: the ordering as given (the root's primary key when none), at most one root;
//!   with a slice, the first root of the slice (Django's `qs[a:b].first()`).
//! - `last`: `first` of the query with every ordering term flipped (`x` ↔ `-x`, NULLs
//!   first ↔ last) and the root's primary key descending (Django's `reverse().first()`);
//!   a sliced query cannot be reversed
//!   ([`PlanErrorKind::ReverseSlice`](crate::PlanErrorKind::ReverseSlice), Django's rule).
//! - `get` / `get_or_none`: at most two roots are read (enough to tell one from several);
//!   zero and several are decided by the executor (`NoMatch`, `MultipleMatches`).
//! - `count` / `exists`: the roots the query's filter keeps, each once (to-many conditions
//!   are `EXISTS`, loaded relations are not joined), within the slice when there is one
//!   (`qs[a:b].count()`); `exists` reads at most one.
//! - `values`: flat rows over field paths, each path's relations joined (a path through a
//!   to-many relation gives a row per related row, like Django's `values()`); `limit` /
//!   `offset` count rows here; `distinct` drops repeated rows.
//! - `aggregate`: one row of `min max sum avg count` over field paths.
//!
//! `select_related`, `fields` and `exclude_fields` shape records; the terminals that
//! return no records (`count`, `exists`, `values`, `aggregate`) ignore them, since they
//! cannot change the answer.

use serde::{Deserialize, Serialize};

use crate::value::ValueKind;

/// What a query returns; `None` in [`Query::terminal`](crate::Query::terminal) is `all`
/// (every root record).
///
/// JSON: `"first"`, `"last"`, `"get"`, `"get_or_none"`, `"count"`, `"exists"`,
/// `{"values": {"fields": ["title", "author__first_name"], "distinct": true}}`,
/// `{"aggregate": [{"func": "sum", "path": "weight"}]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Terminal {
    /// The first root record in the query's order, or none.
    First,
    /// The first root record in the flipped order, or none.
    Last,
    /// The one root record; none or several is an error.
    Get,
    /// The one root record or none; several is an error.
    GetOrNone,
    /// How many root records.
    Count,
    /// Whether there is a root record.
    Exists,
    /// Flat rows over field paths (Django's `values()` / `values_list()`: the same rows,
    /// read as objects or lists).
    Values(Values),
    /// One row of aggregates over field paths.
    Aggregate(Vec<Aggregation>),
}

/// The rows of [`Terminal::Values`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    /// Field paths (`title`, `author__first_name`, `categories__name`), one column each;
    /// empty: every field of the root model, in definition order (Django's `values()`).
    pub fields: Vec<String>,
    /// Drop repeated rows (`SELECT DISTINCT`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub distinct: bool,
}

/// One aggregate: a function over a field path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    /// The function.
    pub func: AggregateFunc,
    /// The field path (`weight`, `posts__categories__name`).
    pub path: String,
}

impl Aggregation {
    /// `func` over `path`.
    pub fn new(func: AggregateFunc, path: impl Into<String>) -> Self {
        Self {
            func,
            path: path.into(),
        }
    }
}

/// An aggregate function over the non-NULL values of a field; over no value, `min`,
/// `max`, `sum` and `avg` are NULL and `count` is 0 (SQL's rule on every dialect).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateFunc {
    /// The smallest value; the field's kind. Integers, floats, decimals, text (by code
    /// point), dates, times, date-times.
    Min,
    /// The largest value; as `Min`.
    Max,
    /// The sum: integers give an integer, floats a float, decimals an exact decimal.
    Sum,
    /// The mean, always a float (double precision) on every dialect, of integers,
    /// floats or decimals: the sum made a double, divided by the count.
    Avg,
    /// How many values are not NULL; an integer. Any field.
    Count,
}

impl AggregateFunc {
    /// `min`, `max`, `sum`, `avg`, `count`.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFunc::Min => "min",
            AggregateFunc::Max => "max",
            AggregateFunc::Sum => "sum",
            AggregateFunc::Avg => "avg",
            AggregateFunc::Count => "count",
        }
    }

    /// The kind of the result over a field of `kind`; `None` when the function does not
    /// apply to it (see each variant).
    pub fn result(self, kind: ValueKind) -> Option<ValueKind> {
        use ValueKind as K;
        let numeric = matches!(kind, K::Int | K::Float | K::Decimal);
        let ordered = numeric || matches!(kind, K::Text | K::Date | K::Time | K::DateTime);
        match self {
            AggregateFunc::Count => Some(K::Int),
            AggregateFunc::Min | AggregateFunc::Max => ordered.then_some(kind),
            AggregateFunc::Sum => numeric.then_some(kind),
            AggregateFunc::Avg => numeric.then_some(K::Float),
        }
    }
}

/// A page of roots (`paginate(page, size)`): `limit = size`, `offset = (page - 1) * size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// The page number, from 1.
    pub page: u64,
    /// Roots per page, at least 1.
    pub size: u64,
}
