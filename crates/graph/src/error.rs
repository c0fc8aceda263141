//! `SchemaError`: everything that can be wrong with a schema definition.
//!
//! Invariant: every message names the model (and the field or relation) it is about, says
//! why, and gives a hint where one exists. Messages are lower-case with no trailing period.

use std::fmt;

/// An invalid schema definition: the first rule it breaks.
///
/// Match on [`SchemaError::kind`] to tell the rules apart; `Display` gives the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// Boxed: a `Result` of the graph's stays small whatever names a kind carries.
    kind: Box<SchemaErrorKind>,
}

impl SchemaError {
    pub(crate) fn new(kind: SchemaErrorKind) -> Self {
        Self {
            kind: Box::new(kind),
        }
    }

    /// Which rule was broken, with the names involved.
    pub fn kind(&self) -> &SchemaErrorKind {
        &self.kind
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for SchemaError {}

/// The file format a schema was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaFormat {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

impl fmt::Display for SchemaFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SchemaFormat::Toml => "TOML",
            SchemaFormat::Json => "JSON",
        })
    }
}

/// What kind of name a [`SchemaErrorKind::InvalidName`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A model's name.
    Model,
    /// A field's name.
    Field,
    /// A relation's name.
    Relation,
    /// A `related_name`.
    RelatedName,
    /// A through model's key name (`through_source` / `through_target`).
    ThroughField,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Model => "model name",
            NameKind::Field => "field name",
            NameKind::Relation => "relation name",
            NameKind::RelatedName => "related_name",
            NameKind::ThroughField => "through field name",
        })
    }
}

