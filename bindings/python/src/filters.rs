//! What a query's arguments become in relq's query IR: `relq.Q` (Django's `Q`, ormar's
//! `and_` / `or_` / `~`) and keyword lookups (`name__icontains="x"`) as a
//! `relq::Filter`; a `select_related` entry (a path, or a dict for a filtered nested
//! list) as a `relq::Related`; aggregates (`relq.Sum("weight")`).
//!
//! Invariant: nothing is decided here about what a path, a lookup or a value means:
//! each becomes the IR's own form and relq checks it when the query compiles, with its
//! messages. Keyword arguments keep their order.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use relq::{AggregateFunc, Aggregation, Filter, NullsOrder, OrderBy, Related};

use crate::values::{to_json, type_name};

/// A filter expression: `Q(name__icontains="x")`, combined with `&` (AND), `|` (OR) and
/// `~` (NOT); several keywords, or positional `Q`s, are ANDed.
#[pyclass(frozen, module = "relq", name = "Q")]
pub struct Q {
    pub(crate) filter: Filter,
}

#[pymethods]
impl Q {
    #[new]
    #[pyo3(signature = (*q, **lookups))]
    fn new(q: &Bound<'_, PyTuple>, lookups: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(Self {
            filter: filter_of(q, lookups)?.unwrap_or_else(|| Filter::and([])),
        })
    }

    fn __and__(&self, other: &Bound<'_, Q>) -> Q {
        Q {
            filter: Filter::and([self.filter.clone(), other.get().filter.clone()]),
        }
    }

    fn __or__(&self, other: &Bound<'_, Q>) -> Q {
        Q {
            filter: Filter::or([self.filter.clone(), other.get().filter.clone()]),
        }
    }

    fn __invert__(&self) -> Q {
        Q {
            filter: !self.filter.clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Q({})",
            serde_json::to_string(&self.filter).unwrap_or_default()
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Q>()
            .is_ok_and(|other| other.get().filter == self.filter)
    }
}

/// One `filter` / `exclude` / `get` call's arguments as one filter (their AND); `None`
/// when there are none.
///
/// # Errors
/// `TypeError` for a positional argument that is not a `Q`; a value's conversion error.
pub(crate) fn filter_of(
    q: &Bound<'_, PyTuple>,
    lookups: Option<&Bound<'_, PyDict>>,
) -> PyResult<Option<Filter>> {
    let mut parts = Vec::new();
    for arg in q.iter() {
        let q = arg.cast::<Q>().map_err(|_| {
            PyTypeError::new_err(format!(
                "positional filter arguments are relq.Q expressions, not {}",
                type_name(&arg)
            ))
        })?;
        parts.push(q.get().filter.clone());
    }
    if let Some(lookups) = lookups {
        for (path, value) in lookups.iter() {
            parts.push(Filter::new(path.extract::<String>()?, to_json(&value)?));
        }
    }
    Ok(match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Filter::And(parts)),
    })
}

/// A `select_related` argument: a path (`"teachers__category"`), or a dict
/// `{"path": "posts", "filter": Q(...) | {lookups} | [...], "order_by": "-title" |
/// [...], "limit": 3}` for the nested list's own filter, ordering and per-parent limit.
///
/// # Errors
/// `TypeError` for another type, a dict without `path` or with another key.
pub(crate) fn related_of(obj: &Bound<'_, PyAny>) -> PyResult<Related> {
    if let Ok(path) = obj.cast::<PyString>() {
        return Ok(Related::new(path.to_str()?));
    }
    let Ok(dict) = obj.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "select_related takes paths (str) or dicts {{\"path\", \"filter\", \"order_by\", \"limit\"}}, not {}",
            type_name(obj)
        )));
    };
    let path = dict
        .get_item("path")?
        .ok_or_else(|| PyTypeError::new_err("a select_related dict needs \"path\""))?;
    let mut related = Related::new(path.extract::<String>()?);
    for (key, value) in dict.iter() {
        match key.extract::<String>()?.as_str() {
            "path" => {}
            "filter" => {
                for part in each(&value)? {
                    related = related.filter(nested_filter(&part)?);
                }
            }
            "order_by" => {
                for part in each(&value)? {
                    related = related.order_by(order_of(&part)?);
                }
            }
            "limit" => related = related.limit(value.extract()?),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unknown select_related key `{other}`: the keys are \"path\", \"filter\", \"order_by\", \"limit\""
                )));
            }
        }
    }
    Ok(related)
}

