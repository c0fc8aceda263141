//! relq-exec: running a compiled query, once for every database. [`fetch`] runs the
//! statements of a [`Compiled`](relq_sql::Compiled) query on a [`Driver`] (the one
//! contract each dialect crate implements for its driver), reads each row as the kinds
//! the plan expects (chunks of bound root keys, lists delivered as JSON columns
//! included) and hands the rows to the rebuild, or keeps a count or flat rows: the
//! query's [`Answer`].
//!
//! - [`ExecError`]: what can go wrong while running and reading (a driver's failure with
//!   its statement, an unreadable value with its row, position and column, the
//!   rebuild's error, `get`'s none or several).
//! - `values`: relq's one text form for times, date-times, JSON and UUIDs, which the
//!   dialect crates' value conversions read through ([`canonical_seconds`],
//!   [`canonical_json`], [`uuid_text`]).
//!
//! Invariants: nothing here asks which database it runs on; an execution never panics;
//! every failure is an [`ExecError`] with its place.

#![forbid(unsafe_code)]

mod answer;
mod apply;
mod cursor;
mod driver;
mod error;
mod fetch;
mod json_lists;
mod sink;
mod snapshot;
mod steps;
mod stream;
mod values;

pub use answer::{Answer, FlatRows};
pub use apply::{Outcome, apply};
pub use driver::{Driver, ResultRow, SideBySide};
pub use error::{
    Constraint, ExecError, ExecErrorKind, MESSAGE_LIMIT, ReadFailure, STATEMENT_LIMIT, cut,
};
pub use fetch::{Fetched, fetch, fetch_with};
pub use steps::Steps;
pub use stream::{Streamed, stream};
pub use values::{canonical_json, canonical_seconds, uuid_text};
