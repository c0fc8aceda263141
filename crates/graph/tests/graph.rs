//! The relation graph built from definitions: ormar's naming rules, foreign-key columns,
//! through models, self-references, hidden reverse sides and the DOT export.

use relq_graph::{
    FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, RelationGraph, RelationKind,
    SchemaDef,
};

fn built(def: SchemaDef) -> RelationGraph {
    let graph = def.build().expect("valid schema");
    graph.verify().expect("graph invariants");
    graph
}

fn school() -> RelationGraph {
    built(SchemaDef::from_toml(include_str!("../../../schemas/school.toml")).expect("toml"))
}

fn blog() -> RelationGraph {
    built(SchemaDef::from_toml(include_str!("../../../schemas/blog.toml")).expect("toml"))
}

#[test]
fn reverse_foreign_key_takes_ormar_default_name() {
    let graph = school();
    let class = graph.model_by_name("SchoolClass").expect("model");
    let names: Vec<_> = class.relations().map(|r| (r.name(), r.kind())).collect();
    assert_eq!(
        names,
        [
            ("department", RelationKind::ForeignKey),
            ("students", RelationKind::ReverseForeignKey),
            ("teachers", RelationKind::ReverseForeignKey),
        ]
    );
    // ormar's rule is the lower-cased name + `s`, even where English disagrees.
    let department = graph.model_by_name("Department").expect("model");
    assert!(department.relation("schoolclasss").is_some());
}

#[test]
fn foreign_key_column_is_a_field_named_after_the_relation() {
    let graph = school();
    let student = graph.model_by_name("Student").expect("model");
    let fields: Vec<_> = student
        .fields()
        .map(|f| (f.name(), f.column(), f.is_nullable()))
        .collect();
    assert_eq!(
        fields,
        [
            ("id", "id", false),
            ("name", "name", false),
            ("schoolclass_id", "schoolclass_id", false),
            ("category_id", "category_id", true),
        ]
    );
    let fk = student.relation("schoolclass").expect("relation");
    assert!(fk.is_required());
    assert_eq!(
        fk.foreign_key_field().map(|f| f.name()),
        Some("schoolclass_id")
    );
    assert_eq!(fk.reverse().name(), "students");
    assert_eq!(
        fk.reverse().foreign_key_field().map(|f| f.id()),
        fk.foreign_key_field().map(|f| f.id())
    );
    assert!(
        !student
            .relation("category")
            .expect("relation")
            .is_required()
    );
}

#[test]
fn foreign_key_takes_the_target_primary_key_type_and_column_override() {
    let graph = built(
        SchemaDef::new()
            .model(ModelDef::new("Account").pk("code", FieldType::text(12)))
            .model(
                ModelDef::new("Order")
                    .table("order")
                    .pk("id", FieldType::BigInteger)
                    .foreign_key(ForeignKeyDef::new("account", "Account").column("acct")),
            ),
    );
    let order = graph.model_by_name("Order").expect("model");
    let fk = order.field("account_id").expect("fk field");
    assert_eq!(fk.ty(), FieldType::text(12));
    assert_eq!(fk.column(), "acct");
    assert_eq!(fk.foreign_key().map(|r| r.name()), Some("account"));
    assert_eq!(order.table(), "order");
}

#[test]
fn model_may_refer_to_one_defined_later_and_cycles_are_allowed() {
    let graph = built(
        SchemaDef::new()
            .model(
                ModelDef::new("Team")
                    .pk("id", FieldType::Integer)
                    .foreign_key(ForeignKeyDef::new("captain", "Player").related_name("captained")),
            )
            .model(
                ModelDef::new("Player")
                    .pk("id", FieldType::Integer)
                    .foreign_key(ForeignKeyDef::new("team", "Team")),
            ),
    );
    let team = graph.model_by_name("Team").expect("model");
    assert_eq!(
        team.relation("captain").map(|r| r.target().name()),
        Some("Player")
    );
    assert_eq!(
        team.relation("players").map(|r| r.target().name()),
        Some("Player")
    );
    assert_eq!(team.table(), "teams");
}

