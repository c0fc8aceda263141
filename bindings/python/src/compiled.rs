//! The embedding path, for an ORM that keeps its own driver and connection:
//! `query.compile(dialect, paramstyle=..., max_params=...)` is a `relq.Compiled`: the
//! statements in the driver's placeholder style with their parameters, the extraction
//! plan, and the rebuild of the rows the caller fetched into the dicts `all()` returns;
//! `compiled.steps()` is a `relq.Steps`, the same query run statement by statement
//! (relq-exec's `Steps`), for a query whose later statements bind the keys statement 0
//! returned.
//!
//! The statements are relq-sql's `compile_for_driver`'s (static by default: each
//! later statement re-selects its roots, so none depends on another's rows), compiled
//! through the connection's cache for the driver style (`cache.rs`): a query repeated
//! with other values is bound to its shape's statements; the
//! parameters are the values the dialect's own driver binds (`Dialect::driver_value`:
//! SQLite's storage forms), as Python objects (`values.rs`), a JSON document as its
//! text; the rows are read by the plan's kinds (`driver_rows.rs`), their rebuild
//! recorded and replayed into the dicts as `all()`'s are (`records.rs`).
//!
//! A `Steps` borrows its compiled query across calls, so it holds a compile of its own
//! (with the schema, in a `self_cell`), made when `steps()` is called.
//!
//! Invariant: the dicts from the caller's rows are those `all()` builds from relq's own
//! driver's rows of the same statements (the same rebuild, relq-exec's `Steps`, reads
//! both); nothing here decides which statements run or how rows nest.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyList, PyString, PyTuple};
use relq::exec::Steps as RelqSteps;
use relq::rows::Recording;
use relq::sql::Run;
use relq::{
    Compiled as RelqCompiled, Dialect, Query as RelqQuery, RelationGraph, Value, compile_with,
};
use self_cell::self_cell;

use crate::cache::ShapeCache;
use crate::driver_rows::PyRow;
use crate::errors::Raise;
use crate::records::Keys;
use crate::values::{json_to_py, to_py};

self_cell!(
    /// A compiled query and the schema it borrows.
    struct CompiledCell {
        owner: Arc<RelationGraph>,

        #[covariant]
        dependent: RelqCompiled,
    }
);

self_cell!(
    /// The steps of a compiled query, borrowing it.
    struct StepsCell {
        owner: Held,

        #[not_covariant]
        dependent: MaybeSteps,
    }
);

/// The steps, until `finish` takes them; the rebuild is recorded, to be replayed into
/// the dicts (`records.rs`).
type MaybeSteps<'c> = Option<RelqSteps<'c, Recording>>;

/// What `Steps` runs: its compiled query, and the cache whose dialect binds the
/// parameters.
struct Held {
    compiled: CompiledCell,
    cache: Arc<ShapeCache>,
}

/// A run's SQL and its parameters as the caller's driver binds them (`dialect`'s
/// `driver_value`, a JSON document as its text): `(sql, params)`.
fn run_tuple<'py>(
    py: Python<'py>,
    dialect: &dyn Dialect,
    run: &Run<'_>,
) -> PyResult<Bound<'py, PyTuple>> {
    let params = run
        .params
        .iter()
        .map(|v| match dialect.driver_value(v) {
            Value::Json(text) => Ok(PyString::new(py, &text).into_any()),
            other => to_py(py, other),
        })
        .collect::<PyResult<Vec<_>>>()?;
    let sql = PyString::new(py, &run.sql).into_any();
    PyTuple::new(py, [sql, PyTuple::new(py, params)?.into_any()])
}

/// A query compiled for a caller's driver (`Query.compile`).
#[pyclass(frozen, module = "relq")]
pub struct Compiled {
    cache: Arc<ShapeCache>,
    query: RelqQuery,
    /// The statements as `(sql, params)`, when no statement binds root keys (a tuple,
    /// so no caller changes it: `statements` hands out a list of its own).
    statements: Option<Py<PyTuple>>,
    /// How many statements, for `rebuild` and `repr`.
    count: usize,
}

impl Compiled {
    /// `query` compiled through `cache` (checked now: a `relq.CompileError` is raised
    /// here), its statements made once.
    ///
    /// # Errors
    /// The compile's, as `relq.CompileError`.
    pub(crate) fn new(py: Python<'_>, cache: Arc<ShapeCache>, query: RelqQuery) -> PyResult<Self> {
        let dialect = cache.dialect.as_ref();
        let (statements, count) = cache.with_compiled(Some(py), &query, |compiled| {
            let count = compiled.statements.len();
            if !compiled.is_static() {
                return Ok::<_, PyErr>((None, count));
            }
            let mut runs = Vec::with_capacity(count);
            for index in 0..count {
                for run in compiled.runs(index, &[]) {
                    runs.push(run_tuple(py, dialect, &run)?);
                }
            }
            Ok((Some(PyTuple::new(py, runs)?.unbind()), count))
        })?;
        Ok(Self {
            cache,
            query,
            statements,
            count,
        })
    }

    /// `work` with the compiled query (bound from the cache).
    fn with<T>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&RelqCompiled<'_>) -> PyResult<T>,
    ) -> PyResult<T> {
        self.cache.with_compiled(Some(py), &self.query, work)
    }
}

/// The records of finished steps as dicts, replayed from their recording as `all()`'s
/// are.
fn records<'py>(
    py: Python<'py>,
    compiled: &RelqCompiled<'_>,
    steps: RelqSteps<'_, Recording>,
) -> PyResult<Bound<'py, PyList>> {
    let mut recording = steps.finish_visitor().raise()?.output;
    Keys::new(py, &compiled.plan.extraction).list(py, &mut recording)
}

