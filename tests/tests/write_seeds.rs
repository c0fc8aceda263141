//! Every write example of the seeds' relation pages (shared/seeds/000 and 001: ormar's
//! reverse-FK `add` / `remove` / `clear` / `create`, the four ways to set up a relation,
//! many-to-many `add` / `create` / `remove` / `clear`), and the ormar bugs the writes
//! issue lists as must-nots, run on SQLite (in memory), PostgreSQL and MariaDB. Each
//! operation is compiled for the database's dialect and applied; then the tables are read
//! back through relq's read path and compared with the rows the seed's example leaves,
//! and the `Outcome` (rows affected, keys, created) is checked where it means something.
//!
//! Keys are generated (rows are inserted leaving `id` out, as the seeds do), so a fresh
//! namespace numbers them from 1 on all three. Link rows are compared without their own
//! generated key: PostgreSQL's `ON CONFLICT DO NOTHING` and MariaDB's `ON DUPLICATE KEY`
//! may use up key values for the links they skip.
//!
//! The relation-setup, must-not and upsert examples are in `write_seeds_setup.rs`.
//!
//! A missing server URL fails the test, never skips it (`scripts/servers.sh start` and
//! `eval "$(scripts/servers.sh env)"`).

mod common;

use common::writes::{NoConnection, applied, apply, keys, links, on_each, table};
use relq::exec::ExecErrorKind;
use relq::write::{WriteErrorKind, compile_write};
use serde_json::json;

/// `department.courses.add(course)`: an existing child by its key and new children as
/// values (one with a generated key, one with its key given: inserted, not ormar's
/// UPDATE of nothing); every child now points at the department.
#[test]
fn reverse_fk_add_links_existing_children_and_inserts_new_ones() {
    on_each("ws_fk_add", |db, graph| {
        let out = applied(
            db,
            graph,
            json!([{"op": "add", "model": "Department", "pk": 1, "relation": "courses",
                    "targets": [4, 5, {"name": "Chem"}, {"id": 20, "name": "Geo", "completed": true}]}]),
        );
        assert_eq!(out[0].affected, 4, "2 linked, 2 inserted");
        assert_eq!(keys(&out[0]), json!([6, 20]), "the new children's keys");
        assert_eq!(
            table(db, graph, "Course"),
            json!([
                [1, "Math", false, 1],
                [2, "Physics", false, 1],
                [3, "Bio", false, 1],
                [4, "Art", false, 1],
                [5, "Free", false, 1],
                [6, "Chem", false, 1],
                [20, "Geo", true, 1]
            ])
        );
        // The related_name given explicitly (`staff`) works the same way.
        applied(
            db,
            graph,
            json!([{"op": "add", "model": "Department", "pk": 2, "relation": "staff",
                    "targets": [1, {"name": "Cy"}]}]),
        );
        assert_eq!(
            table(db, graph, "Teacher"),
            json!([[1, "Ada", 2], [2, "Bob", 2], [3, "Cy", 2]])
        );
    });
}

/// `remove(course)` nulls the child's key (the course stays); `remove(course,
/// keep_reversed=False)` deletes it; a child of another department is a `Missing` error
/// naming the owner, and nothing changes.
#[test]
fn reverse_fk_remove_nulls_or_deletes_only_the_owners_children() {
    on_each("ws_fk_remove", |db, graph| {
        let out = applied(
            db,
            graph,
            json!([{"op": "remove", "model": "Department", "pk": 1, "relation": "courses", "targets": [1]}]),
        );
        assert_eq!(out[0].affected, 1);
        let out = applied(
            db,
            graph,
            json!([{"op": "remove", "model": "Department", "pk": 1, "relation": "courses",
                    "targets": [2], "keep_reversed": false}]),
        );
        assert_eq!(out[0].affected, 1);
        let after = json!([
            [1, "Math", false, null],
            [3, "Bio", false, 1],
            [4, "Art", false, 2],
            [5, "Free", false, null]
        ]);
        assert_eq!(table(db, graph, "Course"), after);
        for keep in [true, false] {
            let e = apply(
                db,
                graph,
                json!([{"op": "remove", "model": "Department", "pk": 1, "relation": "courses",
                        "targets": [3, 4], "keep_reversed": keep}]),
            )
            .expect_err("course 4 is Arts'");
            match e.kind() {
                ExecErrorKind::Missing {
                    operation: 0,
                    op: "remove",
                    model,
                    keys,
                    owner: Some((owner, key)),
                } => {
                    assert_eq!(
                        (model.as_str(), keys.as_slice()),
                        ("Course", &["4".to_owned()][..])
                    );
                    assert_eq!((owner.as_str(), key.as_str()), ("Department", "1"));
                }
                other => panic!("expected Missing, got {other:?}"),
            }
            assert_eq!(table(db, graph, "Course"), after, "nothing changed");
        }
    });
}

