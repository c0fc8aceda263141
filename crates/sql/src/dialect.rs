//! What differs between databases: a [`Caps`] struct of facts and a few rendering hooks,
//! behind the [`Dialect`] trait that the dialect crates (`relq-sqlite`, `relq-postgres`,
//! `relq-mysql`) implement.
//!
//! A dialect is data first. Each crate declares its facts as a `const` [`Caps`] built
//! from [`Caps::ANSI`] with struct update (`..Caps::ANSI`); facts that depend on the server
//! version are read from a connection into a `Caps` value at run time.
//!
//! Where the shape of the SQL differs, a fact would not do: the [`Dialect`] trait's hooks
//! build it ([`Dialect::comparable_text`]: a text column compared by code point;
//! [`Dialect::match_text`]: `iexact`, `contains`, `startswith`, `endswith`). Each has the
//! ISO SQL form as its default body and is overridden in the dialect crate whose database
//! needs another (SQLite's `INSTR` and BLOB `SUBSTR`, MySQL's `CONVERT` and `CAST`,
//! PostgreSQL's `COLLATE "C"`), so a dialect's knowledge lives in its own crate.
//!
//! The column types a dialect declares are in `column_types.rs` ([`ColumnTypes`]).
//!
//! Invariant: code outside the dialect crates never asks *which* dialect it has; it reads
//! a fact or calls a hook. Names: `supports_*` for optional features, `requires_*` for
//! quirks.

use relq_graph::introspect::Collation;
use relq_plan::{Alias, TextOp, Value, ValueKind};

use crate::ast::{Expr, TableRef};
use crate::column_types::ColumnTypes;
use crate::render::Rendered;

/// How a bound parameter is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// `?` for every parameter, bound in order (SQLite, MySQL).
    QuestionMark,
    /// `$1`, `$2`, ... numbered from 1 in text order (PostgreSQL).
    DollarNumber,
    /// `%s` for every parameter, bound in order, and every other `%` of the text written
    /// `%%` when the statement has a parameter: PEP 249's `format` paramstyle, which
    /// Python's psycopg and PyMySQL read (they interpolate, and so unescape `%%`, only
    /// when given parameters). Reads only: a write compiled for it is
    /// `WriteErrorKind::Unsupported`.
    Format,
}

impl Placeholder {
    /// Writes the `number`-th placeholder (1-based) at the end of `out`, noting where it
    /// starts in `marks` for [`finish`](Self::finish).
    pub(crate) fn push(self, out: &mut String, number: usize, marks: &mut Vec<usize>) {
        match self {
            Placeholder::QuestionMark => out.push('?'),
            Placeholder::DollarNumber => {
                out.push('$');
                crate::render::push_number(out, number as u64);
            }
            Placeholder::Format => {
                marks.push(out.len());
                out.push_str("%s");
            }
        }
    }

    /// `text` as a driver reads it: for [`Format`](Self::Format) with a placeholder,
    /// every `%` but the placeholders' (at `marks`) doubled; else unchanged.
    pub(crate) fn finish(self, text: String, marks: &[usize]) -> String {
        if self != Placeholder::Format || marks.is_empty() || !text.contains('%') {
            return text;
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut marks = marks.iter().copied().peekable();
        for (at, c) in text.char_indices() {
            if c == '%' && marks.next_if_eq(&at).is_none() {
                out.push('%');
            }
            out.push(c);
        }
        out
    }
}

/// How `OFFSET` is written when there is no `LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetWithoutLimit {
    /// `OFFSET ?` on its own (PostgreSQL, SQL:2008).
    Alone,
    /// `LIMIT <literal> OFFSET ?`, where the literal means "no limit" (SQLite `-1`,
    /// MySQL `9223372036854775807`). The literal is a constant of the dialect, never a
    /// user value.
    LimitLiteral(&'static str),
}

/// The longest table or column name a dialect accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentifierLimit {
    /// No practical limit (SQLite).
    None,
    /// At most this many bytes (PostgreSQL's `NAMEDATALEN - 1` = 63).
    Bytes(usize),
    /// At most this many characters (MySQL's 64).
    Chars(usize),
}

