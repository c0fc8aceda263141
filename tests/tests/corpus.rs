//! The cross-dialect corpus: every case of `tests/corpus/` (and the few built in
//! `relq_tests::corpus::generated`) compiled for SQLite, PostgreSQL and MySQL, one named
//! snapshot per case (`snapshots/corpus__<case>.snap`) holding the query, each dialect's
//! pretty SQL and params (or its error: "unsupported" is an outcome), and the extraction
//! plan once (for a terminal: the records it picks, or the count or flat columns it
//! returns instead).
//!
//! The plan is dialect-independent: every dialect that compiles a case must give the plan
//! `relq_plan::plan` gives, which is what the snapshot shows.

use std::fmt::Write as _;

use relq_tests::corpus::{Case, cases, dialects};

/// The snapshot text of one case.
fn report(case: &Case) -> Result<String, String> {
    let graph = case.graph()?;
    let plan = relq_plan::plan(&graph, &case.query)
        .map_err(|e| format!("case `{}` does not plan: {e}", case.name))?;
    let mut out = String::new();
    let _ = writeln!(out, "query: {}", json(&case.query));
    for (name, dialect) in dialects() {
        let _ = writeln!(out, "\n== {name}");
        match relq_sql::compile(&graph, &case.query, dialect.as_ref()) {
            Ok(compiled) => {
                if *compiled.plan != plan {
                    return Err(format!(
                        "case `{}`: {name} gives another plan than relq_plan::plan",
                        case.name
                    ));
                }
                let many = compiled.statements.len() > 1;
                for (i, s) in compiled.statements.iter().enumerate() {
                    if many {
                        let _ = writeln!(out, "-- statement {}", i + 1);
                    }
                    let _ = writeln!(out, "{}", s.pretty(dialect.as_ref()));
                    let _ = writeln!(out, "params: {:?}", s.params);
                    if let Some(keys) = &s.keys {
                        let chunk = keys.chunk;
                        let _ = writeln!(
                            out,
                            "keys: the IN list of the root keys, chunked to {chunk}"
                        );
                    }
                }
            }
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
            }
        }
    }
    match &plan.output {
        relq_plan::Output::Records(pick) => {
            if *pick != relq_plan::Pick::All {
                let _ = writeln!(out, "\n== output\nrecords, picked: {pick:?}");
            }
            let _ = write!(out, "\n== extraction plan\n{}", json(&plan.extraction));
        }
        relq_plan::Output::Count => {
            let _ = write!(out, "\n== output\ncount");
        }
        relq_plan::Output::Exists => {
            let _ = write!(out, "\n== output\nexists");
        }
        relq_plan::Output::Rows { columns, distinct } => {
            let _ = write!(out, "\n== output\nrows (distinct: {distinct})");
            for c in columns {
                let _ = write!(out, "\n{}: {}", c.name, c.kind.name());
            }
        }
    }
    Ok(out)
}

/// Pretty JSON; serialising the query or a plan cannot fail.
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("serialisable")
}

#[test]
fn every_case_snapshots_all_three_dialects_and_one_plan() {
    let cases = cases().expect("the corpus loads");
    for case in &cases {
        let text = report(case).expect("the case compiles to a report");
        insta::with_settings!({
            description => case.description.as_str(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(case.name.as_str(), text);
        });
    }
}

#[test]
fn an_empty_corpus_folder_is_an_error_not_a_pass() {
    let dir = std::env::temp_dir().join(format!("relq-empty-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let result = relq_tests::corpus::cases_in(&dir);
    let _ = std::fs::remove_dir(&dir);
    let error = result.expect_err("no case files");
    assert!(error.contains("no case files"), "{error}");
}
