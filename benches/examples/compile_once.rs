//! Compiles of one query, for `valgrind --tool=callgrind --toggle-collect='*measured*'`:
//! `compile_once QUERY DIALECT [TIMES] [cached]`. QUERY is `school_seed` (ormar's seed
//! query, joined), `six_tables` (the compile bench's: 6 tables, a page of roots in a
//! derived table), `school_auto` (the seed query under auto: three statements),
//! `school_page_auto` (the same with a filter and a page: the list statements bind the
//! root keys), or one of the cached compile bench's (issue 16), four queries of one shape
//! compiled in turn: `six_tables_filtered` (`department__id`), `school_seed_filtered`
//! (`id__in`, 3 values) or `generated_300` (the generated schema of 300 relations);
//! DIALECT `sqlite`, `postgres` or `mysql`; TIMES compiles (default 1 000). With
//! `cached`, they are compiled by a `CompileCache` that has already learnt the shape
//! (outside the count); with `seaquery` (`six_tables` or `generated_300`, `postgres`),
//! the bench's peer builds the comparable statement instead. The instruction count per
//! compile is the total over TIMES.

#[path = "../benches/seaquery/mod.rs"]
mod seaquery;

use std::hint::black_box;

use relq::plan::PlanOptions;
use relq::sql::CompileCache;
use relq::{
    Dialect, Filter, MySql, OrderBy, Postgres, Query, RelationGraph, SchemaDef, Sqlite, Strategy,
    compile,
};
use relq_benches::{
    generated_300, generated_300_query, school_seed_filtered, six_tables, six_tables_filtered,
};

#[inline(never)]
fn measured_compiles(
    graph: &RelationGraph,
    queries: &[Query],
    dialect: &dyn Dialect,
    times: usize,
) {
    for i in 0..times {
        let query = &queries[i % queries.len()];
        black_box(compile(black_box(graph), black_box(query), dialect).expect("compiles"));
    }
}

#[inline(never)]
fn measured_cached_compiles(cache: &mut CompileCache<'_>, queries: &[Query], times: usize) {
    for i in 0..times {
        let query = &queries[i % queries.len()];
        black_box(cache.compile(black_box(query)).expect("compiles"));
    }
}

#[inline(never)]
fn measured_seaquery_builds(build: impl Fn(i64) -> (String, sea_query::Values), times: usize) {
    for i in 0..times {
        let value = i64::try_from(i % 4).unwrap_or(0) + 1;
        black_box(build(black_box(value)));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let school = || {
        SchemaDef::from_toml(include_str!("../../schemas/school.toml"))
            .and_then(|d| d.build())
            .expect("the sample schema is valid")
    };
    let seed = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    let (graph, queries) = match arg(1, "six_tables").as_str() {
        "school_seed" => (school(), vec![seed.strategy(Strategy::Joined)]),
        "school_auto" => (school(), vec![seed]),
        "school_page_auto" => (
            school(),
            vec![
                seed.filter(Filter::new("name__icontains", "a"))
                    .order_by(OrderBy::new("-name"))
                    .limit(10)
                    .offset(20),
            ],
        ),
        "six_tables" => (school(), vec![six_tables()]),
        "six_tables_filtered" => (school(), (1..=4).map(six_tables_filtered).collect()),
        "school_seed_filtered" => (school(), (0..4).map(school_seed_filtered).collect()),
        "generated_300" => (
            generated_300()
                .build()
                .expect("the generated schema is valid"),
            (1..=4).map(generated_300_query).collect(),
        ),
        other => panic!(
            "school_seed, school_auto, school_page_auto, six_tables, six_tables_filtered, \
             school_seed_filtered or generated_300, not {other}"
        ),
    };
    let dialect: Box<dyn Dialect> = match arg(2, "postgres").as_str() {
        "sqlite" => Box::new(Sqlite::default()),
        "postgres" => Box::new(Postgres::default()),
        "mysql" => Box::new(MySql::default()),
        other => panic!("sqlite, postgres or mysql, not {other}"),
    };
    let times: usize = arg(3, "1000").parse().expect("a count");
    match arg(4, "").as_str() {
        "" => measured_compiles(&graph, &queries, dialect.as_ref(), times),
        "cached" => {
            let mut cache = CompileCache::new(&graph, dialect.as_ref(), PlanOptions::default());
            for query in &queries {
                let cached = cache.compile(query).expect("compiles");
                let full = compile(&graph, query, dialect.as_ref()).expect("compiles");
                for (a, b) in cached.statements.iter().zip(&full.statements) {
                    assert_eq!((&a.sql, &a.params), (&b.sql, &b.params), "{query:?}");
                }
            }
            assert_eq!(cache.shapes(), 1, "one shape");
            measured_cached_compiles(&mut cache, &queries, times);
            assert_eq!(cache.shapes(), 1, "one shape");
        }
        "seaquery" => match arg(1, "").as_str() {
            "six_tables" => measured_seaquery_builds(|_| seaquery::six_tables(), times),
            "generated_300" => measured_seaquery_builds(seaquery::generated_300, times),
            other => panic!("SeaQuery builds six_tables or generated_300, not {other}"),
        },
        other => panic!("cached, seaquery or nothing, not {other}"),
    }
}
