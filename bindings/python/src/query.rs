//! `relq.Query`: Django's QuerySet manners over relq's query IR. Every chaining method
//! returns a new `Query` with one more part (`select_related`, `filter`, `exclude`,
//! `order_by`, `limit`, `offset`, `paginate`, `fields`, `exclude_fields`, `strategy`,
//! `compat`); a terminal compiles the query for the connection's dialect, runs it with
//! the GIL released and builds the answer in Rust (`records.rs`); the writes built from
//! a query (`create`, `bulk_create`, `update`, `delete`, `get_or_create`,
//! `update_or_create`) go through relq-write's `Operation::update_of` and its peers.
//!
//! `compile(dialect, paramstyle=...)` compiles it for a driver of the caller's own
//! (`compiled.rs`).
//!
//! Invariant: a `Query` is immutable and holds relq's own `Query` and the connection it
//! runs on, nothing else.

use std::sync::Arc;

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList, PyTuple};
use relq::exec::{FlatRows, Outcome};
use relq::write::Values;
use relq::{
    Answer, Compat, DriverStyle, Filter, Operation, Placeholder, Query as RelqQuery, Strategy,
    Terminal, Value,
};

use crate::cache::StyleKey;
use crate::compiled::Compiled;
use crate::database::Shared;
use crate::errors::Raise;
use crate::filters::{Aggregate, filter_of, named, order_of, related_of};
use crate::records::{Keys, row_dicts, row_tuples};
use crate::values::{to_py, type_name, values_of, values_of_dict};

/// A query rooted at one model (`db.query("Post")`), refined by chaining and run by a
/// terminal.
#[pyclass(frozen, subclass, module = "relq")]
pub struct Query {
    pub(crate) shared: Arc<Shared>,
    pub(crate) query: RelqQuery,
}

impl Query {
    pub(crate) fn new(shared: Arc<Shared>, query: RelqQuery) -> Self {
        Self { shared, query }
    }

    /// A new query: this one changed by `change`.
    fn with(&self, change: impl FnOnce(RelqQuery) -> RelqQuery) -> Self {
        Self::new(Arc::clone(&self.shared), change(self.query.clone()))
    }

    /// This query with `terminal`.
    fn ending(&self, terminal: Option<Terminal>) -> RelqQuery {
        match terminal {
            Some(terminal) => self.query.clone().terminal(terminal),
            None => self.query.clone(),
        }
    }

    /// Runs this query with `terminal` (a count, flat rows): its answer.
    fn answer(&self, py: Python<'_>, terminal: Terminal) -> PyResult<Answer> {
        let query = self.ending(Some(terminal));
        let (fetched, _) = self.shared.fetch(py, &query, |db, c| db.fetch(c))?;
        Ok(fetched.answer)
    }

