//! The owner of a related set, as a query gives it ([`Owner`]): one record of a model,
//! by its primary key, and a to-many relation named on that model. Checked against the
//! graph when the query is planned (`related_set.rs`).
//!
//! Invariant: like the rest of the query IR, no dialect and no SQL; the same owner
//! serialises to the same JSON.

use serde::{Deserialize, Serialize};

/// The owner of a related set (ormar's QuerysetProxy, Django's related manager): one
/// record, by its primary key, and a to-many relation named on its model. A query with
/// an owner reads the records that relation reaches from that record, as roots; every
/// other part of the query (strategy, terminal, filter, ordering, slice) applies to them
/// as to any roots. Many-to-many roots carry their through row, as a nested
/// many-to-many child does.
///
/// The relation is named on the owner's model (`News.posts`), so a reverse side hidden
/// from loading (`skip_reverse`) still names a set. It must be to-many (a reverse
/// foreign key or a many-to-many relation, either side, self-references included) and
/// reach the query's model. The key is JSON, typed by the owner's primary key as a
/// filter value is.
///
/// JSON: `{"model": "News", "pk": 1, "relation": "posts"}` (unknown keys rejected).
///
/// ```
/// use relq_plan::{Filter, Owner, Query};
/// let q = Query::new("Post")
///     .owner(Owner::new("News", 1, "posts"))
///     .filter(Filter::new("title__contains", "M2M"));
/// let json = r#"{"model":"Post","filter":[["title__contains","M2M"]],"owner":{"model":"News","pk":1,"relation":"posts"}}"#;
/// assert_eq!(serde_json::to_string(&q).unwrap(), json);
/// assert_eq!(serde_json::from_str::<Query>(json).unwrap(), q);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    /// The owner's model.
    pub model: String,
    /// The owner's primary key, as JSON (typed by the primary key field when planned).
    pub pk: serde_json::Value,
    /// The to-many relation on the owner's model whose records are the roots.
    pub relation: String,
}

impl Owner {
    /// The records `relation` reaches from the `model` record whose primary key is `pk`.
    pub fn new(
        model: impl Into<String>,
        pk: impl Into<serde_json::Value>,
        relation: impl Into<String>,
    ) -> Self {
        Self {
            model: model.into(),
            pk: pk.into(),
            relation: relation.into(),
        }
    }
}
