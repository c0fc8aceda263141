//! Planning queries: selected columns by position, the extraction plan, orderings through
//! relations that are not loaded, fields / exclude_fields, and compile errors.

mod common;

use common::{person, school};
use relq_graph::{FieldDef, FieldType, ManyToManyDef, ModelDef, SchemaDef};
use relq_plan::{Filter, OrderBy, Plan, PlanErrorKind as K, Query, QueryPart, plan};
use serde_json::json;

/// One line per plan node: alias, path, cardinality, pk position, `field@position`s.
fn describe(p: &Plan) -> String {
    let mut out = String::new();
    for (i, n) in p.extraction.nodes.iter().enumerate() {
        let alias = p.tree_node(i).map(|t| p.tree.node(t).alias());
        let cols: Vec<String> = n
            .columns
            .iter()
            .map(|c| format!("{}@{}", c.field, c.position))
            .collect();
        let through = n
            .through
            .as_ref()
            .map(|t| {
                let c: Vec<String> = t
                    .columns
                    .iter()
                    .map(|c| format!("{}@{}", c.field, c.position))
                    .collect();
                format!(" + {} [{}]", t.model, c.join(" "))
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "{} {:?} {} {:?} parent={:?} pk@{} [{}]{through}\n",
            alias.map(|a| a.to_string()).unwrap_or_default(),
            n.path,
            n.model,
            n.cardinality,
            n.parent,
            n.pk,
            cols.join(" ")
        ));
    }
    out
}

/// Every row position belongs to exactly one column of one node.
fn assert_positions_partition_the_row(p: &Plan) {
    let mut seen = vec![0u8; p.extraction.width];
    for n in &p.extraction.nodes {
        let through = n.through.iter().flat_map(|t| &t.columns);
        for c in n.columns.iter().chain(through) {
            seen[c.position] += 1;
        }
    }
    assert!(seen.iter().all(|&s| s == 1), "positions {seen:?}");
    assert_eq!(p.columns.len(), p.extraction.width);
}

#[test]
fn school_query_places_every_node_s_columns_in_alias_order() {
    let g = school();
    let q = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    let p = plan(&g, &q).expect("plans");
    assert_positions_partition_the_row(&p);
    insta::assert_snapshot!(describe(&p), @r#"
    t0 "" SchoolClass Root parent=None pk@0 [id@0 name@1 department_id@2]
    t1 "teachers" Teacher Many parent=Some(0) pk@3 [id@3 name@4 schoolclass_id@5 category_id@6]
    t2 "teachers__category" Category One parent=Some(1) pk@7 [id@7 name@8]
    t3 "students" Student Many parent=Some(0) pk@9 [id@9 name@10 schoolclass_id@11 category_id@12]
    t4 "students__category" Category One parent=Some(3) pk@13 [id@13 name@14]
    "#);
}

#[test]
fn extraction_plan_serialises_for_other_languages() {
    let g = school();
    let p = plan(&g, &Query::new("Student").select_related("category")).expect("plans");
    let json = serde_json::to_string_pretty(&p.extraction).expect("json");
    let back: relq_plan::ExtractionPlan = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, p.extraction);
    insta::assert_snapshot!(json);
}

