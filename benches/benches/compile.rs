//! Compile latency: from the query IR to SQL text, parameters and the extraction plan.
//!
//! - `school_seed`: ormar's `SchoolClass.select_related(["teachers__category",
//!   "students__category"])` (5 tables).
//! - `six_tables`: `SchoolClass` with `department`, `teachers__category` and
//!   `students__category` (6 tables, 5 aliased joins, `categories` twice), ordered by
//!   `-name`, `LIMIT 10 OFFSET 20` (so the roots are paginated in a derived table), for each
//!   dialect.
//! - `six_tables_seaquery`: the peer. SeaQuery 1.0 building the SQL and values of the
//!   comparable flat statement (the same 6 tables, 5 aliased joins, 15 columns, ORDER BY,
//!   LIMIT/OFFSET) for PostgreSQL; it plans nothing and makes no extraction plan.
//!
//! The target (issue 3) is a median of at most 2 µs for `six_tables`.
//!
//! Cached compiles (issue 16): a [`CompileCache`] answering a query of a shape it knows
//! with other values, beside the full compile of the same queries (`cold/...`). Each
//! iteration compiles the next of four queries that differ only in a filter value, so
//! every cached compile binds new values. Before timing, each cache is checked to answer
//! all four from its one shape (the first query's plan, shared) exactly as the full
//! compile does (text, parameters, runs).
//!
//! - `cold/six_tables_filtered`, `cached/six_tables`: `six_tables` keeping the classes
//!   of one department (`department__id`), for each dialect.
//! - `cold/school_seed_filtered`, `cached/school_seed`: `school_seed` keeping three
//!   classes (`id__in`, a list of 3).
//! - `cold/generated_300`, `cached/generated_300`: a generated schema of 100 models and
//!   300 relations; `G50` with `prev__prev__prev` and `peers__prev__prev` (8 table
//!   references, the through table one of them, 7 left joins, 28 columns), keeping one
//!   `prev__id`, ordered by `-name`.
//! - `generated_300_seaquery`: the peer building the same statement (checked equal to
//!   relq's text but for relq's `LEFT OUTER JOIN`) with its one value.
//!
//! The target (issue 16) is a cached compile at least 10× faster than SeaQuery building
//! the statement.

mod seaquery;

use std::hint::black_box;
use std::sync::Arc;

use criterion::Criterion;
use relq::plan::PlanOptions;
use relq::sql::CompileCache;
use relq::{
    Compiled, Dialect, MySql, Postgres, Query, RelationGraph, SchemaDef, Sqlite, Strategy, compile,
};
use relq_benches::{
    GENERATED_RELATIONS, generated_300, generated_300_query, school_seed_filtered, six_tables,
    six_tables_filtered,
};

fn school() -> RelationGraph {
    SchemaDef::from_toml(include_str!("../../schemas/school.toml"))
        .and_then(|d| d.build())
        .expect("the sample schema is valid")
}

/// What a cached compile must give as the full compile does: per statement its text,
/// parameters, key binding and runs (a shape's IR and plan are its first query's).
fn answers(compiled: &Compiled<'_>) -> Vec<(String, Vec<relq::Value>, String)> {
    compiled
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let runs = format!("{:?}", compiled.runs(i, &[relq::Value::Int(1)]));
            (s.sql.to_string(), s.params.clone(), runs)
        })
        .collect()
}

/// A cache warmed with `queries[0]`, checked to answer each of `queries` from that one
/// shape (its plan shared with the first compile) exactly as the full compile does.
fn warmed<'g>(
    graph: &'g RelationGraph,
    dialect: &dyn Dialect,
    queries: &[Query],
) -> CompileCache<'g> {
    let mut cache = CompileCache::new(graph, dialect, PlanOptions::default());
    let first = cache.compile(&queries[0]).expect("the query compiles");
    for query in queries {
        let cached = cache.compile(query).expect("the query compiles");
        assert!(
            Arc::ptr_eq(&cached.plan, &first.plan),
            "not from the cache: {query:?}"
        );
        let full = compile(graph, query, dialect).expect("the query compiles");
        assert_eq!(answers(&cached), answers(&full), "cached ≠ full: {query:?}");
        assert_eq!(cached.delivery, full.delivery, "{query:?}");
    }
    assert_eq!(cache.shapes(), 1);
    cache
}

