//! The schema definition: what a user writes, before validation.
//!
//! One set of plain data types serves the three ways to describe a schema: the Rust
//! builder methods below, a TOML file and a JSON file (both through serde). All three
//! produce a [`SchemaDef`], and [`SchemaDef::build`] validates it into a
//! [`RelationGraph`](crate::RelationGraph), so equal definitions always give equal graphs.
//!
//! Invariant: nothing here is validated; every rule lives in `build.rs` and reports a
//! [`SchemaError`](crate::SchemaError). Unknown keys in a file are rejected by serde.

use serde::{Deserialize, Serialize};

use crate::error::{SchemaError, SchemaErrorKind, SchemaFormat};
use crate::graph::RelationGraph;

/// A whole schema: its models in the order they were written.
///
/// TOML form (`[[models]]` tables; JSON is the same shape):
///
/// ```toml
/// [[models]]
/// name = "Department"
/// table = "departments"
/// fields = [
///   { name = "id", type = "integer", primary_key = true },
///   { name = "name", type = "text", max_length = 100 },
/// ]
///
/// [[models]]
/// name = "SchoolClass"
/// table = "schoolclasses"
/// fields = [{ name = "id", type = "integer", primary_key = true }]
/// foreign_keys = [{ name = "department", to = "Department", nullable = false }]
/// unique = [["name", "department"]]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaDef {
    /// The models, in definition order (which fixes [`ModelId`](crate::ModelId) order).
    #[serde(default)]
    pub models: Vec<ModelDef>,
}

impl SchemaDef {
    /// An empty schema, to add models to with [`SchemaDef::model`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a model (builder form).
    #[must_use]
    pub fn model(mut self, model: ModelDef) -> Self {
        self.models.push(model);
        self
    }

    /// Reads a schema from TOML text.
    ///
    /// # Errors
    /// [`SchemaErrorKind::Parse`] with the TOML parser's message (line and column included).
    pub fn from_toml(text: &str) -> Result<Self, SchemaError> {
        toml::from_str(text).map_err(|e| {
            let message = match e.span() {
                Some(span) => {
                    let before = &text.as_bytes()[..span.start.min(text.len())];
                    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
                    format!("line {line}, column {column}: {}", e.message())
                }
                None => e.message().to_owned(),
            };
            SchemaError::new(SchemaErrorKind::Parse {
                format: SchemaFormat::Toml,
                message,
            })
        })
    }

    /// Reads a schema from JSON text.
    ///
    /// # Errors
    /// [`SchemaErrorKind::Parse`] with the JSON parser's message (line and column included).
    pub fn from_json(text: &str) -> Result<Self, SchemaError> {
        serde_json::from_str(text).map_err(|e| {
            SchemaError::new(SchemaErrorKind::Parse {
                format: SchemaFormat::Json,
                message: e.to_string(),
            })
        })
    }

    /// Writes the schema as TOML, in the same shape [`SchemaDef::from_toml`] reads.
    ///
    /// # Errors
    /// [`SchemaErrorKind::Parse`] if a field default holds a value TOML cannot express
    /// (a JSON `null`).
    pub fn to_toml(&self) -> Result<String, SchemaError> {
        toml::to_string(self).map_err(|e| {
            SchemaError::new(SchemaErrorKind::Parse {
                format: SchemaFormat::Toml,
                message: e.to_string(),
            })
        })
    }

    /// Validates the definition into a [`RelationGraph`].
    ///
    /// # Errors
    /// The first rule the definition breaks, as a [`SchemaError`]; see
    /// [`SchemaErrorKind`] for the rules.
    pub fn build(&self) -> Result<RelationGraph, SchemaError> {
        crate::build::build(self)
    }
}

/// A model: a table mapped to a record type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDef {
    /// The model's name, as paths and messages use it (`SchoolClass`).
    pub name: String,
    /// The table; default: the name lower-cased + `s` (ormar's rule: `SchoolClass` →
    /// `schoolclasss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Plain columns, exactly one of them the primary key.
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    /// Many-to-one relations declared on this model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// Many-to-many relations declared on this model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub many_to_many: Vec<ManyToManyDef>,
    /// Unique keys of one or more fields, each a list of names in key order
    /// (`unique = [["name", "department"]]`): ormar's `UniqueColumns`, Django's
    /// `unique_together`. A name is a field of this model (a through model's key fields
    /// included) or one of its foreign keys, which names the key's column (`department`
    /// for `department_id`). A single field can also say `unique = true` itself
    /// ([`FieldDef::unique`]); many-to-many through models get their (source, target)
    /// pair as a key without declaring it. Checked when the schema is built: every name
    /// known, no key empty, no field twice in one key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<Vec<String>>,
}

