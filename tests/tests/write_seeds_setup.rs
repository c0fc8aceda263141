//! The seeds' "Relation Setup" (a foreign key set from a record, a primary key, a
//! dictionary of the target's values, or None), targets that do not exist, the ormar bugs
//! the writes issue lists as must-nots (an unsaved related record silently written as
//! NULL; full-row updates that overwrite a concurrent change), and `get_or_create` /
//! `update_or_create`, on SQLite (in memory), PostgreSQL and MariaDB, with the seeds'
//! models and rows (`common::writes::SEEDS`, `seed`). Each write is applied and the tables
//! are read back through relq's read path.
//!
//! A missing server URL fails the test, never skips it (`scripts/servers.sh start` and
//! `eval "$(scripts/servers.sh env)"`).

mod common;

use common::writes::{applied, apply, dump, keys, on_each, ops, table};
use relq::exec::ExecErrorKind;
use relq::write::{WriteErrorKind, compile_write};
use relq::{Database, RelationGraph};
use serde_json::{Value as Json, json};

/// Course 1's row.
fn math(db: &mut Database, graph: &RelationGraph) -> Json {
    table(db, graph, "Course")[0].clone()
}

/// `Course.department` set four ways: from a record (an object with its key), a primary
/// key, a dictionary of the department's values (its other values ignored, the department
/// untouched), and None; only that column changes each time.
#[test]
fn forward_fk_is_set_four_ways() {
    on_each("ws_setup", |db, graph| {
        let set = |target: Json| json!([{"op": "set", "model": "Course", "pk": 1, "relation": "department", "target": target}]);
        let arts = table(db, graph, "Department")[1].clone();
        let record = json!({"id": arts[0], "name": arts[1]});
        for (target, expected) in [
            (record, json!([1, "Math", false, 2])),
            (json!(1), json!([1, "Math", false, 1])),
            (
                json!({"id": 2, "name": "Renamed?"}),
                json!([1, "Math", false, 2]),
            ),
            (Json::Null, json!([1, "Math", false, null])),
        ] {
            let out = applied(db, graph, set(target.clone()));
            assert_eq!(out[0].affected, 1, "{target}");
            assert_eq!(math(db, graph), expected, "{target}");
        }
        assert_eq!(
            table(db, graph, "Department"),
            json!([[1, "Science"], [2, "Arts"]]),
            "the dictionary's other values are not written"
        );
        // An insert takes the key or None.
        let out = applied(
            db,
            graph,
            json!([{"op": "insert", "model": "Course", "rows": [
                {"name": "Astro", "department": 2}, {"name": "Chem", "department": null}]}]),
        );
        assert_eq!(keys(&out[0]), json!([6, 7]));
        let courses = table(db, graph, "Course");
        assert_eq!(
            (&courses[5], &courses[6]),
            (
                &json!([6, "Astro", false, 2]),
                &json!([7, "Chem", false, null])
            )
        );
    });
}