impl IdentifierLimit {
    /// Whether `name` fits.
    pub fn allows(self, name: &str) -> bool {
        self == IdentifierLimit::None || self.measure(name) <= self.count()
    }

    /// The limit as a number, for messages.
    pub fn count(self) -> usize {
        match self {
            IdentifierLimit::None => usize::MAX,
            IdentifierLimit::Bytes(n) | IdentifierLimit::Chars(n) => n,
        }
    }

    /// The length of `name` in the limit's unit.
    pub fn measure(self, name: &str) -> usize {
        match self {
            IdentifierLimit::None | IdentifierLimit::Bytes(_) => name.len(),
            IdentifierLimit::Chars(_) => name.chars().count(),
        }
    }

    /// The limit's unit, for messages: `bytes` or `characters`.
    pub fn unit(self) -> &'static str {
        match self {
            IdentifierLimit::None | IdentifierLimit::Bytes(_) => "bytes",
            IdentifierLimit::Chars(_) => "characters",
        }
    }
}

/// The facts of one dialect. Build a dialect's with struct update from [`Caps::ANSI`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// The dialect's name in messages (`sqlite`, `postgres`, `mysql`).
    pub name: &'static str,
    /// The character that quotes identifiers (`"order"`, `` `order` ``); inside an
    /// identifier it is doubled (`"say ""hi"""`).
    pub identifier_quote: char,
    /// How parameters are written.
    pub placeholder: Placeholder,
    /// How `OFFSET` without `LIMIT` is written.
    pub offset_without_limit: OffsetWithoutLimit,
    /// Whether `ORDER BY x ASC` puts NULLs first by default (NULL is the smallest value).
    /// relq wants NULLs smallest; where the default differs it writes `NULLS FIRST` /
    /// `NULLS LAST`.
    pub nulls_sort_smallest: bool,
    /// Whether `ORDER BY x ASC NULLS LAST` is accepted. Where it is not, relq writes
    /// `x IS NULL DESC, x ASC`-style terms instead.
    pub supports_nulls_order: bool,
    /// The longest table or column name.
    pub max_identifier: IdentifierLimit,
    /// The most tables one SELECT may join (the FROM table included).
    pub max_join_tables: usize,
    /// The most parameters one statement may bind. A dialect's `const` states the
    /// documented default; where it is a build or server setting (SQLite's
    /// `SQLITE_MAX_VARIABLE_NUMBER`) the value read from a connection replaces it.
    pub max_params: usize,
    /// The server the runtime facts were read from; `None` for a dialect's `const` facts.
    pub server: Option<Server>,
    /// The column type of each field type, for `CREATE TABLE` (`ddl.rs`).
    pub types: ColumnTypes,
    /// Whether decimals are stored exact, as an ISO `NUMERIC` / `DECIMAL` (PostgreSQL
    /// datatype-numeric.html, MySQL fixed-point-types.html), so `SUM`, `AVG`, `MIN` and
    /// `MAX` of a decimal field are exact. `false` where they are stored as text to keep
    /// their digits (SQLite has no decimal storage class, and `NUMERIC` affinity would
    /// store `12.50` as the REAL 12.5: <https://sqlite.org/datatype3.html>, "Storage
    /// Classes and Datatypes" and "Type Affinity"): there `MAX` would compare texts
    /// (`'9.50' > '10.00'`) and `SUM` add doubles, so such an aggregate is
    /// `CompileErrorKind::UnsupportedAggregate`, and `count` alone is allowed.
    pub decimals_exact: bool,
    /// The type decimals are cast to, on both sides of a filter's comparison, where the
    /// dialect stores them as text (so `'9.5' > '10'` would compare as text):
    /// `CAST(x AS REAL)`; `None`: compared as stored (an exact `NUMERIC` / `DECIMAL`).
    pub decimal_cast: Option<&'static str>,
    /// The operator of a case-sensitive regular-expression match (`x ~ ?`); `None`: the
    /// dialect has none and the `regex` lookup is an error naming it.
    pub regex_operator: Option<&'static str>,
    /// Whether window functions are accepted: `ROW_NUMBER() OVER (PARTITION BY x ORDER BY
    /// y)`, which a nested list's per-parent limit needs (SQL:2003; SQLite 3.25
    /// <https://sqlite.org/windowfunctions.html>, PostgreSQL 8.4, MariaDB 10.2
    /// <https://mariadb.com/kb/en/window-functions-overview/>, MySQL 8.0
    /// <https://dev.mysql.com/doc/refman/8.0/en/window-functions.html>). A dialect's
    /// `const` states it for the servers relq is proven on; the runtime facts read it
    /// from the server's version. Where it is `false` such a limit is an error.
    pub supports_window_functions: bool,
    /// Whether the database indexes a foreign key's column itself when the key is declared
    /// (InnoDB: "an index is created on the referencing table automatically",
    /// create-table-foreign-keys.html). Where it does not (SQLite: foreignkeys.html §3.1,
    /// PostgreSQL: ddl-constraints.html#DDL-CONSTRAINTS-FK, "it is often a good idea to
    /// index the referencing columns"), `create_tables` writes a `CREATE INDEX` per key, so
    /// the joins and `EXISTS` subqueries relq emits do not scan the child table.
    pub indexes_foreign_keys: bool,
    /// How the json strategy builds nested lists in the database ([`JsonCaps`]); `None`:
    /// the dialect has no JSON functions relq uses, and the json strategy is
    /// `CompileErrorKind::UnsupportedFeature`.
    pub json: Option<JsonCaps>,
    /// What writes need ([`WriteCaps`]).
    pub writes: WriteCaps,
    /// The statement opening a read-only transaction in which every later statement
    /// reads one snapshot of the database, so the statements of one read (split, auto,
    /// chunks of bound root keys, a stream) agree with each other (relq-exec's
    /// `snapshot.rs` sends it, and `COMMIT` or `ROLLBACK` after): ISO SQL's
    /// `START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY` (PostgreSQL
    /// sql-start-transaction.html and transaction-iso.html: "all statements of the
    /// current transaction can only see rows committed before the first query");
    /// MySQL's and SQLite's forms are theirs (their `CAPS`).
    pub read_snapshot: &'static str,
    /// Whether an `in` list with more values than [`max_params`](Self::max_params) is
    /// bound as ONE parameter and unpacked in SQL, in the form of the dialect's
    /// [`bound_list`](Dialect::bound_list) hook, so a list of 100 000 values stays within
    /// the limit (a shorter list keeps a placeholder per value, which servers plan best): `x = ANY($1)` with an array
    /// (PostgreSQL, functions-comparisons.html#FUNCTIONS-COMPARISONS-ANY-SOME), `x IN
    /// (SELECT "t5"."value" FROM json_each(?) AS "t5")` (SQLite,
    /// <https://sqlite.org/json1.html#jeach>), `x IN (SELECT "t5"."v" FROM JSON_TABLE(?,
    /// '$[*]' COLUMNS("v" BIGINT PATH '$')) AS "t5")` (ISO SQL:2016; MariaDB 10.6.0,
    /// <https://mariadb.com/kb/en/json_table/>; MySQL 8.0.4, json-table-functions.html).
    /// A dialect's `const` states it for the servers relq is proven on; the runtime facts
    /// read it from the server's version. Where it is `false` (and for the kinds the hook
    /// has no form for) every value is a placeholder of its own, and a list past the
    /// parameter limit is `CompileErrorKind::TooManyParams`.
    pub supports_bound_lists: bool,
}

