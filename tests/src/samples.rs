//! The sample schemas shipped in `schemas/`, built into graphs.
//!
//! Invariant: each sample is the TOML file's text, compiled in; the files are the source
//! of truth and the README's examples read the same files.

use relq_graph::{RelationGraph, SchemaDef, SchemaError};

/// A shipped sample schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample {
    /// ormar's school: departments, classes, teachers and students with categories.
    School,
    /// ormar's blog: authors, posts, categories through `PostCategory`.
    Blog,
    /// A self-reference: `Person.supervisor` and its reverse `employees`.
    Person,
}

impl Sample {
    /// Every sample.
    pub const ALL: [Sample; 3] = [Sample::School, Sample::Blog, Sample::Person];

    /// The sample of `schemas/<name>.toml` (`school`, `blog`, `person`).
    pub fn by_name(name: &str) -> Option<Sample> {
        Sample::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The file name without extension: `school`, `blog`, `person`.
    pub fn name(self) -> &'static str {
        match self {
            Sample::School => "school",
            Sample::Blog => "blog",
            Sample::Person => "person",
        }
    }

    /// The TOML text of `schemas/<name>.toml`.
    pub fn toml(self) -> &'static str {
        match self {
            Sample::School => include_str!("../../schemas/school.toml"),
            Sample::Blog => include_str!("../../schemas/blog.toml"),
            Sample::Person => include_str!("../../schemas/person.toml"),
        }
    }

    /// The JSON text of `schemas/<name>.json`.
    pub fn json(self) -> &'static str {
        match self {
            Sample::School => include_str!("../../schemas/school.json"),
            Sample::Blog => include_str!("../../schemas/blog.json"),
            Sample::Person => include_str!("../../schemas/person.json"),
        }
    }

    /// The sample built from its TOML file.
    ///
    /// # Errors
    /// Only if the shipped file is broken, which the tests rule out.
    pub fn graph(self) -> Result<RelationGraph, SchemaError> {
        SchemaDef::from_toml(self.toml())?.build()
    }
}