/// Feeds every row of `rows` to `steps`.
fn feed(steps: &mut RelqSteps<'_, Recording>, rows: &[Bound<'_, PyAny>]) -> PyResult<()> {
    for row in rows {
        steps.push(&mut PyRow::new(row)?).raise()?;
    }
    Ok(())
}

/// The rows of an iterable, taken before a lock (an iterator may run any Python code).
fn rows_of<'py>(rows: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    rows.try_iter()?.collect()
}

#[pymethods]
impl Compiled {
    /// Whether no statement depends on rows an earlier one returned: then `statements`
    /// is every execution of the query.
    #[getter]
    fn r#static(&self) -> bool {
        self.statements.is_some()
    }

    /// The statements, in order, as `(sql, params)`: run each on the caller's
    /// connection, in one transaction (one snapshot), and hand their rows to
    /// `rebuild`. `RuntimeError` when a statement binds the root keys statement 0
    /// returns (compiled with `bound_keys=True`, `static` false): use `steps()`.
    #[getter]
    fn statements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match &self.statements {
            Some(runs) => PyList::new(py, runs.bind(py).iter()),
            None => Err(PyRuntimeError::new_err(
                "a statement binds the keys of the roots statement 0 returns, so the \
                 statements are known only as rows arrive: use steps()",
            )),
        }
    }

    /// The extraction plan (relq's `ExtractionPlan`, its JSON form as a dict): per node
    /// its path, columns and key, per statement the plan positions its rows fill.
    #[getter]
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = self.with(py, |compiled| {
            serde_json::to_value(&compiled.plan.extraction)
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))
        })?;
        json_to_py(py, &json)
    }

    /// The records `all()` would return, from the rows of each statement (one iterable
    /// of rows per statement of `statements`, in order; a row a sequence of its values,
    /// as the caller's driver returns it).
    fn rebuild<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let given = rows_of(rows)?
            .iter()
            .map(rows_of)
            .collect::<PyResult<Vec<_>>>()?;
        if self.statements.is_none() || given.len() != self.count {
            return Err(PyValueError::new_err(format!(
                "rebuild takes the rows of each of the {} statements{}",
                self.count,
                if self.statements.is_some() {
                    format!(", not {}", given.len())
                } else {
                    " of a static compile: use steps()".to_owned()
                }
            )));
        }
        self.with(py, |compiled| {
            let mut steps = RelqSteps::with_visitor(compiled, Recording::new()).raise()?;
            for statement in &given {
                if steps.next_run().is_none() {
                    return Err(PyRuntimeError::new_err("relq has no run for a statement"));
                }
                feed(&mut steps, statement)?;
            }
            records(py, compiled, steps)
        })
    }

    /// The query run statement by statement on the caller's connection (`Steps`), from
    /// a compile of its own.
    fn steps(&self) -> PyResult<Steps> {
        let cache = &self.cache;
        let compiled = CompiledCell::try_new(Arc::clone(&cache.graph), |g| {
            compile_with(g, &self.query, cache.dialect.as_ref(), &cache.options)
        })
        .raise()?;
        let held = Held {
            compiled,
            cache: Arc::clone(cache),
        };
        let cell = StepsCell::try_new(held, |held| {
            RelqSteps::with_visitor(held.compiled.borrow_dependent(), Recording::new()).map(Some)
        })
        .raise()?;
        Ok(Steps {
            cell: Mutex::new(cell),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<relq.Compiled {} with {} statements>",
            self.cache.dialect.caps().name,
            self.count
        )
    }
}

/// A compiled query run step by step by its caller (`Compiled.steps()`): `next_run()`
/// gives the next statement to run as `(sql, params)`, `feed(rows)` takes its rows, and
/// when `next_run()` is `None`, `finish()` gives the records.
#[pyclass(frozen, module = "relq")]
pub struct Steps {
    cell: Mutex<StepsCell>,
}

impl Steps {
    /// Calls `work` with the steps; `RuntimeError` once they were finished.
    fn with<T>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&Held, &mut RelqSteps<'_, Recording>) -> PyResult<T>,
    ) -> PyResult<T> {
        let mut cell = self
            .cell
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner);
        cell.with_dependent_mut(|held, steps| match steps {
            Some(steps) => work(held, steps),
            None => Err(PyRuntimeError::new_err("the steps were finished")),
        })
    }
}

#[pymethods]
impl Steps {
    /// The next statement to run, `(sql, params)`, or `None` when every one ran. Feed
    /// its rows before asking for the next: a later statement may bind the keys of the
    /// roots they hold.
    fn next_run<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.with(py, |held, steps| match steps.next_run() {
            Some(run) => run_tuple(py, held.cache.dialect.as_ref(), &run).map(Some),
            None => Ok(None),
        })
    }

    /// Takes the rows (an iterable of sequences) of the statement `next_run` gave last.
    fn feed(&self, rows: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = rows.py();
        let rows = rows_of(rows)?;
        self.with(py, |_, steps| feed(steps, &rows))
    }

    /// The records, once `next_run()` said `None`; the steps are spent.
    fn finish<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut cell = self
            .cell
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner);
        cell.with_dependent_mut(|held, steps| {
            let steps = steps
                .take()
                .ok_or_else(|| PyRuntimeError::new_err("the steps were finished"))?;
            records(py, held.compiled.borrow_dependent(), steps)
        })
    }
}
