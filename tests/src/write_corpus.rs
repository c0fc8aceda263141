//! The write corpus: case files in `tests/write_corpus/`, each a schema and a batch of
//! write operations (their JSON form), compiled for every write dialect.
//!
//! A case file is TOML:
//!
//! ```toml
//! # What the case shows (every leading `#` line is its description).
//! schema = "university"        # a shared schema of `tests/write_corpus/schemas/`, a
//!                              # sample of `schemas/`, or an inline [schema] table
//! max_params = 4               # optional: every dialect with this parameter limit
//! operations = '''
//! [{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [2]}]
//! '''
//! ```
//!
//! Invariants: [`cases`] returns every case sorted by name, names unique, so the
//! snapshots and the oracle see the same list; an empty corpus is an error. The
//! dialects are always listed in the same order: sqlite, postgres, mysql (the `const`
//! facts: no `RETURNING`), mariadb (MariaDB 10.11's facts: `INSERT ... RETURNING`).

use std::path::{Path, PathBuf};

use relq_graph::{RelationGraph, SchemaDef};
use relq_mysql::MySql;
use relq_postgres::Postgres;
use relq_sample::Sample;
use relq_sql::{Caps, Dialect, Server, WriteCaps};
use relq_sqlite::Sqlite;
use relq_write::{Operation, parse_batch};
use serde::Deserialize;

/// One write case: a schema and a batch of operations over it.
#[derive(Clone, Debug)]
pub struct WriteCase {
    /// The file stem; names the snapshot.
    pub name: String,
    /// What the case shows: the file's leading `#` lines.
    pub description: String,
    /// The schema, from a sample or inline.
    pub schema: SchemaDef,
    /// The parameter limit every dialect gets for this case, when not its own.
    pub max_params: Option<usize>,
    /// The operations, in batch order.
    pub operations: Vec<Operation>,
}

impl WriteCase {
    /// The case's schema built into a graph.
    ///
    /// # Errors
    /// The schema's validation error, as text naming the case.
    pub fn graph(&self) -> Result<RelationGraph, String> {
        self.schema
            .build()
            .map_err(|e| format!("case `{}`: invalid schema: {e}", self.name))
    }

    /// The write dialects ([`dialects`]), each with the case's parameter limit.
    pub fn dialects(&self) -> Vec<(&'static str, Box<dyn Dialect>)> {
        dialects()
            .into_iter()
            .map(|(name, d)| match self.max_params {
                Some(max_params) => {
                    let caps = Caps {
                        max_params,
                        ..*d.caps()
                    };
                    (name, d.with_caps(caps))
                }
                None => (name, d),
            })
            .collect()
    }
}

/// The file shape of a case.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    schema: SchemaSource,
    #[serde(default)]
    max_params: Option<usize>,
    operations: String,
}

/// `schema = "blog"` or an inline `[schema]` table.
#[derive(Deserialize)]
#[serde(untagged)]
enum SchemaSource {
    Sample(String),
    Inline(SchemaDef),
}

/// The folder of case files: `tests/write_corpus/`.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("write_corpus")
}

