//! The write IR: what a caller asks to write, before any checking against the graph.
//!
//! One data shape serves the Rust builder and the serde (JSON) form, as `Query` does for
//! reads. Names stay text here; [`compile_write`](crate::compile_write) checks them and
//! reports the first bad one with the operation's index.
//!
//! Invariant: an operation carries no dialect and no SQL; the same operation serialises
//! to the same JSON, and unknown keys are rejected.

use relq_plan::Filter;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// Field values by field name (`{"name": "Math", "department": 1}`): a foreign key is
/// written by its relation's name with the target's primary key.
pub type Values = Map<String, Json>;

/// One write. A batch is a list of them, run in one transaction.
///
/// JSON form: an object tagged by `op` (unknown keys rejected):
///
/// ```json
/// [
///   {"op": "insert", "model": "Department", "rows": [{"name": "Science"}]},
///   {"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [3, {"name": "Physics"}]},
///   {"op": "remove", "model": "Department", "pk": 1, "relation": "courses", "targets": [3], "keep_reversed": false},
///   {"op": "clear", "model": "Post", "pk": 1, "relation": "categories"},
///   {"op": "create", "model": "Post", "pk": 1, "relation": "categories", "values": {"name": "News"}, "through": {"weight": 2}},
///   {"op": "set", "model": "Post", "pk": 1, "relation": "categories", "targets": [1, 2]},
///   {"op": "set", "model": "Course", "pk": 3, "relation": "department", "target": null},
///   {"op": "update", "model": "Course", "filter": [["department__name", "Science"]], "values": {"completed": true}},
///   {"op": "delete", "model": "Course", "filter": [["completed", true]]},
///   {"op": "get_or_create", "model": "Category", "lookup": {"name": "News"}, "defaults": {"sort": 1}},
///   {"op": "update_or_create", "model": "Category", "lookup": {"name": "News"}, "defaults": {"sort": 2}}
/// ]
/// ```
///
/// A relation operation names its owner by model and primary key (`pk`), and the
/// relation on that model (`Department.courses`, `Post.categories`, either side of a
/// many-to-many, self-references included). `targets` are primary keys of existing
/// records; `add` on a reverse foreign key also takes objects, which are new children
/// (inserted with the key set), and a to-one `set` takes a primary key, a record (an
/// object carrying the primary key) or `null`.
///
/// ```
/// use relq_write::Operation;
/// let op = Operation::add("Department", 1, "courses", [3.into()]);
/// let json = serde_json::to_string(&op).unwrap();
/// assert_eq!(json, r#"{"op":"add","model":"Department","pk":1,"relation":"courses","targets":[3]}"#);
/// assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), op);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Insert rows of one model, each with the fields it gives (the rest: the field's
    /// default, NULL where nullable, or generated: an integer primary key left out);
    /// reports the primary keys in row order.
    Insert {
        /// The model.
        model: String,
        /// The rows.
        rows: Vec<Values>,
    },
    /// Set `values` on every record the filters keep (every record without filters,
    /// Django's `QuerySet.update`); only the named columns change. Filters cross
    /// relations as a query's do.
    Update {
        /// The model.
        model: String,
        /// `filter` calls (all must hold).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        filter: Vec<Filter>,
        /// `exclude` calls (none may hold).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclude: Vec<Filter>,
        /// The new values.
        values: Values,
    },
    /// Delete every record the filters keep (every record without filters).
    Delete {
        /// The model.
        model: String,
        /// `filter` calls (all must hold).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        filter: Vec<Filter>,
        /// `exclude` calls (none may hold).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclude: Vec<Filter>,
    },
    /// Link records to the owner through a to-many relation. Reverse foreign key: a
    /// primary key is an existing child whose key is set to the owner (only that column
    /// changes); an object is a new child, inserted with the key set. Many-to-many: the
    /// links that do not exist yet are inserted, each with the `through` values (a link
    /// is never doubled, Django's rule).
    Add {
        /// The owner's model.
        model: String,
        /// The owner's primary key.
        pk: Json,
        /// The relation on the owner's model.
        relation: String,
        /// The targets.
        targets: Vec<Json>,
        /// The through model's own fields for each new link (many-to-many only).
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        through: Values,
    },
    /// Unlink targets (primary keys) from the owner. Reverse foreign key: with
    /// `keep_reversed` (the default) the children's key is set to NULL, without it the
    /// children are deleted; a child of another owner is an error. Many-to-many: the
    /// links are deleted.
    Remove {
        /// The owner's model.
        model: String,
        /// The owner's primary key.
        pk: Json,
        /// The relation on the owner's model.
        relation: String,
        /// The targets' primary keys.
        targets: Vec<Json>,
        /// Keep the children (NULL their key) rather than delete them.
        #[serde(default = "yes", skip_serializing_if = "is_yes")]
        keep_reversed: bool,
    },
    /// Unlink every target of the owner, loaded or not (as `remove` does each).
    Clear {
        /// The owner's model.
        model: String,
        /// The owner's primary key.
        pk: Json,
        /// The relation on the owner's model.
        relation: String,
        /// Keep the children (NULL their key) rather than delete them.
        #[serde(default = "yes", skip_serializing_if = "is_yes")]
        keep_reversed: bool,
    },
    /// Insert a new target linked to the owner: a child with the key set, or a target
    /// and its link (with the `through` values) together.
    Create {
        /// The owner's model.
        model: String,
        /// The owner's primary key.
        pk: Json,
        /// The relation on the owner's model.
        relation: String,
        /// The new target's values.
        values: Values,
        /// The through model's own fields of the link (many-to-many only).
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        through: Values,
    },
    /// Make the related set exactly `targets` (to-many: Django's `set`, in the fewest
    /// statements), or point a foreign key at `target` (a primary key, a record, or
    /// `null`; only that column changes).
    Set {
        /// The owner's model.
        model: String,
        /// The owner's primary key.
        pk: Json,
        /// The relation on the owner's model.
        relation: String,
        /// The new related set (to-many relations).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        targets: Option<Vec<Json>>,
        /// The new related record (a foreign key); `null` unlinks.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "present")]
        target: Option<Json>,
        /// Keep the children that leave the set (NULL their key) rather than delete them
        /// (reverse foreign key only).
        #[serde(default = "yes", skip_serializing_if = "is_yes")]
        keep_reversed: bool,
        /// The through model's own fields for each new link (many-to-many only).
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        through: Values,
    },
    /// The record whose fields equal `lookup`, or a new one made of `lookup` and
    /// `defaults`; reports its primary key and whether it was created.
    GetOrCreate {
        /// The model.
        model: String,
        /// Field values identifying the record.
        lookup: Values,
        /// Further values of a new record.
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        defaults: Values,
    },
    /// The record whose fields equal `lookup` with `defaults` written to it, or a new
    /// one made of both; reports its primary key and whether it was created.
    UpdateOrCreate {
        /// The model.
        model: String,
        /// Field values identifying the record.
        lookup: Values,
        /// Values written to the record either way.
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        defaults: Values,
    },
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if signature
fn is_yes(b: &bool) -> bool {
    *b
}

