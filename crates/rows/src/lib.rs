//! relq-rows: the rebuild stage. Result rows of a joined statement plus the query's
//! [`ExtractionPlan`](relq_plan::ExtractionPlan) become nested records, in one pass over
//! the rows, reading columns by position only.
//!
//! - [`Row`]: what a row must offer (a value by position), so any driver's rows feed in.
//! - [`Rebuilder`]: push rows one by one, [`finish`](Rebuilder::finish) at the end;
//!   [`rebuild`] does it for a whole iterator.
//! - Outputs: [`Record`]s ([`Records`] visitor), JSON from records ([`to_json`]), or the
//!   caller's own types through a [`Visitor`] ([`rebuild_with`]), with no tree in between.
//! - [`JsonWriter`]: the JSON text of [`to_json`], pretty or one line per root
//!   ([`JsonLayout`]), written from the rebuild straight into an `io::Write`, root by
//!   root as they complete, with no record tree and no `serde_json::Value`.
//! - Streaming: rows ordered by root first, [`Rebuilder::complete_roots`] at each new
//!   root, and a visitor that hands each whole root on ([`RecordStream`], or any
//!   [`Visitor::roots_complete`]): one root's subtree held at a time.
//! - [`Recording`]: the rebuild's calls written down, replayed into a visitor later (one
//!   that must not run while the database works, as Python's GIL-holding one).
//! - [`Rebuilder::columns`]: what the plan reads at each row position ([`ExpectedColumn`]),
//!   for a reader (relq-exec) that converts each value once, into the kind expected.
//! - [`flatten`]: the inverse, records to rows, for tests and benchmarks.
//!
//! Semantics (the joined strategy: rows are a left-join product): a record is identified
//! by (plan node, parent record, primary key); a NULL primary key on a non-root node
//! means no record there (to-one `None`, no list element), and then everything under it
//! is NULL too; roots and children keep their first-appearance order.
//!
//! Invariants: nothing here panics on any plan, row or record; a malformed plan, row or
//! record is a typed [`RowError`], never a silently different tree; no output depends on
//! hash order.

#![forbid(unsafe_code)]

mod error;
mod flatten;
mod json;
mod json_writer;
mod layout;
mod rebuild;
mod recording;
mod records;
mod row;
mod store;

pub use error::{
    NodeProblem, PlanProblem, RowError, RowErrorKind, ShapeMismatch, StatementProblem,
};
pub use flatten::flatten;
pub use json::{to_json, value_to_json};
pub use json_writer::{JsonLayout, JsonWriter};
pub use layout::{ExpectedColumn, MAX_WIDTH};
pub use rebuild::{Link, Rebuilder, Visitor};
pub use recording::Recording;
pub use records::{Record, RecordStream, Records, Related, rebuild, rebuild_with};
pub use row::Row;
