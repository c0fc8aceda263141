//! Test-only schemas beside the shipped samples (those are `relq_sample::Sample`), and the
//! school's small hand-made data set.

use relq_graph::{
    FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, RelationGraph, SchemaDef,
};
use relq_plan::Value;

/// Rows to load: `(table, rows)` in foreign-key order, each row one value per field of
/// the table's model in definition order.
pub type Tables = Vec<(&'static str, Vec<Vec<Value>>)>;

/// Creates `graph`'s tables in `db` and inserts `tables` through
/// [`relq::Database::insert`].
///
/// # Errors
/// A table `graph` does not have, or the database's error, as a message naming the table.
pub fn load(db: &mut relq::Database, graph: &RelationGraph, tables: &Tables) -> Result<(), String> {
    db.create_tables(graph)
        .map_err(|e| format!("the DDL: {e}"))?;
    for (table, rows) in tables {
        let model = graph
            .models()
            .find(|m| m.table() == *table)
            .ok_or_else(|| format!("no table `{table}` in the schema"))?;
        db.insert(model, rows)
            .map_err(|e| format!("insert into {table}: {e}"))?;
    }
    Ok(())
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

/// Two rows of every field type ([`every_field_type`]). Item 1: count -7, ratio 0.5, price
/// 12.50, title `T`, done, 2024-05-01, 13:45:00, 2024-05-01T13:45:00.25, an upper-case
/// UUID (read back lower-case), tag `a`, tags `b` and `a`; item 2: count 0, no ratio, price
/// -0.05, an empty note, title `U`, not done, 1999-12-31, 00:00:00, 1999-12-31T23:59:59,
/// the nil UUID, no tag, no tags. Both hold the bytes 00 01 ff.
pub fn every_field_type_rows() -> Tables {
    let int = Value::Int;
    let text = |s: &str| Value::Text(s.to_owned());
    let raw = Value::Bytes(vec![0x00, 0x01, 0xff]);
    vec![
        ("tags", vec![vec![text("a")], vec![text("b")]]),
        (
            "items",
            vec![
                vec![
                    int(1),
                    int(-7),
                    Value::Float(0.5),
                    Value::Decimal("12.50".into()),
                    text("n"),
                    text("T"),
                    Value::Bool(true),
                    Value::Date("2024-05-01".into()),
                    Value::Time("13:45:00".into()),
                    Value::DateTime("2024-05-01T13:45:00.250000".into()),
                    Value::Uuid("67E55044-10B1-426F-9247-BB680E5FE0C8".into()),
                    Value::Json(r#"{"a": 1}"#.into()),
                    raw.clone(),
                    text("a"),
                ],
                vec![
                    int(2),
                    int(0),
                    Value::Null,
                    Value::Decimal("-0.05".into()),
                    text(""),
                    text("U"),
                    Value::Bool(false),
                    Value::Date("1999-12-31".into()),
                    Value::Time("00:00:00".into()),
                    Value::DateTime("1999-12-31T23:59:59".into()),
                    Value::Uuid("00000000-0000-0000-0000-000000000000".into()),
                    Value::Json("[]".into()),
                    raw,
                    Value::Null,
                ],
            ],
        ),
        (
            "items_tags",
            vec![
                vec![int(1), int(1), text("b")],
                vec![int(2), int(1), text("a")],
            ],
        ),
    ]
}

/// The school sample's rows: `(table, rows)` in foreign-key order, each row one value per
/// field in definition order. Class 1A has two teachers (one without category) and two
/// students; 2B no teacher and a student without category; 3C a teacher and two students;
/// 4D a teacher and a student without category; 5E nobody. Names are capitalised alike so
/// no collation can order them differently.
pub fn school_rows() -> Tables {
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
