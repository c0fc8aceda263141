//! What differs between databases: a [`Caps`] struct of facts, behind the [`Dialect`]
//! trait that the dialect crates (`relq-sqlite`, `relq-postgres`, `relq-mysql`) implement.
//!
//! A dialect is data first. Each crate declares its facts as a `const` [`Caps`] built
//! from [`Caps::ANSI`] with struct update (`..Caps::ANSI`); facts that depend on the server
//! version are read from a connection into a `Caps` value at run time.
//!
//! Invariant: code outside the dialect crates never asks *which* dialect it has; it reads
//! a fact. Names: `supports_*` for optional features, `requires_*` for quirks.

/// How a bound parameter is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// `?` for every parameter, bound in order (SQLite, MySQL).
    QuestionMark,
    /// `$1`, `$2`, ... numbered from 1 in text order (PostgreSQL).
    DollarNumber,
}

/// How `OFFSET` is written when there is no `LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetWithoutLimit {
    /// `OFFSET ?` on its own (PostgreSQL, SQL:2008).
    Alone,
    /// `LIMIT <literal> OFFSET ?`, where the literal means "no limit" (SQLite `-1`,
    /// MySQL `18446744073709551615`). The literal is a constant of the dialect, never a
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
}

impl Caps {
    /// ISO SQL as the base every dialect starts from: `"` quotes, `?` parameters,
    /// `OFFSET n` alone, `NULLS FIRST` / `LAST` accepted, 128-character identifiers
    /// (SQL:2003 §5.4), no join limit. NULL placement is implementation-defined in ISO SQL;
    /// the base says "smallest" and each dialect states its own.
    pub const ANSI: Caps = Caps {
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

/// How a type that takes parameters (`VARCHAR(n)`, `DECIMAL(p, s)`) is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeName {
    /// The name alone, the parameters dropped (SQLite's `TEXT` for a decimal, which keeps
    /// every digit where its `NUMERIC` affinity would not).
    Bare(&'static str),
    /// The name with its parameters: `VARCHAR(100)`, `NUMERIC(10, 2)` (`, ` between them).
    WithArgs(&'static str),
}

/// The column type relq declares for each [`FieldType`](relq_graph::FieldType): chosen so
/// every value round-trips exactly (no float for a decimal, no lost scale or fraction of a
/// second, no time zone conversion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnTypes {
    /// `integer`.
    pub integer: &'static str,
    /// `big_integer`.
    pub big_integer: &'static str,
    /// `float` (double precision).
    pub float: &'static str,
    /// `decimal`, with its precision and scale.
    pub decimal: TypeName,
    /// `text` without a maximum length.
    pub text: &'static str,
    /// `text` with a maximum length `n`.
    pub varchar: TypeName,
    /// The length a `text` key column (a primary key, a foreign key or a through model's
    /// key) without a maximum length gets, where the database cannot index unbounded text
    /// (MySQL/MariaDB: `VARCHAR(255)`); `None`: such a key is [`text`](Self::text).
    pub key_text_length: Option<u32>,
    /// Written after the type of every `text` column (with a leading space), so text
    /// compares and sorts by code point on every dialect whatever the server's default
    /// collation: `""` where that is already so (SQLite's `BINARY`), ` COLLATE "C"`,
    /// ` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin` (MariaDB; trailing spaces count,
    /// as they do on the others).
    pub text_collation: &'static str,
    /// `boolean`.
    pub boolean: &'static str,
    /// `date`.
    pub date: &'static str,
    /// `time`, with microseconds.
    pub time: &'static str,
    /// `datetime`, with microseconds, without a time zone.
    pub datetime: &'static str,
    /// `uuid`.
    pub uuid: &'static str,
    /// `json`.
    pub json: &'static str,
    /// `bytes`.
    pub bytes: &'static str,
}

impl ColumnTypes {
    /// ISO SQL:2016 types: `INTEGER`, `BIGINT`, `DOUBLE PRECISION`, `NUMERIC(p, s)`,
    /// `CLOB`, `VARCHAR(n)`, `BOOLEAN`, `DATE`, `TIME`, `TIMESTAMP`, `CHAR(36)` for a UUID
    /// (ISO has no UUID type), `JSON` (SQL:2023), `BLOB`.
    pub const ANSI: ColumnTypes = ColumnTypes {
        integer: "INTEGER",
        big_integer: "BIGINT",
        float: "DOUBLE PRECISION",
        decimal: TypeName::WithArgs("NUMERIC"),
        text: "CLOB",
        varchar: TypeName::WithArgs("VARCHAR"),
        key_text_length: None,
        text_collation: "",
        boolean: "BOOLEAN",
        date: "DATE",
        time: "TIME",
        datetime: "TIMESTAMP",
        uuid: "CHAR(36)",
        json: "JSON",
        bytes: "BLOB",
    };
}

/// A database's SQL dialect: its facts, plus (in later stages) the few hooks where the
/// shape of a statement differs.
pub trait Dialect {
    /// The dialect's facts.
    fn caps(&self) -> &Caps;
}

/// Facts alone make a dialect: ISO SQL (`Caps::ANSI`) or any variation of it, as tests and
/// embedders that describe a database by its facts use it.
impl Dialect for Caps {
    fn caps(&self) -> &Caps {
        self
    }
}
