//! [`Steps`]: a compiled query run by its caller, statement by statement, on the
//! caller's own driver and connection (an ORM that keeps its driver embeds relq so): the
//! next statement to run with its parameters, then its rows fed back, until the answer.
//! [`fetch`](crate::fetch) is this loop over a [`Driver`](crate::Driver). The records
//! go to relq's [`Record`](relq_rows::Record)s ([`Steps::new`]), or to the caller's
//! [`Visitor`] ([`Steps::with_visitor`], [`fetch_with`](crate::fetch_with)'s loop).
//!
//! The steps are known only as the rows arrive: a statement that binds the root keys
//! ([`Roots::Keys`](relq_plan::Roots)) runs once per chunk of the keys statement 0
//! returned, so its runs are made when statement 0's rows were fed.
//!
//! [`fetch`](crate::fetch) runs the steps of a query of several statements in one
//! read-only snapshot transaction (`snapshot.rs`); a caller driving them on its own
//! connection opens it the same way, with the dialect's
//! [`Caps::read_snapshot`](relq_sql::Caps::read_snapshot) before the first run (on MySQL
//! and MariaDB after `relq_mysql::SNAPSHOT_ISOLATION`, the snapshot holding in REPEATABLE
//! READ only) and `COMMIT` after the last, or runs them inside a transaction of its own.
//!
//! Invariant: the runs come in [`fetch`](crate::fetch)'s order, and the answer from the
//! same rows is `fetch`'s; a row fed when no run is out, or after a failure, is an error,
//! never silently taken.

use std::collections::VecDeque;

use relq_rows::{ExpectedColumn, Rebuilder, Records, Visitor};
use relq_sql::{Compiled, Delivery, Run};

use crate::answer::{not_records, picked};
use crate::cursor::Cursor;
use crate::driver::ResultRow;
use crate::error::{ExecError, ExecErrorKind};
use crate::fetch::Fetched;
use crate::sink::{Ended, Sink};
use crate::stream::Streamed;

/// A compiled query run step by step by its caller.
///
/// ```
/// use relq_exec::Steps;
/// use relq_graph::SchemaDef;
/// use relq_plan::{Query, Strategy, Value};
/// use relq_sql::{Ansi, compile};
/// let graph = SchemaDef::from_toml(include_str!("../../../schemas/person.toml"))?.build()?;
/// let query = Query::new("Person").select_related("employees").strategy(Strategy::Split);
/// let compiled = compile(&graph, &query, &Ansi::default())?;
/// let mut steps = Steps::new(&compiled)?;
/// // Statement 0: the persons (id, name, supervisor_id); the caller's driver runs it.
/// let run = steps.next_run().expect("statement 0");
/// assert!(run.sql.starts_with("SELECT"));
/// for mut row in [[Value::Int(1), Value::Text("Ann".into()), Value::Null]] {
///     steps.push(&mut row[..])?;
/// }
/// // Statement 1: each person's employees (the person's key, then the employee's row).
/// let run = steps.next_run().expect("statement 1");
/// assert!(run.sql.contains("INNER JOIN"));
/// assert!(steps.next_run().is_none());
/// let fetched = steps.finish()?;
/// assert_eq!(fetched.answer.into_records()?.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Steps<'c, V: Visitor = Records> {
    compiled: &'c Compiled<'c>,
    cursor: Cursor<'c>,
    sink: Sink<'c, V>,
    /// The statement whose runs are handed out; `None` before the first.
    statement: Option<usize>,
    /// Its runs not handed out yet.
    runs: VecDeque<Run<'c>>,
    /// Whether a run is out, its rows to be fed.
    out: bool,
}

impl<'c> Steps<'c> {
    /// The steps of `compiled`, none run yet; its records are rebuilt into
    /// [`Record`](relq_rows::Record)s.
    ///
    /// # Errors
    /// A plan the rebuild rejects ([`ExecErrorKind::Rebuild`](crate::ExecErrorKind)).
    pub fn new(compiled: &'c Compiled<'c>) -> Result<Self, ExecError> {
        let plan = &compiled.plan;
        Self::start(
            compiled,
            Sink::new(plan, || Rebuilder::new(&plan.extraction))?,
        )
    }

    /// The query's answer and the rows read, once every run's rows were fed.
    ///
    /// # Errors
    /// Statements not run yet ([`ExecError::driver`]); the rebuild's error; `get`'s
    /// [`NoMatch`](crate::ExecErrorKind::NoMatch) and
    /// [`MultipleMatches`](crate::ExecErrorKind::MultipleMatches).
    pub fn finish(self) -> Result<Fetched, ExecError> {
        let (ended, rows) = self.end()?;
        let answer = match ended {
            Ended::Records(records, pick) => picked(pick, records),
            Ended::Other(answer) => answer,
        };
        Ok(Fetched { answer, rows })
    }
}

