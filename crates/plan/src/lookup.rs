//! Lookups: the comparison at the end of a filter path (`name__icontains`).
//!
//! Invariant: the names are ormar's 14 (Django's spelling) plus `ne`, `range` and `regex`;
//! a name parses to at most one lookup and prints back to itself.

use std::fmt;

/// The comparison a filter applies to a field.
///
/// ```
/// use relq_plan::Lookup;
/// assert_eq!(Lookup::parse("icontains"), Some(Lookup::IContains));
/// assert_eq!(Lookup::IContains.to_string(), "icontains");
/// assert_eq!(Lookup::parse("like"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lookup {
    /// `=`, case-sensitive on every dialect (the default when a path names no lookup).
    Exact,
    /// Equal ignoring case: `LOWER` of both sides (SQLite's folds ASCII letters only, the
    /// others non-ASCII letters too; none folds `ß` to `ss`).
    IExact,
    /// Holds the value, case-sensitive; `%`, `_` and escape characters match literally.
    Contains,
    /// Holds the value, ignoring case.
    IContains,
    /// Starts with the value, case-sensitive.
    StartsWith,
    /// Starts with the value, ignoring case.
    IStartsWith,
    /// Ends with the value, case-sensitive.
    EndsWith,
    /// Ends with the value, ignoring case.
    IEndsWith,
    /// Is (or, with `false`, is not) NULL; on a to-many relation: has no related rows.
    IsNull,
    /// Equals one of a list; an empty list matches nothing.
    In,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Not equal (SQL's `<>`: a NULL field does not match).
    Ne,
    /// Between two values, both included (Django's `range`).
    Range,
    /// Matches a regular expression, case-sensitive, in the dialect's own regex flavour
    /// (PostgreSQL `~`, POSIX; MySQL/MariaDB `REGEXP`, ICU/PCRE); an error on a dialect
    /// without one (SQLite has no built-in `REGEXP` function).
    Regex,
}

impl Lookup {
    /// Every lookup, in the order ormar documents them, then `ne`, `range`, `regex`.
    pub const ALL: [Lookup; 17] = [
        Lookup::Exact,
        Lookup::IExact,
        Lookup::Contains,
        Lookup::IContains,
        Lookup::StartsWith,
        Lookup::IStartsWith,
        Lookup::EndsWith,
        Lookup::IEndsWith,
        Lookup::IsNull,
        Lookup::In,
        Lookup::Gt,
        Lookup::Gte,
        Lookup::Lt,
        Lookup::Lte,
        Lookup::Ne,
        Lookup::Range,
        Lookup::Regex,
    ];

    /// The lookup's name in a path.
    pub fn name(self) -> &'static str {
        match self {
            Lookup::Exact => "exact",
            Lookup::IExact => "iexact",
            Lookup::Contains => "contains",
            Lookup::IContains => "icontains",
            Lookup::StartsWith => "startswith",
            Lookup::IStartsWith => "istartswith",
            Lookup::EndsWith => "endswith",
            Lookup::IEndsWith => "iendswith",
            Lookup::IsNull => "isnull",
            Lookup::In => "in",
            Lookup::Gt => "gt",
            Lookup::Gte => "gte",
            Lookup::Lt => "lt",
            Lookup::Lte => "lte",
            Lookup::Ne => "ne",
            Lookup::Range => "range",
            Lookup::Regex => "regex",
        }
    }

    /// Whether the lookup takes text only and matches it as text (`iexact`, the
    /// `contains` / `startswith` / `endswith` families, `regex`): the value is rewritten
    /// into a pattern or folded by the SQL layer, never bound as a field value (the
    /// compile cache keeps such a value in a query's shape).
    pub fn matches_text(self) -> bool {
        matches!(
            self,
            Lookup::IExact
                | Lookup::Contains
                | Lookup::IContains
                | Lookup::StartsWith
                | Lookup::IStartsWith
                | Lookup::EndsWith
                | Lookup::IEndsWith
                | Lookup::Regex
        )
    }

    /// The lookup with this name (exact spelling, lower-case).
    pub fn parse(name: &str) -> Option<Lookup> {
        Lookup::ALL.into_iter().find(|l| l.name() == name)
    }
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
