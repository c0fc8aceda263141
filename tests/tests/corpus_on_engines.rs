//! Every corpus case on the sharded and replicated engines (issue 18), with every strategy:
//! MariaDB Spider (tables partitioned over two data nodes), PostgreSQL with
//! postgres_fdw partitions, and MariaDB Galera (written on one node, read on the other),
//! as `common::engines` lays them out. Each sample a case is on (school, blog, person) is
//! generated at scale 1 (`relq_sample::generate`, seed [`SEED`]), cut to at most 300 rows a
//! table with every foreign key kept whole ([`subset`]), and loaded once per
//! engine, through the head, the coordinator or the first Galera node, and once into a
//! fresh namespace of the plain test server of the same dialect (MariaDB for Spider and
//! Galera, PostgreSQL for postgres_fdw). A case without a sample runs on its tables, empty;
//! the cases built in code are left out ([`groups`]).
//!
//! For each case and each strategy (joined, split, json, auto) the engine must give the
//! answer the plain server gives (records as `Answer::to_json`; `get`'s NoMatch /
//! MultipleMatches as `{"error": ...}`). A case the dialect refuses at compile time (a
//! lookup it has no form for, a name too long, too many tables) is refused alike on both
//! and not run. Not vacuous: every sample case finds records but [`MATCHING_NOTHING`]'s.
//! On Spider every case agrees only with relq's session (relq-mysql's `session.rs`): with
//! semi-joins on, an `exclude` across a reverse foreign key in a page of roots kept one
//! author four times (duplicate weedout over Spider tables); with Spider's semi split
//! read, two pages with a filter and a nested limit held other roots, with every strategy.
//!
//! A missing URL fails the test, never skips it (`bash scripts/test.sh` starts the
//! engines and the servers; by hand `scripts/clusters.sh start`, `scripts/servers.sh
//! start` and `eval` both `env` outputs).

mod common;

use common::engines::{Distributed, Engine};
use common::servers::scratch;
use common::strategies::{found_something, refused_by_dialect};
use relq::exec::ExecErrorKind;
use relq::{Database, Query, RelationGraph, Strategy, Value, compile};
use relq_sample::{Sample, generate};
use relq_tests::corpus::{Case, cases, generated};

/// The seed of the sample data (the same as `tests/differential.rs`).
const SEED: u64 = 20_240_501;

/// The strategies every case runs with.
const STRATEGIES: [Strategy; 4] = [
    Strategy::Joined,
    Strategy::Split,
    Strategy::Json,
    Strategy::Auto,
];

/// The corpus cases on a sample that return no records: by design (`in []` matches
/// nothing), or in the cut of the sample ([`subset`]: no post of an author named Smith is
/// in the category Chess).
const MATCHING_NOTHING: [&str; 2] = [
    "filter_across_two_to_many_relations",
    "filter_in_an_empty_list",
];

/// A query's answer on `db` as JSON (`Answer::to_json`; NoMatch / MultipleMatches as
/// `{"error": message}`); `Ok(None)` when the dialect refuses it at compile time.
fn answer(
    graph: &RelationGraph,
    query: &Query,
    db: &mut Database,
) -> Result<Option<serde_json::Value>, String> {
    let compiled = match compile(graph, query, db.dialect()) {
        Ok(compiled) => compiled,
        Err(e) if refused_by_dialect(e.kind()) => return Ok(None),
        Err(e) => return Err(format!("compile: {e}")),
    };
    match db.fetch(&compiled) {
        Ok(fetched) => fetched
            .answer
            .to_json(&compiled.plan.extraction)
            .map(Some)
            .map_err(|e| format!("JSON: {e}")),
        Err(e)
            if matches!(
                e.kind(),
                ExecErrorKind::NoMatch { .. } | ExecErrorKind::MultipleMatches { .. }
            ) =>
        {
            Ok(Some(serde_json::json!({ "error": e.to_string() })))
        }
        Err(e) => Err(format!("execute: {e}")),
    }
}

