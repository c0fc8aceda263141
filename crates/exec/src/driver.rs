//! The contract between the execution loop and a database driver: run one statement with
//! its parameters bound and hand each result row over, read a value of a row as the kind
//! the plan expects, run a statement that returns no rows. Each dialect crate implements
//! it once for its driver (rusqlite, postgres, mysql), with its own value conversions;
//! everything else about executing a query is [`fetch`](crate::fetch)'s, written once.
//!
//! Invariant: an implementation never panics; every failure is an [`ExecError`] (a
//! driver's without a statement index: the loop adds it) or, for one value, a
//! [`ReadFailure`].

use relq_plan::{Value, ValueKind};

use crate::error::{Constraint, ExecError, ReadFailure};

/// One result row as a driver holds it.
pub trait ResultRow {
    /// How many columns the row has.
    fn width(&self) -> usize;

    /// The value at `position` (0-based) read as `kind`, the kind the plan expects there
    /// (`None`: a position the plan does not read, read as the driver's own kind). A
    /// driver may take the value out of its row: the loop reads each position once.
    ///
    /// # Errors
    /// [`ReadFailure::Driver`] when the driver fails, [`ReadFailure::Unreadable`] with a
    /// short description of the value (`REAL 1.5`) when it is not of that kind.
    fn read(&mut self, position: usize, kind: Option<ValueKind>) -> Result<Value, ReadFailure>;
}

/// Statements open at once on one [`Driver`], each read a row at a time
/// ([`Driver::side_by_side`]).
pub trait SideBySide<D: Driver + ?Sized> {
    /// Reads the next row of statement `index` (0-based, among those opened) and hands
    /// it to `on_row`; `Ok(false)`, without calling it, when the statement has no more
    /// rows (or `index` names none).
    ///
    /// # Errors
    /// The driver's error reading the row ([`ExecError::driver`] without a statement
    /// index), or `on_row`'s.
    fn next<'a>(
        &mut self,
        index: usize,
        on_row: &'a mut (dyn FnMut(&mut D::Row<'_>) -> Result<(), ExecError> + 'a),
    ) -> Result<bool, ExecError>
    where
        D: 'a;
}

/// A connection relq runs statements on.
pub trait Driver {
    /// The row type handed to [`query`](Self::query)'s callback.
    type Row<'r>: ResultRow;