/// An ordering term: a field path, `-` first for descending (`"-name"`), or a dict
/// `{"path": "-name", "nulls": "first" | "last"}` placing NULLs.
///
/// # Errors
/// `TypeError` for another type or key; `ValueError` for another `nulls`.
pub(crate) fn order_of(obj: &Bound<'_, PyAny>) -> PyResult<OrderBy> {
    if let Ok(path) = obj.cast::<PyString>() {
        return Ok(OrderBy::new(path.to_str()?));
    }
    let Ok(dict) = obj.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "order_by takes paths (str) or dicts {{\"path\", \"nulls\"}}, not {}",
            type_name(obj)
        )));
    };
    let path = dict
        .get_item("path")?
        .ok_or_else(|| PyTypeError::new_err("an order_by dict needs \"path\""))?;
    let mut order = OrderBy::new(path.extract::<String>()?);
    for (key, value) in dict.iter() {
        match key.extract::<String>()?.as_str() {
            "path" => {}
            "nulls" => {
                let nulls: NullsOrder = named("nulls", &value.extract::<String>()?)?;
                order = order.nulls(nulls);
            }
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unknown order_by key `{other}`: the keys are \"path\", \"nulls\""
                )));
            }
        }
    }
    Ok(order)
}

/// The items of a list or tuple, or the value alone.
fn each<'py>(value: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        value.try_iter()?.collect()
    } else {
        Ok(vec![value.clone()])
    }
}

/// One filter call of a nested list: a `Q`, or a dict of lookups.
fn nested_filter(part: &Bound<'_, PyAny>) -> PyResult<Filter> {
    if let Ok(q) = part.cast::<Q>() {
        return Ok(q.get().filter.clone());
    }
    if let Ok(lookups) = part.cast::<PyDict>() {
        return Ok(filter_of(&PyTuple::empty(part.py()), Some(lookups))?
            .unwrap_or_else(|| Filter::and([])));
    }
    Err(PyTypeError::new_err(format!(
        "a nested list's filter is a relq.Q or a dict of lookups, not {}",
        type_name(part)
    )))
}

/// An aggregate of `Query.aggregate`: a function over a field path (`relq.Sum("weight")`).
#[pyclass(frozen, module = "relq")]
pub struct Aggregate {
    pub(crate) aggregation: Aggregation,
}

#[pymethods]
impl Aggregate {
    /// `func` (`min`, `max`, `sum`, `avg`, `count`) over `path`.
    #[new]
    fn new(func: &str, path: String) -> PyResult<Self> {
        let func: AggregateFunc = named("aggregate", func)?;
        Ok(Self {
            aggregation: Aggregation::new(func, path),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Aggregate({:?}, {:?})",
            self.aggregation.func.name(),
            self.aggregation.path
        )
    }
}

/// `relq.Min(path)`.
#[pyfunction(name = "Min")]
pub(crate) fn min(path: String) -> Aggregate {
    aggregate(AggregateFunc::Min, path)
}

/// `relq.Max(path)`.
#[pyfunction(name = "Max")]
pub(crate) fn max(path: String) -> Aggregate {
    aggregate(AggregateFunc::Max, path)
}

/// `relq.Sum(path)`.
#[pyfunction(name = "Sum")]
pub(crate) fn sum(path: String) -> Aggregate {
    aggregate(AggregateFunc::Sum, path)
}

/// `relq.Avg(path)`.
#[pyfunction(name = "Avg")]
pub(crate) fn avg(path: String) -> Aggregate {
    aggregate(AggregateFunc::Avg, path)
}

/// `relq.Count(path)`.
#[pyfunction(name = "Count")]
pub(crate) fn count(path: String) -> Aggregate {
    aggregate(AggregateFunc::Count, path)
}

fn aggregate(func: AggregateFunc, path: String) -> Aggregate {
    Aggregate {
        aggregation: Aggregation::new(func, path),
    }
}

/// The variant of relq's enum `T` named `name` in its serde form (`"joined"`,
/// `"last"`, `"max"`), a `ValueError` naming `what` otherwise, with serde's list of the
/// names it takes.
pub(crate) fn named<T: serde::de::DeserializeOwned>(what: &str, name: &str) -> PyResult<T> {
    serde_json::from_value(name.into()).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}
