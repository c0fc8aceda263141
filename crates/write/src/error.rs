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
    /// A many-to-many write whose through model does not declare its key pair unique,
    /// so a doubled link could not be told apart (ormar#1335).
    #[error(
        "the through model `{through}` declares no unique key over (`{source_field}`, `{target_field}`); declare it (`unique = [[\"{source_field}\", \"{target_field}\"]]`) so a link is never doubled"
    )]
    NoUniqueLink {
        /// The through model.
        through: String,
        /// Its key to the relation's source.
        source_field: String,
        /// Its key to the relation's target.
        target_field: String,
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
    /// The dialect cannot express the operation.
    #[error("{feature} is not supported by {dialect}")]
    Unsupported {
        /// What was needed.
        feature: &'static str,
        /// The dialect's name.
        dialect: &'static str,
    },
}
