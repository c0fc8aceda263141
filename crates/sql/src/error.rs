//! [`CompileError`]: a query that cannot be compiled for a dialect: it does not plan (a
//! [`PlanError`]), or it needs what the dialect lacks or exceeds one of its limits.
//!
//! Invariant: every dialect kind names the dialect (its `Caps::name`) and the feature or
//! limit, with the source of the fact where the dialect crate documents it.

use std::fmt;

use relq_plan::{AggregateFunc, PlanError, ValueKind};

/// A query that cannot be compiled for a dialect.
///
/// Match on [`CompileError::kind`]: [`CompileErrorKind::Plan`] holds the planning error
/// (the same for every dialect), the other kinds are the dialect's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError(Box<CompileErrorKind>);

impl CompileError {
    /// What was wrong.
    pub fn kind(&self) -> &CompileErrorKind {
        &self.0
    }
}

impl From<CompileErrorKind> for CompileError {
    fn from(kind: CompileErrorKind) -> Self {
        Self(Box::new(kind))
    }
}

impl From<PlanError> for CompileError {
    fn from(error: PlanError) -> Self {
        CompileErrorKind::Plan(error).into()
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for CompileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Why a query does not compile for a dialect.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileErrorKind {
    /// The query does not plan, whatever the dialect.
    #[error(transparent)]
    Plan(PlanError),
    /// An aggregate the dialect cannot compute exactly (any but `count` of decimals on
    /// SQLite, which stores them as text: <https://sqlite.org/datatype3.html>).
    #[error("aggregate {} of `{path}` ({} values) is not supported by {dialect}", func.name(), kind.name())]
    UnsupportedAggregate {
        /// The function.
        func: AggregateFunc,
        /// The path.
        path: String,
        /// The kind of value the field holds.
        kind: ValueKind,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A lookup the dialect has no form for (`regex` on SQLite, which has no built-in
    /// `REGEXP` function: <https://sqlite.org/lang_expr.html#regexp>).
    #[error("lookup `{lookup}` (in `{path}`) is not supported by {dialect}")]
    UnsupportedLookup {
        /// The lookup.
        lookup: &'static str,
        /// The condition's path.
        path: String,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A feature the dialect (or the server it was read from) does not have.
    #[error("{feature} is not supported by {dialect}")]
    UnsupportedFeature {
        /// The feature, with the SQL it needs.
        feature: &'static str,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A table or column name longer than the dialect allows (PostgreSQL truncates past
    /// 63 bytes, MySQL rejects past 64): relq refuses rather than let two names collide.
    #[error("{what} `{name}` is {len} {unit} long; {dialect} allows at most {limit}")]
    IdentifierTooLong {
        /// `table` or `column`.
        what: &'static str,
        /// The identifier.
        name: String,
        /// Its length, in the dialect's unit.
        len: usize,
        /// `bytes` (PostgreSQL) or `characters` (MySQL).
        unit: &'static str,
        /// The dialect's name.
        dialect: &'static str,
        /// The dialect's limit, in its unit.
        limit: usize,
    },
    /// A statement binds more parameters than the dialect allows in one statement: every
    /// statement is checked, the root statement, a joined one, a terminal's, a split list's
    /// (whose bound `IN` list of root keys is chunked, so its own parameters must leave
    /// room for one key). An `in` list binds one parameter where the dialect unpacks it in
    /// SQL (`Caps::supports_bound_lists`), else one per value.
    #[error(
        "statement {statement} binds {params} parameters{}; {dialect} allows at most {limit} in one statement",
        if *root_keys { " of its own, leaving no room for the root keys" } else { "" }
    )]
    TooManyParams {
        /// The statement's index (0: the root statement).
        statement: usize,
        /// Its parameters (besides the root keys, with `root_keys`).
        params: usize,
        /// Whether it also binds a chunk of root keys (a split list's statement).
        root_keys: bool,
        /// The dialect's name.
        dialect: &'static str,
        /// The dialect's limit.
        limit: usize,
    },
    /// A statement would join more tables than the dialect allows (MySQL 61, SQLite 64).
    #[error("the statement joins {count} tables; {dialect} allows at most {limit} in one SELECT")]
    TooManyTables {
        /// Tables in the largest SELECT of the statement.
        count: usize,
        /// The dialect's name.
        dialect: &'static str,
        /// The dialect's limit.
        limit: usize,
    },
}
