//! The command line, as clap parses it: the subcommands, where the schema comes from, and
//! the query given as flags or as a JSON file.
//!
//! Invariant: every usage rule (one schema source, one query source, flags that need
//! `--model`) is clap's, so a usage error exits 2 with clap's message before anything runs.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use relq::{Compat, Filter, OrderBy, Query, Strategy};

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
    /// The main job: create the sample databases and run a showcase of queries on them.
    ///
    /// Creates school.db, blog.db and person.db (SQLite) from the seeded generator (seed
    /// 42), then prints for each query of the showcase the ormar call, the SQL, the rows
    /// the database returned and the records rebuilt from them, the time (compile, execute
    /// and rebuild) and the first records as JSON.
    Demo {
        /// The size of the data: scale 1 is 100 classes with 2970 teachers and students,
        /// 2000 posts and 2000 persons; scale N has N times as many rows.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        scale: u32,
        /// Where to create school.db, blog.db and person.db, overwriting earlier demo
        /// files [default: relq-demo in the system's temporary directory].
        #[arg(long, value_name = "DIR", default_value_os_t = crate::demo::default_dir(), hide_default_value = true)]
        dir: PathBuf,
    },
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
        /// A schema file (TOML, or JSON by its extension) declaring the models, keys and
        /// relations over the database's tables, each of whose tables and columns must
        /// exist there [default: the database's, introspected: model names are table
        /// names].
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
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
    /// Apply write operations to a database in one transaction, all or nothing.
    ///
    /// OPS is a JSON array of operations (or NDJSON, one per line) such as `{"op":
    /// "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [3]}`.
    /// Prints per operation one JSON line: what it did (rows affected, primary keys
    /// inserted or found, whether it created).
    Apply {
        /// The database: sqlite:PATH, postgres://user:pass@host:port/db or
        /// mysql://user:pass@host:port/db.
        #[arg(long, value_name = "URL")]
        db: String,
        /// A schema file (TOML, or JSON by its extension) declaring the models, keys and
        /// relations over the database's tables, each of whose tables and columns must
        /// exist there [default: the database's, introspected: model names are table
        /// names].
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// The operations: a file, or `-` for standard input.
        #[arg(value_name = "OPS")]
        ops: PathBuf,
        /// Print every statement with its parameters, run the batch, print what it did,
        /// then roll it back.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print Graphviz DOT: the relation graph, or with a query its join tree with aliases.
    Graph {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        query: Option<QueryArgs>,
    },
}

/// Where the schema comes from: a live database, a schema file, or both (the file's
/// models over the database's tables).
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub(crate) struct Source {
    /// The database: sqlite:PATH, postgres://user:pass@host:port/db or
    /// mysql://user:pass@host:port/db; introspected unless --schema is given too.
    #[arg(long, value_name = "URL")]
    pub(crate) db: Option<String>,
    /// A schema file, TOML or JSON (by its extension: .json is JSON, anything else TOML).
    /// With --db it declares the models, keys and relations over the database's tables,
    /// each of whose tables and columns must exist there.
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
    /// Keep the roots where PATH=VALUE holds (`author__first_name=Bob`,
    /// `categories__name__icontains=sql`, `id__in=[1,2]`): split at the first `=`; VALUE
    /// is JSON when it parses as JSON (`3`, `true`, `null`, `[1,2]`, `"3"`), else text.
    /// Repeatable: each flag is one filter call and every call must hold; a to-many path
    /// keeps a root when some related row matches.
    #[arg(
        long,
        value_name = "PATH=VALUE",
        value_parser = condition,
        allow_hyphen_values = true,
        requires = "model"
    )]
    filter: Vec<Filter>,
    /// Leave out the roots where PATH=VALUE holds (VALUE as for --filter). Repeatable:
    /// each flag is one exclude call, and a root matching any of them is left out.
    #[arg(
        long,
        value_name = "PATH=VALUE",
        value_parser = condition,
        allow_hyphen_values = true,
        requires = "model"
    )]
    exclude: Vec<Filter>,
    /// At most this many root records (nested lists are never cut).
    #[arg(long, value_name = "N", requires = "model")]
    limit: Option<u64>,
    /// Skip this many root records.
    #[arg(long, value_name = "N", requires = "model")]
    offset: Option<u64>,
    /// The scope of filters across to-many relations [default: roots].
    #[arg(long, value_enum, requires = "model")]
    compat: Option<CompatName>,
    /// How loaded to-many relations are read [default: auto].
    #[arg(long, value_enum, requires = "model")]
    strategy: Option<StrategyName>,
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
            select_related: self.select_related.iter().map(Into::into).collect(),
            fields: self.fields.clone(),
            exclude_fields: self.exclude_fields.clone(),
            filter: self.filter.clone(),
            exclude: self.exclude.clone(),
            order_by: self.order_by.iter().map(OrderBy::new).collect(),
            limit: self.limit,
            offset: self.offset,
            compat: match self.compat {
                Some(CompatName::Ormar) => Compat::Ormar,
                Some(CompatName::Roots) | None => Compat::Roots,
            },
            // A page is --limit and --offset here; the terminal is the subcommand's; a
            // related set's owner comes from a query file.
            page: None,
            owner: None,
            terminal: None,
            strategy: match self.strategy {
                Some(StrategyName::Joined) => Strategy::Joined,
                Some(StrategyName::Split) => Strategy::Split,
                Some(StrategyName::Json) => Strategy::Json,
                Some(StrategyName::Auto) | None => Strategy::Auto,
            },
        })
    }
}

