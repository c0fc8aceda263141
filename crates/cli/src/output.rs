//! How each subcommand prints: a compiled query as text or JSON, the `--explain` view,
//! and records as JSON, NDJSON or a table.
//!
//! Invariant: everything printed is deterministic (JSON keys in the plan's order).

use std::io::Write;

use relq::plan::{Cardinality, ExtractionColumn, Load};
use relq::rows::value_to_json;
use relq::{Compiled, Dialect, ExtractionPlan, RelationGraph, Statement};
use serde_json::{Value as Json, json};

/// A statement's SQL: one clause per line, or the compact text a driver gets.
fn sql(statement: &Statement<'_>, dialect: &dyn Dialect, compact: bool) -> String {
    if compact {
        statement.sql.to_string()
    } else {
        statement.pretty(dialect)
    }
}

/// A statement's parameters as a JSON array (values as in records).
fn params(statement: &Statement<'_>) -> Json {
    Json::Array(statement.params.iter().map(value_to_json).collect())
}

/// The note of a statement binding the root keys (its IN list rendered with one
/// placeholder, NULL in its params).
fn keys_note(statement: &Statement<'_>) -> Option<String> {
    statement.keys.as_ref().map(|keys| {
        format!(
            "the IN list of the root keys statement 0 returns, chunked to {} per execution (shown with one placeholder)",
            keys.chunk
        )
    })
}

/// Each statement as `-- DIALECT` then its SQL, then `-- params: [...]` when it has any,
/// then `-- keys: ...` when it binds the root keys.
pub(crate) fn statements(
    out: &mut dyn Write,
    compiled: &Compiled<'_>,
    dialect: &dyn Dialect,
    compact: bool,
) -> std::io::Result<()> {
    for statement in &compiled.statements {
        writeln!(out, "-- {}", dialect.caps().name)?;
        writeln!(out, "{}", sql(statement, dialect, compact))?;
        if !statement.params.is_empty() {
            writeln!(out, "-- params: {}", params(statement))?;
        }
        if let Some(note) = keys_note(statement) {
            writeln!(out, "-- keys: {note}")?;
        }
    }
    Ok(())
}

