//! The statement builder every lowering shares (`statements.rs`, `json.rs`,
//! `terminal.rs`, `nested.rs`, `filter.rs`): a SELECT over the roots a statement reads,
//! the join tree's nodes joined to them, its ordering, and fresh aliases.
//!
//! - Roots ([`Roots`](relq_plan::Roots)): the root table with the filter as WHERE; the
//!   root page, a derived table holding the filter, ordering, limit and offset (a
//!   derived table rather than `IN (subquery)`: MySQL and MariaDB reject `LIMIT` inside
//!   `IN`); or the root table `WHERE root.pk IN (<root keys>)`.
//! - Joins: `LEFT OUTER JOIN`, or `INNER JOIN` where the tree says it cannot drop a row;
//!   a many-to-many node joins its through table, then its model; a nested list's own
//!   filter and limit are ON terms of its join (`nested.rs`).
//! - Ordering: the user's terms, then the root's primary key, then for every to-many
//!   node the user's terms that order its list and its primary key, so every nested
//!   list comes out in order. A term across a to-many relation orders the roots by `MIN`
//!   (ascending) / `MAX` (descending) of the field, through a correlated subquery.
//! - NULLs sort as the smallest value unless the query says otherwise: where the dialect's
//!   default differs, the term carries `NULLS FIRST` / `NULLS LAST` (or its emulation,
//!   an `x IS NULL` term first; for a MIN/MAX subquery the `IS NULL` term is built here
//!   as a copy under fresh aliases, so no alias is declared twice).
//! - The filter (`filter.rs`) is the WHERE clause of the SELECT that picks the roots: the
//!   statement itself, or the root page; to-many conditions are `EXISTS` subqueries, so
//!   roots are never repeated and loaded lists never trimmed. In ormar's scope it is
//!   row-level: also the outer WHERE, and the page keeps the roots with a matching
//!   joined row.
//!
//! Invariant: aliases are unique within a statement: the tree's own, then
//! [`JoinTree::next_alias`](relq_plan::JoinTree::next_alias) onwards for the derived table
//! and subqueries, in the order they are built.

use relq_graph::{RelationGraph, RelationId, RelationKind};
use relq_plan::{
    Alias, Compat, JoinKind, JoinTree, NodeId, NullsOrder, OrderTerm, Plan, Roots, SelectColumn,
};
use smallvec::SmallVec;

use crate::ast::{Aggregate, Column, Expr, Join, OrderItem, Select, TableRef};
use crate::dialect::{Caps, Dialect};

/// A selected column as an expression: its node's column, or its through table's.
pub(crate) fn select_column<'g>(
    graph: &'g RelationGraph,
    tree: &JoinTree,
    c: &SelectColumn,
) -> Expr<'g> {
    let node = tree.node(c.node);
    let alias = if c.through {
        node.through_alias().unwrap_or(node.alias())
    } else {
        node.alias()
    };
    Expr::column(alias, graph.field(c.field).column())
}

/// One relation crossed from a parent row: the relation, the parent's alias, and the
/// aliases of the through table (many-to-many) and of the target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hop {
    pub(crate) relation: RelationId,
    pub(crate) parent: Alias,
    pub(crate) through: Option<Alias>,
    pub(crate) alias: Alias,
}

/// Each tree node's alias in one SELECT, by node index (inline for trees of up to 16
/// nodes).
pub(crate) type Aliases = SmallVec<[Alias; 16]>;

/// The nodes of the tree a SELECT joins (the root aside: it is the FROM table).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Nodes<'a> {
    /// Every node.
    Every,
    /// The nodes marked, by index.
    Marked(&'a [bool]),
}

impl Nodes<'_> {
    /// Whether `node` is one of them (never the root).
    pub(crate) fn has(self, node: NodeId) -> bool {
        node != NodeId::ROOT
            && match self {
                Nodes::Every => true,
                Nodes::Marked(marked) => marked.get(node.index()).copied().unwrap_or(false),
            }
    }
}

/// The statement being built: what it is built from, and the next fresh alias.
pub(crate) struct Builder<'g, 'p> {
    pub(crate) graph: &'g RelationGraph,
    pub(crate) plan: &'p Plan,
    pub(crate) dialect: &'p dyn Dialect,
    /// The dialect's facts, read once (every ordering term reads them).
    caps: &'p Caps,
    next_alias: u32,
}

