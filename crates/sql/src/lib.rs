//! relq-sql: from a [`Plan`](relq_plan::Plan) to SQL text and parameters for one dialect.
//!
//! [`compile`] plans a [`Query`](relq_plan::Query), lowers the plan's statements
//! ([`StatementPlan`](relq_plan::StatementPlan)s: one, or one per split to-many relation
//! beside the roots') to the SQL IR ([`Select`]), renders them for a [`Dialect`] and
//! returns [`Compiled`]: the statements, the plan whose
//! [`ExtractionPlan`](relq_plan::ExtractionPlan) reads their rows, and how the lists
//! arrive ([`Delivery`]: rows of their own statements, or JSON columns). A query the
//! dialect cannot run is a [`CompileError`]. [`render`] and
//! [`render_debug`] are the one walk over the IR, with parameters collected or inlined.
//! [`create_tables`] writes the `CREATE TABLE` statements of a graph (unique keys and
//! generated integer keys included) and [`insert`] the `INSERT` of a model's rows, for
//! loading data (tests, the sample data, tools), with [`reset_generated_key`] after it;
//! [`create_tables_with`] leaves out the keys a sharded engine refuses ([`TableKeys`]).
//! [`CompileCache`] keeps compiled queries by shape: a query repeated with other values
//! is bound, not compiled again. [`compile_for_driver`] compiles for a caller that runs
//! the statements on its own driver ([`DriverStyle`]: its placeholders, its parameter
//! limit, a static statement list).
//!
//! Invariants: values never enter SQL text except through [`render_debug`]; identifiers
//! are always quoted; nothing here asks which dialect it has: it reads its [`Caps`] or
//! calls its [`Dialect`] hooks.

#![forbid(unsafe_code)]

mod ast;
mod builder;
mod cache;
mod column_types;
mod compile;
mod ddl;
mod dialect;
mod embed;
mod error;
mod filter;
mod insert;
mod json;
mod nested;
mod render;
mod statements;
mod terminal;

pub use ast::{Aggregate, BinaryOp, Column, Expr, Join, OrderItem, Select, TableRef};
pub use cache::{CompileCache, MAX_SHAPES};
pub use column_types::{ColumnTypes, GeneratedKey, TypeName};
pub use compile::{Compiled, Delivery, RootKeys, Run, Statement, compile, compile_with};
pub use ddl::{TableKeys, create_tables, create_tables_with};
pub use dialect::{
    Ansi, BoundList, Call, Caps, Dialect, IdentifierLimit, JsonCaps, OffsetWithoutLimit,
    Placeholder, Server, TextColumn, TextTest, Upsert, WriteCaps, like_pattern, lower,
};
pub use embed::{DriverStyle, compile_for_driver};
pub use error::{CompileError, CompileErrorKind};
pub use insert::{insert, reset_generated_key, rows_per_insert};
pub use render::{Layout, Rendered, push_quoted, render, render_debug, render_expr};
