//! [`stream`]: a compiled query's records handed to a [`Visitor`] one root at a time, in
//! the query's order, in bounded memory: the rebuild holds the current root's subtree
//! only ([`Rebuilder::complete_roots`] at each new root), beside the driver's buffers.
//!
//! Every statement is ordered by root first (relq-sql's `statements.rs`: statement 0 by
//! the root ordering, each later one by the same terms, then its lists), so a root's rows
//! are consecutive in each, and the roots come in the same order in all of them:
//! - one statement (joined, json): its rows are read as they come; a new root key ends
//!   the root before it (json: a root row's lists are decoded and pushed under it);
//! - several (split, auto): they are open side by side ([`Driver::side_by_side`]), and
//!   per root of statement 0 each statement is read while its rows carry that root's
//!   key; the first row of the next root waits, read ahead, for its turn, all in one
//!   read-only snapshot transaction (`snapshot.rs`; ended by a `Break` too) unless the
//!   caller's transaction is open.
//!
//! Invariants: the records and their order are [`fetch`](crate::fetch)'s for the same
//! compiled query (a test says so on every corpus and differential case); a row left
//! over in a later statement (a root statement 0 did not return) is the rebuild's
//! `UnknownKey` error, never dropped; `Break` from the visitor stops the reading
//! without an error.

use std::ops::ControlFlow;

use relq_plan::{Output, Pick, Value};
use relq_rows::{Rebuilder, Visitor};
use relq_sql::{Compiled, Delivery};

use crate::cursor::Cursor;
use crate::driver::{Driver, SideBySide};
use crate::error::{ExecError, ExecErrorKind};
use crate::snapshot::in_snapshot;

/// What [`stream`] and [`fetch_with`](crate::fetch_with) return: the visitor's output
/// and the number of rows read.
#[derive(Clone, Debug, PartialEq)]
pub struct Streamed<T> {
    /// [`Visitor::finish`]'s output.
    pub output: T,
    /// The rows the database returned, over every statement (those read before a
    /// `Break` only).
    pub rows: usize,
}

/// Runs `compiled` on `driver` and hands its records to `visitor` root by root: after
/// the last row of each root, [`Visitor::roots_complete`] (a [`RecordStream`] hands
/// the root on there; `Break` stops the reading), then [`Visitor::finish`].
///
/// [`RecordStream`]: relq_rows::RecordStream
///
/// # Errors
/// [`fetch`](crate::fetch)'s (a driver's error with its statement's index, an
/// unreadable value, the rebuild's error), and
/// [`NotStreamable`](ExecErrorKind::NotStreamable) for a query that does not return
/// every record or whose later statements bind statement 0's root keys.
pub fn stream<D: Driver, V: Visitor>(
    driver: &mut D,
    compiled: &Compiled<'_>,
    visitor: V,
) -> Result<Streamed<V::Output>, ExecError> {
    let plan = &compiled.plan;
    if plan.output != Output::Records(Pick::All) {
        let reason = "it does not return every record (use fetch)";
        return Err(ExecErrorKind::NotStreamable { reason }.into());
    }
    if !compiled.is_static() {
        let reason = "a later statement binds the root keys statement 0 returns \
                      (compile it with ListRoots::SemiJoin)";
        return Err(ExecErrorKind::NotStreamable { reason }.into());
    }
    let mut rebuilder = Rebuilder::with_visitor(&plan.extraction, visitor)?;
    let json_lists = compiled.delivery == Delivery::Json;
    let mut reader = Reader {
        cursor: Cursor::new(&plan.extraction, rebuilder.columns(), json_lists, false),
        root_key: plan.extraction.nodes.first().map_or(0, |n| n.pk),
        rebuilder: &mut rebuilder,
    };
    if let [statement] = compiled.statements.as_slice() {
        reader.one(driver, &statement.sql, &statement.params, compiled)?;
    } else {
        in_snapshot(driver, compiled, |driver| {
            reader.side_by_side(driver, compiled)
        })?;
    }
    let rows = reader.cursor.row();
    Ok(Streamed {
        output: rebuilder.finish()?,
        rows,
    })
}

/// The reading state of one [`stream`].
struct Reader<'r, 'p, V: Visitor> {
    cursor: Cursor<'p>,
    /// The plan position of the root's primary key.
    root_key: usize,
    rebuilder: &'r mut Rebuilder<'p, V>,
}

/// The marker error that ends a driver's row loop when the visitor says `Break`.
#[derive(Debug, thiserror::Error)]
#[error("the visitor stopped the reading")]
struct Stopped;

