//! [`apply`]: runs a compiled batch of writes ([`CompiledWrite`], relq-write) on a
//! [`Driver`], all or nothing.
//!
//! The batch runs in one transaction: the dialect's own (`BEGIN`, `BEGIN IMMEDIATE`,
//! `START TRANSACTION`), or a savepoint when the caller has one open
//! ([`Driver::in_transaction`]). On any error the transaction (or the savepoint) is
//! rolled back before the error is returned, so no half of a chunked insert, no link
//! without its target, is left behind; when the connection itself is lost the server
//! rolls the open transaction back. A batch with no statement sends nothing, not even
//! `BEGIN` (SeaORM#1376's lesson).
//!
//! Invariant: the loop reads each step's [`Action`] and [`When`] as relq-write wrote
//! them; it decides nothing about SQL.

use std::collections::HashSet;

use relq_plan::{Value, ValueKey};
use relq_write::{Action, CompiledWrite, Param, Step, When, WritePlan};

use crate::driver::{Driver, ResultRow};
use crate::error::{Constraint, ExecError, ExecErrorKind};

/// What one operation did.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The operation's name (`add`).
    pub op: &'static str,
    /// The model it named.
    pub model: String,
    /// Rows inserted, updated or deleted, as the database counts them: MySQL and
    /// MariaDB count the rows whose values changed (an `UPDATE` setting a row to the
    /// values it had counts 0; mysql_affected_rows()), SQLite and PostgreSQL every row
    /// matched. Links `add` inserts count 1 each, links that existed 0, on all three.
    pub affected: u64,
    /// Primary keys the operation inserted (in row order) or found.
    pub keys: Vec<Value>,
    /// Whether the record was created (`get_or_create`, `update_or_create`); `None` for
    /// other operations.
    pub created: Option<bool>,
}

/// The savepoint a batch runs in inside the caller's transaction.
const BATCH: &str = "relq_batch";
/// The savepoint around an insert that may meet a concurrent one.
const RETRY: &str = "relq_retry";

/// Runs `write` on `driver` in one transaction (or a savepoint of the caller's), and
/// reports per operation what it did.
///
/// # Errors
/// The first failure, after rolling back everything the batch did:
/// [`ExecErrorKind::Violation`] for a broken constraint (naming the operation, the
/// model and the driver's message), [`ExecErrorKind::Missing`] for targets that do not
/// exist, [`ExecErrorKind::LookupNotUnique`], or [`ExecErrorKind::Write`] for any other
/// driver error (a lost connection among them).
pub fn apply<D: Driver>(driver: &mut D, write: &CompiledWrite) -> Result<Vec<Outcome>, ExecError> {
    if write.statement_count() == 0 {
        return Ok(write
            .operations
            .iter()
            .map(|plan| Outcome::of(plan, State::default()))
            .collect());
    }
    let nested = driver.in_transaction()?;
    if nested {
        driver.run(&format!("SAVEPOINT {BATCH}"), &[])?;
    } else {
        driver.run(write.begin, &[])?;
    }
    let done = write
        .operations
        .iter()
        .enumerate()
        .map(|(index, plan)| run_operation(driver, index, plan))
        .collect::<Result<Vec<_>, _>>();
    let end = match (&done, nested) {
        (Ok(_), true) => format!("RELEASE SAVEPOINT {BATCH}"),
        (Ok(_), false) => "COMMIT".to_owned(),
        (Err(_), true) => format!("ROLLBACK TO SAVEPOINT {BATCH}"),
        (Err(_), false) => "ROLLBACK".to_owned(),
    };
    match done {
        Ok(outcomes) => {
            if let Err(e) = driver.run(&end, &[]) {
                let _ = driver.run("ROLLBACK", &[]);
                return Err(e);
            }
            Ok(outcomes)
        }
        Err(e) => {
            // The batch's error is the one to report; a rollback that fails too (a lost
            // connection) leaves the server to roll back.
            if driver.run(&end, &[]).is_ok() && nested {
                let _ = driver.run(&format!("RELEASE SAVEPOINT {BATCH}"), &[]);
            }
            Err(e)
        }
    }
}

/// What an operation's steps have found so far.
#[derive(Default)]
struct State {
    affected: u64,
    keys: Vec<Value>,
    found: Option<Value>,
    created: bool,
}

impl Outcome {
    fn of(plan: &WritePlan, state: State) -> Self {
        Outcome {
            op: plan.op,
            model: plan.model.clone(),
            affected: state.affected,
            keys: state.keys,
            created: plan.reports_created.then_some(state.created),
        }
    }
}

