//! [`SideConnections`]: the connections a [`MySqlDriver`](crate::MySqlDriver) reads a
//! query's later statements on when it streams several side by side
//! ([`Driver::side_by_side`](relq_exec::Driver::side_by_side)).
//!
//! Why: the MySQL client/server protocol carries one result set at a time on a
//! connection (a result's rows must all be read before the next command: MySQL
//! "Client/Server Protocol", COM_QUERY / COM_STMT_EXECUTE response), and the `mysql`
//! crate has no server-side cursor (`COM_STMT_FETCH`). So statement 0 is read on the
//! driver's connection and statement `k` on side connection `k - 1`, each streamed
//! from its own socket.
//!
//! One snapshot cannot span several connections on MySQL or MariaDB: a consistent read
//! view is a session's own (MariaDB KB "START TRANSACTION", MySQL
//! innodb-consistent-read.html), and neither has PostgreSQL's exported snapshots
//! (`pg_export_snapshot()` / `SET TRANSACTION SNAPSHOT`). So in relq's read snapshot
//! (the driver's [`begin_snapshot`](relq_exec::Driver::begin_snapshot)) each side
//! connection opens its own with the statements the driver's was opened with
//! (`SNAPSHOT_ISOLATION` and the dialect's `read_snapshot`, `START TRANSACTION WITH
//! CONSISTENT SNAPSHOT, READ ONLY`) right after the driver's, before any statement runs,
//! and ends it (`COMMIT`) when the statements are closed: every statement reads one
//! snapshot from its first row to its last, and the snapshots are taken a few round
//! trips apart (no statement's execution between them). A write that commits inside
//! that window can be seen by some statements and not others; a later one by none.
//! Inside the caller's transaction the side connections read what is committed, as
//! their own sessions.
//!
//! Invariants: a side connection's session is set up as the driver's, for the same
//! engines ([`set_up_session`](crate::set_up_session)), before its first statement; it reads the
//! database the driver's connection is in (`SELECT DATABASE()` before each query of
//! several statements: a `USE` on the driver's connection moves the query, and the side
//! connections are opened again in the new database, so no statement they prepared in
//! the old one is read).

use mysql::prelude::Queryable;
use mysql::{Binary, QueryResult};
use relq_exec::{ExecError, SideBySide};
use relq_plan::Value;

use crate::exec::{MySqlDriver, MySqlRow, driver, positional};
use crate::session::Engines;

/// Connections opened on first use from `opts` and kept for the next query.
pub struct SideConnections {
    opts: mysql::Opts,
    /// The database the connections were opened in.
    database: Option<String>,
    conns: Vec<mysql::Conn>,
}

impl SideConnections {
    /// Side connections to the server `opts` names (the driver's own), none open yet.
    pub fn new(opts: mysql::Opts) -> Self {
        Self {
            opts,
            database: None,
            conns: Vec::new(),
        }
    }

    /// At least `count` connections in `database`, their sessions set up (those open in
    /// another database closed first).
    ///
    /// # Errors
    /// The driver's error connecting or setting a session up.
    fn open(
        &mut self,
        count: usize,
        database: Option<String>,
        engines: Engines,
    ) -> Result<&mut [mysql::Conn], ExecError> {
        if database != self.database {
            self.conns.clear();
            self.database = database;
        }
        while self.conns.len() < count {
            let opts = mysql::OptsBuilder::from_opts(self.opts.clone()).db_name(
                self.database
                    .clone()
                    .or_else(|| self.opts.get_db_name().map(ToOwned::to_owned)),
            );
            let mut conn = mysql::Conn::new(opts).map_err(driver)?;
            crate::set_up_session(&mut conn, engines)?;
            self.conns.push(conn);
        }
        Ok(self.conns.get_mut(..count).unwrap_or_default())
    }
}

