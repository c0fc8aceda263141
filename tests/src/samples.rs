//! The sample schemas shipped in `schemas/`, built into graphs.
//!
//! Invariant: each sample is the TOML file's text, compiled in; the files are the source
//! of truth and the README's examples read the same files.

use relq_graph::{
    FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, RelationGraph, SchemaDef,
    SchemaError,
};

/// A shipped sample schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample {
    /// ormar's school: departments, classes, teachers and students with categories.
    School,
    /// ormar's blog: authors, posts, categories through `PostCategory`.
    Blog,
    /// A self-reference: `Person.supervisor` and its reverse `employees`.
    Person,
}

impl Sample {
    /// Every sample.
    pub const ALL: [Sample; 3] = [Sample::School, Sample::Blog, Sample::Person];

    /// The sample of `schemas/<name>.toml` (`school`, `blog`, `person`).
    pub fn by_name(name: &str) -> Option<Sample> {
        Sample::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The file name without extension: `school`, `blog`, `person`.
    pub fn name(self) -> &'static str {
        match self {
            Sample::School => "school",
            Sample::Blog => "blog",
            Sample::Person => "person",
        }
    }

    /// The TOML text of `schemas/<name>.toml`.
    pub fn toml(self) -> &'static str {
        match self {
            Sample::School => include_str!("../../schemas/school.toml"),
            Sample::Blog => include_str!("../../schemas/blog.toml"),
            Sample::Person => include_str!("../../schemas/person.toml"),
        }
    }

    /// The JSON text of `schemas/<name>.json`.
    pub fn json(self) -> &'static str {
        match self {
            Sample::School => include_str!("../../schemas/school.json"),
            Sample::Blog => include_str!("../../schemas/blog.json"),
            Sample::Person => include_str!("../../schemas/person.json"),
        }
    }

    /// The sample built from its TOML file.
    ///
    /// # Errors
    /// Only if the shipped file is broken, which the tests rule out.
    pub fn graph(self) -> Result<RelationGraph, SchemaError> {
        SchemaDef::from_toml(self.toml())?.build()
    }
}

/// A schema with a column of every field type (each nullable-or-not once), a primary key of
/// text without a maximum length, a foreign key and a many-to-many to it: what the DDL
/// tests declare on every dialect (`tests/ddl.rs`, `tests/corpus_on_servers.rs`).
pub fn every_field_type() -> SchemaDef {
    SchemaDef::new()
        .model(
            ModelDef::new("Tag")
                .table("tags")
                .pk("code", FieldType::TEXT),
        )
        .model(
            ModelDef::new("Item")
                .table("items")
                .pk("id", FieldType::BigInteger)
                .field(FieldDef::new("count", FieldType::Integer))
                .field(FieldDef::new("ratio", FieldType::Float).nullable())
                .field(FieldDef::new(
                    "price",
                    FieldType::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                ))
                .field(FieldDef::new("note", FieldType::TEXT))
                .field(FieldDef::new("title", FieldType::text(80)))
                .field(FieldDef::new("done", FieldType::Boolean))
                .field(FieldDef::new("day", FieldType::Date))
                .field(FieldDef::new("at", FieldType::Time))
                .field(FieldDef::new("stamp", FieldType::DateTime))
                .field(FieldDef::new("uid", FieldType::Uuid))
                .field(FieldDef::new("doc", FieldType::Json))
                .field(FieldDef::new("raw", FieldType::Bytes))
                .foreign_key(ForeignKeyDef::new("tag", "Tag"))
                .many_to_many(ManyToManyDef::new("tags", "Tag").related_name("tagged")),
        )
}
