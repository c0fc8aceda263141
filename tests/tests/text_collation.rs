//! Text in tables relq creates sorts and compares by code point on every dialect
//! (`ColumnTypes::text_collation`: SQLite's default `BINARY`, PostgreSQL `COLLATE "C"`,
//! MariaDB `utf8mb4_nopad_bin`), whatever the server's defaults: the MariaDB test server
//! runs with its compiled default `latin1_swedish_ci`, case-insensitive and unable to hold
//! most non-Latin text, and MariaDB's `utf8mb4_bin` pads with spaces (`'a' = 'a '`), so
//! `MySql::from_conn` picks the NO PAD binary collation of the server it finds. Proven on
//! the three databases with mixed-case, non-ASCII and trailing-space names.
//!
//! Each database is a fresh namespace (`common::servers::scratch`). Needs the test servers (`bash scripts/test.sh` starts them); nothing is skipped.

mod common;

use common::servers::{Server, scratch};
use relq::{Database, OrderBy, Query, SchemaDef, Value, compile};

const SCHEMA: &str = r#"
[[models]]
name = "Word"
table = "words"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "text", type = "text", max_length = 40 },
]
"#;

const WORDS: [&str; 12] = [
    "b", "B", "a", "É", "é", "Z", "ä", "Straße", "日本", "a ", "a\t", "a  ",
];

#[test]
fn text_sorts_and_compares_by_code_point_on_every_dialect() {
    let graph = SchemaDef::from_toml(SCHEMA)
        .and_then(|d| d.build())
        .expect("valid schema");
    let words = graph.model_by_name("Word").expect("declared");
    let mut by_code_point: Vec<&str> = WORDS.to_vec();
    by_code_point.sort_unstable();
    for server in Server::ALL {
        let product = server.name();
        let mut db = scratch(server, "text");
        db.create_tables(&graph)
            .unwrap_or_else(|e| panic!("{product}: {e}"));
        let rows: Vec<Vec<Value>> = WORDS
            .iter()
            .zip(1..)
            .map(|(w, id)| vec![Value::Int(id), Value::Text((*w).to_owned())])
            .collect();
        db.insert(words, &rows)
            .unwrap_or_else(|e| panic!("{product}: {e}"));
        let query = Query::new("Word").order_by(OrderBy::new("text"));
        let compiled = compile(&graph, &query, db.dialect()).unwrap_or_else(|e| panic!("{e}"));
        let records = db
            .execute(&compiled)
            .unwrap_or_else(|e| panic!("{product}: {e}"));
        let read: Vec<String> = records
            .iter()
            .map(|r| r.fields[1].as_text().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(read, by_code_point, "{product}: ORDER BY text");
        // `=` tells case, accents and trailing spaces apart: one row each.
        let delete = compile_delete(&db);
        for word in ["B", "é", "a ", "a"] {
            let deleted = db.run(&delete, &[Value::Text(word.to_owned())]);
            assert_eq!(
                deleted.ok(),
                Some(1),
                "{product}: `= {word}` matches one row"
            );
        }
    }
}

/// `DELETE FROM words WHERE text = <param>` in the dialect's quotes and placeholder.
fn compile_delete(db: &Database) -> String {
    let caps = db.dialect().caps();
    let q = caps.identifier_quote;
    let placeholder = match caps.placeholder {
        relq_sql::Placeholder::QuestionMark => "?",
        relq_sql::Placeholder::DollarNumber => "$1",
        relq_sql::Placeholder::Format => "%s",
    };
    format!("DELETE FROM {q}words{q} WHERE {q}text{q} = {placeholder}")
}
