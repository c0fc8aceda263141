//! The connection's compiled queries by shape: relq's `CompileCache` over the
//! connection's schema and dialect, so a read repeated with other filter values is bound
//! from its shape's statements, not planned, lowered and rendered again.
//!
//! The cache borrows the schema it compiles over; both live here, in one
//! [`self_cell`](https://docs.rs/self_cell) (the schema shared, by `Arc`, with the
//! connection's other objects), behind a mutex taken only with the GIL released.
//!
//! Invariant: a compile through the cache is relq's full compile of the same query
//! (relq-sql's `cache.rs` proves it); the cache holds at most relq's `MAX_SHAPES`.

use std::sync::{Arc, Mutex, PoisonError};

use relq::plan::PlanOptions;
use relq::{CompileCache, Compiled, Dialect, Query, RelationGraph};
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

/// A connection's compile cache.
pub(crate) struct ReadCache(Mutex<Cell>);

impl ReadCache {
    /// An empty cache compiling over `graph` for `dialect` (its facts as they are now).
    pub(crate) fn new(graph: Arc<RelationGraph>, dialect: &dyn Dialect) -> Self {
        let cell = Cell::new(graph, |g| {
            CompileCache::new(g, dialect, PlanOptions::default())
        });
        Self(Mutex::new(cell))
    }

    /// Compiles `query` (bound from its shape when known) and hands it to `work`, with
    /// the cache locked: call it with the GIL released.
    ///
    /// # Errors
    /// The compile's `CompileError`, or `work`'s.
    pub(crate) fn with_compiled<T>(
        &self,
        query: &Query,
        work: impl FnOnce(&Compiled<'_>) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut cell = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cell.with_dependent_mut(|_, cache| {
            let compiled = cache.compile(query)?;
            work(&compiled)
        })
    }
}