/// `target: null` is present (unlink), unlike a missing `target`.
mod present {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value as Json;

    pub(super) fn serialize<S: Serializer>(v: &Option<Json>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Json>, D::Error> {
        Json::deserialize(d).map(Some)
    }
}

impl Operation {
    /// `{"op": "insert"}` of `rows`.
    pub fn insert(model: impl Into<String>, rows: impl IntoIterator<Item = Values>) -> Self {
        Operation::Insert {
            model: model.into(),
            rows: rows.into_iter().collect(),
        }
    }

    /// `{"op": "add"}` without through values.
    pub fn add(
        model: impl Into<String>,
        pk: impl Into<Json>,
        relation: impl Into<String>,
        targets: impl IntoIterator<Item = Json>,
    ) -> Self {
        Operation::Add {
            model: model.into(),
            pk: pk.into(),
            relation: relation.into(),
            targets: targets.into_iter().collect(),
            through: Values::new(),
        }
    }

    /// `{"op": "remove"}`, keeping the children.
    pub fn remove(
        model: impl Into<String>,
        pk: impl Into<Json>,
        relation: impl Into<String>,
        targets: impl IntoIterator<Item = Json>,
    ) -> Self {
        Operation::Remove {
            model: model.into(),
            pk: pk.into(),
            relation: relation.into(),
            targets: targets.into_iter().collect(),
            keep_reversed: true,
        }
    }