impl ModelDef {
    /// A model with no fields yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            table: None,
            fields: Vec::new(),
            foreign_keys: Vec::new(),
            many_to_many: Vec::new(),
            unique: Vec::new(),
        }
    }

    /// Sets the table name.
    #[must_use]
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = Some(table.into());
        self
    }

    /// Adds the primary key field (`FieldDef::new(name, ty).primary_key()`).
    #[must_use]
    pub fn pk(self, name: impl Into<String>, ty: FieldType) -> Self {
        self.field(FieldDef::new(name, ty).primary_key())
    }

    /// Adds a field.
    #[must_use]
    pub fn field(mut self, field: FieldDef) -> Self {
        self.fields.push(field);
        self
    }

    /// Adds a foreign key.
    #[must_use]
    pub fn foreign_key(mut self, fk: ForeignKeyDef) -> Self {
        self.foreign_keys.push(fk);
        self
    }

    /// Adds a many-to-many relation.
    #[must_use]
    pub fn many_to_many(mut self, m2m: ManyToManyDef) -> Self {
        self.many_to_many.push(m2m);
        self
    }

    /// Adds a unique key over `fields`, in key order ([`ModelDef::unique`](field@ModelDef::unique)):
    /// `.unique(["name", "department"])`.
    #[must_use]
    pub fn unique<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.unique
            .push(fields.into_iter().map(Into::into).collect());
        self
    }
}

/// The type of a field's values.
///
/// In files it is the `type` key (`integer`, `big_integer`, `float`, `decimal`, `text`,
/// `boolean`, `date`, `time`, `datetime`, `uuid`, `json`, `bytes`) plus `max_length` for
/// text and `precision` / `scale` for decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// An integer column (ormar `Integer`): `INTEGER`, 32-bit on PostgreSQL and MySQL,
    /// 64-bit on SQLite. Values are carried as 64-bit (`Value::Int`) on every dialect.
    Integer,
    /// A 64-bit signed integer stored as `BIGINT` (ormar `BigInteger`).
    BigInteger,
    /// A double-precision float.
    Float,
    /// An exact decimal with `precision` digits (at least 1), `scale` of them after the
    /// point (at most `precision`, default 0).
    Decimal {
        /// Total digits, at least 1.
        precision: u16,
        /// Digits after the point, at most `precision`.
        scale: u16,
    },
    /// Text, with an optional maximum length in characters (`VARCHAR(n)` where given).
    Text {
        /// Maximum length in characters.
        max_length: Option<u32>,
    },
    /// A boolean.
    Boolean,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// A date and time.
    DateTime,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// Raw bytes.
    Bytes,
}

impl FieldType {
    /// Text without a maximum length.
    pub const TEXT: FieldType = FieldType::Text { max_length: None };

    /// Text of at most `max_length` characters.
    pub fn text(max_length: u32) -> Self {
        FieldType::Text {
            max_length: Some(max_length),
        }
    }

    /// The name used in files (`big_integer`, `text`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::BigInteger => "big_integer",
            FieldType::Float => "float",
            FieldType::Decimal { .. } => "decimal",
            FieldType::Text { .. } => "text",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::DateTime => "datetime",
            FieldType::Uuid => "uuid",
            FieldType::Json => "json",
            FieldType::Bytes => "bytes",
        }
    }
}

/// A plain column of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FieldRepr", into = "FieldRepr")]
pub struct FieldDef {
    /// The field's name, as paths use it.
    pub name: String,
    /// The column; default: the field's name.
    pub column: Option<String>,
    /// The value type.
    pub ty: FieldType,
    /// Whether the column admits NULL (default false).
    pub nullable: bool,
    /// Whether this is the model's primary key (exactly one per model).
    pub primary_key: bool,
    /// A default value for writes, checked against the type when the schema is built.
    pub default: Option<serde_json::Value>,
    /// Whether no two rows may hold the same value (default false; ormar's `unique=True`,
    /// Django's `unique=True`): a one-field unique key. Rows whose value is NULL do not
    /// clash (SQL:2016 §4.18.3, as all three databases treat them). Meaningless on the
    /// primary key, which is unique already, and not listed as a key there.
    pub unique: bool,
}

impl FieldDef {
    /// A non-null field of the given type.
    pub fn new(name: impl Into<String>, ty: FieldType) -> Self {
        Self {
            name: name.into(),
            column: None,
            ty,
            nullable: false,
            primary_key: false,
            default: None,
            unique: false,
        }
    }

