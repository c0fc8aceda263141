//! relq-plan: from what a user asks to what relq will run, independent of any dialect.
//!
//! [`ParsedPath`] is the pure syntax of `__` paths (segments with byte offsets, an
//! optional `-` in orderings); [`resolve`] checks a parsed path against a
//! [`RelationGraph`](relq_graph::RelationGraph) into relation hops, a field and a
//! [`Lookup`]; [`Query`] is what a caller asks for, its [`Filter`]s included; [`JoinTree`]
//! holds one node and alias per distinct relation path; [`plan`] makes the [`Plan`]: the
//! join tree, the columns, the ordering, the filter as a [`Condition`] with its to-many
//! crossings explicit, and the [`ExtractionPlan`].
//!
//! Invariants: nothing here knows SQL or a dialect; parsing and resolving never panic on
//! any input; every error is a [`PathError`] with a byte position.

#![forbid(unsafe_code)]

mod compile;
mod error;
mod filter;
mod join;
mod lookup;
mod path;
mod query;
mod resolve;
mod show;
mod split;
mod terminal;
mod value;

pub use compile::{
    Cardinality, CompileError, CompileErrorKind, ExtractionColumn, ExtractionNode, ExtractionPlan,
    ExtractionThrough, NestedList, OrderTerm, Plan, QueryPart, SelectColumn, plan,
};
pub use error::{PathError, PathErrorKind};
pub use filter::{CompareOp, Comparison, Condition, Test, TextOp};
pub use join::{Alias, JoinKind, JoinNode, JoinTree, JoinTreeBuilder, NodeId};
pub use lookup::Lookup;
pub use path::{MAX_PATH_BYTES, MAX_SEGMENTS, ParsedPath, Segment};
pub use query::{Compat, Filter, NullsOrder, OrderBy, Query, Related, Strategy};
pub use resolve::{PathKind, ResolvedPath, resolve};
pub use split::{Load, SplitRoots, StatementRows};
pub use terminal::{AggregateFunc, Aggregation, FlatColumn, Output, Page, Pick, Terminal, Values};
pub use value::{Value, ValueKind};
