//! Nested lists with a filter, ordering or limit of their own ([`NestedList`]), in the
//! joined strategy: terms of the ON clause of the join that reaches the list's rows (the
//! through table's for a many-to-many list), so a row that fails them is not joined and
//! its parent is kept with a shorter (or empty) list, and the rows below it go with it.
//!
//! - A filter on a reverse foreign key that reads only the nested row is written in the
//!   ON clause as it is: `LEFT OUTER JOIN "posts" AS "t1" ON "t0"."id" = "t1"."author_id"
//!   AND "t1"."published" = ?`.
//! - Otherwise (a many-to-many list, a comparison through a to-one relation of the
//!   nested model, a per-parent limit) the joined row's key must be among the keys a
//!   subquery picks: `"t1"."id" IN (SELECT "t5"."id" AS "relq_key" FROM <the list's
//!   tables under fresh aliases> WHERE <filter>)`, the key being the through row's for a
//!   many-to-many list (a through row whose target fails is not joined either). With a
//!   limit the subquery numbers each parent's rows in the list's order with
//!   `ROW_NUMBER() OVER (PARTITION BY <parent key> ORDER BY ...)` in a derived table
//!   and keeps those numbered up to the limit (`IN` over a derived table, not a `LIMIT`:
//!   MySQL and MariaDB reject `LIMIT` inside `IN`).
//! - The descendants of a nested list are joined LEFT already (a to-many node is joined
//!   LEFT, and a node under a LEFT join is never INNER: `join.rs`), so trimming a list
//!   never drops its parent.
//!
//! Invariant: every alias made here is fresh ([`Builder::alias`]).

use relq_graph::Relation;
use relq_plan::{Alias, Condition, JoinKind, NestedList, NodeId, OrderTerm, Value};

use crate::ast::{Column, Expr, Join, Select, TableRef};
use crate::builder::Builder;
use crate::filter::Scope;

/// The name of the key column of the subquery that picks a list's rows.
const KEY: &str = "relq_key";
/// The name of the row number column of a limited list's derived table.
const ROW: &str = "relq_row";

