//! `PathError`: a path that does not parse, or does not resolve against the graph.
//!
//! Invariant: every error carries the byte position in the path text where the problem
//! starts, and resolution errors also the 1-based segment number; messages quote at most
//! the first 80 bytes of a path.

use std::fmt;

/// A path that could not be parsed or resolved.
///
/// One pointer wide, so `Result<_, PathError>` stays small on the success path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError(Box<Inner>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    path: String,
    position: usize,
    segment: Option<usize>,
    kind: PathErrorKind,
}

impl PathError {
    pub(crate) fn new(
        path: &str,
        position: usize,
        segment: Option<usize>,
        kind: PathErrorKind,
    ) -> Self {
        Self(Box::new(Inner {
            path: shown(path),
            position,
            segment,
            kind,
        }))
    }

    /// What was wrong.
    pub fn kind(&self) -> &PathErrorKind {
        &self.0.kind
    }

    /// The byte offset in the path text where the problem starts.
    pub fn position(&self) -> usize {
        self.0.position
    }

    /// The 1-based number of the segment at fault, for resolution errors.
    pub fn segment(&self) -> Option<usize> {
        self.0.segment
    }

    /// The path text as given, cut to its first 80 bytes (then `…`) so an oversized input
    /// is never copied whole.
    pub fn path(&self) -> &str {
        &self.0.path
    }
}

/// At most the first 80 bytes of a path, cut on a character boundary, `…` if cut.
fn shown(path: &str) -> String {
    if path.len() <= 80 {
        return path.to_owned();
    }
    let mut end = 80;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &path[..end])
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "{} (", e.kind)?;
        if let Some(segment) = e.segment {
            write!(f, "segment {segment}, ")?;
        }
        write!(f, "byte {} of `{}`)", e.position, e.path)?;
        match e.kind.hint() {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for PathError {}

/// The rules a path must keep. Parse rules come first, then resolution rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathErrorKind {
    /// The path (or what follows a leading `-`) is empty.
    #[error("empty path")]
    Empty,
    /// The path starts with `__`.
    #[error("path starts with `__`")]
    LeadingSeparator,
    /// The path ends with `__`.
    #[error("path ends with `__`")]
    TrailingSeparator,
    /// `___` cannot tell which side its third underscore belongs to.
    #[error("`___` is ambiguous")]
    TripleUnderscore,
    /// Two separators with nothing between them (`a____b`).
    #[error("empty segment")]
    EmptySegment,
    /// A character that is not an ASCII letter, digit or `_`.
    #[error("invalid character {ch:?}")]
    InvalidChar {
        /// The character.
        ch: char,
        /// Whether it is a leading `-` where no ordering is parsed.
        descending_sign: bool,
    },
    /// A segment starts with a digit or `_`.
    #[error("segment starts with {ch:?}; a segment starts with an ASCII letter")]
    BadSegmentStart {
        /// The character.
        ch: char,
    },
    /// The path is longer than [`MAX_PATH_BYTES`](crate::MAX_PATH_BYTES).
    #[error("path is {len} bytes long; the limit is {}", crate::MAX_PATH_BYTES)]
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// The path has more than [`MAX_SEGMENTS`](crate::MAX_SEGMENTS) segments.
    #[error("path has more than {} segments", crate::MAX_SEGMENTS)]
    TooDeep,
    /// A segment that must be a relation is not one of the model's relations.
    #[error("unknown relation `{name}` on model `{model}`")]
    UnknownRelation {
        /// The model.
        model: String,
        /// The segment.
        name: String,
        /// The closest relation name, if one is close.
        suggestion: Option<String>,
    },
    /// A segment is neither a field nor a relation of the model.
    #[error("unknown field or relation `{name}` on model `{model}`")]
    UnknownField {
        /// The model.
        model: String,
        /// The segment.
        name: String,
        /// The closest field or relation name, if one is close.
        suggestion: Option<String>,
    },
    /// A segment after a field is not a lookup.
    #[error("unknown lookup `{name}` on field `{field}`")]
    UnknownLookup {
        /// The field (`Model.field`).
        field: String,
        /// The segment.
        name: String,
        /// The closest lookup, if one is close.
        suggestion: Option<String>,
    },
    /// A field is followed by a segment that is not a lookup, or by more than one
    /// segment (`name__first__exact`).
    #[error("field `{field}` is not a relation, so `{next}` cannot follow it")]
    FieldNotRelation {
        /// The field (`Model.field`).
        field: String,
        /// The segment after it.
        next: String,
    },
    /// In a filter, a lookup on a relation that does not take it: a to-many relation
    /// takes only `isnull`, a foreign key only `exact in isnull gt gte lt lte ne range` (Django's
    /// related lookups) on its own column.
    #[error("lookup `{lookup}` on relation `{relation}`")]
    LookupOnRelation {
        /// The relation (`Model.relation`).
        relation: String,
        /// The lookup.
        lookup: String,
        /// The target's primary key, to suggest comparing it instead.
        target_pk: String,
    },
    /// A path ends at a to-many relation where a field is required.
    #[error("relation `{relation}` where a field is required")]
    FieldRequired {
        /// The relation (`Model.relation`).
        relation: String,
        /// The target's primary key, to suggest.
        target_pk: String,
    },
    /// A lookup outside a filter (`select_related("students__exact")`,
    /// `order_by("name__icontains")`).
    #[error(
        "lookup `{lookup}` outside a filter; select_related, order_by and fields take no lookup"
    )]
    LookupNotAllowed {
        /// The lookup.
        lookup: String,
    },
    /// A field where a relation is required (`select_related`).
    #[error("`{name}` is a field of model `{model}`, not a relation")]
    RelationRequired {
        /// The model.
        model: String,
        /// The field.
        name: String,
    },
    /// A relation hidden from loading (`skip_reverse`) in a `select_related` path.
    #[error("relation `{relation}` is hidden from loading (skip_reverse); it can only filter")]
    HiddenRelation {
        /// The relation (`Model.relation`).
        relation: String,
    },
}

impl PathErrorKind {
    /// What would be right, where relq can tell.
    fn hint(&self) -> Option<String> {
        match self {
            PathErrorKind::InvalidChar {
                descending_sign: true,
                ..
            } => Some("a leading `-` (descending) is only allowed in order_by".to_owned()),
            PathErrorKind::UnknownRelation {
                suggestion: Some(s),
                ..
            }
            | PathErrorKind::UnknownField {
                suggestion: Some(s),
                ..
            }
            | PathErrorKind::UnknownLookup {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            PathErrorKind::LookupOnRelation {
                relation,
                lookup,
                target_pk,
            } => {
                let name = relation.rsplit('.').next().unwrap_or(relation);
                Some(format!(
                    "compare a field instead, e.g. `{name}__{target_pk}__{lookup}`"
                ))
            }
            PathErrorKind::FieldRequired {
                relation,
                target_pk,
            } => {
                let name = relation.rsplit('.').next().unwrap_or(relation);
                Some(format!("name a field of it, e.g. `{name}__{target_pk}`"))
            }
            _ => None,
        }
    }
}
