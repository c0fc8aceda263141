//! Property tests for compiling: over random valid schemas and random queries made of
//! walks along their relations (select_related 1 to 4 paths of depth 1 to 3, to-many and
//! many-to-many included; orderings across any field path; exclude_fields; filter and
//! exclude calls of AND / OR / NOT conditions across any relation; limit and offset), every
//! dialect compiles without panicking and, with the joined strategy:
//! - gives `Ok` (every walk is valid, names are short and joins stay far below 61 tables);
//! - declares every table alias (`AS "tN"`) once in the statement;
//! - has an extraction plan whose column positions (node columns and through columns)
//!   are disjoint and cover `0..width`, with `width` the statement's select list length;
//! - gives the same plan as every other dialect;
//! - passes the sqlparser oracle (one statement, prints back, placeholders = params);
//! - rebuilds any records of its extraction plan from their flattened rows:
//!   `rebuild(flatten(records)) == records`;
//! - with every terminal (`first`, `last`, `get`, `count`, `exists`, `values`, an
//!   `aggregate`), still compiles on every dialect (with the default strategy, auto) to
//!   statements that pass the same checks, with as many columns as the plan reads and one
//!   plan for all dialects.
//! - with the split and the auto strategy, compiles on every dialect to statements that
//!   pass the same checks, each as wide as its `StatementRows`, with the joined plan's
//!   nodes, one plan for all dialects, the plan `relq_plan::plan` gives (the SQL layer
//!   never changes it), and statement rows the rebuild accepts.
//!
//! The case count is `PROPTEST_CASES` (the test script sets 256).

mod common;

use common::oracle;
use common::records::roots;
use common::strategies::{query_shape, related_schema};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use relq_graph::RelationGraph;
use relq_plan::{AggregateFunc, Aggregation, ExtractionPlan, Query, Terminal, Values};
use relq_rows::{Rebuilder, Record, flatten, rebuild};
use relq_sql::{Compiled, Dialect};
use relq_tests::corpus::dialects;

/// The alias names declared in `sql` (`AS "t3"`, `` AS `t3` ``), in text order.
fn declared_aliases(sql: &str, quote: char) -> Vec<&str> {
    let opener = format!(" AS {quote}t");
    sql.match_indices(&opener)
        .filter_map(|(at, _)| {
            let name_start = at + opener.len() - 1;
            let rest = &sql[name_start..];
            let end = rest.find(quote)?;
            let name = &rest[..end];
            name[1..]
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then_some(name)
        })
        .collect()
}

/// Positions of every node's columns and through columns, sorted: `0..width` exactly once.
fn check_positions(plan: &ExtractionPlan, select_len: usize) -> Result<(), TestCaseError> {
    let mut positions: Vec<usize> = Vec::new();
    for node in &plan.nodes {
        positions.extend(node.columns.iter().map(|c| c.position));
        positions.extend(
            node.through
                .iter()
                .flat_map(|t| t.columns.iter().map(|c| c.position)),
        );
        prop_assert!(
            node.columns.iter().any(|c| c.position == node.pk),
            "node `{}`: its pk position is one of its columns",
            node.path
        );
    }
    positions.sort_unstable();
    prop_assert_eq!(positions, (0..plan.width).collect::<Vec<_>>());
    prop_assert_eq!(plan.width, select_len);
    Ok(())
}

/// Every statement of `compiled` declares each alias once and passes the oracle.
fn check_statements(
    name: &str,
    dialect: &dyn Dialect,
    compiled: &Compiled<'_>,
) -> Result<(), TestCaseError> {
    for s in &compiled.statements {
        let mut aliases = declared_aliases(&s.sql, dialect.caps().identifier_quote);
        let declared = aliases.len();
        aliases.sort_unstable();
        aliases.dedup();
        prop_assert_eq!(
            aliases.len(),
            declared,
            "{}: an alias is declared twice\n{}",
            name,
            s.sql
        );
        let pretty = s.pretty(dialect);
        oracle::check(name, &s.sql, &pretty, s.params.len())
            .map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
    }
    Ok(())
}

