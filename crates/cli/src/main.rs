//! `relq`: the command line of relq. `schema` prints a database's introspected schema (or
//! a schema file's), `compile` a query's SQL, parameters and extraction plan, `query` runs
//! a query and prints the nested records, `graph` draws the relation graph or a query's
//! join tree in Graphviz DOT; `demo` creates the sample databases as SQLite files and
//! runs a showcase of queries on them.
//!
//! Every database is reached through [`relq::Database`]. Exit status: 0 on success, 2 for
//! a usage error (clap's message), 1 for any other error, printed to stderr as one line
//! `error: ...` naming what was wrong and where. Output that stops being read (a closed
//! pipe) ends the command quietly with status 0.

#![forbid(unsafe_code)]

mod apply;
mod args;
mod demo;
mod error;
mod ormar;
mod output;
mod progress;
mod source;

use std::io::{BufWriter, ErrorKind, Write};
use std::process::ExitCode;

use clap::Parser;
use relq::plan::{ListRoots, Output, Pick, PlanOptions};
use relq::rows::{JsonLayout, JsonWriter};
use relq::{Answer, Dialect, MySql, Postgres, Sqlite, Terminal, compile, compile_with, to_json};

use crate::args::{Cli, Command, CompileFormat, DialectName, RecordFormat, SchemaFormat};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match run(cli, &mut out).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Write(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// A message on one line: a driver's multi-line message (PostgreSQL's DETAIL and HINT)
/// joined with `; `.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}

/// Runs one subcommand, printing to `out`.
fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    match cli.command {
        Command::Schema { source, format } => {
            // Only a schema that builds is printed: what relq prints, it reads back.
            let loaded = source.load()?;
            let text = match format {
                SchemaFormat::Toml => loaded
                    .def
                    .to_toml()
                    .map_err(|e| source::schema_error(source.schema.as_deref(), e))?,
                SchemaFormat::Json => {
                    serde_json::to_string_pretty(&loaded.def).map_err(std::io::Error::from)? + "\n"
                }
            };
            write!(out, "{text}")?;
        }
        Command::Compile {
            source,
            dialect,
            compact,
            format,
            query,
        } => {
            let loaded = source.load()?;
            let graph = &loaded.graph;
            let named = dialect.map(DialectName::dialect);
            let default = Sqlite::default();
            let dialect: &dyn Dialect = match (&named, &loaded.db) {
                (Some(named), _) => named.as_ref(),
                (None, Some(db)) => db.dialect(),
                (None, None) => &default,
            };
            let compiled = compile(graph, &query.query()?, dialect)?;
            match format {
                CompileFormat::Text => {
                    output::compiled_text(out, graph, &compiled, dialect, compact)?
                }
                CompileFormat::Json => output::compiled_json(out, &compiled, dialect, compact)?,
            }
        }
        Command::Query {
            db,
            schema,
            format,
            explain,
            count,
            exists,
            query,
        } => {
            let mut db = relq::Database::open(&db)?;
            let (_, graph) = source::over_database(&mut db, schema.as_deref())?;
            let mut query = query.query()?;
            if count {
                query.terminal = Some(Terminal::Count);
            } else if exists {
                query.terminal = Some(Terminal::Exists);
            }
            // JSON and NDJSON of every record stream: the list statements re-select
            // the roots (none binds the keys of another), and each root is written as
            // soon as its rows end.
            let layout = match format {
                RecordFormat::Json => Some(JsonLayout::Pretty),
                RecordFormat::Ndjson => Some(JsonLayout::Lines),
                RecordFormat::Table => None,
            };
            let options = PlanOptions {
                list_roots: layout.map(|_| ListRoots::SemiJoin),
            };
            let compiled = compile_with(&graph, &query, db.dialect(), &options)?;
            if explain {
                output::explain(
                    &mut std::io::stderr().lock(),
                    &graph,
                    &compiled,
                    db.dialect(),
                )?;
            }
            let plan = &compiled.plan.extraction;
            let statements = compiled.statements.len();
            let plural = if statements == 1 { "" } else { "s" };
            let message = format!(
                "relq query: running {statements} statement{plural} on `{}`",
                query.model
            );
            if let (Some(layout), Output::Records(Pick::All)) = (layout, &compiled.plan.output) {
                // Block-buffered: one write per 64 KiB, not one per line.
                let buffered = BufWriter::with_capacity(1 << 16, out);
                let writer = JsonWriter::new(plan, layout, buffered)?;
                progress::while_running(message, true, || db.stream(&compiled, writer))?.output?;
                return Ok(());
            }
            let fetched = progress::while_running(message, false, || db.fetch(&compiled))?;
            match fetched.answer {
                Answer::Records(records) => {
                    output::table(out, plan, &to_json(plan, &records)?)?;
                }
                // A count, a yes or no, one record or flat rows: one JSON value.
                answer => writeln!(out, "{}", answer.to_json(plan)?)?,
            }
        }
        Command::Demo { scale, dir } => demo::run(out, &dir, scale)?,
        Command::Apply {
            db,
            schema,
            ops,
            dry_run,
        } => apply::run(out, &db, schema.as_deref(), &ops, dry_run)?,
        Command::Graph { source, query } => {
            let graph = source.load()?.graph;
            let dot = match query {
                Some(query) => relq::plan::plan(&graph, &query.query()?)
                    .map_err(relq::CompileError::from)?
                    .to_dot(&graph),
                None => graph.to_dot(),
            };
            write!(out, "{dot}")?;
        }
    }
    Ok(())
}

impl DialectName {
    /// The dialect with its default facts (no connection to read them from).
    fn dialect(self) -> Box<dyn Dialect> {
        match self {
            DialectName::Sqlite => Box::new(Sqlite::default()),
            DialectName::Postgres => Box::new(Postgres::default()),
            DialectName::Mysql => Box::new(MySql::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_multi_line_driver_message_prints_on_one_line() {
        assert_eq!(
            one_line("42P01: relation \"x\" does not exist\n  DETAIL: none\n\nHINT: create it\n"),
            "42P01: relation \"x\" does not exist; DETAIL: none; HINT: create it"
        );
        assert_eq!(one_line("one line"), "one line");
    }
}