/// The facts writes read: transactions, `RETURNING`, the upsert form, row locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteCaps {
    /// The statement opening a transaction: ISO `START TRANSACTION` (MySQL
    /// commit.html); SQLite's `BEGIN IMMEDIATE` takes the write lock at once, so a
    /// read-then-write operation cannot fail with `SQLITE_BUSY` when it first writes
    /// (lang_transaction.html); PostgreSQL's `BEGIN`.
    pub begin: &'static str,
    /// Whether `INSERT ... RETURNING "pk"` is accepted (SQLite 3.35.0,
    /// lang_returning.html; PostgreSQL sql-insert.html; MariaDB 10.5.0,
    /// mariadb.com/kb/en/insertreturning; MySQL has none). Where it is not, a generated
    /// key is read after each one-row insert with [`last_insert_id`](Self::last_insert_id).
    pub insert_returning: bool,
    /// The statement reading the key the connection's last insert generated (`SELECT
    /// LAST_INSERT_ID()`: MySQL information-functions.html, "the first automatically
    /// generated value" of the last INSERT; SQLite `last_insert_rowid()`).
    pub last_insert_id: Option<&'static str>,
    /// How an insert skips rows whose unique key exists; `None`: the dialect has no
    /// form relq uses.
    pub upsert: Option<Upsert>,
    /// The clause locking the rows a `SELECT` reads until the transaction ends (` FOR
    /// UPDATE`: PostgreSQL sql-select.html#SQL-FOR-UPDATE-SHARE, MySQL
    /// innodb-locking-reads.html); `None` where the transaction's write lock already
    /// serialises writers (SQLite's `BEGIN IMMEDIATE`).
    pub lock_rows: Option<&'static str>,
}

