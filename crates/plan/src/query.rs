//! The query IR: what a caller asks for, before any checking against the graph.
//!
//! One data shape serves the Rust builder and the serde (JSON) form, as `SchemaDef` does
//! for schemas. Paths stay text here; compiling a query resolves them and reports the
//! first bad one with its place.
//!
//! Invariant: a query carries no dialect and no SQL; the same query serialises to the
//! same JSON.

use serde::{Deserialize, Serialize};

/// A query rooted at one model.
///
/// JSON form (every key but `model` optional):
///
/// ```json
/// {
///   "model": "SchoolClass",
///   "select_related": ["teachers__category", "students__category"],
///   "fields": ["name", "students__name"],
///   "order_by": ["-name", {"path": "department__name", "nulls": "last"}],
///   "limit": 10,
///   "offset": 20
/// }
/// ```
///
/// ```
/// use relq_plan::{NullsOrder, OrderBy, Query};
/// let q = Query::new("SchoolClass")
///     .select_related("teachers__category")
///     .select_related("students__category")
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
    /// Relation paths to load (`teachers__category`); shared prefixes load once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub select_related: Vec<String>,
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
    /// At most this many root records (never rows: nested lists are never cut).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Skip this many root records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Query {
    /// A query over every record of `model`.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            ..Self::default()
        }
    }

    /// Loads a relation path.
    #[must_use]
    pub fn select_related(mut self, path: impl Into<String>) -> Self {
        self.select_related.push(path.into());
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
}
