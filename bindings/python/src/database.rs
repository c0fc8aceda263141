//! `relq.connect` and `relq.Database`: one connection (`relq::Database`) with its
//! schema, and `with db.transaction():`.
//!
//! Invariants: the GIL is released whenever the database works (connecting,
//! introspecting, every query, write and transaction statement): the connection sits in
//! a mutex that is taken only with the GIL released and let go before the GIL is taken
//! back, so no thread waits for the one while holding the other. The schema is built
//! once, at `connect`, and shared by every query of the database.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use relq::exec::Outcome;
use relq::rows::Recording;
use relq::{
    Compiled, ExecError, Operation, Plan, Query as RelqQuery, RelationGraph, SchemaDef,
    compile_write,
};

use crate::cache::Caches;
use crate::errors::{Failure, Raise, schema_error};
use crate::query::Query;
use crate::related::RelatedSet;
use crate::values::{json_to_py, to_json, to_value};

/// What the objects of one connection share: the connection and the schema.
pub(crate) struct Shared {
    /// The connection; locked only with the GIL released.
    db: Mutex<relq::Database>,
    /// The validated schema (shared with the compile cache and compiled queries).
    pub(crate) graph: Arc<RelationGraph>,
    /// Compiled queries by shape: the reads', and the embedding path's per driver style.
    pub(crate) caches: Caches,
    /// The schema as read (declared or introspected).
    def: SchemaDef,
    /// The buffers of the last records fetch, empty, kept for the next one so that it
    /// reuses their room rather than fresh pages (they hold as much as the largest
    /// fetch of the connection needed).
    recording: Mutex<Recording>,
}

impl Shared {
    /// Runs `work` on the connection with the GIL released.
    ///
    /// # Errors
    /// `work`'s failure, as its exception.
    pub(crate) fn with_db<T, F>(&self, py: Python<'_>, work: F) -> PyResult<T>
    where
        T: Send,
        F: FnOnce(&mut relq::Database, &RelationGraph) -> Result<T, Failure> + Send,
    {
        py.detach(|| {
            // A panic while the lock was held cannot leave the connection half-changed
            // in a way relq relies on: every statement is whole or failed.
            let mut db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut db, &self.graph)
        })
        .raise()
    }

    /// Compiles `query` for the connection's dialect (from its shape's statements when
    /// the cache knows it) and runs it with `run` (relq's `fetch`, or `fetch_with` a
    /// visitor): what `run` returns, and the plan its records are rebuilt by (its
    /// `extraction`).
    ///
    /// # Errors
    /// `CompileError`, or `run`'s.
    pub(crate) fn fetch<T, F>(
        &self,
        py: Python<'_>,
        query: &RelqQuery,
        run: F,
    ) -> PyResult<(T, Arc<Plan>)>
    where
        T: Send,
        F: FnOnce(&mut relq::Database, &Compiled<'_>) -> Result<T, ExecError> + Send,
    {
        self.with_db(py, |db, _| {
            self.caches.reads().with_compiled(None, query, |compiled| {
                let answer = run(db, compiled)?;
                Ok((answer, Arc::clone(&compiled.plan)))
            })
        })
    }

    /// An empty recording for a records fetch: the one the last fetch gave back
    /// ([`keep_recording`](Self::keep_recording)), or a new one if another fetch holds it.
    pub(crate) fn take_recording(&self) -> Recording {
        match self.recording.try_lock() {
            Ok(mut kept) => std::mem::take(&mut *kept),
            Err(_) => Recording::new(),
        }
    }

    /// Keeps `recording` (replayed, so empty) for the next records fetch.
    pub(crate) fn keep_recording(&self, recording: Recording) {
        if let Ok(mut kept) = self.recording.try_lock() {
            *kept = recording;
        }
    }

    /// Compiles `operation` for the connection's dialect and applies it, in a
    /// transaction of its own or a savepoint of the caller's: what it did.
    ///
    /// # Errors
    /// `WriteError`, or the database's (`IntegrityError`, `MissingRecords`...).
    pub(crate) fn write(&self, py: Python<'_>, operation: Operation) -> PyResult<Outcome> {
        let mut outcomes = self.with_db(py, |db, graph| {
            let write = compile_write(graph, std::slice::from_ref(&operation), db.dialect())?;
            Ok(db.apply(&write)?)
        })?;
        outcomes
            .pop()
            .ok_or_else(|| PyRuntimeError::new_err("relq reported no outcome for the operation"))
    }
}

/// A connection to SQLite, PostgreSQL or MySQL/MariaDB and its schema
/// (`relq.connect(url)`).
#[pyclass(frozen, module = "relq")]
pub struct Database {
    pub(crate) shared: Arc<Shared>,
}

/// Opens the database `url` names (`sqlite:PATH`, `sqlite::memory:`,
/// `postgres://user:pass@host:port/db`, `mysql://user:pass@host:port/db`) with its schema:
/// introspected from the database (models named as its tables), or `schema`, a TOML or
/// JSON file (by its `.json` extension) or a dict in the JSON form, declaring the models,
/// keys and relations over the database's tables: each declared table and column must
/// exist there (relq's `over_catalog`, as the CLI's `--db` with `--schema`). With
/// `create_tables`, the declared schema's tables are created first (`CREATE TABLE`, with
/// their keys and indexes, in dependency order).
#[pyfunction]
#[pyo3(signature = (url, schema=None, create_tables=false))]
pub(crate) fn connect(
    py: Python<'_>,
    url: String,
    schema: Option<&Bound<'_, PyAny>>,
    create_tables: bool,
) -> PyResult<Database> {
    let declared = match schema {
        None if create_tables => {
            return Err(PyTypeError::new_err(
                "create_tables needs a declared schema",
            ));
        }
        None => None,
        Some(schema) => {
            let (def, context) = declared_schema(schema)?;
            let alone = if create_tables {
                Some(def.build().map_err(|e| schema_error(&context, &e))?)
            } else {
                None
            };
            Some((def, context, alone))
        }
    };
    let (db, built, context) = py
        .detach(|| -> Result<_, Failure> {
            let mut db = relq::Database::open(&url)?;
            let (declared, context) = match declared {
                Some((def, context, alone)) => {
                    if let Some(graph) = &alone {
                        db.create_tables(graph)?;
                    }
                    (Some(def), context)
                }
                None => (None, "schema of the database: ".to_owned()),
            };
            let built = db.schema_over_catalog(declared)?;
            Ok((db, built, context))
        })
        .raise()?;
    let (def, graph) = built.map_err(|e| schema_error(&context, &e))?;
    let graph = Arc::new(graph);
    Ok(Database {
        shared: Arc::new(Shared {
            caches: Caches::new(Arc::clone(&graph), db.dialect()),
            db: Mutex::new(db),
            graph,
            def,
            recording: Mutex::new(Recording::new()),
        }),
    })
}

/// A declared schema, and the context its errors are named with: a dict in the JSON
/// form, or a file (the CLI's `--schema`: TOML, or JSON by its extension).
fn declared_schema(schema: &Bound<'_, PyAny>) -> PyResult<(SchemaDef, String)> {
    if schema.is_instance_of::<PyDict>() {
        let text = to_json(schema)?.to_string();
        let def = SchemaDef::from_json(&text).map_err(|e| schema_error("schema: ", &e))?;
        return Ok((def, "schema: ".to_owned()));
    }
    let path: String = schema
        .py()
        .import("os")?
        .call_method1("fspath", (schema,))
        .and_then(|p| p.extract())
        .map_err(|_| PyTypeError::new_err("schema takes a path (str or os.PathLike) or a dict"))?;
    let context = format!("schema file `{path}`: ");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        crate::errors::SchemaError::new_err(format!("cannot read schema file `{path}`: {e}"))
    })?;
    let def = if path.ends_with(".json") {
        SchemaDef::from_json(&text)
    } else {
        SchemaDef::from_toml(&text)
    };
    let def = def.map_err(|e| schema_error(&context, &e))?;
    Ok((def, context))
}

