//! The exception classes of `relq` and how each Rust error becomes one.
//!
//! One class per Rust error boundary (`OpenError`, `SchemaError`, `CompileError`,
//! `WriteError`, `DatabaseError` for relq's `ExecError`) under `relq.Error`, and one
//! subclass of `DatabaseError` per kind a caller catches: `NoMatch` and
//! `MultipleMatches` (`get`; Django's `DoesNotExist` / `MultipleObjectsReturned`),
//! `IntegrityError` (a constraint the database refused, PEP 249's name), `MissingRecords`
//! (a write's targets that do not exist) and `RowError` (rows that do not rebuild, a value
//! of the wrong kind).
//!
//! Invariant: the message is the Rust error's own, the text the `relq` CLI prints after
//! its context (`error: query: ...`, `error: database: ...`), never rewritten here; a
//! schema file's errors name the file as the CLI does. Attributes carry what a caller
//! branches on (`model`, `constraint`, `operation`).

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyModule;
use pyo3::{PyErr, create_exception};
use relq::exec::{Constraint, ExecErrorKind};

create_exception!(
    relq,
    Error,
    PyException,
    "The base of every error relq raises."
);
create_exception!(
    relq,
    OpenError,
    Error,
    "A database URL that cannot be opened: an unknown scheme, a missing SQLite file, a server that refuses the connection."
);
create_exception!(
    relq,
    SchemaError,
    Error,
    "A schema that does not read or validate (a file, a dict, or an introspected database)."
);
create_exception!(
    relq,
    CompileError,
    Error,
    "A query that does not compile against the schema: an unknown path, a wrong value, a feature the dialect lacks."
);
create_exception!(
    relq,
    WriteError,
    Error,
    "A write that breaks a rule of the schema, found before any statement runs."
);
create_exception!(
    relq,
    DatabaseError,
    Error,
    "The database failed running or reading a query or a write."
);
create_exception!(
    relq,
    NoMatch,
    DatabaseError,
    "`get` matched no record (attribute `model`)."
);
create_exception!(
    relq,
    MultipleMatches,
    DatabaseError,
    "`get` (or the lookup of `get_or_create`) matched more than one record (attribute `model`)."
);
create_exception!(
    relq,
    IntegrityError,
    DatabaseError,
    "A write broke a constraint of the database (attributes `constraint`: `unique`, `foreign_key`, `not_null` or `check`; `model`; `operation`)."
);
create_exception!(
    relq,
    MissingRecords,
    DatabaseError,
    "Records a write needs do not exist, or do not belong to the owner (attributes `model`, `keys`)."
);
create_exception!(
    relq,
    RowError,
    DatabaseError,
    "Rows that do not rebuild into records, or a value the database returned that is not of its field's kind."
);

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("OpenError", py.get_type::<OpenError>())?;
    m.add("SchemaError", py.get_type::<SchemaError>())?;
    m.add("CompileError", py.get_type::<CompileError>())?;
    m.add("WriteError", py.get_type::<WriteError>())?;
    m.add("DatabaseError", py.get_type::<DatabaseError>())?;
    m.add("NoMatch", py.get_type::<NoMatch>())?;
    m.add("MultipleMatches", py.get_type::<MultipleMatches>())?;
    m.add("IntegrityError", py.get_type::<IntegrityError>())?;
    m.add("MissingRecords", py.get_type::<MissingRecords>())?;
    m.add("RowError", py.get_type::<RowError>())?;
    Ok(())
}

/// A failure of work done without the GIL (`Send`, so it leaves `Python::detach`),
/// raised as its exception class once the GIL is held again.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The URL cannot be opened.
    Open(relq::OpenError),
    /// The query does not compile.
    Compile(relq::CompileError),
    /// The write breaks a rule.
    Write(relq::WriteError),
    /// The database failed.
    Exec(relq::ExecError),
}

impl From<relq::OpenError> for Failure {
    fn from(e: relq::OpenError) -> Self {
        Failure::Open(e)
    }
}

impl From<relq::CompileError> for Failure {
    fn from(e: relq::CompileError) -> Self {
        Failure::Compile(e)
    }
}

impl From<relq::WriteError> for Failure {
    fn from(e: relq::WriteError) -> Self {
        Failure::Write(e)
    }
}

