//! A declared schema over a live database: the rule that joins a [`SchemaDef`] a user
//! wrote with the catalog of the database it describes ([`TableInfo`]s, as the dialect
//! crates read them), for the engines whose catalog cannot state the relations (Spider
//! drops `FOREIGN KEY` clauses; PostgreSQL allows no key on a partitioned table with
//! foreign partitions).
//!
//! The rule, after Django's unmanaged models (`Meta.managed = False`: the model maps an
//! existing table, Django neither creates nor alters it, and the model's fields are what
//! Django reads), made stricter where a check is cheap and certain:
//! - the declaration's models are the models: their names, tables, columns, primary
//!   keys, relations, unique keys, kinds, nullability and defaults are the
//!   declaration's; the catalog's own keys and relations are not read;
//! - every model of the declaration's graph (declared models and generated through
//!   models) names a table of the database, and every one of its fields (plain fields,
//!   the primary key, a foreign key's column, a through model's two key columns) a
//!   column of that table, by exact name (identifiers are quoted, so case matters):
//!   otherwise [`SchemaErrorKind::MissingTable`] / [`SchemaErrorKind::MissingColumn`],
//!   with the closest name of the database as a did-you-mean; tables and columns the
//!   declaration leaves out are left out (a model maps what it names);
//! - a column's type is not compared with the declared kind, nor its nullability: the
//!   catalog's type says little about the values' kind (MySQL's `TINYINT(1)` holds
//!   booleans or small integers, `CHAR(36)` UUIDs or text; MariaDB's `JSON` is
//!   `LONGTEXT`; a SQLite column's declared type is an affinity and holds any value),
//!   while the declared kind says how relq reads and binds the values, as a Django field
//!   class does. A value the declared kind cannot read is a `RowError` naming the row,
//!   the model and the field, never a changed value;
//! - facts the declaration does not state come from the catalog: a text column's
//!   [`Collation`], which the dialect reads to leave out a collation its filters would
//!   otherwise pin.
//!
//! A schema declared alone ([`SchemaDef::build`]) has no catalog facts; an introspected
//! one is built over its own catalog, so it has them too.
//!
//! Invariant: the first broken rule wins: the declaration's own ([`SchemaDef::build`]),
//! then models in graph order, fields in model order.

use crate::def::SchemaDef;
use crate::error::{SchemaError, SchemaErrorKind};
use crate::graph::RelationGraph;
use crate::introspect::TableInfo;
use crate::suggest::suggest;

