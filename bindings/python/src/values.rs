//! Values both ways between Python and relq, exactly.
//!
//! Out (a record's or a row's `relq::Value`): NULL is `None`, booleans `bool`, integers
//! `int` (64-bit), floats `float`, decimals `decimal.Decimal` (its digits as the database
//! gave them, `Decimal("12.50")`), text `str`, bytes `bytes`, dates, times and date-times
//! `datetime.date` / `time` / `datetime` (naive: relq's are), UUIDs `uuid.UUID`, JSON
//! documents the `dict` / `list` / scalar they hold.
//!
//! In (filter values, write values, primary keys): the same types, written in the JSON
//! forms relq's query and write IR take (relq-plan's `value.rs`): `Decimal` as its
//! digits without exponent, dates and times as ISO 8601 text (`isoformat()`), a `UUID`
//! as its text, `bytes` as a list of integers, `dict` / `list` / `tuple` as JSON (a
//! document for a JSON field, a list for `in`). Which kind a value must be is decided
//! by relq, from the field it meets, with relq's message; this module only spells it.
//!
//! Invariant: no value loses anything on the way: an `int` beyond 64 bits, a float that
//! JSON cannot hold (NaN, infinities) or a type with no relq form is a Python
//! `OverflowError` / `ValueError` / `TypeError`, never a rounded or dropped value.

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString,
    PyTuple, PyType,
};
use relq::Value;
use relq::write::Values;
use serde_json::{Map, Number, Value as Json};