    /// Sets the column name.
    #[must_use]
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Makes the field nullable.
    #[must_use]
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Makes the field the primary key.
    #[must_use]
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    /// Makes the field unique: a one-field unique key ([`FieldDef::unique`](field@FieldDef::unique)).
    #[must_use]
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Sets the default value.
    #[must_use]
    pub fn default_value(mut self, value: serde_json::Value) -> Self {
        self.default = Some(value);
        self
    }
}

/// What the database does to a child row when its parent's key is deleted or updated
/// (SQL:2016 referential actions; ormar's `ondelete` / `onupdate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    /// Fail at the end of the statement (the SQL default).
    #[default]
    NoAction,
    /// Fail at once.
    Restrict,
    /// Delete or update the child too.
    Cascade,
    /// Set the child's foreign key to NULL (the foreign key must be nullable).
    SetNull,
    /// Set the child's foreign key to its column default.
    SetDefault,
}

impl ReferentialAction {
    fn is_default(&self) -> bool {
        *self == ReferentialAction::NoAction
    }

    /// The name used in files (`set_null`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "no_action",
            ReferentialAction::Restrict => "restrict",
            ReferentialAction::Cascade => "cascade",
            ReferentialAction::SetNull => "set_null",
            ReferentialAction::SetDefault => "set_default",
        }
    }
}

/// A many-to-one relation: this model's rows point at one row of `to`.
///
/// Its column is a field of this model named `{name}_id` (Django's attname rule, so the
/// raw key and the loaded relation never share a name), of the type of `to`'s primary key.
/// The reverse side is registered on `to` automatically.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeyDef {
    /// The relation's name on this model (`department`).
    pub name: String,
    /// The target model's name.
    pub to: String,
    /// The reverse side's name on `to`; default: this model's name lower-cased + `s`
    /// (ormar's rule: `Student` → `students`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_name: Option<String>,
    /// Whether the column admits NULL; default true, as in ormar.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nullable: bool,
    /// The column; default `{name}_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Action when the parent row is deleted.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_delete: ReferentialAction,
    /// Action when the parent's key is updated.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_update: ReferentialAction,
    /// Hide the reverse side from loading (`select_related`) but keep it for filters
    /// (ormar's `skip_reverse`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_reverse: bool,
    /// Always rejected when the schema is built, as ormar rejects it: a foreign key takes
    /// its value from the related record. Present so a file that sets it gets a typed
    /// error rather than an unknown-key one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}

impl ForeignKeyDef {
    /// A nullable foreign key named `name` to the model `to`.
    pub fn new(name: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            to: to.into(),
            related_name: None,
            nullable: true,
            column: None,
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
            skip_reverse: false,
            default: None,
        }
    }

    /// Sets the reverse side's name.
    #[must_use]
    pub fn related_name(mut self, related_name: impl Into<String>) -> Self {
        self.related_name = Some(related_name.into());
        self
    }

    /// Makes the foreign key required (NOT NULL).
    #[must_use]
    pub fn required(mut self) -> Self {
        self.nullable = false;
        self
    }

    /// Sets the column name.
    #[must_use]
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Sets the delete action.
    #[must_use]
    pub fn on_delete(mut self, action: ReferentialAction) -> Self {
        self.on_delete = action;
        self
    }

    /// Sets the update action.
    #[must_use]
    pub fn on_update(mut self, action: ReferentialAction) -> Self {
        self.on_update = action;
        self
    }

    /// Hides the reverse side from loading.
    #[must_use]
    pub fn skip_reverse(mut self) -> Self {
        self.skip_reverse = true;
        self
    }
}

/// A many-to-many relation from this model (the owner) to `to`, carried by a through model.
///
/// The through model gets two required key columns: `through_source` (to the owner,
/// default the owner's name lower-cased, or `from_{owner}` when `to` is the owner itself)
/// and `through_target` (default `to`'s name lower-cased, or `to_{to}`). These are ormar's
/// `through_relation_name` and `through_reverse_relation_name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManyToManyDef {
    /// The relation's name on the owner (`categories`).
    pub name: String,
    /// The target model's name.
    pub to: String,
    /// A declared model to use as the through model (it may carry fields such as `weight`,
    /// but no relations, and it cannot be the owner or `to`); default: a generated model `{Owner}{To}` with table
    /// `{owner}s_{to}s` and an integer primary key `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through: Option<String>,
    /// The reverse side's name on `to`; default: the owner's name lower-cased + `s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_name: Option<String>,
    /// Name (and column) of the through model's key to the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through_source: Option<String>,
    /// Name (and column) of the through model's key to `to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through_target: Option<String>,
    /// Hide the reverse side from loading but keep it for filters.
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_reverse: bool,
}

