//! Behaviour of the joined statement that snapshots alone would not pin down.

use relq::{Query, RelationGraph, SchemaDef, Sqlite, compile};

fn person() -> RelationGraph {
    SchemaDef::from_toml(include_str!("../../../schemas/person.toml"))
        .and_then(|d| d.build())
        .expect("valid sample")
}

fn sql(graph: &RelationGraph, query: &Query) -> String {
    compile(graph, query, &Sqlite::default())
        .expect("compiles")
        .statements
        .remove(0)
        .sql
}

#[test]
fn self_reference_reverse_side_joins_on_the_child_key() {
    let g = person();
    let sql = sql(
        &g,
        &Query::new("Person")
            .select_related("supervisor")
            .select_related("employees__employees"),
    );
    // Forward: the parent row holds the key; reverse: the child rows do.
    assert!(
        sql.contains(r#"LEFT OUTER JOIN "persons" AS "t1" ON "t0"."supervisor_id" = "t1"."id""#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"LEFT OUTER JOIN "persons" AS "t2" ON "t0"."id" = "t2"."supervisor_id""#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"LEFT OUTER JOIN "persons" AS "t3" ON "t2"."id" = "t3"."supervisor_id""#),
        "{sql}"
    );
}
