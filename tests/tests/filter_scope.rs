//! The scope of filters across relations, executed on SQLite (DESIGN.md, "Filters across
//! relations"): a filter through a to-many relation keeps a root when some related row
//! matches (EXISTS), never repeats a root, never trims a loaded list; `exclude` keeps roots
//! without related rows; the conditions of one `filter` call on a to-many path hold for
//! the same related row, separate calls may match different rows (Django's rule); a
//! to-one path reuses its join, and `exclude` through it keeps rows without the related
//! record; `isnull` on a reverse relation means "has none"; `in []` matches nothing.
//!
//! The data, on ormar's blog sample (`schemas/blog.toml`): authors Guido (1), Bob (2) and
//! Ann (3, no posts); categories sql (1), orm (2), News (3), empty (4, no posts); posts
//! 1 "M2M in ormar" (Guido; sql, orm), 2 "Hello" (Bob; News), 3 "Orphan" (no author, no
//! category), 4 "m2m lower" (Guido; orm), 5 "100% sure_thing" (Bob; sql, News).

mod common;

use common::servers::{Server, loaded};
use relq_graph::RelationGraph;
use relq_plan::{Filter, OrderBy, Query, Value};
use relq_rows::to_json;
use relq_sample::Sample;
use relq_sql::compile;
use relq_tests::samples::Tables;
use serde_json::json;

fn data() -> Tables {
    let (int, text) = (Value::Int, |s: &str| Value::Text(s.to_owned()));
    let post = |id, title: &str, author: Option<i64>| {
        vec![int(id), text(title), author.map_or(Value::Null, int)]
    };
    vec![
        (
            "authors",
            vec![
                vec![int(1), text("Guido"), text("van Rossum")],
                vec![int(2), text("Bob"), text("Smith")],
                vec![int(3), text("Ann"), text("O'Hara")],
            ],
        ),
        (
            "categories",
            vec![
                vec![int(1), text("sql")],
                vec![int(2), text("orm")],
                vec![int(3), text("News")],
                vec![int(4), text("empty")],
            ],
        ),
        (
            "posts",
            vec![
                post(1, "M2M in ormar", Some(1)),
                post(2, "Hello", Some(2)),
                post(3, "Orphan", None),
                post(4, "m2m lower", Some(1)),
                post(5, "100% sure_thing", Some(2)),
            ],
        ),
        (
            // id, weight, post, category
            "posts_categories",
            [(1, 1), (1, 2), (2, 3), (4, 2), (5, 1), (5, 3)]
                .iter()
                .zip(1..)
                .map(|(&(p, c), id)| vec![int(id), int(10 * id), int(p), int(c)])
                .collect(),
        ),
    ]
}

struct Blog {
    graph: RelationGraph,
}

impl Blog {
    fn new() -> Self {
        Self {
            graph: Sample::Blog.graph().expect("the blog sample builds"),
        }
    }

    /// The records of `query` on SQLite, as JSON.
    fn json(&self, query: &Query) -> serde_json::Value {
        let mut db = loaded(Server::Sqlite, "scope", &self.graph, &data());
        let compiled = compile(&self.graph, query, db.dialect())
            .unwrap_or_else(|e| panic!("{query:?} compiles: {e}"));
        let records = db
            .execute(&compiled)
            .unwrap_or_else(|e| panic!("{query:?} runs: {e}"));
        to_json(&compiled.plan.extraction, &records).expect("JSON")
    }

    /// The ids of the roots of `query`, in order.
    fn ids(&self, query: &Query) -> Vec<i64> {
        let json = self.json(query);
        json.as_array()
            .expect("a list of records")
            .iter()
            .map(|r| r["id"].as_i64().expect("an id"))
            .collect()
    }

    /// Each root's id with the ids of its loaded `relation` list.
    fn nested(&self, query: &Query, relation: &str) -> Vec<(i64, Vec<i64>)> {
        let json = self.json(query);
        json.as_array()
            .expect("a list of records")
            .iter()
            .map(|r| {
                let list = r[relation].as_array().expect("a loaded list");
                let ids = list.iter().map(|c| c["id"].as_i64().expect("an id"));
                (r["id"].as_i64().expect("an id"), ids.collect())
            })
            .collect()
    }