impl<'g, 'p> Builder<'g, 'p> {
    /// A builder for statements of `plan`, its first fresh alias after the tree's.
    pub(crate) fn new(graph: &'g RelationGraph, plan: &'p Plan, dialect: &'p dyn Dialect) -> Self {
        Self {
            graph,
            plan,
            dialect,
            caps: dialect.caps(),
            next_alias: plan.tree.next_alias(),
        }
    }

    /// `SELECT` nothing yet `FROM` the root table, every node of the tree joined, the
    /// filter as the WHERE clause; or, with `page` (the nodes to join outside it), `FROM`
    /// the root page (the filter, ordering, limit and offset inside it: see
    /// [`root_page`](Self::root_page)) with `page`'s nodes and their ancestors joined.
    /// Returns it with each node's alias.
    pub(crate) fn base(
        &mut self,
        page: Option<impl IntoIterator<Item = Option<NodeId>>>,
    ) -> (Select<'g>, Aliases) {
        let tree = &self.plan.tree;
        match page {
            // In ormar's scope the filter is row-level: it reads every node, page or not.
            Some(_) if self.plan.compat == Compat::Ormar => {
                self.select_roots(Roots::Page, Nodes::Every, Nodes::Marked(&[]))
            }
            Some(nodes) => {
                let marked = with_ancestors(tree, nodes);
                self.select_roots(Roots::Page, Nodes::Marked(&marked), Nodes::Marked(&[]))
            }
            None => self.select_roots(Roots::Filter, Nodes::Every, Nodes::Marked(&[])),
        }
    }

    /// `SELECT` nothing yet from the roots as `roots` says; the `joined` nodes are joined
    /// (each one's parent must be one or the root), `INNER` where `inner` has them, else
    /// as the tree says. Returns it with each node's alias.
    pub(crate) fn select_roots(
        &mut self,
        roots: Roots,
        joined: Nodes<'_>,
        inner: Nodes<'_>,
    ) -> (Select<'g>, Aliases) {
        let (graph, plan) = (self.graph, self.plan);
        let tree = &plan.tree;
        let root_alias = tree.node(NodeId::ROOT).alias();
        let ormar = plan.compat == Compat::Ormar;
        let from = if roots == Roots::Page {
            TableRef::Derived {
                select: Box::new(self.root_page()),
                alias: root_alias,
            }
        } else {
            TableRef::Table {
                name: graph.model(plan.root).table(),
                alias: root_alias,
            }
        };
        let mut select = Select::from(from);
        let aliases: Aliases = tree.nodes().iter().map(|n| n.alias()).collect();
        // A related set: the roots re-selected from the root table are restricted to
        // it; a root page holds the restriction, and its through row is joined again
        // where the roots carry it. Bound keys are the set's already.
        let root_through = tree.node(NodeId::ROOT).through_alias();
        let carried = plan
            .columns
            .iter()
            .any(|c| c.through && c.node == NodeId::ROOT);
        let owner_terms = match roots {
            Roots::Filter => self.own_roots(&mut select, root_alias, root_through),
            Roots::Page if carried => {
                self.own_roots(&mut select, root_alias, root_through);
                Vec::new()
            }
            Roots::Page | Roots::Keys => Vec::new(),
        };
        for (i, node) in tree.nodes().iter().enumerate().skip(1) {
            let id = NodeId::from_index(i);
            let (true, Some(parent), Some(relation)) =
                (joined.has(id), node.parent(), node.relation())
            else {
                continue;
            };
            let terms = self.nested_terms(id, aliases[i], node.through_alias());
            let kind = if inner.has(id) {
                JoinKind::Inner
            } else {
                node.join()
            };
            let hop = Hop {
                relation,
                parent: aliases[parent.index()],
                through: node.through_alias(),
                alias: aliases[i],
            };
            self.link(&mut select, kind, hop, terms);
        }
        select.filter = owner_terms;
        match (roots, &plan.filter) {
            (Roots::Keys, _) => {
                let pk = self.pk_term(plan.root, root_alias).expr;
                select.filter = vec![Expr::In(Box::new(pk), vec![Expr::RootKeys])];
            }
            (Roots::Filter, Some(condition)) => {
                let terms = self.where_terms(condition, &aliases);
                select.filter.extend(terms);
            }
            (Roots::Page, Some(condition)) if ormar => {
                let terms = self.where_terms(condition, &aliases);
                select.filter.extend(terms);
            }
            _ => {}
        }
        (select, aliases)
    }

