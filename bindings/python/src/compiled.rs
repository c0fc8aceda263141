//! The embedding path, for an ORM that keeps its own driver and connection:
//! `query.compile(dialect, paramstyle=..., max_params=...)` is a `relq.Compiled`: the
//! statements in the driver's placeholder style with their parameters, the extraction
//! plan, and the rebuild of the rows the caller fetched into the dicts `all()` returns;
//! `compiled.steps()` is a `relq.Steps`, the same query run statement by statement
//! (relq-exec's `Steps`), for a query whose later statements bind the keys statement 0
//! returned.
//!
//! The statements are relq-sql's `compile_for_driver` (static by default: each
//! later statement re-selects its roots, so none depends on another's rows); the
//! parameters are the values the dialect's own driver binds (`Dialect::driver_value`:
//! SQLite's storage forms), as Python objects (`values.rs`), a JSON document as its
//! text; the rows are read by the plan's kinds (`driver_rows.rs`).
//!
//! Invariant: the dicts from the caller's rows are those `all()` builds from relq's own
//! driver's rows of the same statements (the same rebuild, relq-exec's `Steps`, reads
//! both); nothing here decides which statements run or how rows nest.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use relq::exec::{Fetched, Steps as RelqSteps};
use relq::sql::Run;
use relq::{Compiled as RelqCompiled, Dialect, RelationGraph, Value};
use self_cell::self_cell;

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
        owner: Arc<Held>,

        #[not_covariant]
        dependent: MaybeSteps,
    }
);

/// The steps, until `finish` takes them.
type MaybeSteps<'c> = Option<RelqSteps<'c>>;

/// What a `Compiled` and its `Steps` share: the compiled query and the dialect its
/// parameters are bound for.
struct Held {
    compiled: CompiledCell,
    dialect: Box<dyn Dialect>,
}

impl Held {
    /// A run's SQL and its parameters as the caller's driver binds them: `(sql, params)`.
    fn run<'py>(&self, py: Python<'py>, run: &Run<'_>) -> PyResult<Bound<'py, PyTuple>> {
        let params = run
            .params
            .iter()
            .map(|v| param(py, self.dialect.driver_value(v)))
            .collect::<PyResult<Vec<_>>>()?;
        let sql = PyString::new(py, &run.sql).into_any();
        PyTuple::new(py, [sql, PyTuple::new(py, params)?.into_any()])
    }
}

/// A parameter for the caller's driver: the value's Python object (`values.rs`), a JSON
/// document its text, as drivers bind JSON parameters.
fn param(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    match value {
        Value::Json(text) => Ok(PyString::new(py, &text).into_any()),
        other => to_py(py, other),
    }
}

/// A query compiled for a caller's driver (`Query.compile`).
#[pyclass(frozen, module = "relq")]
pub struct Compiled {
    held: Arc<Held>,
}

impl Compiled {
    /// What `compile` gives over `graph` and `dialect`, its parameters bound as
    /// `dialect`'s driver binds them.
    ///
    /// # Errors
    /// The compile's, as `relq.CompileError`.
    pub(crate) fn new(
        graph: Arc<RelationGraph>,
        dialect: Box<dyn Dialect>,
        compile: impl for<'g> FnOnce(
            &'g RelationGraph,
            &dyn Dialect,
        ) -> Result<RelqCompiled<'g>, relq::CompileError>,
    ) -> PyResult<Self> {
        let compiled = CompiledCell::try_new(graph, |g| compile(g, dialect.as_ref())).raise()?;
        Ok(Self {
            held: Arc::new(Held { compiled, dialect }),
        })
    }

    fn compiled(&self) -> &RelqCompiled<'_> {
        self.held.compiled.borrow_dependent()
    }
}

/// The records of a finished fetch as dicts.
fn records<'py>(
    py: Python<'py>,
    compiled: &RelqCompiled<'_>,
    fetched: Fetched,
) -> PyResult<Bound<'py, PyList>> {
    let keys = Keys::new(py, &compiled.plan.extraction);
    keys.list(py, fetched.answer.into_records().raise()?)
}

