//! The sample queries, planned: the extraction plans the rebuild's property tests and
//! fuzz target read rows against.
//!
//! Invariant: [`SamplePlan::ALL`] keeps its order; fuzz seeds pick a plan by its index
//! (`fuzz/seeds/rebuild_rows/`).

use relq_graph::{FieldDef, FieldType, ManyToManyDef, ModelDef, RelationGraph, SchemaDef};
use relq_plan::{ExtractionPlan, Query, Strategy, plan};

use relq_sample::Sample;

/// A query over a sample schema whose rows the rebuild reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplePlan {
    /// 0: `SchoolClass` with `teachers__category` and `students__category`: two sibling
    /// to-many lists, a to-one under each.
    School,
    /// 1: `Post` with `author` and `categories` (many-to-many, no through fields).
    Blog,
    /// 2: `Category` with `posts__author`: the reverse many-to-many, then a to-one.
    BlogReverse,
    /// 3: `Person` with `supervisor` and `employees__employees`: a self-reference.
    Person,
    /// 4: `Post` with `tags` through `PostTag`, which has a `weight`; tags have a text
    /// primary key ([`tagged_graph`]).
    Tagged,
}

impl SamplePlan {
    /// Every sample plan, in index order.
    pub const ALL: [SamplePlan; 5] = [
        SamplePlan::School,
        SamplePlan::Blog,
        SamplePlan::BlogReverse,
        SamplePlan::Person,
        SamplePlan::Tagged,
    ];

    /// The extraction plan.
    ///
    /// # Panics
    /// Only if a shipped sample or query is broken, which the tests rule out.
    pub fn plan(self) -> ExtractionPlan {
        let sample = |s: Sample| s.graph().expect("shipped samples are valid");
        let (graph, query) = match self {
            SamplePlan::School => (
                sample(Sample::School),
                Query::new("SchoolClass")
                    .select_related("teachers__category")
                    .select_related("students__category"),
            ),
            SamplePlan::Blog => (
                sample(Sample::Blog),
                Query::new("Post")
                    .select_related("author")
                    .select_related("categories"),
            ),
            SamplePlan::BlogReverse => (
                sample(Sample::Blog),
                Query::new("Category").select_related("posts__author"),
            ),
            SamplePlan::Person => (
                sample(Sample::Person),
                Query::new("Person")
                    .select_related("supervisor")
                    .select_related("employees__employees"),
            ),
            SamplePlan::Tagged => (tagged_graph(), Query::new("Post").select_related("tags")),
        };
        // One statement: the rows are the joined strategy's.
        plan(&graph, &query.strategy(Strategy::Joined))
            .expect("sample queries plan")
            .extraction
    }
}

/// Posts tagged through `PostTag`, a through model with a field of its own (`weight`,
/// nullable); `Tag` has a text primary key `slug`. (The shipped blog's through model has
/// a `weight` too, NOT NULL.)
///
/// # Panics
/// Never: the definition is fixed and valid (a test builds it).
pub fn tagged_graph() -> RelationGraph {
    SchemaDef::new()
        .model(
            ModelDef::new("Tag")
                .pk("slug", FieldType::TEXT)
                .field(FieldDef::new("label", FieldType::TEXT)),
        )
        .model(
            ModelDef::new("PostTag")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("weight", FieldType::Integer).nullable()),
        )
        .model(
            ModelDef::new("Post")
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("title", FieldType::TEXT))
                .many_to_many(ManyToManyDef::new("tags", "Tag").through("PostTag")),
        )
        .build()
        .expect("the tagged sample is valid")
}
