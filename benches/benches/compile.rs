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

use std::hint::black_box;

use criterion::Criterion;
use relq::{Dialect, MySql, Postgres, Query, RelationGraph, SchemaDef, Sqlite, Strategy, compile};
use relq_benches::six_tables;
use sea_query::{Expr, ExprTrait, JoinType, Order, PostgresQueryBuilder};

fn school() -> RelationGraph {
    SchemaDef::from_toml(include_str!("../../schemas/school.toml"))
        .and_then(|d| d.build())
        .expect("the sample schema is valid")
}

/// The comparable statement in SeaQuery: what relq's six-table query joins and selects,
/// flat (no derived table for the page).
fn seaquery_six_tables() -> (String, sea_query::Values) {
    let cols = |t: &'static str, names: &[&'static str]| {
        names.iter().map(move |&c| (t, c)).collect::<Vec<_>>()
    };
    sea_query::Query::select()
        .columns(cols("t0", &["id", "name", "department_id"]))
        .columns(cols("t1", &["id", "name"]))
        .columns(cols("t2", &["id", "name", "schoolclass_id", "category_id"]))
        .columns(cols("t3", &["id", "name"]))
        .columns(cols("t4", &["id", "name", "schoolclass_id", "category_id"]))
        .columns(cols("t5", &["id", "name"]))
        .from_as("schoolclasses", "t0")
        .join_as(
            JoinType::InnerJoin,
            "departments",
            "t1",
            Expr::col(("t0", "department_id")).equals(("t1", "id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "teachers",
            "t2",
            Expr::col(("t0", "id")).equals(("t2", "schoolclass_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "categories",
            "t3",
            Expr::col(("t2", "category_id")).equals(("t3", "id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "students",
            "t4",
            Expr::col(("t0", "id")).equals(("t4", "schoolclass_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "categories",
            "t5",
            Expr::col(("t4", "category_id")).equals(("t5", "id")),
        )
        .order_by(("t0", "name"), Order::Desc)
        .order_by(("t0", "id"), Order::Asc)
        .order_by(("t2", "id"), Order::Asc)
        .order_by(("t4", "id"), Order::Asc)
        .limit(10)
        .offset(20)
        .build(PostgresQueryBuilder)
}

fn compile_latency(c: &mut Criterion) {
    let graph = school();
    let seed = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .strategy(Strategy::Joined);
    let six = six_tables();
    // The peer's statement is the comparable one: six tables, five joins, two values.
    let (peer_sql, peer_values) = seaquery_six_tables();
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
        b.iter(seaquery_six_tables)
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