/// `--compat`: the scope of filters across to-many relations.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum CompatName {
    /// relq's own: a filter keeps roots with some matching related row (EXISTS) and never
    /// trims or loads a nested list.
    Roots,
    /// ormar's row-level filters: a to-many path in a filter is loaded and trimmed to the
    /// matching rows; exclude drops rows.
    Ormar,
}

/// `--strategy`: how loaded to-many relations are read.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum StrategyName {
    /// Per relation: to-one and lone to-many chains joined, sibling to-many lists split.
    Auto,
    /// One statement joining every loaded relation (sibling lists multiply the rows).
    Joined,
    /// The roots' statement, then one statement per loaded to-many relation.
    Split,
    /// One statement: the roots' with each loaded to-many relation as a JSON array
    /// column built by a correlated subquery.
    Json,
}

/// A `--filter` or `--exclude` argument, `PATH=VALUE`, as the condition `[PATH, VALUE]`:
/// split at the first `=`, VALUE read as JSON when it is JSON, else as a string.
///
/// # Errors
/// An argument without `=`, or with nothing before it (clap makes it a usage error).
fn condition(arg: &str) -> Result<Filter, String> {
    let Some((path, value)) = arg.split_once('=') else {
        return Err("expected PATH=VALUE (author__first_name=Bob), found no `=`".to_owned());
    };
    if path.is_empty() {
        return Err(
            "expected PATH=VALUE (author__first_name=Bob), found no PATH before `=`".to_owned(),
        );
    }
    let value =
        serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
    Ok(Filter::new(path, value))
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
    /// `{"dialect", "statements": [{"sql", "params", "keys"?}], "output", "delivery",
    /// "extraction"}`.
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

#[cfg(test)]
mod tests {
    use relq::Filter;
    use serde_json::json;

    use super::condition;

    #[test]
    fn a_condition_splits_at_the_first_equals_and_reads_json_or_text() {
        let cases = [
            (
                "author__first_name=Bob",
                Filter::new("author__first_name", "Bob"),
            ),
            ("id=3", Filter::new("id", 3)),
            ("id=\"3\"", Filter::new("id", "3")),
            ("id__in=[1, 2]", Filter::new("id__in", json!([1, 2]))),
            ("supervisor=null", Filter::new("supervisor", json!(null))),
            ("title=a=b", Filter::new("title", "a=b")),
            ("title=", Filter::new("title", "")),
            ("title= x ", Filter::new("title", " x ")),
            ("active=true", Filter::new("active", true)),
        ];
        for (arg, expected) in cases {
            assert_eq!(condition(arg), Ok(expected), "{arg}");
        }
        assert!(condition("title").is_err());
        assert!(condition("=Bob").is_err());
    }
}
