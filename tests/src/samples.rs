//! The sample schemas shipped in `schemas/`, built into graphs.
//!
//! Invariant: each sample is the TOML file's text, compiled in; the files are the source
//! of truth and the README's examples read the same files.

use relq_plan::Value;

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

/// The school sample's rows: `(table, rows)` in foreign-key order, each row one value per
/// field in definition order. Class 1A has two teachers (one without category) and two
/// students; 2B no teacher and a student without category; 3C a teacher and two students;
/// 4D a teacher and a student without category; 5E nobody. Names are capitalised alike so
/// no collation can order them differently.
pub fn school_rows() -> Vec<(&'static str, Vec<Vec<Value>>)> {
    let int = Value::Int;
    let text = |s: &str| Value::Text(s.to_owned());
    let person = |id, name: &str, class, category: Option<i64>| {
        vec![
            int(id),
            text(name),
            int(class),
            category.map_or(Value::Null, int),
        ]
    };
    vec![
        (
            "departments",
            vec![vec![int(1), text("Science")], vec![int(2), text("Arts")]],
        ),
        (
            "categories",
            vec![
                vec![int(1), text("Math")],
                vec![int(2), text("Art")],
                vec![int(3), text("Music")],
            ],
        ),
        (
            "schoolclasses",
            vec![
                vec![int(1), text("1A"), int(1)],
                vec![int(2), text("2B"), int(1)],
                vec![int(3), text("3C"), int(2)],
                vec![int(4), text("4D"), int(2)],
                vec![int(5), text("5E"), int(1)],
            ],
        ),
        (
            "teachers",
            vec![
                person(1, "Ann", 1, Some(1)),
                person(2, "Bob", 1, None),
                person(3, "Fay", 3, Some(2)),
                person(4, "Gus", 4, Some(3)),
            ],
        ),
        (
            "students",
            vec![
                person(1, "Cid", 1, Some(1)),
                person(2, "Dee", 1, Some(2)),
                person(3, "Eve", 2, None),
                person(4, "Abe", 3, Some(3)),
                person(5, "Hal", 4, None),
                person(6, "Ida", 3, Some(1)),
            ],
        ),
    ]
}
