//! Filtered nested lists (`select_related` with a filter, ordering and per-parent limit)
//! and ormar's compatibility scope (`compat = "ormar"`), executed on SQLite, PostgreSQL
//! and MariaDB over one small blog (DESIGN.md, "Semantics": "Filtering a nested list",
//! "ormar compatibility scope").
//!
//! The data (BLOG, below): users Alice (1), Bob (2), Carol (3, no posts); tags python
//! (1), sql (2), rust (3); posts 1 "Intro" (author Alice, editor Bob; python, sql), 2
//! "Joins" (Alice, no editor; sql), 3 "Borrowck" (Bob, editor Alice; python, rust);
//! comments "nice" on Intro, "hm" and "+1" on Borrowck. The ormar results asserted are
//! ormar 0.26's observed ones on SQLite for the same data.

mod common;

use common::servers::{Server, loaded};
use relq_graph::{RelationGraph, SchemaDef};
use relq_plan::{Compat, Filter, OrderBy, PlanErrorKind, Query, Related, Value};
use relq_rows::to_json;
use relq_sql::{Dialect, compile};
use relq_tests::samples::Tables;
use serde_json::Value as Json;

/// The BLOG schema: the through model `PostTag` carries `weight`; `author` is NOT NULL,
/// `editor` nullable.
const BLOG: &str = r#"
[[models]]
name = "User"
table = "users"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 40 },
]

[[models]]
name = "Tag"
table = "tags"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 40 },
]

[[models]]
name = "PostTag"
table = "posts_tags"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "weight", type = "integer" },
]

[[models]]
name = "Post"
table = "posts"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "title", type = "text", max_length = 100 },
]
foreign_keys = [
  { name = "author", to = "User", related_name = "posts", nullable = false },
  { name = "editor", to = "User", related_name = "edited" },
]
many_to_many = [{ name = "tags", to = "Tag", through = "PostTag" }]

[[models]]
name = "Comment"
table = "comments"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "body", type = "text", max_length = 100 },
]
foreign_keys = [{ name = "post", to = "Post", nullable = false }]
"#;

fn graph() -> RelationGraph {
    SchemaDef::from_toml(BLOG)
        .and_then(|d| d.build())
        .expect("BLOG builds")
}

/// The rows, one `Value` per field in definition order (declared fields, then foreign
/// keys; a through model's declared fields, then its keys to `Post` and `Tag`).
fn data() -> Tables {
    let (int, text) = (Value::Int, |s: &str| Value::Text(s.to_owned()));
    let users = ["Alice", "Bob", "Carol"];
    let tags = ["python", "sql", "rust"];
    let named = |names: &[&str]| {
        (1..)
            .zip(names)
            .map(|(id, n)| vec![int(id), text(n)])
            .collect()
    };
    vec![
        ("users", named(&users)),
        ("tags", named(&tags)),
        (
            // id, title, author, editor
            "posts",
            vec![
                vec![int(1), text("Intro"), int(1), int(2)],
                vec![int(2), text("Joins"), int(1), Value::Null],
                vec![int(3), text("Borrowck"), int(2), int(1)],
            ],
        ),
        (
            // id, weight, post, tag
            "posts_tags",
            [(1, 1), (1, 2), (2, 2), (3, 1), (3, 3)]
                .iter()
                .zip(1..)
                .map(|(&(p, t), id)| vec![int(id), int(10 - id), int(p), int(t)])
                .collect(),
        ),
        (
            // id, body, post
            "comments",
            vec![
                vec![int(1), text("nice"), int(1)],
                vec![int(2), text("hm"), int(3)],
                vec![int(3), text("+1"), int(3)],
            ],
        ),
    ]
}

/// A record in one line: its title or name, then each loaded relation, `key=Label` for
/// a to-one record, `key=[...]` for a list: `Intro(author=Alice, tags=[python])`.
fn outline(record: &Json) -> String {
    let Some(fields) = record.as_object() else {
        return "null".to_owned();
    };
    let label = fields
        .get("title")
        .or_else(|| fields.get("name"))
        .or_else(|| fields.get("body"))
        .and_then(Json::as_str)
        .unwrap_or("?");
    let mut related = Vec::new();
    for (key, value) in fields {
        match value {
            Json::Array(list) => {
                let items: Vec<String> = list.iter().map(outline).collect();
                related.push(format!("{key}=[{}]", items.join(", ")));
            }
            // A to-one record (a through row has no `id`).
            Json::Object(o) if o.contains_key("id") => {
                related.push(format!("{key}={}", outline(value)));
            }
            Json::Null if !key.ends_with("_id") && key != "title" && key != "name" => {
                related.push(format!("{key}=null"));
            }
            _ => {}
        }
    }
    if related.is_empty() {
        label.to_owned()
    } else {
        format!("{label}({})", related.join(", "))
    }
}

