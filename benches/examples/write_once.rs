//! The writes bench's work on an in-memory SQLite database, for `valgrind
//! --tool=callgrind --toggle-collect='*measured*'` (`scripts/callgrind.sh write_once
//! WORK WAY [TIMES]`): WORK `insert` (100 000 books) or `add` (10 000 links of one post),
//! WAY `relq` (`Database::apply` of the compiled batch), `compile` (`compile_write`
//! alone), `bare` or `bare_returning` (insert) / `bare_checked` (add): the bare driver's
//! 1 000-row statements, prepared once. The table is emptied before each run (not
//! measured). Prints the mean time of a run.

use std::hint::black_box;

use relq::write::Values;
use relq::{CompiledWrite, Database, Operation, RelationGraph, SchemaDef, Value, compile_write};
use serde_json::Value as Json;

use relq_benches::writes::{CHUNK, SCHEMA, book};

const LINKS: i64 = relq_benches::writes::LINKS as i64;

#[inline(never)]
fn measured_apply(db: &mut Database, write: &CompiledWrite) -> usize {
    let outcome = db.apply(write).expect("relq writes");
    black_box(outcome[0].keys.len() + outcome[0].affected as usize)
}

#[inline(never)]
fn measured_compile(graph: &RelationGraph, ops: &[Operation], db: &Database) -> usize {
    let write = compile_write(graph, ops, db.dialect()).expect("compiles");
    black_box(write.statement_count())
}

/// `INSERT INTO table (a, b...) VALUES (?, ?...), ... tail` for CHUNK rows.
fn insert_sql(table: &str, columns: &[&str], tail: &str) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    let names: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    format!(
        "INSERT INTO \"{table}\" ({}) VALUES {}{tail}",
        names.join(", "),
        vec![row; CHUNK].join(", ")
    )
}

#[inline(never)]
fn measured_bare_insert(
    conn: &mut rusqlite::Connection,
    books: &[(String, i64, Option<i64>)],
    returning: bool,
) -> usize {
    let tail = if returning { " RETURNING \"id\"" } else { "" };
    let sql = insert_sql("books", &["title", "pages", "author_id"], tail);
    let mut keys = Vec::new();
    let tx = conn.transaction().expect("BEGIN");
    {
        let mut stmt = tx.prepare_cached(&sql).expect("prepares");
        for chunk in books.chunks(CHUNK) {
            for (r, (title, pages, author)) in chunk.iter().enumerate() {
                stmt.raw_bind_parameter(3 * r + 1, title).expect("binds");
                stmt.raw_bind_parameter(3 * r + 2, pages).expect("binds");
                stmt.raw_bind_parameter(3 * r + 3, author).expect("binds");
            }
            if returning {
                let mut rows = stmt.raw_query();
                while let Some(row) = rows.next().expect("inserts") {
                    keys.push(row.get::<_, i64>(0).expect("a key"));
                }
            } else {
                stmt.raw_execute().expect("inserts");
            }
        }
    }
    tx.commit().expect("COMMIT");
    black_box(keys.len())
}

