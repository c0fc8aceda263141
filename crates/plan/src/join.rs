//! The join tree: the relations one query loads or joins through, rooted at its model.
//!
//! One node per distinct path prefix: `students` and `students__category` share the
//! `students` node, while `teachers__category` and `students__category` reach `Category`
//! through two nodes. Aliases are `t0` for the root, then `t1`, `t2`, ... in depth-first
//! pre-order, children in the order their paths were first given. A many-to-many node
//! crosses its through model, which takes the alias just before the node's own.
//!
//! Invariants: aliases are unique and depend only on the paths and their order (never on
//! anything global); `nodes()` is in alias order; a node is joined INNER only when its
//! relation always finds a record (a NOT NULL forward foreign key) and its parent is the
//! root or itself INNER, so an inner join never drops a row an outer join would keep.

use std::fmt;

use relq_graph::{ModelId, RelationGraph, RelationId};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

use crate::path::ParsedPath;

/// A node of a [`JoinTree`]; `NodeId::ROOT` is the query's model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The root node.
    pub const ROOT: NodeId = NodeId(0);

    /// The node's position in [`JoinTree::nodes`].
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of `nodes()[index]`.
    pub fn from_index(index: usize) -> Self {
        NodeId(index as u32)
    }
}

/// A table alias in SQL: `t` and a number. At most 11 bytes, far below every dialect's
/// identifier limit (PostgreSQL truncates past 63 bytes, MySQL rejects past 64). Serialises
/// as its text (`"t3"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Alias(u32);

impl Alias {
    /// The alias `t{number}`. Statements built on a [`JoinTree`] take the numbers from
    /// [`JoinTree::next_alias`] on for their own subqueries, so aliases stay unique.
    pub fn new(number: u32) -> Self {
        Alias(number)
    }

    /// The alias's number (`t3` → 3).
    pub fn number(self) -> u32 {
        self.0
    }
}

impl Serialize for Alias {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Alias {
    /// From its text, `t` and a number (`"t3"`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.strip_prefix('t')
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .map(Alias)
            .ok_or_else(|| D::Error::custom(format!("`{text}` is not an alias like `t3`")))
    }
}

impl fmt::Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

/// How a node is joined to its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinKind {
    /// `INNER JOIN`: only where it cannot drop a row (see the module invariants).
    Inner,
    /// `LEFT OUTER JOIN`.
    LeftOuter,
}

/// One node of a [`JoinTree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinNode {
    model: ModelId,
    parent: Option<NodeId>,
    relation: Option<RelationId>,
    alias: Alias,
    through_alias: Option<Alias>,
    join: JoinKind,
    loaded: bool,
    children: SmallVec<[NodeId; 4]>,
}

impl JoinNode {
    /// The node's model.
    pub fn model(&self) -> ModelId {
        self.model
    }

    /// The parent node; `None` for the root.
    pub fn parent(&self) -> Option<NodeId> {
        self.parent
    }

    /// The relation from the parent's model to this node's; `None` for the root.
    pub fn relation(&self) -> Option<RelationId> {
        self.relation
    }

    /// The node's alias.
    pub fn alias(&self) -> Alias {
        self.alias
    }

    /// For a many-to-many node, and for the root of a many-to-many related set: the
    /// alias of its through model.
    pub fn through_alias(&self) -> Option<Alias> {
        self.through_alias
    }

    /// How the node is joined (the root's is `Inner`: it is the FROM table).
    pub fn join(&self) -> JoinKind {
        self.join
    }

    /// Whether the node's records are loaded (`select_related`), or the node is only
    /// joined through (for an ordering or a filter).
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// The children, in alias order.
    pub fn children(&self) -> &[NodeId] {
        &self.children
    }
}

/// The join tree of one query. Build one with a [`JoinTreeBuilder`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinTree {
    nodes: Vec<JoinNode>,
}

impl JoinTree {
    /// Every node, in alias order (depth-first pre-order); the root first.
    pub fn nodes(&self) -> &[JoinNode] {
        &self.nodes
    }

