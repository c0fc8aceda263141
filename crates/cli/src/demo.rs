//! `relq demo`: the main job on the embedded default. Creates the sample databases
//! (school, blog, person) as SQLite files from the seeded generator, then runs a
//! showcase of queries on them and prints, for each, the ormar call it answers, the SQL,
//! the rows the database returned and the records rebuilt from them, the time taken and
//! the first records as JSON.
//!
//! Invariant: stdout is the same on every run with the same scale apart from the times
//! (`in 12.3 ms`) and the directory; progress goes to stderr, and only to a terminal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use relq::{Database, Filter, OrderBy, Query, compile, to_json};
use relq_sample::{Sample, SampleError, generate, load};
use serde_json::Value as Json;

use crate::error::CliError;
use crate::{ormar, output, progress};

/// The generator's seed: every demo database holds the same rows at the same scale.
pub(crate) const SEED: u64 = 42;

/// Where the databases go without `--dir`: `relq-demo` in the system's temporary
/// directory.
pub(crate) fn default_dir() -> PathBuf {
    std::env::temp_dir().join("relq-demo")
}

/// One query of the showcase.
struct Example {
    /// What it shows.
    title: &'static str,
    /// The database it runs on.
    sample: Sample,
    query: Query,
    /// How many root records to print.
    shown: usize,
}

/// The showcase, in the order printed.
fn examples() -> Vec<Example> {
    vec![
        Example {
            title: "ormar's example: classes with their teachers and students, each with a category",
            sample: Sample::School,
            query: Query::new("SchoolClass")
                .select_related("teachers__category")
                .select_related("students__category"),
            shown: 1,
        },
        Example {
            title: "a many-to-many through PostCategory: each category with the link's `weight`",
            sample: Sample::Blog,
            query: Query::new("Post")
                .select_related("categories")
                .select_related("author"),
            shown: 2,
        },
        Example {
            title: "a self-reference both ways: each person's supervisor and employees",
            sample: Sample::Person,
            query: Query::new("Person")
                .select_related("supervisor")
                .select_related("employees"),
            shown: 2,
        },
        Example {
            title: "filters across relations: some category about music (to-many: EXISTS), \
                    no author named anna in any case (to-one)",
            sample: Sample::Blog,
            query: Query::new("Post")
                .select_related("categories")
                .select_related("author")
                .filter(Filter::new("categories__name__icontains", "music"))
                .exclude(Filter::new("author__first_name__iexact", "anna")),
            shown: 2,
        },
        Example {
            title: "a page of roots with their children: classes 11 to 13 by name descending, \
                    every student loaded",
            sample: Sample::School,
            query: Query::new("SchoolClass")
                .select_related("students")
                .order_by(OrderBy::new("-name"))
                .offset(10)
                .limit(3),
            shown: 1,
        },
    ]
}

/// The file of `sample`'s database in `dir`: `school.db`, `blog.db`, `person.db`.
pub(crate) fn database_file(dir: &Path, sample: Sample) -> PathBuf {
    dir.join(format!("{}.db", sample.name()))
}

/// The SQLite database of `sample` in `dir`.
fn open(dir: &Path, sample: Sample) -> Result<Database, CliError> {
    let path = database_file(dir, sample);
    Ok(Database::open(&format!("sqlite:{}", path.display()))?)
}

