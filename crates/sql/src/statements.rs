//! A plan's statements ([`StatementPlan`]s) lowered to SELECTs: statement 0 picks the
//! roots, each later statement reads the records of its split list over the same roots.
//!
//! - Statement 0 ([`Builder::roots_statement`]): the root and the nodes it reads (every
//!   node of a one-statement plan, the joined strategy's; under `auto` also a joined
//!   to-many chain), the filter as WHERE, ordered by the root ordering (a term across a
//!   to-many relation by its MIN/MAX subquery), then by the list order of each to-many
//!   node it reads. `LIMIT` / `OFFSET` apply to it directly, or to the root page when
//!   its rows repeat the roots ([`Roots::Page`]).
//! - The statement of a split list `L` reads the same roots: re-selected ([`Roots::Filter`]:
//!   the root table with the filter as WHERE; [`Roots::Page`]: the root page, as
//!   statement 0 reads it) or bound ([`Roots::Keys`]: the root table `WHERE root.pk IN
//!   (<root keys>)` ([`Expr::RootKeys`](crate::Expr::RootKeys)), the keys statement 0
//!   returned, bound in chunks of at most `Caps::max_params` less the statement's own
//!   parameters, one execution per chunk ([`Compiled::runs`](crate::Compiled::runs))).
//!   Then it `INNER JOIN`s down to `L` through its ancestors (each nested list's own
//!   filter and limit in its ON clause, so a trimmed ancestor's children are not read),
//!   and the rest of what it reads joined as the tree says (to-one nodes, and under
//!   `auto` a chain of to-many nodes). It selects the primary key of every ancestor and
//!   its own columns, and is ordered by the root ordering as statement 0 is (the user's
//!   terms, the to-one nodes they read joined, then the root's primary key, descending
//!   for `last`), each to-many ancestor's primary key, then `L`'s list order and primary
//!   key and each joined to-many node's: each parent's list comes out together and in
//!   order, parents in the order statement 0 read them (the rebuild then meets the
//!   parents it stitches to in turn, not one at random per row, and relq-exec's
//!   `stream` reads the statements side by side, root by root).
//! - The parent's key is read from the parent's own table in every statement, never from
//!   the child's foreign key: the database's key equality (a MariaDB `_ci` collated text
//!   key matching case-insensitively) decides the join, and the rebuild matches the
//!   bytes statement 0 read. Bound keys are the values statement 0 read, compared by the
//!   database, so its key equality still decides; all of a root's descendants fall in its
//!   chunk, and each chunk's rows are in list order.
//! - Each statement's columns are its [`StatementRows`](relq_plan::StatementRows)' plan
//!   positions (a one-statement plan: every column).
//!
//! Invariant: each statement declares its aliases once: the tree's, then fresh ones from
//! its own [`Builder`].

use relq_graph::RelationGraph;
use relq_plan::{NodeId, Plan, Roots, StatementPlan};
use smallvec::{SmallVec, smallvec};

use crate::ast::{Expr, Select};
use crate::builder::{Builder, Nodes, select_column, with_ancestors};
use crate::dialect::Dialect;

/// The SELECTs of `plan`'s statements, in order.
pub(crate) fn statements<'g>(
    graph: &'g RelationGraph,
    plan: &Plan,
    dialect: &dyn Dialect,
) -> Vec<Select<'g>> {
    plan.statements()
        .iter()
        .enumerate()
        .map(|(k, statement)| {
            let mut b = Builder::new(graph, plan, dialect);
            let read = marks(plan, statement);
            let mut select = if statement.start() == NodeId::ROOT {
                b.roots_statement(Nodes::Marked(&read), statement.roots())
            } else {
                list_statement(&mut b, statement, Nodes::Marked(&read))
            };
            select.columns = columns(graph, plan, k);
            select
        })
        .collect()
}

/// The columns statement `k` of `plan` selects, by their plan positions.
fn columns<'g>(graph: &'g RelationGraph, plan: &Plan, k: usize) -> Vec<Expr<'g>> {
    let column = |c| select_column(graph, &plan.tree, c);
    match plan.extraction.statements.get(k) {
        Some(rows) => rows
            .columns
            .iter()
            .filter_map(|&p| plan.columns.get(p))
            .map(column)
            .collect(),
        None => plan.columns.iter().map(column).collect(),
    }
}

/// Per node of `plan`'s tree, whether `statement` reads it (the root aside: it is the
/// FROM table); on the stack for trees of up to 32 nodes.
pub(crate) fn marks(plan: &Plan, statement: &StatementPlan) -> SmallVec<[bool; 32]> {
    let mut read: SmallVec<[bool; 32]> = smallvec![false; plan.tree.nodes().len()];
    for n in std::iter::once(statement.start()).chain(statement.below().iter().copied()) {
        if let Some(slot) = read.get_mut(n.index()).filter(|_| n != NodeId::ROOT) {
            *slot = true;
        }
    }
    read
}