    /// The first alias number the tree does not use (through aliases included).
    pub fn next_alias(&self) -> u32 {
        let aliases = self
            .nodes
            .iter()
            .flat_map(|n| [Some(n.alias), n.through_alias]);
        aliases.flatten().map(|a| a.0 + 1).max().unwrap_or(0)
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &JoinNode {
        &self.nodes[id.index()]
    }

    /// The list a node's records belong to: the nearest to-many node at or above it (the
    /// root for the root and its to-one chains).
    pub fn list_of(&self, graph: &RelationGraph, node: NodeId) -> NodeId {
        let mut at = node;
        while let (Some(parent), Some(r)) = (self.node(at).parent(), self.node(at).relation()) {
            if graph.relation(r).is_to_many() {
                return at;
            }
            at = parent;
        }
        NodeId::ROOT
    }

    /// Whether `ancestor` is `node` or above it.
    pub(crate) fn is_at_or_above(&self, ancestor: NodeId, node: NodeId) -> bool {
        std::iter::successors(Some(node), |&n| self.node(n).parent()).any(|n| n == ancestor)
    }

    /// The node reached from the root by these relations, if the tree has it.
    pub fn node_at(&self, hops: &[RelationId]) -> Option<NodeId> {
        let mut at = NodeId::ROOT;
        for &hop in hops {
            at = *self
                .node(at)
                .children
                .iter()
                .find(|&&c| self.node(c).relation == Some(hop))?;
        }
        Some(at)
    }

    /// The alias of the node at a relation path (`students__category`), by relation
    /// names; `""` is the root. The preview of ormar's `resolve_relation_join`, but
    /// deterministic.
    ///
    /// ```
    /// use relq_graph::SchemaDef;
    /// use relq_plan::{JoinTreeBuilder, ParsedPath, PathKind, resolve};
    /// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
    /// let class = graph.model_by_name("SchoolClass").unwrap().id();
    /// let mut tree = JoinTreeBuilder::new(class);
    /// for p in ["teachers__category", "students__category"] {
    ///     let path = resolve(&graph, class, &ParsedPath::parse(p)?, PathKind::Relations)?;
    ///     tree.add(path.hops(), true);
    /// }
    /// let tree = tree.finish(&graph);
    /// assert_eq!(tree.alias_of(&graph, "students__category").unwrap().to_string(), "t4");
    /// assert_eq!(tree.alias_of(&graph, "").unwrap().to_string(), "t0");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alias_of(&self, graph: &RelationGraph, path: &str) -> Option<Alias> {
        let mut at = NodeId::ROOT;
        if !path.is_empty() {
            let parsed = ParsedPath::parse(path).ok()?;
            for segment in parsed.segments() {
                at = *self.node(at).children.iter().find(|&&c| {
                    self.node(c)
                        .relation
                        .is_some_and(|r| graph.relation(r).name() == segment.name)
                })?;
            }
        }
        Some(self.node(at).alias)
    }
}

/// Collects relation paths into a [`JoinTree`]: add resolved hops in the order the user
/// gave them, then [`finish`](JoinTreeBuilder::finish).
#[derive(Clone, Debug)]
pub struct JoinTreeBuilder {
    root: ModelId,
    /// Whether the root crosses a through model (a many-to-many related set).
    root_through: bool,
    /// A trie over relation ids; entry 0 is the root, children in insertion order.
    trie: Vec<TrieNode>,
}

#[derive(Clone, Debug)]
struct TrieNode {
    relation: Option<RelationId>,
    loaded: bool,
    children: SmallVec<[u32; 4]>,
}

impl JoinTreeBuilder {
    /// A tree holding only the root model.
    pub fn new(root: ModelId) -> Self {
        Self {
            root,
            root_through: false,
            trie: {
                // Most queries join a handful of relations: one allocation for them all.
                let mut trie = Vec::with_capacity(8);
                trie.push(TrieNode {
                    relation: None,
                    loaded: true,
                    children: SmallVec::new(),
                });
                trie
            },
        }
    }

