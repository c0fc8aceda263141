//! Unique keys and generated primary keys on the three databases: `create_tables` with a
//! `unique = true` text field, a declared two-field key naming a foreign key, and a
//! generated through model, on a table and a key column whose names need quoting (upper
//! case, an embedded `"`). On SQLite (in memory), PostgreSQL and MariaDB it proves that
//! the DDL is accepted; that the database rejects a doubled through pair, a repeated
//! unique value and a repeated two-field key; that an INSERT leaving an integer or
//! big-integer key out gets a key generated; that after `Database::insert` loaded rows
//! with their keys given, the generated key is past them (PostgreSQL's sequence reset);
//! and that introspection reads back the declared keys.
//!
//! A missing server URL fails the test, never skips it (`scripts/servers.sh start` and
//! `eval "$(scripts/servers.sh env)"`).

mod common;

use common::servers::{Server, scratch};
use relq::{Query, RelationGraph, SchemaDef, Value, compile};
use relq_sql::{Placeholder, push_quoted};

const SCHEMA: &str = r#"
[[models]]
name = "Tag"
table = 'Tag "Names"'
fields = [
  { name = "id", column = "Id", type = "integer", primary_key = true },
  { name = "slug", type = "text", unique = true },
]

[[models]]
name = "Post"
table = "posts"
fields = [
  { name = "id", type = "big_integer", primary_key = true },
  { name = "title", type = "text", max_length = 100 },
]
foreign_keys = [{ name = "author", to = "Tag", related_name = "authored" }]
many_to_many = [{ name = "tags", to = "Tag" }]
unique = [["title", "author"]]
"#;

fn graph(schema: &str) -> RelationGraph {
    let graph = SchemaDef::from_toml(schema)
        .and_then(|d| d.build())
        .expect("valid schema");
    graph.verify().expect("invariants");
    graph
}

/// `INSERT INTO "table" ("a", "b") VALUES (?, ?)` in the dialect's quotes and
/// placeholders: the key left out.
fn insert_without_key(db: &relq::Database, table: &str, columns: &[&str]) -> String {
    let caps = db.dialect().caps();
    let mut sql = String::from("INSERT INTO ");
    push_quoted(&mut sql, caps.identifier_quote, table);
    sql.push_str(" (");
    let mut marks = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        push_quoted(&mut sql, caps.identifier_quote, column);
        marks.push(match caps.placeholder {
            Placeholder::QuestionMark => "?".to_owned(),
            Placeholder::DollarNumber => format!("${}", i + 1),
            Placeholder::Format => "%s".to_owned(),
        });
    }
    sql.push_str(&format!(") VALUES ({})", marks.join(", ")));
    sql
}