/// Each query's records on `server`, outlined, roots separated by `; `.
fn outlines(
    server: Server,
    purpose: &str,
    graph: &RelationGraph,
    queries: &[&Query],
) -> Vec<String> {
    let mut db = loaded(server, purpose, graph, &data());
    queries
        .iter()
        .map(|query| {
            let compiled = compile(graph, query, db.dialect())
                .unwrap_or_else(|e| panic!("{}: {query:?} compiles: {e}", server.name()));
            let records = db.execute(&compiled).unwrap_or_else(|e| {
                panic!(
                    "{}: {query:?} runs: {e}\n{}",
                    server.name(),
                    compiled.statements[0].sql
                )
            });
            let json = to_json(&compiled.plan.extraction, &records).expect("JSON");
            let roots: Vec<String> = json
                .as_array()
                .expect("a list")
                .iter()
                .map(outline)
                .collect();
            roots.join("; ")
        })
        .collect()
}

/// Runs every `(query, expected outline)` on the three databases, in namespaces named
/// for `purpose` (one per test: tests run in parallel).
fn assert_on_every_server(purpose: &str, cases: &[(Query, &str)]) {
    let graph = graph();
    let queries: Vec<&Query> = cases.iter().map(|(q, _)| q).collect();
    let expected: Vec<&str> = cases.iter().map(|(_, e)| *e).collect();
    for server in Server::ALL {
        let got = outlines(server, purpose, &graph, &queries);
        for ((got, want), query) in got.iter().zip(&expected).zip(&queries) {
            assert_eq!(got, want, "{}: {query:?}", server.name());
        }
    }
}

#[test]
fn ormar_scope_reproduces_ormars_observed_results_and_roots_scope_does_not_trim() {
    let ormar = |q: Query| q.compat(Compat::Ormar);
    let python = || Filter::new("tags__name", "python");
    let intro = || Filter::new("posts__title", "Intro");
    let bob_or_sql = || {
        Filter::or([
            Filter::new("author__name", "Bob"),
            Filter::new("tags__name", "sql"),
        ])
    };
    assert_on_every_server(
        "ormar",
        &[
            // Post.filter(tags__name="python").select_related("author")
            (
                ormar(Query::new("Post").filter(python()).select_related("author")),
                "Intro(author=Alice, tags=[python]); Borrowck(author=Bob, tags=[python])",
            ),
            // User.exclude(posts__title="Intro"): row-level NOT, Carol's NULL row dropped.
            (
                ormar(Query::new("User").exclude(intro())),
                "Alice(posts=[Joins]); Bob(posts=[Borrowck])",
            ),
            // Post.filter(or_(author__name="Bob", tags__name="sql"))
            (
                ormar(Query::new("Post").filter(bob_or_sql())),
                "Intro(tags=[sql]); Joins(tags=[sql]); Borrowck(tags=[python, rust])",
            ),
            // Pages still count roots: the roots having a matching row, in pk order.
            (
                ormar(Query::new("Post").filter(python()).limit(1).offset(1)),
                "Borrowck(tags=[python])",
            ),
            (
                ormar(Query::new("User").exclude(intro()).limit(1)),
                "Alice(posts=[Joins])",
            ),
            // The roots scope: the same roots test, nothing loaded that was not asked for...
            (
                Query::new("Post").filter(python()).select_related("author"),
                "Intro(author=Alice); Borrowck(author=Bob)",
            ),
            (Query::new("User").exclude(intro()), "Bob; Carol"),
            (
                Query::new("Post").filter(bob_or_sql()),
                "Intro; Joins; Borrowck",
            ),
            // ... and whole lists where they are loaded.
            (
                Query::new("Post").filter(python()).select_related("tags"),
                "Intro(tags=[python, sql]); Borrowck(tags=[python, rust])",
            ),
            (
                Query::new("Post")
                    .filter(bob_or_sql())
                    .select_related("tags"),
                "Intro(tags=[python, sql]); Joins(tags=[sql]); Borrowck(tags=[python, rust])",
            ),
        ],
    );
}