impl WriteCaps {
    /// ISO SQL: `START TRANSACTION`, no `RETURNING`, no upsert, `FOR UPDATE`.
    pub const ANSI: WriteCaps = WriteCaps {
        begin: "START TRANSACTION",
        insert_returning: false,
        last_insert_id: None,
        upsert: None,
        lock_rows: Some(" FOR UPDATE"),
    };
}

/// How an insert skips rows whose unique key exists. Never `INSERT IGNORE` / `INSERT OR
/// IGNORE`, which also swallow foreign-key, NOT NULL and CHECK violations (SQLite
/// lang_conflict.html; MariaDB kb "IGNORE").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsert {
    /// `ON CONFLICT ("a", "b") DO NOTHING`: only a conflict on that unique key is
    /// skipped; any other violation still raises (PostgreSQL sql-insert.html
    /// "ON CONFLICT Clause", SQLite lang_upsert.html since 3.24.0).
    OnConflict,
    /// `ON DUPLICATE KEY UPDATE "a" = "a"`: a no-op update of the conflicting row, which
    /// fires on a conflict with ANY unique key (MySQL insert-on-duplicate.html: "avoid
    /// ... tables with multiple unique indexes"), so relq uses it only where the table's
    /// one unique key besides a generated primary key is the one meant.
    DuplicateKey,
}

/// The JSON functions of a dialect, for the json strategy: a list is `(SELECT
/// COALESCE(<aggregate>(<array>(v1, v2, ...) ORDER BY ...), <array>()) FROM ... WHERE <linked
/// to the parent row>)`, every value carried as JSON text (`CAST(x AS <text_type>)`, or
/// the forms below), so nothing is lost to a JSON number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonCaps {
    /// The function building a JSON array of its arguments (`json_build_array`).
    pub array: &'static str,
    /// The aggregate building a JSON array of its rows (`json_agg`).
    pub aggregate: &'static str,
    /// Whether the aggregate accepts `ORDER BY` among its arguments. Where it does not
    /// (MySQL 8's `JSON_ARRAYAGG`, SQLite before 3.44) the json strategy runs the query
    /// as the split strategy, whose statements are ordered.
    pub ordered_aggregate: bool,
    /// The type a value is cast to for its text (`CAST(x AS TEXT)`).
    pub text_type: &'static str,
    /// A function writing bytes as hexadecimal digits.
    pub hex: Call,
    /// A function writing a float as text that reads back as the same float; `None`:
    /// `CAST(x AS <text_type>)` does.
    pub float_text: Option<Call>,
}

/// `function([before, ]x[, after])`, `before` and `after` string constants of the
/// dialect (`encode(x, 'hex')`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The function.
    pub function: &'static str,
    /// A constant first argument.
    pub before: Option<&'static str>,
    /// A constant last argument.
    pub after: Option<&'static str>,
}

