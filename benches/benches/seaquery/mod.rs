//! The peer of the compile benches: SeaQuery 1.0 building the SQL and values of the
//! statements relq compiles, flat (no derived table for a page). It plans nothing,
//! checks nothing against a schema and makes no extraction plan. Shared by
//! `compile.rs` and `examples/compile_once.rs`.

use sea_query::{Expr, ExprTrait, JoinType, Order, PostgresQueryBuilder};

/// The comparable statement in SeaQuery: what relq's six-table query joins and selects,
/// flat (no derived table for the page).
pub(crate) fn six_tables() -> (String, sea_query::Values) {
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

/// The comparable statement in SeaQuery for [`generated_300_query`](relq_benches::generated_300_query): the same 8 table
/// references, 7 left joins, 28 columns, filter and ordering.
pub(crate) fn generated_300(prev: i64) -> (String, sea_query::Values) {
    const COLUMNS: [&str; 4] = ["id", "name", "rank", "prev_id"];
    let mut select = sea_query::Query::select();
    for t in ["t0", "t1", "t2", "t3", "t5", "t6", "t7"] {
        select.columns(COLUMNS.map(|c| (t, c)));
    }
    select.from_as("g50s", "t0");
    let joins = [
        ("g49s", "t1", ("t0", "prev_id"), ("t1", "id")),
        ("g48s", "t2", ("t1", "prev_id"), ("t2", "id")),
        ("g47s", "t3", ("t2", "prev_id"), ("t3", "id")),
        ("g50s_g00s", "t4", ("t0", "id"), ("t4", "g50")),
        ("g00s", "t5", ("t4", "g00"), ("t5", "id")),
        ("g99s", "t6", ("t5", "prev_id"), ("t6", "id")),
        ("g98s", "t7", ("t6", "prev_id"), ("t7", "id")),
    ];
    for (table, alias, left, right) in joins {
        select.join_as(
            JoinType::LeftJoin,
            table,
            alias,
            Expr::col(left).equals(right),
        );
    }
    select
        .and_where(Expr::col(("t1", "id")).eq(prev))
        .order_by(("t0", "name"), Order::Desc)
        .order_by(("t0", "id"), Order::Asc)
        .order_by(("t5", "id"), Order::Asc)
        .build(PostgresQueryBuilder)
}
