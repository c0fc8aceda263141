//! The main job until the `relq` CLI exists: compile select_related queries over the sample
//! schemas for SQLite, PostgreSQL and MySQL, and print each statement (pretty), its
//! parameters and the extraction plan that rebuilds the nested records.
//!
//! `cargo run -p relq --example showcase [-- [FILE.toml|FILE.json ...] [Model:path,path ...]]`
//!
//! With no `Model:...` argument it runs a showcase: ormar's
//! `SchoolClass.select_related(["teachers__category", "students__category"])`, a
//! many-to-many with through fields, a self-reference both ways, a page of roots with
//! their children, and ormar's filter across relations
//! (`Post.filter(or_(author__first_name="Bob", categories__name="sql"))`). `Model:path,path` compiles that model with those select_related paths
//! (an empty path list loads only the model). Without arguments it then runs ormar's
//! example on the embedded default, an in-memory SQLite database holding a few school
//! records, and prints the nested records as JSON. Exits 1 with the error's message if a
//! schema, a query or the database fails.

use std::process::ExitCode;

use relq::{
    Dialect, Filter, MySql, OrderBy, Postgres, Query, RelationGraph, SchemaDef, Sqlite, compile,
    to_json,
};

const SAMPLES: [&str; 3] = ["school.toml", "blog.toml", "person.toml"];

fn load(file: &str) -> Result<RelationGraph, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let def = if file.ends_with(".json") {
        SchemaDef::from_json(&text)
    } else {
        SchemaDef::from_toml(&text)
    };
    def.and_then(|d| d.build())
        .map_err(|e| format!("{file}: {e}"))
}

fn showcase() -> Vec<(&'static str, Query)> {
    vec![
        (
            "ormar's example: classes with teachers and students, each with a category",
            Query::new("SchoolClass")
                .select_related("teachers__category")
                .select_related("students__category"),
        ),
        (
            "many-to-many through PostCategory, with each post's author",
            Query::new("Post")
                .select_related("categories")
                .select_related("author"),
        ),
        (
            "a self-reference both ways: each person's supervisor and employees",
            Query::new("Person")
                .select_related("supervisor")
                .select_related("employees__employees"),
        ),
        (
            "a page of 10 classes (skipping 20) with all their students, by name descending",
            Query::new("SchoolClass")
                .select_related("students")
                .order_by(OrderBy::new("-name"))
                .limit(10)
                .offset(20),
        ),
        (
            "posts by Bob or in the category `sql` (EXISTS: no post twice), with their categories",
            Query::new("Post")
                .select_related("categories")
                .filter(Filter::or([
                    Filter::new("author__first_name", "Bob"),
                    Filter::new("categories__name", "sql"),
                ])),
        ),
    ]
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (specs, files): (Vec<_>, Vec<_>) = args.iter().partition(|a| a.contains(':'));
    // The samples are found from the crate's folder, so the example runs from anywhere.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas/");
    let files: Vec<String> = if files.is_empty() {
        SAMPLES.iter().map(|f| format!("{root}{f}")).collect()
    } else {
        files.into_iter().cloned().collect()
    };
    let graphs = files
        .iter()
        .map(|f| load(f))
        .collect::<Result<Vec<_>, _>>()?;
    let queries: Vec<(String, Query)> = if specs.is_empty() {
        showcase()
            .into_iter()
            .map(|(what, q)| (what.to_owned(), q))
            .collect()
    } else {
        specs
            .iter()
            .map(|spec| {
                let (model, paths) = spec.split_once(':').unwrap_or((spec, ""));
                let q = paths
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .fold(Query::new(model), |q, p| q.select_related(p));
                (spec.to_string(), q)
            })
            .collect()
    };
    let dialects: [(&str, &dyn Dialect); 3] = [
        ("SQLite", &Sqlite::default()),
        ("PostgreSQL", &Postgres::default()),
        ("MySQL / MariaDB", &MySql::default()),
    ];
    for (what, query) in &queries {
        let graph = graphs
            .iter()
            .find(|g| g.model_by_name(&query.model).is_some())
            .ok_or_else(|| format!("no loaded schema has a model `{}`", query.model))?;
        println!("== {what}");
        let json = serde_json::to_string(query).map_err(|e| e.to_string())?;
        println!("query: {json}");
        let mut extraction = None;
        for (name, dialect) in dialects {
            let compiled = compile(graph, query, dialect).map_err(|e| e.to_string())?;
            for statement in &compiled.statements {
                println!("-- {name}\n{}", statement.pretty(dialect));
                if !statement.params.is_empty() {
                    println!("-- params: {:?}", statement.params);
                }
            }
            extraction = Some(compiled.plan.extraction);
        }
        if let Some(plan) = extraction {
            println!("-- extraction plan ({} columns per row)", plan.width);
            for node in &plan.nodes {
                let columns: Vec<String> = node
                    .columns
                    .iter()
                    .map(|c| format!("{}@{}", c.field, c.position))
                    .collect();
                let path = if node.path.is_empty() {
                    "(root)"
                } else {
                    &node.path
                };
                println!(
                    "   {} {path}: {} {:?}, pk @{}, [{}]",
                    node.alias,
                    node.model,
                    node.cardinality,
                    node.pk,
                    columns.join(" ")
                );
            }
        }
        println!();
    }
    if specs.is_empty() {
        run_on_sqlite(&load(&format!("{root}school.toml"))?)?;
    }
    Ok(())
}