impl Caps {
    /// ISO SQL as the base every dialect starts from: `"` quotes, `?` parameters,
    /// `OFFSET n` alone, `NULLS FIRST` / `LAST` accepted, 128-character identifiers
    /// (SQL:2003 §5.4), no join limit, exact decimals, no regex operator (ISO's
    /// `LIKE_REGEX` is not relq's). NULL placement is implementation-defined in ISO SQL; the base says
    /// "smallest" and each dialect states its own. How text is compared is no fact but a
    /// hook ([`Dialect::comparable_text`], [`Dialect::match_text`]), ISO's by default.
    pub const ANSI: Caps = Caps {
        supports_window_functions: true,
        indexes_foreign_keys: false,
        name: "ansi",
        identifier_quote: '"',
        placeholder: Placeholder::QuestionMark,
        offset_without_limit: OffsetWithoutLimit::Alone,
        nulls_sort_smallest: true,
        supports_nulls_order: true,
        max_identifier: IdentifierLimit::Chars(128),
        max_join_tables: usize::MAX,
        max_params: usize::MAX,
        server: None,
        types: ColumnTypes::ANSI,
        decimals_exact: true,
        decimal_cast: None,
        regex_operator: None,
        json: None,
        writes: WriteCaps::ANSI,
        read_snapshot: "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        supports_bound_lists: false,
    };
}

/// The database server (for SQLite, the linked library) a connection talks to, as its
/// dialect crate reads it: `SELECT sqlite_version()`, `SHOW server_version_num`,
/// `SELECT VERSION()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Server {
    /// The product: `SQLite`, `PostgreSQL`, `MariaDB` or `MySQL`.
    pub product: &'static str,
    /// `(major, minor, patch)`.
    pub version: (u32, u32, u32),
}

impl std::fmt::Display for Server {
    /// `MariaDB 10.11.14`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (major, minor, patch) = self.version;
        write!(f, "{} {major}.{minor}.{patch}", self.product)
    }
}

impl Server {
    /// The leading `major.minor.patch` of `text` (`10.11.14-MariaDB-0+deb12u2` gives
    /// `(10, 11, 14)`, `3.50.2` gives `(3, 50, 2)`, `8.0` gives `(8, 0, 0)`); a missing or
    /// unreadable part is 0.
    pub fn parse_version(text: &str) -> (u32, u32, u32) {
        let end = text
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len());
        let mut parts = text[..end].split('.').map(|part| part.parse().unwrap_or(0));
        let mut next = || parts.next().unwrap_or(0);
        (next(), next(), next())
    }
}

/// An `in` list bound as one parameter, as a dialect unpacks it in SQL
/// ([`Dialect::bound_list`]).
#[derive(Clone, Debug, PartialEq)]
pub enum BoundList<'g> {
    /// `x = ANY(?)`: the parameter holds the values as an array.
    Array(Value),
    /// `x IN (SELECT "a"."column" FROM table)`: `table` (its alias `a`, the one the hook
    /// was given) holds the parameter and yields one row per value, in `column`.
    Rows {
        /// The table the values come from.
        table: TableRef<'g>,
        /// The column holding a value.
        column: &'static str,
    },
}

/// A database's SQL dialect: its facts ([`Caps`]), plus the hooks where the shape of the
/// SQL differs. Every hook has a default body that writes the ISO SQL form, so a dialect
/// overrides only what its database does otherwise, in its own crate.
///
/// The query hooks build SQL IR ([`Expr`]); they never write text, and a value they are
/// given is bound ([`Expr::Value`]), never written into the SQL. The one statement hook,
/// [`reset_generated_key`](Self::reset_generated_key), writes a statement of its own:
/// identifiers through [`push_quoted`](crate::push_quoted), values bound.
///
/// `Send + Sync`: a dialect is facts and hooks, no connection, so a
/// [`CompileCache`](crate::CompileCache) holding one is shared between threads.
pub trait Dialect: Send + Sync {
    /// The dialect's facts.
    fn caps(&self) -> &Caps;

    /// The same dialect (its hooks) with other facts: "SQLite with a parameter limit of
    /// 2" in a test, facts an embedder knows better than the connection says.
    fn with_caps(&self, caps: Caps) -> Box<dyn Dialect>;

