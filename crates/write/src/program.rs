//! What a batch compiles to: per operation, the statements to run in order, each with
//! its parameters and what its result means. The execution layer (relq-exec `apply`)
//! runs them in one transaction and reads them as written here; nothing about a
//! dialect is decided there.
//!
//! Invariant: every value is a bound parameter ([`Param`]); a statement's text holds
//! identifiers (quoted) and the dialect's keywords only. An operation with nothing to do
//! has no steps.

use relq_plan::{Value, ValueKind};

/// A compiled batch: the statements of each operation, and how the dialect opens a
/// transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct CompiledWrite {
    /// One entry per operation, in the batch's order.
    pub operations: Vec<WritePlan>,
    /// The statement opening a transaction (`BEGIN`, `BEGIN IMMEDIATE`, `START
    /// TRANSACTION`); inside a caller's transaction a savepoint is used instead.
    pub begin: &'static str,
}

impl CompiledWrite {
    /// How many statements the batch sends at most (a step that runs on a condition
    /// counted once; a retry not counted).
    pub fn statement_count(&self) -> usize {
        self.operations.iter().map(|o| o.steps.len()).sum()
    }
}

/// The statements of one operation.
#[derive(Clone, Debug, PartialEq)]
pub struct WritePlan {
    /// The operation's name (`add`, `get_or_create`).
    pub op: &'static str,
    /// The model it writes (a through model's owner relation's model for links).
    pub model: String,
    /// The statements, in order; empty when there is nothing to do.
    pub steps: Vec<Step>,
    /// Whether `created` is reported (`get_or_create`, `update_or_create`).
    pub reports_created: bool,
}

/// One statement of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The SQL text, without a trailing `;`.
    pub sql: String,
    /// One parameter per placeholder, in the order the dialect binds them.
    pub params: Vec<Param>,
    /// Whether it runs.
    pub when: When,
    /// What its result means.
    pub action: Action,
    /// The model whose table it writes or reads, for errors (`Course`).
    pub model: String,
    /// The kind of that model's primary key: how the keys a step returns are read.
    pub key_kind: ValueKind,
}

/// A bound parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// A value known when compiling.
    Value(Value),
    /// The primary key the operation found or created in an earlier step (a new
    /// many-to-many target's key in its link row; the record `update_or_create` found).
    Found,
}

/// When a step runs, by what the operation's earlier steps found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Always.
    Always,
    /// Only when an earlier step found or created a record.
    Found,
    /// Only when no earlier step did.
    NotFound,
}

/// What a step's result means.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A statement without rows: its changed-row count adds to the operation's; `keys`
    /// (primary keys given in the rows it inserts) are reported as they are.
    Change {
        /// Keys known before running (an insert whose rows give their primary keys).
        keys: Vec<Value>,
    },
    /// A statement returning one primary key per row (`INSERT ... RETURNING`, `SELECT
    /// LAST_INSERT_ID()`, a lookup's `SELECT`): the keys are reported and the first is
    /// the operation's found record. More than one row where `at_most_one` is a
    /// `MultipleMatches` error (`get_or_create` on a lookup that is not unique).
    Keys {
        /// Whether a row means the operation created its record.
        created: bool,
        /// Whether more than one row is an error.
        at_most_one: bool,
        /// Whether the rows count as changed rows (an insert's, not a lookup's).
        changes: bool,
    },
    /// A `SELECT` of primary keys that must return every one of `keys`; any missing is
    /// a `Missing` error naming the model and the keys (and the owner, when the keys
    /// must belong to it), raised before the operation changes anything.
    Require {
        /// The keys that must exist.
        keys: Vec<Value>,
        /// `(model, key)` of the owner they must belong to, if any.
        owner: Option<(String, Value)>,
    },
    /// An `INSERT` that may meet a concurrent insert of the same unique key
    /// (select-then-insert): it runs inside a savepoint, and on a unique violation the
    /// savepoint is rolled back and the operation's steps run again from the first,
    /// once (Django's `get_or_create`). Its rows are keys as for [`Action::Keys`]
    /// (`returning`) or it changes one row (then a later step reads the key).
    InsertOrRetry {
        /// Whether the statement returns the new key.
        returning: bool,
        /// The new record's primary key when it is given (not generated).
        keys: Vec<Value>,
    },
}
