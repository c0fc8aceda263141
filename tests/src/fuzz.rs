//! Bodies of the cargo-fuzz targets: each takes arbitrary bytes and panics only when a
//! relq invariant breaks (never on bad input, which must give a typed error).

use relq_graph::{ModelId, RelationGraph};
use relq_plan::{ExtractionPlan, Lookup, ParsedPath, PathKind, ResolvedPath, Value, resolve};
use relq_rows::{Rebuilder, Record, flatten, rebuild, to_json};

use crate::plans::SamplePlan;
use relq_sample::Sample;

/// `parse_path`: any text parses or fails with a position inside the text; what parses
/// prints back to itself, segment offsets point at the segments, and the limits hold.
pub fn parse_path(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for ordering in [false, true] {
        let parsed = if ordering {
            ParsedPath::parse_ordering(text)
        } else {
            ParsedPath::parse(text)
        };
        match parsed {
            Ok(path) => {
                assert_eq!(
                    path.to_string(),
                    text,
                    "a parsed path prints back to itself"
                );
                assert!(path.segments().len() <= relq_plan::MAX_SEGMENTS);
                for s in path.segments() {
                    assert_eq!(&text[s.start..s.start + s.name.len()], s.name);
                }
            }
            Err(e) => {
                assert!(e.position() <= text.len(), "error position inside the text");
                let _ = e.to_string();
            }
        }
    }
}

/// The sample graphs (school, blog, person), built once.
fn graphs() -> &'static [RelationGraph] {
    static GRAPHS: std::sync::OnceLock<Vec<RelationGraph>> = std::sync::OnceLock::new();
    GRAPHS.get_or_init(|| {
        Sample::ALL
            .into_iter()
            .map(|s| s.graph().expect("shipped samples are valid"))
            .collect()
    })
}