    /// Runs `sql` with `params` bound, one value per placeholder in order, and calls
    /// `on_row` with each result row as it arrives (never all of them held at once),
    /// stopping at its first error.
    ///
    /// # Errors
    /// The driver's error preparing, binding, running or reading ([`ExecError::driver`]
    /// with no statement index), or `on_row`'s.
    fn query<F>(&mut self, sql: &str, params: &[Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut Self::Row<'_>) -> Result<(), ExecError>;

    /// Runs `sql`, which returns no rows (`CREATE TABLE`, `INSERT`, `BEGIN`), with
    /// `params` bound; the number of rows it changed.
    ///
    /// # Errors
    /// The driver's error ([`ExecError::driver`] with no statement index).
    fn run(&mut self, sql: &str, params: &[Value]) -> Result<u64, ExecError>;

    /// [`query`](Self::query) with the parameters given by reference, as a compiled
    /// write holds them: a driver that binds from references overrides it, so a 1 000-row
    /// insert's values are not copied before the driver converts them. The default
    /// copies them and calls `query`.
    ///
    /// # Errors
    /// As [`query`](Self::query).
    fn query_refs<F>(&mut self, sql: &str, params: &[&Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut Self::Row<'_>) -> Result<(), ExecError>,
    {
        let owned: Vec<Value> = params.iter().map(|v| (*v).clone()).collect();
        self.query(sql, &owned, on_row)
    }

    /// [`run`](Self::run) with the parameters given by reference (see
    /// [`query_refs`](Self::query_refs)). The default copies them and calls `run`.
    ///
    /// # Errors
    /// As [`run`](Self::run).
    fn run_refs(&mut self, sql: &str, params: &[&Value]) -> Result<u64, ExecError> {
        let owned: Vec<Value> = params.iter().map(|v| (*v).clone()).collect();
        self.run(sql, &owned)
    }

    /// Opens `statements` (each `(sql, params)`) at once and calls `body`, which reads
    /// their rows in any interleaving through [`SideBySide::next`] (a streaming fetch
    /// of several statements advances each root by root); every statement is closed
    /// when `body` returns. How each driver keeps several results open on one
    /// connection is its own (its docs say; SQLite steps several prepared statements,
    /// PostgreSQL reads portals in batches inside a transaction, MySQL reads the later
    /// statements on side connections).
    ///
    /// The default, for a driver that reads one result at a time, refuses.
    ///
    /// # Errors
    /// The driver's error opening or reading a statement ([`ExecError::driver`] without
    /// a statement index), or `body`'s; the default's driver error saying it cannot.
    fn side_by_side<T, B>(
        &mut self,
        statements: &[(&str, &[Value])],
        body: B,
    ) -> Result<T, ExecError>
    where
        B: FnOnce(&mut dyn SideBySide<Self>) -> Result<T, ExecError>,
    {
        let _ = (statements, body);
        let message = "this driver reads one statement at a time, not several side by side";
        Err(ExecError::driver(None, message, message))
    }

    /// Opens a read-only transaction whose statements all read one snapshot, with
    /// `begin`, the dialect's [`Caps::read_snapshot`](relq_sql::Caps::read_snapshot)
    /// (the `snapshot` module of this crate calls it, and
    /// [`end_snapshot`](Self::end_snapshot) after). The default runs `begin`; a driver
    /// whose other methods depend on the open transaction (PostgreSQL's portals, MySQL's
    /// side connections) overrides both to know it.
    ///
    /// # Errors
    /// The driver's.
    fn begin_snapshot(&mut self, begin: &str) -> Result<(), ExecError> {
        self.run(begin, &[]).map(drop)
    }

    /// Ends the transaction [`begin_snapshot`](Self::begin_snapshot) opened: `COMMIT`
    /// after a read that succeeded (or was stopped), `ROLLBACK` after a failed one (read
    /// only, the two change nothing; after a failed statement PostgreSQL accepts only
    /// `ROLLBACK`). The default runs it.
    ///
    /// # Errors
    /// The driver's.
    fn end_snapshot(&mut self, succeeded: bool) -> Result<(), ExecError> {
        self.run(if succeeded { "COMMIT" } else { "ROLLBACK" }, &[])
            .map(drop)
    }

    /// Whether a transaction is open on the connection (the caller's), so a write runs
    /// in a savepoint of it rather than in a transaction of its own, and a read of
    /// several statements reads inside it rather than in a snapshot of its own.
    ///
    /// # Errors
    /// The driver's, where it must ask the server.
    fn in_transaction(&mut self) -> Result<bool, ExecError>;

    /// The constraint `error` (one of this driver's) reports broken, from the driver's
    /// own codes; `None` for any other error.
    fn violation(&self, error: &ExecError) -> Option<Constraint>;
}

/// A row of values the caller already read (an embedder's own driver, a test): each
/// value is handed over as it is when it is NULL or of the expected kind, an integer
/// where a float is expected as that float; anything else is unreadable.
impl ResultRow for [Value] {
    fn width(&self) -> usize {
        self.len()
    }

    fn read(&mut self, position: usize, kind: Option<ValueKind>) -> Result<Value, ReadFailure> {
        let Some(slot) = self.get_mut(position) else {
            return Err(ReadFailure::Unreadable("no value".to_owned()));
        };
        match (std::mem::take(slot), kind) {
            (Value::Int(i), Some(ValueKind::Float)) => Ok(Value::Float(i as f64)),
            (value, Some(kind)) => match value.kind() {
                Some(found) if found != kind => {
                    Err(ReadFailure::Unreadable(format!("a {} value", found.name())))
                }
                _ => Ok(value),
            },
            (value, _) => Ok(value),
        }
    }
}
