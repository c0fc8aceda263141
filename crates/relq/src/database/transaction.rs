//! The caller's transactions on a [`Database`]: [`begin`](Database::begin),
//! [`commit`](Database::commit), [`rollback`](Database::rollback), and
//! [`transaction`](Database::transaction) around a closure (Django's `atomic`, SQLAlchemy's
//! `begin()`).
//!
//! The outermost level is the dialect's own transaction (`BEGIN IMMEDIATE` on SQLite,
//! `BEGIN` on PostgreSQL, `START TRANSACTION` on MySQL: [`WriteCaps::begin`]); each level
//! inside it is a savepoint `relq_tx_N`, N the level, so a failed inner block is undone
//! alone and the outer one goes on.
//!
//! Invariants: the database counts the levels it opened, so everything else it runs
//! knows whether the caller has a transaction open: a batch of writes
//! ([`apply`](Database::apply)) and an [`insert`](Database::insert) run in a savepoint of
//! it and never end it; a streamed read on PostgreSQL reads inside it. A level ends once:
//! a `commit` or `rollback` with none open is
//! [`NoTransaction`](relq_exec::ExecErrorKind::NoTransaction), and a failed `COMMIT`
//! leaves no transaction open (it is rolled back).
//!
//! [`WriteCaps::begin`]: relq_sql::WriteCaps::begin

use relq_exec::{ExecError, ExecErrorKind};

use super::Database;

impl Database {
    /// Opens a transaction, or inside one a savepoint (`SAVEPOINT relq_tx_N`): a level
    /// that [`commit`](Self::commit) or [`rollback`](Self::rollback) ends. Until the
    /// outermost level ends, every write runs in a savepoint of it and nothing is
    /// committed. Statements given to [`run`](Self::run) that begin or end a
    /// transaction themselves are not counted: use these methods.
    ///
    /// ```
    /// use relq::{Database, Query, SchemaDef, compile, compile_write};
    /// let graph = SchemaDef::from_toml(include_str!("../../../../schemas/school.toml"))?.build()?;
    /// let mut db = Database::open("sqlite::memory:")?;
    /// db.create_tables(&graph)?;
    /// let insert = relq::write::parse_batch(r#"{"op": "insert", "model": "Department", "rows": [{"name": "Science"}]}"#)?;
    /// let write = compile_write(&graph, &insert, db.dialect())?;
    /// db.begin()?;
    /// db.apply(&write)?; // in a savepoint of the caller's transaction
    /// db.rollback()?;    // and gone with it
    /// let departments = compile(&graph, &Query::new("Department"), db.dialect())?;
    /// assert!(db.execute(&departments)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The driver's.
    pub fn begin(&mut self) -> Result<(), ExecError> {
        let statement = match self.depth {
            0 => self.dialect().caps().writes.begin.to_owned(),
            level => format!("SAVEPOINT {}", savepoint(level)),
        };
        self.run(&statement, &[])?;
        self.depth += 1;
        Ok(())
    }

    /// Ends the innermost level keeping what it did: `COMMIT` for the outermost,
    /// `RELEASE SAVEPOINT` inside it. A `COMMIT` that fails is followed by a `ROLLBACK`,
    /// so no transaction is left open either way.
    ///
    /// # Errors
    /// [`ExecErrorKind::NoTransaction`] when none is open; the driver's.
    pub fn commit(&mut self) -> Result<(), ExecError> {
        let level = self.end("commit")?;
        if level == 0 {
            let committed = self.run("COMMIT", &[]);
            if committed.is_err() {
                let _ = self.run("ROLLBACK", &[]);
            }
            return committed.map(drop);
        }
        self.run(&format!("RELEASE SAVEPOINT {}", savepoint(level)), &[])
            .map(drop)
    }

    /// Ends the innermost level undoing what it did: `ROLLBACK` for the outermost,
    /// `ROLLBACK TO SAVEPOINT` and `RELEASE SAVEPOINT` inside it (the outer levels go
    /// on, PostgreSQL's included after a failed statement).
    ///
    /// # Errors
    /// [`ExecErrorKind::NoTransaction`] when none is open; the driver's.
    pub fn rollback(&mut self) -> Result<(), ExecError> {
        let level = self.end("rollback")?;
        if level == 0 {
            return self.run("ROLLBACK", &[]).map(drop);
        }
        let name = savepoint(level);
        self.run(&format!("ROLLBACK TO SAVEPOINT {name}"), &[])?;
        self.run(&format!("RELEASE SAVEPOINT {name}"), &[])
            .map(drop)
    }

    /// How many levels of the caller's transactions are open (0: none).
    pub fn transaction_depth(&self) -> usize {
        self.depth
    }

    /// Runs `body` in a transaction (a savepoint inside one): committed when it returns
    /// `Ok`, rolled back when it returns `Err` (whose error is returned, a failed
    /// rollback adding nothing).
    ///
    /// ```
    /// use relq::{Database, ExecError, SchemaDef, Value};
    /// let graph = SchemaDef::from_toml(include_str!("../../../../schemas/school.toml"))?.build()?;
    /// let mut db = Database::open("sqlite::memory:")?;
    /// db.create_tables(&graph)?;
    /// let departments = graph.model_by_name("Department").expect("declared");
    /// let row = |id: i64| vec![Value::Int(id), Value::Text(format!("d{id}"))];
    /// let kept = db.transaction(|db| db.insert(departments, &[row(1)]));
    /// assert_eq!(kept?, 1);
    /// let undone: Result<u64, ExecError> = db.transaction(|db| {
    ///     db.insert(departments, &[row(2)])?;
    ///     db.insert(departments, &[row(1)]) // the key exists: the block is undone
    /// });
    /// assert!(undone.is_err());
    /// assert_eq!(db.transaction_depth(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `body`'s; the driver's opening or ending the transaction.
    pub fn transaction<T, E, F>(&mut self, body: F) -> Result<T, E>
    where
        E: From<ExecError>,
        F: FnOnce(&mut Self) -> Result<T, E>,
    {
        self.begin()?;
        match body(self) {
            Ok(value) => {
                self.commit()?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.rollback();
                Err(e)
            }
        }
    }

    /// Counts the innermost level as ended; its level below the outermost (0: the
    /// outermost).
    fn end(&mut self, action: &'static str) -> Result<usize, ExecError> {
        self.depth = self
            .depth
            .checked_sub(1)
            .ok_or(ExecErrorKind::NoTransaction { action })?;
        Ok(self.depth)
    }
}

/// The savepoint of level `level` (1: the first inside the outermost transaction).
fn savepoint(level: usize) -> String {
    format!("relq_tx_{level}")
}