/// `resolve_path`: byte 0 picks the schema (school, blog, person), byte 1 the root model,
/// byte 2 the path kind; the rest is the path. Resolution succeeds or fails with a typed error; a success is a
/// chain of hops from the root, ending at a field of the last model reached.
pub fn resolve_path(data: &[u8]) {
    let [schema, root, kind, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let graphs = graphs();
    let graph = &graphs[usize::from(*schema) % graphs.len()];
    let root = graph
        .models()
        .nth(usize::from(*root) % graph.models().len())
        .map(|m| m.id())
        .expect("a sample has models");
    let kind = [PathKind::Relations, PathKind::Field, PathKind::Filter][usize::from(*kind) % 3];
    let Ok(path) = ParsedPath::parse(text) else {
        return;
    };
    match resolve(graph, root, &path, kind) {
        Ok(resolved) => check_shape(graph, root, kind, &resolved),
        Err(e) => {
            assert!(e.position() <= text.len());
            let _ = e.to_string();
        }
    }
}

/// A resolved path is a chain of hops from the root whose end fits its kind: relations
/// paths end at a model, through loadable relations; field paths at a field with no
/// lookup; filter paths at a field, or at a to-many relation with `isnull`.
fn check_shape(graph: &RelationGraph, root: ModelId, kind: PathKind, resolved: &ResolvedPath) {
    let mut at = root;
    for &hop in resolved.hops() {
        let r = graph.relation(hop);
        assert_eq!(r.source().id(), at, "hops form a chain from the root");
        assert!(
            kind != PathKind::Relations || !r.is_hidden(),
            "hidden relations never load"
        );
        at = r.target().id();
    }
    if let Some(field) = resolved.field() {
        assert_eq!(
            graph.field(field).model().id(),
            at,
            "the field is on the last model"
        );
    }
    match kind {
        PathKind::Relations => {
            assert_eq!((resolved.field(), resolved.lookup()), (None, None));
            assert!(!resolved.hops().is_empty());
        }
        PathKind::Field => assert!(resolved.field().is_some() && resolved.lookup().is_none()),
        PathKind::Filter => {
            if resolved.field().is_none() {
                assert_eq!(resolved.lookup(), Some(Lookup::IsNull));
                let last = resolved.hops().last().map(|&h| graph.relation(h));
                assert!(
                    last.is_some_and(|r| r.is_to_many()),
                    "isnull on a to-many relation"
                );
            }
        }
    }
}

/// `compile_query`: byte 0 picks the schema (school, blog, person); the rest is a query in
/// its JSON form. It deserialises and compiles for every dialect, or fails with a typed
/// error; a success has one statement per dialect, or one per statement of its extraction
/// plan (split lists), each with one parameter per placeholder and a select list as wide
/// as it reads (`Compiled::statement_width`: records, a count, flat rows), the same plan on
/// every dialect, and an extraction plan as wide as the plan's columns.
pub fn compile_query(data: &[u8]) {
    let [schema, rest @ ..] = data else {
        return;
    };
    let Ok(query) = serde_json::from_slice::<relq_plan::Query>(rest) else {
        return;
    };
    let graphs = graphs();
    let graph = &graphs[usize::from(*schema) % graphs.len()];
    let dialects: [&dyn relq_sql::Dialect; 3] = [
        &relq_sqlite::Sqlite::default(),
        &relq_postgres::Postgres::default(),
        &relq_mysql::MySql::default(),
    ];
    let mut plans = Vec::new();
    for dialect in dialects {
        match relq_sql::compile(graph, &query, dialect) {
            Ok(compiled) => {
                // Lists delivered as JSON columns make the plan's statements one.
                let expected = match compiled.delivery {
                    relq_sql::Delivery::Json => 1,
                    _ => compiled.plan.extraction.statements.len().max(1),
                };
                assert_eq!(
                    compiled.statements.len(),
                    expected,
                    "one statement, or one per statement of the extraction plan"
                );
                for (i, statement) in compiled.statements.iter().enumerate() {
                    // The samples' identifiers hold no `?` or `$`, so every one outside
                    // a string constant (`JSON_TABLE`'s paths `'$[*]'`, `'$'`) is a
                    // placeholder.
                    let mut in_constant = false;
                    let placeholders = statement
                        .sql
                        .chars()
                        .filter(|&c| {
                            if c == '\'' {
                                in_constant = !in_constant;
                            }
                            !in_constant && (c == '?' || c == '$')
                        })
                        .count();
                    assert_eq!(placeholders, statement.params.len(), "{}", statement.sql);
                    assert_eq!(
                        statement.select.columns.len(),
                        compiled.statement_width(i),
                        "a statement is as wide as it reads (records, a count, flat rows)"
                    );
                }
                assert_eq!(
                    compiled.plan.extraction.width,
                    compiled.plan.columns.len(),
                    "the extraction plan covers the select list"
                );
                plans.push(compiled.plan);
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    assert!(
        plans.windows(2).all(|w| w[0] == w[1]),
        "every dialect plans alike"
    );
}

/// The sample plans, planned once.
fn plans() -> &'static [ExtractionPlan] {
    static PLANS: std::sync::OnceLock<Vec<ExtractionPlan>> = std::sync::OnceLock::new();
    PLANS.get_or_init(|| SamplePlan::ALL.into_iter().map(SamplePlan::plan).collect())
}

/// `rebuild_rows`: byte 0 picks a plan: `b % 6` is a [`SamplePlan`] index, or 5 for a
/// plan written as JSON in the bytes up to the first NUL (read with serde; it may break
/// any rule). The rest are values (see [`decode_rows`]). The rebuild succeeds or fails
/// with a typed error naming a row that exists; a success converts to JSON, flattens
/// back to rows that rebuild into the same records (also when every row comes twice),
/// and counts as many records as the stream did.
pub fn rebuild_rows(data: &[u8]) {
    let [selector, rest @ ..] = data else {
        return;
    };
    let plans = plans();
    let json_plan;
    let (plan, rest) = match plans.get(usize::from(*selector) % (plans.len() + 1)) {
        Some(plan) => (plan, rest),
        None => {
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            let Ok(plan) = serde_json::from_slice::<ExtractionPlan>(&rest[..end]) else {
                return;
            };
            json_plan = plan;
            (&json_plan, rest.get(end + 1..).unwrap_or_default())
        }
    };
    let rows = decode_rows(rest, plan.width);
    let records = match rebuild(plan, &rows) {
        Ok(records) => records,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(e.row().is_none_or(|r| r < rows.len()), "{e}: no such row");
            return;
        }
    };
    let json = to_json(plan, &records).expect("rebuilt records fit their plan");
    assert_eq!(json.as_array().map(Vec::len), Some(records.len()));
    let flat = flatten(plan, &records).expect("rebuilt records fit their plan");
    let again = rebuild(plan, &flat).expect("flattened records rebuild");
    // Debug text, not `==`: a NaN is not equal to itself, but prints the same.
    assert_eq!(
        format!("{again:?}"),
        format!("{records:?}"),
        "rebuild(flatten(r)) == r"
    );
    let twice = rebuild(plan, rows.iter().chain(&rows)).expect("repeated rows rebuild");
    assert_eq!(
        format!("{twice:?}"),
        format!("{records:?}"),
        "repeated rows change nothing"
    );
    let mut stream = Rebuilder::new(plan).expect("the plan was accepted");
    for mut row in &rows {
        stream.push(&mut row).expect("the rows were accepted");
    }
    assert_eq!(
        stream.records(),
        Record::count(&records),
        "one record per distinct record"
    );
}

/// Rows of `width` values from bytes: a tag byte `t`, then its payload, per value;
/// `t % 14` is 0 NULL, 1 an int (next byte as `i8`), 2 text, 3 bytes, 4 a float (next
/// byte as `i8` / 4; 254 `inf`, 255 NaN), 5 a bool (next byte's low bit), 6 decimal,
/// 7 date, 8 time, 9 date-time, 10 UUID, 11 JSON (texts: a length byte `% 8`, then that
/// many bytes, lossy UTF-8), 12 ends the row early (too short), 13 adds a NULL to the
/// previous row (too long). A row ends when it has `width` values; a missing payload byte
/// reads as 0; a last unfinished row is kept.
pub fn decode_rows(data: &[u8], width: usize) -> Vec<Vec<Value>> {
    let mut bytes = data.iter().copied();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut row = Vec::new();
    while let Some(tag) = bytes.next() {
        let mut byte = || bytes.next().unwrap_or(0);
        let value = match tag % 14 {
            0 => Value::Null,
            1 => Value::Int(i64::from(byte() as i8)),
            4 => match byte() {
                254 => Value::Float(f64::INFINITY),
                255 => Value::Float(f64::NAN),
                b => Value::Float(f64::from(b as i8) / 4.0),
            },
            5 => Value::Bool(byte() & 1 == 1),
            12 => {
                rows.push(std::mem::take(&mut row));
                continue;
            }
            13 => {
                if let Some(previous) = rows.last_mut() {
                    previous.push(Value::Null);
                }
                continue;
            }
            kind => {
                let len = usize::from(byte() % 8);
                let raw: Vec<u8> = (0..len).map(|_| byte()).collect();
                let s = || String::from_utf8_lossy(&raw).into_owned();
                match kind {
                    2 => Value::Text(s()),
                    3 => Value::Bytes(raw.clone()),
                    6 => Value::Decimal(s()),
                    7 => Value::Date(s()),
                    8 => Value::Time(s()),
                    9 => Value::DateTime(s()),
                    10 => Value::Uuid(s()),
                    _ => Value::Json(s()),
                }
            }
        };
        row.push(value);
        if row.len() == width {
            rows.push(std::mem::take(&mut row));
        }
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

/// The write corpus's schema (`tests/write_corpus/schemas/university.toml`), built once:
/// every relation kind, a required and a nullable foreign key, a through model with
/// fields, a text primary key, a self-referencing many-to-many, unique keys.
fn write_graph() -> &'static RelationGraph {
    static GRAPH: std::sync::OnceLock<RelationGraph> = std::sync::OnceLock::new();
    GRAPH.get_or_init(|| {
        relq_graph::SchemaDef::from_toml(include_str!("../write_corpus/schemas/university.toml"))
            .and_then(|def| def.build())
            .expect("the write corpus's schema is valid")
    })
}

/// `compile_write`: the bytes are a batch of write operations (a JSON array, one object
/// or NDJSON, as `relq_write::parse_batch` reads them), compiled against the write
/// corpus's schema for SQLite, PostgreSQL, MySQL, MariaDB 10.11 and SQLite with a
/// parameter limit of 4 (so lists are cut). It fails with a typed error or compiles, the
/// same twice; a compiled statement has one placeholder per param (`?`, or `$1..$n`
/// each once), no more params than the dialect's limit, and every table and column of
/// the schema in it quoted.
pub fn compile_write(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(operations) = relq_write::parse_batch(text) else {
        return;
    };
    let graph = write_graph();
    let sqlite = relq_sqlite::Sqlite::default();
    let small = relq_sql::Dialect::with_caps(
        &sqlite,
        relq_sql::Caps {
            max_params: 4,
            ..*relq_sql::Dialect::caps(&sqlite)
        },
    );
    let mariadb = crate::write_corpus::mariadb();
    let dialects: [&dyn relq_sql::Dialect; 5] = [
        &sqlite,
        &relq_postgres::Postgres::default(),
        &relq_mysql::MySql::default(),
        mariadb.as_ref(),
        small.as_ref(),
    ];
    for dialect in dialects {
        let compiled = relq_write::compile_write(graph, &operations, dialect);
        let again = relq_write::compile_write(graph, &operations, dialect);
        match (compiled, again) {
            (Ok(compiled), Ok(again)) => {
                assert_eq!(compiled, again, "the same batch compiles the same");
                assert_eq!(compiled.operations.len(), operations.len());
                for step in compiled.operations.iter().flat_map(|o| &o.steps) {
                    check_write_statement(graph, dialect.caps(), &step.sql, step.params.len());
                }
            }
            (Err(e), Err(f)) => {
                assert!(e.operation() < operations.len(), "{e}: no such operation");
                assert_eq!(e.to_string(), f.to_string(), "the same error twice");
            }
            (a, b) => panic!("compiled once as {:?}, once as {:?}", a.is_ok(), b.is_ok()),
        }
    }
}

/// One write statement's text against its params: placeholders (the schema's names hold
/// no `?` or `$`, and values never enter the text), the limit, and quoting: outside
/// quoted identifiers and string literals, no word is a table or column of the schema
/// (a word followed by `(` is a function).
fn check_write_statement(graph: &RelationGraph, caps: &relq_sql::Caps, sql: &str, params: usize) {
    assert!(
        params <= caps.max_params,
        "{params} params past the limit: {sql}"
    );
    let quote = caps.identifier_quote;
    let mut bare = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote || c == '\'' {
            // A quoted identifier or a literal, its quote doubled inside.
            loop {
                match chars.next() {
                    Some(d) if d == c && chars.peek() == Some(&c) => {
                        chars.next();
                    }
                    Some(d) if d == c => break,
                    Some(_) => {}
                    None => panic!("an unclosed quote: {sql}"),
                }
            }
            bare.push(' ');
        } else {
            bare.push(c);
        }
    }
    let numbered = caps.placeholder == relq_sql::Placeholder::DollarNumber;
    if numbered {
        let mut numbers: Vec<usize> = bare
            .split('$')
            .skip(1)
            .map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits
                    .parse()
                    .unwrap_or_else(|_| panic!("a bare `$`: {sql}"))
            })
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=params).collect::<Vec<_>>(), "{sql}");
    } else {
        assert_eq!(bare.matches('?').count(), params, "{sql}");
    }
    let names: std::collections::HashSet<String> = graph
        .models()
        .flat_map(|m| {
            let columns: Vec<String> = m
                .fields()
                .map(|f| f.column().to_ascii_lowercase())
                .collect();
            columns
                .into_iter()
                .chain(std::iter::once(m.table().to_ascii_lowercase()))
        })
        .collect();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = bare.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && word(bytes[i]) {
            i += 1;
        }
        let name = &bare[start..i];
        let call = bare[i..].trim_start().starts_with('(');
        assert!(
            call || !names.contains(&name.to_ascii_lowercase()),
            "`{name}` unquoted in {sql}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The write statement check can fail: an unquoted table or column, a placeholder
    /// too many or a `$n` out of order, params past the limit.
    #[test]
    fn the_write_statement_check_catches_what_it_claims() {
        let graph = write_graph();
        let sqlite = *relq_sql::Dialect::caps(&relq_sqlite::Sqlite::default());
        let postgres = *relq_sql::Dialect::caps(&relq_postgres::Postgres::default());
        let fails = |caps: relq_sql::Caps, sql: &'static str, params: usize| {
            std::panic::catch_unwind(move || check_write_statement(graph, &caps, sql, params))
                .is_err()
        };
        let good = "UPDATE \"courses\" SET \"name\" = ? WHERE \"id\" IN (?, ?)";
        assert!(!fails(sqlite, good, 3));
        assert!(fails(sqlite, good, 2));
        assert!(fails(sqlite, "UPDATE courses SET \"name\" = ?", 1));
        assert!(fails(sqlite, "UPDATE \"courses\" SET name = ?", 1));
        assert!(!fails(
            sqlite,
            "SELECT COUNT(\"id\") FROM \"courses\" WHERE 'name' = ?",
            1
        ));
        assert!(!fails(
            postgres,
            "DELETE FROM \"t\" WHERE \"a\" = $2 AND \"b\" = $1",
            2
        ));
        assert!(fails(
            postgres,
            "DELETE FROM \"t\" WHERE \"a\" = $1 AND \"b\" = $1",
            2
        ));
        let tight = relq_sql::Caps {
            max_params: 2,
            ..sqlite
        };
        assert!(fails(tight, good, 3));
    }
}