#[inline(never)]
fn measured_bare_links(
    conn: &mut rusqlite::Connection,
    (table, post, tag): (&str, &str, &str),
    tags: &[i64],
    checked: bool,
) -> usize {
    let tail = format!(" ON CONFLICT (\"{post}\", \"{tag}\") DO NOTHING");
    let sql = insert_sql(table, &[post, tag], &tail);
    let tx = conn.transaction().expect("BEGIN");
    if checked {
        let marks = vec!["?"; tags.len()].join(", ");
        let select = format!("SELECT \"id\" FROM \"tags\" WHERE \"id\" IN ({marks})");
        let mut stmt = tx.prepare_cached(&select).expect("prepares");
        let found: std::collections::HashSet<i64> = stmt
            .query_map(rusqlite::params_from_iter(tags), |row| row.get(0))
            .expect("selects")
            .collect::<Result<_, _>>()
            .expect("reads");
        assert!(tags.iter().all(|t| found.contains(t)));
    }
    let mut changed = 0;
    {
        let mut stmt = tx.prepare_cached(&sql).expect("prepares");
        for chunk in tags.chunks(CHUNK) {
            for (r, t) in chunk.iter().enumerate() {
                stmt.raw_bind_parameter(2 * r + 1, 1_i64).expect("binds");
                stmt.raw_bind_parameter(2 * r + 2, t).expect("binds");
            }
            changed += stmt.raw_execute().expect("inserts");
        }
    }
    tx.commit().expect("COMMIT");
    black_box(changed)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: write_once insert|add relq|compile|bare|bare_returning|bare_checked [TIMES]";
    let (work, way) = match (args.first(), args.get(1)) {
        (Some(w), Some(m)) => (w.as_str(), m.as_str()),
        _ => panic!("{usage}"),
    };
    let times: u32 = args.get(2).map_or(1, |t| t.parse().expect("TIMES"));
    let graph = SchemaDef::from_toml(SCHEMA)
        .and_then(|d| d.build())
        .expect("builds");
    let path = std::env::temp_dir().join(format!("relq_write_once_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut conn = rusqlite::Connection::open(&path).expect("creates");
    // WRITE_ONCE_POSTGRES (a URL): relq's ways on PostgreSQL instead, in a fresh schema,
    // for timing a driver change there (before and after binaries run in turn).
    let postgres = std::env::var("WRITE_ONCE_POSTGRES").ok();
    // WRITE_ONCE_MARIADB (a URL): the same on MariaDB, in a fresh database.
    let mariadb = std::env::var("WRITE_ONCE_MARIADB").ok();
    let schema = format!("relq_write_once_{}", std::process::id());
    let mut db = match &postgres {
        Some(url) => {
            let mut db = Database::open(url).expect("opens PostgreSQL");
            db.run(&format!("CREATE SCHEMA \"{schema}\""), &[])
                .expect("a schema");
            db.run(&format!("SET search_path TO \"{schema}\""), &[])
                .expect("in use");
            db
        }
        None => match &mariadb {
            Some(url) => {
                let mut db = Database::open(url).expect("opens MariaDB");
                db.run(&format!("CREATE DATABASE `{schema}`"), &[])
                    .expect("a database");
                db.run(&format!("USE `{schema}`"), &[]).expect("in use");
                db
            }
            None => Database::open(&format!("sqlite:{}", path.display())).expect("opens"),
        },
    };
    db.create_tables(&graph).expect("tables");
    let model = |name| graph.model_by_name(name).expect("declared");
    let rows = |n: i64| -> Vec<Vec<Value>> {
        (1..=n)
            .map(|i| vec![Value::Int(i), Value::Text(format!("row {i}"))])
            .collect()
    };
    db.insert(model("Author"), &rows(100)).expect("authors");
    db.insert(model("Tag"), &rows(LINKS)).expect("tags");
    db.insert(model("Post"), &rows(1)).expect("post");
    let through = model("Post")
        .relation("tags")
        .and_then(|r| r.through())
        .expect("many-to-many");
    let links = (
        graph.model(through.model).table(),
        graph.field(through.source_field).column(),
        graph.field(through.target_field).column(),
    );
    let books: Vec<_> = (1..=relq_benches::writes::ROWS).map(book).collect();
    let tags: Vec<i64> = (1..=LINKS).collect();
    let ops = match work {
        "insert" => vec![Operation::Insert {
            model: "Book".into(),
            rows: books
                .iter()
                .map(|(title, pages, author)| {
                    let mut row = Values::new();
                    row.insert("title".into(), Json::from(title.as_str()));
                    row.insert("pages".into(), Json::from(*pages));
                    row.insert("author".into(), author.map_or(Json::Null, Json::from));
                    row
                })
                .collect(),
        }],
        "add" => vec![Operation::add(
            "Post",
            1,
            "tags",
            tags.iter().map(|t| Json::from(*t)),
        )],
        _ => panic!("{usage}"),
    };
    let write = compile_write(&graph, &ops, db.dialect()).expect("compiles");
    let table = if work == "insert" { "books" } else { links.0 };
    let mut total = std::time::Duration::ZERO;
    for _ in 0..times {
        let empty = match (&postgres, &mariadb) {
            (Some(_), _) => format!("TRUNCATE \"{table}\""),
            (_, Some(_)) => format!("TRUNCATE TABLE `{table}`"),
            _ => format!("DELETE FROM \"{table}\""),
        };
        db.run(&empty, &[]).expect("emptied");
        let start = std::time::Instant::now();
        match (work, way) {
            (_, "relq") => measured_apply(&mut db, &write),
            (_, "compile") => measured_compile(&graph, &ops, &db),
            ("insert", "bare") => measured_bare_insert(&mut conn, &books, false),
            ("insert", "bare_returning") => measured_bare_insert(&mut conn, &books, true),
            ("add", "bare") => measured_bare_links(&mut conn, links, &tags, false),
            ("add", "bare_checked") => measured_bare_links(&mut conn, links, &tags, true),
            _ => panic!("{usage}"),
        };
        total += start.elapsed();
    }
    println!("{work} {way}: {:?} a run", total / times);
    if mariadb.is_some() {
        db.run(&format!("DROP DATABASE `{schema}`"), &[])
            .expect("dropped");
    }
    if postgres.is_some() {
        db.run(&format!("DROP SCHEMA \"{schema}\" CASCADE"), &[])
            .expect("dropped");
    }
    let _ = std::fs::remove_file(&path);
}