    /// Restricts the roots of `select`, the root table as `root`, to the plan's related
    /// set ([`Plan::owner`]), if it has one. A many-to-many set joins its through table
    /// as `through`: `INNER JOIN "through" AS through ON through."target_key" =
    /// root."pk" AND through."source_key" = <key>` (its own fields are the roots'
    /// through row); a reverse foreign key returns the WHERE term `root."fk" = <key>`.
    /// The key is compared as the database compares keys (the equality a join on the
    /// relation uses), not code point by code point as a filter's text.
    ///
    /// Why a join, not an `EXISTS` over the through table: the roots carry their
    /// through row, which only a join can select, and one form serves every set
    /// whether its through model has fields or not.
    pub(crate) fn own_roots(
        &self,
        select: &mut Select<'g>,
        root: Alias,
        through: Option<Alias>,
    ) -> Vec<Expr<'g>> {
        let graph = self.graph;
        let Some(owner) = self.plan.owner() else {
            return Vec::new();
        };
        let relation = graph.relation(owner.relation);
        let root_pk = graph.model(self.plan.root).primary_key().column();
        let key_kind = owner.key.kind().unwrap_or(relq_plan::ValueKind::Int);
        let key = self.operand(Expr::Value(owner.key.clone()), key_kind);
        match (relation.through(), through, relation.foreign_key_field()) {
            (Some(t), Some(through), _) => {
                let source_key = graph.field(t.source_field).column();
                let target_key = graph.field(t.target_field).column();
                select.joins.push(Join {
                    kind: JoinKind::Inner,
                    table: TableRef::Table {
                        name: graph.model(t.model).table(),
                        alias: through,
                    },
                    on: (Column::new(through, target_key), Column::new(root, root_pk)),
                    filter: vec![Expr::column(through, source_key).eq(key)],
                });
                Vec::new()
            }
            (None, _, Some(fk)) => vec![Expr::column(root, fk.column()).eq(key)],
            _ => {
                debug_assert!(
                    false,
                    "a related set is a reverse foreign key or has a through alias"
                );
                Vec::new()
            }
        }
    }

    /// Statement 0, the one that picks the roots, without columns yet: the root and the
    /// `group` nodes it reads joined, ordered by the root ordering, then each to-many node
    /// of `group` by its list order ([`push_list_orders`](Self::push_list_orders)).
    /// `LIMIT` / `OFFSET` apply to it directly ([`Roots::Filter`]), or to the root page
    /// it reads from ([`Roots::Page`]: its rows repeat the roots), so no nested list is
    /// cut.
    pub(crate) fn roots_statement(&mut self, group: Nodes<'_>, roots: Roots) -> Select<'g> {
        let plan = self.plan;
        let tree = &plan.tree;
        let marked = |i: usize| group.has(NodeId::from_index(i));
        let paginate_roots = roots == Roots::Page;
        let (mut select, aliases) = if paginate_roots {
            // With a root page the filter is the page's: nodes joined only for it stay
            // out (in ormar's scope the filter also trims the lists: every node is
            // joined, `base`).
            let loaded = tree
                .nodes()
                .iter()
                .enumerate()
                .filter(|&(i, n)| marked(i) && n.is_loaded())
                .map(|(i, _)| Some(NodeId::from_index(i)));
            let nested = plan.nested.iter().flat_map(|l| &l.order);
            let ordered = plan.order.iter().chain(nested).map(|t| t.node);
            let ordered = ordered.filter(|n| n.is_some_and(|n| marked(n.index())));
            self.base(Some(loaded.chain(ordered)))
        } else {
            self.select_roots(Roots::Filter, group, Nodes::Marked(&[]))
        };
        let mut order = self.root_order(&aliases, false);
        self.push_list_orders(&mut order, group, &aliases);
        select.order_by = order;
        if !paginate_roots {
            select.limit = plan.limit;
            select.offset = plan.offset;
        }
        select
    }

    /// For every to-many node of `nodes` (alias order, so a list's parent before it):
    /// the user's terms that order its list, then its primary key, so each list comes
    /// out in order under its parent.
    pub(crate) fn push_list_orders(
        &mut self,
        items: &mut Vec<OrderItem<'g>>,
        nodes: Nodes<'_>,
        aliases: &[Alias],
    ) {
        let (graph, plan) = (self.graph, self.plan);
        for (i, node) in plan.tree.nodes().iter().enumerate() {
            if !nodes.has(NodeId::from_index(i))
                || !node
                    .relation()
                    .is_some_and(|r| graph.relation(r).is_to_many())
            {
                continue;
            }
            for term in self.list_order(NodeId::from_index(i)) {
                self.push_column_term(items, term, aliases);
            }
            items.push(self.pk_term(node.model(), aliases[i]));
        }
    }

    /// The dialect's facts.
    pub(crate) fn caps(&self) -> &'p Caps {
        self.caps
    }

    /// The alias [`alias`](Self::alias) gives next, not taken yet.
    pub(crate) fn peek_alias(&self) -> Alias {
        Alias::new(self.next_alias)
    }

    /// A fresh alias.
    pub(crate) fn alias(&mut self) -> Alias {
        let a = Alias::new(self.next_alias);
        self.next_alias += 1;
        a
    }

    /// The roots of one page: every root field, filtered, ordered and cut as the query
    /// says, with the to-one joins its filter and ordering need under fresh aliases. In
    /// ormar's scope the page holds the roots having a joined row that matches the
    /// (row-level) filter: an `EXISTS` over the root joined to the filter's nodes.
    pub(crate) fn root_page(&mut self) -> Select<'g> {
        let tree = &self.plan.tree;
        let root = self.graph.model(self.plan.root);
        let inner_root = self.alias();
        let mut select = Select::from(TableRef::Table {
            name: root.table(),
            alias: inner_root,
        });
        select.columns = root
            .fields()
            .map(|f| Expr::column(inner_root, f.column()))
            .collect();
        let ordered = self.plan.order.iter().filter(|t| !t.across_to_many);
        let filtered: Vec<Option<NodeId>> = self
            .plan
            .filter
            .iter()
            .flat_map(|c| c.root_comparisons())
            .map(|cmp| tree.node_at(&cmp.hops))
            .collect();
        let ormar = self.plan.compat == Compat::Ormar;
        let page_filtered = if ormar { &[][..] } else { &filtered[..] };
        let needed = with_ancestors(
            tree,
            ordered.map(|t| t.node).chain(page_filtered.iter().copied()),
        );
        let through = self.plan.tree.node(NodeId::ROOT).through_alias();
        let through = through.map(|_| self.alias());
        let owner_terms = self.own_roots(&mut select, inner_root, through);
        let aliases = self.join_fresh(&mut select, inner_root, &needed);
        select.filter = owner_terms;
        if let Some(condition) = &self.plan.filter {
            let terms = if ormar {
                let rows_root = self.alias();
                let mut rows = Select::from(TableRef::Table {
                    name: root.table(),
                    alias: rows_root,
                });
                let needed = with_ancestors(tree, filtered);
                let row_aliases = self.join_fresh(&mut rows, rows_root, &needed);
                let pk = root.primary_key().column();
                rows.filter = vec![Expr::column(rows_root, pk).eq(Expr::column(inner_root, pk))];
                rows.filter
                    .extend(self.where_terms(condition, &row_aliases));
                rows.columns = vec![Expr::Constant(1)];
                vec![Expr::Exists(Box::new(rows))]
            } else {
                self.where_terms(condition, &aliases)
            };
            select.filter.extend(terms);
        }
        select.order_by = self.root_order(&aliases, false);
        select.limit = self.plan.limit;
        select.offset = self.plan.offset;
        select
    }

    /// Joins the `needed` nodes of the tree to `select`, whose root is `root`, under fresh
    /// aliases; returns the alias of every node (the root's for a node not joined).
    fn join_fresh(&mut self, select: &mut Select<'g>, root: Alias, needed: &[bool]) -> Aliases {
        let tree = &self.plan.tree;
        let mut aliases: Aliases = smallvec::smallvec![root; tree.nodes().len()];
        for (i, node) in tree.nodes().iter().enumerate() {
            let (true, Some(parent), Some(relation)) = (needed[i], node.parent(), node.relation())
            else {
                continue;
            };
            let through = node.through_alias().map(|_| self.alias());
            let alias = self.alias();
            aliases[i] = alias;
            let terms = self.nested_terms(NodeId::from_index(i), alias, through);
            let hop = Hop {
                relation,
                parent: aliases[parent.index()],
                through,
                alias,
            };
            self.link(select, node.join(), hop, terms);
        }
        aliases
    }

    /// The root-level ordering: every user term (a column, or a MIN/MAX subquery across a
    /// to-many relation), then the root's primary key (descending for `last`). With
    /// `joined_columns` (flat rows, each with its own value), a term whose path is joined
    /// orders by the joined column even across a to-many relation.
    pub(crate) fn root_order(
        &mut self,
        aliases: &[Alias],
        joined_columns: bool,
    ) -> Vec<OrderItem<'g>> {
        // Room for the root's key, and for a key per list the statement may order after.
        let mut items = Vec::with_capacity(self.plan.order.len() + self.plan.tree.nodes().len());
        for term in &self.plan.order {
            if term.across_to_many && !(joined_columns && term.node.is_some()) {
                // Each copy of the subquery gets fresh aliases (the emulated NULL
                // placement writes the term twice).
                self.push_term(&mut items, term, true, |b| {
                    Expr::Subquery(Box::new(b.aggregate(term, aliases[0])))
                });
            } else {
                self.push_column_term(&mut items, term, aliases);
            }
        }
        let mut pk = self.pk_term(self.plan.root, aliases[0]);
        pk.descending = self.plan.descending_pk;
        items.push(pk);
        items
    }

    /// `(SELECT MIN(x."field") FROM ... WHERE <linked to the root>)`: the term's field over
    /// every record its path reaches from one root.
    fn aggregate(&mut self, term: &OrderTerm, root: Alias) -> Select<'g> {
        let graph = self.graph;
        // A term across a to-many relation has at least one hop; without one the
        // subquery reads the root's own row.
        let (mut select, last) = self.chain(&term.hops, root).unwrap_or_else(|| {
            let select = Select::from(TableRef::Table {
                name: graph.model(self.plan.root).table(),
                alias: root,
            });
            (select, root)
        });
        let func = if term.descending {
            Aggregate::Max
        } else {
            Aggregate::Min
        };
        select.columns = vec![Expr::Aggregate(
            func,
            Box::new(Expr::column(last, graph.field(term.field).column())),
        )];
        select
    }

    /// A SELECT (no columns yet) over the records `hops` reach from the row `parent`: the
    /// first table correlated to `parent` in WHERE, the rest inner joins, all under fresh
    /// aliases. Returns it with the alias of the last table; `None` without hops.
    pub(crate) fn chain(
        &mut self,
        hops: &[RelationId],
        parent: Alias,
    ) -> Option<(Select<'g>, Alias)> {
        let mut parent = parent;
        let mut select: Option<Select<'g>> = None;
        for &hop in hops {
            let through = self.graph.relation(hop).through().map(|_| self.alias());
            let alias = self.alias();
            for (table, on) in self.steps(hop, parent, through, alias) {
                match &mut select {
                    None => {
                        let mut s = Select::from(table);
                        s.filter.push(Expr::Column(on.0).eq(Expr::Column(on.1)));
                        select = Some(s);
                    }
                    Some(s) => s.joins.push(Join {
                        kind: JoinKind::Inner,
                        table,
                        on,
                        filter: Vec::new(),
                    }),
                }
            }
            parent = alias;
        }
        select.map(|s| (s, parent))
    }

    /// The ON terms of a nested list's own filter and limit when `node` is one, joined as
    /// `alias` (and `through`); none otherwise.
    pub(crate) fn nested_terms(
        &mut self,
        node: NodeId,
        alias: Alias,
        through: Option<Alias>,
    ) -> Vec<Expr<'g>> {
        match self.plan.nested.iter().find(|l| l.node == node) {
            Some(list) => self.list_terms(list, alias, through),
            None => Vec::new(),
        }
    }

    /// Joins `hop` to `select` as `kind`, with `filter` ANDed to the first join's ON
    /// clause.
    pub(crate) fn link(
        &self,
        select: &mut Select<'g>,
        kind: JoinKind,
        hop: Hop,
        filter: Vec<Expr<'g>>,
    ) {
        let mut filter = Some(filter);
        for (table, on) in self.steps(hop.relation, hop.parent, hop.through, hop.alias) {
            select.joins.push(Join {
                kind,
                table,
                on,
                filter: filter.take().unwrap_or_default(),
            });
        }
    }

    /// The tables and join conditions that cross `relation` from `parent` to `alias`: one
    /// for a foreign key, two for a many-to-many relation (its through table first).
    pub(crate) fn steps(
        &self,
        relation: RelationId,
        parent: Alias,
        through: Option<Alias>,
        alias: Alias,
    ) -> SmallVec<[(TableRef<'g>, (Column<'g>, Column<'g>)); 2]> {
        let graph = self.graph;
        let r = graph.relation(relation);
        let source_pk = r.source().primary_key().column();
        let target = r.target();
        let target_pk = target.primary_key().column();
        let target_table = TableRef::Table {
            name: target.table(),
            alias,
        };
        let mut steps = SmallVec::new();
        if let (Some(t), Some(through_alias)) = (r.through(), through) {
            let source_key = graph.field(t.source_field).column();
            let target_key = graph.field(t.target_field).column();
            steps.push((
                TableRef::Table {
                    name: graph.model(t.model).table(),
                    alias: through_alias,
                },
                (
                    Column::new(parent, source_pk),
                    Column::new(through_alias, source_key),
                ),
            ));
            steps.push((
                target_table,
                (
                    Column::new(through_alias, target_key),
                    Column::new(alias, target_pk),
                ),
            ));
        } else if let Some(fk) = r.foreign_key_field() {
            // Decided by the kind, not by which model holds the key: in a self-reference
            // both sides are the same model.
            let on = if r.kind() == RelationKind::ForeignKey {
                // Forward: the parent holds the key.
                (
                    Column::new(parent, fk.column()),
                    Column::new(alias, target_pk),
                )
            } else {
                (
                    Column::new(parent, source_pk),
                    Column::new(alias, fk.column()),
                )
            };
            steps.push((target_table, on));
        }
        steps
    }

    /// A term on a joined column.
    pub(crate) fn push_column_term(
        &mut self,
        items: &mut Vec<OrderItem<'g>>,
        term: &OrderTerm,
        aliases: &[Alias],
    ) {
        let node = term.node.unwrap_or(NodeId::ROOT);
        let field = self.graph.field(term.field);
        let nullable =
            field.is_nullable() || self.plan.tree.node(node).join() == JoinKind::LeftOuter;
        let column = Expr::column(aliases[node.index()], field.column());
        self.push_term(items, term, nullable, |_| column.clone());
    }

    /// Pushes the ordering of `term` on the expression `make` builds. NULLs go where the
    /// query wants them (smallest by default): the dialect's default if it agrees, else
    /// `NULLS FIRST` / `LAST`, else (MySQL) a preceding `expr IS NULL DESC` / `ASC` term.
    fn push_term(
        &mut self,
        items: &mut Vec<OrderItem<'g>>,
        term: &OrderTerm,
        nullable: bool,
        mut make: impl FnMut(&mut Self) -> Expr<'g>,
    ) {
        let mut placement = nulls(self.caps(), term.nulls, term.descending, nullable);
        if let (Some(p), false) = (placement, self.caps().supports_nulls_order) {
            // `x IS NULL` is 1 for NULLs: descending puts them first.
            let expr = Expr::IsNull(Box::new(make(self)));
            items.push(OrderItem {
                expr,
                descending: p == NullsOrder::First,
                nulls: None,
            });
            placement = None;
        }
        let expr = make(self);
        items.push(OrderItem {
            expr,
            descending: term.descending,
            nulls: placement,
        });
    }

    /// `alias."pk" ASC`.
    pub(crate) fn pk_term(&self, model: relq_graph::ModelId, alias: Alias) -> OrderItem<'g> {
        OrderItem {
            expr: Expr::column(alias, self.graph.model(model).primary_key().column()),
            descending: false,
            nulls: None,
        }
    }

    /// The list a node's records belong to ([`JoinTree::list_of`]).
    pub(crate) fn list_of(&self, node: NodeId) -> NodeId {
        self.plan.tree.list_of(self.graph, node)
    }
}

