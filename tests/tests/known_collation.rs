//! A text column's collation known from the catalog (a graph built over it,
//! `relq::graph::over_catalog`) lets the PostgreSQL dialect leave out the `COLLATE` it
//! pins otherwise (`relq::postgres::own_collation_suffices`), and every lookup keeps its
//! records: on the PostgreSQL test server, for a column on the database's default
//! collation (a table made by hand, as another tool would) and one declared `COLLATE "C"`
//! (relq's DDL), every text lookup over mixed-case, accented, padded and pattern-like
//! words returns the same records as with the collation pinned (the schema declared
//! alone). Needs the test server; nothing is skipped.

mod common;

use common::servers::{Server, scratch};
use relq::graph::{FieldDef, FieldType, ModelDef, over_catalog};
use relq::plan::Filter;
use relq::{Database, Query, RelationGraph, SchemaDef, Value, compile};
use serde_json::json;

const WORDS: [&str; 20] = [
    "b", "B", "a", "A", "É", "é", "Z", "ä", "Straße", "STRASSE", "日本", "a ", "a\t", "a  ", "ab",
    "aB", "%", "_", "a%b", "a_b",
];

const LOOKUPS: [&str; 13] = [
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "gt",
    "gte",
    "lt",
    "lte",
    "regex",
];

fn records(db: &mut Database, graph: &RelationGraph, query: &Query) -> (String, Vec<Vec<Value>>) {
    let compiled = compile(graph, query, db.dialect()).unwrap_or_else(|e| panic!("{e}"));
    let sql = compiled.statements[0].sql.to_string();
    let found = db
        .execute(&compiled)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    (sql, found.into_iter().map(|r| r.fields).collect())
}

#[test]
fn a_known_collation_leaves_the_pin_out_and_every_lookup_keeps_its_records_on_postgres() {
    let mut db = scratch(Server::Postgres, "known_collation");
    for table in [
        "CREATE TABLE words (id INTEGER PRIMARY KEY, text VARCHAR(40) NOT NULL)",
        "CREATE TABLE c_words (id INTEGER PRIMARY KEY, text VARCHAR(40) COLLATE \"C\" NOT NULL)",
    ] {
        db.run(table, &[])
            .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    for (word, id) in WORDS.iter().zip(1..) {
        for table in ["words", "c_words"] {
            let insert = format!("INSERT INTO {table} (id, text) VALUES ($1, $2)");
            let values = [Value::Int(id), Value::Text((*word).to_owned())];
            db.run(&insert, &values)
                .unwrap_or_else(|e| panic!("{insert}: {e}"));
        }
    }
    let word = |name: &str, table: &str| {
        ModelDef::new(name)
            .table(table)
            .pk("id", FieldType::Integer)
            .field(FieldDef::new("text", FieldType::text(40)))
    };
    let def = SchemaDef::new()
        .model(word("Word", "words"))
        .model(word("CWord", "c_words"));
    let over = over_catalog(&def, &db.catalog().expect("the catalog")).expect("declared");
    let alone = def.build().expect("declared");

    let mut unpinned = 0;
    for model in ["Word", "CWord"] {
        let mut cases: Vec<(String, serde_json::Value)> = Vec::new();
        for lookup in LOOKUPS {
            for value in WORDS.iter().chain(&["a%", "é", "straße", "x"]) {
                cases.push((format!("text__{lookup}"), json!(value)));
            }
        }
        cases.push(("text__in".to_owned(), json!(["a", "A ", "é", "日本"])));
        cases.push(("text__range".to_owned(), json!(["B", "b"])));
        cases.push(("text__range".to_owned(), json!(["a", "é"])));
        for (path, value) in cases {
            let query = Query::new(model).filter(Filter::new(path.clone(), value.clone()));
            let (sql, known) = records(&mut db, &over, &query);
            let (pinned_sql, pinned) = records(&mut db, &alone, &query);
            assert!(pinned_sql.contains("COLLATE \"C\""), "{pinned_sql}");
            unpinned += usize::from(!sql.contains("COLLATE"));
            assert_eq!(
                known, pinned,
                "{model} {path} {value}: {sql}\n  pinned: {pinned_sql}"
            );
        }
    }
    // Equality and LIKE on both columns, order on the `C` one, folds on the default one.
    assert!(unpinned > 200, "{unpinned} statements without a collation");
}