/// Rows kept per table of a sample: Spider joins row by row across its data nodes (a
/// round trip per row and partition), so scale 1's thousands of rows would take minutes.
const ROWS_PER_TABLE: usize = 300;

/// Rows kept per self-referencing table whose self-reference is NULL (the roots of a
/// tree), so that the rest of [`ROWS_PER_TABLE`] reaches deeper levels.
const TREE_ROOTS: usize = 5;

/// A part of a sample's rows whose foreign keys all point at kept rows: table by table in
/// the dataset's order (referenced tables, and referenced rows, first), a row is kept while
/// its table has fewer than [`ROWS_PER_TABLE`] (a through table: any number) and every key
/// it holds is NULL or kept.
fn subset(
    graph: &RelationGraph,
    tables: Vec<(String, Vec<Vec<Value>>)>,
) -> Vec<(String, Vec<Vec<Value>>)> {
    // The kept primary keys of each model, by model number.
    let mut kept: Vec<Vec<Value>> = vec![Vec::new(); graph.models().len()];
    let mut out = Vec::new();
    for (name, rows) in tables {
        let model = graph
            .model_by_name(&name)
            .unwrap_or_else(|| panic!("no model {name} in the sample"));
        let fields: Vec<_> = model.fields().collect();
        let position = |id| fields.iter().position(|f| f.id() == id);
        let pk = position(model.primary_key().id()).expect("the key is a field");
        // (field position, referenced model number) of every key the table holds.
        let mut references: Vec<(usize, usize)> = fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, f.foreign_key()?.target().id().index())))
            .collect();
        if let Some(relation) = model.through_of()
            && let Some(through) = relation.through()
        {
            for (field, end) in [
                (through.source_field, relation.source()),
                (through.target_field, relation.target()),
            ] {
                references.extend(position(field).map(|i| (i, end.id().index())));
            }
        }
        let me = model.id().index();
        let mut roots = 0;
        let mut chosen = Vec::new();
        // A through table keeps every link between kept rows.
        let cap = if model.through_of().is_some() {
            usize::MAX
        } else {
            ROWS_PER_TABLE
        };
        for row in rows {
            if chosen.len() == cap {
                break;
            }
            let points_at_kept = references
                .iter()
                .all(|&(i, to)| row[i] == Value::Null || kept[to].contains(&row[i]));
            let root = references
                .iter()
                .any(|&(i, to)| to == me && row[i] == Value::Null);
            if points_at_kept && !(root && roots == TREE_ROOTS) {
                roots += usize::from(root);
                kept[me].push(row[pk].clone());
                chosen.push(row);
            }
        }
        out.push((name, chosen));
    }
    out
}

/// The corpus in groups sharing tables and rows: one per sample, one per case without;
/// less the cases built in code (`relq_tests::corpus::generated`: a join of 62 empty
/// tables, about a dialect's limit, which PostgreSQL plans over 124 foreign partitions in
/// about a minute a query).
fn groups() -> Vec<(Option<Sample>, Vec<Case>)> {
    let built: Vec<String> = generated().into_iter().map(|c| c.name).collect();
    let mut all = cases().expect("the corpus loads");
    all.retain(|c| !built.contains(&c.name));
    let mut groups: Vec<(Option<Sample>, Vec<Case>)> = Sample::ALL
        .into_iter()
        .map(|sample| {
            let of = all
                .iter()
                .filter(|c| c.sample == Some(sample))
                .cloned()
                .collect();
            (Some(sample), of)
        })
        .collect();
    groups.extend(
        all.iter()
            .filter(|c| c.sample.is_none())
            .map(|c| (None, vec![c.clone()])),
    );
    groups.retain(|(_, of)| !of.is_empty());
    groups
}

