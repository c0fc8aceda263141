//! Resolving paths against the sample schemas: hops, fields, lookups, the foreign-key
//! column shortcut, and every resolution error with its message.

mod common;

use common::{blog, person, school};
use relq_graph::{FieldType, ForeignKeyDef, ModelDef, RelationGraph, SchemaDef};
use relq_plan::{Lookup, ParsedPath, PathErrorKind as K, PathKind, ResolvedPath, resolve};

fn run(
    g: &RelationGraph,
    root: &str,
    path: &str,
    kind: PathKind,
) -> Result<ResolvedPath, relq_plan::PathError> {
    let root = g.model_by_name(root).expect("root model").id();
    let parsed = ParsedPath::parse(path)?;
    resolve(g, root, &parsed, kind)
}

/// `Model.relation` names of the hops, and the field as `Model.field`.
fn describe(g: &RelationGraph, r: &ResolvedPath) -> (Vec<String>, Option<String>, Option<Lookup>) {
    let hops = r
        .hops()
        .iter()
        .map(|&h| {
            let rel = g.relation(h);
            format!("{}.{}", rel.source().name(), rel.name())
        })
        .collect();
    let field = r.field().map(|f| {
        let f = g.field(f);
        format!("{}.{}", f.model().name(), f.name())
    });
    (hops, field, r.lookup())
}

#[test]
fn same_model_through_two_paths_resolves_to_distinct_hops() {
    let g = school();
    let a = run(&g, "SchoolClass", "teachers__category", PathKind::Relations).expect("resolves");
    let b = run(&g, "SchoolClass", "students__category", PathKind::Relations).expect("resolves");
    assert_eq!(
        describe(&g, &a).0,
        ["SchoolClass.teachers", "Teacher.category"]
    );
    assert_eq!(
        describe(&g, &b).0,
        ["SchoolClass.students", "Student.category"]
    );
    assert_eq!(
        g.relation(a.hops()[1]).target().id(),
        g.relation(b.hops()[1]).target().id()
    );
}

#[test]
fn filter_path_resolves_hops_field_and_lookup() {
    let g = school();
    let r = run(
        &g,
        "SchoolClass",
        "students__category__name__icontains",
        PathKind::Filter,
    )
    .expect("resolves");
    assert_eq!(
        describe(&g, &r),
        (
            vec!["SchoolClass.students".into(), "Student.category".into()],
            Some("Category.name".into()),
            Some(Lookup::IContains)
        )
    );
    assert_eq!(r.lookup_or_exact(), Lookup::IContains);
    let plain = run(&g, "Student", "name", PathKind::Filter).expect("resolves");
    assert_eq!(plain.lookup_or_exact(), Lookup::Exact);
}

#[test]
fn foreign_key_resolves_to_its_own_column_without_a_join() {
    let g = blog();
    for (path, lookup) in [
        ("author", None),
        ("author_id", None),
        ("author__in", Some(Lookup::In)),
        ("author_id__gt", Some(Lookup::Gt)),
        ("author__isnull", Some(Lookup::IsNull)),
    ] {
        let r = run(&g, "Post", path, PathKind::Filter).expect(path);
        assert_eq!(
            describe(&g, &r),
            (vec![], Some("Post.author_id".into()), lookup),
            "{path}"
        );
    }
    let order = run(&g, "Post", "author", PathKind::Field).expect("order by fk");
    assert_eq!(
        describe(&g, &order),
        (vec![], Some("Post.author_id".into()), None)
    );
    // Naming a field of the target does join.
    let joined = run(&g, "Post", "author__id", PathKind::Filter).expect("resolves");
    assert_eq!(describe(&g, &joined).0, ["Post.author"]);
}

#[test]
fn pk_names_the_primary_key_of_any_model() {
    let g = blog();
    for (root, path, kind, expected) in [
        ("Post", "pk", PathKind::Filter, (vec![], "Post.id", None)),
        (
            "Author",
            "posts__pk__in",
            PathKind::Filter,
            (vec!["Author.posts"], "Post.id", Some(Lookup::In)),
        ),
        (
            "Post",
            "author__pk",
            PathKind::Field,
            (vec!["Post.author"], "Author.id", None),
        ),
    ] {
        let r = run(&g, root, path, kind).expect(path);
        let (hops, field, lookup) = expected;
        assert_eq!(
            describe(&g, &r),
            (
                hops.into_iter().map(String::from).collect(),
                Some(field.into()),
                lookup
            ),
            "{path}"
        );
    }
}