    /// `value` as a parameter in the form the database stores and compares it, for a
    /// caller that binds the parameters with a driver of its own (the embedding path,
    /// `embed.rs`): the same form the dialect's own driver binds. The default, for a
    /// database with a type for every kind: the value as it is. SQLite's, which stores
    /// booleans as integers and decimals, dates, times, UUIDs and JSON as text, is those.
    fn driver_value(&self, value: &Value) -> Value {
        value.clone()
    }

    /// A text column as a filter's comparisons read it (`exact`, `gt`..., `in`, `range`,
    /// `regex`, and the default [`match_text`](Self::match_text)): compared with a value
    /// it is case-sensitive and by code point (UTF-8 byte order), whatever the column's
    /// collation and character set, and folded with `LOWER` first when `fold` (the `i`
    /// lookups, whose value side is `LOWER(?)`). Only the column side is changed: the
    /// value is bound as it is. `test` says whether the comparison needs equality only or
    /// order too; a dialect may leave out what the column's own collation
    /// ([`TextColumn::collation`], read from the catalog) already gives for it.
    ///
    /// ISO SQL (the default): `x`, or `LOWER(x)` when `fold` (ISO's `<fold>`, a `<string
    /// value function>`); comparisons use the column's collation (SQL:2016 §8.2
    /// `<comparison predicate>`), which relq's DDL makes binary
    /// ([`ColumnTypes::text_collation`]). PostgreSQL's is
    /// `x COLLATE "C"`, MySQL's `CAST(CONVERT(x USING utf8mb4) AS BINARY)`.
    fn comparable_text<'g>(&self, column: TextColumn<'g>, fold: bool, test: TextTest) -> Expr<'g> {
        let _ = test;
        if fold {
            lower(column.expr)
        } else {
            column.expr
        }
    }

    /// The statement that moves the generator of a generated key past the largest key
    /// of its table, for after rows were inserted with their keys given (relq's loader,
    /// fixtures), so that a later INSERT leaving the key out gets a fresh one (Django's
    /// `sequence_reset_sql`); `table` and `key` are the table's and the key column's
    /// names, unquoted. `None` (the default) where the database's generator moves
    /// past a key given to it by itself: SQLite's rowid is one more than the largest
    /// (<https://sqlite.org/autoinc.html>), InnoDB's `AUTO_INCREMENT` counter moves up
    /// to an inserted larger value (MySQL 8.0 manual, innodb-auto-increment-handling.html).
    /// PostgreSQL's identity sequence does not, and overrides this.
    fn reset_generated_key(&self, table: &str, key: &str) -> Option<Rendered> {
        let _ = (table, key);
        None
    }

    /// The values of an `in` list (never empty, each of `kind`) bound as ONE parameter,
    /// and how SQL unpacks it; `alias` is the alias a [`BoundList::Rows`] table takes.
    /// Read only where [`Caps::supports_bound_lists`] says the server has the form.
    /// `None` (the default, ISO SQL's `x IN (?, ?, ...)`): no form for this kind of value
    /// (or these values), so each value is a placeholder of its own. The filter's lowering
    /// compares the column with the items as it compares it with one value (text by code
    /// point: [`comparable_text`](Self::comparable_text) on both sides, decimals cast as
    /// [`Caps::decimal_cast`] says). The parameter carries the values in the forms the
    /// dialect's driver binds them (SQLite's date-times with a space), never in the SQL
    /// text.
    fn bound_list<'g>(
        &self,
        kind: ValueKind,
        values: &[Value],
        alias: Alias,
    ) -> Option<BoundList<'g>> {
        let _ = (kind, values, alias);
        None
    }

    /// The condition that the text of `column` matches the user's `text` where `op` says:
    /// all of it (`iexact`), anywhere (`contains`), at the start (`startswith`) or at the
    /// end (`endswith`), case-sensitively, or ignoring case when `fold` (the `i` forms).
    /// `%`, `_` and every other character of `text` match only themselves; `text` is
    /// bound, never written into the SQL.
    ///
    /// ISO SQL (the default), with `x` the [`comparable_text`](Self::comparable_text) of
    /// the column: `x = ?` for `Equal`, else `x LIKE ? ESCAPE '!'` with the pattern of
    /// [`like_pattern`] bound (`%v%`, `v%`, `%v`), each side folded with `LOWER` when
    /// `fold` (`LOWER(x) LIKE LOWER(?) ESCAPE '!'`). SQL:2016 §8.5 `<like predicate>`:
    /// `ESCAPE` names the character that makes the next `%`, `_` or itself literal; `!`
    /// is no backslash, so no string-literal escaping (MySQL's backslash escapes,
    /// string-comparison-functions.html) can change it.
    fn match_text<'g>(
        &self,
        op: TextOp,
        column: TextColumn<'g>,
        fold: bool,
        text: &str,
    ) -> Expr<'g> {
        let bound = |t: String| {
            let value = Expr::Value(Value::Text(t));
            if fold { lower(value) } else { value }
        };
        let x = self.comparable_text(column, fold, TextTest::Equality);
        match op {
            TextOp::Equal => x.eq(bound(text.to_owned())),
            TextOp::Contains | TextOp::StartsWith | TextOp::EndsWith => Expr::Like {
                expr: Box::new(x),
                pattern: Box::new(bound(like_pattern(op, text, LIKE_ESCAPE))),
                escape: LIKE_ESCAPE,
            },
        }
    }
}