#[test]
fn generated_through_model_follows_ormar_names() {
    let graph = built(
        SchemaDef::new()
            .model(ModelDef::new("Category").pk("id", FieldType::Integer))
            .model(
                ModelDef::new("Post")
                    .pk("id", FieldType::Integer)
                    .many_to_many(ManyToManyDef::new("categories", "Category")),
            ),
    );
    let through = graph.model_by_name("PostCategory").expect("generated");
    assert!(through.is_generated());
    assert_eq!(through.table(), "posts_categorys");
    let fields: Vec<_> = through.fields().map(|f| f.name()).collect();
    assert_eq!(fields, ["id", "post", "category"]);
    let categories = graph
        .model_by_name("Post")
        .and_then(|m| m.relation("categories"))
        .expect("relation");
    assert_eq!(through.through_of().map(|r| r.id()), Some(categories.id()));
    let t = categories.through().expect("through");
    assert_eq!(graph.field(t.source_field).name(), "post");
    assert_eq!(graph.field(t.target_field).name(), "category");
    // The reverse side crosses the same through model the other way round.
    let posts = categories.reverse();
    assert_eq!(
        (posts.name(), posts.kind()),
        ("posts", RelationKind::ReverseManyToMany)
    );
    let r = posts.through().expect("through");
    assert_eq!(
        (r.source_field, r.target_field),
        (t.target_field, t.source_field)
    );
}

#[test]
fn declared_through_model_keeps_its_fields_and_gets_the_keys() {
    let graph = built(
        SchemaDef::new()
            .model(ModelDef::new("Tag").pk("id", FieldType::Integer))
            .model(
                ModelDef::new("PostTag")
                    .pk("id", FieldType::Integer)
                    .field(FieldDef::new("weight", FieldType::Integer).nullable()),
            )
            .model(
                ModelDef::new("Post")
                    .pk("id", FieldType::Integer)
                    .many_to_many(
                        ManyToManyDef::new("tags", "Tag")
                            .through("PostTag")
                            .through_fields("post_id", "tag_id"),
                    ),
            ),
    );
    let through = graph.model_by_name("PostTag").expect("model");
    let fields: Vec<_> = through
        .fields()
        .map(|f| (f.name(), f.is_nullable()))
        .collect();
    assert_eq!(
        fields,
        [
            ("id", false),
            ("weight", true),
            ("post_id", false),
            ("tag_id", false)
        ]
    );
    assert!(!through.is_generated());
}

#[test]
fn self_referential_many_to_many_uses_from_and_to_keys() {
    let graph = built(
        SchemaDef::new().model(
            ModelDef::new("Person")
                .pk("id", FieldType::Integer)
                .many_to_many(ManyToManyDef::new("friends", "Person").related_name("friend_of")),
        ),
    );
    let through = graph.model_by_name("PersonPerson").expect("generated");
    let fields: Vec<_> = through.fields().map(|f| f.name()).collect();
    assert_eq!(fields, ["id", "from_person", "to_person"]);
    assert_eq!(through.table(), "persons_persons");
    let person = graph.model_by_name("Person").expect("model");
    assert_eq!(
        person.relations().map(|r| r.name()).collect::<Vec<_>>(),
        ["friends", "friend_of"]
    );
}

#[test]
fn skip_reverse_hides_the_reverse_side_but_keeps_it() {
    let graph = built(
        SchemaDef::new()
            .model(ModelDef::new("User").pk("id", FieldType::Integer))
            .model(
                ModelDef::new("Post")
                    .pk("id", FieldType::Integer)
                    .foreign_key(ForeignKeyDef::new("author", "User").skip_reverse()),
            ),
    );
    let posts = graph
        .model_by_name("User")
        .and_then(|m| m.relation("posts"))
        .expect("reverse kept for filters");
    assert!(posts.is_hidden());
    assert!(!posts.reverse().is_hidden());
}

#[test]
fn dot_export_labels_models_and_both_relation_directions() {
    insta::assert_snapshot!(blog().to_dot());
}

#[test]
fn toml_output_reads_back_to_the_same_definition() {
    for text in [
        include_str!("../../../schemas/school.toml"),
        include_str!("../../../schemas/blog.toml"),
        include_str!("../../../schemas/person.toml"),
    ] {
        let def = SchemaDef::from_toml(text).expect("toml");
        let written = def.to_toml().expect("to toml");
        assert_eq!(SchemaDef::from_toml(&written).expect("reread"), def);
    }
}

