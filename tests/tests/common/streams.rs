//! Streaming compared with fetching, for `tests/stream.rs`: a query compiled both ways
//! (`compile`, what `Database::fetch` is held to, and `ListRoots::SemiJoin`, what
//! `Database::stream` runs), run both ways on one database, the records and rows
//! compared, and a tally per database and strategy of what was streamed and what was
//! left out (a query that does not return every record, one the dialect refuses).
//!
//! Invariant: a query is compared only when its plan's output is `Records(All)`;
//! anything else is tallied as left out, never as streamed.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use relq::plan::{ListRoots, Output, Pick, PlanOptions};
use relq::rows::RecordStream;
use relq::{
    CompileErrorKind, Compiled, Database, ExtractionPlan, Query, Record, RelationGraph, Strategy,
    compile, compile_with, to_json,
};

use super::servers::Server;

/// The options a streamed query is compiled with: no statement binds the root keys
/// another returns.
pub const SEMI_JOIN: PlanOptions = PlanOptions {
    list_roots: Some(ListRoots::SemiJoin),
};

/// Every strategy, each tried on every query.
pub const STRATEGIES: [Strategy; 4] = [
    Strategy::Joined,
    Strategy::Split,
    Strategy::Auto,
    Strategy::Json,
];

/// What comparing a query's stream with its fetch found, when they agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compared {
    /// Streamed: the stream handed out fetch's `records` records (in `statements`
    /// statements), in fetch's order.
    Streamed { records: usize, statements: usize },
    /// Not streamed: the query does not return every record (its plan's output).
    NotAll,
    /// The dialect refuses the query at compile time (a limit, a missing feature).
    Refused,
}

/// Whether a compile error says the dialect cannot do the query (not that it is wrong):
/// [`refused_by_dialect`](super::strategies::refused_by_dialect)'s, or a feature it lacks
/// (the json strategy on an older server).
pub fn refused_by_dialect(kind: &CompileErrorKind) -> bool {
    super::strategies::refused_by_dialect(kind)
        || matches!(kind, CompileErrorKind::UnsupportedFeature { .. })
}

/// The records `db` streams for `query` (compiled with [`SEMI_JOIN`]) and how many rows
/// it read.
pub fn streamed(
    db: &mut Database,
    graph: &RelationGraph,
    query: &Query,
) -> Result<(Vec<Record>, usize), String> {
    let compiled = compile_with(graph, query, db.dialect(), &SEMI_JOIN)
        .map_err(|e| format!("compile: {e}"))?;
    stream_records(db, &compiled)
}

/// The records `db` streams for `compiled` and how many rows it read.
pub fn stream_records(
    db: &mut Database,
    compiled: &Compiled<'_>,
) -> Result<(Vec<Record>, usize), String> {
    let mut records = Vec::new();
    let each = RecordStream::new(&compiled.plan.extraction, |record| {
        records.push(record);
        ControlFlow::Continue(())
    })
    .map_err(|e| format!("RecordStream: {e}"))?;
    let rows = db
        .stream(compiled, each)
        .map_err(|e| format!("stream: {e}"))?
        .rows;
    Ok((records, rows))
}

/// A query compiled both ways: by `compile` (what fetch is compared with) and with
/// [`SEMI_JOIN`] (what is streamed).
pub struct Both<'g> {
    pub compiled: Compiled<'g>,
    pub semi: Compiled<'g>,
}

impl Both<'_> {
    /// Whether running `self` runs what running `other` did: the same statements,
    /// extraction and delivery both ways (strategies that read no list compile alike).
    pub fn runs_as(&self, other: &Both<'_>) -> bool {
        let same = |a: &Compiled<'_>, b: &Compiled<'_>| {
            a.statements == b.statements
                && a.plan.extraction == b.plan.extraction
                && a.delivery == b.delivery
        };
        same(&self.compiled, &other.compiled) && same(&self.semi, &other.semi)
    }
}

/// `query` compiled both ways, or why it is not compared: the dialect refuses it, or
/// it does not return every record.
pub fn compile_both<'g>(
    db: &Database,
    graph: &'g RelationGraph,
    query: &Query,
) -> Result<Result<Both<'g>, Compared>, String> {
    let compiled = match compile(graph, query, db.dialect()) {
        Ok(compiled) => compiled,
        Err(e) if refused_by_dialect(e.kind()) => return Ok(Err(Compared::Refused)),
        Err(e) => return Err(format!("compile: {e}")),
    };
    if compiled.plan.output != Output::Records(Pick::All) {
        return Ok(Err(Compared::NotAll));
    }
    let semi = compile_with(graph, query, db.dialect(), &SEMI_JOIN)
        .map_err(|e| format!("compile (semi-join): {e}"))?;
    Ok(Ok(Both { compiled, semi }))
}