/// Creates the three databases in `dir` at `scale` and runs the showcase on them,
/// printing to `out`; a progress line goes to stderr while each step runs when it is a
/// terminal ([`progress::while_running`]).
///
/// # Errors
/// [`CliError::DemoFile`] when `dir` or a file cannot be created; the generator's,
/// loader's, compiler's or database's error.
pub(crate) fn run(out: &mut dyn Write, dir: &Path, scale: u32) -> Result<(), CliError> {
    let file_error = |path: &Path| {
        let path = path.to_owned();
        move |source| CliError::DemoFile { path, source }
    };
    std::fs::create_dir_all(dir).map_err(file_error(dir))?;
    writeln!(
        out,
        "relq demo: the sample databases at scale {scale} (seed {SEED}), as SQLite files in {}",
        dir.display()
    )?;
    for sample in Sample::ALL {
        let path = database_file(dir, sample);
        let (data, rows) = progress::while_running(
            format!("relq demo: generating and loading {}.db", sample.name()),
            false,
            || -> Result<_, CliError> {
                let data = generate(sample, scale, SEED)?;
                // An empty file is a new SQLite database; an old demo file is overwritten.
                std::fs::write(&path, b"").map_err(file_error(&path))?;
                let rows = load(&mut open(dir, sample)?, &data)?;
                Ok((data, rows))
            },
        )?;
        let tables = data.tables.len();
        let plural = if tables == 1 { "" } else { "s" };
        writeln!(
            out,
            "  {}.db: {tables} table{plural}, {rows} rows",
            sample.name()
        )?;
    }
    let examples = examples();
    for (number, example) in examples.iter().enumerate() {
        let mut db = open(dir, example.sample)?;
        let graph = example
            .sample
            .graph()
            .map_err(|source| SampleError::Schema {
                sample: example.sample.name(),
                source: Box::new(source),
            })?;
        writeln!(out, "\n== {}. {}", number + 1, example.title)?;
        writeln!(out, "{}", ormar::call(&example.query))?;
        if !(example.query.filter.is_empty() && example.query.exclude.is_empty()) {
            // The call is ormar's, the scope relq's default: say where the two differ.
            writeln!(
                out,
                "-- in relq's default scope (roots) a filter across a to-many relation picks \
                 roots and never trims their lists; ormar also trims them (compat = \"ormar\")"
            )?;
        }
        let start = Instant::now();
        let compiled = compile(&graph, &example.query, db.dialect())?;
        let fetched = progress::while_running(
            format!("relq demo: query {} of {}", number + 1, examples.len()),
            false,
            || db.fetch(&compiled),
        )?;
        let rows = fetched.rows;
        let rebuilt = fetched.answer.into_records()?;
        let roots = to_json(&compiled.plan.extraction, &rebuilt)?;
        let elapsed = start.elapsed();
        output::statements(out, &compiled, db.dialect(), false)?;
        writeln!(
            out,
            "-- {}.db returned {} rows, rebuilt into {} records, in {:.1} ms (compile, execute, rebuild)",
            example.sample.name(),
            rows,
            rebuilt.len(),
            elapsed.as_secs_f64() * 1000.0
        )?;
        let roots = roots.as_array().map(Vec::as_slice).unwrap_or_default();
        let shown: Vec<Json> = roots.iter().take(example.shown).cloned().collect();
        writeln!(
            out,
            "-- the first {} of {} records (a nested record per line):",
            shown.len(),
            roots.len()
        )?;
        writeln!(out, "{}", records(&shown))?;
    }
    writeln!(
        out,
        "\nThe databases stay for you to query, e.g.:\n  relq query --db sqlite:{} --model schoolclasses --select-related teachers__category --limit 1",
        database_file(dir, Sample::School).display()
    )?;
    Ok(())
}

/// `roots` as a JSON array: each root's fields one per line, each related record on one
/// line of its own (a to-one relation on its key's line, a to-many one a record a line).
fn records(roots: &[Json]) -> String {
    if roots.is_empty() {
        return "[]".to_owned();
    }
    let roots: Vec<String> = roots.iter().map(root).collect();
    format!("[\n{}\n]", roots.join(",\n"))
}

/// One root record, indented by two, as [`records`] prints it.
fn root(record: &Json) -> String {
    let Json::Object(fields) = record else {
        return format!("  {record}");
    };
    let fields: Vec<String> = fields
        .iter()
        .map(|(key, value)| {
            let key = Json::from(key.as_str());
            match value {
                Json::Array(list) if !list.is_empty() => {
                    let items: Vec<String> = list.iter().map(|r| format!("      {r}")).collect();
                    format!("    {key}: [\n{}\n    ]", items.join(",\n"))
                }
                other => format!("    {key}: {other}"),
            }
        })
        .collect();
    format!("  {{\n{}\n  }}", fields.join(",\n"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::records;

    #[test]
    fn records_print_a_related_record_per_line_as_json_that_reads_back() {
        let roots = [
            json!({"id": 1, "name": "1A", "teachers": [{"id": 1, "category": {"id": 2}}, {"id": 2, "category": null}], "students": []}),
            json!({"id": 2, "supervisor": {"id": 1, "name": "Zoë"}}),
        ];
        let text = records(&roots);
        assert_eq!(
            text,
            r#"[
  {
    "id": 1,
    "name": "1A",
    "teachers": [
      {"id":1,"category":{"id":2}},
      {"id":2,"category":null}
    ],
    "students": []
  },
  {
    "id": 2,
    "supervisor": {"id":1,"name":"Zoë"}
  }
]"#
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(back, json!(roots));
        assert_eq!(records(&[]), "[]");
    }
}