    /// The compact SQLite text of `query`.
    fn sql(&self, query: &Query) -> String {
        let compiled = compile(&self.graph, query, &relq_sqlite::Sqlite::default())
            .unwrap_or_else(|e| panic!("{query:?} compiles: {e}"));
        compiled.statements[0].sql.to_string()
    }
}

#[test]
fn a_filter_across_a_to_many_relation_keeps_each_root_once() {
    // orm has two posts by Guido: a join would return it twice.
    let blog = Blog::new();
    let q = Query::new("Category").filter(Filter::new("posts__author", 1));
    assert_eq!(blog.ids(&q), [1, 2]);
    assert!(
        blog.sql(&q).contains("EXISTS (SELECT 1 FROM"),
        "{}",
        blog.sql(&q)
    );
}

#[test]
fn filtered_roots_keep_their_whole_nested_lists() {
    // The same path loaded and filtered: sql keeps Bob's post 5 in its list.
    let blog = Blog::new();
    let q = Query::new("Category")
        .select_related("posts")
        .filter(Filter::new("posts__author", 1));
    assert_eq!(blog.nested(&q, "posts"), [(1, vec![1, 5]), (2, vec![1, 4])]);
    let q = Query::new("Post")
        .select_related("categories")
        .filter(Filter::new("categories__name", "sql"));
    assert_eq!(
        blog.nested(&q, "categories"),
        [(1, vec![1, 2]), (5, vec![1, 3])]
    );
}

#[test]
fn exclude_across_a_to_many_relation_keeps_roots_without_related_rows() {
    let blog = Blog::new();
    let q = Query::new("Category").exclude(Filter::new("posts__author", 1));
    assert_eq!(blog.ids(&q), [3, 4]);
    assert!(blog.sql(&q).contains("NOT EXISTS (SELECT 1 FROM"));
}

#[test]
fn conditions_of_one_call_hold_for_the_same_related_row_separate_calls_need_not() {
    let blog = Blog::new();
    let (by_bob, m2m) = (
        Filter::new("posts__author", 2),
        Filter::new("posts__title__startswith", "M2M"),
    );
    // No post is both Bob's and titled "M2M...".
    let one_call = Query::new("Category").filter(Filter::and([by_bob.clone(), m2m.clone()]));
    assert_eq!(blog.ids(&one_call), Vec::<i64>::new());
    // sql has a post by Bob (5) and another titled "M2M..." (1).
    let two_calls = Query::new("Category").filter(by_bob).filter(m2m);
    assert_eq!(blog.ids(&two_calls), [1]);
    assert_eq!(blog.sql(&one_call).matches("EXISTS").count(), 1);
    assert_eq!(blog.sql(&two_calls).matches("EXISTS").count(), 2);
}

#[test]
fn a_negated_condition_across_a_to_many_relation_means_no_related_row_matches() {
    // Categories with posts, none of them by Bob: orm only (sql and News have Bob's).
    let blog = Blog::new();
    let q = Query::new("Category").filter(Filter::and([
        Filter::new("posts__isnull", false),
        !Filter::new("posts__author", 2),
    ]));
    assert_eq!(blog.ids(&q), [2]);
}

#[test]
fn or_across_a_to_one_and_a_to_many_relation() {
    // ormar's `Post.filter(or_(author__name="Bob", categories__name="sql"))`.
    let blog = Blog::new();
    let q = Query::new("Post").filter(Filter::or([
        Filter::new("author__first_name", "Bob"),
        Filter::new("categories__name", "sql"),
    ]));
    assert_eq!(blog.ids(&q), [1, 2, 5]);
}

#[test]
fn a_filter_through_a_to_one_relation_reuses_its_join() {
    let blog = Blog::new();
    let q = Query::new("Post")
        .select_related("author")
        .filter(Filter::new("author__first_name", "Bob"));
    assert_eq!(blog.ids(&q), [2, 5]);
    let sql = blog.sql(&q);
    assert_eq!(sql.matches("JOIN \"authors\"").count(), 1, "{sql}");
    assert!(!sql.contains("EXISTS"), "{sql}");
}

