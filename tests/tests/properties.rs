//! Property tests for schemas and paths: nothing panics on any input, valid paths print
//! back to themselves, and a path walked along a graph's own edges always resolves to
//! exactly those edges.

mod common;

use common::strategies::{schema, walk};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use relq_graph::RelationGraph;
use relq_plan::{Lookup, ParsedPath, PathKind, resolve};
use relq_sample::Sample;

/// A segment: a letter, then letters and digits with single underscores between them.
fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9]{0,6}(_[a-zA-Z0-9]{1,4}){0,2}"
}

fn check_walks(
    g: &RelationGraph,
    root: usize,
    steps: &[usize],
    field: usize,
    lookup: usize,
) -> Result<(), TestCaseError> {
    let (root, names, hops) = walk(g, root, steps);
    if !names.is_empty() {
        let text = names.join("__");
        let parsed = ParsedPath::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let r = resolve(g, root, &parsed, PathKind::Relations)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(r.hops().to_vec(), hops.clone());
        prop_assert_eq!(r.field(), None);
    }
    let last = hops.last().map_or(root, |&h| g.relation(h).target().id());
    let fields: Vec<_> = g.model(last).fields().collect();
    let f = fields[field % fields.len()];
    let lookup = Lookup::ALL[lookup % Lookup::ALL.len()];
    let mut segments: Vec<String> = names;
    segments.push(f.name().to_owned());
    // The same path names a field (order_by, fields), then with a lookup a filter.
    for (kind, lookup) in [(PathKind::Field, None), (PathKind::Filter, Some(lookup))] {
        let text = match lookup {
            Some(l) => format!("{}__{l}", segments.join("__")),
            None => segments.join("__"),
        };
        let parsed = ParsedPath::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let r = resolve(g, root, &parsed, kind)
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(r.hops().to_vec(), hops.clone());
        prop_assert_eq!(r.field(), Some(f.id()));
        prop_assert_eq!(r.lookup(), lookup);
    }
    Ok(())
}

/// Paths made of the samples' own names, lookups and near-misses, joined by separators
/// that are sometimes wrong: most parse, many resolve, the rest fail in every way.
fn vocabulary_path() -> impl Strategy<Value = String> {
    let words: Vec<String> = Sample::ALL
        .iter()
        .flat_map(|s| {
            let g = s.graph().expect("valid sample");
            let mut w: Vec<String> = Vec::new();
            for m in g.models() {
                w.extend(m.fields().map(|f| f.name().to_owned()));
                w.extend(m.relations().map(|r| r.name().to_owned()));
            }
            w
        })
        .chain(Lookup::ALL.iter().map(|l| l.name().to_owned()))
        .chain(["teacher", "categry", "nme", "x1"].map(str::to_owned))
        .collect();
    let separator = prop::sample::select(vec!["__", "__", "__", "__", "___", "_", "-"]);
    prop::collection::vec((prop::sample::select(words), separator), 1..6).prop_map(|parts| {
        let mut text = String::new();
        for (i, (word, separator)) in parts.iter().enumerate() {
            if i > 0 {
                text.push_str(separator);
            }
            text.push_str(word);
        }
        text
    })
}

/// Resolves `text` from every model of every sample, in every kind: never a panic, and a
/// success is a chain of hops from the root.
fn resolve_everywhere(text: &str) -> Result<usize, TestCaseError> {
    let Ok(path) = ParsedPath::parse(text) else {
        return Ok(0);
    };
    let mut resolved = 0;
    for sample in Sample::ALL {
        let g = sample.graph().expect("valid sample");
        for model in g.models() {
            for kind in [PathKind::Relations, PathKind::Field, PathKind::Filter] {
                if let Ok(r) = resolve(&g, model.id(), &path, kind) {
                    let mut at = model.id();
                    for &h in r.hops() {
                        prop_assert_eq!(g.relation(h).source().id(), at);
                        at = g.relation(h).target().id();
                    }
                    resolved += 1;
                }
            }
        }
    }
    Ok(resolved)
}

#[test]
fn random_schemas_are_valid_often_enough_to_test_resolution() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let tree = |r: &mut proptest::test_runner::TestRunner| schema().new_tree(r).expect("value");
    let valid = (0..400)
        .filter(|_| tree(&mut runner).current().build().is_ok())
        .count();
    assert!(valid >= 100, "only {valid} of 400 random schemas are valid");
    assert!(
        valid <= 360,
        "{valid} of 400 random schemas are valid: the error rules go untested"
    );
}

#[test]
fn vocabulary_paths_reach_resolution() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut resolved = 0;
    for _ in 0..200 {
        let text = vocabulary_path()
            .new_tree(&mut runner)
            .expect("value")
            .current();
        resolved += resolve_everywhere(&text)
            .map_err(|e| e.to_string())
            .expect("no broken chain");
    }
    assert!(
        resolved >= 200,
        "only {resolved} successful resolutions from 200 paths"
    );
}

proptest! {
    // Failures are kept in `tests/proptest-regressions/` (committed) and replayed first.
    // proptest's default (beside the source file) finds no lib.rs for an integration test.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn vocabulary_paths_never_panic_and_resolve_to_chains(text in vocabulary_path()) {
        resolve_everywhere(&text)?;
    }

    #[test]
    fn any_string_never_panics(text in any::<String>(), root in 0usize..8, kind in 0usize..3) {
        let parsed = ParsedPath::parse(&text);
        let _ = ParsedPath::parse_ordering(&text);
        if let Ok(path) = parsed {
            let kind = [PathKind::Relations, PathKind::Field, PathKind::Filter][kind];
            for sample in Sample::ALL {
                let g = sample.graph().expect("valid sample");
                let root = g.models().nth(root % g.models().len()).expect("model").id();
                let _ = resolve(&g, root, &path, kind).map_err(|e| e.to_string());
            }
        }
    }

    #[test]
    fn identifier_like_strings_never_panic(text in "[-a-z_]{0,24}") {
        for result in [ParsedPath::parse(&text), ParsedPath::parse_ordering(&text)] {
            match result {
                Ok(p) => prop_assert_eq!(p.to_string(), text.clone()),
                Err(e) => prop_assert!(e.position() <= text.len()),
            }
        }
    }

    #[test]
    fn generated_valid_path_prints_back_to_itself(
        segments in prop::collection::vec(segment(), 1..=relq_plan::MAX_SEGMENTS),
        descending in any::<bool>(),
    ) {
        let text = format!("{}{}", if descending { "-" } else { "" }, segments.join("__"));
        let path = ParsedPath::parse_ordering(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(path.is_descending(), descending);
        prop_assert_eq!(path.segments().len(), segments.len());
        prop_assert_eq!(path.to_string(), path.text());
    }

    #[test]
    fn path_along_sample_edges_always_resolves(
        sample in 0usize..3, root in 0usize..8, steps in prop::collection::vec(0usize..8, 0..6),
        field in 0usize..8, lookup in 0usize..16,
    ) {
        let g = Sample::ALL[sample].graph().expect("valid sample");
        check_walks(&g, root, &steps, field, lookup)?;
    }

    #[test]
    fn random_schema_builds_or_fails_typed_and_its_edges_resolve(
        def in schema(), root in 0usize..8, steps in prop::collection::vec(0usize..8, 0..6),
        field in 0usize..8, lookup in 0usize..16,
    ) {
        // A typed error is the other legal outcome; its share is checked by
        // `random_schemas_are_valid_often_enough_to_test_resolution`.
        if let Ok(g) = def.build() {
            g.verify().map_err(TestCaseError::fail)?;
            check_walks(&g, root, &steps, field, lookup)?;
        }
    }
}
