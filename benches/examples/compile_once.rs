//! Compiles of one query, for `valgrind --tool=callgrind --toggle-collect='*measured*'`:
//! `compile_once QUERY DIALECT [TIMES]`. QUERY is `school_seed` (ormar's seed query,
//! joined), `six_tables` (the compile bench's: 6 tables, a page of roots in a derived
//! table), `school_auto` (the seed query under auto: three statements) or
//! `school_page_auto` (the same with a filter and a page: the list statements bind the
//! root keys); DIALECT `sqlite`, `postgres` or `mysql`; TIMES compiles (default 1 000).
//! The instruction count per compile is the total over TIMES.

use std::hint::black_box;

use relq::{
    Dialect, Filter, MySql, OrderBy, Postgres, Query, RelationGraph, SchemaDef, Sqlite, Strategy,
    compile,
};
use relq_benches::six_tables;

#[inline(never)]
fn measured_compiles(graph: &RelationGraph, query: &Query, dialect: &dyn Dialect, times: usize) {
    for _ in 0..times {
        black_box(compile(black_box(graph), black_box(query), dialect).expect("compiles"));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let graph = SchemaDef::from_toml(include_str!("../../schemas/school.toml"))
        .and_then(|d| d.build())
        .expect("the sample schema is valid");
    let seed = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    let query = match arg(1, "six_tables").as_str() {
        "school_seed" => seed.strategy(Strategy::Joined),
        "school_auto" => seed,
        "school_page_auto" => seed
            .filter(Filter::new("name__icontains", "a"))
            .order_by(OrderBy::new("-name"))
            .limit(10)
            .offset(20),
        "six_tables" => six_tables(),
        other => panic!("school_seed, school_auto, school_page_auto or six_tables, not {other}"),
    };
    let dialect: Box<dyn Dialect> = match arg(2, "postgres").as_str() {
        "sqlite" => Box::new(Sqlite::default()),
        "postgres" => Box::new(Postgres::default()),
        "mysql" => Box::new(MySql::default()),
        other => panic!("sqlite, postgres or mysql, not {other}"),
    };
    let times: usize = arg(3, "1000").parse().expect("a count");
    measured_compiles(&graph, &query, dialect.as_ref(), times);
}
