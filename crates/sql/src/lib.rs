//! relq-sql: from a [`Plan`](relq_plan::Plan) to SQL text and parameters for one dialect.
//!
//! [`compile`] plans a [`Query`](relq_plan::Query), lowers the plan to the SQL IR
//! ([`Select`]) with the joined strategy (one statement) or the split strategy (one per
//! loaded to-many relation beside the root's), renders it for a [`Dialect`] and returns
//! [`Compiled`]: the statements and the plan whose
//! [`ExtractionPlan`](relq_plan::ExtractionPlan) reads their rows. [`render`] and
//! [`render_debug`] are the one walk over the IR, with parameters collected or inlined.
//! [`create_tables`] writes the `CREATE TABLE` statements of a graph and [`insert`] the
//! `INSERT` of a model's rows, for loading data (tests, the sample data, tools).
//!
//! Invariants: values never enter SQL text except through [`render_debug`]; identifiers
//! are always quoted; nothing here asks which dialect it has, only what its [`Caps`] say.

#![forbid(unsafe_code)]

mod ast;
mod compile;
mod ddl;
mod dialect;
mod filter;
mod insert;
mod joined;
mod json;
mod nested;
mod render;
mod split;
mod terminal;

pub use ast::{Aggregate, BinaryOp, Column, Expr, Join, OrderItem, Select, TableRef};
pub use compile::{Compiled, RootKeys, Run, Statement, compile, compile_plan};
pub use ddl::create_tables;
pub use dialect::{
    Call, Caps, ColumnTypes, Dialect, IdentifierLimit, JsonCaps, OffsetWithoutLimit, Placeholder,
    Server, TypeName, WithCaps, like_pattern, lower,
};
pub use insert::{insert, rows_per_insert};
pub use render::{Layout, Rendered, render, render_debug};
