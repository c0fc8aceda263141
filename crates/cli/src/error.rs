//! What can go wrong after the command line parsed: each a one-line message naming what
//! was wrong and where (exit status 1). Usage errors are clap's (exit status 2).

use std::path::{Path, PathBuf};

use relq::rows::RowError;
use relq::{CompileError, ExecError, OpenError, SchemaError};
use relq_sample::SampleError;

/// A failure of a subcommand.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A file could not be read.
    #[error("cannot read {what} `{}`: {source}", path.display())]
    Read {
        /// `schema file` or `query file`.
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A schema file that does not parse or validate.
    #[error("schema file `{}`: {source}", path.display())]
    SchemaFile {
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<SchemaError>,
    },
    /// An introspected schema that relq cannot build a graph from, or cannot write.
    #[error("schema of the database: {0}")]
    DatabaseSchema(#[source] Box<SchemaError>),
    /// A query file that is not the JSON form of a query.
    #[error("query file `{}`: {source}", path.display())]
    QueryFile {
        /// The path given.
        path: PathBuf,
        /// serde_json's message, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The database URL cannot be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// An operations file that is not the JSON form of a batch.
    #[error("operations `{}`: {message}", path.display())]
    OpsFile {
        /// The path given (`-` for standard input).
        path: PathBuf,
        /// serde_json's message, with line and column.
        message: String,
    },
    /// An operation breaks a rule of the schema.
    #[error("{0}")]
    Operation(#[from] relq::WriteError),
    /// The query does not compile against the schema.
    #[error("query: {0}")]
    Compile(#[from] CompileError),
    /// The database failed while introspecting or running the query, or a value could not
    /// be read.
    #[error("database: {0}")]
    Database(#[from] ExecError),
    /// The records could not be written as JSON.
    #[error("records: {0}")]
    Rows(#[from] RowError),
    /// `relq demo` could not create its directory or a database file.
    #[error("cannot create `{}`: {source}", path.display())]
    DemoFile {
        /// The directory or file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// `relq demo` could not generate or load a sample's data.
    #[error("sample data: {0}")]
    Sample(#[from] SampleError),
    /// Standard output could not be written.
    #[error("cannot write the output: {0}")]
    Write(#[from] std::io::Error),
}

/// The text of the file at `path`, which is the user's `what`.
pub(crate) fn read(path: &Path, what: &'static str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}