/// A dictionary (or record) without the target's primary key is not saved: a typed
/// `NotSaved` error on every dialect, where ormar writes NULL silently. So for a foreign
/// key, a many-to-many target and a child to remove; and None for a required key is
/// `NotNullable`.
#[test]
fn an_unsaved_related_record_is_an_error_not_null() {
    on_each("ws_unsaved", |db, graph| {
        for (op, model) in [
            (
                json!({"op": "set", "model": "Course", "pk": 1, "relation": "department", "target": {"name": "Science"}}),
                "Department",
            ),
            (
                json!({"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [{"name": "News"}]}),
                "Category",
            ),
            (
                json!({"op": "add", "model": "Category", "pk": 1, "relation": "posts", "targets": [{"id": null, "title": "x"}]}),
                "Post",
            ),
            (
                json!({"op": "remove", "model": "Department", "pk": 1, "relation": "courses", "targets": [{"name": "Math"}]}),
                "Course",
            ),
        ] {
            let e = compile_write(graph, &ops(json!([op])), db.dialect()).expect_err("not saved");
            match e.kind() {
                WriteErrorKind::NotSaved { model: m, pk } => {
                    assert_eq!((m.as_str(), pk.as_str()), (model, "id"), "{op}");
                }
                other => panic!("{op}: expected NotSaved, got {other:?}"),
            }
        }
        let op = json!([{"op": "set", "model": "Teacher", "pk": 1, "relation": "department", "target": null}]);
        let e = compile_write(graph, &ops(op), db.dialect()).expect_err("required");
        assert!(
            matches!(e.kind(), WriteErrorKind::NotNullable { model, field } if model == "Teacher" && field == "department_id"),
            "{e}"
        );
    });
}

/// A target, child or owner that does not exist is `ExecErrorKind::Missing` naming the
/// model and the key, and nothing of the batch is left (its earlier operations included).
#[test]
fn a_missing_target_is_a_typed_error_and_changes_nothing() {
    on_each("ws_missing", |db, graph| {
        let before = dump(db, graph);
        let first = json!({"op": "insert", "model": "Department", "rows": [{"name": "Law"}]});
        for (op, model, key) in [
            (
                json!({"op": "set", "model": "Course", "pk": 1, "relation": "department", "target": 999}),
                "Department",
                "999",
            ),
            (
                json!({"op": "set", "model": "Course", "pk": 99, "relation": "department", "target": 1}),
                "Course",
                "99",
            ),
            (
                json!({"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [5, 99]}),
                "Course",
                "99",
            ),
            (
                json!({"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1, 99]}),
                "Category",
                "99",
            ),
            (
                json!({"op": "add", "model": "Category", "pk": 1, "relation": "posts", "targets": [98]}),
                "Post",
                "98",
            ),
            (
                json!({"op": "set", "model": "Post", "pk": 1, "relation": "categories", "targets": [2, 97]}),
                "Category",
                "97",
            ),
            (
                json!({"op": "add", "model": "Department", "pk": 99, "relation": "courses", "targets": [5]}),
                "Department",
                "99",
            ),
            (
                json!({"op": "create", "model": "Department", "pk": 99, "relation": "courses", "values": {"name": "x"}}),
                "Department",
                "99",
            ),
            (
                json!({"op": "add", "model": "Post", "pk": 99, "relation": "categories", "targets": [1]}),
                "Post",
                "99",
            ),
            (
                json!({"op": "create", "model": "Post", "pk": 99, "relation": "categories", "values": {"name": "x"}}),
                "Post",
                "99",
            ),
            (
                json!({"op": "set", "model": "Department", "pk": 99, "relation": "courses", "targets": [5]}),
                "Department",
                "99",
            ),
            (
                json!({"op": "set", "model": "Category", "pk": 99, "relation": "posts", "targets": [1]}),
                "Category",
                "99",
            ),
        ] {
            let e = apply(db, graph, json!([first, op])).expect_err("missing");
            match e.kind() {
                ExecErrorKind::Missing {
                    operation: 1,
                    model: m,
                    keys,
                    ..
                } => assert_eq!(
                    (m.as_str(), keys.as_slice()),
                    (model, &[key.to_owned()][..]),
                    "{op}"
                ),
                other => panic!("{op}: expected Missing, got {other:?}: {e}"),
            }
            assert_eq!(dump(db, graph), before, "{op}: nothing changed");
        }
    });
}

/// ormar's `add` and `remove` write the whole child from memory, so a column changed by
/// someone else meanwhile is overwritten. relq's statements set only the key: a name and
/// a flag changed by a direct UPDATE before survive `add`, `remove`, `set`, and a link's
/// weight survives adding the link again.
#[test]
fn relation_writes_change_only_the_key_column() {
    on_each("ws_only_fk", |db, graph| {
        let changed = "UPDATE courses SET name = 'Changed', completed = TRUE WHERE id = 1";
        db.run(changed, &[]).expect("direct update");
        for (op, department) in [
            (
                json!({"op": "set", "model": "Course", "pk": 1, "relation": "department", "target": 2}),
                json!(2),
            ),
            (
                json!({"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [1]}),
                json!(1),
            ),
            (
                json!({"op": "remove", "model": "Department", "pk": 1, "relation": "courses", "targets": [1]}),
                Json::Null,
            ),
            (
                json!({"op": "set", "model": "Department", "pk": 2, "relation": "courses", "targets": [1, 4]}),
                json!(2),
            ),
        ] {
            applied(db, graph, json!([op]));
            assert_eq!(
                math(db, graph),
                json!([1, "Changed", true, department]),
                "{op}"
            );
        }
        applied(
            db,
            graph,
            json!([{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1]}]),
        );
        db.run("UPDATE posts_categories SET weight = 8", &[])
            .expect("direct update");
        applied(
            db,
            graph,
            json!([{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1], "through": {"weight": 1}},
                   {"op": "set", "model": "Post", "pk": 1, "relation": "categories", "targets": [1, 2]}]),
        );
        assert_eq!(
            common::writes::links(db, graph, "PostCategory"),
            json!([[0, 1, 2], [8, 1, 1]])
        );
    });
}

/// `get_or_create` twice: created, then found, with the same key and one row; on a
/// unique lookup (`Category.name`: the native upsert where the dialect has one) and on a
/// lookup no unique key covers (`Course.name`: select, then insert).
#[test]
fn get_or_create_creates_once_then_finds() {
    on_each("ws_get_or_create", |db, graph| {
        for (model, lookup, defaults, row) in [
            (
                "Category",
                json!({"name": "Sports"}),
                json!({"sort": 3}),
                json!(["Sports", 3]),
            ),
            (
                "Course",
                json!({"name": "Astro"}),
                json!({"department": 2}),
                json!(["Astro", false, 2]),
            ),
        ] {
            let op = json!([{"op": "get_or_create", "model": model, "lookup": lookup, "defaults": defaults}]);
            let first = applied(db, graph, op.clone());
            let again = applied(db, graph, op);
            assert_eq!(
                (first[0].created, again[0].created),
                (Some(true), Some(false))
            );
            assert_eq!(first[0].affected, 1);
            assert_eq!(keys(&first[0]).as_array().map(Vec::len), Some(1));
            assert_eq!(keys(&first[0]), keys(&again[0]), "{model}: the same record");
            let rows: Vec<Json> = table(db, graph, model)
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r[1] == lookup["name"])
                .cloned()
                .collect();
            let mut expected = vec![
                first[0]
                    .keys
                    .first()
                    .map(common::writes::json)
                    .unwrap_or_default(),
            ];
            expected.extend(row.as_array().into_iter().flatten().cloned());
            assert_eq!(rows, [Json::Array(expected)], "{model}: one row");
        }
        // An existing record is found, not changed.
        let out = applied(
            db,
            graph,
            json!([{"op": "get_or_create", "model": "Category", "lookup": {"name": "News"}, "defaults": {"sort": 9}}]),
        );
        assert_eq!((out[0].created, keys(&out[0])), (Some(false), json!([1])));
        assert_eq!(table(db, graph, "Category")[0], json!([1, "News", 0]));
    });
}

/// `update_or_create`: an existing record gets the defaults (only those columns), a
/// missing one is created from the lookup and the defaults.
#[test]
fn update_or_create_updates_then_creates() {
    on_each("ws_update_or_create", |db, graph| {
        let op = |name: &str, sort: i64| json!([{"op": "update_or_create", "model": "Category", "lookup": {"name": name}, "defaults": {"sort": sort}}]);
        let out = applied(db, graph, op("News", 5));
        assert_eq!((out[0].created, keys(&out[0])), (Some(false), json!([1])));
        let out = applied(db, graph, op("Fresh", 6));
        assert_eq!((out[0].created, keys(&out[0])), (Some(true), json!([3])));
        let out = applied(db, graph, op("Fresh", 7));
        assert_eq!((out[0].created, keys(&out[0])), (Some(false), json!([3])));
        assert_eq!(
            table(db, graph, "Category"),
            json!([[1, "News", 5], [2, "Tech", 0], [3, "Fresh", 7]])
        );
    });
}
