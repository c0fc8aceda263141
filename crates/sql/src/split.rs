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
//! - The statement of a split node `L` reads the same roots (a semi-join on the root
//!   statement): `FROM` the root table with the filter as WHERE, or `FROM` the root page
//!   (a derived table, as in the joined strategy) when the query has a limit or offset;
//!   then `INNER JOIN`s down to `L` through its ancestors (each nested list's own filter
//!   and limit in its ON clause, so a trimmed ancestor's children are not read), and the
//!   rest of `L`'s group joined as the tree says (to-one nodes, and under `auto` a chain
//!   of to-many nodes). It selects the primary key of every ancestor and its group's
//!   columns, and is ordered by `L`'s list order and primary key, then each joined
//!   to-many node's (as the joined strategy orders them), so each parent's list comes
//!   out in order.
//! - The parent's key is read from the parent's own table in every statement, never from
//!   the child's foreign key: the database's key equality (a MariaDB `_ci` collated text
//!   key matching case-insensitively) decides the join, and the rebuild matches the
//!   bytes the root statement read.
//! - Bound `IN` lists of the parents' keys (chunked to `Caps::max_params`) are not used
//!   yet: the semi-join needs no round trip between statements, so every statement is
//!   known at compile time. Each statement re-reads the roots; the executors run them in
//!   turn without opening a transaction (the caller's snapshot, if any, makes them
//!   agree under concurrent writes).
//!
//! Invariant: each statement declares its aliases once: the tree's, then fresh ones from
//! its own [`Builder`].

use relq_graph::RelationGraph;
use relq_plan::{NodeId, Plan};

use crate::ast::Select;
use crate::dialect::Caps;
use crate::joined::{Builder, select_column, with_ancestors};

/// The statements of `plan` (whose `split` is not empty): the roots' statement, then
/// one per node of `plan.split`.
pub(crate) fn split<'g>(graph: &'g RelationGraph, plan: &Plan, caps: &Caps) -> Vec<Select<'g>> {
    let tree = &plan.tree;
    let lists = std::iter::once(NodeId::ROOT).chain(plan.split.iter().copied());
    lists
        .zip(&plan.extraction.statements)
        .map(|(list, rows)| {
            let mut b = Builder::new(graph, plan, caps);
            let group: Vec<bool> = (0..tree.nodes().len())
                .map(|i| i > 0 && tree.statement_of(graph, NodeId::from_index(i)) == list)
                .collect();
            let mut select = if list == NodeId::ROOT {
                b.roots_statement(&group)
            } else {
                let paginated = plan.limit.is_some() || plan.offset.is_some();
                let inner = with_ancestors(tree, [Some(list)]);
                // Without a page the filter is this statement's WHERE: the to-one nodes
                // its comparisons read are joined.
                let filtered = with_ancestors(
                    tree,
                    plan.filter
                        .iter()
                        .filter(|_| !paginated)
                        .flat_map(|c| c.root_comparisons())
                        .map(|cmp| tree.node_at(&cmp.hops)),
                );
                let joined: Vec<bool> = (0..tree.nodes().len())
                    .map(|i| inner[i] || group[i] || filtered[i])
                    .collect();
                let (mut select, aliases) = b.select_roots(paginated, &joined, &inner);
                b.push_list_orders(&mut select.order_by, &group, &aliases);
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