#[test]
fn fields_keep_named_fields_and_primary_keys_and_exclude_fields_drop() {
    let g = school();
    let q = Query::new("SchoolClass")
        .select_related("students__category")
        .field("name")
        .field("students__name")
        .exclude_field("students__category__name");
    let p = plan(&g, &q).expect("plans");
    assert_positions_partition_the_row(&p);
    insta::assert_snapshot!(describe(&p), @r#"
    t0 "" SchoolClass Root parent=None pk@0 [id@0 name@1]
    t1 "students" Student Many parent=Some(0) pk@2 [id@2 name@3]
    t2 "students__category" Category One parent=Some(1) pk@4 [id@4]
    "#);
}

#[test]
fn exclude_fields_leave_a_field_out_only_on_the_node_they_name() {
    // Category is loaded twice; excluding the teachers' category name keeps the
    // students' category name.
    let g = school();
    let q = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .exclude_field("teachers__category__name");
    let p = plan(&g, &q).expect("plans");
    assert_positions_partition_the_row(&p);
    insta::assert_snapshot!(describe(&p), @r#"
    t0 "" SchoolClass Root parent=None pk@0 [id@0 name@1 department_id@2]
    t1 "teachers" Teacher Many parent=Some(0) pk@3 [id@3 name@4 schoolclass_id@5 category_id@6]
    t2 "teachers__category" Category One parent=Some(1) pk@7 [id@7]
    t3 "students" Student Many parent=Some(0) pk@8 [id@8 name@9 schoolclass_id@10 category_id@11]
    t4 "students__category" Category One parent=Some(3) pk@12 [id@12 name@13]
    "#);

    // A self-reference: the root's `name` is left out, the supervisor's is not.
    let g = person();
    let q = Query::new("Person")
        .select_related("supervisor")
        .exclude_field("name");
    let p = plan(&g, &q).expect("plans");
    assert_positions_partition_the_row(&p);
    insta::assert_snapshot!(describe(&p), @r#"
    t0 "" Person Root parent=None pk@0 [id@0 supervisor_id@1]
    t1 "supervisor" Person One parent=Some(0) pk@2 [id@2 name@3 supervisor_id@4]
    "#);
}

#[test]
fn many_to_many_children_carry_their_through_fields() {
    let g = SchemaDef::new()
        .model(
            ModelDef::new("Tag")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("name", FieldType::TEXT)),
        )
        .model(
            ModelDef::new("PostTag")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("weight", FieldType::Integer).nullable()),
        )
        .model(
            ModelDef::new("Post")
                .pk("id", FieldType::Integer)
                .many_to_many(ManyToManyDef::new("tags", "Tag").through("PostTag")),
        )
        .build()
        .expect("valid");
    let p = plan(&g, &Query::new("Post").select_related("tags")).expect("plans");
    assert_positions_partition_the_row(&p);
    insta::assert_snapshot!(describe(&p), @r#"
    t0 "" Post Root parent=None pk@0 [id@0]
    t2 "tags" Tag Many parent=Some(0) pk@1 [id@1 name@2] + PostTag [weight@3]
    "#);
}

#[test]
fn ordering_through_an_unloaded_relation_joins_without_loading() {
    let g = school();
    let q = Query::new("Student")
        .order_by(OrderBy::new("-schoolclass__department__name"))
        .order_by(OrderBy::new("schoolclass__teachers__name"));
    let p = plan(&g, &q).expect("plans");
    assert_eq!(p.extraction.nodes.len(), 1, "only the root is loaded");
    assert_eq!(
        p.tree.nodes().len(),
        3,
        "the to-one path is joined for ordering; the path across an unloaded to-many is not"
    );
    let terms: Vec<_> = p
        .order
        .iter()
        .map(|o| {
            let node = o.node.map(|n| p.tree.node(n).alias().to_string());
            (o.descending, o.across_to_many, node, o.hops.len())
        })
        .collect();
    assert_eq!(
        terms,
        [
            (true, false, Some("t2".to_owned()), 2),
            (false, true, None, 2)
        ]
    );
}

#[test]
fn ordering_across_a_loaded_to_many_relation_reuses_its_node() {
    let g = school();
    let q = Query::new("SchoolClass")
        .select_related("students")
        .order_by(OrderBy::new("students__category__name"));
    let p = plan(&g, &q).expect("plans");
    assert_eq!(p.tree.nodes().len(), 3, "students loaded, category joined");
    let term = &p.order[0];
    assert!(term.across_to_many);
    assert_eq!(
        term.node.map(|n| p.tree.node(n).alias().to_string()),
        Some("t2".to_owned())
    );
}

#[test]
fn every_compile_rule_gives_its_own_typed_error() {
    let g = school();
    type Expect = fn(&K) -> bool;
    let cases: [(Query, Expect); 13] = [
        (Query::new("SchoolClass").limit(u64::MAX), |k| {
            matches!(
                k,
                K::CountTooLarge {
                    part: QueryPart::Limit,
                    ..
                }
            )
        }),
        (Query::new("SchoolClass").offset(1 << 63), |k| {
            matches!(
                k,
                K::CountTooLarge {
                    part: QueryPart::Offset,
                    ..
                }
            )
        }),
        (Query::new("SchoolClas"), |k| {
            matches!(
                k,
                K::UnknownModel {
                    suggestion: Some(_),
                    ..
                }
            )
        }),
        (Query::new("SchoolClass").select_related("teacher"), |k| {
            matches!(
                k,
                K::Path {
                    part: QueryPart::SelectRelated,
                    ..
                }
            )
        }),
        (
            Query::new("SchoolClass").order_by(OrderBy::new("-students")),
            |k| {
                matches!(
                    k,
                    K::Path {
                        part: QueryPart::OrderBy,
                        ..
                    }
                )
            },
        ),
        (Query::new("SchoolClass").field("students__name"), |k| {
            matches!(k, K::RelationNotLoaded { .. })
        }),
        (Query::new("SchoolClass").exclude_field("id"), |k| {
            matches!(k, K::ExcludedPrimaryKey { .. })
        }),
        (
            Query::new("SchoolClass").filter(Filter::new("students__nme", "x")),
            |k| {
                matches!(
                    k,
                    K::Path {
                        part: QueryPart::Filter,
                        ..
                    }
                )
            },
        ),
        (
            Query::new("SchoolClass").filter(Filter::new("id__gt", "3")),
            |k| matches!(k, K::FilterValue { .. }),
        ),
        (
            Query::new("SchoolClass").exclude(Filter::new("name__in", json!(["a", 1]))),
            |k| {
                matches!(
                    k,
                    K::FilterValue {
                        part: QueryPart::Exclude,
                        ..
                    }
                )
            },
        ),
        (
            Query::new("SchoolClass").filter(Filter::new("id__range", json!([1]))),
            |k| matches!(k, K::FilterValue { .. }),
        ),
        (
            Query::new("SchoolClass").filter(Filter::new("students__isnull", "yes")),
            |k| matches!(k, K::FilterValue { .. }),
        ),
        (
            Query::new("SchoolClass").filter(Filter::new("id__icontains", 3)),
            |k| {
                matches!(
                    k,
                    K::LookupOnKind {
                        lookup: "icontains",
                        ..
                    }
                )
            },
        ),
    ];
    let mut report = String::new();
    for (q, expect) in cases {
        let err = plan(&g, &q).expect_err("must fail");
        assert!(expect(err.kind()), "wrong kind {:?}", err.kind());
        report.push_str(&format!("{err}\n"));
    }
    insta::assert_snapshot!(report, @r#"
    in limit: 18446744073709551615 is above the largest count a database accepts (9223372036854775807)
    in offset: 9223372036854775808 is above the largest count a database accepts (9223372036854775807)
    unknown model `SchoolClas`; did you mean `SchoolClass`?
    in select_related: unknown relation `teacher` on model `SchoolClass` (segment 1, byte 0 of `teacher`); did you mean `teachers`?
    in order_by: relation `SchoolClass.students` where a field is required (segment 1, byte 1 of `-students`); name a field of it, e.g. `students__id`
    in fields: `students__name` names a field of a relation that is not loaded; add `students` to select_related
    in exclude_fields: `id` is a primary key, which is always selected
    in filter: unknown field or relation `nme` on model `Student` (segment 2, byte 10 of `students__nme`); did you mean `name`?
    in filter: `id__gt` takes an integer; got the string "3"
    in exclude: `name__in` takes a list of strings; got the list ["a",1]
    in filter: `id__range` takes two integers [low, high]; got the list [1]
    in filter: `students__isnull` takes true or false; got the string "yes"
    in filter: `id__icontains`: lookup `icontains` does not apply to field `SchoolClass.id`, which holds int values
    "#);
}
