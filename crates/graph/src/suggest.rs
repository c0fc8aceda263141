//! Did-you-mean suggestions for unknown names, shared by schema and path errors.
//!
//! Invariant: the result depends only on the name and the candidates' order (ties keep the
//! first candidate), never on hashing.

/// The candidate closest to `name`, if one is close enough to be a likely typo: Jaro-Winkler
/// similarity of at least 0.8 on the lower-cased names (strsim), best first, ties to the
/// earlier candidate.
///
/// ```
/// assert_eq!(relq_graph::suggest("teacher", ["students", "teachers"]), Some("teachers"));
/// assert_eq!(relq_graph::suggest("xyz", ["students", "teachers"]), None);
/// ```
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&name, &candidate.to_ascii_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}