    /// `{"op": "clear"}`, keeping the children.
    pub fn clear(
        model: impl Into<String>,
        pk: impl Into<Json>,
        relation: impl Into<String>,
    ) -> Self {
        Operation::Clear {
            model: model.into(),
            pk: pk.into(),
            relation: relation.into(),
            keep_reversed: true,
        }
    }

    /// The operation's name as JSON writes it (`add`, `get_or_create`).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Insert { .. } => "insert",
            Operation::Update { .. } => "update",
            Operation::Delete { .. } => "delete",
            Operation::Add { .. } => "add",
            Operation::Remove { .. } => "remove",
            Operation::Clear { .. } => "clear",
            Operation::Create { .. } => "create",
            Operation::Set { .. } => "set",
            Operation::GetOrCreate { .. } => "get_or_create",
            Operation::UpdateOrCreate { .. } => "update_or_create",
        }
    }

    /// The model the operation names (the owner, for a relation operation).
    pub fn model(&self) -> &str {
        match self {
            Operation::Insert { model, .. }
            | Operation::Update { model, .. }
            | Operation::Delete { model, .. }
            | Operation::Add { model, .. }
            | Operation::Remove { model, .. }
            | Operation::Clear { model, .. }
            | Operation::Create { model, .. }
            | Operation::Set { model, .. }
            | Operation::GetOrCreate { model, .. }
            | Operation::UpdateOrCreate { model, .. } => model,
        }
    }
}

/// Reads a batch: a JSON array of operations, one operation object, or NDJSON (one
/// operation per line, blank lines skipped), as `relq apply` accepts them.
///
/// # Errors
/// The serde message of the first operation that does not read, with its line for NDJSON.
pub fn parse_batch(text: &str) -> Result<Vec<Operation>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return serde_json::from_str(text).map_err(|e| e.to_string());
    }
    let mut ops = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        ops.push(serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?);
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_back_and_unknown_keys_are_rejected() {
        let text = r#"[
          {"op": "insert", "model": "D", "rows": [{"name": "S"}]},
          {"op": "add", "model": "D", "pk": 1, "relation": "c", "targets": [3, {"name": "P"}], "through": {"w": 1}},
          {"op": "remove", "model": "D", "pk": 1, "relation": "c", "targets": [3], "keep_reversed": false},
          {"op": "clear", "model": "D", "pk": 1, "relation": "c"},
          {"op": "create", "model": "D", "pk": 1, "relation": "c", "values": {"name": "N"}},
          {"op": "set", "model": "D", "pk": 1, "relation": "c", "targets": [1, 2]},
          {"op": "set", "model": "C", "pk": 3, "relation": "d", "target": null},
          {"op": "update", "model": "C", "filter": [["d__name", "S"]], "values": {"done": true}},
          {"op": "delete", "model": "C"},
          {"op": "get_or_create", "model": "K", "lookup": {"name": "N"}, "defaults": {"sort": 1}},
          {"op": "update_or_create", "model": "K", "lookup": {"name": "N"}}
        ]"#;
        let ops = parse_batch(text).expect("reads");
        assert_eq!(ops.len(), 11);
        let json = serde_json::to_string(&ops).expect("writes");
        assert_eq!(parse_batch(&json).expect("reads back"), ops);
        let Operation::Set { target, .. } = &ops[6] else {
            panic!("a set")
        };
        assert_eq!(target, &Some(Json::Null));
        let Operation::Set { target, .. } = &ops[5] else {
            panic!("a set")
        };
        assert_eq!(target, &None);
        let ndjson = "{\"op\":\"clear\",\"model\":\"D\",\"pk\":1,\"relation\":\"c\"}\n\n{\"op\":\"delete\",\"model\":\"C\"}\n";
        assert_eq!(parse_batch(ndjson).expect("reads").len(), 2);
        let bad = r#"[{"op": "clear", "model": "D", "pk": 1, "relation": "c", "keep": true}]"#;
        assert!(
            parse_batch(bad)
                .expect_err("refused")
                .contains("unknown field `keep`")
        );
        let bad =
            "{\"op\":\"clear\",\"model\":\"D\",\"pk\":1,\"relation\":\"c\"}\n{\"op\":\"drop\"}";
        assert!(
            parse_batch(bad)
                .expect_err("refused")
                .starts_with("line 2:")
        );
    }
}