/// `def` built, checked against the database's `tables` and given their column facts
/// (see the module doc for the rule).
///
/// # Errors
/// The first rule `def` breaks on its own ([`SchemaDef::build`]), else the first model
/// whose table is missing ([`SchemaErrorKind::MissingTable`]) or field whose column is
/// ([`SchemaErrorKind::MissingColumn`]).
///
/// ```
/// use relq_graph::introspect::{ColumnInfo, TableInfo};
/// use relq_graph::{FieldType, ModelDef, SchemaDef, over_catalog};
/// let def = SchemaDef::new().model(ModelDef::new("Tag").table("tags").pk("id", FieldType::Integer));
/// let column = ColumnInfo { name: "id".into(), ty: FieldType::Integer, nullable: false, primary_key: false, collation: None };
/// let table = |name: &str| TableInfo { name: name.into(), columns: vec![column.clone()], foreign_keys: vec![], unique: vec![] };
/// assert!(over_catalog(&def, &[table("tags")]).is_ok());
/// let error = over_catalog(&def, &[table("tag")]).unwrap_err();
/// assert_eq!(error.to_string(), "model `Tag`: no table `tags` in the database; did you mean `tag`?");
/// ```
pub fn over_catalog(def: &SchemaDef, tables: &[TableInfo]) -> Result<RelationGraph, SchemaError> {
    let mut graph = def.build()?;
    let mut found = Vec::with_capacity(graph.fields.len());
    for model in graph.models() {
        let Some(table) = tables.iter().find(|t| t.name == model.table()) else {
            return Err(SchemaError::new(SchemaErrorKind::MissingTable {
                model: model.name().to_owned(),
                table: model.table().to_owned(),
                suggestion: suggest(model.table(), tables.iter().map(|t| t.name.as_str()))
                    .map(str::to_owned),
            }));
        };
        for field in model.fields() {
            let Some(column) = table.columns.iter().find(|c| c.name == field.column()) else {
                return Err(SchemaError::new(SchemaErrorKind::MissingColumn {
                    model: model.name().to_owned(),
                    field: field.name().to_owned(),
                    table: table.name.clone(),
                    column: field.column().to_owned(),
                    suggestion: suggest(
                        field.column(),
                        table.columns.iter().map(|c| c.name.as_str()),
                    )
                    .map(str::to_owned),
                }));
            };
            found.push((field.id(), column.collation.clone()));
        }
    }
    for (id, collation) in found {
        graph.fields[id.index()].collation = collation;
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use crate::def::{FieldType, SchemaDef};
    use crate::error::SchemaErrorKind;
    use crate::introspect::{Collation, ColumnInfo, TableInfo, schema_from_tables};

    use super::over_catalog;

    /// A table of integer columns with no keys, as Spider's head or a partitioned
    /// PostgreSQL table shows the catalog; `name` columns are text in collation `C`.
    fn table(name: &str, columns: &[&str]) -> TableInfo {
        TableInfo {
            name: name.to_owned(),
            columns: columns
                .iter()
                .map(|&c| ColumnInfo {
                    name: c.to_owned(),
                    ty: if c == "name" {
                        FieldType::TEXT
                    } else {
                        FieldType::Integer
                    },
                    nullable: true,
                    primary_key: false,
                    collation: (c == "name").then(|| Collation {
                        name: "C".to_owned(),
                        database_default: false,
                        deterministic: true,
                    }),
                })
                .collect(),
            foreign_keys: Vec::new(),
            unique: Vec::new(),
        }
    }

    fn school_catalog() -> Vec<TableInfo> {
        let child = ["id", "name", "schoolclass_id", "category_id"];
        vec![
            table("categories", &["id", "name"]),
            table("departments", &["id", "name"]),
            table("schoolclasses", &["id", "name", "department_id"]),
            table("students", &child),
            table("teachers", &child),
            table("unrelated", &["id"]),
        ]
    }

    fn school() -> SchemaDef {
        SchemaDef::from_toml(include_str!("../../../schemas/school.toml")).expect("parses")
    }

    fn error(def: &SchemaDef, tables: &[TableInfo]) -> (SchemaErrorKind, String) {
        let e = over_catalog(def, tables).expect_err("a table or column is missing");
        (e.kind().clone(), e.to_string())
    }

    #[test]
    fn the_declared_relations_stand_over_a_catalog_without_keys() {
        let catalog = school_catalog();
        // The catalog alone has no key and no relation: no model builds from it.
        assert!(schema_from_tables(catalog.clone()).build().is_err());
        let graph = over_catalog(&school(), &catalog).expect("every table and column is there");
        graph.verify().expect("a consistent graph");
        let class = graph.model_by_name("SchoolClass").expect("declared");
        assert!(class.relation("teachers").is_some());
        assert!(class.relation("students").is_some());
        assert_eq!(
            graph.models().count(),
            5,
            "the table no model names is left out"
        );
        // The facts the declaration does not state are the catalog's.
        let name = class.field("name").expect("declared");
        assert_eq!(name.collation().map(|c| c.name.as_str()), Some("C"));
        assert_eq!(class.field("id").expect("declared").collation(), None);
        // A schema declared alone knows no collation.
        let alone = school().build().expect("builds");
        let name = alone
            .model_by_name("SchoolClass")
            .and_then(|m| m.field("name"));
        assert_eq!(name.expect("declared").collation(), None);
    }

    #[test]
    fn a_missing_table_names_the_model_and_the_closest_table() {
        let mut catalog = school_catalog();
        catalog[4].name = "teacher".to_owned();
        let (kind, message) = error(&school(), &catalog);
        assert!(matches!(kind, SchemaErrorKind::MissingTable { .. }));
        assert_eq!(
            message,
            "model `Teacher`: no table `teachers` in the database; did you mean `teacher`?"
        );
    }

    #[test]
    fn a_missing_foreign_key_column_names_model_field_table_and_column() {
        let mut catalog = school_catalog();
        catalog[3].columns[2].name = "schoolclass".to_owned();
        let (kind, message) = error(&school(), &catalog);
        assert!(matches!(kind, SchemaErrorKind::MissingColumn { .. }));
        assert_eq!(
            message,
            "field `Student.schoolclass_id`: no column `schoolclass_id` in table `students`; \
             did you mean `schoolclass`?"
        );
        catalog[3].columns.truncate(2);
        let (_, message) = error(&school(), &catalog);
        assert_eq!(
            message,
            "field `Student.schoolclass_id`: no column `schoolclass_id` in table `students`"
        );
    }

    #[test]
    fn a_many_to_many_through_table_and_its_columns_must_exist() {
        let def = SchemaDef::from_toml(
            r#"
            [[models]]
            name = "Post"
            table = "posts"
            fields = [{ name = "id", type = "integer", primary_key = true }]
            many_to_many = [{ name = "tags", to = "Tag" }]
            [[models]]
            name = "Tag"
            table = "tags"
            fields = [{ name = "id", type = "integer", primary_key = true }]
            "#,
        )
        .expect("parses");
        let mut catalog = vec![
            table("posts", &["id"]),
            table("tags", &["id"]),
            table("posts_tag", &["id", "post", "tag"]),
        ];
        let (_, message) = error(&def, &catalog);
        assert_eq!(
            message,
            "model `PostTag`: no table `posts_tags` in the database; did you mean `posts_tag`?"
        );
        catalog[2].name = "posts_tags".to_owned();
        catalog[2].columns[2].name = "tag_key".to_owned();
        let (_, message) = error(&def, &catalog);
        assert_eq!(
            message,
            "field `PostTag.tag`: no column `tag` in table `posts_tags`; did you mean `tag_key`?"
        );
        catalog[2].columns[2].name = "tag".to_owned();
        assert!(over_catalog(&def, &catalog).is_ok());
    }

    #[test]
    fn a_declared_kind_is_not_compared_with_the_column_type_and_the_declaration_errs_first() {
        // `name` is text in the catalog; declared as an integer, it is read as one.
        let text = include_str!("../../../schemas/school.toml");
        let declared = r#"{ name = "name", type = "text", max_length = 100 }"#;
        assert!(text.contains(declared), "the school declares its names so");
        let def = SchemaDef::from_toml(&text.replacen(
            declared,
            r#"{ name = "name", type = "integer" }"#,
            1,
        ))
        .expect("parses");
        assert!(over_catalog(&def, &school_catalog()).is_ok());
        // The declaration's own rule is reported before any table is looked for.
        let broken =
            SchemaDef::from_toml(&text.replacen("to = \"Department\"", "to = \"Dept\"", 1))
                .expect("parses");
        let (kind, _) = error(&broken, &[]);
        assert!(matches!(kind, SchemaErrorKind::UnknownTarget { .. }));
    }
}
