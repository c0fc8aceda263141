//! Test-only schemas beside the shipped samples (those are `relq_sample::Sample`), and the
//! school's small hand-made data set.

use relq_graph::{FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, SchemaDef};
use relq_plan::Value;

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
