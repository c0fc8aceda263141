//! Test-only schemas beside the shipped samples (those are `relq_sample::Sample`).

use relq_graph::{FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, SchemaDef};

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