/// The terminals a random query is also compiled with: `first`, `get`, `count`,
/// `exists`, `last` (unless sliced), `values` of every root field and every ordering
/// path, `aggregate` count of the first ordering path (or the root's key).
fn terminals(graph: &RelationGraph, query: &Query) -> Vec<Terminal> {
    let paths: Vec<String> = query
        .order_by
        .iter()
        .map(|o| o.path.trim_start_matches('-').to_owned())
        .collect();
    let counted = paths.first().cloned().unwrap_or_else(|| {
        graph
            .model_by_name(&query.model)
            .map(|m| m.primary_key().name().to_owned())
            .unwrap_or_default()
    });
    let mut all = vec![
        Terminal::First,
        Terminal::Get,
        Terminal::Count,
        Terminal::Exists,
        Terminal::Values(Values {
            fields: Vec::new(),
            distinct: false,
        }),
        Terminal::Values(Values {
            fields: paths,
            distinct: false,
        }),
        Terminal::Aggregate(vec![Aggregation::new(AggregateFunc::Count, counted)]),
    ];
    if query.limit.is_none() && query.offset.is_none() {
        all.push(Terminal::Last);
    }
    all
}

/// The extraction plan of a random query over a random schema (joined: one statement,
/// the rows `flatten` makes), and records for it.
fn plan_and_records() -> impl Strategy<Value = (ExtractionPlan, Vec<Record>)> {
    (related_schema(), query_shape())
        .prop_filter_map("the schema builds and the query plans", |(def, shape)| {
            let graph = def.build().ok()?;
            let query = shape.query(&graph).strategy(relq_plan::Strategy::Joined);
            relq_plan::plan(&graph, &query).ok().map(|p| p.extraction)
        })
        .prop_flat_map(|plan| {
            let roots = roots(&plan);
            (Just(plan), roots)
        })
}

proptest! {
    // Failures are kept in `tests/proptest-regressions/` (committed) and replayed first.
    // proptest's default (beside the source file) finds no lib.rs for an integration test.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/compile_properties.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_queries_compile_on_every_dialect_with_unique_aliases_and_one_plan(
        def in related_schema(),
        shape in query_shape(),
    ) {
        let graph = def.build().map_err(|e| TestCaseError::fail(format!("schema: {e}")))?;
        let query = shape.query(&graph).strategy(relq_plan::Strategy::Joined);
        let mut plans = Vec::new();
        for (name, dialect) in dialects() {
            let compiled = relq_sql::compile(&graph, &query, dialect.as_ref())
                .map_err(|e| TestCaseError::fail(format!("{name}: {e}\n{query:?}")))?;
            check_statements(name, dialect.as_ref(), &compiled)?;
            let root = compiled
                .statements
                .first()
                .ok_or_else(|| TestCaseError::fail("no statement"))?;
            check_positions(&compiled.plan.extraction, root.select.columns.len())?;
            plans.push((name, compiled.plan));
        }
        for (name, plan) in &plans[1..] {
            prop_assert_eq!(plan, &plans[0].1, "{} plans differently from {}", name, plans[0].0);
        }
        for strategy in [relq_plan::Strategy::Split, relq_plan::Strategy::Auto] {
            let query = query.clone().strategy(strategy);
            let mut split_plans = Vec::new();
            for (name, dialect) in dialects() {
                let compiled = relq_sql::compile(&graph, &query, dialect.as_ref()).map_err(|e| {
                    TestCaseError::fail(format!("{name}, {strategy:?}: {e}\n{query:?}"))
                })?;
                check_statements(name, dialect.as_ref(), &compiled)?;
                // The SQL layer never changes the plan it compiles.
                let planned = relq_plan::plan(&graph, &query)
                    .map_err(|e| TestCaseError::fail(format!("{name}, {strategy:?}: {e}")))?;
                prop_assert_eq!(&*compiled.plan, &planned);
                for (i, s) in compiled.statements.iter().enumerate() {
                    prop_assert_eq!(s.select.columns.len(), compiled.statement_width(i));
                }
                // One statement, or one per statement plan with its rows described.
                let statements = compiled.plan.statements().len();
                let rows = compiled.plan.extraction.statements.len();
                prop_assert_eq!(rows, if statements > 1 { statements } else { 0 });
                prop_assert_eq!(compiled.statements.len(), statements);
                // The nodes are the same whatever the strategy.
                prop_assert_eq!(&compiled.plan.extraction.nodes, &plans[0].1.extraction.nodes);
                Rebuilder::new(&compiled.plan.extraction)
                    .map_err(|e| TestCaseError::fail(format!("{name}, {strategy:?}: {e}")))?;
                split_plans.push(compiled.plan);
            }
            for plan in &split_plans[1..] {
                prop_assert_eq!(plan, &split_plans[0], "the dialects split {:?} differently", query);
            }
        }
    }

    #[test]
    fn random_queries_compile_with_every_terminal_on_every_dialect(
        def in related_schema(),
        shape in query_shape(),
    ) {
        let graph = def.build().map_err(|e| TestCaseError::fail(format!("schema: {e}")))?;
        let base = shape.query(&graph);
        for terminal in terminals(&graph, &base) {
            let query = base.clone().terminal(terminal);
            let mut plans = Vec::new();
            for (name, dialect) in dialects() {
                let compiled = relq_sql::compile(&graph, &query, dialect.as_ref())
                    .map_err(|e| TestCaseError::fail(format!("{name}: {e}\n{query:?}")))?;
                check_statements(name, dialect.as_ref(), &compiled)?;
                let root = compiled
                    .statements
                    .first()
                    .ok_or_else(|| TestCaseError::fail("no statement"))?;
                prop_assert_eq!(root.select.columns.len(), compiled.statement_width(0));
                plans.push(compiled.plan);
            }
            for plan in &plans[1..] {
                prop_assert_eq!(plan, &plans[0], "the dialects plan {:?} differently", query);
            }
        }
    }

    #[test]
    fn random_plans_rebuild_their_flattened_records((plan, records) in plan_and_records()) {
        let rows = flatten(&plan, &records).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rebuild(&plan, &rows), Ok(records));
    }
}