#[test]
fn a_nested_filter_trims_only_its_list_and_never_drops_a_parent() {
    let posts = || Related::new("posts");
    assert_on_every_server(
        "nested_filter",
        &[
            (
                Query::new("User").select_related(
                    posts().filter(Filter::new("title__in", ["Joins", "Borrowck"])),
                ),
                "Alice(posts=[Joins]); Bob(posts=[Borrowck]); Carol(posts=[])",
            ),
            // Across a further to-many relation: EXISTS from the post; its own tags stay whole.
            (
                Query::new("User")
                    .select_related(posts().filter(Filter::new("tags__name", "python")))
                    .select_related("posts__tags"),
                "Alice(posts=[Intro(tags=[python, sql])]); Bob(posts=[Borrowck(tags=[python, rust])]); Carol(posts=[])",
            ),
            // Through a to-one relation of the post; the NOT NULL author below the trimmed
            // list stays a LEFT join (Alice keeps `[]`).
            (
                Query::new("User")
                    .select_related(posts().filter(Filter::new("editor__name", "Alice")))
                    .select_related("posts__author"),
                "Alice(posts=[]); Bob(posts=[Borrowck(author=Bob)]); Carol(posts=[])",
            ),
            // A many-to-many list: the through rows of other tags go too.
            (
                Query::new("Post").select_related(
                    Related::new("tags")
                        .filter(!Filter::new("name", "sql"))
                        .order_by(OrderBy::new("-name")),
                ),
                "Intro(tags=[python]); Joins(tags=[]); Borrowck(tags=[rust, python])",
            ),
            // With the roots' own filter and a page of roots.
            (
                Query::new("User")
                    .filter(Filter::new("posts__title", "Intro"))
                    .select_related(posts().filter(Filter::new("title", "Joins")))
                    .limit(1),
                "Alice(posts=[Joins])",
            ),
            // The root's filter in ormar's scope and a nested filter on another list.
            (
                Query::new("Post")
                    .compat(Compat::Ormar)
                    .filter(Filter::new("tags__name", "sql"))
                    .select_related(Related::new("comments").filter(Filter::new("body", "nice"))),
                "Intro(comments=[nice], tags=[sql]); Joins(comments=[], tags=[sql])",
            ),
            // ormar's page counts the roots the main statement returns: with the nested
            // filter applied, Borrowck has no matching row and is not on the page.
            (
                Query::new("Post")
                    .compat(Compat::Ormar)
                    .filter(Filter::new("tags__name__in", ["python", "sql"]))
                    .select_related(Related::new("tags").filter(Filter::new("name", "sql")))
                    .order_by(OrderBy::new("-id"))
                    .limit(1),
                "Joins(tags=[sql])",
            ),
        ],
    );
}

#[test]
fn a_nested_order_and_limit_keep_the_first_records_of_each_parent() {
    assert_on_every_server(
        "nested_limit",
        &[
            (
                Query::new("User").select_related(
                    Related::new("posts")
                        .order_by(OrderBy::new("-title"))
                        .limit(1),
                ),
                "Alice(posts=[Joins]); Bob(posts=[Borrowck]); Carol(posts=[])",
            ),
            (
                Query::new("Post").select_related(
                    Related::new("tags")
                        .filter(Filter::new("name__ne", "rust"))
                        .order_by(OrderBy::new("-name"))
                        .limit(1),
                ),
                "Intro(tags=[sql]); Joins(tags=[sql]); Borrowck(tags=[python])",
            ),
            // Ordered through a to-one relation of the nested model (NULL editors first).
            (
                Query::new("User").select_related(
                    Related::new("posts")
                        .order_by(OrderBy::new("editor__name"))
                        .limit(2),
                ),
                "Alice(posts=[Joins, Intro]); Bob(posts=[Borrowck]); Carol(posts=[])",
            ),
            // The same with a page of roots: the editor is joined in the main statement.
            (
                Query::new("User")
                    .select_related(
                        Related::new("posts")
                            .order_by(OrderBy::new("editor__name"))
                            .limit(2),
                    )
                    .limit(2),
                "Alice(posts=[Joins, Intro]); Bob(posts=[Borrowck])",
            ),
            // The rows below a list go with it: Borrowck's comments by body, code point order.
            (
                Query::new("Post")
                    .select_related(Related::new("comments").order_by(OrderBy::new("-body")))
                    .order_by(OrderBy::new("-id")),
                "Borrowck(comments=[hm, +1]); Joins(comments=[]); Intro(comments=[nice])",
            ),
            (
                Query::new("User")
                    .select_related(Related::new("posts").order_by(OrderBy::new("id")).limit(1))
                    .select_related("posts__tags"),
                "Alice(posts=[Intro(tags=[python, sql])]); Bob(posts=[Borrowck(tags=[python, rust])]); Carol(posts=[])",
            ),
            (
                Query::new("User").select_related(Related::new("posts").limit(0)),
                "Alice(posts=[]); Bob(posts=[]); Carol(posts=[])",
            ),
        ],
    );
}