/// A schema with unique keys in every form: a `unique = true` field, a key with a
/// foreign key's name, a one-field key in the list, a key repeating another, and two
/// many-to-many relations (one generated, one through a declared model that lists the
/// pair itself, reversed).
const UNIQUE: &str = r#"
[[models]]
name = "Department"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "code", type = "text", unique = true },
]

[[models]]
name = "Course"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text" },
  { name = "slug", type = "text" },
]
foreign_keys = [{ name = "department", to = "Department" }]
many_to_many = [
  { name = "tags", to = "Department", related_name = "tagged" },
  { name = "rooms", to = "Department", through = "Booking", related_name = "booked" },
]
unique = [["name", "department"], ["slug"], ["department_id", "name"], ["id"]]

[[models]]
name = "Booking"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "day", type = "date" }]
unique = [["department", "course"], ["course", "day"]]
"#;

fn unique_builder() -> SchemaDef {
    SchemaDef::new()
        .model(
            ModelDef::new("Department")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("code", FieldType::TEXT).unique()),
        )
        .model(
            ModelDef::new("Course")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("name", FieldType::TEXT))
                .field(FieldDef::new("slug", FieldType::TEXT))
                .foreign_key(ForeignKeyDef::new("department", "Department"))
                .many_to_many(ManyToManyDef::new("tags", "Department").related_name("tagged"))
                .many_to_many(
                    ManyToManyDef::new("rooms", "Department")
                        .through("Booking")
                        .related_name("booked"),
                )
                .unique(["name", "department"])
                .unique(["slug"])
                .unique(["department_id", "name"])
                .unique(["id"]),
        )
        .model(
            ModelDef::new("Booking")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("day", FieldType::Date))
                .unique(["department", "course"])
                .unique(["course", "day"]),
        )
}

#[test]
fn unique_keys_in_declared_order_with_through_pairs_and_no_repeats() {
    let graph = built(SchemaDef::from_toml(UNIQUE).expect("toml"));
    let keys = |model: &str| -> Vec<Vec<&str>> {
        graph
            .model_by_name(model)
            .expect("model")
            .unique_keys()
            .map(|k| k.fields().map(|f| f.name()).collect())
            .collect()
    };
    assert_eq!(keys("Department"), [vec!["code"]]);
    // `department` names `department_id`; the reordered repeat and the pk are dropped.
    assert_eq!(
        keys("Course"),
        [vec!["name", "department_id"], vec!["slug"]]
    );
    assert_eq!(keys("CourseDepartment"), [vec!["course", "department"]]);
    // The declared pair (reversed) stands for the automatic one.
    assert_eq!(
        keys("Booking"),
        [vec!["department", "course"], vec!["course", "day"]]
    );
    let course = graph.model_by_name("Course").expect("model");
    let unique: Vec<_> = course.fields().map(|f| (f.name(), f.is_unique())).collect();
    assert_eq!(
        unique,
        [
            ("id", false),
            ("name", false),
            ("slug", true),
            ("department_id", false)
        ]
    );
    assert!(course.primary_key().is_generated());
    assert!(!course.field("slug").expect("field").is_generated());
}

#[test]
fn unique_keys_round_trip_through_toml_json_and_the_builder() {
    let def = SchemaDef::from_toml(UNIQUE).expect("toml");
    assert_eq!(def, unique_builder());
    let toml = def.to_toml().expect("to toml");
    assert_eq!(SchemaDef::from_toml(&toml).expect("reread"), def);
    let json = serde_json::to_string(&def).expect("to json");
    assert_eq!(SchemaDef::from_json(&json).expect("reread"), def);
    // Omitted when empty or false.
    let plain = SchemaDef::from_toml(include_str!("../../../schemas/school.toml")).expect("toml");
    let written = plain.to_toml().expect("to toml");
    assert!(!written.contains("unique"), "{written}");
    assert!(toml.contains("unique = true"), "{toml}");
    assert_eq!(
        def.build().expect("valid"),
        unique_builder().build().expect("valid")
    );
}