/// Compiles `queries` in turn, in full (`cache` `None`) or from `cache`.
fn bench_turns(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    graph: &RelationGraph,
    dialect: &dyn Dialect,
    queries: &[Query],
    cache: Option<&mut CompileCache<'_>>,
) {
    let mut turn = 0;
    let mut next = move || {
        turn = (turn + 1) % queries.len();
        black_box(&queries[turn])
    };
    match cache {
        None => group.bench_function(id, |b| {
            b.iter(|| compile(black_box(graph), next(), dialect))
        }),
        Some(cache) => {
            let bench = group.bench_function(id, |b| b.iter(|| cache.compile(next())));
            assert_eq!(cache.shapes(), 1, "{id}: one shape throughout");
            bench
        }
    };
}

fn compile_latency(c: &mut Criterion) {
    let graph = school();
    let seed = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .strategy(Strategy::Joined);
    let six = six_tables();
    // The peer's statement is the comparable one: six tables, five joins, two values.
    let (peer_sql, peer_values) = seaquery::six_tables();
    assert_eq!(peer_sql.matches(" JOIN ").count(), 5, "{peer_sql}");
    assert_eq!(peer_values.0.len(), 2, "{peer_sql}");
    let mut group = c.benchmark_group("compile");
    group.bench_function("school_seed/postgres", |b| {
        b.iter(|| compile(black_box(&graph), black_box(&seed), &Postgres::default()))
    });
    let dialects: [(&str, &dyn Dialect); 3] = [
        ("sqlite", &Sqlite::default()),
        ("postgres", &Postgres::default()),
        ("mysql", &MySql::default()),
    ];
    for (name, dialect) in dialects {
        group.bench_function(format!("six_tables/{name}"), |b| {
            b.iter(|| compile(black_box(&graph), black_box(&six), dialect))
        });
    }
    group.bench_function("six_tables_seaquery/postgres", |b| {
        b.iter(seaquery::six_tables)
    });

    // Cached compiles (issue 16): four queries of one shape each, in turn.
    let six_filtered: Vec<Query> = (1..=4).map(six_tables_filtered).collect();
    for (name, dialect) in dialects {
        let id = format!("cold/six_tables_filtered/{name}");
        bench_turns(&mut group, &id, &graph, dialect, &six_filtered, None);
        let mut cache = warmed(&graph, dialect, &six_filtered);
        let id = format!("cached/six_tables/{name}");
        bench_turns(
            &mut group,
            &id,
            &graph,
            dialect,
            &six_filtered,
            Some(&mut cache),
        );
    }
    let seed_filtered: Vec<Query> = (0..4).map(school_seed_filtered).collect();
    let postgres = Postgres::default();
    bench_turns(
        &mut group,
        "cold/school_seed_filtered/postgres",
        &graph,
        &postgres,
        &seed_filtered,
        None,
    );
    let mut cache = warmed(&graph, &postgres, &seed_filtered);
    bench_turns(
        &mut group,
        "cached/school_seed/postgres",
        &graph,
        &postgres,
        &seed_filtered,
        Some(&mut cache),
    );

    let generated = generated_300()
        .build()
        .expect("the generated schema is valid");
    assert_eq!(generated.relations().len(), GENERATED_RELATIONS);
    assert_eq!(GENERATED_RELATIONS, 300);
    let generated_queries: Vec<Query> = (1..=4).map(generated_300_query).collect();
    let (peer_sql, peer_values) = seaquery::generated_300(1);
    let ours = compile(&generated, &generated_queries[0], &postgres).expect("compiles");
    assert_eq!(ours.statements.len(), 1);
    // The same statement, relq spelling its joins `LEFT OUTER JOIN`.
    assert_eq!(
        ours.statements[0]
            .sql
            .replace("LEFT OUTER JOIN", "LEFT JOIN"),
        peer_sql
    );
    assert_eq!(peer_values.0.len(), 1, "{peer_sql}");
    bench_turns(
        &mut group,
        "cold/generated_300/postgres",
        &generated,
        &postgres,
        &generated_queries,
        None,
    );
    let mut cache = warmed(&generated, &postgres, &generated_queries);
    bench_turns(
        &mut group,
        "cached/generated_300/postgres",
        &generated,
        &postgres,
        &generated_queries,
        Some(&mut cache),
    );
    let mut prev = 0;
    group.bench_function("generated_300_seaquery/postgres", |b| {
        b.iter(|| {
            prev = prev % 4 + 1;
            seaquery::generated_300(black_box(prev))
        })
    });
    group.finish();
}

// What `criterion_group!` / `criterion_main!` expand to, without their undocumented
// `pub fn` (the workspace denies missing docs).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    compile_latency(&mut c);
    c.final_summary();
}
