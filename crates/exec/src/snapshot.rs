//! One snapshot per read: the statements of one [`fetch`](crate::fetch) or
//! [`stream`](crate::stream) (split and auto's lists, each chunk of bound root keys, a
//! stream's statements read side by side) run in ONE read-only transaction that reads
//! one snapshot of the database, opened with the dialect's
//! [`Caps::read_snapshot`](relq_sql::Caps::read_snapshot) (PostgreSQL `START TRANSACTION ISOLATION LEVEL REPEATABLE
//! READ, READ ONLY`; MySQL / MariaDB `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ
//! ONLY`; SQLite a deferred `BEGIN`) and ended with `COMMIT` or `ROLLBACK`. So a write
//! committed by another connection between two statements cannot give a parent without
//! its new child, a child under a parent it left, or a parent renamed in one statement
//! and not in the next.
//!
//! No transaction is opened:
//! - for a read of one statement (joined, json, a terminal): one statement already reads
//!   one snapshot, and a transaction would cost two round trips;
//! - inside a transaction the caller has open ([`Driver::in_transaction`]): the reads
//!   run in it and see what it sees (its own uncommitted writes among them), and it is
//!   never ended here (a `START TRANSACTION` there would commit it on MySQL).
//!
//! Invariants: the transaction opened here is ended here, once, whatever the read did:
//! `COMMIT` after success or a visitor's `Break`, `ROLLBACK` after an error (whose
//! error is the one returned; a failed `ROLLBACK` adds nothing, the server ends the
//! transaction when the connection goes). Where one snapshot cannot span the
//! connections a driver reads on (MySQL's side connections), the driver's docs say what
//! it does.

use relq_sql::Compiled;

use crate::driver::Driver;
use crate::error::ExecError;

/// Runs `read` (the statements of `compiled`) on `driver` in one read-only snapshot
/// transaction when `compiled` has several statements and the caller has none open;
/// else as it is.
///
/// # Errors
/// `read`'s; the driver's opening the transaction, or committing it after `read`
/// succeeded.
pub(crate) fn in_snapshot<D: Driver, T>(
    driver: &mut D,
    compiled: &Compiled<'_>,
    read: impl FnOnce(&mut D) -> Result<T, ExecError>,
) -> Result<T, ExecError> {
    if compiled.statements.len() < 2 || driver.in_transaction()? {
        return read(driver);
    }
    driver.begin_snapshot(compiled.caps.read_snapshot)?;
    match read(driver) {
        Ok(value) => {
            driver.end_snapshot(true)?;
            Ok(value)
        }
        Err(e) => {
            let _ = driver.end_snapshot(false);
            Err(e)
        }
    }
}