/// What one engine did with the corpus.
#[derive(Default)]
struct Tally {
    /// (case, strategy) pairs whose answers were compared and equal.
    equal: usize,
    /// (case, strategy) pairs the dialect refused at compile time.
    refused: usize,
    /// Messages of every disagreement or failure.
    failures: Vec<String>,
    /// Sample cases that found nothing on the engine.
    empty: Vec<String>,
}

/// One group on `engine` and on its plain server: the tables, the rows, every case with
/// every strategy.
fn run_group(engine: Engine, sample: Option<Sample>, of: &[Case], tally: &mut Tally) {
    let graph = of[0].graph().unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<(String, Vec<Vec<Value>>)> = match sample {
        Some(sample) => subset(
            &graph,
            generate(sample, 1, SEED)
                .expect("scale 1 generates")
                .tables
                .into_iter()
                .map(|t| (t.model, t.rows))
                .collect(),
        ),
        None => Vec::new(),
    };
    let label = sample.map_or_else(|| of[0].name.clone(), |s| s.name().to_owned());
    let purpose = format!("{}_{}", engine.name(), sample.map_or("case", Sample::name));
    let mut plain = scratch(engine.plain_server(), &purpose);
    // A case of its own tables that the dialect refuses (a table name too long for it)
    // would not get its tables made: refused, nothing to run.
    if sample.is_none()
        && of.iter().all(|case| {
            STRATEGIES.iter().all(|&strategy| {
                let query = case.query.clone().strategy(strategy);
                compile(&graph, &query, plain.dialect())
                    .is_err_and(|e| refused_by_dialect(e.kind()))
            })
        })
    {
        tally.refused += of.len() * STRATEGIES.len();
        return;
    }
    plain
        .create_tables(&graph)
        .unwrap_or_else(|e| panic!("{label} on the plain server: {e}"));
    let mut distributed = Distributed::create(engine, &purpose, &graph)
        .unwrap_or_else(|e| panic!("{label} on {}: {e}", engine.name()));
    for (model, rows) in &rows {
        let model = graph
            .model_by_name(model)
            .unwrap_or_else(|| panic!("no model {model} in {label}"));
        plain
            .insert(model, rows)
            .unwrap_or_else(|e| panic!("{label} on the plain server: {e}"));
        distributed
            .insert(model, rows)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
    }
    let db = distributed
        .reader()
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    for case in of {
        for strategy in STRATEGIES {
            let query = case.query.clone().strategy(strategy);
            let at = format!("case `{}`, {strategy:?}", case.name);
            match (
                answer(&graph, &query, &mut plain),
                answer(&graph, &query, db),
            ) {
                (Ok(None), Ok(None)) => tally.refused += 1,
                (Ok(Some(want)), Ok(Some(got))) if want == got => {
                    tally.equal += 1;
                    let expected_empty = MATCHING_NOTHING.contains(&case.name.as_str());
                    if sample.is_some()
                        && !expected_empty
                        && !found_something(&got)
                        && !tally.empty.contains(&case.name)
                    {
                        tally.empty.push(case.name.clone());
                    }
                }
                (Ok(want), Ok(got)) => tally.failures.push(format!(
                    "{at}: the plain server answers\n    {}\n  {} answers\n    {}\n  SQL: {}",
                    shown(want.as_ref()),
                    engine.name(),
                    shown(got.as_ref()),
                    sql(&graph, &query, db.dialect())
                )),
                (Err(e), _) => tally.failures.push(format!("{at}: the plain server: {e}")),
                (_, Err(e)) => tally.failures.push(format!("{at}: {}: {e}", engine.name())),
            }
        }
    }
}

/// The statements `query` compiles to, with their parameters, for a failure message.
fn sql(graph: &RelationGraph, query: &Query, dialect: &dyn relq::sql::Dialect) -> String {
    match compile(graph, query, dialect) {
        Ok(compiled) => compiled
            .statements
            .iter()
            .map(|s| format!("{} -- {:?}", s.sql, s.params))
            .collect::<Vec<_>>()
            .join(";\n       "),
        Err(e) => e.to_string(),
    }
}