impl From<relq::ExecError> for Failure {
    fn from(e: relq::ExecError) -> Self {
        Failure::Exec(e)
    }
}

impl From<Failure> for PyErr {
    fn from(failure: Failure) -> PyErr {
        match failure {
            Failure::Open(e) => open_error(&e),
            Failure::Compile(e) => compile_error(&e),
            Failure::Write(e) => write_error(&e),
            Failure::Exec(e) => exec_error(&e),
        }
    }
}

/// `relq.OpenError`.
fn open_error(e: &relq::OpenError) -> PyErr {
    OpenError::new_err(e.to_string())
}

/// `relq.SchemaError`, its message after `context`.
pub(crate) fn schema_error(context: &str, e: &relq::SchemaError) -> PyErr {
    SchemaError::new_err(format!("{context}{e}"))
}

/// `relq.CompileError`.
pub(crate) fn compile_error(e: &relq::CompileError) -> PyErr {
    CompileError::new_err(e.to_string())
}

/// `relq.WriteError`, with the operation's index and name (`operation`, `op`).
pub(crate) fn write_error(e: &relq::WriteError) -> PyErr {
    let err = WriteError::new_err(e.to_string());
    Python::attach(|py| {
        let value = err.value(py);
        let _ = value.setattr("operation", e.operation());
    });
    err
}

/// The class of `e`'s kind, with the attributes a caller branches on.
pub(crate) fn exec_error(e: &relq::ExecError) -> PyErr {
    let message = e.to_string();
    let (err, attributes): (PyErr, Vec<(&str, Attribute)>) = match e.kind() {
        ExecErrorKind::NoMatch { model } => (
            NoMatch::new_err(message),
            vec![("model", Attribute::Text(model.clone()))],
        ),
        ExecErrorKind::MultipleMatches { model } => (
            MultipleMatches::new_err(message),
            vec![("model", Attribute::Text(model.clone()))],
        ),
        ExecErrorKind::LookupNotUnique {
            operation, model, ..
        } => (
            MultipleMatches::new_err(message),
            vec![
                ("model", Attribute::Text(model.clone())),
                ("operation", Attribute::Index(*operation)),
            ],
        ),
        ExecErrorKind::Violation {
            operation,
            model,
            constraint,
            ..
        } => (
            IntegrityError::new_err(message),
            vec![
                (
                    "constraint",
                    Attribute::Text(constraint_name(*constraint).to_owned()),
                ),
                ("model", Attribute::Text(model.clone())),
                ("operation", Attribute::Index(*operation)),
            ],
        ),
        ExecErrorKind::Missing {
            operation,
            model,
            keys,
            ..
        } => (
            MissingRecords::new_err(message),
            vec![
                ("model", Attribute::Text(model.clone())),
                ("keys", Attribute::Texts(keys.clone())),
                ("operation", Attribute::Index(*operation)),
            ],
        ),
        ExecErrorKind::Rebuild(_) | ExecErrorKind::Unreadable { .. } => {
            (RowError::new_err(message), Vec::new())
        }
        _ => (DatabaseError::new_err(message), Vec::new()),
    };
    if !attributes.is_empty() {
        Python::attach(|py| {
            let value = err.value(py);
            for (name, attribute) in attributes {
                let _ = match attribute {
                    Attribute::Text(text) => value.setattr(name, text),
                    Attribute::Texts(texts) => value.setattr(name, texts),
                    Attribute::Index(index) => value.setattr(name, index),
                };
            }
        });
    }
    err
}

/// An attribute set on an exception.
enum Attribute {
    Text(String),
    Texts(Vec<String>),
    Index(usize),
}

/// The Python name of a constraint kind.
fn constraint_name(constraint: Constraint) -> &'static str {
    match constraint {
        Constraint::Unique => "unique",
        Constraint::ForeignKey => "foreign_key",
        Constraint::NotNull => "not_null",
        Constraint::Check => "check",
        _ => "other",
    }
}

/// Lets `?` turn relq's errors into Python exceptions where the GIL is held.
pub(crate) trait Raise<T> {
    /// The value, or the error as its exception.
    fn raise(self) -> PyResult<T>;
}

impl<T, E: Into<Failure>> Raise<T> for Result<T, E> {
    fn raise(self) -> PyResult<T> {
        self.map_err(|e| PyErr::from(e.into()))
    }
}
