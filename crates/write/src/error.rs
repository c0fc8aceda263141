//! [`WriteError`]: an operation that breaks a rule, found before any statement is sent.
//!
//! Invariant: every error names the operation (its index in the batch and its name),
//! the model, and the field or relation at fault, with a did-you-mean where a name is
//! unknown; values are described, never copied whole (`the string "x…"`).

use std::fmt;

use relq_sql::CompileError;

/// An operation that cannot be compiled.
#[derive(Debug)]
pub struct WriteError {
    operation: usize,
    name: &'static str,
    kind: Box<WriteErrorKind>,
}

impl WriteError {
    pub(crate) fn new(operation: usize, name: &'static str, kind: WriteErrorKind) -> Self {
        Self {
            operation,
            name,
            kind: Box::new(kind),
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> &WriteErrorKind {
        &self.kind
    }

    /// The operation's index in its batch (0-based).
    pub fn operation(&self) -> usize {
        self.operation
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "operation {} ({}): {}",
            self.operation, self.name, self.kind
        )
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            WriteErrorKind::Filter(e) => Some(e),
            _ => None,
        }
    }
}

fn did_you_mean(suggestion: Option<&String>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
}

/// The kinds of [`WriteError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteErrorKind {
    /// No model has this name.
    #[error("unknown model `{name}`{}", did_you_mean(suggestion.as_ref()))]
    UnknownModel {
        /// The name given.
        name: String,
        /// The closest model name, if one is close.
        suggestion: Option<String>,
    },
    /// The model has no relation of this name.
    #[error("unknown relation `{name}` on `{model}`{}", did_you_mean(suggestion.as_ref()))]
    UnknownRelation {
        /// The model.
        model: String,
        /// The name given.
        name: String,
        /// The closest relation name, if one is close.
        suggestion: Option<String>,
    },
    /// The model has no field of this name (a foreign key is written by its relation's
    /// name).
    #[error("unknown field `{name}` on `{model}`{}", did_you_mean(suggestion.as_ref()))]
    UnknownField {
        /// The model.
        model: String,
        /// The name given.
        name: String,
        /// The closest field name, if one is close.
        suggestion: Option<String>,
    },
    /// A value is not of its field's kind.
    #[error("`{model}.{field}` takes {expected}, not {found}")]
    WrongKind {
        /// The model.
        model: String,
        /// The field.
        field: String,
        /// How a right value is written (`an integer`).
        expected: &'static str,
        /// The value given, described.
        found: String,
    },
    /// NULL for a field that is not nullable.
    #[error("`{model}.{field}` is not nullable")]
    NotNullable {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
    /// A new record leaves out a field that has no default, is not nullable and is not
    /// a generated key.
    #[error("a new `{model}` needs `{field}`: it has no default and is not nullable")]
    MissingValue {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
    /// A record given as a target carries no primary key (ormar stores such a record's
    /// key as NULL silently; relq refuses it).
    #[error(
        "a `{model}` given as a target has no primary key `{pk}`: save it first, or use `create`"
    )]
    NotSaved {
        /// The target's model.
        model: String,
        /// The primary key's name.
        pk: String,
    },
    /// The operation needs the other kind of relation.
    #[error("`{model}.{relation}` is a {kind} relation; {op} needs {needs}")]
    WrongRelation {
        /// The owner's model.
        model: String,
        /// The relation.
        relation: String,
        /// Its kind (`fk`, `reverse fk`, `m2m`, `reverse m2m`).
        kind: &'static str,
        /// The operation.
        op: &'static str,
        /// What it needs (`a to-many relation`).
        needs: &'static str,
    },
    /// A field given that the operation sets itself (the relation's key in `add` and
    /// `create`), or that does not belong in it (`through` values off a many-to-many,
    /// a primary key in `update`).
    #[error("`{model}.{field}` cannot be given here: {why}")]
    NotHere {
        /// The model.
        model: String,
        /// The field.
        field: String,
        /// Why.
        why: &'static str,
    },
    /// `remove`, `clear` or `set` with `keep_reversed` on a foreign key that is not
    /// nullable (Django's rule: only a nullable key has a `remove`).
    #[error(
        "`{child}.{field}` is not nullable, so `{model}.{relation}` cannot keep removed children; give \"keep_reversed\": false to delete them"
    )]
    RequiredForeignKey {
        /// The owner's model.
        model: String,
        /// The relation.
        relation: String,
        /// The child model.
        child: String,
        /// The child's key field.
        field: String,
    },
    /// A target given in a form the operation does not take (an object in `remove`).
    #[error("{op} on `{model}.{relation}` takes {takes}, not {found}")]
    BadTarget {
        /// The operation.
        op: &'static str,
        /// The owner's model.
        model: String,
        /// The relation.
        relation: String,
        /// What it takes.
        takes: &'static str,
        /// The target given, described.
        found: String,
    },
    /// `get_or_create` / `update_or_create` without lookup values.
    #[error("`{op}` on `{model}` needs at least one lookup value")]
    EmptyLookup {
        /// The operation.
        op: &'static str,
        /// The model.
        model: String,
    },
    /// A filter of `update` or `delete` that does not compile.
    #[error("filter: {0}")]
    Filter(#[source] CompileError),
    /// A write built from a read query ([`Operation::update_of`](crate::Operation::update_of)
    /// and its peers) whose query has a part the write cannot carry.
    #[error("the query's {part} cannot be part of this write: {why}")]
    QueryPart {
        /// The part (`slice (limit, offset or page)`, `owner (a related set)`, `filter`).
        part: &'static str,
        /// Why, and what to do instead.
        why: &'static str,
    },
    /// The dialect cannot express the operation.
    #[error("{feature} is not supported by {dialect}")]
    Unsupported {
        /// What was needed.
        feature: &'static str,
        /// The dialect's name.
        dialect: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use relq_graph::{RelationGraph, SchemaDef};
    use relq_sql::Ansi;

    use crate::{Operation, WriteErrorKind, compile_write, parse_batch};

    fn graph() -> RelationGraph {
        SchemaDef::from_toml(
            r#"
            [[models]]
            name = "Department"
            fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
            [[models]]
            name = "Course"
            fields = [{ name = "id", type = "integer", primary_key = true }, { name = "title", type = "text" }]
            foreign_keys = [{ name = "department", to = "Department", related_name = "courses" },
                            { name = "mentor", to = "Department", related_name = "mentees", skip_reverse = true }]
            "#,
        )
        .and_then(|def| def.build())
        .expect("a valid schema")
    }

    /// The error of the first failing operation of `json`, as text, and its index.
    fn error(json: &str) -> (usize, String) {
        let ops = parse_batch(json).expect("reads");
        let e = compile_write(&graph(), &ops, &Ansi::default()).expect_err("fails");
        (e.operation(), e.to_string())
    }

    #[test]
    fn unknown_names_say_the_operation_and_the_closest_name() {
        let ok = r#"{"op": "delete", "model": "Course"}"#;
        assert_eq!(
            error(&format!(
                r#"[{ok}, {{"op": "insert", "model": "Cours", "rows": []}}]"#
            )),
            (
                1,
                "operation 1 (insert): unknown model `Cours`; did you mean `Course`?".to_owned()
            )
        );
        assert_eq!(
            error(r#"[{"op": "clear", "model": "Department", "pk": 1, "relation": "course"}]"#).1,
            "operation 0 (clear): unknown relation `course` on `Department`; did you mean `courses`?"
        );
        assert_eq!(
            error(r#"[{"op": "update", "model": "Course", "values": {"titel": "x"}}]"#).1,
            "operation 0 (update): unknown field `titel` on `Course`; did you mean `title`?"
        );
        // A foreign key is offered by its relation's name.
        assert_eq!(
            error(r#"[{"op": "update", "model": "Course", "values": {"departmen": 1}}]"#).1,
            "operation 0 (update): unknown field `departmen` on `Course`; did you mean `department`?"
        );
        // Nothing close: no suggestion.
        assert_eq!(
            error(r#"[{"op": "insert", "model": "Zzz", "rows": []}]"#).1,
            "operation 0 (insert): unknown model `Zzz`"
        );
    }

    #[test]
    fn a_hidden_relation_is_neither_written_nor_offered() {
        // `mentor` has no reverse on Department (skip_reverse): its hidden `mentees` is
        // not a name to write through, and not a suggestion.
        let (_, text) =
            error(r#"[{"op": "clear", "model": "Department", "pk": 1, "relation": "mentees"}]"#);
        assert_eq!(
            text,
            "operation 0 (clear): unknown relation `mentees` on `Department`"
        );
        let graph = graph();
        let op = Operation::clear("Course", 1, "department");
        let e = compile_write(&graph, &[op], &Ansi::default()).expect_err("a foreign key");
        assert!(matches!(
            e.kind(),
            WriteErrorKind::WrongRelation { kind: "fk", .. }
        ));
    }

    #[test]
    fn values_are_described_not_copied() {
        let long = "x".repeat(500);
        let (_, text) = error(&format!(
            r#"[{{"op": "insert", "model": "Department", "rows": [{{"id": "{long}"}}]}}]"#
        ));
        assert!(
            text.starts_with(
                "operation 0 (insert): `Department.id` takes an integer, not the string"
            ),
            "{text}"
        );
        assert!(text.len() < 200, "the value is shortened: {text}");
    }
}