/// A required key (`Teacher.department`, reverse `staff`) cannot keep removed children:
/// `remove`, `clear` and `set` with `keep_reversed` are a typed `RequiredForeignKey` error
/// on every dialect, before any statement; without it the teacher is deleted.
#[test]
fn removing_from_a_required_foreign_key_is_a_typed_error() {
    on_each("ws_fk_required", |db, graph| {
        for op in [
            json!({"op": "remove", "model": "Department", "pk": 1, "relation": "staff", "targets": [1]}),
            json!({"op": "clear", "model": "Department", "pk": 1, "relation": "staff"}),
            json!({"op": "set", "model": "Department", "pk": 1, "relation": "staff", "targets": []}),
        ] {
            let e = compile_write(graph, &common::writes::ops(json!([op])), db.dialect())
                .expect_err("required key");
            match e.kind() {
                WriteErrorKind::RequiredForeignKey {
                    model,
                    relation,
                    child,
                    field,
                } => assert_eq!(
                    [model.as_str(), relation, child, field],
                    ["Department", "staff", "Teacher", "department_id"]
                ),
                other => panic!("expected RequiredForeignKey, got {other:?}"),
            }
        }
        applied(
            db,
            graph,
            json!([{"op": "remove", "model": "Department", "pk": 1, "relation": "staff",
                    "targets": [1], "keep_reversed": false}]),
        );
        assert_eq!(table(db, graph, "Teacher"), json!([[2, "Bob", 2]]));
    });
}

/// `clear()` nulls the key of every child of the department, loaded or not (nothing is
/// loaded here: it is one set-based statement), and no other department's;
/// `clear(keep_reversed=False)` deletes them.
#[test]
fn reverse_fk_clear_nulls_or_deletes_every_child_of_the_owner() {
    on_each("ws_fk_clear", |db, graph| {
        let out = applied(
            db,
            graph,
            json!([{"op": "clear", "model": "Department", "pk": 1, "relation": "courses"}]),
        );
        assert_eq!(out[0].affected, 3);
        assert_eq!(
            table(db, graph, "Course"),
            json!([
                [1, "Math", false, null],
                [2, "Physics", false, null],
                [3, "Bio", false, null],
                [4, "Art", false, 2],
                [5, "Free", false, null]
            ])
        );
        let out = applied(
            db,
            graph,
            json!([{"op": "clear", "model": "Department", "pk": 2, "relation": "courses", "keep_reversed": false},
                   {"op": "clear", "model": "Department", "pk": 1, "relation": "staff", "keep_reversed": false}]),
        );
        assert_eq!((out[0].affected, out[1].affected), (1, 1));
        assert_eq!(
            table(db, graph, "Course"),
            json!([
                [1, "Math", false, null],
                [2, "Physics", false, null],
                [3, "Bio", false, null],
                [5, "Free", false, null]
            ])
        );
        assert_eq!(table(db, graph, "Teacher"), json!([[2, "Bob", 2]]));
    });
}

/// `department.courses.create(name="Chem")`: one new child with the key set; its key
/// reported.
#[test]
fn reverse_fk_create_inserts_a_linked_child() {
    on_each("ws_fk_create", |db, graph| {
        let out = applied(
            db,
            graph,
            json!([{"op": "create", "model": "Department", "pk": 2, "relation": "courses",
                    "values": {"name": "Chem"}}]),
        );
        assert_eq!((out[0].affected, keys(&out[0])), (1, json!([6])));
        assert_eq!(
            table(db, graph, "Course")
                .as_array()
                .map(|rows| rows[5].clone()),
            Some(json!([6, "Chem", false, 2]))
        );
    });
}

