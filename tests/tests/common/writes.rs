//! Helpers of the write tests (`write_seeds.rs`, `write_faults.rs`): a batch written as
//! JSON, compiled for a database's dialect and applied; tables read back through relq's
//! own read path, as JSON rows in primary-key order, so an expectation reads like the
//! table (`[[1, "Math", false, 1]]`).

use relq::exec::{ExecError, Outcome};
use relq::write::{CompiledWrite, Operation, compile_write};
use relq::{Database, Query, RelationGraph, SchemaDef, Value, compile};
use serde_json::Value as Json;

use super::servers::{Server, scratch};

/// The graph of a TOML schema, checked.
pub fn graph(toml: &str) -> RelationGraph {
    let graph = SchemaDef::from_toml(toml)
        .and_then(|d| d.build())
        .expect("valid schema");
    graph.verify().expect("invariants");
    graph
}

/// A batch from its JSON form (an array of operations).
pub fn ops(batch: Json) -> Vec<Operation> {
    serde_json::from_value(batch).unwrap_or_else(|e| panic!("not a batch: {e}"))
}

/// `batch` compiled for `db`'s dialect; a `WriteError` fails the test.
pub fn compiled(db: &Database, graph: &RelationGraph, batch: Json) -> CompiledWrite {
    compile_write(graph, &ops(batch), db.dialect())
        .unwrap_or_else(|e| panic!("{}: {e}", db.dialect().caps().name))
}

/// `batch` compiled and applied on `db`.
pub fn apply(
    db: &mut Database,
    graph: &RelationGraph,
    batch: Json,
) -> Result<Vec<Outcome>, ExecError> {
    let write = compiled(db, graph, batch);
    db.apply(&write)
}

/// `batch` applied on `db`, which must succeed: its outcomes.
pub fn applied(db: &mut Database, graph: &RelationGraph, batch: Json) -> Vec<Outcome> {
    let name = db.dialect().caps().name;
    apply(db, graph, batch).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every row of `model`'s table (generated through models included), each its fields in
/// definition order, ordered by primary key; as JSON.
pub fn table(db: &mut Database, graph: &RelationGraph, model: &str) -> Json {
    let compiled = compile(graph, &Query::new(model), db.dialect())
        .unwrap_or_else(|e| panic!("reading {model}: {e}"));
    let records = db
        .execute(&compiled)
        .unwrap_or_else(|e| panic!("{}: reading {model}: {e}", db.dialect().caps().name));
    Json::Array(
        records
            .iter()
            .map(|r| Json::Array(r.fields.iter().map(json).collect()))
            .collect(),
    )
}

/// Every table of `graph`, by model name: what a failed batch must leave unchanged.
pub fn dump(db: &mut Database, graph: &RelationGraph) -> Vec<(String, Json)> {
    let names: Vec<String> = graph.models().map(|m| m.name().to_owned()).collect();
    names
        .into_iter()
        .map(|name| {
            let rows = table(db, graph, &name);
            (name, rows)
        })
        .collect()
}

/// A value as JSON: integers, floats, booleans, NULL as themselves, the rest as text.
pub fn json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => Json::from(*f),
        other => Json::String(other.as_text().unwrap_or("<bytes>").to_owned()),
    }
}

/// The keys an outcome reports, as JSON.
pub fn keys(outcome: &Outcome) -> Json {
    Json::Array(outcome.keys.iter().map(json).collect())
}

/// The seeds' models: ormar's `Department` / `Course` (reverse `courses`), a required key
/// (`Teacher.department`, reverse `staff` by an explicit related_name), the blog of the
/// many-to-many page (`Post.categories` through `PostCategory` with its own `weight`,
/// `Category.name` unique), and a self-referencing many-to-many (`Person.friends`,
/// reverse `friend_of`). Every primary key is a generated integer.
pub const SEEDS: &str = r#"
[[models]]
name = "Department"
table = "departments"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 100 },
]

[[models]]
name = "Course"
table = "courses"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 100 },
  { name = "completed", type = "boolean", default = false },
]
foreign_keys = [{ name = "department", to = "Department" }]

[[models]]
name = "Teacher"
table = "teachers"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 100 },
]
foreign_keys = [{ name = "department", to = "Department", related_name = "staff", nullable = false }]

[[models]]
name = "Author"
table = "authors"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "first_name", type = "text", max_length = 80 },
  { name = "last_name", type = "text", max_length = 80 },
]

[[models]]
name = "Category"
table = "categories"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 40, unique = true },
  { name = "sort", type = "integer", default = 0 },
]