/// The key of the one row of `model` whose field `field` holds `value`.
fn key_of(db: &mut relq::Database, graph: &RelationGraph, model: &str, value: &Value) -> Value {
    let compiled = compile(graph, &Query::new(model), db.dialect()).expect("compiles");
    let records = db.execute(&compiled).expect("runs");
    let found: Vec<_> = records
        .iter()
        .filter(|r| r.fields.contains(value))
        .collect();
    assert_eq!(found.len(), 1, "{model}: {records:?}");
    found[0].fields[0].clone()
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn on(server: Server) {
    let name = server.name();
    let graph = graph(SCHEMA);
    let model = |n: &str| graph.model_by_name(n).expect("declared");
    let (tag, post, through) = (model("Tag"), model("Post"), model("PostTag"));
    let mut db = scratch(server, "unique_keys");
    db.create_tables(&graph)
        .unwrap_or_else(|e| panic!("{name}: DDL refused: {e}"));

    // Loaded with keys given.
    db.insert(
        tag,
        &[
            vec![Value::Int(1), text("a")],
            vec![Value::Int(2), text("b")],
        ],
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    db.insert(post, &[vec![Value::Int(10), text("x"), Value::Int(1)]])
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    db.insert(
        through,
        &[vec![Value::Int(1), Value::Int(10), Value::Int(1)]],
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));

    // Every unique key holds.
    for (model, row, what) in [
        (
            through,
            vec![Value::Int(2), Value::Int(10), Value::Int(1)],
            "a doubled link",
        ),
        (tag, vec![Value::Int(3), text("a")], "a repeated slug"),
        (
            post,
            vec![Value::Int(11), text("x"), Value::Int(1)],
            "a repeated (title, author)",
        ),
    ] {
        assert!(
            db.insert(model, &[row]).is_err(),
            "{name}: {what} was accepted"
        );
    }
    // A NULL in a key never clashes.
    db.insert(
        post,
        &[
            vec![Value::Int(12), text("x"), Value::Null],
            vec![Value::Int(13), text("x"), Value::Null],
        ],
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));

    // Keys left out are generated, past the keys loaded.
    let sql = insert_without_key(&db, tag.table(), &["slug"]);
    db.run(&sql, &[text("c")])
        .unwrap_or_else(|e| panic!("{name}: {e}\n  {sql}"));
    assert_eq!(
        key_of(&mut db, &graph, "Tag", &text("c")),
        Value::Int(3),
        "{name}"
    );
    let sql = insert_without_key(&db, post.table(), &["title", "author_id"]);
    db.run(&sql, &[text("y"), Value::Int(3)])
        .unwrap_or_else(|e| panic!("{name}: {e}\n  {sql}"));
    assert_eq!(
        key_of(&mut db, &graph, "Post", &text("y")),
        Value::Int(14),
        "{name}"
    );
    let sql = insert_without_key(&db, through.table(), &["post", "tag"]);
    db.run(&sql, &[Value::Int(14), Value::Int(3)])
        .unwrap_or_else(|e| panic!("{name}: {e}\n  {sql}"));
}

/// Introspection reads the keys back: the same keys (as columns) on every table. The
/// schema with a plain table name: an introspected table's name is its model's name.
fn round_trip(server: Server) {
    let name = server.name();
    let graph = graph(&SCHEMA.replace(r#"'Tag "Names"'"#, r#""tags""#));
    let tag = graph.model_by_name("Tag").expect("declared");
    let mut db = scratch(server, "unique_keys_back");
    db.create_tables(&graph)
        .unwrap_or_else(|e| panic!("{name}: DDL refused: {e}"));
    let found = db.introspect().unwrap_or_else(|e| panic!("{name}: {e}"));
    let tag_def = found
        .models
        .iter()
        .find(|m| m.table.as_deref() == Some(tag.table()))
        .expect("the tag table");
    assert!(
        tag_def.fields.iter().any(|f| f.name == "slug" && f.unique),
        "{name}: {tag_def:?}"
    );
    let post_def = found
        .models
        .iter()
        .find(|m| m.name == "posts")
        .expect("posts");
    assert_eq!(post_def.unique, [["title", "author"]], "{name}");
    let back = found.build().unwrap_or_else(|e| panic!("{name}: {e}"));
    for m in graph.models() {
        let keys = |m: relq_graph::Model<'_>| -> Vec<Vec<String>> {
            m.unique_keys()
                .map(|k| k.fields().map(|f| f.column().to_owned()).collect())
                .collect()
        };
        let again = back
            .models()
            .find(|b| b.table() == m.table())
            .expect("every table read back");
        assert_eq!(keys(again), keys(m), "{name}: {}", m.table());
    }
}

#[test]
fn unique_and_generated_keys_on_sqlite() {
    on(Server::Sqlite);
    round_trip(Server::Sqlite);
}

#[test]
fn unique_and_generated_keys_on_postgres() {
    on(Server::Postgres);
    round_trip(Server::Postgres);
}

#[test]
fn unique_and_generated_keys_on_mariadb() {
    on(Server::MariaDb);
    round_trip(Server::MariaDb);
}