/// The statements of one [`MySqlDriver::side_by_side`]: each one's result, read as
/// its rows arrive.
pub(crate) struct Results<'c> {
    results: Vec<Option<QueryResult<'c, 'c, 'c, Binary>>>,
}

/// Runs `statements` side by side: the first on `conn`, each later one on a side
/// connection from `side` (in a snapshot of its own when `snapshot`, the statements
/// that opened the driver's, is given), and calls `body` with them open.
///
/// # Errors
/// Several statements without side connections are a driver error saying so
/// ([`MySqlDriver::with_side_connections`]); else the driver's, or `body`'s.
pub(crate) fn run<'d, T, B>(
    conn: &mut mysql::Conn,
    mut side: Option<(&mut SideConnections, Engines)>,
    snapshot: Option<&str>,
    statements: &[(&str, &[Value])],
    body: B,
) -> Result<T, ExecError>
where
    B: FnOnce(&mut dyn SideBySide<MySqlDriver<'d>>) -> Result<T, ExecError>,
{
    let others = match (statements.len(), side.as_mut()) {
        (0 | 1, _) => Default::default(),
        (_, None) => {
            let message = "MySQL reads one result at a time per connection: reading \
                           several statements side by side needs side connections \
                           (MySqlDriver::with_side_connections)";
            return Err(ExecError::driver(None, message, message));
        }
        (n, Some((side, engines))) => {
            // The database the driver's connection is in now (a `USE` may have moved it).
            let database: Option<Option<String>> =
                conn.query_first("SELECT DATABASE()").map_err(driver)?;
            side.open(n - 1, database.flatten(), *engines)?
        }
    };
    let mut begun = 0;
    let mut result = Ok(());
    if let Some(begin) = snapshot {
        while let Some(side) = others.get_mut(begun) {
            result = side.query_drop(begin).map_err(driver);
            if result.is_err() {
                break;
            }
            begun += 1;
        }
    }
    let result = result.and_then(|()| read(conn, others, statements, body));
    let ended = others
        .get_mut(..begun)
        .unwrap_or_default()
        .iter_mut()
        .all(|side| {
            side.query_drop(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })
                .is_ok()
        });
    if !ended && let Some((side, _)) = side {
        // A connection whose snapshot did not end is closed (the server ends its
        // transaction), so no later query reads an old snapshot there.
        side.conns.clear();
    }
    result
}

/// Opens `statements` on `conn` and `others` and calls `body` with them open; every
/// result is closed (its rows not read dropped) when it returns.
fn read<'d, T, B>(
    conn: &mut mysql::Conn,
    others: &mut [mysql::Conn],
    statements: &[(&str, &[Value])],
    body: B,
) -> Result<T, ExecError>
where
    B: FnOnce(&mut dyn SideBySide<MySqlDriver<'d>>) -> Result<T, ExecError>,
{
    let conns = std::iter::once(conn).chain(others.iter_mut());
    let mut open = Results {
        results: Vec::with_capacity(statements.len()),
    };
    for (conn, (sql, params)) in conns.zip(statements) {
        let prepared = conn.prep(*sql).map_err(driver)?;
        let result = conn
            .exec_iter(prepared, positional(params))
            .map_err(driver)?;
        open.results.push(Some(result));
    }
    body(&mut open)
}

impl<'d> SideBySide<MySqlDriver<'d>> for Results<'_> {
    fn next<'a>(
        &mut self,
        index: usize,
        on_row: &'a mut (dyn FnMut(&mut MySqlRow<'_>) -> Result<(), ExecError> + 'a),
    ) -> Result<bool, ExecError>
    where
        MySqlDriver<'d>: 'a,
    {
        let Some(slot) = self.results.get_mut(index) else {
            return Ok(false);
        };
        let Some(row) = slot.as_mut().and_then(Iterator::next) else {
            *slot = None;
            return Ok(false);
        };
        let mut row = row.map_err(driver)?;
        on_row(&mut MySqlRow(&mut row)).map(|()| true)
    }
}