/// `compile --format text`: the statements, then one line per extraction-plan node:
/// alias, path, model, cardinality (a to-many node's with how it is read: joined or
/// split), the primary key's position and `field@position`.
pub(crate) fn compiled_text(
    out: &mut dyn Write,
    graph: &RelationGraph,
    compiled: &Compiled<'_>,
    dialect: &dyn Dialect,
    compact: bool,
) -> std::io::Result<()> {
    statements(out, compiled, dialect, compact)?;
    let plan = &compiled.plan;
    writeln!(
        out,
        "-- extraction plan ({} columns per row)",
        plan.extraction.width
    )?;
    for (index, node) in plan.extraction.nodes.iter().enumerate() {
        let tree_node = plan.tree_node(index);
        let columns = |columns: &[ExtractionColumn]| {
            columns
                .iter()
                .map(|c| format!("{}@{}", c.field, c.position))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let path = if node.path.is_empty() {
            "(root)"
        } else {
            &node.path
        };
        let load = tree_node.and_then(|n| plan.load(graph, n));
        let cardinality = match (node.cardinality, load) {
            (Cardinality::Root, _) => "root",
            (Cardinality::One, _) => "one",
            (Cardinality::Many, Some(Load::Split)) => "many, split",
            (Cardinality::Many, Some(Load::Joined)) => "many, joined",
            (Cardinality::Many, None) => "many",
        };
        write!(
            out,
            "{} {path}: {} ({cardinality}), pk @{}, {}",
            tree_node.map_or_else(String::new, |n| plan.tree.node(n).alias().to_string()),
            node.model,
            node.pk,
            columns(&node.columns)
        )?;
        if let Some(through) = &node.through {
            write!(
                out,
                ", through {} {}",
                through.model,
                columns(&through.columns)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `compile --format json`: `{"dialect", "statements": [{"sql", "params", "keys"?}], "output",
/// "delivery", "extraction"}` (`output`: records, a count, or flat rows' named, typed
/// columns; `delivery`: how the lists of statements after the first arrive, `rows` or
/// `json`).
pub(crate) fn compiled_json(
    out: &mut dyn Write,
    compiled: &Compiled<'_>,
    dialect: &dyn Dialect,
    compact: bool,
) -> std::io::Result<()> {
    let statements: Vec<Json> = compiled
        .statements
        .iter()
        .map(|s| {
            let mut statement = json!({"sql": sql(s, dialect, compact), "params": params(s)});
            if let (Some(note), Some(object)) = (keys_note(s), statement.as_object_mut()) {
                object.insert("keys".to_owned(), Json::String(note));
            }
            statement
        })
        .collect();
    let document = json!({
        "dialect": dialect.caps().name,
        "statements": statements,
        "output": compiled.plan.output,
        "delivery": compiled.delivery,
        "extraction": compiled.plan.extraction,
    });
    writeln!(out, "{}", serde_json::to_string_pretty(&document)?)?;
    Ok(())
}

/// `query --explain`: the join tree with its aliases, then the pretty SQL and params.
pub(crate) fn explain(
    out: &mut dyn Write,
    graph: &RelationGraph,
    compiled: &Compiled<'_>,
    dialect: &dyn Dialect,
) -> std::io::Result<()> {
    writeln!(out, "-- join tree")?;
    write!(out, "{}", compiled.plan.outline(graph))?;
    statements(out, compiled, dialect, false)
}

/// A table of the root records: one column per root field, then one per loaded relation
/// of the root, showing the related record's primary key (to-one; `null` when none) or
/// the number of records in brackets (to-many, `[2]`). Text is shown raw, with control
/// characters escaped so each record stays on one line; columns are aligned by
/// characters.
pub(crate) fn table(
    out: &mut dyn Write,
    plan: &ExtractionPlan,
    roots: &Json,
) -> std::io::Result<()> {
    let roots = roots.as_array().map(Vec::as_slice).unwrap_or_default();
    let Some(root) = plan.nodes.first() else {
        return Ok(());
    };
    let mut header: Vec<String> = root.columns.iter().map(|c| c.field.to_string()).collect();
    // (relation name, the related model's primary key field) of every child of the root.
    let relations: Vec<(&str, Option<&str>)> = plan
        .nodes
        .iter()
        .filter(|n| n.parent == Some(0))
        .map(|n| {
            let pk = n.columns.iter().find(|c| c.position == n.pk);
            (
                n.relation.as_deref().unwrap_or_default(),
                pk.map(|c| &*c.field),
            )
        })
        .collect();
    header.extend(relations.iter().map(|(name, _)| name.to_string()));
    let rows: Vec<Vec<String>> = roots
        .iter()
        .map(|record| {
            let field = |name: &str| record.get(name).map_or_else(String::new, cell);
            let fields = root.columns.iter().map(|c| field(&c.field));
            let related = relations.iter().map(|&(name, pk)| match record.get(name) {
                Some(Json::Array(list)) => format!("[{}]", list.len()),
                Some(one @ Json::Object(_)) => {
                    pk.and_then(|pk| one.get(pk)).map_or_else(String::new, cell)
                }
                _ => "null".to_owned(),
            });
            fields.chain(related).collect()
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|row| row.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", cells.join(" | ").trim_end())
    };
    line(out, &header)?;
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    writeln!(out, "{}", rule.join("-+-"))?;
    for row in &rows {
        line(out, row)?;
    }
    Ok(())
}

/// One value as a table cell: text raw with control characters escaped, anything else
/// as its JSON.
fn cell(value: &Json) -> String {
    match value {
        Json::String(s) => s
            .chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect(),
        other => other.to_string(),
    }
}
