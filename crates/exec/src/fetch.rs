//! [`fetch`]: a compiled query run on a [`Driver`] and read into its [`Answer`], the one
//! loop for every database: the [`Steps`] of the query (per statement, per execution:
//! one, or one per chunk of bound root keys), each run on the driver and its rows fed
//! back. [`fetch_with`]: the same loop, its records handed to the caller's [`Visitor`]
//! instead of built as [`Record`](relq_rows::Record)s.
//!
//! The statements of a query of several run in one read-only snapshot transaction
//! (`snapshot.rs`), unless the caller's transaction is open.
//!
//! Invariant: the statements run in order, each after the rows of the one before were
//! read (a statement that binds root keys needs them); the first error ends the fetch,
//! never a partial answer.

use relq_rows::Visitor;
use relq_sql::Compiled;

use crate::answer::Answer;
use crate::driver::Driver;
use crate::error::ExecError;
use crate::snapshot::in_snapshot;
use crate::steps::Steps;
use crate::stream::Streamed;

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
    run(driver, &mut steps)?;
    steps.finish()
}

/// Runs every statement of `compiled` on `driver`, as [`fetch`] does (several in one
/// snapshot), and hands its records to `visitor` ([`Steps::with_visitor`]), so the
/// caller builds its own types with no [`Record`](relq_rows::Record) tree in between:
/// the visitor's output and the rows read. Every root the statements return reaches the
/// visitor, in order: all of them for `all`, at most one for `first` and `last` (their
/// statement reads one), the one of `get` and `get_or_none`, whose none (`get`) or
/// several are errors.
///
/// # Errors
/// [`fetch`]'s, and [`NotRecords`](crate::ExecErrorKind::NotRecords) (before any
/// statement runs) for a query that returns something else (`count`, `values`...).
pub fn fetch_with<D: Driver, V: Visitor>(
    driver: &mut D,
    compiled: &Compiled<'_>,
    visitor: V,
) -> Result<Streamed<V::Output>, ExecError> {
    let mut steps = Steps::with_visitor(compiled, visitor)?;
    run(driver, &mut steps)?;
    steps.finish_visitor()
}

/// Runs each of `steps`' runs on `driver`, its rows fed back, several statements in one
/// snapshot.
fn run<D: Driver, V: Visitor>(driver: &mut D, steps: &mut Steps<'_, V>) -> Result<(), ExecError> {
    in_snapshot(driver, steps.compiled(), |driver| {
        while let Some(run) = steps.next_run() {
            let index = steps.statement();
            driver
                .query(&run.sql, &run.params, |row| steps.push(row))
                .map_err(|e| e.in_statement(index))?;
        }
        Ok(())
    })
}
