//! The cursor over one fetch's result rows, statement by statement: each row's values
//! read from the driver as the kinds the plan expects, at their plan positions (a
//! statement of several fills its own positions of a plan-wide row, NULL elsewhere); the
//! JSON list columns of statement 0's rows decoded into the rows of the later statements
//! (relq-sql's `Delivery::Json`); and the root keys statement 0 returns, for the
//! statements that bind them.
//!
//! Invariant: rows are numbered over every statement; a value the driver cannot read as
//! the expected kind, or a row not as wide as its statement, is an
//! [`ExecErrorKind::Unreadable`](crate::ExecErrorKind::Unreadable) naming the row,
//! position and column.

use relq_plan::{ExtractionPlan, StatementRows, Value, ValueKind};
use relq_rows::ExpectedColumn;

use crate::driver::ResultRow;
use crate::error::{ExecError, ReadFailure};
use crate::json_lists::JsonLists;

/// Reads a fetch's rows into one reused value buffer.
pub(crate) struct Cursor<'p> {
    /// What the plan reads at each position (or each column of a count, flat rows).
    columns: Vec<ExpectedColumn>,
    /// Each statement's rows when the plan has several.
    statements: &'p [StatementRows],
    /// The plan position of each column of the current statement's rows; `None`: rows
    /// as wide as `columns`.
    positions: Option<&'p [usize]>,
    /// The current statement (0-based).
    statement: usize,
    /// How many columns the current statement's rows have.
    width: usize,
    /// Rows read so far, over every statement.
    row: usize,
    /// The current row's values.
    values: Vec<Value>,
    /// The JSON lists of statement 0's rows, when the lists come so.
    lists: Option<Lists>,
    /// The plan position of the root's key when later statements bind the root keys.
    root_key: Option<usize>,
    /// The root keys statement 0's rows held, in row order, each once.
    root_keys: Vec<Value>,
}

/// The JSON list columns after statement 0's own: their decoder, what each holds, and
/// the current row's texts.
struct Lists {
    decoder: JsonLists,
    columns: Vec<ExpectedColumn>,
    texts: Vec<Value>,
}

impl<'p> Cursor<'p> {
    /// A cursor reading `columns` at the positions of `plan`'s statements; with
    /// `json_lists` the lists of statements `1..` come as JSON columns of statement 0's
    /// rows; with `keyed`, later statements bind the root keys, which it gathers.
    pub(crate) fn new(
        plan: &'p ExtractionPlan,
        columns: Vec<ExpectedColumn>,
        json_lists: bool,
        keyed: bool,
    ) -> Self {
        let statements = &plan.statements;
        let lists = json_lists
            .then(|| JsonLists::new(plan, &columns))
            .flatten()
            .map(|decoder| {
                let columns = decoder
                    .root_lists()
                    .iter()
                    .map(|&k| {
                        let path = statements
                            .get(k)
                            .and_then(|s| s.nodes.first())
                            .and_then(|&n| plan.nodes.get(n))
                            .map_or("", |n| &*n.path);
                        ExpectedColumn {
                            kind: Some(ValueKind::Text),
                            name: format!("{path} (JSON list)"),
                        }
                    })
                    .collect();
                Lists {
                    decoder,
                    columns,
                    texts: Vec::new(),
                }
            });
        let root_key = plan.nodes.first().filter(|_| keyed).map(|n| n.pk);
        // With several statements each row fills its own positions of a plan-wide
        // buffer, NULL elsewhere (`begin` empties it again).
        let values = if statements.is_empty() {
            Vec::with_capacity(columns.len())
        } else {
            vec![Value::Null; columns.len()]
        };
        Self {
            columns,
            statements,
            positions: statements.first().map(|s| s.columns.as_slice()),
            statement: 0,
            width: 0,
            row: 0,
            values,
            lists,
            root_key,
            root_keys: Vec::new(),
        }
    }

    /// The next rows are statement `index`'s, `width` columns each
    /// (`Compiled::statement_width`).
    pub(crate) fn begin(&mut self, index: usize, width: usize) {
        self.positions = self.statements.get(index).map(|s| s.columns.as_slice());
        self.statement = index;
        self.width = width;
        // A statement's rows fill only its own positions: the others stay NULL.
        if self.positions.is_some() {
            self.values.clear();
            self.values.resize(self.columns.len(), Value::Null);
        }
    }

