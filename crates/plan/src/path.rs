//! Parsing `__` paths: `students__category__name__icontains`, `-name` in an ordering.
//!
//! The parser is pure syntax: it knows nothing of the graph. A segment is an ASCII letter
//! followed by ASCII letters, digits and single underscores; segments are joined by exactly
//! `__`.
//!
//! Invariants: a successful parse allocates only when a path has more than 6 segments
//! (the inline capacity of the segment list); parsing never panics; a parsed path prints
//! back to its input.

use std::fmt;

use smallvec::SmallVec;

use crate::error::{PathError, PathErrorKind as K};

/// The longest path accepted, in bytes (including a leading `-`).
pub const MAX_PATH_BYTES: usize = 4096;

/// The most segments a path may have.
pub const MAX_SEGMENTS: usize = 32;

/// One `__`-separated part of a path, borrowed from the path text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The segment's text.
    pub name: &'a str,
    /// Its byte offset in the whole path text.
    pub start: usize,
}

/// A syntactically valid path: an optional descending sign and 1 to [`MAX_SEGMENTS`]
/// segments.
///
/// ```
/// use relq_plan::ParsedPath;
/// let path = ParsedPath::parse_ordering("-students__name")?;
/// assert!(path.is_descending());
/// let names: Vec<_> = path.segments().iter().map(|s| s.name).collect();
/// assert_eq!(names, ["students", "name"]);
/// assert_eq!(path.to_string(), "-students__name");
/// # Ok::<(), relq_plan::PathError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPath<'a> {
    text: &'a str,
    descending: bool,
    segments: SmallVec<[Segment<'a>; 6]>,
}

impl<'a> ParsedPath<'a> {
    /// Parses a path with no sign (select_related, filters, fields).
    ///
    /// # Errors
    /// A [`PathError`] with the byte position for: an empty path, a leading or trailing
    /// `__`, `___`, an empty segment, a character that is not an ASCII letter, digit or
    /// `_` (including `-`), a segment starting with a digit or `_`, more than
    /// [`MAX_PATH_BYTES`] bytes or more than [`MAX_SEGMENTS`] segments.
    pub fn parse(text: &'a str) -> Result<Self, PathError> {
        parse(text, false)
    }

    /// Parses an ordering path: like [`ParsedPath::parse`], with an optional leading `-`
    /// for descending order.
    ///
    /// # Errors
    /// As [`ParsedPath::parse`].
    pub fn parse_ordering(text: &'a str) -> Result<Self, PathError> {
        parse(text, true)
    }

    /// The whole text as given.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Whether the path had a leading `-`.
    pub fn is_descending(&self) -> bool {
        self.descending
    }

    /// The segments, at least one.
    pub fn segments(&self) -> &[Segment<'a>] {
        &self.segments
    }
}

impl fmt::Display for ParsedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str("__")?;
            }
            f.write_str(s.name)?;
        }
        Ok(())
    }
}

fn parse(text: &str, ordering: bool) -> Result<ParsedPath<'_>, PathError> {
    let fail = |position: usize, kind: K| Err(PathError::new(text, position, None, kind));
    if text.len() > MAX_PATH_BYTES {
        return fail(0, K::TooLong { len: text.len() });
    }
    let bytes = text.as_bytes();
    let descending = ordering && bytes.first() == Some(&b'-');
    let mut i = usize::from(descending);
    if i == bytes.len() {
        return fail(i, K::Empty);
    }
    let mut segments = SmallVec::new();
    loop {
        // `i` is where a segment must start.
        let c = bytes[i];
        if !c.is_ascii_alphabetic() {
            return match c {
                b'_' if i == usize::from(descending) && bytes.get(i + 1) == Some(&b'_') => {
                    fail(i, K::LeadingSeparator)
                }
                b'_' | b'0'..=b'9' => fail(i, K::BadSegmentStart { ch: char::from(c) }),
                _ => fail(i, invalid_char(text, i)),
            };
        }
        let start = i;
        let mut next = None;
        while i < bytes.len() {
            match bytes[i] {
                c if c.is_ascii_alphanumeric() => i += 1,
                b'_' => {
                    let run = bytes[i..].iter().take_while(|&&b| b == b'_').count();
                    if i + run == bytes.len() && run >= 2 {
                        return fail(i, K::TrailingSeparator);
                    }
                    match run {
                        1 => i += 1,
                        2 => {
                            next = Some(i + 2);
                            break;
                        }
                        3 => return fail(i, K::TripleUnderscore),
                        _ => return fail(i + 2, K::EmptySegment),
                    }
                }
                _ => return fail(i, invalid_char(text, i)),
            }
        }
        if segments.len() == MAX_SEGMENTS {
            return fail(start, K::TooDeep);
        }
        segments.push(Segment {
            name: &text[start..i],
            start,
        });
        match next {
            Some(n) => i = n,
            None => break,
        }
    }
    Ok(ParsedPath {
        text,
        descending,
        segments,
    })
}