    /// Runs this query with `terminal` (none: `all`; `first`, `get`...): its root
    /// records as dicts. The rebuild is recorded while the database works, the GIL
    /// released, and replayed into the dicts with it held (`records.rs`), in the
    /// connection's kept recording (its buffers reused from one fetch to the next).
    fn records<'py>(
        &self,
        py: Python<'py>,
        terminal: Option<Terminal>,
    ) -> PyResult<Bound<'py, PyList>> {
        let query = self.ending(terminal);
        let recording = self.shared.take_recording();
        let (mut recording, plan) = self.shared.fetch(py, &query, |db, compiled| {
            Ok(db.fetch_with(compiled, recording)?.output)
        })?;
        let records = Keys::new(py, &plan.extraction).list(py, &mut recording);
        self.shared.keep_recording(recording);
        records
    }

    /// One record or none (`first`, `last`, `get`, `get_or_none`): a dict or `None`.
    fn one<'py>(&self, py: Python<'py>, terminal: Terminal) -> PyResult<Bound<'py, PyAny>> {
        match self.records(py, Some(terminal))?.iter().next() {
            Some(record) => Ok(record),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// The flat rows of `terminal` (`values`, `aggregate`).
    fn rows(&self, py: Python<'_>, terminal: Terminal) -> PyResult<FlatRows> {
        match self.answer(py, terminal)? {
            Answer::Rows(rows) => Ok(rows),
            other => Err(PyRuntimeError::new_err(format!(
                "relq answered {other:?} where it returns rows"
            ))),
        }
    }

    /// The query with the filter of one `filter` or `exclude` call (`Q`s and keyword
    /// lookups) added by `add`; unchanged for a call with none.
    fn narrowed(
        &self,
        q: &Bound<'_, PyTuple>,
        lookups: Option<&Bound<'_, PyDict>>,
        add: fn(RelqQuery, Filter) -> RelqQuery,
    ) -> PyResult<Self> {
        let filter = filter_of(q, lookups)?;
        Ok(self.with(|query| match filter {
            Some(f) => add(query, f),
            None => query,
        }))
    }

    /// One aggregate's value.
    fn single<'py>(&self, py: Python<'py>, aggregate: Aggregate) -> PyResult<Bound<'py, PyAny>> {
        let rows = self.rows(py, Terminal::Aggregate(vec![aggregate.aggregation]))?;
        let value = rows
            .rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next());
        to_py(py, value.unwrap_or(Value::Null))
    }

    /// The write `operation` built from this query, applied.
    fn write(
        &self,
        py: Python<'_>,
        operation: Result<Operation, relq::WriteError>,
    ) -> PyResult<Outcome> {
        self.shared.write(py, operation.raise()?)
    }
}

#[pymethods]
impl Query {
    /// Loads relation paths (`"teachers__category"`), or a nested list with its own
    /// filter, ordering and limit (`{"path": "posts", "filter": Q(...), "order_by":
    /// "-title", "limit": 3}`).
    #[pyo3(signature = (*paths))]
    fn select_related(&self, paths: &Bound<'_, PyTuple>) -> PyResult<Self> {
        let related = paths
            .iter()
            .map(|p| related_of(&p))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(self.with(|q| related.into_iter().fold(q, RelqQuery::select_related)))
    }

    /// Keeps the roots matching every `Q` and keyword lookup (`name__icontains="x"`),
    /// one `filter` call: across a to-many relation, the same related row must match
    /// them all.
    #[pyo3(signature = (*q, **lookups))]
    fn filter(
        &self,
        q: &Bound<'_, PyTuple>,
        lookups: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        self.narrowed(q, lookups, RelqQuery::filter)
    }

    /// Leaves out the roots matching every `Q` and keyword lookup (Django's `exclude`).
    #[pyo3(signature = (*q, **lookups))]
    fn exclude(
        &self,
        q: &Bound<'_, PyTuple>,
        lookups: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        self.narrowed(q, lookups, RelqQuery::exclude)
    }

    /// Orders by field paths, `-` first for descending (`"-name"`,
    /// `"department__name"`), or dicts `{"path": "-name", "nulls": "last"}`; the root's
    /// primary key always follows. NULLs sort as the smallest value unless placed.
    #[pyo3(signature = (*paths))]
    fn order_by(&self, paths: &Bound<'_, PyTuple>) -> PyResult<Self> {
        let order = paths
            .iter()
            .map(|p| order_of(&p))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(self.with(|q| order.into_iter().fold(q, RelqQuery::order_by)))
    }

    /// At most `n` root records (nested lists are never cut).
    fn limit(&self, n: u64) -> Self {
        self.with(|q| q.limit(n))
    }

    /// Skips `n` root records.
    fn offset(&self, n: u64) -> Self {
        self.with(|q| q.offset(n))
    }

    /// Page `page` (from 1) of `size` root records.
    fn paginate(&self, page: u64, size: u64) -> Self {
        self.with(|q| q.paginate(page, size))
    }

    /// Selects only these field paths (primary keys always come).
    #[pyo3(signature = (*paths))]
    fn fields(&self, paths: Vec<String>) -> Self {
        self.with(|q| paths.into_iter().fold(q, RelqQuery::field))
    }

