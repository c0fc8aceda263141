//! Sample plans and row builders shared by the rebuild's integration tests.

#![allow(dead_code, unreachable_pub)] // each test file uses some of these

use relq_graph::{FieldDef, FieldType, ManyToManyDef, ModelDef, RelationGraph, SchemaDef};
use relq_plan::{ExtractionPlan, Query, Value, plan};

/// A graph from TOML text that must be valid.
fn graph(toml: &str) -> RelationGraph {
    SchemaDef::from_toml(toml)
        .and_then(|d| d.build())
        .expect("valid sample")
}

/// The extraction plan of `query` against `graph`.
pub fn extraction(graph: &RelationGraph, query: &Query) -> ExtractionPlan {
    plan(graph, query).expect("plans").extraction
}

/// ormar's school query: `SchoolClass` with `teachers__category` and
/// `students__category` (`schemas/school.toml`). Row layout, 15 columns:
/// class `id name department_id` @0..3, teacher `id name schoolclass_id category_id`
/// @3..7, its category `id name` @7..9, student @9..13, its category @13..15.
pub fn school_plan() -> ExtractionPlan {
    let g = graph(include_str!("../../../../schemas/school.toml"));
    let q = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    extraction(&g, &q)
}

/// The blog query: `Post` with `author` and `categories` (`schemas/blog.toml`, whose
/// through model has no fields of its own). Row: post `id title author_id` @0..3,
/// author `id first_name last_name` @3..6, category `id name` @6..8.
pub fn blog_plan() -> ExtractionPlan {
    let g = graph(include_str!("../../../../schemas/blog.toml"));
    extraction(
        &g,
        &Query::new("Post")
            .select_related("author")
            .select_related("categories"),
    )
}

/// The self-reference: `Person` with `supervisor` and `employees__employees`
/// (`schemas/person.toml`). Row: person `id name supervisor_id` @0..3, supervisor @3..6,
/// employee @6..9, employee's employee @9..12.
pub fn person_plan() -> ExtractionPlan {
    let g = graph(include_str!("../../../../schemas/person.toml"));
    let q = Query::new("Person")
        .select_related("supervisor")
        .select_related("employees__employees");
    extraction(&g, &q)
}

/// Posts with tags through `PostTag`, which has a field of its own, `weight`; tags have a
/// text primary key. Row: post `id title` @0..2, tag `slug label` @2..4, `weight` @4.
pub fn tagged_plan() -> ExtractionPlan {
    let g = SchemaDef::new()
        .model(
            ModelDef::new("Tag")
                .pk("slug", FieldType::TEXT)
                .field(FieldDef::new("label", FieldType::TEXT)),
        )
        .model(
            ModelDef::new("PostTag")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("weight", FieldType::Integer).nullable()),
        )
        .model(
            ModelDef::new("Post")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("title", FieldType::TEXT))
                .many_to_many(ManyToManyDef::new("tags", "Tag").through("PostTag")),
        )
        .build()
        .expect("valid");
    extraction(&g, &Query::new("Post").select_related("tags"))
}

/// Text.
pub fn t(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A teacher or student: id, name, and its category (id, name) if it has one.
pub type Person<'a> = (i64, &'a str, Option<(i64, &'a str)>);

/// One school row: class (id, name; department 1), a teacher or none, a student or none.
pub fn school_row(
    class: (i64, &str),
    teacher: Option<Person<'_>>,
    student: Option<Person<'_>>,
) -> Vec<Value> {
    let mut row = vec![Value::Int(class.0), t(class.1), Value::Int(1)];
    for person in [teacher, student] {
        match person {
            Some((id, name, category)) => {
                row.extend([Value::Int(id), t(name), Value::Int(class.0)]);
                match category {
                    Some((cid, cname)) => row.extend([Value::Int(cid), Value::Int(cid), t(cname)]),
                    None => row.extend([Value::Null, Value::Null, Value::Null]),
                }
            }
            None => row.extend(std::iter::repeat_n(Value::Null, 6)),
        }
    }
    row
}
