//! A connection's compiled queries by shape: relq's `CompileCache` over the connection's
//! schema, so a query repeated with other filter values is bound to its shape's
//! statements, not planned, lowered and rendered again. One cache for the reads
//! (the connection's dialect), and one per driver style the embedding path asked for
//! (`Query.compile`: a dialect and server, placeholders, parameter limit, bound keys).
//!
//! Each cache borrows the schema it compiles over; both live in one
//! [`self_cell`](https://docs.rs/self_cell) (the schema shared, by `Arc`, with the
//! connection's other objects), behind a mutex: taken with the GIL released (reads), or
//! by PyO3's `lock_py_attached`, which lets the GIL go while it waits (the embedding
//! path, which builds Python objects under it).
//!
//! Invariant: a compile through a cache is relq's full compile of the same query
//! (relq-sql's `cache.rs` proves it); a cache holds at most relq's `MAX_SHAPES`, and a
//! connection at most [`MAX_STYLES`] driver styles.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use relq::plan::PlanOptions;
use relq::{CompileCache, Compiled, Dialect, DriverStyle, Query, RelationGraph};
use self_cell::self_cell;

use crate::errors::Failure;

/// relq's cache, with the lifetime of the schema it borrows.
type Cache<'g> = CompileCache<'g>;

self_cell!(
    /// The schema and the cache compiling over it.
    struct Cell {
        owner: Arc<RelationGraph>,

        #[not_covariant]
        dependent: Cache,
    }
);

/// One compile cache: compiled queries by shape for one dialect and plan options, and
/// the dialect (whose `driver_value` binds the embedding path's parameters).
pub(crate) struct ShapeCache {
    cell: Mutex<Cell>,
    /// The schema it compiles over.
    pub(crate) graph: Arc<RelationGraph>,
    /// The dialect it compiles for.
    pub(crate) dialect: Box<dyn Dialect>,
    /// The plan options it compiles with.
    pub(crate) options: PlanOptions,
}

impl ShapeCache {
    /// An empty cache compiling over `graph` for `dialect` with `options`.
    fn new(graph: Arc<RelationGraph>, dialect: Box<dyn Dialect>, options: PlanOptions) -> Self {
        let cell = Cell::new(Arc::clone(&graph), |g| {
            CompileCache::new(g, dialect.as_ref(), options)
        });
        Self {
            cell: Mutex::new(cell),
            graph,
            dialect,
            options,
        }
    }

    /// Compiles `query` (bound from its shape when known) and hands it to `work`, with
    /// the cache locked: with `py`, the GIL is let go while the lock is awaited; without,
    /// call it with the GIL released. `work` must not compile through the same cache.
    ///
    /// # Errors
    /// The compile's `CompileError`, or `work`'s.
    pub(crate) fn with_compiled<T, E: From<Failure>>(
        &self,
        py: Option<Python<'_>>,
        query: &Query,
        work: impl FnOnce(&Compiled<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut cell = match py {
            Some(py) => self.cell.lock_py_attached(py),
            None => self.cell.lock(),
        }
        .unwrap_or_else(PoisonError::into_inner);
        cell.with_dependent_mut(|_, cache| {
            let compiled = cache
                .compile(query)
                .map_err(|e| E::from(Failure::from(e)))?;
            work(&compiled)
        })
    }
}

/// The most driver styles a connection keeps caches for; past it they start again.
pub(crate) const MAX_STYLES: usize = 16;

/// What the embedding path's cache is for: `Query.compile`'s arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StyleKey {
    /// The dialect's name and server version; `None`: the connection's.
    pub(crate) dialect: Option<(String, Option<String>)>,
    /// The driver's placeholders, parameter limit and bound keys.
    pub(crate) style: DriverStyle,
}

/// A connection's caches.
pub(crate) struct Caches {
    graph: Arc<RelationGraph>,
    reads: ShapeCache,
    styles: Mutex<Vec<(StyleKey, Arc<ShapeCache>)>>,
}

impl Caches {
    /// Empty caches over `graph`, the reads' for `dialect` (its facts as they are now).
    pub(crate) fn new(graph: Arc<RelationGraph>, dialect: &dyn Dialect) -> Self {
        let own = dialect.with_caps(*dialect.caps());
        Self {
            reads: ShapeCache::new(Arc::clone(&graph), own, PlanOptions::default()),
            graph,
            styles: Mutex::new(Vec::new()),
        }
    }

    /// The reads' cache.
    pub(crate) fn reads(&self) -> &ShapeCache {
        &self.reads
    }

    /// The cache of the driver style `key`, made over `dialect()` (the key's dialect
    /// without its style) the first time.
    ///
    /// # Errors
    /// `dialect`'s.
    pub(crate) fn style(
        &self,
        py: Python<'_>,
        key: StyleKey,
        dialect: impl FnOnce() -> PyResult<Box<dyn Dialect>>,
    ) -> PyResult<Arc<ShapeCache>> {
        let found = {
            let styles = self
                .styles
                .lock_py_attached(py)
                .unwrap_or_else(PoisonError::into_inner);
            styles
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, c)| Arc::clone(c))
        };
        if let Some(cache) = found {
            return Ok(cache);
        }
        // Made without the lock held: the connection's dialect takes the connection's.
        let base = dialect()?;
        let cache = Arc::new(ShapeCache::new(
            Arc::clone(&self.graph),
            key.style.dialect(base.as_ref()),
            key.style.plan_options(),
        ));
        let mut styles = self
            .styles
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner);
        if styles.len() >= MAX_STYLES {
            styles.clear();
        }
        styles.push((key, Arc::clone(&cache)));
        Ok(cache)
    }
}
