//! The sqlparser oracle over the corpus: every statement of every case, in every dialect
//! that compiles it, parses to exactly one statement of that dialect, prints back to the
//! same text, reads the same in its pretty layout, and has one placeholder per param.

mod common;

use common::oracle;
use relq_tests::corpus::{cases, dialects};

#[test]
fn every_corpus_statement_round_trips_through_sqlparser() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases().expect("the corpus loads") {
        let graph = case.graph().expect("valid schema");
        for (name, dialect) in dialects() {
            // A dialect that refuses the case has no SQL to check; the corpus snapshot
            // shows its error.
            let Ok(compiled) = relq_sql::compile(&graph, &case.query, dialect.as_ref()) else {
                continue;
            };
            for s in &compiled.statements {
                let pretty = s.pretty(dialect.as_ref());
                if let Err(e) = oracle::check(name, &s.sql, &pretty, s.params.len()) {
                    failures.push(format!("{} / {name}: {e}", case.name));
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked > 0, "no statement was checked");
}

#[test]
fn the_oracle_counts_placeholders_of_every_dialect() {
    // The oracle itself must be able to fail: a wrong param count and a text sqlparser
    // prints differently are both caught.
    let sql = "SELECT \"t0\".\"id\" FROM \"x\" AS \"t0\" LIMIT $1 OFFSET $2";
    assert!(oracle::check("postgres", sql, sql, 2).is_ok());
    assert!(oracle::check("postgres", sql, sql, 1).is_err());
    let sql = "SELECT `t0`.`id` FROM `x` AS `t0` LIMIT ? OFFSET ?";
    assert!(oracle::check("mysql", sql, sql, 2).is_ok());
    assert!(oracle::check("sqlite", "select 1", "select 1", 0).is_err());
    assert!(oracle::check("sqlite", "SELECT 1; SELECT 2", "SELECT 1", 0).is_err());
}
