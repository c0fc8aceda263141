//! Where a subcommand's schema comes from: a database, introspected through
//! [`relq::Database`]; a schema file (TOML, or JSON by its `.json` extension); or both, the
//! file declaring the models, keys and relations over the database's tables
//! ([`relq::graph::over_catalog`]: every declared table and column must exist).

use std::path::{Path, PathBuf};

use relq::{Database, RelationGraph, SchemaDef};

use crate::args::Source;
use crate::error::{CliError, read};

/// A schema, its graph and, when one was given, the open database.
pub(crate) struct Loaded {
    /// The schema as read: the file's, or the database's introspected.
    pub(crate) def: SchemaDef,
    /// The validated graph; built over the database's catalog when there is one.
    pub(crate) graph: RelationGraph,
    /// The database.
    pub(crate) db: Option<Database>,
}

impl Source {
    /// The schema of `--db`, `--schema` or both ([`load`]).
    ///
    /// # Errors
    /// [`load`]'s.
    pub(crate) fn load(&self) -> Result<Loaded, CliError> {
        // clap requires --db or --schema.
        load(self.db.as_deref(), self.schema.as_deref())
    }
}

/// The schema file at `schema` alone, or the schema over the database at `db`
/// ([`over_database`]).
///
/// # Errors
/// The database's open error, the file's, or [`over_database`]'s.
pub(crate) fn load(db: Option<&str>, schema: Option<&Path>) -> Result<Loaded, CliError> {
    let Some(url) = db else {
        let def = schema.map(schema_file).transpose()?.unwrap_or_default();
        let graph = def.build().map_err(|e| schema_error(schema, e))?;
        return Ok(Loaded {
            def,
            graph,
            db: None,
        });
    };
    let mut database = Database::open(url)?;
    let (def, graph) = over_database(&mut database, schema)?;
    Ok(Loaded {
        def,
        graph,
        db: Some(database),
    })
}

/// The schema of `db` and its graph: the file at `schema` over the database's catalog,
/// or the database's introspected schema over it.
///
/// # Errors
/// The catalog's error; the file's read or parse error; the first rule the schema breaks
/// (a declared table or column missing from the database among them), naming the file,
/// or the database when there is none.
pub(crate) fn over_database(
    db: &mut Database,
    schema: Option<&Path>,
) -> Result<(SchemaDef, RelationGraph), CliError> {
    let declared = schema.map(schema_file).transpose()?;
    db.schema_over_catalog(declared)?
        .map_err(|e| schema_error(schema, e))
}

/// `source` as the error of the schema file at `path`, or of the database's schema.
pub(crate) fn schema_error(path: Option<&Path>, source: relq::SchemaError) -> CliError {
    match path {
        Some(path) => CliError::SchemaFile {
            path: PathBuf::from(path),
            source: Box::new(source),
        },
        None => CliError::DatabaseSchema(Box::new(source)),
    }
}

/// The schema in the file at `path`: TOML, or JSON by its `.json` extension.
///
/// # Errors
/// The file's read error, or what is wrong with it, naming the file.
fn schema_file(path: &Path) -> Result<SchemaDef, CliError> {
    let text = read(path, "schema file")?;
    let def = if path.extension().is_some_and(|e| e == "json") {
        SchemaDef::from_json(&text)
    } else {
        SchemaDef::from_toml(&text)
    };
    def.map_err(|source| CliError::SchemaFile {
        path: path.to_owned(),
        source: Box::new(source),
    })
}
