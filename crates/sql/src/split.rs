//! Statements of several: a [`Plan`] with split nodes (`Plan::split`, chosen by the
//! `split` or `auto` strategy) as one statement for the roots' group, then one per split
//! node's group ([`JoinTree::statement_of`](relq_plan::JoinTree::statement_of)); each
//! statement's columns are its [`StatementRows`](relq_plan::StatementRows)' plan
//! positions.
//!
//! - The root statement is the joined statement of the roots' group
//!   ([`Builder::roots_statement`]): the root and the nodes below it not under a split
//!   node (loaded, or joined for an ordering or the filter), the filter as WHERE, ordered
//!   by the root ordering (a term across a to-many relation by its MIN/MAX subquery),
//!   then by the list order of each joined to-many node (`auto`'s chain). `LIMIT` /
//!   `OFFSET` apply to it directly when no row repeats a root, else to the root page.
//! - The statement of a split node `L` reads the same roots; with
//!   [`SplitRoots::SemiJoin`] it re-selects them (a semi-join on the root statement):
//!   `FROM` the root table with the filter as WHERE, or `FROM` the root page (a derived
//!   table, as in the joined strategy) when the query has a limit or offset; then
//!   `INNER JOIN`s down to `L` through its ancestors (each nested list's own filter and
//!   limit in its ON clause, so a trimmed ancestor's children are not read), and the rest
//!   of `L`'s group joined as the tree says (to-one nodes, and under `auto` a chain of
//!   to-many nodes). It selects the primary key of every ancestor and its group's
//!   columns, and is ordered by the root's primary key (descending for `last`), each
//!   to-many ancestor's primary key, then `L`'s list order and primary key and each
//!   joined to-many node's (as the joined strategy orders them): each parent's list
//!   comes out together and in order, parents in the order the root statement read them
//!   when the roots are ordered by key (the rebuild then meets the parents it stitches
//!   to in turn, not one at random per row).
//! - The parent's key is read from the parent's own table in every statement, never from
//!   the child's foreign key: the database's key equality (a MariaDB `_ci` collated text
//!   key matching case-insensitively) decides the join, and the rebuild matches the
//!   bytes the root statement read.
//! - With [`SplitRoots::Keys`] (the plan's choice: a filter or a page) the statements
//!   after the root's do not re-select the roots: they start `FROM` the root table
//!   `WHERE root.pk IN (<root keys>)` ([`Roots::Keys`],
//!   [`Expr::RootKeys`](crate::ast::Expr::RootKeys)), the keys the root statement
//!   returned, bound in chunks of at most `Caps::max_params` less the statement's own
//!   parameters, one execution per chunk ([`Statement::runs`](crate::Statement::runs));
//!   everything below the root is as in the semi-join form. The keys bound are the values
//!   the root statement read, compared by the database, so its key equality still
//!   decides; all of a root's descendants fall in its chunk, and each chunk's rows are
//!   in list order, so every list comes out in order.
//! - The executors run the statements in turn without opening a transaction (the
//!   caller's snapshot, if any, makes them agree under concurrent writes).
//!
//! Invariant: each statement declares its aliases once: the tree's, then fresh ones from
//! its own [`Builder`].

use relq_graph::RelationGraph;
use relq_plan::{NodeId, Plan, SplitRoots};

use crate::ast::Select;
use crate::dialect::Dialect;
use crate::joined::{Builder, Roots, select_column, with_ancestors};

/// Per node of `plan`'s tree, whether the statement that `start` starts reads it
/// ([`JoinTree::statement_of`](relq_plan::JoinTree::statement_of); the root excluded,
/// `start` itself included when it is a split node).
pub(crate) fn statement_group(graph: &RelationGraph, plan: &Plan, start: NodeId) -> Vec<bool> {
    (0..plan.tree.nodes().len())
        .map(|i| i > 0 && plan.tree.statement_of(graph, NodeId::from_index(i)) == start)
        .collect()
}

/// The statements of `plan` (whose `split` is not empty): the roots' statement, then
/// one per node of `plan.split`.
pub(crate) fn split<'g>(
    graph: &'g RelationGraph,
    plan: &Plan,
    dialect: &dyn Dialect,
) -> Vec<Select<'g>> {
    let tree = &plan.tree;
    let lists = std::iter::once(NodeId::ROOT).chain(plan.split.iter().copied());
    lists
        .zip(&plan.extraction.statements)
        .map(|(list, rows)| {
            let mut b = Builder::new(graph, plan, dialect);
            let group = statement_group(graph, plan, list);
            let mut select = if list == NodeId::ROOT {
                b.roots_statement(&group)
            } else {
                let roots = if plan.split_roots == SplitRoots::Keys {
                    Roots::Keys
                } else if plan.limit.is_some() || plan.offset.is_some() {
                    Roots::Page
                } else {
                    Roots::Filtered
                };
                let inner = with_ancestors(tree, [Some(list)]);
                // When the filter is this statement's WHERE, the to-one nodes its
                // comparisons read are joined.
                let filtered = with_ancestors(
                    tree,
                    plan.filter
                        .iter()
                        .filter(|_| roots == Roots::Filtered)
                        .flat_map(|c| c.root_comparisons())
                        .map(|cmp| tree.node_at(&cmp.hops)),
                );
                let joined: Vec<bool> = (0..tree.nodes().len())
                    .map(|i| inner[i] || group[i] || filtered[i])
                    .collect();
                let (mut select, aliases) = b.select_roots(roots, &joined, &inner);
                // Grouped by parent record (the root's key, then each to-many ancestor's),
                // so the rebuild meets a parent's children together, parent after parent
                // as an earlier statement read them, instead of one parent a row at random.
                let mut root_pk = b.pk_term(plan.root, aliases[0]);
                root_pk.descending = plan.descending_pk;
                let mut order = vec![root_pk];
                for (i, node) in tree.nodes().iter().enumerate() {
                    let id = NodeId::from_index(i);
                    if inner[i] && id != list && b.list_of(id) == id {
                        order.push(b.pk_term(node.model(), aliases[i]));
                    }
                }
                b.push_list_orders(&mut order, &group, &aliases);
                select.order_by = order;
                select
            };
            select.columns = rows
                .columns
                .iter()
                .filter_map(|&p| plan.columns.get(p))
                .map(|c| select_column(graph, tree, c))
                .collect();
            select
        })
        .collect()
}