#[test]
fn bad_nested_lists_are_typed_errors_naming_the_entry() {
    let graph = graph();
    let error = |q: Query| {
        let e = relq_plan::plan(&graph, &q).expect_err("an error");
        (e.kind().clone(), e.to_string())
    };
    let (kind, message) = error(
        Query::new("User").select_related(Related::new("posts").filter(Filter::new("titel", "x"))),
    );
    assert!(matches!(kind, PlanErrorKind::Nested { .. }), "{kind:?}");
    insta::assert_snapshot!(message, @"in select_related `posts`: in filter: unknown field or relation `titel` on model `Post` (segment 1, byte 0 of `titel`); did you mean `title`?");
    let (kind, message) = error(
        Query::new("Post").select_related(Related::new("author").filter(Filter::new("name", "x"))),
    );
    assert!(
        matches!(kind, PlanErrorKind::NestedNotList { .. }),
        "{kind:?}"
    );
    insta::assert_snapshot!(message, @"in select_related `author`: filter, order_by and limit apply to a nested list; `author` is a to-one relation");
    let (kind, message) = error(
        Query::new("User")
            .select_related(Related::new("posts").order_by(OrderBy::new("tags__name"))),
    );
    assert!(
        matches!(kind, PlanErrorKind::NestedOrderAcrossToMany { .. }),
        "{kind:?}"
    );
    insta::assert_snapshot!(message, @"in select_related `posts`: order_by `tags__name` crosses the to-many relation `tags`; a nested list is ordered by fields of its model and its to-one relations");
    let (kind, message) = error(
        Query::new("User")
            .select_related(Related::new("posts").limit(1))
            .select_related(Related::new("posts").limit(2)),
    );
    assert!(
        matches!(kind, PlanErrorKind::NestedTwice { .. }),
        "{kind:?}"
    );
    insta::assert_snapshot!(message, @"select_related `posts` has a filter, order_by or limit in two entries; give them in one");
    let (_, message) =
        error(Query::new("User").select_related(Related::new("posts").limit(u64::MAX)));
    insta::assert_snapshot!(message, @"in select_related `posts`: in limit: 18446744073709551615 is above the largest count a database accepts (9223372036854775807)");
    // A server without window functions (SQLite before 3.25, MariaDB before 10.2, MySQL
    // before 8.0) refuses a per-parent limit by name; a filter alone still compiles.
    let sqlite = relq_sqlite::Sqlite::default();
    let old_server = sqlite.with_caps(relq_sql::Caps {
        supports_window_functions: false,
        ..*sqlite.caps()
    });
    let limited = Query::new("User").select_related(Related::new("posts").limit(1));
    let e = compile(&graph, &limited, &*old_server).expect_err("no window functions");
    insta::assert_snapshot!(e.to_string(), @"a nested list's per-parent limit (ROW_NUMBER() OVER (PARTITION BY ...)) is not supported by sqlite");
    let filtered =
        Query::new("User").select_related(Related::new("posts").filter(Filter::new("id", 1)));
    assert!(compile(&graph, &filtered, &*old_server).is_ok());
    let unknown = serde_json::from_str::<Query>(r#"{"model": "User", "compat": "django"}"#)
        .expect_err("an unknown compat");
    insta::assert_snapshot!(unknown.to_string(), @"unknown variant `django`, expected `roots` or `ormar` at line 1 column 36");
}
