//! relq-graph: models, fields and relations, validated into a [`RelationGraph`].
//!
//! A schema is written as a [`SchemaDef`] (Rust builder, TOML or JSON; the same data in
//! each) and built into a [`RelationGraph`]: models as nodes, both directions of every
//! relation as edges (forward and reverse foreign keys, many-to-many and its reverse
//! through a through model), following ormar's relation rules (its relations
//! documentation); ARCHITECTURE.md lists the naming rules.
//!
//! ```
//! use relq_graph::{FieldDef, FieldType, ForeignKeyDef, ModelDef, RelationKind, SchemaDef};
//!
//! let graph = SchemaDef::new()
//!     .model(ModelDef::new("Department").pk("id", FieldType::Integer))
//!     .model(
//!         ModelDef::new("Course")
//!             .pk("id", FieldType::Integer)
//!             .field(FieldDef::new("name", FieldType::text(100)))
//!             .foreign_key(ForeignKeyDef::new("department", "Department")),
//!     )
//!     .build()?;
//! let department = graph.model_by_name("Department").unwrap();
//! // The reverse side is registered automatically: `Course` lower-cased + `s`.
//! let courses = department.relation("courses").unwrap();
//! assert_eq!(courses.kind(), RelationKind::ReverseForeignKey);
//! assert_eq!(courses.foreign_key_field().unwrap().column(), "department_id");
//! # Ok::<(), relq_graph::SchemaError>(())
//! ```
//!
//! Invariants: the graph knows nothing about SQL, dialects or rows; petgraph never
//! appears in a public signature; the same definition always gives the same graph, ids
//! and DOT text; building from any definition never panics.

#![forbid(unsafe_code)]

mod build;
mod def;
mod error;
mod graph;
pub mod introspect;
mod over_catalog;
mod suggest;

pub use def::{
    FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, ReferentialAction, SchemaDef,
};
pub use error::{NameKind, SchemaError, SchemaErrorKind, SchemaFormat};
pub use graph::{
    Field, FieldId, Model, ModelId, Relation, RelationGraph, RelationId, RelationKind, Through,
    UniqueKey,
};
pub use over_catalog::over_catalog;
pub use suggest::suggest;