/// A Python class or function imported once.
pub(crate) struct Cached(PyOnceLock<Py<PyAny>>, &'static str, &'static [&'static str]);

impl Cached {
    const fn new(module: &'static str, path: &'static [&'static str]) -> Self {
        Self(PyOnceLock::new(), module, path)
    }

    fn get<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyAny>> {
        self.0
            .get_or_try_init(py, || {
                let mut object = py.import(self.1)?.into_any();
                for name in self.2 {
                    object = object.getattr(*name)?;
                }
                Ok::<_, PyErr>(object.unbind())
            })
            .map(|o| o.bind(py))
    }
}

pub(crate) static DECIMAL: Cached = Cached::new("decimal", &["Decimal"]);
pub(crate) static DATE: Cached = Cached::new("datetime", &["date"]);
pub(crate) static TIME: Cached = Cached::new("datetime", &["time"]);
pub(crate) static DATETIME: Cached = Cached::new("datetime", &["datetime"]);
pub(crate) static TIMEDELTA: Cached = Cached::new("datetime", &["timedelta"]);
pub(crate) static UUID: Cached = Cached::new("uuid", &["UUID"]);
static DATE_FROM: Cached = Cached::new("datetime", &["date", "fromisoformat"]);
static TIME_FROM: Cached = Cached::new("datetime", &["time", "fromisoformat"]);
static DATETIME_FROM: Cached = Cached::new("datetime", &["datetime", "fromisoformat"]);

/// Whether `obj` is an instance of the cached class `class`.
pub(crate) fn is(obj: &Bound<'_, PyAny>, class: &Cached) -> PyResult<bool> {
    let class = class.get(obj.py())?;
    match class.cast::<PyType>() {
        Ok(class) => obj.is_instance(class),
        Err(_) => Ok(false),
    }
}

/// `obj` in the JSON form relq's query and write IR take (module docs).
///
/// # Errors
/// `OverflowError` for an `int` beyond 64 bits, `ValueError` for a NaN or infinite
/// float, `TypeError` for a type relq has no form for (or a dict key that is not `str`).
pub(crate) fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Json> {
    if obj.is_none() {
        return Ok(Json::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Json::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return match obj.extract::<i64>() {
            Ok(i) => Ok(Json::from(i)),
            Err(e) => obj.extract::<u64>().map(Json::from).map_err(|_| e),
        };
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let f = f.value();
        return Number::from_f64(f).map(Json::Number).ok_or_else(|| {
            PyValueError::new_err(format!(
                "relq cannot write the float {f}: values travel as JSON, which has no NaN or infinity"
            ))
        });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Json::String(s.to_str()?.to_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(bytes(b.as_bytes()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(bytes(&b.to_vec()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (key, value) in d.iter() {
            let key = key.cast_into::<PyString>().map_err(|e| {
                PyTypeError::new_err(format!("a dict relq writes has str keys, not {e}"))
            })?;
            map.insert(key.to_str()?.to_owned(), to_json(&value)?);
        }
        return Ok(Json::Object(map));
    }
    if obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || obj.is_instance_of::<PySet>()
        || obj.is_instance_of::<PyFrozenSet>()
    {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(to_json(&item?)?);
        }
        return Ok(Json::Array(items));
    }
    // datetime before date: a datetime is a date too.
    if is(obj, &DATETIME)? || is(obj, &DATE)? || is(obj, &TIME)? {
        return Ok(Json::String(
            obj.call_method0("isoformat")?.extract::<String>()?,
        ));
    }
    if is(obj, &DECIMAL)? {
        // Fixed-point digits, never an exponent (`Decimal("1E+2")` is `100`); NaN and
        // infinities stay words, which relq refuses with its message.
        return Ok(Json::String(
            obj.call_method1("__format__", ("f",))?
                .extract::<String>()?,
        ));
    }
    if is(obj, &UUID)? {
        return Ok(Json::String(obj.str()?.to_str()?.to_owned()));
    }
    Err(PyTypeError::new_err(format!(
        "relq has no value form for {}: give None, bool, int, float, str, bytes, Decimal, \
         date, time, datetime, UUID, or a dict / list (JSON)",
        obj.get_type().name()?
    )))
}

/// Bytes in relq's JSON form: a list of integers 0 to 255.
fn bytes(b: &[u8]) -> Json {
    Json::Array(b.iter().map(|&b| Json::from(b)).collect())
}

/// Keyword arguments as field values by name (`name="Math", department=1`).
///
/// # Errors
/// [`to_json`]'s.
pub(crate) fn values_of(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Values> {
    let mut values = Values::new();
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            values.insert(key.extract::<String>()?, to_json(&value)?);
        }
    }
    Ok(values)
}

/// A dict of field values (`bulk_create`'s rows, `defaults`, `through`).
///
/// # Errors
/// `TypeError` for anything but a dict with `str` keys; [`to_json`]'s.
pub(crate) fn values_of_dict(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Values> {
    let dict = obj.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} takes a dict of field values, not {}",
            type_name(obj)
        ))
    })?;
    values_of(Some(dict))
}

/// `obj` as a bound parameter of a statement given by hand (`Database.run`): the
/// [`Value`] of its Python type (a `dict` or `list` a JSON document).
///
/// # Errors
/// As [`to_json`].
pub(crate) fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let text = |json: Json| match json {
        Json::String(s) => s,
        other => other.to_string(),
    };
    Ok(if obj.is_none() {
        Value::Null
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Value::Bool(b.is_true())
    } else if obj.is_instance_of::<PyInt>() {
        Value::Int(obj.extract()?)
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        Value::Float(f.value())
    } else if let Ok(s) = obj.cast::<PyString>() {
        Value::Text(s.to_str()?.to_owned())
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        Value::Bytes(b.as_bytes().to_vec())
    } else if is(obj, &DATETIME)? {
        Value::DateTime(text(to_json(obj)?))
    } else if is(obj, &DATE)? {
        Value::Date(text(to_json(obj)?))
    } else if is(obj, &TIME)? {
        Value::Time(text(to_json(obj)?))
    } else if is(obj, &DECIMAL)? {
        Value::Decimal(text(to_json(obj)?))
    } else if is(obj, &UUID)? {
        Value::Uuid(text(to_json(obj)?).to_ascii_lowercase())
    } else {
        Value::Json(to_json(obj)?.to_string())
    })
}

/// `value` as a Python object (module docs); the value is consumed, so text moves once.
///
/// # Errors
/// A date, time, UUID or decimal text Python does not read (not one relq reads back).
pub(crate) fn to_py(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    match value {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Int(i) => i.into_bound_py_any(py),
        Value::Float(f) => f.into_bound_py_any(py),
        Value::Text(s) => Ok(PyString::new(py, &s).into_any()),
        Value::Bytes(b) => Ok(PyBytes::new(py, &b).into_any()),
        Value::Decimal(s) => DECIMAL.get(py)?.call1((s,)),
        Value::Date(s) => DATE_FROM.get(py)?.call1((s,)),
        Value::Time(s) => TIME_FROM.get(py)?.call1((s,)),
        Value::DateTime(s) => DATETIME_FROM.get(py)?.call1((s,)),
        Value::Uuid(s) => UUID.get(py)?.call1((s,)),
        // A document that does not parse stays its text (relq-rows' `value_to_json`).
        Value::Json(s) => match serde_json::from_str::<Json>(&s) {
            Ok(doc) => json_to_py(py, &doc),
            Err(_) => Ok(PyString::new(py, &s).into_any()),
        },
    }
}

/// A JSON value as Python's own: `dict`, `list`, `str`, `int`, `float`, `bool`, `None`.
///
/// # Errors
/// Python's, creating the objects.
pub(crate) fn json_to_py<'py>(py: Python<'py>, json: &Json) -> PyResult<Bound<'py, PyAny>> {
    Ok(match json {
        Json::Null => py.None().into_bound(py),
        Json::Bool(b) => b.into_bound_py_any(py)?,
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)?
            } else if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)?
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)?
            }
        }
        Json::String(s) => PyString::new(py, s).into_any(),
        Json::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Json::Object(map) => {
            let dict = PyDict::new(py);
            for (key, value) in map {
                dict.set_item(key, json_to_py(py, value)?)?;
            }
            dict.into_any()
        }
    })
}

/// The type name of `obj`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}
