//! The statements a query is read by (`Plan::statements`): which lists each strategy
//! splits, the nodes each statement reads, where each statement's roots come from, and
//! the extraction plan's rows of each statement, which must say the same.

mod common;

use common::{person, school};
use relq_graph::RelationGraph;
use relq_plan::{
    Filter, ListRoots, Load, NodeId, OrderBy, Plan, PlanOptions, Query, Roots, Strategy, Terminal,
    Values, plan, plan_with,
};

/// Each statement as `start: below…` in aliases, with where its roots come from.
fn outline(p: &Plan) -> Vec<String> {
    let alias = |n: NodeId| p.tree.node(n).alias().to_string();
    p.statements()
        .iter()
        .map(|s| {
            let below: Vec<String> = s.below().iter().map(|&n| alias(n)).collect();
            format!(
                "{}: {} ({:?})",
                alias(s.start()),
                below.join(" "),
                s.roots()
            )
        })
        .collect()
}

/// The seed query: classes with their teachers and students, each with a category.
fn seed() -> Query {
    Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
}

#[test]
fn auto_splits_sibling_lists_and_joins_their_to_one_relations() {
    let p = plan(&school(), &seed()).expect("plans");
    assert_eq!(
        outline(&p),
        ["t0:  (Filter)", "t1: t2 (Filter)", "t3: t4 (Filter)"]
    );
}

#[test]
fn joined_reads_every_node_in_one_statement_and_split_every_list_in_its_own() {
    let g = school();
    let joined = plan(&g, &seed().strategy(Strategy::Joined)).expect("plans");
    assert_eq!(outline(&joined), ["t0: t1 t2 t3 t4 (Filter)"]);
    let split = plan(&g, &seed().strategy(Strategy::Split)).expect("plans");
    assert_eq!(outline(&split), outline(&plan(&g, &seed()).expect("plans")));
}

#[test]
fn auto_joins_a_chain_of_lists_into_one_statement() {
    let g = person();
    let p = plan(
        &g,
        &Query::new("Person").select_related("employees__employees"),
    )
    .expect("plans");
    assert_eq!(outline(&p), ["t0: t1 t2 (Filter)"]);
    let loads: Vec<Option<Load>> = (0..3).map(|i| p.load(&g, NodeId::from_index(i))).collect();
    assert_eq!(loads, [None, Some(Load::Joined), Some(Load::Joined)]);
}

#[test]
fn a_list_below_split_siblings_joins_the_statement_of_its_parent() {
    // students and teachers are siblings (split); the category's students hang below
    // teachers alone: a chain, read by the teachers' statement.
    let q = Query::new("SchoolClass")
        .select_related("students__category")
        .select_related("teachers__category__students");
    let p = plan(&school(), &q).expect("plans");
    assert_eq!(
        outline(&p),
        ["t0:  (Filter)", "t1: t2 (Filter)", "t3: t4 t5 (Filter)"]
    );
}

#[test]
fn bound_keys_with_a_filter_or_a_page_else_a_semi_join() {
    let g = school();
    let roots = |q: Query, options: PlanOptions| -> Vec<Roots> {
        let p = plan_with(&g, &q, &options).expect("plans");
        p.statements().iter().map(|s| s.roots()).collect()
    };
    let rule = PlanOptions::default();
    use Roots::{Filter as F, Keys as K, Page as P};
    assert_eq!(roots(seed(), rule), [F, F, F]);
    let filtered = seed().filter(Filter::new("name__startswith", "1"));
    assert_eq!(roots(filtered.clone(), rule), [F, K, K]);
    assert_eq!(roots(seed().limit(3), rule), [F, K, K]);
    // Forced: re-selecting a page reads the root page; statement 0's rows are one per
    // root, so its own LIMIT counts roots.
    let semi = PlanOptions {
        list_roots: Some(ListRoots::SemiJoin),
    };
    assert_eq!(roots(seed().limit(3), semi), [F, P, P]);
    assert_eq!(roots(filtered, semi), [F, F, F]);
    let keys = PlanOptions {
        list_roots: Some(ListRoots::Keys),
    };
    assert_eq!(roots(seed(), keys), [F, K, K]);
}

#[test]
fn a_slice_counts_roots_through_a_page_unless_the_rows_are_one_per_root() {
    let g = school();
    let roots = |q: Query| -> Roots {
        let p = plan(&g, &q).expect("plans");
        p.statements()[0].roots()
    };
    // Joined lists repeat the roots: the limit cuts the root page.
    assert_eq!(
        roots(seed().strategy(Strategy::Joined).limit(2)),
        Roots::Page
    );
    // One row per root: the limit cuts the statement itself.
    let to_one = Query::new("Student").select_related("category");
    assert_eq!(roots(to_one.clone().limit(2)), Roots::Filter);
    // count and aggregates over a slice count the page's roots; values slice their rows.
    let count = to_one.clone().limit(2).terminal(Terminal::Count);
    assert_eq!(roots(count), Roots::Page);
    let values = Query::new("SchoolClass")
        .terminal(Terminal::Values(Values {
            fields: vec!["students__name".into()],
            distinct: false,
        }))
        .order_by(OrderBy::new("name"))
        .limit(2);
    assert_eq!(roots(values), Roots::Filter);
}

#[test]
fn the_extraction_plan_describes_the_rows_of_the_same_statements() {
    let g: RelationGraph = school();
    for strategy in [Strategy::Auto, Strategy::Split, Strategy::Json] {
        let p = plan(&g, &seed().strategy(strategy)).expect("plans");
        assert_eq!(p.extraction.statements.len(), p.statements().len());
        for (s, rows) in p.statements().iter().zip(&p.extraction.statements) {
            let read: Vec<NodeId> = std::iter::once(s.start())
                .chain(s.below().iter().copied())
                .filter(|&n| p.tree.node(n).is_loaded())
                .collect();
            let projected: Vec<NodeId> =
                rows.nodes.iter().filter_map(|&i| p.tree_node(i)).collect();
            assert_eq!(projected, read, "{strategy:?}");
        }
    }
    // One statement: no rows described (its rows are the plan's).
    let joined = plan(&g, &seed().strategy(Strategy::Joined)).expect("plans");
    assert!(joined.extraction.statements.is_empty());
}
