//! Bodies of the cargo-fuzz targets: each takes arbitrary bytes and panics only when a
//! relq invariant breaks (never on bad input, which must give a typed error).

use relq_graph::{ModelId, RelationGraph};
use relq_plan::{Lookup, ParsedPath, PathKind, ResolvedPath, resolve};

use crate::samples::Sample;

/// `parse_path`: any text parses or fails with a position inside the text; what parses
/// prints back to itself, segment offsets point at the segments, and the limits hold.
pub fn parse_path(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for ordering in [false, true] {
        let parsed = if ordering {
            ParsedPath::parse_ordering(text)
        } else {
            ParsedPath::parse(text)
        };
        match parsed {
            Ok(path) => {
                assert_eq!(
                    path.to_string(),
                    text,
                    "a parsed path prints back to itself"
                );
                assert!(path.segments().len() <= relq_plan::MAX_SEGMENTS);
                for s in path.segments() {
                    assert_eq!(&text[s.start..s.start + s.name.len()], s.name);
                }
            }
            Err(e) => {
                assert!(e.position() <= text.len(), "error position inside the text");
                let _ = e.to_string();
            }
        }
    }
}

/// The sample graphs (school, blog, person), built once.
fn graphs() -> &'static [RelationGraph] {
    static GRAPHS: std::sync::OnceLock<Vec<RelationGraph>> = std::sync::OnceLock::new();
    GRAPHS.get_or_init(|| {
        Sample::ALL
            .into_iter()
            .map(|s| s.graph().expect("shipped samples are valid"))
            .collect()
    })
}

/// `resolve_path`: byte 0 picks the schema (school, blog, person), byte 1 the root model,
/// byte 2 the path kind; the rest is the path. Resolution succeeds or fails with a typed error; a success is a
/// chain of hops from the root, ending at a field of the last model reached.
pub fn resolve_path(data: &[u8]) {
    let [schema, root, kind, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let graphs = graphs();
    let graph = &graphs[usize::from(*schema) % graphs.len()];
    let root = graph
        .models()
        .nth(usize::from(*root) % graph.models().len())
        .map(|m| m.id())
        .expect("a sample has models");
    let kind = [PathKind::Relations, PathKind::Field, PathKind::Filter][usize::from(*kind) % 3];
    let Ok(path) = ParsedPath::parse(text) else {
        return;
    };
    match resolve(graph, root, &path, kind) {
        Ok(resolved) => check_shape(graph, root, kind, &resolved),
        Err(e) => {
            assert!(e.position() <= text.len());
            let _ = e.to_string();
        }
    }
}

/// A resolved path is a chain of hops from the root whose end fits its kind: relations
/// paths end at a model, through loadable relations; field paths at a field with no
/// lookup; filter paths at a field, or at a to-many relation with `isnull`.
fn check_shape(graph: &RelationGraph, root: ModelId, kind: PathKind, resolved: &ResolvedPath) {
    let mut at = root;
    for &hop in resolved.hops() {
        let r = graph.relation(hop);
        assert_eq!(r.source().id(), at, "hops form a chain from the root");
        assert!(
            kind != PathKind::Relations || !r.is_hidden(),
            "hidden relations never load"
        );
        at = r.target().id();
    }
    if let Some(field) = resolved.field() {
        assert_eq!(
            graph.field(field).model().id(),
            at,
            "the field is on the last model"
        );
    }
    match kind {
        PathKind::Relations => {
            assert_eq!((resolved.field(), resolved.lookup()), (None, None));
            assert!(!resolved.hops().is_empty());
        }
        PathKind::Field => assert!(resolved.field().is_some() && resolved.lookup().is_none()),
        PathKind::Filter => {
            if resolved.field().is_none() {
                assert_eq!(resolved.lookup(), Some(Lookup::IsNull));
                let last = resolved.hops().last().map(|&h| graph.relation(h));
                assert!(
                    last.is_some_and(|r| r.is_to_many()),
                    "isnull on a to-many relation"
                );
            }
        }
    }
}

/// `compile_query`: byte 0 picks the schema (school, blog, person); the rest is a query in
/// its JSON form. It deserialises and compiles for every dialect, or fails with a typed
/// error; a success has one statement per dialect, one parameter per placeholder, the same
/// plan on every dialect, and an extraction plan as wide as the select list.
pub fn compile_query(data: &[u8]) {
    let [schema, rest @ ..] = data else {
        return;
    };
    let Ok(query) = serde_json::from_slice::<relq_plan::Query>(rest) else {
        return;
    };
    let graphs = graphs();
    let graph = &graphs[usize::from(*schema) % graphs.len()];
    let dialects: [&dyn relq_sql::Dialect; 3] = [
        &relq_sqlite::Sqlite::default(),
        &relq_postgres::Postgres::default(),
        &relq_mysql::MySql::default(),
    ];
    let mut plans = Vec::new();
    for dialect in dialects {
        match relq_sql::compile(graph, &query, dialect) {
            Ok(compiled) => {
                let [statement] = compiled.statements.as_slice() else {
                    panic!("the joined strategy makes one statement");
                };
                // The samples' identifiers hold no `?` or `$`, so every one is a placeholder.
                let placeholders = statement
                    .sql
                    .chars()
                    .filter(|&c| c == '?' || c == '$')
                    .count();
                assert_eq!(placeholders, statement.params.len(), "{}", statement.sql);
                assert_eq!(
                    compiled.plan.extraction.width,
                    compiled.plan.columns.len(),
                    "the extraction plan covers the select list"
                );
                plans.push(compiled.plan);
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    assert!(
        plans.windows(2).all(|w| w[0] == w[1]),
        "every dialect plans alike"
    );
}