/// `both` on `db`: fetched as compiled by `compile`, streamed as compiled with
/// [`SEMI_JOIN`], and that fetched too (unless it is the same statements) for its rows
/// and records. An error says where they differ.
pub fn compare(db: &mut Database, both: &Both<'_>) -> Result<Compared, String> {
    let Both { compiled, semi } = both;
    let sql = || {
        let texts: Vec<&str> = semi.statements.iter().map(|s| &*s.sql).collect();
        texts.join(";\n    ")
    };
    let fetched = db.fetch(compiled).map_err(|e| format!("fetch: {e}"))?;
    let fetched_rows = fetched.rows;
    let want = fetched.answer.into_records().map_err(|e| e.to_string())?;
    let (got, rows) = stream_records(db, semi).map_err(|e| format!("{e}\n  SQL: {}", sql()))?;
    if got != want {
        return Err(format!(
            "the stream differs from fetch: {}\n  SQL: {}",
            first_difference(&compiled.plan.extraction, &want, &got),
            sql()
        ));
    }
    let (semi_rows, semi_records) = if semi.statements == compiled.statements {
        (fetched_rows, None)
    } else {
        let fetched = db
            .fetch(semi)
            .map_err(|e| format!("fetch (semi-join): {e}"))?;
        let records = fetched.answer.into_records().map_err(|e| e.to_string())?;
        (fetched.rows, Some(records))
    };
    if semi_rows != rows {
        return Err(format!(
            "the stream read {rows} rows, fetch of the same statements {semi_rows}\n  SQL: {}",
            sql()
        ));
    }
    if let Some(records) = semi_records.filter(|r| *r != want) {
        return Err(format!(
            "fetch (semi-join) differs from fetch: {}\n  SQL: {}",
            first_difference(&compiled.plan.extraction, &want, &records),
            sql()
        ));
    }
    Ok(Compared::Streamed {
        records: want.len(),
        statements: semi.statements.len(),
    })
}

/// Where `got` first differs from `want`: the root number and both records as JSON.
pub fn first_difference(plan: &ExtractionPlan, want: &[Record], got: &[Record]) -> String {
    let at = (0..want.len().max(got.len()))
        .find(|&i| want.get(i) != got.get(i))
        .unwrap_or(0);
    let json = |r: Option<&Record>| {
        r.map_or("nothing".to_owned(), |r| {
            to_json(plan, std::slice::from_ref(r))
                .map_or_else(|e| e.to_string(), |j| j[0].to_string())
        })
    };
    format!(
        "{} roots, want {}; first difference at root {at}:\n    want {}\n    got  {}",
        got.len(),
        want.len(),
        json(want.get(at)),
        json(got.get(at)),
    )
}

/// Counts per database and strategy: what was streamed, what was left out and why.
#[derive(Debug, Default)]
pub struct Tally {
    /// (database, strategy) → (queries streamed, records streamed, queries streamed in
    /// several statements, not every record, refused).
    pub counts: BTreeMap<(&'static str, String), [usize; 5]>,
}

impl Tally {
    pub fn add(&mut self, server: Server, strategy: Strategy, compared: Compared) {
        let entry = self
            .counts
            .entry((server.name(), format!("{strategy:?}").to_lowercase()))
            .or_default();
        match compared {
            Compared::Streamed {
                records,
                statements,
            } => {
                entry[0] += 1;
                entry[1] += records;
                entry[2] += usize::from(statements > 1);
            }
            Compared::NotAll => entry[3] += 1,
            Compared::Refused => entry[4] += 1,
        }
    }

    /// The queries streamed on `server` with `strategy`.
    pub fn streamed(&self, server: Server, strategy: Strategy) -> [usize; 5] {
        let key = (server.name(), format!("{strategy:?}").to_lowercase());
        self.counts.get(&key).copied().unwrap_or_default()
    }

    pub fn print(&self, what: &str) {
        for ((server, strategy), [n, records, several, not_all, refused]) in &self.counts {
            eprintln!(
                "{what} on {server}, {strategy}: {n} streamed ({records} records, {several} in \
                 several statements), {not_all} not every record, {refused} refused"
            );
        }
    }
}

/// `query` with every strategy on `db`, each comparison tallied; a disagreement is pushed
/// on `failures`.
pub fn every_strategy(
    db: &mut Database,
    server: Server,
    graph: &RelationGraph,
    query: &Query,
    tally: &mut Tally,
    failures: &mut Vec<String>,
) {
    // Strategies that compile alike (no list to read) run once.
    let mut done: Vec<(Both<'_>, Compared)> = Vec::new();
    for strategy in STRATEGIES {
        if strategy == Strategy::Json && db.dialect().caps().json.is_none() {
            continue;
        }
        let query = query.clone().strategy(strategy);
        let outcome = compile_both(db, graph, &query).and_then(|both| match both {
            Err(compared) => Ok(compared),
            Ok(both) => match done.iter().find(|(d, _)| d.runs_as(&both)) {
                Some(&(_, compared)) => Ok(compared),
                None => {
                    let compared = compare(db, &both)?;
                    done.push((both, compared));
                    Ok(compared)
                }
            },
        });
        match outcome {
            Ok(compared) => tally.add(server, strategy, compared),
            Err(e) => failures.push(format!("{strategy:?} on {}: {e}", server.name())),
        }
    }
}