impl<'g, 'p> Builder<'g, 'p> {
    /// The extra ON terms of the join reaching `list`'s rows, joined as `alias` (through
    /// `through` for a many-to-many list, whose through table's join takes them).
    pub(crate) fn list_terms(
        &mut self,
        list: &NestedList,
        alias: Alias,
        through: Option<Alias>,
    ) -> Vec<Expr<'g>> {
        let node = self.plan.tree.node(list.node);
        let Some(relation) = node.relation() else {
            return Vec::new();
        };
        let r = self.graph.relation(relation);
        if list.limit.is_none() {
            let Some(filter) = &list.filter else {
                return Vec::new();
            };
            let local = r.through().is_none()
                && filter.root_comparisons().iter().all(|c| c.hops.is_empty());
            if local {
                return self.scoped_terms(filter, alias).0;
            }
        }
        let link = through.unwrap_or(alias);
        let picked = self.picked_keys(list, r);
        debug_assert!(picked.is_some(), "a relation crosses at least one table");
        picked
            .map(|picked| {
                let key = Expr::column(link, self.link_pk(r));
                Expr::InSubquery(Box::new(key), Box::new(picked))
            })
            .into_iter()
            .collect()
    }

    /// The primary key column of the table a list's join reaches first: the through
    /// model's for a many-to-many relation, else the target's.
    fn link_pk(&self, r: Relation<'g>) -> &'g str {
        match r.through() {
            Some(t) => self.graph.model(t.model).primary_key().column(),
            None => r.target().primary_key().column(),
        }
    }

    /// The list's order: its own terms, then the query's terms on fields of its rows.
    pub(crate) fn list_order(&self, list: NodeId) -> Vec<&'p OrderTerm> {
        let plan = self.plan;
        let own = plan.nested.iter().filter(|l| l.node == list);
        let own = own.flat_map(|l| l.order.iter());
        let query = plan
            .order
            .iter()
            .filter(|t| t.node.is_some_and(|n| self.list_of(n) == list));
        own.chain(query).collect()
    }

    /// `filter` on the row `alias` (with the LEFT joins its to-one comparisons need
    /// from that row), as AND terms, and those joins.
    fn scoped_terms(&mut self, filter: &Condition, alias: Alias) -> (Vec<Expr<'g>>, Vec<Join<'g>>) {
        let mut scope = Scope::Related {
            alias,
            paths: Vec::new(),
            joins: Vec::new(),
        };
        let terms = match self.condition(filter, &mut scope, false) {
            Expr::And(terms) => terms,
            term => vec![term],
        };
        let Scope::Related { joins, .. } = scope else {
            return (terms, Vec::new());
        };
        (terms, joins)
    }

    /// `SELECT <link key> AS "relq_key" FROM <link table> [INNER JOIN <target>] ... WHERE
    /// <filter>`, or with a limit the keys numbered up to it in each parent's list
    /// (`r` is the list's relation); `None` only for a relation that crosses no table.
    fn picked_keys(&mut self, list: &NestedList, r: Relation<'g>) -> Option<Select<'g>> {
        let tree = &self.plan.tree;
        let node = tree.node(list.node);
        let through = r.through().map(|_| self.alias());
        let alias = self.alias();
        let link_pk = self.link_pk(r);
        let link = through.unwrap_or(alias);
        // The first step's correlation is not used: its link-side column is the parent key.
        let mut steps = self.steps(r.id(), alias, through, alias).into_iter();
        let (link_table, (_, parent_key)) = steps.next()?;
        let mut select = Select::from(link_table);
        select.joins.extend(steps.map(|(table, on)| Join {
            kind: JoinKind::Inner,
            table,
            on,
            filter: Vec::new(),
        }));
        if let Some(filter) = &list.filter {
            let (terms, joins) = self.scoped_terms(filter, alias);
            select.filter = terms;
            select.joins.extend(joins);
        }
        let key = Expr::Named(Box::new(Expr::column(link, link_pk)), KEY);
        let Some(limit) = list.limit else {
            select.columns = vec![key];
            return Some(select);
        };
        // Each term's node under fresh aliases: the list's node is `alias`, the to-one
        // nodes below it joined LEFT from it.
        let mut aliases = vec![alias; tree.nodes().len()];
        let mut joined = vec![false; tree.nodes().len()];
        let mut order = Vec::new();
        for term in self.list_order(list.node) {
            let mut chain = Vec::new();
            let mut at = term.node;
            while let Some(n) = at.filter(|&n| n != list.node) {
                chain.push(n);
                at = tree.node(n).parent();
            }
            for n in chain.into_iter().rev() {
                let (Some(parent), Some(relation)) =
                    (tree.node(n).parent(), tree.node(n).relation())
                else {
                    continue;
                };
                if std::mem::replace(&mut joined[n.index()], true) {
                    continue;
                }
                let fresh = self.alias();
                for (table, on) in self.steps(relation, aliases[parent.index()], None, fresh) {
                    select.joins.push(Join {
                        kind: JoinKind::LeftOuter,
                        table,
                        on,
                        filter: Vec::new(),
                    });
                }
                aliases[n.index()] = fresh;
            }
            self.push_column_term(&mut order, term, &aliases);
        }
        order.push(self.pk_term(node.model(), alias));
        select.columns = vec![
            key,
            Expr::Named(
                Box::new(Expr::RowNumber {
                    partition: Box::new(Expr::Column(parent_key)),
                    order,
                }),
                ROW,
            ),
        ];
        let numbered = self.alias();
        let mut outer = Select::from(TableRef::Derived {
            select: Box::new(select),
            alias: numbered,
        });
        outer.columns = vec![Expr::Column(Column::new(numbered, KEY))];
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        outer.filter = vec![
            Expr::Column(Column::new(numbered, ROW))
                .binary(crate::ast::BinaryOp::LtEq, Expr::Value(Value::Int(limit))),
        ];
        Some(outer)
    }
}