/// A text column a filter reads: its expression and, where the graph was built over the
/// database's catalog, its collation (relq-graph's `Field::collation`, `None` for a
/// schema declared alone or a column that is no field).
#[derive(Clone, Debug)]
pub struct TextColumn<'g> {
    /// The column (`"t0"."name"`).
    pub expr: Expr<'g>,
    /// Its collation as the catalog describes it.
    pub collation: Option<&'g Collation>,
}

impl<'g> From<Expr<'g>> for TextColumn<'g> {
    /// A column whose collation is unknown.
    fn from(expr: Expr<'g>) -> Self {
        Self {
            expr,
            collation: None,
        }
    }
}

/// What a filter asks of a text comparison, so that a dialect can tell whether a
/// column's own collation gives it ([`Dialect::comparable_text`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextTest {
    /// Equal or not, matched by a `LIKE` pattern: `exact`, `ne`, `in`, `iexact`,
    /// `contains`, `startswith`, `endswith` and their `i` forms.
    Equality,
    /// Ordered too, or read by character class: `gt`, `gte`, `lt`, `lte`, `range`,
    /// `regex`.
    Order,
}

/// The escape character of the default [`Dialect::match_text`]'s `LIKE`.
const LIKE_ESCAPE: char = '!';

/// ISO SQL as a dialect: [`Caps::ANSI`] (or other facts, [`Ansi::new`]) with the ISO form
/// of every hook. For tests and for a database relq has no dialect crate for; a
/// dialect's own [`Caps`] are not a dialect without its hooks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ansi {
    caps: Caps,
}

impl Ansi {
    /// ISO SQL's hooks with these facts.
    pub fn new(caps: Caps) -> Self {
        Self { caps }
    }
}

impl Default for Ansi {
    fn default() -> Self {
        Self::new(Caps::ANSI)
    }
}

impl Dialect for Ansi {
    fn caps(&self) -> &Caps {
        &self.caps
    }

    fn with_caps(&self, caps: Caps) -> Box<dyn Dialect> {
        Box::new(Ansi::new(caps))
    }
}

/// `LOWER(x)`: text with its letters folded to lower case, as far as the dialect's
/// `LOWER` folds them (SQLite: ASCII letters only).
pub fn lower(x: Expr<'_>) -> Expr<'_> {
    Expr::Function("LOWER", vec![x])
}

/// The `LIKE` pattern that matches `text` literally where `op` says: `escape`, `%` and `_`
/// each preceded by `escape`, then `%` before (`Contains`, `EndsWith`) and after
/// (`Contains`, `StartsWith`); `Equal` gets no `%`. For `x LIKE ? ESCAPE '<escape>'`.
///
/// ```
/// use relq_plan::TextOp;
/// assert_eq!(relq_sql::like_pattern(TextOp::Contains, "5%_a!b", '!'), "%5!%!_a!!b%");
/// ```
pub fn like_pattern(op: TextOp, text: &str, escape: char) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    if matches!(op, TextOp::Contains | TextOp::EndsWith) {
        pattern.push('%');
    }
    for c in text.chars() {
        if c == escape || c == '%' || c == '_' {
            pattern.push(escape);
        }
        pattern.push(c);
    }
    if matches!(op, TextOp::Contains | TextOp::StartsWith) {
        pattern.push('%');
    }
    pattern
}