#[test]
fn declared_aliases_reads_both_quote_styles() {
    let sql =
        r#"SELECT "t0"."x" FROM (SELECT 1 FROM "a" AS "t2") AS "t0" JOIN "b AS ""t9""" AS "t1""#;
    assert_eq!(declared_aliases(sql, '"'), ["t2", "t0", "t1"]);
    assert_eq!(
        declared_aliases("SELECT 1 FROM `a` AS `t0` JOIN `b` AS `t0`", '`'),
        ["t0", "t0"]
    );
}

#[test]
fn random_queries_reach_every_shape_the_properties_are_about() {
    // The properties above mean little if the strategies never produce the hard shapes:
    // count them over a fixed run.
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut derived, mut through, mut subquery, mut emulated, mut excluded, mut many) =
        (0, 0, 0, 0, 0, 0);
    let (mut exists, mut negated, mut joined_filter) = (0, 0, 0);
    for _ in 0..300 {
        let def = related_schema()
            .new_tree(&mut runner)
            .expect("value")
            .current();
        let shape = query_shape()
            .new_tree(&mut runner)
            .expect("value")
            .current();
        let graph = def.build().expect("related schemas are valid");
        let query = shape.query(&graph);
        let (_, mysql) = &dialects()[2];
        let compiled = relq_sql::compile(&graph, &query, mysql.as_ref()).expect("compiles");
        let sql = &compiled.statements[0].sql;
        derived += usize::from(sql.contains("FROM (SELECT"));
        subquery += usize::from(sql.contains("(SELECT MIN(") || sql.contains("(SELECT MAX("));
        emulated += usize::from(sql.contains("IS NULL"));
        excluded += usize::from(!query.exclude_fields.is_empty());
        exists += usize::from(sql.contains("EXISTS (SELECT 1"));
        negated += usize::from(sql.contains("NOT "));
        joined_filter += usize::from(sql.contains(" WHERE ") && sql.contains("JOIN"));
        let nodes = &compiled.plan.extraction.nodes;
        through += usize::from(nodes.iter().any(|n| n.through.is_some()));
        many += usize::from(
            nodes
                .iter()
                .filter(|n| n.cardinality == relq_plan::Cardinality::Many)
                .count()
                >= 2,
        );
    }
    for (what, count) in [
        ("derived tables", derived),
        ("through fields", through),
        ("MIN/MAX subqueries", subquery),
        ("IS NULL emulations", emulated),
        ("exclude_fields", excluded),
        ("two or more to-many nodes", many),
        ("EXISTS subqueries", exists),
        ("negations", negated),
        ("filters with joins", joined_filter),
    ] {
        assert!(count >= 15, "only {count} of 300 queries have {what}");
    }
}
