//! relq-plan: from what a user asks to what relq will run, independent of any dialect.
//!
//! [`ParsedPath`] is the pure syntax of `__` paths (segments with byte offsets, an
//! optional `-` in orderings); [`resolve`] checks a parsed path against a
//! [`RelationGraph`](relq_graph::RelationGraph) into relation hops, a field and a
//! [`Lookup`]; [`Query`] is what a caller asks for, its [`Filter`]s included; [`JoinTree`]
//! holds one node and alias per distinct relation path; [`plan`] makes the [`Plan`]: the
//! join tree, the columns, the ordering, the filter as a [`Condition`] with its to-many
//! crossings explicit, the statements that read it ([`StatementPlan`]) and the
//! [`ExtractionPlan`].
//!
//! Invariants: nothing here knows SQL or a dialect; parsing and resolving never panic on
//! any input; every error is a [`PathError`] with a byte position, or a [`PlanError`]
//! naming the part of the query; the modules depend on each other without a circle, in
//! pipeline order (paths, the query, the tree, then planning's steps, then [`plan`]).

#![forbid(unsafe_code)]

mod error;
mod extraction;
mod filter;
mod join;
mod lookup;
mod nested;
mod order;
mod output;
mod owner;
mod path;
mod plan;
mod query;
mod related_set;
mod resolve;
mod show;
mod statements;
mod terminal;
mod value;

pub use error::{PathError, PathErrorKind, PlanError, PlanErrorKind, QueryPart};
pub use extraction::{
    Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, ExtractionThrough, SelectColumn,
    StatementRows,
};
pub use filter::{CompareOp, Comparison, Condition, Test, TextOp};
pub use join::{Alias, JoinKind, JoinNode, JoinTree, JoinTreeBuilder, NodeId};
pub use lookup::Lookup;
pub use nested::NestedList;
pub use order::OrderTerm;
pub use output::{FlatColumn, Output, Pick};
pub use owner::Owner;
pub use path::{MAX_PATH_BYTES, MAX_SEGMENTS, ParsedPath, Segment};
pub use plan::{Plan, PlanOptions, plan, plan_with};
pub use query::{Compat, Filter, NullsOrder, OrderBy, Query, Related, Strategy};
pub use related_set::RelatedSet;
pub use resolve::{PathKind, ResolvedPath, resolve};
pub use statements::{ListRoots, Load, Roots, StatementPlan};
pub use terminal::{AggregateFunc, Aggregation, Page, Terminal, Values};
pub use value::{Value, ValueKey, ValueKind, describe_json};