    /// Makes the root cross a through model: the roots of a many-to-many related set
    /// are the records the owner's through rows link to, and carry those rows. The
    /// through model takes alias `t1`.
    pub fn through_root(&mut self) {
        self.root_through = true;
    }

    /// Adds the nodes of a relation path (hops from the root, as [`resolve`](crate::resolve)
    /// gives them), sharing any prefix already added. With `loaded`, every node on the
    /// path is loaded; otherwise new nodes are only joined through.
    pub fn add(&mut self, hops: &[RelationId], loaded: bool) {
        let mut at = 0usize;
        for &hop in hops {
            at = self.child_or_new(at, hop);
            self.trie[at].loaded |= loaded;
        }
    }

    /// Adds an ordering (or filter) path if it can be joined without repeating the root's
    /// rows: it may pass loaded nodes and to-one relations, but no to-many relation that
    /// is not loaded (a planner reaches past one with a subquery instead). Returns whether
    /// the path was added; a path that was not adds nothing.
    pub fn add_joinable(&mut self, graph: &RelationGraph, hops: &[RelationId]) -> bool {
        let mut at = Some(0usize);
        for &hop in hops {
            at = at.and_then(|a| self.child(a, hop));
            let loaded = at.is_some_and(|a| self.trie[a].loaded);
            if !loaded && graph.relation(hop).is_to_many() {
                return false;
            }
        }
        self.add(hops, false);
        true
    }

    fn child(&self, at: usize, hop: RelationId) -> Option<usize> {
        self.trie[at]
            .children
            .iter()
            .map(|&c| c as usize)
            .find(|&c| self.trie[c].relation == Some(hop))
    }

    fn child_or_new(&mut self, at: usize, hop: RelationId) -> usize {
        if let Some(c) = self.child(at, hop) {
            return c;
        }
        let id = self.trie.len();
        self.trie.push(TrieNode {
            relation: Some(hop),
            loaded: false,
            children: SmallVec::new(),
        });
        self.trie[at].children.push(id as u32);
        id
    }

    /// Numbers the nodes depth-first, gives aliases and join kinds.
    pub fn finish(self, graph: &RelationGraph) -> JoinTree {
        let mut nodes: Vec<JoinNode> = Vec::with_capacity(self.trie.len());
        let mut next_alias = 0u32;
        let mut alias = || {
            let a = Alias(next_alias);
            next_alias += 1;
            a
        };
        let root_alias = alias();
        nodes.push(JoinNode {
            model: self.root,
            parent: None,
            relation: None,
            alias: root_alias,
            through_alias: self.root_through.then(&mut alias),
            join: JoinKind::Inner,
            loaded: true,
            children: SmallVec::new(),
        });
        // Depth-first pre-order: (trie entry, its node id); children pushed reversed so the
        // first-given child is numbered first.
        let mut stack: SmallVec<[(u32, NodeId); 16]> = self.trie[0]
            .children
            .iter()
            .rev()
            .map(|&c| (c, NodeId::ROOT))
            .collect();
        while let Some((entry, parent)) = stack.pop() {
            let t = &self.trie[entry as usize];
            let Some(relation) = t.relation else {
                continue;
            };
            let r = graph.relation(relation);
            let through_alias = r.through().map(|_| alias());
            let parent_inner =
                parent == NodeId::ROOT || nodes[parent.index()].join == JoinKind::Inner;
            let id = NodeId(nodes.len() as u32);
            nodes.push(JoinNode {
                model: r.target().id(),
                parent: Some(parent),
                relation: Some(relation),
                alias: alias(),
                through_alias,
                join: if r.is_required() && parent_inner {
                    JoinKind::Inner
                } else {
                    JoinKind::LeftOuter
                },
                loaded: t.loaded,
                children: SmallVec::new(),
            });
            nodes[parent.index()].children.push(id);
            stack.extend(t.children.iter().rev().map(|&c| (c, id)));
        }
        JoinTree { nodes }
    }
}