/// The rules a schema must keep. Names are as written in the definition; `Model.relation`
/// names a relation on a model.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaErrorKind {
    /// The file did not parse, or a key or value has the wrong shape.
    #[error("invalid {format} schema: {message}")]
    Parse {
        /// The file format.
        format: SchemaFormat,
        /// The parser's message, with its line and column.
        message: String,
    },
    /// A name cannot be used in a `__` path: it must start with an ASCII letter, hold only
    /// ASCII letters, digits and single underscores, and not end with `_`.
    #[error("invalid {what} `{name}` in {place}: {reason}")]
    InvalidName {
        /// Which kind of name.
        what: NameKind,
        /// The name.
        name: String,
        /// Where it was written (`model \`Post\``).
        place: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A table or column name is empty or holds a NUL character, which no dialect can quote.
    #[error(
        "invalid {what} name {name:?} in model `{model}`: it must be non-empty and hold no NUL character"
    )]
    InvalidIdentifier {
        /// `table` or `column`.
        what: &'static str,
        /// The name.
        name: String,
        /// The model.
        model: String,
    },
    /// Two models share a name.
    #[error("duplicate model `{name}`; model names must be unique")]
    DuplicateModel {
        /// The name.
        name: String,
    },
    /// Two models share a table, compared ignoring ASCII case as SQLite compares them.
    #[error(
        "duplicate table `{table}`: models `{first}` and `{second}` both use it; set a distinct `table`"
    )]
    DuplicateTable {
        /// The table.
        table: String,
        /// The first model using it.
        first: String,
        /// The second model using it.
        second: String,
    },
    /// Two fields or relations of one model share a name (a foreign key `author` also
    /// takes the field name `author_id`).
    #[error("duplicate field or relation `{name}` on model `{model}`")]
    DuplicateName {
        /// The model.
        model: String,
        /// The name.
        name: String,
    },
    /// Two fields of one model share a column, compared ignoring ASCII case as SQLite and
    /// MySQL compare them.
    #[error(
        "duplicate column `{column}` on model `{model}`: fields `{first}` and `{second}` both use it"
    )]
    DuplicateColumn {
        /// The model.
        model: String,
        /// The column.
        column: String,
        /// The first field using it.
        first: String,
        /// The second field using it.
        second: String,
    },
    /// A model has no primary key.
    #[error("model `{model}` has no primary key; mark one field `primary_key = true`")]
    MissingPrimaryKey {
        /// The model.
        model: String,
    },
    /// A model has more than one primary key (composite keys are not supported yet).
    #[error(
        "model `{model}` has two primary keys, `{first}` and `{second}`; composite keys are not supported"
    )]
    MultiplePrimaryKeys {
        /// The model.
        model: String,
        /// The first.
        first: String,
        /// The second.
        second: String,
    },
    /// A primary key is nullable.
    #[error("primary key `{model}.{field}` cannot be nullable")]
    NullablePrimaryKey {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
    /// A relation points at a model the schema does not define.
    #[error(
        "relation `{model}.{relation}` points at unknown model `{target}`{}",
        hint(suggestion)
    )]
    UnknownTarget {
        /// The model declaring the relation.
        model: String,
        /// The relation.
        relation: String,
        /// The unknown name.
        target: String,
        /// The closest model name, if one is close.
        suggestion: Option<String>,
    },
    /// A many-to-many relation names a through model the schema does not define.
    #[error(
        "relation `{model}.{relation}` uses unknown through model `{through}`{}",
        hint(suggestion)
    )]
    UnknownThrough {
        /// The model declaring the relation.
        model: String,
        /// The relation.
        relation: String,
        /// The unknown name.
        through: String,
        /// The closest model name, if one is close.
        suggestion: Option<String>,
    },
    /// A foreign key has a default (ormar rejects it too: the value comes from the related record).
    #[error(
        "foreign key `{model}.{relation}` cannot have a default; set the related record instead"
    )]
    ForeignKeyDefault {
        /// The model.
        model: String,
        /// The relation.
        relation: String,
    },
    /// `set_null` or `set_default` on a foreign key that is not nullable (a foreign key has
    /// no default, so `set_default` sets NULL too; Django rejects it likewise, fields.E321).
    #[error(
        "foreign key `{model}.{relation}` has {action} = {value}, which sets NULL, but it is not nullable"
    )]
    ActionNeedsNullable {
        /// The model.
        model: String,
        /// The relation.
        relation: String,
        /// `on_delete` or `on_update`.
        action: &'static str,
        /// `set_null` or `set_default`.
        value: &'static str,
    },
    /// A decimal whose precision is 0 or whose scale exceeds its precision.
    #[error(
        "decimal field `{model}.{field}` has precision {precision} and scale {scale}; precision must be at least 1 and scale at most precision"
    )]
    InvalidDecimal {
        /// The model.
        model: String,
        /// The field.
        field: String,
        /// Total digits.
        precision: u16,
        /// Digits after the point.
        scale: u16,
    },
    /// A field's default does not fit its type.
    #[error("default of field `{model}.{field}` does not fit its type `{ty}`: {value}")]
    InvalidDefault {
        /// The model.
        model: String,
        /// The field.
        field: String,
        /// The field's type name.
        ty: &'static str,
        /// The default, as JSON.
        value: String,
    },
    /// A through model declares relations of its own.
    #[error(
        "model `{through}` is the through model of `{relation}` and cannot declare relations of its own (it declares `{own}`)"
    )]
    ThroughHasRelations {
        /// The through model.
        through: String,
        /// The many-to-many relation (`Post.categories`).
        relation: String,
        /// One relation it declares.
        own: String,
    },
    /// A many-to-many relation names one of its own endpoints as its through model.
    #[error(
        "relation `{relation}` uses `{through}` as its through model, but `{through}` is one of its endpoints; declare a separate through model"
    )]
    ThroughIsEndpoint {
        /// The many-to-many relation (`Post.tags`).
        relation: String,
        /// The through model.
        through: String,
    },
    /// Two many-to-many relations use the same through model.
    #[error(
        "model `{through}` is the through model of both `{first}` and `{second}`; give each its own"
    )]
    ThroughReused {
        /// The through model.
        through: String,
        /// The first relation.
        first: String,
        /// The second relation.
        second: String,
    },
    /// The name of a generated through model is already taken by a declared model or by
    /// another generated through model.
    #[error(
        "the through model generated for `{relation}` would be named `{through}`, which is already a model; set `through` explicitly"
    )]
    ThroughNameTaken {
        /// The many-to-many relation.
        relation: String,
        /// The generated name.
        through: String,
    },
    /// Two relations from one model to another would get the same reverse name.
    #[error(
        "relations `{source_model}.{first}` and `{source_model}.{second}` both point at `{target}` with related_name `{related_name}`; give each a distinct related_name"
    )]
    AmbiguousRelatedName {
        /// The model declaring both.
        source_model: String,
        /// The target model.
        target: String,
        /// The first relation.
        first: String,
        /// The second relation.
        second: String,
        /// The shared reverse name.
        related_name: String,
    },
    /// A reverse name clashes with a field or relation already on the target.
    #[error(
        "related_name `{related_name}` of `{relation}` clashes with {existing} on model `{target}`; set a distinct related_name"
    )]
    RelatedNameClash {
        /// The relation whose reverse side clashes (`Post.author`).
        relation: String,
        /// The model the reverse side would be added to.
        target: String,
        /// The reverse name.
        related_name: String,
        /// What already has the name (`field \`posts\``, `relation \`Post.categories\``'s reverse).
        existing: String,
    },
    /// A unique key names something that is neither a field nor a foreign key of its
    /// model (a many-to-many relation has no column to be unique).
    #[error(
        "unique key {} of model `{model}` names unknown field `{field}`{}",
        list(key),
        hint(suggestion)
    )]
    UnknownUniqueField {
        /// The model.
        model: String,
        /// The key as written.
        key: Vec<String>,
        /// The unknown name.
        field: String,
        /// The closest field or foreign-key name, if one is close.
        suggestion: Option<String>,
    },
    /// A unique key lists no field.
    #[error("unique key {position} of model `{model}` is empty; list at least one field")]
    EmptyUniqueKey {
        /// The model.
        model: String,
        /// The key's position in the model's `unique` list, from 1.
        position: usize,
    },
    /// A unique key names one field twice (a foreign key `department` and its field
    /// `department_id` are the same field).
    #[error(
        "unique key {} of model `{model}` names field `{field}` twice",
        list(key)
    )]
    RepeatedUniqueField {
        /// The model.
        model: String,
        /// The key as written.
        key: Vec<String>,
        /// The field named twice (the second name as written).
        field: String,
    },
    /// A declared model's table is not in the database it is declared over
    /// ([`crate::over_catalog`]).
    #[error(
        "model `{model}`: no table `{table}` in the database{}",
        hint(suggestion)
    )]
    MissingTable {
        /// The model (a generated through model's name for a many-to-many relation).
        model: String,
        /// The table it names.
        table: String,
        /// The closest table of the database, if one is close.
        suggestion: Option<String>,
    },
    /// A declared field's column is not in its model's table
    /// ([`crate::over_catalog`]).
    #[error(
        "field `{model}.{field}`: no column `{column}` in table `{table}`{}",
        hint(suggestion)
    )]
    MissingColumn {
        /// The model.
        model: String,
        /// The field (a foreign key's is `{relation}_id`, as the graph names it).
        field: String,
        /// The model's table.
        table: String,
        /// The column the field names.
        column: String,
        /// The closest column of the table, if one is close.
        suggestion: Option<String>,
    },
}

/// `[a, b]`.
fn list(names: &[String]) -> String {
    format!("[{}]", names.join(", "))
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}