[[models]]
name = "PostCategory"
table = "posts_categories"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "weight", type = "integer", default = 0 },
]

[[models]]
name = "Post"
table = "posts"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "title", type = "text", max_length = 200 },
]
foreign_keys = [{ name = "author", to = "Author" }]
many_to_many = [{ name = "categories", to = "Category", through = "PostCategory" }]

[[models]]
name = "Person"
table = "persons"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text", max_length = 100 },
]
many_to_many = [{ name = "friends", to = "Person", related_name = "friend_of" }]
"#;

/// The seeds' rows, inserted through relq's own `insert` with the keys left out (so
/// generated: 1, 2, ... in a fresh namespace on all three databases):
/// - departments Science (1), Arts (2);
/// - courses Math (1), Physics (2), Bio (3) of Science, Art (4) of Arts, Free (5) of none;
/// - teachers Ada (1) of Science, Bob (2) of Arts;
/// - author Guido (1); posts "Hello, M2M" (1) by Guido, "Second" (2) by nobody;
/// - categories News (1), Tech (2); persons Alice (1), Bob (2), Carol (3).
pub fn seed(db: &mut Database, graph: &RelationGraph) {
    let out = applied(
        db,
        graph,
        serde_json::json!([
            {"op": "insert", "model": "Department", "rows": [{"name": "Science"}, {"name": "Arts"}]},
            {"op": "insert", "model": "Course", "rows": [
                {"name": "Math", "department": 1}, {"name": "Physics", "department": 1},
                {"name": "Bio", "department": 1}, {"name": "Art", "department": 2}, {"name": "Free"}]},
            {"op": "insert", "model": "Teacher", "rows": [
                {"name": "Ada", "department": 1}, {"name": "Bob", "department": 2}]},
            {"op": "insert", "model": "Author", "rows": [{"first_name": "Guido", "last_name": "Van Rossum"}]},
            {"op": "insert", "model": "Post", "rows": [{"title": "Hello, M2M", "author": 1}, {"title": "Second"}]},
            {"op": "insert", "model": "Category", "rows": [{"name": "News"}, {"name": "Tech"}]},
            {"op": "insert", "model": "Person", "rows": [{"name": "Alice"}, {"name": "Bob"}, {"name": "Carol"}]}
        ]),
    );
    let counts: Vec<usize> = out.iter().map(|o| o.keys.len()).collect();
    assert_eq!(counts, [2, 5, 2, 1, 2, 2, 3], "generated keys reported");
    assert_eq!(keys(&out[1]), serde_json::json!([1, 2, 3, 4, 5]));
}

/// Runs `test` on each of the three databases, in a fresh namespace holding the seeds'
/// tables and rows ([`seed`]).
pub fn on_each(purpose: &str, test: impl Fn(&mut Database, &RelationGraph)) {
    let graph = graph(SEEDS);
    for server in Server::ALL {
        eprintln!("-- on {}", server.name());
        let mut db = scratch(server, purpose);
        db.create_tables(&graph)
            .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
        seed(&mut db, &graph);
        test(&mut db, &graph);
    }
}

/// The rows of a through model without their own generated key, sorted: the links, with
/// their through values (`[weight, post, category]`).
pub fn links(db: &mut Database, graph: &RelationGraph, through: &str) -> Json {
    let Json::Array(rows) = table(db, graph, through) else {
        unreachable!("table gives an array")
    };
    let mut rows: Vec<Vec<Json>> = rows
        .into_iter()
        .map(|row| match row {
            Json::Array(mut values) => {
                values.remove(0);
                values
            }
            other => panic!("a row: {other}"),
        })
        .collect();
    rows.sort_by_key(|row| row.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    Json::Array(rows.into_iter().map(Json::Array).collect())
}

/// A connection that fails every call: applying a batch on it succeeds only when the
/// batch sends nothing (not even `BEGIN`).
pub struct NoConnection;

impl relq::exec::Driver for NoConnection {
    type Row<'r> = relq::sqlite::SqliteRow<'r>;

    fn query<F>(&mut self, sql: &str, _: &[Value], _: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut Self::Row<'_>) -> Result<(), ExecError>,
    {
        Err(ExecError::driver(
            None,
            format!("sent {sql}"),
            "no connection",
        ))
    }

    fn run(&mut self, sql: &str, _: &[Value]) -> Result<u64, ExecError> {
        Err(ExecError::driver(
            None,
            format!("sent {sql}"),
            "no connection",
        ))
    }

    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        Err(ExecError::driver(None, "asked", "no connection"))
    }

    fn violation(&self, _: &ExecError) -> Option<relq::exec::Constraint> {
        None
    }
}
