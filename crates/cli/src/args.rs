//! The command line, as clap parses it: the subcommands, where the schema comes from, and
//! the query given as flags or as a JSON file.
//!
//! Invariant: every usage rule (one schema source, one query source, flags that need
//! `--model`) is clap's, so a usage error exits 2 with clap's message before anything runs.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use relq::{OrderBy, Query};

use crate::error::CliError;

/// relq: relation-aware queries (select_related) compiled to SQL for SQLite, PostgreSQL
/// and MySQL/MariaDB, run, and rebuilt into nested records.
#[derive(Debug, Parser)]
#[command(name = "relq", version)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the schema of a database (introspected: model names are table names) or of a
    /// schema file, relation names included.
    Schema {
        #[command(flatten)]
        source: Source,
        /// Output form; both re-read with --schema.
        #[arg(long, value_enum, default_value_t = SchemaFormat::Toml)]
        format: SchemaFormat,
    },
    /// Print a query's SQL, its parameters and its extraction plan.
    #[command(group = root_required())]
    Compile {
        #[command(flatten)]
        source: Source,
        /// The dialect to compile for [default: the database's with --db, else sqlite].
        #[arg(long, value_enum)]
        dialect: Option<DialectName>,
        /// One line of SQL instead of one clause per line.
        #[arg(long)]
        compact: bool,
        /// Output form.
        #[arg(long, value_enum, default_value_t = CompileFormat::Text)]
        format: CompileFormat,
        #[command(flatten)]
        query: QueryArgs,
    },
    /// Run a query on a database and print the nested records.
    #[command(group = root_required())]
    Query {
        /// The database: sqlite:PATH, postgres://user:pass@host:port/db or
        /// mysql://user:pass@host:port/db.
        #[arg(long, value_name = "URL")]
        db: String,
        /// Output form: a pretty JSON array of roots, one root per line, or a table of the
        /// roots (a to-one relation shows the related primary key, a to-many one the
        /// number of records in brackets).
        #[arg(long, value_enum, default_value_t = RecordFormat::Json)]
        format: RecordFormat,
        /// Also print the join tree with its aliases and the SQL to stderr.
        #[arg(long)]
        explain: bool,
        /// Print `{"count": N}`: how many root records the query keeps (within its
        /// limit and offset), whatever --format says.
        #[arg(long, group = "terminal")]
        count: bool,
        /// Print `{"exists": true}` or `{"exists": false}`: whether the query keeps a
        /// root record, whatever --format says.
        #[arg(long, group = "terminal")]
        exists: bool,
        #[command(flatten)]
        query: QueryArgs,
    },
    /// Print Graphviz DOT: the relation graph, or with a query its join tree with aliases.
    Graph {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        query: Option<QueryArgs>,
    },
}

/// Where the schema comes from: a live database or a schema file.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Source {
    /// The database to introspect: sqlite:PATH, postgres://user:pass@host:port/db or
    /// mysql://user:pass@host:port/db.
    #[arg(long, value_name = "URL")]
    pub(crate) db: Option<String>,
    /// A schema file, TOML or JSON (by its extension: .json is JSON, anything else TOML).
    #[arg(long, value_name = "FILE")]
    pub(crate) schema: Option<PathBuf>,
}

/// The rule of the subcommands that need a query: `--model` or `--query-file` (`graph`
/// draws the relation graph without one).
fn root_required() -> ArgGroup {
    ArgGroup::new("root")
        .args(["model", "query_file"])
        .required(true)
}

/// A query: its root model and the flags, or a JSON file.
#[derive(Debug, Args)]
pub(crate) struct QueryArgs {
    /// The root model (for an introspected database: a table name).
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// The query as JSON (the serde form of relq's Query) instead of the flags.
    #[arg(long, value_name = "FILE", conflicts_with = "model")]
    query_file: Option<PathBuf>,
    /// A relation path to load (teachers__category); repeat it or separate with commas.
    #[arg(long, value_name = "PATH", value_delimiter = ',', requires = "model")]
    select_related: Vec<String>,
    /// A field path to order by, `-` first for descending; repeatable, comma-separated.
    #[arg(
        long,
        value_name = "PATH",
        value_delimiter = ',',
        allow_hyphen_values = true,
        requires = "model"
    )]
    order_by: Vec<String>,
    /// At most this many root records (nested lists are never cut).
    #[arg(long, value_name = "N", requires = "model")]
    limit: Option<u64>,
    /// Skip this many root records.
    #[arg(long, value_name = "N", requires = "model")]
    offset: Option<u64>,
    /// Select only these field paths (primary keys always); repeatable, comma-separated.
    #[arg(long, value_name = "PATH", value_delimiter = ',', requires = "model")]
    fields: Vec<String>,
    /// Leave these field paths out; repeatable, comma-separated.
    #[arg(long, value_name = "PATH", value_delimiter = ',', requires = "model")]
    exclude_fields: Vec<String>,
}

impl QueryArgs {
    /// The query the flags or the file describe.
    ///
    /// # Errors
    /// [`CliError::Read`] or [`CliError::QueryFile`] for a query file that cannot be read
    /// or is not a query.
    pub(crate) fn query(&self) -> Result<Query, CliError> {
        if let Some(path) = &self.query_file {
            let text = crate::error::read(path, "query file")?;
            return serde_json::from_str(&text).map_err(|source| CliError::QueryFile {
                path: path.clone(),
                source,
            });
        }
        Ok(Query {
            model: self.model.clone().unwrap_or_default(),
            select_related: self.select_related.clone(),
            fields: self.fields.clone(),
            exclude_fields: self.exclude_fields.clone(),
            order_by: self.order_by.iter().map(OrderBy::new).collect(),
            limit: self.limit,
            offset: self.offset,
            ..Query::default()
        })
    }
}

/// `schema --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum SchemaFormat {
    /// TOML, as schema files are written.
    Toml,
    /// Pretty JSON.
    Json,
}

/// `compile --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum CompileFormat {
    /// The SQL, its parameters, and one line per extraction-plan node.
    Text,
    /// `{"dialect", "statements": [{"sql", "params"}], "extraction"}`.
    Json,
}

/// `query --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum RecordFormat {
    /// A pretty JSON array of root records.
    Json,
    /// One root record per line.
    Ndjson,
    /// A table of the root records.
    Table,
}

/// `compile --dialect`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum DialectName {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
}
