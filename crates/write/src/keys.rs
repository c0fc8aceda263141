//! The unique keys writes rely on, read from the graph.

use relq_graph::{Field, Model, RelationGraph};

/// Each declared unique key of `model` (not its primary key), its fields in order.
pub(crate) fn unique_keys<'g>(graph: &'g RelationGraph, model: Model<'g>) -> Vec<Vec<Field<'g>>> {
    // TEMPORARY until the graph's unique keys land: a through model's link pair.
    model
        .through_of()
        .and_then(|r| r.through())
        .map(|t| {
            vec![vec![
                graph.field(t.source_field),
                graph.field(t.target_field),
            ]]
        })
        .unwrap_or_default()
}