#[pymethods]
impl Database {
    /// A query over every record of `model` (Django's `Model.objects`).
    fn query(&self, model: String) -> Query {
        Query::new(Arc::clone(&self.shared), RelqQuery::new(model))
    }

    /// The related set `relation` of the `model` record with primary key `pk` (Django's
    /// related manager, ormar's QuerysetProxy): its reads, and `add`, `remove`, `clear`,
    /// `create`, `set`.
    fn related(
        &self,
        py: Python<'_>,
        model: String,
        pk: &Bound<'_, PyAny>,
        relation: String,
    ) -> PyResult<Py<RelatedSet>> {
        RelatedSet::create_set(py, Arc::clone(&self.shared), model, to_json(pk)?, relation)
    }

    /// A context manager: `with db.transaction():` runs its block in a transaction
    /// (a savepoint inside another), committed when the block ends, rolled back when it
    /// raises.
    fn transaction(&self) -> Transaction {
        Transaction {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Whether a `transaction()` block is open on the connection.
    #[getter]
    fn in_transaction(&self, py: Python<'_>) -> PyResult<bool> {
        self.shared
            .with_db(py, |db, _| Ok(db.transaction_depth() > 0))
    }

    /// Runs one statement given by hand that returns no rows (DDL, `SET`...) with
    /// `params` bound in the dialect's placeholder style; the rows it changed.
    #[pyo3(signature = (sql, params=None))]
    fn run(&self, py: Python<'_>, sql: String, params: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
        let mut values = Vec::new();
        if let Some(params) = params {
            for param in params.try_iter()? {
                values.push(to_value(&param?)?);
            }
        }
        self.shared.with_db(py, |db, _| Ok(db.run(&sql, &values)?))
    }

    /// The schema in its JSON form (a dict: `{"models": [...]}`), as `relq schema
    /// --format json` prints it.
    fn schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_value(&self.shared.def)
            .map_err(|e| PyTypeError::new_err(e.to_string()))?;
        json_to_py(py, &json)
    }

    /// The models' names, in schema order.
    #[getter]
    fn models<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            self.shared
                .graph
                .models()
                .map(|m| PyString::new(py, m.name())),
        )
    }

    /// The dialect's name: `sqlite`, `postgres` or `mysql`.
    #[getter]
    fn dialect(&self) -> &'static str {
        self.shared.caches.reads().dialect.caps().name
    }

    fn __repr__(&self) -> String {
        format!(
            "<relq.Database {} with {} models>",
            self.shared.caches.reads().dialect.caps().name,
            self.shared.graph.models().len()
        )
    }
}

/// `with db.transaction():` (`Database.transaction`).
#[pyclass(frozen, module = "relq")]
pub struct Transaction {
    shared: Arc<Shared>,
}

#[pymethods]
impl Transaction {
    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get()
            .shared
            .with_db(slf.py(), |db, _| Ok(db.begin()?))?;
        Ok(slf)
    }

    /// Commits when the block ended normally, rolls back when it raised; the block's
    /// exception goes on.
    #[pyo3(signature = (kind, _value, _traceback))]
    fn __exit__(
        &self,
        py: Python<'_>,
        kind: Option<&Bound<'_, PyAny>>,
        _value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let raised = kind.is_some_and(|k| !k.is_none());
        self.shared.with_db(py, |db, _| {
            if raised {
                db.rollback()?;
            } else {
                db.commit()?;
            }
            Ok(())
        })?;
        Ok(false)
    }
}