/// An answer for a failure message, cut to 600 characters.
fn shown(answer: Option<&serde_json::Value>) -> String {
    answer.map_or("refused at compile time".to_owned(), |a| {
        a.to_string().chars().take(600).collect()
    })
}

/// Every corpus case with every strategy on `engine`, compared with its plain server.
fn every_case_on(engine: Engine) {
    let mut tally = Tally::default();
    for (sample, of) in groups() {
        run_group(engine, sample, &of, &mut tally);
    }
    eprintln!(
        "{}: {} case-strategy answers equal to the plain server's, {} refused at compile time",
        engine.name(),
        tally.equal,
        tally.refused
    );
    assert!(
        tally.failures.is_empty(),
        "{} disagreements or failures on {}:\n{}",
        tally.failures.len(),
        engine.name(),
        tally.failures.join("\n\n")
    );
    assert!(tally.equal > 0, "no case ran on {}", engine.name());
    assert!(
        tally.empty.is_empty(),
        "cases finding nothing on {}: {:?}",
        engine.name(),
        tally.empty
    );
}

#[test]
fn every_corpus_case_answers_on_spider_as_on_plain_mariadb() {
    every_case_on(Engine::Spider);
}

#[test]
fn every_corpus_case_answers_on_postgres_fdw_as_on_plain_postgres() {
    every_case_on(Engine::Fdw);
}

#[test]
fn every_corpus_case_answers_on_galera_as_on_plain_mariadb() {
    every_case_on(Engine::Galera);
}

/// The school `scripts/clusters.sh` loads: the seed query (classes with their teachers
/// and students, each with its category) with every strategy reads the same records from
/// the distributed tables as from the plain ones: the Spider head's `relq` and
/// `relq_plain`, the coordinator's `relq` and `relq_plain`, Galera's second node (after
/// it has applied the first's writes) and first. Not vacuous: 30 classes.
#[test]
fn the_school_of_the_clusters_reads_alike_distributed_and_plain() {
    let graph = Sample::School.graph().expect("the school builds");
    let galera = common::engines::engine_url("RELQ_GALERA_URLS");
    let galera: Vec<&str> = galera.split_whitespace().collect();
    assert_eq!(galera.len(), 2, "RELQ_GALERA_URLS: {galera:?}");
    let pairs = [
        (
            "spider",
            common::engines::engine_url("RELQ_SPIDER_URL"),
            common::engines::engine_url("RELQ_SPIDER_PLAIN_URL"),
        ),
        (
            "fdw",
            common::engines::engine_url("RELQ_FDW_URL"),
            common::engines::engine_url("RELQ_FDW_PLAIN_URL"),
        ),
        ("galera", galera[1].to_owned(), galera[0].to_owned()),
    ];
    let seed = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    for (engine, distributed, plain) in pairs {
        let open = |url: &str| Database::open(url).unwrap_or_else(|e| panic!("{engine}: {e}"));
        let (mut distributed, mut plain) = (open(&distributed), open(&plain));
        for strategy in STRATEGIES {
            let query = seed.clone().strategy(strategy);
            let want = answer(&graph, &query, &mut plain)
                .unwrap_or_else(|e| panic!("{engine} plain, {strategy:?}: {e}"))
                .expect("the seed query compiles");
            let got = answer(&graph, &query, &mut distributed)
                .unwrap_or_else(|e| panic!("{engine}, {strategy:?}: {e}"))
                .expect("the seed query compiles");
            assert_eq!(
                want.as_array().map(Vec::len),
                Some(30),
                "{engine}: {}",
                shown(Some(&want))
            );
            assert!(
                want == got,
                "{engine}, {strategy:?}: plain {}\n  distributed {}",
                shown(Some(&want)),
                shown(Some(&got))
            );
        }
    }
}
