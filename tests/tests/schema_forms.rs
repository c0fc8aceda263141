//! The three ways to write a schema (Rust builder, TOML, JSON) build equal graphs, for
//! every shipped sample.

use relq_graph::{FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, SchemaDef};
use relq_sample::Sample;

fn named(name: &str, table: &str, text: u32) -> ModelDef {
    ModelDef::new(name)
        .table(table)
        .pk("id", FieldType::Integer)
        .field(relq_graph::FieldDef::new("name", FieldType::text(text)))
}

fn builder(sample: Sample) -> SchemaDef {
    match sample {
        Sample::School => {
            let member = |name, table| {
                named(name, table, 100)
                    .foreign_key(ForeignKeyDef::new("schoolclass", "SchoolClass").required())
                    .foreign_key(ForeignKeyDef::new("category", "Category"))
            };
            SchemaDef::new()
                .model(named("Department", "departments", 100))
                .model(
                    named("SchoolClass", "schoolclasses", 100)
                        .foreign_key(ForeignKeyDef::new("department", "Department").required()),
                )
                .model(named("Category", "categories", 100))
                .model(member("Student", "students"))
                .model(member("Teacher", "teachers"))
        }
        Sample::Blog => SchemaDef::new()
            .model(
                ModelDef::new("Author")
                    .table("authors")
                    .pk("id", FieldType::Integer)
                    .field(relq_graph::FieldDef::new("first_name", FieldType::text(80)))
                    .field(relq_graph::FieldDef::new("last_name", FieldType::text(80))),
            )
            .model(named("Category", "categories", 40))
            .model(
                ModelDef::new("PostCategory")
                    .table("posts_categories")
                    .pk("id", FieldType::Integer)
                    .field(relq_graph::FieldDef::new("weight", FieldType::Integer)),
            )
            .model(
                ModelDef::new("Post")
                    .table("posts")
                    .pk("id", FieldType::Integer)
                    .field(relq_graph::FieldDef::new("title", FieldType::text(200)))
                    .foreign_key(ForeignKeyDef::new("author", "Author"))
                    .many_to_many(
                        ManyToManyDef::new("categories", "Category").through("PostCategory"),
                    ),
            ),
        Sample::Person => SchemaDef::new().model(
            named("Person", "persons", 100)
                .foreign_key(ForeignKeyDef::new("supervisor", "Person").related_name("employees")),
        ),
    }
}

#[test]
fn builder_toml_and_json_build_equal_graphs() {
    for sample in Sample::ALL {
        let from_builder = builder(sample);
        let from_toml = SchemaDef::from_toml(sample.toml()).expect("toml");
        let from_json = SchemaDef::from_json(sample.json()).expect("json");
        assert_eq!(
            from_builder, from_toml,
            "{sample:?}: builder and TOML definitions"
        );
        assert_eq!(
            from_toml, from_json,
            "{sample:?}: TOML and JSON definitions"
        );
        let graphs = [&from_builder, &from_toml, &from_json].map(|d| d.build().expect("valid"));
        assert_eq!(graphs[0], graphs[1], "{sample:?}: builder and TOML graphs");
        assert_eq!(graphs[1], graphs[2], "{sample:?}: TOML and JSON graphs");
        assert_eq!(graphs[0].to_dot(), graphs[2].to_dot());
        graphs[0].verify().expect("invariants");
    }
}