    /// Leaves these field paths out.
    #[pyo3(signature = (*paths))]
    fn exclude_fields(&self, paths: Vec<String>) -> Self {
        self.with(|q| paths.into_iter().fold(q, RelqQuery::exclude_field))
    }

    /// How loaded to-many relations are read: `auto`, `joined`, `split` or `json`
    /// (the records are the same).
    fn strategy(&self, name: &str) -> PyResult<Self> {
        let strategy: Strategy = named("strategy", name)?;
        Ok(self.with(|q| q.strategy(strategy)))
    }

    /// The scope of filters across to-many relations: `roots` (relq's) or `ormar`
    /// (ormar's row-level one, which also trims the loaded lists).
    fn compat(&self, name: &str) -> PyResult<Self> {
        let compat: Compat = named("compat", name)?;
        Ok(self.with(|q| q.compat(compat)))
    }

    /// Every root record, as dicts (the CLI's JSON shape, with Python values).
    fn all<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.records(py, None)
    }

    /// The first root record in the query's order, or `None`.
    fn first<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.one(py, Terminal::First)
    }

    /// The last root record in the query's order, or `None`.
    fn last<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.one(py, Terminal::Last)
    }

    /// The one root record matching the query and these lookups; `relq.NoMatch` for
    /// none, `relq.MultipleMatches` for several.
    #[pyo3(signature = (*q, **lookups))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        q: &Bound<'py, PyTuple>,
        lookups: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.filter(q, lookups)?.one(py, Terminal::Get)
    }

    /// As `get`, `None` for none.
    #[pyo3(signature = (*q, **lookups))]
    fn get_or_none<'py>(
        &self,
        py: Python<'py>,
        q: &Bound<'py, PyTuple>,
        lookups: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.filter(q, lookups)?.one(py, Terminal::GetOrNone)
    }

    /// How many root records the query keeps (within its slice).
    fn count(&self, py: Python<'_>) -> PyResult<u64> {
        match self.answer(py, Terminal::Count)? {
            Answer::Count(n) => Ok(n),
            other => Err(PyRuntimeError::new_err(format!(
                "relq answered {other:?} to count"
            ))),
        }
    }

    /// Whether the query keeps a root record.
    fn exists(&self, py: Python<'_>) -> PyResult<bool> {
        match self.answer(py, Terminal::Exists)? {
            Answer::Exists(b) => Ok(b),
            other => Err(PyRuntimeError::new_err(format!(
                "relq answered {other:?} to exists"
            ))),
        }
    }

    /// Flat rows over field paths (every field of the model when none), as dicts keyed
    /// by path (Django's `values()`); a path through a to-many relation gives a row per
    /// related row.
    #[pyo3(signature = (*paths, distinct=false))]
    fn values<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<String>,
        distinct: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let rows = self.rows(py, values_terminal(paths, distinct))?;
        row_dicts(py, rows)
    }

    /// The rows of `values` as tuples, or with `flat=True` (one path) its values
    /// (Django's `values_list()`).
    #[pyo3(signature = (*paths, flat=false, distinct=false))]
    fn values_list<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<String>,
        flat: bool,
        distinct: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        if flat && paths.len() != 1 {
            return Err(PyTypeError::new_err(
                "values_list(flat=True) takes exactly one path",
            ));
        }
        let rows = self.rows(py, values_terminal(paths, distinct))?;
        row_tuples(py, rows, flat)
    }

    /// Aggregates over field paths, one dict: `aggregate(relq.Sum("weight"))` is
    /// `{"weight__sum": ...}`, `aggregate(total=relq.Sum("weight"))` `{"total": ...}`.
    #[pyo3(signature = (*aggregates, **named))]
    fn aggregate<'py>(
        &self,
        py: Python<'py>,
        aggregates: &Bound<'py, PyTuple>,
        named: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut names: Vec<Option<Bound<'py, PyAny>>> = Vec::new();
        let mut list = Vec::new();
        let mut take = |value: &Bound<'py, PyAny>, name| -> PyResult<()> {
            let aggregate = value.cast::<Aggregate>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "aggregate takes relq.Min / Max / Sum / Avg / Count, not {}",
                    type_name(value)
                ))
            })?;
            list.push(aggregate.get().aggregation.clone());
            names.push(name);
            Ok(())
        };
        for value in aggregates.iter() {
            take(&value, None)?;
        }
        if let Some(named) = named {
            for (name, value) in named.iter() {
                take(&value, Some(name))?;
            }
        }
        let rows = self.rows(py, Terminal::Aggregate(list))?;
        let dict = PyDict::new(py);
        let row = rows.rows.into_iter().next().unwrap_or_default();
        for ((column, name), value) in rows.columns.iter().zip(names).zip(row) {
            let value = to_py(py, value)?;
            match name {
                Some(name) => dict.set_item(name, value)?,
                None => dict.set_item(&**column, value)?,
            }
        }
        Ok(dict)
    }

    /// The smallest value of a field path (ormar's `min`).
    fn min<'py>(&self, py: Python<'py>, path: String) -> PyResult<Bound<'py, PyAny>> {
        self.single(py, crate::filters::min(path))
    }

    /// The largest value of a field path (ormar's `max`).
    fn max<'py>(&self, py: Python<'py>, path: String) -> PyResult<Bound<'py, PyAny>> {
        self.single(py, crate::filters::max(path))
    }

    /// The sum of a field path (ormar's `sum`).
    fn sum<'py>(&self, py: Python<'py>, path: String) -> PyResult<Bound<'py, PyAny>> {
        self.single(py, crate::filters::sum(path))
    }

    /// The mean of a field path, a float (ormar's `avg`).
    fn avg<'py>(&self, py: Python<'py>, path: String) -> PyResult<Bound<'py, PyAny>> {
        self.single(py, crate::filters::avg(path))
    }

    /// Inserts one record of the model with these field values (a foreign key by its
    /// relation's name and the target's primary key); its primary key.
    #[pyo3(signature = (**values))]
    fn create<'py>(
        &self,
        py: Python<'py>,
        values: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let op = Operation::insert_of(&self.query, vec![values_of(values)?]);
        let key = self.write(py, op)?.keys.pop();
        to_py(py, key.unwrap_or(Value::Null))
    }

    /// Inserts records (dicts of field values) in as few statements as the database
    /// allows, all or nothing; their primary keys, in order.
    fn bulk_create<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let rows = rows
            .try_iter()?
            .map(|row| values_of_dict(&row?, "bulk_create"))
            .collect::<PyResult<Vec<Values>>>()?;
        let keys = self
            .write(py, Operation::insert_of(&self.query, rows))?
            .keys;
        PyList::new(
            py,
            keys.into_iter()
                .map(|k| to_py(py, k))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }

    /// Sets these field values on every record the query's filters keep; how many rows
    /// the database counts as changed.
    #[pyo3(signature = (**values))]
    fn update(&self, py: Python<'_>, values: Option<&Bound<'_, PyDict>>) -> PyResult<u64> {
        let op = Operation::update_of(&self.query, values_of(values)?);
        Ok(self.write(py, op)?.affected)
    }

    /// Deletes every record the query's filters keep; how many.
    fn delete(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.write(py, Operation::delete_of(&self.query))?.affected)
    }

    /// The record whose fields equal the lookups, or a new one made of them and
    /// `defaults`: `(primary key, created)`.
    #[pyo3(signature = (defaults=None, **lookup))]
    fn get_or_create<'py>(
        &self,
        py: Python<'py>,
        defaults: Option<&Bound<'py, PyAny>>,
        lookup: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let defaults = optional_values(defaults, "defaults")?;
        let op = Operation::get_or_create_of(&self.query, values_of(lookup)?, defaults);
        key_and_created(py, self.write(py, op)?)
    }

    /// The record whose fields equal the lookups with `defaults` written to it, or a new
    /// one made of both: `(primary key, created)`.
    #[pyo3(signature = (defaults=None, **lookup))]
    fn update_or_create<'py>(
        &self,
        py: Python<'py>,
        defaults: Option<&Bound<'py, PyAny>>,
        lookup: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let defaults = optional_values(defaults, "defaults")?;
        let op = Operation::update_or_create_of(&self.query, values_of(lookup)?, defaults);
        key_and_created(py, self.write(py, op)?)
    }

    /// This query compiled for a driver of the caller's own (`relq.Compiled`: the
    /// embedding path): for `dialect` (`sqlite`, `postgres`, `mysql`) with the facts of
    /// the server `version` (its version text: `sqlite3.sqlite_version`, `SHOW
    /// server_version`, `SELECT VERSION()`; `None`: the dialect's documented facts), or
    /// for the connection's dialect and server (`dialect` `None`), in the
    /// driver's `paramstyle` (`qmark`, `format`, `numeric_dollar`; `None`: the
    /// dialect's own), within `max_params` parameters per statement (`None`: the
    /// dialect's limit, which also holds when lower). The statements are static (none
    /// depends on another's rows) unless `bound_keys`, which lets relq bind the roots'
    /// keys where its rule prefers it (then run them with `steps()`).
    #[pyo3(signature = (dialect=None, *, version=None, paramstyle=None, max_params=None, bound_keys=false))]
    fn compile(
        &self,
        py: Python<'_>,
        dialect: Option<&str>,
        version: Option<&str>,
        paramstyle: Option<&str>,
        max_params: Option<usize>,
        bound_keys: bool,
    ) -> PyResult<Compiled> {
        let placeholder = paramstyle
            .map(|name| {
                Placeholder::from_paramstyle(name).ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "paramstyle: unknown `{name}`; relq writes {}",
                        Placeholder::PARAMSTYLES.join(", ")
                    ))
                })
            })
            .transpose()?;
        if dialect.is_none() && version.is_some() {
            return Err(PyValueError::new_err(
                "compile: a version names the server of a dialect: give the dialect too",
            ));
        }
        let key = StyleKey {
            dialect: dialect.map(|d| (d.to_owned(), version.map(str::to_owned))),
            style: DriverStyle {
                placeholder,
                max_params,
                bound_keys,
            },
        };
        let cache = self.shared.caches.style(py, key, || match dialect {
            Some(name) => relq::dialect_named(name, version).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "dialect: unknown `{name}`; relq has sqlite, postgres, mysql"
                ))
            }),
            // The connection's dialect, as its read cache holds it (a database's never
            // changes once open).
            None => {
                let own = &self.shared.caches.reads().dialect;
                Ok(own.with_caps(*own.caps()))
            }
        })?;
        Compiled::new(py, cache, self.query.clone())
    }

    /// The query's JSON form (relq's query IR, as `relq query --query-file` reads it).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.query).map_err(|e| PyTypeError::new_err(e.to_string()))
    }

    /// Iterates over `all()`.
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        self.all(py)?.try_iter()
    }

    fn __repr__(&self) -> String {
        format!(
            "<relq.Query {}>",
            serde_json::to_string(&self.query).unwrap_or_default()
        )
    }
}

/// The `values` terminal over `paths`.
fn values_terminal(paths: Vec<String>, distinct: bool) -> Terminal {
    Terminal::Values(relq::Values {
        fields: paths,
        distinct,
    })
}

/// `defaults` / `through`: a dict of field values, or nothing.
pub(crate) fn optional_values(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Values> {
    match obj {
        Some(obj) if !obj.is_none() => values_of_dict(obj, what),
        _ => Ok(Values::new()),
    }
}

/// `(primary key, created)` of a `get_or_create` / `update_or_create` outcome.
fn key_and_created(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyTuple>> {
    let key = to_py(py, outcome.keys.into_iter().next().unwrap_or(Value::Null))?;
    let created = outcome.created.unwrap_or(false).into_bound_py_any(py)?;
    PyTuple::new(py, [key, created])
}
