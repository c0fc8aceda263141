//! Loads schema files (default: the shipped samples in `schemas/`), prints each relation
//! graph as a table and as Graphviz DOT, then resolves `Model:path` arguments (default:
//! ormar's `SchoolClass.select_related(["teachers__category", "students__category"])`).
//!
//! `cargo run -p relq-plan --example schemas [-- FILE.toml|FILE.json ... [Model:path ...]]`
//! Exits 1 with the error's message if a schema or a path is invalid.

use std::process::ExitCode;

use relq_graph::{RelationGraph, SchemaDef};
use relq_plan::{ParsedPath, PathKind, resolve};

const SAMPLES: [&str; 3] = ["school.toml", "blog.toml", "person.toml"];

fn load(file: &str) -> Result<RelationGraph, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let def = if file.ends_with(".json") {
        SchemaDef::from_json(&text)
    } else {
        SchemaDef::from_toml(&text)
    };
    def.and_then(|d| d.build())
        .map_err(|e| format!("{file}: {e}"))
}

fn print_graph(file: &str, graph: &RelationGraph) {
    println!("== {file}");
    for model in graph.models() {
        let generated = if model.is_generated() {
            ", generated"
        } else {
            ""
        };
        println!("{} (table {}{generated})", model.name(), model.table());
        for f in model.fields() {
            let mut notes = Vec::new();
            if f.is_primary_key() {
                notes.push("primary key".to_owned());
            }
            if f.is_nullable() {
                notes.push("nullable".to_owned());
            }
            if f.column() != f.name() {
                notes.push(format!("column {}", f.column()));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            };
            println!("  field    {:<16} {}{notes}", f.name(), f.ty().name());
        }
        for r in model.relations() {
            let via = r
                .through()
                .map(|t| format!(" via {}", graph.model(t.model).name()))
                .unwrap_or_default();
            let hidden = if r.is_hidden() { " (hidden)" } else { "" };
            println!(
                "  relation {:<16} {} -> {}{via}{hidden}",
                r.name(),
                r.kind().name(),
                r.target().name()
            );
        }
    }
    println!("{}", graph.to_dot());
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (paths, files): (Vec<_>, Vec<_>) = args.iter().partition(|a| a.contains(':'));
    // The samples are found from the crate's folder, so the example runs from anywhere.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    let files: Vec<(String, String)> = if files.is_empty() {
        SAMPLES
            .iter()
            .map(|f| (format!("schemas/{f}"), format!("{root}schemas/{f}")))
            .collect()
    } else {
        files.into_iter().map(|f| (f.clone(), f.clone())).collect()
    };
    let paths: Vec<&str> = if paths.is_empty() && args.is_empty() {
        vec![
            "SchoolClass:teachers__category",
            "SchoolClass:students__category",
        ]
    } else {
        paths.iter().map(|p| p.as_str()).collect()
    };
    let graphs = files
        .iter()
        .map(|(shown, path)| load(path).map_err(|e| format!("{shown}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    for ((shown, _), graph) in files.iter().zip(&graphs) {
        print_graph(shown, graph);
    }
    for spec in paths {
        let (model, text) = spec.split_once(':').unwrap_or((spec, ""));
        let (graph, root) = graphs
            .iter()
            .find_map(|g| g.model_by_name(model).map(|m| (g, m.id())))
            .ok_or_else(|| format!("no loaded schema has a model `{model}`"))?;
        let path = ParsedPath::parse(text).map_err(|e| e.to_string())?;
        let resolved =
            resolve(graph, root, &path, PathKind::Relations).map_err(|e| e.to_string())?;
        let hops: Vec<String> = resolved
            .hops()
            .iter()
            .map(|&h| {
                let r = graph.relation(h);
                format!(
                    "{}.{} ({}) -> {}",
                    r.source().name(),
                    r.name(),
                    r.kind().name(),
                    r.target().name()
                )
            })
            .collect();
        println!("select_related {model}:{text}\n  {}", hops.join("\n  "));
    }
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