/// Per node of `tree`, whether it is one of `nodes` or an ancestor of one (the root is
/// never marked: it is the FROM table).
pub(crate) fn with_ancestors(
    tree: &JoinTree,
    nodes: impl IntoIterator<Item = Option<NodeId>>,
) -> Vec<bool> {
    let mut marked = vec![false; tree.nodes().len()];
    for node in nodes {
        let mut at = node;
        while let Some(n) = at.filter(|&n| n != NodeId::ROOT && !marked[n.index()]) {
            marked[n.index()] = true;
            at = tree.node(n).parent();
        }
    }
    marked
}

/// Where NULLs must be put explicitly: `None` when the dialect's default already sorts
/// them as wanted (smallest, unless the query says otherwise) or the term cannot be NULL.
fn nulls(
    caps: &Caps,
    wanted: Option<NullsOrder>,
    descending: bool,
    nullable: bool,
) -> Option<NullsOrder> {
    if !nullable {
        return None;
    }
    let smallest = if descending {
        NullsOrder::Last
    } else {
        NullsOrder::First
    };
    let wanted = wanted.unwrap_or(smallest);
    let default = if caps.nulls_sort_smallest {
        smallest
    } else if descending {
        NullsOrder::First
    } else {
        NullsOrder::Last
    };
    (wanted != default).then_some(wanted)
}