/// The statement of a split list (`statement.start()`) reading the `group` nodes,
/// without columns yet.
fn list_statement<'g>(
    b: &mut Builder<'g, '_>,
    statement: &StatementPlan,
    group: Nodes<'_>,
) -> Select<'g> {
    let plan = b.plan;
    let tree = &plan.tree;
    let list = statement.start();
    let roots = statement.roots();
    let inner = with_ancestors(tree, [Some(list)]);
    // When the filter is this statement's WHERE, the to-one nodes its comparisons read
    // are joined.
    let filtered = with_ancestors(
        tree,
        plan.filter
            .iter()
            .filter(|_| roots == Roots::Filter)
            .flat_map(|c| c.root_comparisons())
            .map(|cmp| tree.node_at(&cmp.hops)),
    );
    // The to-one nodes the root ordering reads are joined for it.
    let ordered = with_ancestors(
        tree,
        plan.order
            .iter()
            .filter(|t| !t.across_to_many)
            .map(|t| t.node),
    );
    let joined: Vec<bool> = (0..tree.nodes().len())
        .map(|i| inner[i] || group.has(NodeId::from_index(i)) || filtered[i] || ordered[i])
        .collect();
    let (mut select, aliases) =
        b.select_roots(roots, Nodes::Marked(&joined), Nodes::Marked(&inner));
    // Grouped by parent record: the roots in statement 0's order (its root ordering,
    // ending with the root's key), then each to-many ancestor's key, so the rebuild
    // meets a parent's children together, parent after parent as an earlier statement
    // read them, and a streaming reader meets the roots in the same order in every
    // statement.
    let mut order = b.root_order(&aliases, false);
    for (i, node) in tree.nodes().iter().enumerate() {
        let id = NodeId::from_index(i);
        if inner[i] && id != list && b.list_of(id) == id {
            order.push(b.pk_term(node.model(), aliases[i]));
        }
    }
    b.push_list_orders(&mut order, group, &aliases);
    select.order_by = order;
    select
}

#[cfg(test)]
mod tests {
    use relq_graph::SchemaDef;
    use relq_plan::{ListRoots, Owner, PlanOptions, Query, Strategy, plan_with};

    use super::*;
    use crate::dialect::Ansi;
    use crate::render::{Layout, render};

    /// Each statement's compact SQL and its params' count.
    fn sql(query: &Query, list_roots: Option<ListRoots>) -> Vec<(String, usize)> {
        let graph = SchemaDef::from_toml(include_str!("../../../schemas/blog.toml"))
            .and_then(|d| d.build())
            .expect("valid sample");
        let plan = plan_with(&graph, query, &PlanOptions { list_roots }).expect("plans");
        statements(&graph, &plan, &Ansi::default())
            .iter()
            .map(|s| render(s, &Ansi::default(), Layout::Compact))
            .map(|r| (r.sql, r.params.len()))
            .collect()
    }

    fn categories_of_post_3() -> Query {
        Query::new("Category").owner(Owner::new("Post", 3, "categories"))
    }

    #[test]
    fn a_many_to_many_set_joins_its_through_table_on_the_root() {
        let [(text, params)] = &sql(&categories_of_post_3(), None)[..] else {
            panic!("one statement");
        };
        assert_eq!(
            text,
            r#"SELECT "t0"."id", "t0"."name", "t1"."weight" FROM "categories" AS "t0" INNER JOIN "posts_categories" AS "t1" ON "t1"."category" = "t0"."id" AND "t1"."post" = ? ORDER BY "t0"."id" ASC"#
        );
        assert_eq!(*params, 1);
    }

    #[test]
    fn a_reverse_foreign_key_set_compares_the_roots_key_before_the_filter() {
        let q = Query::new("Post")
            .owner(Owner::new("Author", 1, "posts"))
            .filter(relq_plan::Filter::new("title", "M2M"));
        let [(text, _)] = &sql(&q, None)[..] else {
            panic!("one statement");
        };
        assert!(
            text.contains(r#"FROM "posts" AS "t0" WHERE "t0"."author_id" = ? AND "#),
            "{text}"
        );
    }

    #[test]
    fn a_paged_many_to_many_set_is_restricted_inside_the_page_and_carries_its_through_row() {
        let q = categories_of_post_3()
            .select_related("posts")
            .strategy(Strategy::Joined)
            .limit(2);
        let [(text, params)] = &sql(&q, None)[..] else {
            panic!("one statement");
        };
        assert!(
            text.contains(r#"FROM (SELECT "t4"."id", "t4"."name" FROM "categories" AS "t4" INNER JOIN "posts_categories" AS "t5" ON "t5"."category" = "t4"."id" AND "t5"."post" = ? ORDER BY "t4"."id" ASC LIMIT ?) AS "t0" INNER JOIN "posts_categories" AS "t1" ON "t1"."category" = "t0"."id" AND "t1"."post" = ? LEFT OUTER JOIN"#),
            "{text}"
        );
        assert_eq!(*params, 3);
    }

    #[test]
    fn split_lists_reselect_the_set_or_bind_its_keys() {
        let q = categories_of_post_3()
            .select_related("posts")
            .strategy(Strategy::Split);
        let semi = sql(&q, Some(ListRoots::SemiJoin));
        assert_eq!(semi.len(), 2);
        assert!(
            semi[1].0.contains(r#"FROM "categories" AS "t0" INNER JOIN "posts_categories" AS "t1" ON "t1"."category" = "t0"."id" AND "t1"."post" = ? INNER JOIN "posts_categories" AS "t2""#),
            "{}",
            semi[1].0
        );
        // The rule binds the keys of a restricted set: they are the set's already.
        let keys = sql(&q, None);
        assert!(!keys[1].0.contains(r#""t1"."post""#), "{}", keys[1].0);
        assert!(
            keys[1].0.contains(r#"WHERE "t0"."id" IN (?)"#),
            "{}",
            keys[1].0
        );
    }
}