impl ManyToManyDef {
    /// A many-to-many relation named `name` to `to`, with a generated through model.
    pub fn new(name: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            to: to.into(),
            through: None,
            related_name: None,
            through_source: None,
            through_target: None,
            skip_reverse: false,
        }
    }

    /// Uses a declared model as the through model.
    #[must_use]
    pub fn through(mut self, through: impl Into<String>) -> Self {
        self.through = Some(through.into());
        self
    }

    /// Sets the reverse side's name.
    #[must_use]
    pub fn related_name(mut self, related_name: impl Into<String>) -> Self {
        self.related_name = Some(related_name.into());
        self
    }

    /// Names the through model's two key columns (to the owner, to the target).
    #[must_use]
    pub fn through_fields(mut self, source: impl Into<String>, target: impl Into<String>) -> Self {
        self.through_source = Some(source.into());
        self.through_target = Some(target.into());
        self
    }

    /// Hides the reverse side from loading.
    #[must_use]
    pub fn skip_reverse(mut self) -> Self {
        self.skip_reverse = true;
        self
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The file shape of a field: the type's parameters are keys beside `type`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldRepr {
    name: String,
    #[serde(rename = "type")]
    ty: TypeName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    precision: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scale: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    nullable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    primary_key: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "is_false")]
    unique: bool,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TypeName {
    Integer,
    BigInteger,
    Float,
    Decimal,
    Text,
    Boolean,
    Date,
    Time,
    Datetime,
    Uuid,
    Json,
    Bytes,
}

impl TryFrom<FieldRepr> for FieldDef {
    type Error = String;

    fn try_from(r: FieldRepr) -> Result<Self, String> {
        let misplaced = |key: &str, ty: &str| {
            format!(
                "`{key}` does not apply to field `{}` of type `{ty}`",
                r.name
            )
        };
        let ty = match r.ty {
            TypeName::Integer => FieldType::Integer,
            TypeName::BigInteger => FieldType::BigInteger,
            TypeName::Float => FieldType::Float,
            TypeName::Decimal => {
                let Some(precision) = r.precision else {
                    return Err(format!("decimal field `{}` needs a `precision`", r.name));
                };
                FieldType::Decimal {
                    precision,
                    scale: r.scale.unwrap_or(0),
                }
            }
            TypeName::Text => FieldType::Text {
                max_length: r.max_length,
            },
            TypeName::Boolean => FieldType::Boolean,
            TypeName::Date => FieldType::Date,
            TypeName::Time => FieldType::Time,
            TypeName::Datetime => FieldType::DateTime,
            TypeName::Uuid => FieldType::Uuid,
            TypeName::Json => FieldType::Json,
            TypeName::Bytes => FieldType::Bytes,
        };
        if r.max_length.is_some() && !matches!(ty, FieldType::Text { .. }) {
            return Err(misplaced("max_length", ty.name()));
        }
        if (r.precision.is_some() || r.scale.is_some()) && !matches!(ty, FieldType::Decimal { .. })
        {
            let key = if r.precision.is_some() {
                "precision"
            } else {
                "scale"
            };
            return Err(misplaced(key, ty.name()));
        }
        Ok(FieldDef {
            name: r.name,
            column: r.column,
            ty,
            nullable: r.nullable,
            primary_key: r.primary_key,
            default: r.default,
            unique: r.unique,
        })
    }
}

impl From<FieldDef> for FieldRepr {
    fn from(f: FieldDef) -> Self {
        let (ty, max_length, precision, scale) = match f.ty {
            FieldType::Integer => (TypeName::Integer, None, None, None),
            FieldType::BigInteger => (TypeName::BigInteger, None, None, None),
            FieldType::Float => (TypeName::Float, None, None, None),
            FieldType::Decimal { precision, scale } => {
                (TypeName::Decimal, None, Some(precision), Some(scale))
            }
            FieldType::Text { max_length } => (TypeName::Text, max_length, None, None),
            FieldType::Boolean => (TypeName::Boolean, None, None, None),
            FieldType::Date => (TypeName::Date, None, None, None),
            FieldType::Time => (TypeName::Time, None, None, None),
            FieldType::DateTime => (TypeName::Datetime, None, None, None),
            FieldType::Uuid => (TypeName::Uuid, None, None, None),
            FieldType::Json => (TypeName::Json, None, None, None),
            FieldType::Bytes => (TypeName::Bytes, None, None, None),
        };
        FieldRepr {
            name: f.name,
            ty,
            max_length,
            precision,
            scale,
            column: f.column,
            nullable: f.nullable,
            primary_key: f.primary_key,
            default: f.default,
            unique: f.unique,
        }
    }
}