#[test]
fn isnull_on_a_to_many_relation_keeps_the_hop_and_names_no_field() {
    let g = blog();
    let r = run(&g, "Author", "posts__isnull", PathKind::Filter).expect("resolves");
    assert_eq!(
        describe(&g, &r),
        (vec!["Author.posts".into()], None, Some(Lookup::IsNull))
    );
    let m2m = run(&g, "Post", "categories__name__startswith", PathKind::Filter).expect("resolves");
    assert_eq!(describe(&g, &m2m).0, ["Post.categories"]);
}

#[test]
fn self_reference_resolves_to_any_depth() {
    let g = person();
    let r = run(
        &g,
        "Person",
        "employees__employees__supervisor__supervisor",
        PathKind::Relations,
    )
    .expect("resolves");
    assert_eq!(r.hops().len(), 4);
    let f = run(
        &g,
        "Person",
        "supervisor__supervisor__name",
        PathKind::Field,
    )
    .expect("resolves");
    assert_eq!(describe(&g, &f).1.as_deref(), Some("Person.name"));
}

#[test]
fn every_resolution_rule_gives_its_own_typed_error() {
    let school = school();
    let blog = blog();
    let hidden = SchemaDef::new()
        .model(ModelDef::new("User").pk("id", FieldType::Integer))
        .model(
            ModelDef::new("Post")
                .pk("id", FieldType::Integer)
                .foreign_key(ForeignKeyDef::new("author", "User").skip_reverse()),
        )
        .build()
        .expect("valid");
    type Expect = fn(&K) -> bool;
    let cases: [(&RelationGraph, &str, &str, PathKind, Expect); 16] = [
        (
            &school,
            "SchoolClass",
            "teacher__category",
            PathKind::Relations,
            |k| {
                matches!(
                    k,
                    K::UnknownRelation {
                        suggestion: Some(_),
                        ..
                    }
                )
            },
        ),
        (
            &school,
            "SchoolClass",
            "teachers__categry",
            PathKind::Relations,
            |k| {
                matches!(
                    k,
                    K::UnknownRelation {
                        suggestion: Some(_),
                        ..
                    }
                )
            },
        ),
        (&school, "SchoolClass", "zzz", PathKind::Relations, |k| {
            matches!(
                k,
                K::UnknownRelation {
                    suggestion: None,
                    ..
                }
            )
        }),
        (&school, "Student", "nme", PathKind::Field, |k| {
            matches!(
                k,
                K::UnknownField {
                    suggestion: Some(_),
                    ..
                }
            )
        }),
        (
            &school,
            "Student",
            "name__icontain",
            PathKind::Filter,
            |k| {
                matches!(
                    k,
                    K::UnknownLookup {
                        suggestion: Some(_),
                        ..
                    }
                )
            },
        ),
        (
            &school,
            "Student",
            "name__icontains",
            PathKind::Field,
            |k| matches!(k, K::LookupNotAllowed { .. }),
        ),
        (
            &school,
            "Student",
            "name__first__exact",
            PathKind::Filter,
            |k| matches!(k, K::FieldNotRelation { .. }),
        ),
        (
            &school,
            "SchoolClass",
            "students__in",
            PathKind::Filter,
            |k| matches!(k, K::LookupOnRelation { .. }),
        ),
        (
            &school,
            "SchoolClass",
            "students__exact",
            PathKind::Relations,
            |k| matches!(k, K::LookupNotAllowed { .. }),
        ),
        (&school, "SchoolClass", "students", PathKind::Field, |k| {
            matches!(k, K::FieldRequired { .. })
        }),
        (
            &school,
            "Student",
            "schoolclass__name",
            PathKind::Relations,
            |k| matches!(k, K::RelationRequired { .. }),
        ),
        (&hidden, "User", "posts", PathKind::Relations, |k| {
            matches!(k, K::HiddenRelation { .. })
        }),
        (
            &blog,
            "Post",
            "categories__posts__author__frist_name",
            PathKind::Field,
            |k| {
                matches!(
                    k,
                    K::UnknownField {
                        suggestion: Some(_),
                        ..
                    }
                )
            },
        ),
        (&blog, "Post", "author__icontains", PathKind::Filter, |k| {
            matches!(k, K::LookupOnRelation { .. })
        }),
        (&blog, "Post", "author__gt", PathKind::Field, |k| {
            matches!(k, K::LookupNotAllowed { .. })
        }),
        (&blog, "Author", "posts__exact", PathKind::Filter, |k| {
            matches!(k, K::LookupOnRelation { .. })
        }),
    ];
    let mut report = String::new();
    for (g, root, path, kind, expect) in cases {
        let err = run(g, root, path, kind).expect_err(path);
        assert!(expect(err.kind()), "{path}: wrong kind {:?}", err.kind());
        report.push_str(&format!("{root} {kind:?} {path}: {err}\n"));
    }
    // A hidden relation still filters.
    assert!(run(&hidden, "User", "posts__id", PathKind::Filter).is_ok());
    insta::assert_snapshot!(report);
}