    /// The root keys statement 0 returned, in its row order, each once (a root whose
    /// rows repeat, for a to-many chain joined into statement 0, gives its key once);
    /// empty unless later statements bind them. Each is the value read at the root's
    /// key position: the bytes statement 0 read.
    pub(crate) fn root_keys(&self) -> &[Value] {
        &self.root_keys
    }

    /// The number of the row being read (0-based, over every statement).
    pub(crate) fn row(&self) -> usize {
        self.row
    }

    /// Reads `row`'s values into the buffer (decoding its JSON lists), and returns it.
    ///
    /// # Errors
    /// The driver's error, a value it cannot read as the expected kind, a row not as wide
    /// as its statement, JSON lists that do not decode.
    pub(crate) fn read<R: ResultRow + ?Sized>(
        &mut self,
        row: &mut R,
    ) -> Result<&mut [Value], ExecError> {
        let width = row.width();
        if let Some(l) = &mut self.lists {
            l.texts.clear();
        }
        if self.positions.is_some() {
            if width != self.width {
                let found = format!("a row of {width} columns for {}", self.width);
                return Err(ExecError::unreadable(self.row, width, None, found));
            }
            // The buffer is as wide as the plan: the row overwrites its own positions,
            // the rest stays NULL.
        } else {
            self.values.clear();
        }
        for position in 0..width {
            let at = self
                .positions
                .map_or(Some(position), |p| p.get(position).copied());
            // The lists follow statement 0's columns: looked up only past them, so other
            // plans' rows never do.
            let expected = at.and_then(|at| self.columns.get(at)).or_else(|| {
                let i = position.checked_sub(self.positions?.len())?;
                self.lists.as_ref()?.columns.get(i)
            });
            let value = match row.read(position, expected.and_then(|c| c.kind)) {
                Ok(value) => value,
                Err(ReadFailure::Driver(e)) => return Err(e),
                Err(ReadFailure::Unreadable(found)) => {
                    return Err(ExecError::unreadable(self.row, position, expected, found));
                }
            };
            match (self.positions, at.and_then(|at| self.values.get_mut(at))) {
                (Some(_), Some(slot)) => *slot = value,
                (Some(_), None) => {
                    if let Some(l) = &mut self.lists {
                        l.texts.push(value);
                    }
                }
                (None, _) => self.values.push(value),
            }
        }
        // A root's rows are consecutive (ordered by root first); under auto a to-many
        // chain joined into statement 0 repeats them: each key is kept once.
        if let (0, Some(key)) = (
            self.statement,
            self.root_key.and_then(|at| self.values.get(at)),
        ) && self.root_keys.last() != Some(key)
        {
            self.root_keys.push(key.clone());
        }
        // The lists are decoded under the root's values before the rebuild takes a new
        // root's values out of the row.
        if let Some(l) = &mut self.lists {
            let start = width - l.texts.len();
            for (i, text) in l.texts.iter().enumerate() {
                // As many texts as lists: the row's width was checked above.
                let Some(&k) = l.decoder.root_lists().get(i) else {
                    break;
                };
                let decoded = match text {
                    Value::Text(text) => l.decoder.decode(k, text, &self.values),
                    other => Err(format!("{other:?}")),
                };
                decoded.map_err(|found| {
                    ExecError::unreadable(self.row, start + i, l.columns.get(i), found)
                })?;
            }
        }
        Ok(&mut self.values)
    }

    /// The row just read was taken.
    pub(crate) fn advance(&mut self) {
        self.row += 1;
    }

    /// Hands the rows decoded from JSON lists so far to `each`, statement by statement
    /// (`1..`, in order: its index and its rows; a statement without rows skipped), and
    /// forgets them; whether it handed any (none when the lists came as rows).
    ///
    /// # Errors
    /// `each`'s.
    pub(crate) fn push_lists<F>(&mut self, mut each: F) -> Result<bool, ExecError>
    where
        F: FnMut(usize, &mut dyn Iterator<Item = &mut [Value]>) -> Result<(), ExecError>,
    {
        let Some(l) = &mut self.lists else {
            return Ok(false);
        };
        let mut pushed = false;
        for k in 1..self.statements.len() {
            let mut rows = l.decoder.rows(k).peekable();
            if rows.peek().is_some() {
                each(k, &mut rows)?;
                pushed = true;
            }
        }
        l.decoder.clear();
        Ok(pushed)
    }
}
