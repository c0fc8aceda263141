//! Where a subcommand's schema comes from: a database, introspected through
//! [`relq::Database`], or a schema file (TOML, or JSON by its `.json` extension).

use std::path::Path;

use relq::{Database, RelationGraph, SchemaDef};

use crate::args::Source;
use crate::error::{CliError, read};

/// A schema and, when it came from one, the open database.
pub(crate) struct Loaded {
    /// The schema as read.
    pub(crate) def: SchemaDef,
    /// The database it was introspected from.
    pub(crate) db: Option<Database>,
}

impl Source {
    /// Opens the database and introspects it, or reads and parses the schema file.
    ///
    /// # Errors
    /// The database's open or introspection error; the file's read or parse error.
    pub(crate) fn load(&self) -> Result<Loaded, CliError> {
        let Some(path) = &self.schema else {
            // clap requires --db or --schema; an empty URL would be refused by `open`.
            let (db, def) = introspect(self.db.as_deref().unwrap_or_default())?;
            return Ok(Loaded { def, db: Some(db) });
        };
        Ok(Loaded {
            def: schema_file(path)?,
            db: None,
        })
    }

    /// The validated graph of `def`.
    ///
    /// # Errors
    /// The first rule the schema breaks, naming the file or the database.
    pub(crate) fn graph(&self, def: &SchemaDef) -> Result<RelationGraph, CliError> {
        def.build().map_err(|source| self.schema_error(source))
    }

    /// `source` as this source's error: the file's, or the database's.
    pub(crate) fn schema_error(&self, source: relq::SchemaError) -> CliError {
        match &self.schema {
            Some(path) => CliError::SchemaFile {
                path: path.clone(),
                source: Box::new(source),
            },
            None => CliError::DatabaseSchema(Box::new(source)),
        }
    }
}

/// The schema in the file at `path`: TOML, or JSON by its `.json` extension.
///
/// # Errors
/// The file's read error, or what is wrong with it, naming the file.
pub(crate) fn schema_file(path: &Path) -> Result<SchemaDef, CliError> {
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

/// Opens the database at `url` and reads its schema.
///
/// # Errors
/// The URL's open error, or the introspection's.
pub(crate) fn introspect(url: &str) -> Result<(Database, SchemaDef), CliError> {
    let mut db = Database::open(url)?;
    let def = db.introspect()?;
    Ok((db, def))
}
