//! Sample graphs shared by the planner's integration tests.

#![allow(dead_code, unreachable_pub)] // each test file uses some of these

use relq_graph::{RelationGraph, SchemaDef};

/// A graph from TOML text that must be valid.
pub fn graph(toml: &str) -> RelationGraph {
    SchemaDef::from_toml(toml)
        .and_then(|d| d.build())
        .expect("valid sample")
}

/// The school sample (`schemas/school.toml`).
pub fn school() -> RelationGraph {
    graph(include_str!("../../../../schemas/school.toml"))
}

/// The blog sample (`schemas/blog.toml`).
pub fn blog() -> RelationGraph {
    graph(include_str!("../../../../schemas/blog.toml"))
}

/// The self-reference sample (`schemas/person.toml`).
pub fn person() -> RelationGraph {
    graph(include_str!("../../../../schemas/person.toml"))
}
