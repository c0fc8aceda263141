//! Reads from a related set (`Query::owner`: ormar's QuerysetProxy, Django's related
//! manager) on SQLite (in memory), PostgreSQL (`RELQ_POSTGRES_URL`) and MariaDB
//! (`RELQ_MYSQL_URL`), with every strategy, each answer checked against one computed
//! another way:
//!
//! - a reverse foreign key (`author.posts`, on the blog sample's generated data): the
//!   same query with the owner replaced by a filter on the foreign key (`author = pk`);
//! - a many-to-many relation (`post.categories`): the `PostCategory` rows of the
//!   generated data read directly, each category with its link's `weight`, in the
//!   query's order and page; `count` the number of links;
//! - a self-referencing many-to-many relation, both sides (`person.friends`,
//!   `person.friend_of`), on a small hand-made data set: the friendships' rows read
//!   directly, each person with the friendship's `since`.
//!
//! A missing server URL fails the test, never skips it (`scripts/servers.sh start`,
//! `eval "$(scripts/servers.sh env)"`).

mod common;

use common::servers::{Server, loaded, scratch};
use relq::{
    Database, Filter, OrderBy, Owner, Query, RelationGraph, SchemaDef, Strategy, Terminal, Value,
    compile,
};
use relq_sample::{Sample, generate, load};
use serde_json::{Value as Json, json};

/// The seed of the sample data (the one `differential.rs` uses).
const SEED: u64 = 20_240_501;

const STRATEGIES: [Strategy; 4] = [
    Strategy::Joined,
    Strategy::Split,
    Strategy::Json,
    Strategy::Auto,
];

/// `query`'s answer on `db` as JSON (records as `relq_rows::to_json` gives them).
fn answer(graph: &RelationGraph, query: &Query, db: &mut Database) -> Json {
    let compiled = compile(graph, query, db.dialect()).unwrap_or_else(|e| panic!("{e}"));
    let fetched = db.fetch(&compiled).unwrap_or_else(|e| panic!("{e}"));
    fetched
        .answer
        .to_json(&compiled.plan.extraction)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Each root record's `(id, through weight)`, and the ids of its `posts` when loaded.
fn roots(records: &Json, through: &str, field: &str) -> Vec<(i64, i64)> {
    records
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let id = r["id"].as_i64().expect("an id");
            let weight = r[through][field].as_i64().expect("a through row");
            (id, weight)
        })
        .collect()
}

fn int(v: &relq::Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("not an integer: {other:?}"),
    }
}

fn text(v: &relq::Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        other => panic!("not a text: {other:?}"),
    }
}

#[test]
fn blog_sets_read_what_the_links_and_the_filter_give_on_three_databases() {
    let sample = Sample::Blog;
    let graph = sample.graph().expect("the sample builds");
    let data = generate(sample, 1, SEED).expect("scale 1 generates");
    // The generated links: PostCategory rows are (id, weight, post, category).
    let links: Vec<(i64, i64, i64)> = data
        .table("PostCategory")
        .expect("links")
        .rows
        .iter()
        .map(|r| (int(&r[1]), int(&r[2]), int(&r[3])))
        .collect();
    let name_of = |category: i64| -> String {
        let rows = &data.table("Category").expect("categories").rows;
        let row = rows.iter().find(|r| int(&r[0]) == category);
        text(&row.expect("a category")[1])
    };
    let posts = [1, 2, 3, 7, 20];
    let mut checked = 0;
    for server in Server::ALL {
        let mut db = scratch(server, "related_sets_blog");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{}: loading: {e}", server.name()));
        for strategy in STRATEGIES {
            let at = |what: &str| format!("{} {strategy:?}: {what}", server.name());
            // A reverse foreign key: the set equals the roots the foreign key picks.
            for author in 1..=4 {
                let base = Query::new("Post")
                    .filter(Filter::new("title__icontains", "a"))
                    .select_related("categories")
                    .order_by(OrderBy::new("-title"))
                    .strategy(strategy);
                let set = base.clone().owner(Owner::new("Author", author, "posts"));
                let by_filter = base.filter(Filter::new("author", author));
                let got = answer(&graph, &set, &mut db);
                assert_eq!(
                    got,
                    answer(&graph, &by_filter, &mut db),
                    "{}",
                    at("author.posts")
                );
                let paged = set.clone().limit(2).offset(1);
                let expected: Vec<Json> = got
                    .as_array()
                    .expect("records")
                    .iter()
                    .skip(1)
                    .take(2)
                    .cloned()
                    .collect();
                assert_eq!(
                    answer(&graph, &paged, &mut db),
                    Json::Array(expected),
                    "{}",
                    at("page")
                );
                checked += usize::from(!got.as_array().is_some_and(Vec::is_empty));
            }
            // A many-to-many relation: the categories linked to the post, each with its
            // link's weight, read from the links themselves.
            for post in posts {
                let mut linked: Vec<(i64, i64)> = links
                    .iter()
                    .filter(|l| l.1 == post)
                    .map(|&(weight, _, category)| (category, weight))
                    .collect();
                linked.sort_unstable();
                let set = Query::new("Category")
                    .owner(Owner::new("Post", post, "categories"))
                    .select_related("posts")
                    .strategy(strategy);
                let got = answer(&graph, &set, &mut db);
                assert_eq!(
                    roots(&got, "PostCategory", "weight"),
                    linked,
                    "{}",
                    at("post.categories")
                );
                // Every category's own list holds the owner: the set does not trim it.
                for r in got.as_array().expect("records") {
                    let ids: Vec<i64> = r["posts"]
                        .as_array()
                        .expect("posts")
                        .iter()
                        .filter_map(|p| p["id"].as_i64())
                        .collect();
                    assert!(ids.contains(&post), "{}", at("the nested list"));
                }
                // A page ordered by name descending (ties by key).
                let mut by_name: Vec<(String, i64, i64)> =
                    linked.iter().map(|&(c, w)| (name_of(c), c, w)).collect();
                by_name.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let page: Vec<(i64, i64)> =
                    by_name.iter().skip(1).take(2).map(|t| (t.1, t.2)).collect();
                let paged = set
                    .clone()
                    .order_by(OrderBy::new("-name"))
                    .limit(2)
                    .offset(1);
                let got = answer(&graph, &paged, &mut db);
                assert_eq!(
                    roots(&got, "PostCategory", "weight"),
                    page,
                    "{}",
                    at("a page")
                );
                let count = set.clone().terminal(Terminal::Count);
                assert_eq!(
                    answer(&graph, &count, &mut db),
                    json!({ "count": linked.len() }),
                    "{}",
                    at("count")
                );
                checked += usize::from(!linked.is_empty());
            }
        }
    }
    assert!(checked > 40, "too few sets had records: {checked}");
}