/// The invalid character at byte `i`, which is a character boundary: the parser only
/// steps over ASCII bytes.
fn invalid_char(text: &str, i: usize) -> K {
    let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
    K::InvalidChar {
        ch,
        descending_sign: i == 0 && ch == '-',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        ParsedPath::parse(text)
            .expect("valid")
            .segments()
            .iter()
            .map(|s| s.name)
            .collect()
    }

    #[test]
    fn splits_on_double_underscore_and_keeps_single_ones() {
        assert_eq!(
            names("students__first_name__icontains"),
            ["students", "first_name", "icontains"]
        );
        assert_eq!(names("a1"), ["a1"]);
    }

    #[test]
    fn segment_offsets_point_into_the_text() {
        let p = ParsedPath::parse_ordering("-ab__cd").expect("valid");
        let starts: Vec<_> = p.segments().iter().map(|s| s.start).collect();
        assert_eq!(starts, [1, 5]);
    }

    #[test]
    fn descending_sign_only_in_orderings() {
        assert!(
            ParsedPath::parse_ordering("-name")
                .expect("valid")
                .is_descending()
        );
        let err = ParsedPath::parse("-name").expect_err("no sign outside order_by");
        assert_eq!(err.position(), 0);
        assert!(matches!(
            err.kind(),
            K::InvalidChar {
                ch: '-',
                descending_sign: true
            }
        ));
    }

    #[test]
    fn exactly_max_segments_parse_and_one_more_fails() {
        let ok = vec!["a"; MAX_SEGMENTS].join("__");
        assert_eq!(
            ParsedPath::parse(&ok).expect("valid").segments().len(),
            MAX_SEGMENTS
        );
        let deep = vec!["a"; MAX_SEGMENTS + 1].join("__");
        let err = ParsedPath::parse(&deep).expect_err("too deep");
        assert_eq!(
            (err.kind(), err.position()),
            (&K::TooDeep, 3 * MAX_SEGMENTS)
        );
    }

    #[test]
    fn length_limit_counts_bytes() {
        let ok = "a".repeat(MAX_PATH_BYTES);
        assert!(ParsedPath::parse(&ok).is_ok());
        let long = "a".repeat(MAX_PATH_BYTES + 1);
        assert!(matches!(
            ParsedPath::parse(&long).expect_err("too long").kind(),
            K::TooLong { len } if *len == MAX_PATH_BYTES + 1
        ));
    }

    #[test]
    fn every_syntax_error_names_its_byte() {
        let cases = [
            ("", 0, "empty"),
            ("-", 1, "empty after sign"),
            ("__a", 0, "leading separator"),
            ("a__", 1, "trailing separator"),
            ("a___", 1, "trailing run"),
            ("a___b", 1, "triple underscore"),
            ("a____b", 3, "empty segment"),
            ("a__1b", 3, "digit start"),
            ("_a", 0, "underscore start"),
            ("a.b", 1, "dot"),
            ("ab__cé", 5, "non-ascii"),
            ("a b", 1, "space"),
        ];
        let long = format!("{}__b", "a".repeat(MAX_PATH_BYTES));
        let deep = vec!["a"; MAX_SEGMENTS + 1].join("__");
        let limits = [
            (long.as_str(), 0, "too long"),
            (deep.as_str(), 96, "too deep"),
        ];
        let mut report = String::new();
        for (text, position, what) in cases.into_iter().chain(limits) {
            let err = ParsedPath::parse_ordering(text).expect_err(what);
            assert_eq!(err.position(), position, "{what}: {err}");
            report.push_str(&format!("{what}: {err}\n"));
        }
        insta::assert_snapshot!(report, @r"
        empty: empty path (byte 0 of ``)
        empty after sign: empty path (byte 1 of `-`)
        leading separator: path starts with `__` (byte 0 of `__a`)
        trailing separator: path ends with `__` (byte 1 of `a__`)
        trailing run: path ends with `__` (byte 1 of `a___`)
        triple underscore: `___` is ambiguous (byte 1 of `a___b`)
        empty segment: empty segment (byte 3 of `a____b`)
        digit start: segment starts with '1'; a segment starts with an ASCII letter (byte 3 of `a__1b`)
        underscore start: segment starts with '_'; a segment starts with an ASCII letter (byte 0 of `_a`)
        dot: invalid character '.' (byte 1 of `a.b`)
        non-ascii: invalid character 'é' (byte 5 of `ab__cé`)
        space: invalid character ' ' (byte 1 of `a b`)
        too long: path is 4099 bytes long; the limit is 4096 (byte 0 of `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…`)
        too deep: path has more than 32 segments (byte 96 of `a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a__a_…`)
        ");
    }
}
