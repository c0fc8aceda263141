//! [`fetch`]: a compiled query run on a [`Driver`] and read into its [`Answer`], the one
//! loop for every database: the [`Steps`] of the query (per statement, per execution:
//! one, or one per chunk of bound root keys), each run on the driver and its rows fed
//! back.
//!
//! The statements of a query of several run in one read-only snapshot transaction
//! (`snapshot.rs`), unless the caller's transaction is open.
//!
//! Invariant: the statements run in order, each after the rows of the one before were
//! read (a statement that binds root keys needs them); the first error ends the fetch,
//! never a partial answer.

use relq_sql::Compiled;

use crate::answer::Answer;
use crate::driver::Driver;
use crate::error::ExecError;
use crate::snapshot::in_snapshot;
use crate::steps::Steps;

/// What [`fetch`] returns: the query's [`Answer`] and the number of rows the database
/// returned for it, over every statement: with loaded to-many relations, one row per
/// combination of children in the joined strategy (more than the records), one per root
/// and then one per child of each list in the split strategy, one per root with the
/// lists as JSON (they come inside the root rows).
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    /// What the query's terminal asks for.
    pub answer: Answer,
    /// The rows read from the database.
    pub rows: usize,
}

/// Runs every statement of `compiled` on `driver` with its parameters bound and reads
/// the rows into the query's [`Answer`] (records rebuilt, one record, a count, flat
/// rows), with the number of rows read. Several statements read one snapshot: a
/// read-only transaction of their own ([`Driver::begin_snapshot`]), or the caller's
/// ([`Driver::in_transaction`]).
///
/// # Errors
/// [`ExecError`]: a driver error with the statement's index, a value that cannot be read
/// as the plan's kind, the rebuild's [`RowError`](relq_rows::RowError), or `get`'s
/// [`NoMatch`](crate::ExecErrorKind::NoMatch) /
/// [`MultipleMatches`](crate::ExecErrorKind::MultipleMatches).
pub fn fetch<D: Driver>(driver: &mut D, compiled: &Compiled<'_>) -> Result<Fetched, ExecError> {
    let mut steps = Steps::new(compiled)?;
    in_snapshot(driver, compiled, |driver| {
        while let Some(run) = steps.next_run() {
            let index = steps.statement();
            driver
                .query(&run.sql, &run.params, |row| steps.push(row))
                .map_err(|e| e.in_statement(index))?;
        }
        Ok(())
    })?;
    steps.finish()
}