/// Every case of [`corpus_dir`], sorted by name.
///
/// # Errors
/// An unreadable folder or file, a file that does not parse (with its name), an unknown
/// sample, or no case files at all.
pub fn cases() -> Result<Vec<WriteCase>, String> {
    let dir = corpus_dir();
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") {
            cases.push(read_case(&path)?);
        }
    }
    if cases.is_empty() {
        return Err(format!("no case files (*.toml) in {}", dir.display()));
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// Reads one case file.
fn read_case(path: &Path) -> Result<WriteCase, String> {
    let shown = path.display();
    let (name, text, description) = crate::corpus::case_header(path)?;
    let file: CaseFile = toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
    let schema = match file.schema {
        SchemaSource::Inline(def) => def,
        SchemaSource::Sample(name) => {
            let shared = corpus_dir().join("schemas").join(format!("{name}.toml"));
            if shared.is_file() {
                let text = std::fs::read_to_string(&shared)
                    .map_err(|e| format!("cannot read {}: {e}", shared.display()))?;
                SchemaDef::from_toml(&text).map_err(|e| format!("{}: {e}", shared.display()))?
            } else {
                Sample::by_name(&name)
                    .ok_or_else(|| format!("{shown}: no schema `{name}` (shared or sample)"))?
                    .schema()
                    .map_err(|e| format!("{shown}: {e}"))?
            }
        }
    };
    let operations =
        parse_batch(&file.operations).map_err(|e| format!("{shown}: operations: {e}"))?;
    if operations.is_empty() {
        return Err(format!("{shown}: no operations"));
    }
    Ok(WriteCase {
        name,
        description,
        schema,
        max_params: file.max_params,
        operations,
    })
}

/// MariaDB 10.11's write facts, as `MySql::from_conn` reads them from such a server:
/// the MySQL dialect with `INSERT ... RETURNING` (MariaDB 10.5.0+).
pub fn mariadb() -> Box<dyn Dialect> {
    let mysql = MySql::default();
    let caps = *mysql.caps();
    mysql.with_caps(Caps {
        server: Some(Server {
            product: "MariaDB",
            version: (10, 11, 0),
        }),
        writes: WriteCaps {
            insert_returning: true,
            ..caps.writes
        },
        ..caps
    })
}

/// The write dialects, in corpus order, by name: sqlite, postgres, mysql (the `const`
/// facts), mariadb ([`mariadb`]).
pub fn dialects() -> [(&'static str, Box<dyn Dialect>); 4] {
    [
        ("sqlite", Box::new(Sqlite::default())),
        ("postgres", Box::new(Postgres::default())),
        ("mysql", Box::new(MySql::default())),
        ("mariadb", mariadb()),
    ]
}

/// The snapshot text of one case: the operations, then per operation each dialect's
/// statements (text, params, when they run, what their result means), dialects that
/// give the same statements shown once; an operation a dialect refuses shows its error.
///
/// It also checks that the batch compiles as its operations do one by one: the same
/// statements when all compile, else the error of the first that does not.
///
/// # Errors
/// An invalid schema, or a batch that compiles otherwise than its operations alone.
pub fn report(case: &WriteCase) -> Result<String, String> {
    use std::fmt::Write as _;
    let graph = case.graph()?;
    let dialects = case.dialects();
    let mut out = String::from("operations:\n");
    for (i, op) in case.operations.iter().enumerate() {
        let json = serde_json::to_string(op).map_err(|e| e.to_string())?;
        let _ = writeln!(out, "{i}: {json}");
    }
    let alone: Vec<Vec<Result<relq_write::WritePlan, relq_write::WriteError>>> = dialects
        .iter()
        .map(|(_, d)| {
            case.operations
                .iter()
                .map(|op| {
                    relq_write::compile_write(&graph, std::slice::from_ref(op), d.as_ref())
                        .map(|mut w| w.operations.remove(0))
                })
                .collect()
        })
        .collect();
    for ((name, dialect), plans) in dialects.iter().zip(&alone) {
        same_as_batch(case, &graph, name, dialect.as_ref(), plans)?;
    }
    for (i, op) in case.operations.iter().enumerate() {
        let _ = write!(out, "\n== {i}: {} {}", op.name(), op.model());
        if alone
            .iter()
            .any(|plans| matches!(&plans[i], Ok(p) if p.reports_created))
        {
            let _ = write!(out, " (reports created)");
        }
        out.push('\n');
        let mut shown: Vec<(Vec<&str>, String)> = Vec::new();
        for ((name, _), plans) in dialects.iter().zip(&alone) {
            let text = match &plans[i] {
                Ok(plan) if plan.steps.is_empty() => "(no statements)\n".to_owned(),
                Ok(plan) => steps(plan),
                Err(e) => format!("error: {}\n", e.kind()),
            };
            match shown.iter_mut().find(|(_, t)| *t == text) {
                Some((names, _)) => names.push(name),
                None => shown.push((vec![name], text)),
            }
        }
        for (names, text) in shown {
            let _ = write!(out, "-- {}\n{text}", names.join(", "));
        }
    }
    Ok(out)
}

/// The steps of one plan, numbered.
fn steps(plan: &relq_write::WritePlan) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (n, s) in plan.steps.iter().enumerate() {
        let params: Vec<String> = s
            .params
            .iter()
            .map(|p| match p {
                relq_write::Param::Value(v) => format!("{v:?}"),
                relq_write::Param::Found => "<found>".to_owned(),
            })
            .collect();
        let _ = writeln!(out, "{}. {}", n + 1, s.sql);
        let _ = writeln!(out, "   params: [{}]", params.join(", "));
        let _ = writeln!(
            out,
            "   when: {:?}; on: {}; action: {:?}",
            s.when, s.model, s.action
        );
    }
    out
}

/// The whole batch compiles to the operations compiled one by one, or fails with the
/// first one's error, at its index.
fn same_as_batch(
    case: &WriteCase,
    graph: &RelationGraph,
    name: &str,
    dialect: &dyn Dialect,
    plans: &[Result<relq_write::WritePlan, relq_write::WriteError>],
) -> Result<(), String> {
    let batch = relq_write::compile_write(graph, &case.operations, dialect);
    let first_error = plans.iter().position(Result::is_err);
    match (batch, first_error) {
        (Ok(batch), None) => {
            let alone: Vec<_> = plans.iter().filter_map(|p| p.as_ref().ok()).collect();
            if batch.operations.iter().collect::<Vec<_>>() != alone {
                return Err(format!(
                    "case `{}` / {name}: the batch compiles otherwise than its operations alone",
                    case.name
                ));
            }
            Ok(())
        }
        (Err(e), Some(i)) if e.operation() == i => {
            let alone = plans[i].as_ref().err().map(|a| a.kind().to_string());
            if alone != Some(e.kind().to_string()) {
                return Err(format!(
                    "case `{}` / {name}: the batch fails otherwise than operation {i} alone: {e}",
                    case.name
                ));
            }
            Ok(())
        }
        (batch, first) => Err(format!(
            "case `{}` / {name}: the batch gives {:?}, its first failing operation is {first:?}",
            case.name,
            batch.err().map(|e| e.to_string())
        )),
    }
}