#[cfg(test)]
mod tests {
    use relq_plan::{Alias, TextOp};

    use super::*;
    use crate::render::render_expr;

    /// The condition's text and its parameters for `dialect`.
    fn rendered(dialect: &dyn Dialect, condition: Expr<'_>) -> (String, Vec<Value>) {
        let r = render_expr(&condition, dialect);
        (r.sql, r.params)
    }

    fn x() -> Expr<'static> {
        Expr::column(Alias::new(0), "x")
    }

    #[test]
    fn like_patterns_escape_the_escape_character_percent_and_underscore() {
        assert_eq!(like_pattern(TextOp::Contains, "5%_a!b", '!'), "%5!%!_a!!b%");
        assert_eq!(like_pattern(TextOp::StartsWith, "a\\b", '!'), "a\\b%");
        assert_eq!(like_pattern(TextOp::EndsWith, "", '!'), "%");
        assert_eq!(like_pattern(TextOp::Equal, "a%", '!'), "a!%");
    }

    /// A dialect that compares text in a collation of its own and matches nothing.
    struct Odd(Caps);

    impl Dialect for Odd {
        fn caps(&self) -> &Caps {
            &self.0
        }
        fn with_caps(&self, caps: Caps) -> Box<dyn Dialect> {
            Box::new(Odd(caps))
        }
        fn comparable_text<'g>(&self, column: TextColumn<'g>, _: bool, _: TextTest) -> Expr<'g> {
            Expr::Collate(Box::new(column.expr), "odd")
        }
        fn match_text<'g>(&self, _: TextOp, _: TextColumn<'g>, _: bool, _: &str) -> Expr<'g> {
            Expr::truth(false)
        }
    }

    #[test]
    fn with_caps_changes_the_facts_and_keeps_the_dialects_hooks() {
        let odd = Odd(Caps::ANSI);
        let varied = odd.with_caps(Caps {
            max_params: 2,
            ..*odd.caps()
        });
        assert_eq!(varied.caps().max_params, 2);
        let compared = rendered(
            &*varied,
            varied.comparable_text(x().into(), false, TextTest::Equality),
        )
        .0;
        assert_eq!(compared, r#""t0"."x" COLLATE odd"#);
        let matched = varied.match_text(TextOp::Contains, x().into(), false, "a");
        assert_eq!(rendered(&*varied, matched).0, "1 = 0");
    }

    #[test]
    fn ansi_hooks_compare_the_column_as_it_is_and_match_substrings_with_like() {
        let ansi = Ansi::default();
        assert_eq!(
            rendered(
                &ansi,
                ansi.comparable_text(x().into(), false, TextTest::Equality)
            )
            .0,
            r#""t0"."x""#
        );
        assert_eq!(
            rendered(
                &ansi,
                ansi.comparable_text(x().into(), true, TextTest::Equality)
            )
            .0,
            r#"LOWER("t0"."x")"#
        );
        let text = |t: &str| Value::Text(t.to_owned());
        assert_eq!(
            rendered(
                &ansi,
                ansi.match_text(TextOp::Contains, x().into(), false, "5%_")
            ),
            (
                r#""t0"."x" LIKE ? ESCAPE '!'"#.to_owned(),
                vec![text("%5!%!_%")]
            )
        );
        assert_eq!(
            rendered(
                &ansi,
                ansi.match_text(TextOp::EndsWith, x().into(), true, "Ab")
            ),
            (
                r#"LOWER("t0"."x") LIKE LOWER(?) ESCAPE '!'"#.to_owned(),
                vec![text("%Ab")]
            )
        );
        assert_eq!(
            rendered(
                &ansi,
                ansi.match_text(TextOp::Equal, x().into(), true, "A%")
            ),
            (r#"LOWER("t0"."x") = LOWER(?)"#.to_owned(), vec![text("A%")])
        );
    }
}