#[test]
fn exclude_through_a_to_one_relation_keeps_rows_without_the_related_record() {
    // Django's `exclude(author__name="Bob")` keeps the post without an author.
    let blog = Blog::new();
    let q = Query::new("Post").exclude(Filter::new("author__first_name", "Bob"));
    assert_eq!(blog.ids(&q), [1, 3, 4]);
    // A filter on it does not match the missing author.
    let q = Query::new("Post").filter(Filter::new("author__first_name__ne", "Bob"));
    assert_eq!(blog.ids(&q), [1, 4]);
}

#[test]
fn isnull_on_a_reverse_relation_means_has_none() {
    let blog = Blog::new();
    let none = |path: &str| Query::new("Category").filter(Filter::new(path, true));
    assert_eq!(blog.ids(&none("posts__isnull")), [4]);
    let some = Query::new("Category").filter(Filter::new("posts__isnull", false));
    assert_eq!(blog.ids(&some), [1, 2, 3]);
    let authors = Query::new("Author").filter(Filter::new("posts__isnull", true));
    assert_eq!(blog.ids(&authors), [3]);
    let excluded = Query::new("Author").exclude(Filter::new("posts__isnull", true));
    assert_eq!(blog.ids(&excluded), [1, 2]);
}

#[test]
fn a_foreign_key_compared_with_a_key_uses_its_column_without_a_join() {
    let blog = Blog::new();
    for path in ["author", "author_id", "author__exact"] {
        let q = Query::new("Post").filter(Filter::new(path, 1));
        assert_eq!(blog.ids(&q), [1, 4], "{path}");
        assert!(!blog.sql(&q).contains("JOIN"), "{}", blog.sql(&q));
    }
    let q = Query::new("Post").filter(Filter::new("author__isnull", true));
    assert_eq!(blog.ids(&q), [3]);
}

#[test]
fn in_an_empty_list_matches_nothing_and_its_exclude_everything() {
    let blog = Blog::new();
    let empty = || Filter::new("id__in", json!([]));
    assert_eq!(
        blog.ids(&Query::new("Post").filter(empty())),
        Vec::<i64>::new()
    );
    assert_eq!(
        blog.ids(&Query::new("Post").exclude(empty())),
        [1, 2, 3, 4, 5]
    );
    assert!(
        blog.sql(&Query::new("Post").filter(empty()))
            .contains("1 = 0")
    );
}

#[test]
fn a_filter_across_two_to_many_relations_nests_its_subqueries() {
    // Authors with a post in News: Bob (posts 2 and 5), once.
    let blog = Blog::new();
    let q = Query::new("Author").filter(Filter::new("posts__categories__name", "News"));
    assert_eq!(blog.ids(&q), [2]);
    let q = Query::new("Author").exclude(Filter::new("posts__categories__name", "News"));
    assert_eq!(blog.ids(&q), [1, 3]);
}

#[test]
fn a_filter_through_a_to_one_then_a_to_many_relation_is_one_exists_over_both() {
    // Posts whose author wrote a post titled "100...": Bob's two posts.
    let blog = Blog::new();
    let q = Query::new("Post").filter(Filter::new("author__posts__title__startswith", "100"));
    assert_eq!(blog.ids(&q), [2, 5]);
    let sql = blog.sql(&q);
    assert!(
        sql.contains(r#"EXISTS (SELECT 1 FROM "authors" AS "t1" INNER JOIN "posts" AS "t2""#),
        "{sql}"
    );
}

#[test]
fn filters_and_orderings_through_relations_not_loaded_compose_with_pagination() {
    // Posts but 3, by author name descending (NULLs smallest: last), two roots with
    // their whole category lists.
    let blog = Blog::new();
    let q = Query::new("Post")
        .select_related("categories")
        .exclude(Filter::new("id", 3))
        .order_by(OrderBy::new("-author__first_name"))
        .limit(2);
    assert_eq!(
        blog.nested(&q, "categories"),
        [(1, vec![1, 2]), (4, vec![2])]
    );
    let q = Query::new("Post")
        .filter(Filter::new("categories__name__in", ["sql", "News"]))
        .order_by(OrderBy::new("categories__name"))
        .offset(1);
    // Posts with sql or News: 1 (MIN name "orm"), 2 ("News"), 5 ("News"), ordered by the
    // MIN of their category names in code point order, then id; the first skipped.
    assert_eq!(blog.ids(&q), [5, 1]);
}
