//! relq-write: writes through relations, compiled per dialect.
//!
//! The stage after the relation graph for writes (ARCHITECTURE.md, "Pipeline"): a batch
//! of [`Operation`]s (Rust builder or JSON, unknown keys rejected) is checked against
//! the [`RelationGraph`](relq_graph::RelationGraph) (typed [`WriteError`]s before any
//! SQL) and compiled by [`compile_write`] into a [`CompiledWrite`]: per operation, the
//! statements to run in order, each with its bound parameters and what its result means.
//! relq-exec's `apply` runs a compiled batch in one transaction (or a savepoint of the
//! caller's), all or nothing.
//!
//! What each operation sends, and why, is in the module docs of `relations` and `rows`
//! and in ../shared/reference/writes-research.md §5: owner-scoped `UPDATE`s of the key
//! column only, `DELETE`s scoped the same way, multi-row `INSERT`s chunked to the
//! parameter limit with `RETURNING` (or the dialect's last-insert-id), links skipped by
//! the through model's unique pair (never `INSERT IGNORE`), targets checked before
//! anything changes, and nothing sent for an empty operation.
//!
//! A read [`Query`](relq_plan::Query) gives its write (Django's `QuerySet.update()`,
//! `.delete()`, `.create()`): [`Operation::update_of`] and its peers carry the parts that
//! choose records and refuse the ones a write cannot honour.
//!
//! Invariants: values never enter SQL text; identifiers are always quoted; the same
//! batch, graph and dialect give the same statements.

#![forbid(unsafe_code)]

mod check;
mod compile;
mod error;
mod operation;
mod program;
mod query;
mod relations;
mod rows;
mod sql;
mod statements;

pub use compile::compile_write;
pub use error::{WriteError, WriteErrorKind};
pub use operation::{Operation, Values, parse_batch};
pub use program::{Action, CompiledWrite, Param, Step, When, WritePlan};
