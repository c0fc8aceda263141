//! A plan's join tree for people: an indented outline (the CLI's `--explain`) and
//! Graphviz DOT (`relq graph QUERY`), both with every alias and how each loaded to-many
//! node is read.
//!
//! Invariant: both are deterministic: nodes in alias order, nothing else read.

use std::fmt::Write;

use relq_graph::RelationGraph;

use crate::join::{JoinKind, JoinNode, NodeId};
use crate::plan::Plan;
use crate::statements::Load;

impl Plan {
    /// One line per node in alias order, indented two spaces per level: the alias, then
    /// for a child `relation: Model` and how it is joined. A many-to-many node names its
    /// through model and the through model's alias; a node joined only to filter or order
    /// (not loaded) says so; a loaded to-many node says how it is read ([`Load`]: joined
    /// into its parent's statement, or split into its own).
    ///
    /// ```
    /// use relq_graph::SchemaDef;
    /// use relq_plan::{Query, plan};
    /// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
    /// let query = Query::new("SchoolClass").select_related("students__category").select_related("teachers");
    /// assert_eq!(
    ///     plan(&graph, &query)?.outline(&graph),
    ///     "t0 SchoolClass\n\
    ///      \x20 t1 students: Student (reverse fk, left outer join, split)\n\
    ///      \x20   t2 category: Category (fk, left outer join)\n\
    ///      \x20 t3 teachers: Teacher (reverse fk, left outer join, split)\n"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn outline(&self, graph: &RelationGraph) -> String {
        let mut out = String::new();
        for (index, node) in self.tree.nodes().iter().enumerate() {
            let depth = self.depth(node);
            let model = graph.model(node.model()).name();
            // Writing to a String cannot fail.
            let _ = match self.edge_label(graph, NodeId::from_index(index)) {
                Some((relation, how)) => writeln!(
                    out,
                    "{:indent$}{} {relation}: {model} ({how})",
                    "",
                    node.alias(),
                    indent = depth * 2
                ),
                None => writeln!(out, "{} {model}", node.alias()),
            };
        }
        out
    }

    /// The tree in Graphviz DOT: one node per join-tree node labelled `t1 Model (table)`,
    /// one edge per relation labelled `name (kind, join)`, as in
    /// [`RelationGraph::to_dot`].
    ///
    /// ```
    /// use relq_graph::SchemaDef;
    /// use relq_plan::{Query, plan};
    /// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
    /// let p = plan(&graph, &Query::new("SchoolClass").select_related("students"))?;
    /// let dot = p.to_dot(&graph);
    /// assert!(dot.contains(r#"1 [ label = "t1 Student (students)" ]"#), "{dot}");
    /// assert!(dot.contains(r#"0 -> 1 [ label = "students (reverse fk, left outer join, joined)" ]"#), "{dot}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_dot(&self, graph: &RelationGraph) -> String {
        let mut dot: petgraph::Graph<String, String> = petgraph::Graph::new();
        for node in self.tree.nodes() {
            let model = graph.model(node.model());
            dot.add_node(format!(
                "{} {} ({})",
                node.alias(),
                model.name(),
                model.table()
            ));
        }
        for (index, node) in self.tree.nodes().iter().enumerate() {
            if let (Some(parent), Some((relation, how))) = (
                node.parent(),
                self.edge_label(graph, NodeId::from_index(index)),
            ) {
                dot.add_edge(
                    petgraph::graph::NodeIndex::new(parent.index()),
                    petgraph::graph::NodeIndex::new(index),
                    format!("{relation} ({how})"),
                );
            }
        }
        format!("{}", petgraph::dot::Dot::new(&dot))
    }

    /// How many parents `node` has above it.
    fn depth(&self, node: &JoinNode) -> usize {
        std::iter::successors(node.parent(), |&p| self.tree.node(p).parent()).count()
    }

    /// A child's relation name and how it is joined
    /// (`kind[ via Through as tN], join[, not loaded]`); `None` for the root.
    fn edge_label<'g>(&self, graph: &'g RelationGraph, id: NodeId) -> Option<(&'g str, String)> {
        let node = self.tree.node(id);
        let relation = graph.relation(node.relation()?);
        let mut label = relation.kind().name().to_owned();
        if let (Some(through), Some(alias)) = (relation.through(), node.through_alias()) {
            // Writing to a String cannot fail.
            let _ = write!(
                label,
                " via {} as {alias}",
                graph.model(through.model).name()
            );
        }
        label.push_str(match node.join() {
            JoinKind::Inner => ", inner join",
            JoinKind::LeftOuter => ", left outer join",
        });
        if !node.is_loaded() {
            label.push_str(", not loaded");
        }
        match self.load(graph, id) {
            Some(Load::Joined) => label.push_str(", joined"),
            Some(Load::Split) => label.push_str(", split"),
            None => {}
        }
        Some((relation.name(), label))
    }
}