/// Runs one operation's steps; an insert that meets a concurrent one's unique key
/// rolls back to its savepoint and the operation runs again from its first step, once.
fn run_operation<D: Driver>(
    driver: &mut D,
    index: usize,
    plan: &WritePlan,
) -> Result<Outcome, ExecError> {
    let mut retried = false;
    'again: loop {
        let mut state = State::default();
        for step in &plan.steps {
            let runs = match step.when {
                When::Always => true,
                When::Found => state.found.is_some(),
                When::NotFound => state.found.is_none(),
            };
            if !runs {
                continue;
            }
            let fail = |driver: &D, e: ExecError| failure(driver, e, index, plan, step);
            let params = bind(step, &state).map_err(|e| fail(driver, e))?;
            match &step.action {
                Action::Change { keys } => {
                    state.affected += driver
                        .run_refs(&step.sql, &params)
                        .map_err(|e| fail(driver, e))?;
                    record(&mut state, keys.clone());
                }
                Action::Keys {
                    created,
                    at_most_one,
                    changes,
                } => {
                    let keys = query_keys(driver, step, &params).map_err(|e| fail(driver, e))?;
                    if *at_most_one && keys.len() > 1 {
                        return Err(ExecErrorKind::LookupNotUnique {
                            operation: index,
                            op: plan.op,
                            model: step.model.clone(),
                        }
                        .into());
                    }
                    if *changes {
                        state.affected += keys.len() as u64;
                    }
                    state.created |= *created && !keys.is_empty();
                    record(&mut state, keys);
                }
                Action::Require { keys, owner } => {
                    let found = query_keys(driver, step, &params).map_err(|e| fail(driver, e))?;
                    // A set, not `found.contains`: that compared every key with every
                    // row, 50 M comparisons for an `add` of 10 000 targets.
                    let found: HashSet<ValueKey<'_>> = found.iter().map(ValueKey).collect();
                    let missing: Vec<String> = keys
                        .iter()
                        .filter(|k| !found.contains(&ValueKey(k)))
                        .map(shown)
                        .collect();
                    if !missing.is_empty() {
                        return Err(ExecErrorKind::Missing {
                            operation: index,
                            op: plan.op,
                            model: step.model.clone(),
                            keys: missing,
                            owner: owner.as_ref().map(|(m, k)| (m.clone(), shown(k))),
                        }
                        .into());
                    }
                }
                Action::InsertOrRetry { returning, keys } => {
                    driver
                        .run(&format!("SAVEPOINT {RETRY}"), &[])
                        .map_err(|e| fail(driver, e))?;
                    let inserted = if *returning {
                        query_keys(driver, step, &params)
                    } else {
                        driver.run_refs(&step.sql, &params).map(|_| keys.clone())
                    };
                    match inserted {
                        Ok(new) => {
                            driver
                                .run(&format!("RELEASE SAVEPOINT {RETRY}"), &[])
                                .map_err(|e| fail(driver, e))?;
                            state.affected += 1;
                            state.created = true;
                            record(&mut state, new);
                        }
                        Err(e) if !retried && driver.violation(&e) == Some(Constraint::Unique) => {
                            driver
                                .run(&format!("ROLLBACK TO SAVEPOINT {RETRY}"), &[])
                                .map_err(|e| fail(driver, e))?;
                            driver
                                .run(&format!("RELEASE SAVEPOINT {RETRY}"), &[])
                                .map_err(|e| fail(driver, e))?;
                            retried = true;
                            continue 'again;
                        }
                        Err(e) => return Err(fail(driver, e)),
                    }
                }
            }
        }
        return Ok(Outcome::of(plan, state));
    }
}

/// Keys a step produced: reported, and the first is the operation's found record.
fn record(state: &mut State, keys: Vec<Value>) {
    if state.found.is_none() {
        state.found = keys.first().cloned();
    }
    state.keys.extend(keys);
}

/// The step's parameters, with the found key where it stands; borrowed, not copied (a
/// 1 000-row insert's 3 000 values).
fn bind<'a>(step: &'a Step, state: &'a State) -> Result<Vec<&'a Value>, ExecError> {
    step.params
        .iter()
        .map(|p| match p {
            Param::Value(v) => Ok(v),
            Param::Found => state.found.as_ref().ok_or_else(|| {
                let message = "a step reads a key no earlier step found";
                ExecError::driver(None, message, message)
            }),
        })
        .collect()
}

/// The first column of every row, read as the model's primary key.
fn query_keys<D: Driver>(
    driver: &mut D,
    step: &Step,
    params: &[&Value],
) -> Result<Vec<Value>, ExecError> {
    let mut keys = Vec::new();
    driver.query_refs(&step.sql, params, |row| {
        let key = row.read(0, Some(step.key_kind)).map_err(|e| match e {
            crate::error::ReadFailure::Driver(e) => e,
            crate::error::ReadFailure::Unreadable(found) => {
                ExecError::unreadable(keys.len(), 0, None, found)
            }
        })?;
        keys.push(key);
        Ok(())
    })?;
    Ok(keys)
}

/// A driver's error as the operation's: a broken constraint named as such.
fn failure<D: Driver>(
    driver: &D,
    e: ExecError,
    operation: usize,
    plan: &WritePlan,
    step: &Step,
) -> ExecError {
    match driver.violation(&e) {
        Some(constraint) => ExecErrorKind::Violation {
            operation,
            op: plan.op,
            model: step.model.clone(),
            constraint,
            message: e.to_string(),
            source: Box::new(e),
        },
        None => ExecErrorKind::Write {
            operation,
            op: plan.op,
            model: step.model.clone(),
            source: Box::new(e),
        },
    }
    .into()
}

/// A key in a message: its text, or its number.
fn shown(key: &Value) -> String {
    match key {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "NULL".to_owned(),
        Value::Bytes(b) => format!("{b:?}"),
        other => format!("{:?}", other.as_text().unwrap_or_default()),
    }
}
