//! `relq apply`: a batch of write operations run on a database in one transaction, one
//! JSON line per operation saying what it did; with `--dry-run` the statements first,
//! and the transaction rolled back.

use std::io::{Read, Write};
use std::path::Path;

use relq::rows::value_to_json;
use relq::write::{CompiledWrite, Param, When, parse_batch};
use relq::{Database, Outcome, compile_write};
use serde_json::json;

use crate::error::{CliError, read};
use crate::source::over_database;

/// Opens `url`, reads the schema (the file, or the database's) and the operations, and
/// applies them (or, with `dry_run`, prints the statements, applies and rolls back).
pub(crate) fn run(
    out: &mut dyn Write,
    url: &str,
    schema: Option<&Path>,
    ops: &Path,
    dry_run: bool,
) -> Result<(), CliError> {
    let mut db = Database::open(url)?;
    let (_, graph) = over_database(&mut db, schema)?;
    let text = if ops == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        read(ops, "operations file")?
    };
    let batch = parse_batch(&text).map_err(|message| CliError::OpsFile {
        path: ops.to_owned(),
        message,
    })?;
    let write = compile_write(&graph, &batch, db.dialect())?;
    if dry_run {
        statements(out, &write)?;
        let outcomes = db.apply_rolled_back(&write)?;
        outcomes_json(out, &outcomes)?;
        writeln!(out, "-- rolled back")?;
    } else {
        let outcomes = db.apply(&write)?;
        outcomes_json(out, &outcomes)?;
    }
    Ok(())
}

/// Each operation's statements, as SQL comments and text: `-- 0: add on Department`,
/// then each statement with its parameters (and the condition it runs on).
fn statements(out: &mut dyn Write, write: &CompiledWrite) -> Result<(), CliError> {
    for (index, plan) in write.operations.iter().enumerate() {
        writeln!(out, "-- {index}: {} on {}", plan.op, plan.model)?;
        for step in &plan.steps {
            let params: Vec<serde_json::Value> = step
                .params
                .iter()
                .map(|p| match p {
                    Param::Value(v) => value_to_json(v),
                    Param::Found => json!("<found key>"),
                })
                .collect();
            let when = match step.when {
                When::Always => "",
                When::Found => " (when found)",
                When::NotFound => " (when not found)",
            };
            writeln!(
                out,
                "{};  -- params {}{when}",
                step.sql,
                serde_json::Value::Array(params)
            )?;
        }
    }
    Ok(())
}

/// One JSON line per operation.
fn outcomes_json(out: &mut dyn Write, outcomes: &[Outcome]) -> Result<(), CliError> {
    for outcome in outcomes {
        let mut line = json!({
            "op": outcome.op,
            "model": outcome.model,
            "affected": outcome.affected,
            "keys": outcome.keys.iter().map(value_to_json).collect::<Vec<_>>(),
        });
        if let (Some(created), Some(object)) = (outcome.created, line.as_object_mut()) {
            object.insert("created".to_owned(), json!(created));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