/// `post.categories.add(news)` and `news.posts.add(post)`: the same link from either
/// side; adding an existing link again (from either side) inserts nothing (a link is never
/// doubled), and only the new links count as affected.
#[test]
fn m2m_add_from_both_sides_never_doubles_a_link() {
    on_each("ws_m2m_add", |db, graph| {
        let out = applied(
            db,
            graph,
            json!([{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1]}]),
        );
        assert_eq!(out[0].affected, 1);
        let out = applied(
            db,
            graph,
            json!([{"op": "add", "model": "Category", "pk": 1, "relation": "posts", "targets": [1, 2]},
                   {"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1, 1]}]),
        );
        assert_eq!(
            (out[0].affected, out[1].affected),
            (1, 0),
            "only (2, News) is new"
        );
        // Rows of PostCategory without their own key: [weight, post, category].
        assert_eq!(
            links(db, graph, "PostCategory"),
            json!([[0, 1, 1], [0, 2, 1]])
        );
    });
}

/// `add` with the through model's own field (`weight`): each new link carries it; an
/// existing link is skipped, its weight kept (Django's default for an existing pair).
#[test]
fn m2m_add_carries_through_values() {
    on_each("ws_m2m_through", |db, graph| {
        applied(
            db,
            graph,
            json!([{"op": "add", "model": "Post", "pk": 1, "relation": "categories",
                    "targets": [1, 2], "through": {"weight": 5}},
                   {"op": "add", "model": "Category", "pk": 2, "relation": "posts",
                    "targets": [1, 2], "through": {"weight": 9}}]),
        );
        assert_eq!(
            links(db, graph, "PostCategory"),
            json!([[5, 1, 1], [5, 1, 2], [9, 2, 2]])
        );
    });
}

/// `remove` deletes the owner's links to the targets (from either side), `clear` every
/// link of the owner; the categories and posts themselves stay.
#[test]
fn m2m_remove_and_clear_delete_links_only() {
    on_each("ws_m2m_remove", |db, graph| {
        applied(
            db,
            graph,
            json!([{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1, 2]},
                   {"op": "add", "model": "Post", "pk": 2, "relation": "categories", "targets": [1, 2]}]),
        );
        let out = applied(
            db,
            graph,
            json!([{"op": "remove", "model": "Category", "pk": 1, "relation": "posts", "targets": [1]}]),
        );
        assert_eq!(out[0].affected, 1);
        assert_eq!(
            links(db, graph, "PostCategory"),
            json!([[0, 1, 2], [0, 2, 1], [0, 2, 2]])
        );
        let out = applied(
            db,
            graph,
            json!([{"op": "clear", "model": "Category", "pk": 2, "relation": "posts"}]),
        );
        assert_eq!(out[0].affected, 2);
        assert_eq!(links(db, graph, "PostCategory"), json!([[0, 2, 1]]));
        let out = applied(
            db,
            graph,
            json!([{"op": "clear", "model": "Post", "pk": 2, "relation": "categories", "keep_reversed": false}]),
        );
        assert_eq!(out[0].affected, 1);
        assert_eq!(links(db, graph, "PostCategory"), json!([]));
        assert_eq!(
            table(db, graph, "Category"),
            json!([[1, "News", 0], [2, "Tech", 0]]),
            "targets kept"
        );
        assert_eq!(table(db, graph, "Post").as_array().map(Vec::len), Some(2));
    });
}

/// `post.categories.create(name="Tips", weight=7)`: the category and its link together
/// (one transaction: no orphan category); then `set` makes the post's categories exactly
/// the given ones, keeping the links that stay (their weight too).
#[test]
fn m2m_create_and_set() {
    on_each("ws_m2m_create", |db, graph| {
        let out = applied(
            db,
            graph,
            json!([{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1], "through": {"weight": 4}},
                   {"op": "create", "model": "Post", "pk": 1, "relation": "categories",
                    "values": {"name": "Tips"}, "through": {"weight": 7}}]),
        );
        assert_eq!(keys(&out[1]), json!([3]), "the new category's key");
        assert_eq!(
            table(db, graph, "Category"),
            json!([[1, "News", 0], [2, "Tech", 0], [3, "Tips", 0]])
        );
        assert_eq!(
            links(db, graph, "PostCategory"),
            json!([[4, 1, 1], [7, 1, 3]])
        );
        applied(
            db,
            graph,
            json!([{"op": "set", "model": "Post", "pk": 1, "relation": "categories", "targets": [1, 2]}]),
        );
        assert_eq!(
            links(db, graph, "PostCategory"),
            json!([[0, 1, 2], [4, 1, 1]])
        );
        applied(
            db,
            graph,
            json!([{"op": "set", "model": "Category", "pk": 2, "relation": "posts", "targets": [2]}]),
        );
        assert_eq!(
            links(db, graph, "PostCategory"),
            json!([[0, 2, 2], [4, 1, 1]])
        );
    });
}