impl<V: Visitor> Reader<'_, '_, V> {
    /// One statement: roots end where the root key changes.
    fn one<D: Driver>(
        &mut self,
        driver: &mut D,
        sql: &str,
        params: &[Value],
        compiled: &Compiled<'_>,
    ) -> Result<(), ExecError> {
        self.cursor.begin(0, compiled.statement_width(0));
        let mut current: Option<Value> = None;
        let result = driver.query(sql, params, |row| {
            let values = self.cursor.read(row)?;
            let key = values.get(self.root_key).unwrap_or(&Value::Null);
            if current.as_ref() != Some(key) {
                if current.is_some() && self.rebuilder.complete_roots()?.is_break() {
                    return Err(ExecError::driver(None, "stopped", Stopped));
                }
                current = Some(key.clone());
            }
            self.rebuilder.push(values)?;
            self.cursor.advance();
            // The json strategy's lists of this root row, under it; then statement 0's
            // rows again.
            let rebuilder = &mut *self.rebuilder;
            let pushed = self.cursor.push_lists(|k, lists| {
                rebuilder.begin_statement(k)?;
                for row in lists {
                    rebuilder.push(row)?;
                }
                Ok(())
            })?;
            if pushed {
                rebuilder.begin_statement(0)?;
            }
            Ok(())
        });
        match result {
            Err(e) if std::error::Error::source(&e).is_some_and(|s| s.is::<Stopped>()) => Ok(()),
            Err(e) => Err(e.in_statement(0)),
            Ok(()) => self
                .rebuilder
                .complete_roots()
                .map(drop)
                .map_err(Into::into),
        }
    }

    /// Several statements side by side, root by root.
    fn side_by_side<D: Driver>(
        &mut self,
        driver: &mut D,
        compiled: &Compiled<'_>,
    ) -> Result<(), ExecError> {
        let statements: Vec<(&str, &[Value])> = compiled
            .statements
            .iter()
            .map(|s| (&*s.sql, s.params.as_slice()))
            .collect();
        let widths: Vec<usize> = (0..statements.len())
            .map(|k| compiled.statement_width(k))
            .collect();
        driver.side_by_side(&statements, |open| {
            // Per statement, the row read ahead of its turn (empty: none).
            let mut held: Vec<Vec<Value>> = vec![Vec::new(); statements.len()];
            let mut ended = vec![false; statements.len()];
            loop {
                if !self.fill(open, 0, &widths, &mut held, &mut ended)? {
                    break;
                }
                let key = held
                    .first()
                    .and_then(|row| row.get(self.root_key))
                    .cloned()
                    .unwrap_or(Value::Null);
                for k in 0..statements.len() {
                    self.rebuilder.begin_statement(k)?;
                    while self.fill(open, k, &widths, &mut held, &mut ended)? {
                        let Some(row) = held
                            .get_mut(k)
                            .filter(|r| r.get(self.root_key) == Some(&key))
                        else {
                            break;
                        };
                        self.rebuilder.push(row.as_mut_slice())?;
                        row.clear();
                    }
                }
                if self.rebuilder.complete_roots()? == ControlFlow::Break(()) {
                    return Ok(());
                }
            }
            // A later statement's row of a root statement 0 did not return: the rebuild
            // knows no such root (`UnknownKey`).
            for (k, row) in held.iter_mut().enumerate().skip(1) {
                if !row.is_empty() {
                    self.rebuilder.begin_statement(k)?;
                    self.rebuilder.push(row.as_mut_slice())?;
                }
            }
            Ok(())
        })
    }

    /// Makes `held[k]` the next row of statement `k` unless it holds one; whether it
    /// does.
    fn fill<D: Driver>(
        &mut self,
        open: &mut dyn SideBySide<D>,
        k: usize,
        widths: &[usize],
        held: &mut [Vec<Value>],
        ended: &mut [bool],
    ) -> Result<bool, ExecError> {
        let (Some(row), Some(end)) = (held.get_mut(k), ended.get_mut(k)) else {
            return Ok(false);
        };
        if !row.is_empty() {
            return Ok(true);
        }
        if *end {
            return Ok(false);
        }
        let cursor = &mut self.cursor;
        cursor.begin(k, widths.get(k).copied().unwrap_or(0));
        let read = open
            .next(k, &mut |r| {
                let values = cursor.read(r)?;
                row.extend(values.iter_mut().map(std::mem::take));
                cursor.advance();
                Ok(())
            })
            .map_err(|e| e.in_statement(k))?;
        *end = !read;
        Ok(read)
    }
}
