//! Where a query's rows go, by its [`Output`]: into the rebuild (records, or the caller's
//! [`Visitor`], its roots checked against the terminal), or kept (the one integer of a
//! count, flat rows); and what is made of them at the end.
//!
//! Invariant: a sink never holds a partial answer as a whole one: the rebuild's error,
//! or a row not as wide as a count's or flat rows' columns, ends the fetch.

use std::sync::Arc;

use relq_plan::{Output, Pick, Plan, Value, ValueKind};
use relq_rows::{ExpectedColumn, Rebuilder, RowError, Visitor};

use crate::answer::{Answer, FlatRows, check_pick, count};
use crate::error::ExecError;

/// Where a fetch's rows go.
pub(crate) enum Sink<'p, V: Visitor> {
    /// Into the rebuild's visitor, its roots then checked against the terminal (`get`:
    /// one); the root model names errors.
    Records(Box<Rebuilder<'p, V>>, Pick, &'p str),
    /// The one-integer row of a count (`exists` when `true`).
    Count(Vec<Vec<Value>>, bool),
    /// Flat rows.
    Rows(FlatRows),
}

/// What a [`Sink`] made of the rows.
pub(crate) enum Ended<T> {
    /// The visitor's output, its roots as the terminal (`Pick`) wants them.
    Records(T, Pick),
    /// A count's, a yes or no's, or flat rows' answer.
    Other(Answer),
}

impl<'p, V: Visitor> Sink<'p, V> {
    /// The sink for `plan`'s output, with what it reads at each position of a row: the
    /// extraction plan's columns, one integer (`count`, `exists`), or the flat columns.
    /// `rebuilder` makes the rebuild, for records only.
    ///
    /// # Errors
    /// A plan the rebuild rejects ([`ExecErrorKind::Rebuild`](crate::ExecErrorKind)).
    pub(crate) fn new(
        plan: &'p Plan,
        rebuilder: impl FnOnce() -> Result<Rebuilder<'p, V>, RowError>,
    ) -> Result<(Self, Vec<ExpectedColumn>), ExecError> {
        let flat = |name: &str, kind| ExpectedColumn {
            kind: Some(kind),
            name: name.to_owned(),
        };
        Ok(match &plan.output {
            Output::Records(pick) => {
                let model = plan.extraction.nodes.first().map_or("", |n| &*n.model);
                let rebuilder = Box::new(rebuilder()?);
                let columns = rebuilder.columns();
                (Sink::Records(rebuilder, *pick, model), columns)
            }
            Output::Count | Output::Exists => {
                let exists = plan.output == Output::Exists;
                let name = if exists { "exists" } else { "count" };
                let columns = vec![flat(name, ValueKind::Int)];
                (Sink::Count(Vec::new(), exists), columns)
            }
            Output::Rows { columns, .. } => {
                let rows = FlatRows {
                    columns: columns.iter().map(|c| Arc::from(c.name.as_str())).collect(),
                    kinds: columns.iter().map(|c| c.kind).collect(),
                    rows: Vec::new(),
                };
                let expected = columns.iter().map(|c| flat(&c.name, c.kind)).collect();
                (Sink::Rows(rows), expected)
            }
        })
    }

    /// Announces that the next rows are statement `index`'s (0-based).
    ///
    /// # Errors
    /// The rebuild's [`RowErrorKind::UnknownStatement`](relq_rows::RowErrorKind).
    pub(crate) fn begin_statement(&mut self, index: usize) -> Result<(), ExecError> {
        if let Sink::Records(rebuilder, ..) = self {
            rebuilder.begin_statement(index)?;
        }
        Ok(())
    }

    /// Takes one row's values (as wide as the plan for records), row `row` of the fetch.
    ///
    /// # Errors
    /// The rebuild's error, or (a count, flat rows) a row not as wide as the columns.
    pub(crate) fn push(&mut self, values: &mut [Value], row: usize) -> Result<(), ExecError> {
        let (rows, width) = match self {
            Sink::Records(rebuilder, ..) => return Ok(rebuilder.push(values)?),
            Sink::Count(rows, _) => (rows, 1),
            Sink::Rows(flat) => (&mut flat.rows, flat.columns.len()),
        };
        if values.len() != width {
            let found = format!("a row of {} columns for {width}", values.len());
            return Err(ExecError::unreadable(row, values.len(), None, found));
        }
        // Moved, not cloned: the cursor writes every value of the next row again.
        rows.push(values.iter_mut().map(std::mem::take).collect());
        Ok(())
    }

    /// The visitor's output, or the answer.
    ///
    /// # Errors
    /// The rebuild's error; `get`'s [`NoMatch`](crate::ExecErrorKind::NoMatch) and
    /// [`MultipleMatches`](crate::ExecErrorKind::MultipleMatches); a count that is not
    /// one integer of at least 0.
    pub(crate) fn finish(self) -> Result<Ended<V::Output>, ExecError> {
        Ok(match self {
            Sink::Records(rebuilder, how, model) => {
                let roots = rebuilder.roots();
                let output = (*rebuilder).finish()?;
                check_pick(how, roots, model)?;
                Ended::Records(output, how)
            }
            Sink::Count(rows, false) => Ended::Other(Answer::Count(count(&rows)?)),
            Sink::Count(rows, true) => Ended::Other(Answer::Exists(count(&rows)? > 0)),
            Sink::Rows(rows) => Ended::Other(Answer::Rows(rows)),
        })
    }
}