/// A self-referencing many-to-many (`Person.friends`, reverse `friend_of`): links from
/// either side, and `clear` removes only the owner's outgoing links (ormar raises
/// `KeyError` here).
#[test]
fn self_referencing_m2m_add_remove_clear() {
    on_each("ws_m2m_self", |db, graph| {
        applied(
            db,
            graph,
            json!([{"op": "add", "model": "Person", "pk": 1, "relation": "friends", "targets": [2, 3]},
                   {"op": "add", "model": "Person", "pk": 3, "relation": "friend_of", "targets": [2]},
                   {"op": "add", "model": "Person", "pk": 3, "relation": "friends", "targets": [1]}]),
        );
        // [from_person, to_person]
        assert_eq!(
            links(db, graph, "PersonPerson"),
            json!([[1, 2], [1, 3], [2, 3], [3, 1]])
        );
        let out = applied(
            db,
            graph,
            json!([{"op": "clear", "model": "Person", "pk": 1, "relation": "friends"}]),
        );
        assert_eq!(out[0].affected, 2);
        assert_eq!(links(db, graph, "PersonPerson"), json!([[2, 3], [3, 1]]));
        let out = applied(
            db,
            graph,
            json!([{"op": "clear", "model": "Person", "pk": 1, "relation": "friend_of"},
                   {"op": "remove", "model": "Person", "pk": 3, "relation": "friend_of", "targets": [2]}]),
        );
        assert_eq!((out[0].affected, out[1].affected), (1, 1));
        assert_eq!(links(db, graph, "PersonPerson"), json!([]));
        assert_eq!(table(db, graph, "Person").as_array().map(Vec::len), Some(3));
    });
}

/// Empty `add([])`, `remove([])` and `update({})` compile to no statement on every
/// dialect, and `apply` sends nothing (it runs on a connection that fails any call).
#[test]
fn empty_operations_send_no_statement() {
    on_each("ws_empty", |db, graph| {
        let batch = json!([
            {"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": []},
            {"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": []},
            {"op": "remove", "model": "Department", "pk": 1, "relation": "courses", "targets": []},
            {"op": "remove", "model": "Department", "pk": 1, "relation": "courses", "targets": [], "keep_reversed": false},
            {"op": "remove", "model": "Post", "pk": 1, "relation": "categories", "targets": []},
            {"op": "update", "model": "Course", "values": {}},
            {"op": "update", "model": "Course", "filter": [["name", "Math"]], "values": {}}
        ]);
        let write = common::writes::compiled(db, graph, batch);
        assert_eq!(write.statement_count(), 0);
        let out = relq::exec::apply(&mut NoConnection, &write).expect("nothing sent");
        assert_eq!(out.len(), 7);
        assert!(out.iter().all(|o| o.affected == 0 && o.keys.is_empty()));
        let before = common::writes::dump(db, graph);
        assert!(db.apply(&write).is_ok());
        assert_eq!(common::writes::dump(db, graph), before);
    });
}
