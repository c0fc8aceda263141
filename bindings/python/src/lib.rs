//! relq for Python: the `relq` package, a thin PyO3 layer over the `relq` facade crate.
//!
//! `relq.connect(url, schema=None)` opens a `Database` (`database.rs`); `db.query(model)`
//! is a `Query` (`query.rs`) refined by Django's QuerySet methods with `relq.Q`
//! expressions and keyword lookups (`filters.rs`) and run by a terminal; records come
//! back as dicts built in Rust with their keys made once per plan (`records.rs`), values
//! as Python's own types (`values.rs`); `db.related(model, pk, relation)` is a
//! `RelatedSet` with the writes through a relation (`related.rs`); every Rust error is
//! an exception class of its own (`errors.rs`). Reads compile through the connection's
//! cache of compiled queries by shape (`cache.rs`). `query.compile(...)` is the embedding
//! path (`compiled.rs`): the statements for the caller's own driver, and its rows
//! (`driver_rows.rs`) rebuilt into the same dicts.
//!
//! Invariants: no rule of relq lives here: paths, lookups, values, scopes and writes are
//! given to relq as its query and write IR and checked there, with its messages; the GIL
//! is released while the database works; the crate has no Rust tests of its own (a test
//! binary would have to embed Python): the pytest suite in `tests/` is its test.

mod cache;
mod compiled;
mod database;
mod driver_rows;
mod errors;
mod filters;
mod query;
mod records;
mod related;
mod values;

use pyo3::prelude::*;

/// The `relq` module.
#[pymodule(name = "relq")]
fn relq_python(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(database::connect, m)?)?;
    m.add_class::<database::Database>()?;
    m.add_class::<database::Transaction>()?;
    m.add_class::<query::Query>()?;
    m.add_class::<compiled::Compiled>()?;
    m.add_class::<compiled::Steps>()?;
    m.add_class::<related::RelatedSet>()?;
    m.add_class::<filters::Q>()?;
    m.add_class::<filters::Aggregate>()?;
    m.add_function(wrap_pyfunction!(filters::min, m)?)?;
    m.add_function(wrap_pyfunction!(filters::max, m)?)?;
    m.add_function(wrap_pyfunction!(filters::sum, m)?)?;
    m.add_function(wrap_pyfunction!(filters::avg, m)?)?;
    m.add_function(wrap_pyfunction!(filters::count, m)?)?;
    errors::register(m)?;
    Ok(())
}