impl<'c, V: Visitor> Steps<'c, V> {
    /// The steps of `compiled`, none run yet, its records handed to `visitor` (as
    /// [`Rebuilder::with_visitor`] does): every root the statements return, in order
    /// (`first` and `last` read one at most; `get` and `get_or_none` two, and
    /// [`finish_visitor`](Self::finish_visitor) checks there is one).
    ///
    /// # Errors
    /// [`NotRecords`](crate::ExecErrorKind::NotRecords) for a query that returns no
    /// records (`count`, `exists`, `values`, `aggregate`: use [`Steps::new`]); a plan the
    /// rebuild rejects ([`ExecErrorKind::Rebuild`](crate::ExecErrorKind)).
    pub fn with_visitor(compiled: &'c Compiled<'c>, visitor: V) -> Result<Self, ExecError> {
        let plan = &compiled.plan;
        if let Some(found) = not_records(&plan.output) {
            return Err(ExecErrorKind::NotRecords { found }.into());
        }
        let rebuilder = || Rebuilder::with_visitor(&plan.extraction, visitor);
        Self::start(compiled, Sink::new(plan, rebuilder)?)
    }

    fn start(
        compiled: &'c Compiled<'c>,
        (sink, columns): (Sink<'c, V>, Vec<ExpectedColumn>),
    ) -> Result<Self, ExecError> {
        let plan = &compiled.plan;
        let json_lists = compiled.delivery == Delivery::Json;
        let keyed = !compiled.is_static();
        Ok(Self {
            compiled,
            cursor: Cursor::new(&plan.extraction, columns, json_lists, keyed),
            sink,
            statement: None,
            runs: VecDeque::new(),
            out: false,
        })
    }

    /// The compiled query these are the steps of.
    pub(crate) fn compiled(&self) -> &'c Compiled<'c> {
        self.compiled
    }

    /// The next statement to run, its text in the compiled dialect's placeholder style
    /// and one parameter per placeholder; `None` when every statement ran (then
    /// [`finish`](Self::finish)). Feed its rows with [`push`](Self::push) before asking
    /// for the next: a later statement may bind the keys of the roots they hold.
    pub fn next_run(&mut self) -> Option<Run<'c>> {
        loop {
            if let Some(run) = self.runs.pop_front() {
                self.out = true;
                return Some(run);
            }
            let index = self.statement.map_or(0, |s| s + 1);
            if index >= self.compiled.statements.len() {
                self.out = false;
                return None;
            }
            self.statement = Some(index);
            self.cursor
                .begin(index, self.compiled.statement_width(index));
            // The sink's error is the rebuild's on a plan it already took: raised again
            // by the next push or by finish.
            let _ = self.sink.begin_statement(index);
            self.runs = self.compiled.runs(index, self.cursor.root_keys()).into();
        }
    }

    /// The index of the statement whose run is out (0-based), for a message.
    pub fn statement(&self) -> usize {
        self.statement.unwrap_or(0)
    }

    /// Takes one row of the run last handed out, read as the kinds the plan expects.
    ///
    /// # Errors
    /// A row when no run is out ([`ExecError::driver`]); a value the row cannot give as
    /// the expected kind ([`Unreadable`](crate::ExecErrorKind::Unreadable)); the
    /// rebuild's error.
    pub fn push<R: ResultRow + ?Sized>(&mut self, row: &mut R) -> Result<(), ExecError> {
        if !self.out {
            let message = "a row was fed with no statement run (call next_run first)";
            return Err(ExecError::driver(None, message, message));
        }
        let number = self.cursor.row();
        self.sink.push(self.cursor.read(row)?, number)?;
        self.cursor.advance();
        Ok(())
    }

    /// The visitor's output and the rows read, once every run's rows were fed.
    ///
    /// # Errors
    /// As [`Steps::finish`]'s.
    pub fn finish_visitor(self) -> Result<Streamed<V::Output>, ExecError> {
        let output = &self.compiled.plan.output;
        match self.end()? {
            (Ended::Records(output, _), rows) => Ok(Streamed { output, rows }),
            // `with_visitor` took records only.
            (Ended::Other(_), _) => {
                let found = not_records(output).unwrap_or("no records");
                Err(ExecErrorKind::NotRecords { found }.into())
            }
        }
    }

    /// What the sink made of the rows, and the rows read.
    fn end(mut self) -> Result<(Ended<V::Output>, usize), ExecError> {
        let last = self.compiled.statements.len().checked_sub(1);
        if !self.runs.is_empty() || self.statement != last && last.is_some() {
            let message = "the steps were finished before every statement ran";
            return Err(ExecError::driver(None, message, message));
        }
        // The lists decoded from JSON columns, as the rows of statements `1..`.
        let rows = self.cursor.row();
        let sink = &mut self.sink;
        self.cursor.push_lists(|k, lists| {
            sink.begin_statement(k)?;
            for row in lists {
                sink.push(row, rows)?;
            }
            Ok(())
        })?;
        Ok((self.sink.finish()?, rows))
    }
}