/// A table's sample rows: its name, the integer columns given, the rows of those values.
type TableData = (
    &'static str,
    &'static [&'static str],
    &'static [&'static [i64]],
);

/// A few school records: (table, columns, rows). Class 2 has no teachers; one teacher and
/// one student have no category.
const SCHOOL_DATA: [TableData; 5] = [
    ("departments", &["id"], &[&[1]]),
    ("categories", &["id"], &[&[1], &[2]]),
    (
        "schoolclasses",
        &["id", "department_id"],
        &[&[1, 1], &[2, 1]],
    ),
    (
        "teachers",
        &["id", "schoolclass_id", "category_id"],
        &[&[1, 1, 1], &[2, 1, 0]],
    ),
    (
        "students",
        &["id", "schoolclass_id", "category_id"],
        &[&[1, 1, 1], &[2, 1, 2], &[3, 2, 0]],
    ),
];

/// Creates the school tables in an in-memory SQLite database, fills them, runs ormar's
/// example through relq and prints the records. A `0` key above is NULL; every table's
/// `name` is made from its table and key (`teachers 1`).
fn run_on_sqlite(graph: &RelationGraph) -> Result<(), String> {
    let db = rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?;
    for create in relq::sql::create_tables(graph, &Sqlite::default()) {
        db.execute(&create, [])
            .map_err(|e| format!("{e}: {create}"))?;
    }
    for (table, columns, rows) in SCHOOL_DATA {
        let names: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let marks = vec!["?"; columns.len() + 1].join(", ");
        let insert = format!(
            "INSERT INTO \"{table}\" ({}, \"name\") VALUES ({marks})",
            names.join(", ")
        );
        for row in rows {
            let mut values: Vec<rusqlite::types::Value> = row
                .iter()
                .map(|&v| match v {
                    0 => rusqlite::types::Value::Null,
                    v => rusqlite::types::Value::Integer(v),
                })
                .collect();
            values.push(rusqlite::types::Value::Text(format!("{table} {}", row[0])));
            db.execute(&insert, rusqlite::params_from_iter(values))
                .map_err(|e| format!("{e}: {insert}"))?;
        }
    }
    let query = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    let compiled = compile(graph, &query, &Sqlite::default()).map_err(|e| e.to_string())?;
    let records = relq::sqlite::execute(&db, &compiled)
        .map_err(|e| e.to_string())?
        .records;
    let json = to_json(&compiled.plan.extraction, &records).map_err(|e| e.to_string())?;
    println!(
        "== ormar's example run on SQLite (in memory): {} classes",
        records.len()
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
