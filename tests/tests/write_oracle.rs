//! The sqlparser oracle over the write corpus: every statement of every operation of
//! every case, on every dialect that compiles it, parses in its dialect (SQLite,
//! PostgreSQL, MySQL; MariaDB's statements as MySQL's) to exactly one statement with one
//! placeholder per param, `$n` numbered `$1..$n` on PostgreSQL, and no more params than
//! the dialect's limit (the corpus lowers it to show where lists are cut).
//!
//! sqlparser 0.63 reads every form relq-write emits today (`INSERT ... ON CONFLICT (...)
//! DO NOTHING RETURNING` on SQLite and PostgreSQL, `ON DUPLICATE KEY UPDATE` and
//! MariaDB's `INSERT ... RETURNING` with its MySQL dialect, `UPDATE`/`DELETE ... IN
//! (SELECT * FROM (...) AS "kept")`), so no statement is skipped as a parser gap.

mod common;

use common::oracle;
use relq_tests::write_corpus::cases;

/// sqlparser's dialect for a write dialect of the corpus: MariaDB's is MySQL's.
fn parser_dialect(name: &str) -> &str {
    match name {
        "mariadb" => "mysql",
        other => other,
    }
}

#[test]
fn every_write_statement_parses_in_its_dialect_with_one_placeholder_per_param_within_the_limit() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases().expect("the write corpus loads") {
        let graph = case.graph().expect("valid schema");
        for (name, dialect) in case.dialects() {
            for (i, op) in case.operations.iter().enumerate() {
                // An operation the dialect refuses has no SQL to check; the snapshot
                // shows its error.
                let Ok(write) =
                    relq_write::compile_write(&graph, std::slice::from_ref(op), dialect.as_ref())
                else {
                    continue;
                };
                for step in write.operations.iter().flat_map(|o| &o.steps) {
                    if let Err(e) =
                        oracle::check_write(parser_dialect(name), &step.sql, step.params.len())
                    {
                        failures.push(format!("{} / operation {i} / {name}: {e}", case.name));
                    }
                    let limit = dialect.caps().max_params;
                    if step.params.len() > limit {
                        failures.push(format!(
                            "{} / operation {i} / {name}: {} params past the limit of {limit}\n{}",
                            case.name,
                            step.params.len(),
                            step.sql
                        ));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked > 100, "only {checked} statements were checked");
}

#[test]
fn the_write_oracle_can_fail() {
    let sql = "UPDATE \"t\" SET \"a\" = $2 WHERE \"id\" IN (SELECT * FROM (SELECT \"id\" FROM \"t\" WHERE \"b\" = $1) AS \"kept\")";
    assert!(oracle::check_write("postgres", sql, 2).is_ok());
    assert!(oracle::check_write("postgres", sql, 1).is_err());
    let twice = "UPDATE \"t\" SET \"a\" = $1 WHERE \"b\" = $1";
    assert!(oracle::check_write("postgres", twice, 2).is_err());
    let sql = "INSERT INTO `t` (`a`, `b`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `a` = `a`";
    assert!(oracle::check_write("mysql", sql, 4).is_ok());
    assert!(oracle::check_write("mysql", sql, 3).is_err());
    assert!(oracle::check_write("sqlite", "DELETE FROM \"t\"; DELETE FROM \"u\"", 0).is_err());
    assert!(oracle::check_write("sqlite", "INSERT \"t\" VALUES", 0).is_err());
}