/// People with friendships (a self-referencing many-to-many relation through a model
/// with a field of its own), as the corpus's `related_set_self_many_to_many` declares.
fn friends() -> SchemaDef {
    SchemaDef::from_toml(
        r#"
        [[models]]
        name = "Friendship"
        table = "friendships"
        fields = [
          { name = "id", type = "integer", primary_key = true },
          { name = "since", type = "integer" },
        ]
        [[models]]
        name = "Person"
        table = "people"
        fields = [
          { name = "id", type = "integer", primary_key = true },
          { name = "name", type = "text" },
        ]
        many_to_many = [{ name = "friends", to = "Person", through = "Friendship", related_name = "friend_of" }]
        "#,
    )
    .expect("valid schema")
}

#[test]
fn self_referencing_sets_read_both_directions_on_three_databases() {
    let graph = friends().build().expect("builds");
    let person = |id: i64, name: &str| vec![Value::Int(id), Value::Text(name.to_owned())];
    // (id, since, from_person, to_person): 1 befriends 2, 3 and itself; 2 befriends 1;
    // 4 befriends 1; 5 nobody.
    let links: [(i64, i64, i64, i64); 5] = [
        (1, 2001, 1, 2),
        (2, 2002, 1, 3),
        (3, 2003, 1, 1),
        (4, 2004, 2, 1),
        (5, 2005, 4, 1),
    ];
    let tables = vec![
        (
            "people",
            vec![
                person(1, "Ann"),
                person(2, "Bob"),
                person(3, "Cy"),
                person(4, "Di"),
                person(5, "Ed"),
            ],
        ),
        (
            "friendships",
            links
                .iter()
                .map(|&(id, since, from, to)| {
                    vec![
                        Value::Int(id),
                        Value::Int(since),
                        Value::Int(from),
                        Value::Int(to),
                    ]
                })
                .collect(),
        ),
    ];
    for server in Server::ALL {
        let mut db = loaded(server, "related_sets_people", &graph, &tables);
        for strategy in STRATEGIES {
            for owner in 1..=5 {
                let at =
                    |what: &str| format!("{} {strategy:?} person {owner}: {what}", server.name());
                let mut friends: Vec<(i64, i64)> = links
                    .iter()
                    .filter(|l| l.2 == owner)
                    .map(|l| (l.3, l.1))
                    .collect();
                let mut friend_of: Vec<(i64, i64)> = links
                    .iter()
                    .filter(|l| l.3 == owner)
                    .map(|l| (l.2, l.1))
                    .collect();
                friends.sort_unstable();
                friend_of.sort_unstable();
                for (relation, expected) in [("friends", friends), ("friend_of", friend_of)] {
                    let set = Query::new("Person")
                        .owner(Owner::new("Person", owner, relation))
                        .select_related("friends")
                        .strategy(strategy);
                    let got = answer(&graph, &set, &mut db);
                    assert_eq!(
                        roots(&got, "Friendship", "since"),
                        expected,
                        "{}",
                        at(relation)
                    );
                    let page = set.limit(1).offset(1);
                    let got = answer(&graph, &page, &mut db);
                    let expected: Vec<(i64, i64)> = expected.into_iter().skip(1).take(1).collect();
                    assert_eq!(
                        roots(&got, "Friendship", "since"),
                        expected,
                        "{}",
                        at("a page")
                    );
                }
            }
        }
    }
}
