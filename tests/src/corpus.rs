//! The cross-dialect corpus: case files in `tests/corpus/`, each a schema and a query,
//! plus the few cases too large to be worth a file, built here in code.
//!
//! A case file is TOML:
//!
//! ```toml
//! # What the case shows (every leading `#` line is its description).
//! schema = "school"            # a sample of `schemas/`, or an inline [schema] table
//! [query]
//! model = "SchoolClass"
//! select_related = ["students"]
//! ```
//!
//! Invariants: [`cases`] returns every case sorted by name, names unique, so snapshots and
//! the oracle see the same list in the same order; an empty corpus is an error, not a
//! pass. The dialects are always listed in the same order: sqlite, postgres, mysql.

use std::path::{Path, PathBuf};

use relq_graph::{FieldDef, FieldType, ForeignKeyDef, ModelDef, RelationGraph, SchemaDef};
use relq_mysql::MySql;
use relq_plan::Query;
use relq_postgres::Postgres;
use relq_sql::Dialect;
use relq_sqlite::Sqlite;
use serde::Deserialize;

use relq_sample::Sample;

/// One corpus case: a schema and a query over it.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The file stem (`school_class_teachers_and_students`); names the snapshot.
    pub name: String,
    /// What the case shows: the file's leading `#` lines.
    pub description: String,
    /// The sample the schema is (`schema = "school"`), `None` for an inline one.
    pub sample: Option<Sample>,
    /// The schema, from a sample or inline.
    pub schema: SchemaDef,
    /// The query.
    pub query: Query,
}

impl Case {
    /// The case's schema built into a graph.
    ///
    /// # Errors
    /// The schema's validation error, as text naming the case.
    pub fn graph(&self) -> Result<RelationGraph, String> {
        self.schema
            .build()
            .map_err(|e| format!("case `{}`: invalid schema: {e}", self.name))
    }
}

/// The file shape of a case.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    schema: SchemaSource,
    query: Query,
}

/// `schema = "school"` or an inline `[schema]` table.
#[derive(Deserialize)]
#[serde(untagged)]
enum SchemaSource {
    Sample(String),
    Inline(SchemaDef),
}

/// The folder of case files: `tests/corpus/`.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Every case: the files of [`corpus_dir`] and the [`generated`] ones, sorted by name.
///
/// # Errors
/// An unreadable folder or file, a file that does not parse (with its name), an unknown
/// sample, a duplicate name, or no case files at all.
pub fn cases() -> Result<Vec<Case>, String> {
    cases_in(&corpus_dir())
}

/// Every case of the files in `dir` and the [`generated`] ones, sorted by name.
///
/// # Errors
/// As [`cases`].
pub fn cases_in(dir: &Path) -> Result<Vec<Case>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") {
            cases.push(read_case(&path)?);
        }
    }
    if cases.is_empty() {
        return Err(format!("no case files (*.toml) in {}", dir.display()));
    }
    cases.extend(generated());
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(w) = cases.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(format!("two cases are named `{}`", w[0].name));
    }
    Ok(cases)
}

/// A case file's name (its stem: lower-case letters, digits and `_`), its text and its
/// description (the `#` lines it opens with), as the read and the write corpus take them.
///
/// # Errors
/// A message naming the file: a bad name, no description, or the read error.
pub(crate) fn case_header(path: &Path) -> Result<(String, String, String), String> {
    let shown = path.display();
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .ok_or_else(|| format!("{shown}: a case name is lower-case letters, digits and `_`"))?
        .to_owned();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let description = text
        .lines()
        .map_while(|l| l.strip_prefix('#'))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    if description.is_empty() {
        return Err(format!(
            "{shown}: start the file with `# what the case shows`"
        ));
    }
    Ok((name, text, description))
}

/// Reads one case file.
fn read_case(path: &Path) -> Result<Case, String> {
    let shown = path.display();
    let (name, text, description) = case_header(path)?;
    let file: CaseFile = toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
    let (sample, schema) = match file.schema {
        SchemaSource::Inline(def) => (None, def),
        SchemaSource::Sample(sample) => {
            let sample = Sample::by_name(&sample)
                .ok_or_else(|| format!("{shown}: no sample schema `{sample}`"))?;
            let def = sample.schema().map_err(|e| format!("{shown}: {e}"))?;
            (Some(sample), def)
        }
    };
    Ok(Case {
        name,
        description,
        sample,
        schema,
        query: file.query,
    })
}

/// The cases built in code because their files would be long and say nothing more:
/// `join_62_tables_past_mysqls_limit` (a root with 61 foreign keys, all loaded: 62
/// tables, one past MySQL's 61, two below SQLite's 64).
pub fn generated() -> Vec<Case> {
    let fks = 61;
    let mut hub = ModelDef::new("Hub")
        .table("hubs")
        .pk("id", FieldType::Integer);
    let mut schema = SchemaDef::new();
    let mut query = Query::new("Hub");
    for i in 0..fks {
        hub = hub.foreign_key(ForeignKeyDef::new(format!("spoke{i}"), format!("Spoke{i}")));
        query = query.select_related(format!("spoke{i}"));
        schema = schema.model(
            ModelDef::new(format!("Spoke{i}"))
                .table(format!("spokes{i}"))
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("name", FieldType::TEXT)),
        );
    }
    vec![Case {
        name: "join_62_tables_past_mysqls_limit".to_owned(),
        description: format!(
            "Built in code (tests/src/corpus.rs): a root with {fks} nullable foreign keys, all \
             loaded, joins {} tables: MySQL refuses (at most 61), SQLite (64) and PostgreSQL compile.",
            fks + 1
        ),
        sample: None,
        schema: schema.model(hub),
        query: query.limit(3),
    }]
}

/// The three dialects, in corpus order, by name.
pub fn dialects() -> [(&'static str, Box<dyn Dialect>); 3] {
    [
        ("sqlite", Box::new(Sqlite::default())),
        ("postgres", Box::new(Postgres::default())),
        ("mysql", Box::new(MySql::default())),
    ]
}