#[cfg(test)]
mod tests {
    use relq_graph::SchemaDef;
    use relq_plan::{OrderBy, Query, plan};

    use super::*;
    use crate::dialect::Ansi;
    use crate::render::{Layout, render};
    use crate::statements::statements;

    fn sql_for(query: &Query, dialect: &dyn Dialect) -> String {
        let graph = SchemaDef::from_toml(include_str!("../../../schemas/person.toml"))
            .and_then(|d| d.build())
            .expect("valid sample");
        let plan = plan(&graph, query).expect("plans");
        let select = statements(&graph, &plan, dialect).remove(0);
        render(&select, dialect, Layout::Compact).sql
    }

    fn sql(query: &Query) -> String {
        sql_for(query, &Ansi::default())
    }

    #[test]
    fn reverse_self_reference_joins_on_the_childs_key() {
        // Person.employees is the reverse of Person.supervisor: the employee (t1) holds
        // the key, even though both ends are the same model.
        let text = sql(&Query::new("Person").select_related("employees"));
        assert!(
            text.contains(
                r#"LEFT OUTER JOIN "persons" AS "t1" ON "t0"."id" = "t1"."supervisor_id""#
            ),
            "{text}"
        );
        let text = sql(&Query::new("Person").select_related("supervisor"));
        assert!(
            text.contains(
                r#"LEFT OUTER JOIN "persons" AS "t1" ON "t0"."supervisor_id" = "t1"."id""#
            ),
            "{text}"
        );
    }

