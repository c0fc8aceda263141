//! relq-sample: the sample schemas shipped in `schemas/` (school, blog, person) and a
//! deterministic generator of their data.
//!
//! [`Sample`] compiles in each schema's TOML and JSON text (the files are the source of
//! truth; the README's examples read the same files). [`generate`] makes a [`Dataset`]
//! from a sample, a scale and a seed; [`load`] creates the sample's tables in a
//! [`relq::Database`] and inserts the rows, one transaction per table.
//!
//! ```
//! use relq::{Database, Query, compile};
//! use relq_sample::{Sample, generate, load};
//! let data = generate(Sample::School, 1, 7)?;
//! let mut db = Database::open("sqlite::memory:")?;
//! assert_eq!(load(&mut db, &data)?, data.rows());
//! let graph = Sample::School.graph()?;
//! let classes = db.execute(&compile(&graph, &Query::new("SchoolClass"), db.dialect())?)?;
//! assert_eq!(classes.len(), 100);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Invariants: the same sample, scale and seed give the same [`Dataset`] on every
//! platform (the RNG is ChaCha8, specified bit for bit); every generated foreign key
//! points at a row inserted before it, so [`load`] succeeds with foreign keys enforced.

#![forbid(unsafe_code)]

mod generate;

pub use generate::{Dataset, Table, generate};

use relq::graph::{RelationGraph, SchemaDef, SchemaError};
use relq::{Database, ExecError};

/// A shipped sample schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sample {
    /// ormar's school: departments, classes, teachers and students with categories.
    School,
    /// ormar's blog: authors, posts, categories through `PostCategory` (with a `weight`).
    Blog,
    /// A self-reference: `Person.supervisor` and its reverse `employees`.
    Person,
}

impl Sample {
    /// Every sample.
    pub const ALL: [Sample; 3] = [Sample::School, Sample::Blog, Sample::Person];

    /// The sample of `schemas/<name>.toml` (`school`, `blog`, `person`).
    pub fn by_name(name: &str) -> Option<Sample> {
        Sample::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The file name without extension: `school`, `blog`, `person`.
    pub fn name(self) -> &'static str {
        match self {
            Sample::School => "school",
            Sample::Blog => "blog",
            Sample::Person => "person",
        }
    }

    /// The TOML text of `schemas/<name>.toml`.
    pub fn toml(self) -> &'static str {
        match self {
            Sample::School => include_str!("../../../schemas/school.toml"),
            Sample::Blog => include_str!("../../../schemas/blog.toml"),
            Sample::Person => include_str!("../../../schemas/person.toml"),
        }
    }

    /// The JSON text of `schemas/<name>.json`.
    pub fn json(self) -> &'static str {
        match self {
            Sample::School => include_str!("../../../schemas/school.json"),
            Sample::Blog => include_str!("../../../schemas/blog.json"),
            Sample::Person => include_str!("../../../schemas/person.json"),
        }
    }

    /// The sample's schema, read from its TOML file.
    ///
    /// # Errors
    /// Only if the shipped file is broken, which the tests rule out.
    pub fn schema(self) -> Result<SchemaDef, SchemaError> {
        SchemaDef::from_toml(self.toml())
    }

    /// The sample built from its TOML file.
    ///
    /// # Errors
    /// Only if the shipped file is broken, which the tests rule out.
    pub fn graph(self) -> Result<RelationGraph, SchemaError> {
        self.schema()?.build()
    }
}

/// A dataset that could not be generated or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// [`generate`] was asked for scale 0 (the smallest data set is scale 1).
    #[error("scale 0 has no rows: the scale multiplies scale 1's row counts, so it is at least 1")]
    ZeroScale,
    /// The sample's schema file does not build (a broken shipped file).
    #[error("the {sample} sample's schema: {source}")]
    Schema {
        /// The sample's name.
        sample: &'static str,
        /// The validation error.
        #[source]
        source: Box<SchemaError>,
    },
    /// A table of the dataset names no model of its sample.
    #[error("the {sample} sample has no model `{model}`")]
    UnknownModel {
        /// The sample's name.
        sample: &'static str,
        /// The model the dataset named.
        model: String,
    },
    /// The database refused the sample's `CREATE TABLE` statements.
    #[error("creating the {sample} sample's tables: {source}")]
    CreateTables {
        /// The sample's name.
        sample: &'static str,
        /// The driver's error.
        #[source]
        source: ExecError,
    },
    /// The database refused a model's rows (none of that model's rows were inserted).
    #[error("inserting the rows of `{model}`: {source}")]
    Insert {
        /// The model's name.
        model: String,
        /// The driver's error ([`Database::insert`]).
        #[source]
        source: ExecError,
    },
}

/// Creates the tables of `data`'s sample in `db` ([`Database::create_tables`]) and inserts
/// every table's rows in order, one transaction per table ([`Database::insert`]); the
/// number of rows inserted. The tables must not exist yet: load into a fresh database
/// (a new SQLite file or memory database, a new PostgreSQL schema first on the
/// `search_path`, a new MariaDB database in use).
///
/// # Errors
/// [`SampleError::CreateTables`] or [`SampleError::Insert`] with the driver's error;
/// [`SampleError::UnknownModel`] for a hand-made dataset naming no model of its sample.
/// Tables loaded before the failing one stay loaded.
pub fn load(db: &mut Database, data: &Dataset) -> Result<usize, SampleError> {
    let sample = data.sample.name();
    let graph = data.sample.graph().map_err(|source| SampleError::Schema {
        sample,
        source: Box::new(source),
    })?;
    db.create_tables(&graph)
        .map_err(|source| SampleError::CreateTables { sample, source })?;
    let mut inserted = 0;
    for table in &data.tables {
        let model = graph
            .model_by_name(&table.model)
            .ok_or_else(|| SampleError::UnknownModel {
                sample,
                model: table.model.clone(),
            })?;
        db.insert(model, &table.rows)
            .map_err(|source| SampleError::Insert {
                model: table.model.clone(),
                source,
            })?;
        inserted += table.rows.len();
    }
    Ok(inserted)
}
