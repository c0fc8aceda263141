//! The write forms relq relies on, proven on the real servers: the no-op `ON DUPLICATE
//! KEY UPDATE` that skips an existing link but still raises a foreign-key or NOT NULL
//! violation (where `INSERT IGNORE` would swallow both), `ON CONFLICT ... DO NOTHING` the
//! same on SQLite and PostgreSQL, and MySQL's stand-in for `RETURNING` (one row per
//! `INSERT`, then `SELECT LAST_INSERT_ID()`), run on MariaDB with MySQL 8's facts.

mod common;

use common::servers::{Server, scratch};
use relq::exec::Constraint;
use relq::sql::{Caps, WriteCaps};
use relq::write::{CompiledWrite, parse_batch};
use relq::{Database, Dialect, RelationGraph, SchemaDef, Value, compile_write};

const SCHEMA: &str = r#"
[[models]]
name = "Category"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text", max_length = 50, unique = true }]
[[models]]
name = "Post"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "title", type = "text", max_length = 50 }]
many_to_many = [{ name = "categories", to = "Category", related_name = "posts", through = "PostCategory" }]
[[models]]
name = "PostCategory"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "weight", type = "integer" }]
"#;

fn graph() -> RelationGraph {
    SchemaDef::from_toml(SCHEMA)
        .and_then(|d| d.build())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn compiled(graph: &RelationGraph, dialect: &dyn Dialect, ops: &str) -> CompiledWrite {
    let ops = parse_batch(ops).unwrap_or_else(|e| panic!("{e}"));
    compile_write(graph, &ops, dialect).unwrap_or_else(|e| panic!("{e}"))
}

/// The link table's rows, `(post, category, weight)` in order.
fn links(db: &mut Database, server: Server) -> Vec<(i64, i64, i64)> {
    let graph = graph();
    let query = relq::Query::new("PostCategory").terminal(relq::Terminal::Values(relq::Values {
        fields: vec!["post".into(), "category".into(), "weight".into()],
        distinct: false,
    }));
    let compiled = relq::compile(&graph, &query, db.dialect()).unwrap_or_else(|e| panic!("{e}"));
    let fetched = db
        .fetch(&compiled)
        .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
    let relq::Answer::Rows(rows) = fetched.answer else {
        panic!("flat rows")
    };
    let int = |v: &Value| match v {
        Value::Int(i) => *i,
        other => panic!("{other:?}"),
    };
    let mut out: Vec<(i64, i64, i64)> = rows
        .rows
        .iter()
        .map(|r| (int(&r[0]), int(&r[1]), int(&r[2])))
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn an_existing_link_is_skipped_and_every_other_violation_still_raises() {
    let graph = graph();
    for server in Server::ALL {
        let mut db = scratch(server, "wforms_links");
        db.create_tables(&graph).unwrap_or_else(|e| panic!("{e}"));
        let setup = r#"[
          {"op": "insert", "model": "Category", "rows": [{"name": "News"}, {"name": "Tech"}]},
          {"op": "insert", "model": "Post", "rows": [{"title": "Hello"}]},
          {"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1], "through": {"weight": 5}}
        ]"#;
        let write = compiled(&graph, db.dialect(), setup);
        db.apply(&write)
            .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
        // The link (1, 1) exists: only (1, 2) is inserted, and (1, 1) keeps its weight.
        let again = compiled(
            &graph,
            db.dialect(),
            r#"[{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [1, 2], "through": {"weight": 7}}]"#,
        );
        let outcome = db
            .apply(&again)
            .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
        assert_eq!(outcome[0].affected, 1, "{}", server.name());
        assert_eq!(
            links(&mut db, server),
            vec![(1, 1, 5), (1, 2, 7)],
            "{}",
            server.name()
        );
        // The skip form swallows nothing else. relq checks owners and targets before it
        // links, so the link statement it emits is run here as it is, with an owner that
        // does not exist (a foreign-key violation) and with a NULL weight (NOT NULL):
        // the database raises both (where INSERT IGNORE would skip the row).
        let link = again.operations[0].steps.last().expect("the link insert");
        // The statement's columns, in the order its rows bind them.
        let columns: Vec<&str> = link.sql[link.sql.find('(').expect("columns") + 1..]
            .split(')')
            .next()
            .expect("columns")
            .split(", ")
            .map(|c| c.trim_matches(|q| q == '"' || q == '`'))
            .collect();
        let params = |owner: Value, weight: Value| -> Vec<Value> {
            link.params
                .iter()
                .enumerate()
                .map(|(i, p)| match (columns[i % columns.len()], p) {
                    ("post", _) => owner.clone(),
                    ("weight", _) => weight.clone(),
                    (_, relq::write::Param::Value(v)) => v.clone(),
                    (_, relq::write::Param::Found) => Value::Null,
                })
                .collect()
        };
        for (owner, weight, constraint) in [
            (Value::Int(9), Value::Int(1), Constraint::ForeignKey),
            (Value::Int(1), Value::Null, Constraint::NotNull),
        ] {
            let mut other = scratch(server, "wforms_raw");
            other
                .create_tables(&graph)
                .unwrap_or_else(|e| panic!("{e}"));
            other
                .apply(&write)
                .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
            let e = other
                .run(&link.sql, &params(owner, weight))
                .expect_err("a violation");
            let driver_says = e.to_string();
            let expected = match constraint {
                Constraint::ForeignKey => ["FOREIGN KEY", "23503", "1452"],
                _ => ["NOT NULL", "23502", "1048"],
            };
            assert!(
                expected.iter().any(|code| driver_says.contains(code)),
                "{}: {driver_says}",
                server.name()
            );
        }
        assert_eq!(
            links(&mut db, server),
            vec![(1, 1, 5), (1, 2, 7)],
            "{}",
            server.name()
        );
    }
}

/// MySQL 8's write facts (no `RETURNING`) on the MariaDB server: the stand-in reads
/// every generated key, in row order.
#[test]
fn without_returning_generated_keys_are_read_with_last_insert_id() {
    let graph = graph();
    let mut db = scratch(Server::MariaDb, "wforms_lastid");
    db.create_tables(&graph).unwrap_or_else(|e| panic!("{e}"));
    let mysql8 = db.dialect().with_caps(Caps {
        writes: WriteCaps {
            insert_returning: false,
            ..db.dialect().caps().writes
        },
        ..*db.dialect().caps()
    });
    let write = compiled(
        &graph,
        mysql8.as_ref(),
        r#"[
          {"op": "insert", "model": "Category", "rows": [{"name": "News"}, {"name": "Tech"}, {"name": "Art"}]},
          {"op": "insert", "model": "Post", "rows": [{"title": "Hello"}]},
          {"op": "create", "model": "Post", "pk": 1, "relation": "categories", "values": {"name": "Rust"}, "through": {"weight": 3}},
          {"op": "get_or_create", "model": "Category", "lookup": {"name": "Tech"}},
          {"op": "get_or_create", "model": "Category", "lookup": {"name": "Go"}}
        ]"#,
    );
    assert!(
        write.operations[0]
            .steps
            .iter()
            .all(|s| !s.sql.contains("RETURNING")),
        "{write:?}"
    );
    let outcomes = db.apply(&write).unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<&[Value]> = outcomes.iter().map(|o| o.keys.as_slice()).collect();
    let ints = |v: &[i64]| v.iter().map(|i| Value::Int(*i)).collect::<Vec<_>>();
    assert_eq!(keys[0], ints(&[1, 2, 3]));
    assert_eq!(keys[1], ints(&[1]));
    assert_eq!(keys[2], ints(&[4]));
    assert_eq!(
        (keys[3], outcomes[3].created),
        (ints(&[2]).as_slice(), Some(false))
    );
    assert_eq!(
        (keys[4], outcomes[4].created),
        (ints(&[5]).as_slice(), Some(true))
    );
    assert_eq!(links(&mut db, Server::MariaDb), vec![(1, 4, 3)]);
}

/// A primary key written as 0 is stored as 0 on the three databases (MySQL and MariaDB
/// generate a key for an `AUTO_INCREMENT` 0 unless the session's `sql_mode` has
/// `NO_AUTO_VALUE_ON_ZERO`, which relq's session setup adds), and a key left out is
/// generated after it.
#[test]
fn a_key_written_as_zero_is_stored_as_zero() {
    let graph = graph();
    for server in Server::ALL {
        let mut db = scratch(server, "wforms_zero");
        db.create_tables(&graph).unwrap_or_else(|e| panic!("{e}"));
        let write = compiled(
            &graph,
            db.dialect(),
            r#"[{"op": "insert", "model": "Category", "rows": [{"id": 0, "name": "Zero"}]},
                {"op": "insert", "model": "Category", "rows": [{"name": "Next"}]}]"#,
        );
        let outcomes = db
            .apply(&write)
            .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
        assert_eq!(outcomes[0].keys, [Value::Int(0)], "{}", server.name());
        assert_eq!(outcomes[1].keys, [Value::Int(1)], "{}", server.name());
    }
}