    #[test]
    fn ordering_across_a_reverse_self_reference_correlates_on_the_childs_key() {
        let text = sql(&Query::new("Person").order_by(OrderBy::new("employees__name")));
        assert!(
            text.contains(r#"(SELECT MIN("t1"."name") FROM "persons" AS "t1" WHERE "t0"."id" = "t1"."supervisor_id")"#),
            "{text}"
        );
    }

    #[test]
    fn emulated_null_placement_of_a_subquery_term_declares_fresh_aliases() {
        // Without NULLS LAST the term is preceded by `(subquery) IS NULL ASC`; the copy of
        // the subquery must not declare the aliases of the original again.
        let dialect = Ansi::new(Caps {
            supports_nulls_order: false,
            ..Caps::ANSI
        });
        let query =
            Query::new("Person").order_by(OrderBy::new("employees__name").nulls(NullsOrder::Last));
        let text = sql_for(&query, &dialect);
        assert!(
            text.contains(r#"ORDER BY (SELECT MIN("t1"."name") FROM "persons" AS "t1" WHERE "t0"."id" = "t1"."supervisor_id") IS NULL ASC, (SELECT MIN("t2"."name") FROM "persons" AS "t2" WHERE "t0"."id" = "t2"."supervisor_id") ASC, "t0"."id" ASC"#),
            "{text}"
        );
    }
}
