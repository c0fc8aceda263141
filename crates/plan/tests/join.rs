//! Join trees built from select_related paths: one node per prefix, deterministic
//! aliases, through aliases for many-to-many, and inner joins only where safe.

mod common;

use common::{blog, person, school};
use relq_graph::{FieldType, ManyToManyDef, ModelDef, RelationGraph, SchemaDef};
use relq_plan::{JoinKind, JoinTree, JoinTreeBuilder, ParsedPath, PathKind, resolve};

fn tree(g: &RelationGraph, root: &str, paths: &[(&str, bool)]) -> JoinTree {
    let root = g.model_by_name(root).expect("model").id();
    let mut b = JoinTreeBuilder::new(root);
    for (p, loaded) in paths {
        let parsed = ParsedPath::parse(p).expect("parses");
        let resolved = resolve(g, root, &parsed, PathKind::Relations).expect("resolves");
        b.add(resolved.hops(), *loaded);
    }
    b.finish(g)
}

/// One line per node: alias, through alias, model, relation, join kind, loaded.
fn describe(g: &RelationGraph, t: &JoinTree) -> String {
    t.nodes()
        .iter()
        .map(|n| {
            let through = n
                .through_alias()
                .map(|a| format!(" via {a}"))
                .unwrap_or_default();
            let rel = n.relation().map(|r| g.relation(r).name()).unwrap_or("-");
            let join = match n.join() {
                JoinKind::Inner => "inner",
                JoinKind::LeftOuter => "left",
            };
            let loaded = if n.is_loaded() { "loaded" } else { "joined" };
            format!(
                "{}{through} {} by {rel} {join} {loaded}\n",
                n.alias(),
                g.model(n.model()).name()
            )
        })
        .collect()
}

#[test]
fn same_model_through_two_paths_gets_two_aliases_in_the_given_order() {
    let g = school();
    let t = tree(
        &g,
        "SchoolClass",
        &[("teachers__category", true), ("students__category", true)],
    );
    insta::assert_snapshot!(describe(&g, &t), @r"
    t0 SchoolClass by - inner loaded
    t1 Teacher by teachers left loaded
    t2 Category by category left loaded
    t3 Student by students left loaded
    t4 Category by category left loaded
    ");
    assert_eq!(
        t.alias_of(&g, "teachers__category").map(|a| a.number()),
        Some(2)
    );
    assert_eq!(
        t.alias_of(&g, "students__category").map(|a| a.number()),
        Some(4)
    );
    assert_eq!(t.alias_of(&g, "students__department"), None);
}

#[test]
fn shared_prefixes_share_a_node_and_depth_first_order_follows_first_mention() {
    let g = school();
    let t = tree(
        &g,
        "Student",
        &[
            ("schoolclass", true),
            ("category", true),
            ("schoolclass__department", true),
            ("schoolclass", true),
        ],
    );
    insta::assert_snapshot!(describe(&g, &t), @r"
    t0 Student by - inner loaded
    t1 SchoolClass by schoolclass inner loaded
    t2 Department by department inner loaded
    t3 Category by category left loaded
    ");
}

#[test]
fn required_foreign_key_under_an_outer_join_stays_outer() {
    let g = school();
    let t = tree(&g, "Department", &[("schoolclasss__department", true)]);
    insta::assert_snapshot!(describe(&g, &t), @r"
    t0 Department by - inner loaded
    t1 SchoolClass by schoolclasss left loaded
    t2 Department by department left loaded
    ");
}

#[test]
fn nodes_only_joined_through_are_not_loaded_unless_another_path_loads_them() {
    let g = school();
    let t = tree(
        &g,
        "Student",
        &[("schoolclass__department", false), ("schoolclass", true)],
    );
    insta::assert_snapshot!(describe(&g, &t), @r"
    t0 Student by - inner loaded
    t1 SchoolClass by schoolclass inner loaded
    t2 Department by department inner joined
    ");
}

#[test]
fn many_to_many_crosses_its_through_model_with_an_alias_of_its_own() {
    let g = blog();
    let t = tree(&g, "Post", &[("categories__posts__author", true)]);
    insta::assert_snapshot!(describe(&g, &t), @r"
    t0 Post by - inner loaded
    t2 via t1 Category by categories left loaded
    t4 via t3 Post by posts left loaded
    t5 Author by author left loaded
    ");
}

#[test]
fn self_references_nest_to_any_depth() {
    let g = SchemaDef::new()
        .model(
            ModelDef::new("Person")
                .pk("id", FieldType::Integer)
                .many_to_many(ManyToManyDef::new("friends", "Person").related_name("friend_of")),
        )
        .build()
        .expect("valid");
    let t = tree(
        &g,
        "Person",
        &[("friends__friends", true), ("friend_of", true)],
    );
    insta::assert_snapshot!(describe(&g, &t), @r"
    t0 Person by - inner loaded
    t2 via t1 Person by friends left loaded
    t4 via t3 Person by friends left loaded
    t6 via t5 Person by friend_of left loaded
    ");
    let p = person();
    let deep = tree(
        &p,
        "Person",
        &[
            ("supervisor__supervisor__supervisor", true),
            ("employees__employees", true),
        ],
    );
    assert_eq!(deep.nodes().len(), 6);
    assert_eq!(
        deep.alias_of(&p, "employees__employees")
            .map(|a| a.number()),
        Some(5)
    );
}

#[test]
fn same_paths_in_the_same_order_give_the_same_tree() {
    let g = school();
    let paths = [
        ("students__category", true),
        ("teachers", true),
        ("department", true),
    ];
    assert_eq!(
        tree(&g, "SchoolClass", &paths),
        tree(&g, "SchoolClass", &paths)
    );
    let root = g.model_by_name("SchoolClass").expect("model").id();
    let t = tree(&g, "SchoolClass", &paths);
    let students = resolve(
        &g,
        root,
        &ParsedPath::parse("students").expect("p"),
        PathKind::Relations,
    )
    .expect("r");
    assert_eq!(
        t.node_at(students.hops())
            .map(|n| t.node(n).alias().number()),
        Some(1)
    );
}