/// Feeds every row of `rows` (an iterable of sequences) to `steps`.
fn feed(steps: &mut RelqSteps<'_>, rows: &Bound<'_, PyAny>) -> PyResult<()> {
    for row in rows.try_iter()? {
        let row = row?;
        steps.push(&mut PyRow::new(&row)?).raise()?;
    }
    Ok(())
}

#[pymethods]
impl Compiled {
    /// Whether no statement depends on rows an earlier one returned: then `statements`
    /// is every execution of the query.
    #[getter]
    fn r#static(&self) -> bool {
        self.compiled().is_static()
    }

    /// The statements, in order, as `(sql, params)`: run each on the caller's
    /// connection, in one transaction (one snapshot), and hand their rows to
    /// `rebuild`. `RuntimeError` when a statement binds the root keys statement 0
    /// returns (compiled with `bound_keys=True`, `static` false): use `steps()`.
    #[getter]
    fn statements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let compiled = self.compiled();
        if !compiled.is_static() {
            return Err(PyRuntimeError::new_err(
                "a statement binds the keys of the roots statement 0 returns, so the \
                 statements are known only as rows arrive: use steps()",
            ));
        }
        let list = PyList::empty(py);
        for index in 0..compiled.statements.len() {
            for run in compiled.runs(index, &[]) {
                list.append(self.held.run(py, &run)?)?;
            }
        }
        Ok(list)
    }

    /// The extraction plan (relq's `ExtractionPlan`, its JSON form as a dict): per node
    /// its path, columns and key, per statement the plan positions its rows fill.
    #[getter]
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_value(&self.compiled().plan.extraction)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
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
        let compiled = self.compiled();
        let given = rows.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        if !compiled.is_static() || given.len() != compiled.statements.len() {
            return Err(PyValueError::new_err(format!(
                "rebuild takes the rows of each of the {} statements{}",
                compiled.statements.len(),
                if compiled.is_static() {
                    format!(", not {}", given.len())
                } else {
                    " of a static compile: use steps()".to_owned()
                }
            )));
        }
        let mut steps = RelqSteps::new(compiled).raise()?;
        for statement in &given {
            if steps.next_run().is_none() {
                return Err(PyRuntimeError::new_err("relq has no run for a statement"));
            }
            feed(&mut steps, statement)?;
        }
        let fetched = steps.finish().raise()?;
        records(py, compiled, fetched)
    }

    /// The query run statement by statement on the caller's connection (`Steps`).
    fn steps(&self) -> PyResult<Steps> {
        let cell = StepsCell::try_new(Arc::clone(&self.held), |held| {
            RelqSteps::new(held.compiled.borrow_dependent()).map(Some)
        })
        .raise()?;
        Ok(Steps {
            cell: Mutex::new(cell),
        })
    }

    fn __repr__(&self) -> String {
        let compiled = self.compiled();
        format!(
            "<relq.Compiled {} with {} statements>",
            compiled.caps.name,
            compiled.statements.len()
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
    fn with<T>(&self, work: impl FnOnce(&Held, &mut RelqSteps<'_>) -> PyResult<T>) -> PyResult<T> {
        let mut cell = self.cell.lock().unwrap_or_else(PoisonError::into_inner);
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
        self.with(|held, steps| match steps.next_run() {
            Some(run) => held.run(py, &run).map(Some),
            None => Ok(None),
        })
    }

    /// Takes the rows (an iterable of sequences) of the statement `next_run` gave last.
    fn feed(&self, rows: &Bound<'_, PyAny>) -> PyResult<()> {
        self.with(|_, steps| feed(steps, rows))
    }

    /// The records, once `next_run()` said `None`; the steps are spent.
    fn finish<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut cell = self.cell.lock().unwrap_or_else(PoisonError::into_inner);
        cell.with_dependent_mut(|held, steps| {
            let steps = steps
                .take()
                .ok_or_else(|| PyRuntimeError::new_err("the steps were finished"))?;
            let fetched = steps.finish().raise()?;
            records(py, held.compiled.borrow_dependent(), fetched)
        })
    }
}
