//! The random differential property test of writes: random schemas (`loadable_schema`:
//! foreign keys nullable and required with their reverse sides, a self-reference,
//! many-to-many relations through a generated model and through a declared one with a
//! `weight`; here also a declared unique key on some models: `name`, `name` + `title`
//! (nullable), `fk0` + `name` or `code`), random rows (`data_shape`, rows breaking a
//! unique key left out) and random sequences of batches of operations (`write_ops`: all
//! ten kinds, through every relation kind, targets and owners that exist or not,
//! `keep_reversed` both ways, upserts on the unique key and on fields that are not unique,
//! `update` / `delete` filtered across relations) run through `compile_write` and
//! `Database::apply` on SQLite (in memory), PostgreSQL and MariaDB, and on the in-memory
//! reference model (`write_reference`).
//!
//! After each batch, for each database: whether the batch compiled and applied, and if
//! not which operation failed how (a compile error, `Missing`, `Violation` with its
//! constraint, `LookupNotUnique`), must be what the reference says; on success each
//! operation's `affected`, `keys` and `created` must be the reference's (MariaDB's
//! `affected` for an UPDATE counts changed rows, its reference does too); and every table
//! read back (ordered by primary key) must hold the reference's rows. Across the three
//! databases the outcomes and the tables must be the same, up to the values of generated
//! keys: those are each database's choice (sequences and AUTO_INCREMENT do not roll
//! back), so rows are compared by their position in the reference and the rows their keys
//! point at; a through row's own generated key is never reported and is left out.
//!
//! Each case gets fresh tables: a new in-memory SQLite database, and on the servers one
//! PostgreSQL schema and one MariaDB database named `relq_wprop_<pid>`, made again per
//! case and dropped at the end.
//!
//! Cases: 24 by default (about 20 s for the three databases in debug, most of it MariaDB
//! making tables);
//! more with `RELQ_WRITE_CASES=1000 cargo test -p relq-tests --test write_differential`
//! (with the server URLs of `eval "$(scripts/servers.sh env)"`). Failures shrink and are
//! kept in `tests/proptest-regressions/write_differential.txt`. A missing server URL fails
//! the test, never skips it.

mod common;

use std::cell::RefCell;
use std::fmt::Write as _;

use common::servers::{Server, scratch, server_url};
use common::strategies::{DataShape, data_shape, fill_order, loadable_schema};
use common::write_ops::{OpShape, Resolver, referenced, sequence};
use common::write_reference::{Broken, Done, Failure, Flavor, Tables, apply};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use relq::exec::{Constraint, ExecErrorKind};
use relq::{Database, Operation, Query, RelationGraph, SchemaDef, Value, compile, compile_write};

/// Cases when `RELQ_WRITE_CASES` is not set.
const DEFAULT_CASES: u32 = 24;

struct Databases {
    dbs: [(Flavor, Database); 3],
    namespace: String,
}

impl Databases {
    fn open() -> Self {
        let open = |url: &str| Database::open(url).unwrap_or_else(|e| panic!("{e}"));
        Databases {
            dbs: [
                (Flavor::Sqlite, open("sqlite::memory:")),
                (Flavor::Postgres, open(&server_url("RELQ_POSTGRES_URL"))),
                (Flavor::MariaDb, open(&server_url("RELQ_MYSQL_URL"))),
            ],
            namespace: format!("relq_wprop_{}", std::process::id()),
        }
    }

    /// Fresh, empty namespaces.
    fn reset(&mut self) -> Result<(), String> {
        let n = &self.namespace;
        for (flavor, db) in &mut self.dbs {
            let statements = match flavor {
                Flavor::Sqlite => {
                    *db = Database::open("sqlite::memory:").map_err(|e| e.to_string())?;
                    continue;
                }
                Flavor::Postgres => [
                    format!("DROP SCHEMA IF EXISTS {n} CASCADE"),
                    format!("CREATE SCHEMA {n}"),
                    format!("SET search_path TO {n}"),
                ],
                Flavor::MariaDb => [
                    format!("DROP DATABASE IF EXISTS {n}"),
                    format!("CREATE DATABASE {n}"),
                    format!("USE {n}"),
                ],
            };
            for sql in statements {
                db.run(&sql, &[]).map_err(|e| format!("{flavor:?}: {e}"))?;
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        let n = &self.namespace;
        for (flavor, db) in &mut self.dbs {
            let sql = match flavor {
                Flavor::Sqlite => continue,
                Flavor::Postgres => format!("DROP SCHEMA IF EXISTS {n} CASCADE"),
                Flavor::MariaDb => format!("DROP DATABASE IF EXISTS {n}"),
            };
            db.run(&sql, &[])
                .unwrap_or_else(|e| panic!("dropping {n}: {e}"));
        }
    }
}

/// `loadable_schema` with a unique key declared on some models (choice 2 to 4 of 5).
fn schema() -> impl Strategy<Value = SchemaDef> {
    (loadable_schema(), prop::collection::vec(0u8..5, 6)).prop_map(|(mut def, keys)| {
        let declared = def.models.iter_mut().filter(|m| m.name.starts_with('M'));
        for (m, key) in declared.zip(keys) {
            let has = |name: &str| m.fields.iter().any(|f| f.name == name);
            let has_fk0 = m.foreign_keys.iter().any(|f| f.name == "fk0");
            let fields: Vec<&str> = match key {
                2 => vec!["name"],
                3 if has("title") => vec!["name", "title"],
                3 => vec!["name"],
                4 if has_fk0 => vec!["fk0", "name"],
                4 if has("code") => vec!["code"],
                _ => continue,
            };
            m.unique
                .push(fields.into_iter().map(str::to_owned).collect());
        }
        def
    })
}

fn pk_at(graph: &RelationGraph, m: relq::graph::ModelId) -> usize {
    graph
        .model(m)
        .fields()
        .position(|f| f.is_primary_key())
        .expect("a primary key")
}

/// `rows` without the rows that break a unique key, and then without those whose
/// references lead nowhere, until none is left out.
fn consistent(graph: &RelationGraph, mut rows: Tables) -> Tables {
    loop {
        let before: usize = rows.iter().map(Vec::len).sum();
        for m in graph.models() {
            let keys: Vec<Vec<usize>> = m
                .unique_keys()
                .map(|k| {
                    k.fields()
                        .map(|f| m.fields().position(|g| g.id() == f.id()).expect("a field"))
                        .collect()
                })
                .collect();
            let mut kept: Vec<Vec<Value>> = Vec::new();
            for row in std::mem::take(&mut rows[m.id().index()]) {
                let clash = kept.iter().any(|k| {
                    keys.iter()
                        .any(|key| key.iter().all(|&i| !row[i].is_null() && row[i] == k[i]))
                });
                if !clash {
                    kept.push(row);
                }
            }
            rows[m.id().index()] = kept;
        }
        let snapshot = rows.clone();
        for m in graph.models() {
            rows[m.id().index()].retain(|row| {
                m.fields().enumerate().all(|(i, f)| match referenced(f) {
                    Some(t) if !row[i].is_null() => {
                        let at = pk_at(graph, t);
                        snapshot[t.index()].iter().any(|r| r[at] == row[i])
                    }
                    _ => true,
                })
            });
        }
        if rows.iter().map(Vec::len).sum::<usize>() == before {
            return rows;
        }
    }
}

/// Every table of `graph` on `db`, ordered by primary key.
fn read_back(db: &mut Database, graph: &RelationGraph) -> Result<Tables, String> {
    let mut tables = vec![Vec::new(); graph.models().len()];
    for m in graph.models() {
        let compiled =
            compile(graph, &Query::new(m.name()), db.dialect()).map_err(|e| e.to_string())?;
        let records = db.execute(&compiled).map_err(|e| e.to_string())?;
        tables[m.id().index()] = records.into_iter().map(|r| r.fields).collect();
    }
    Ok(tables)
}

/// A table as compared with a database's: ordered by primary key; a through model's rows
/// without their key (the database's choice, never reported), in order of their values.
fn comparable(graph: &RelationGraph, tables: &Tables) -> Tables {
    graph
        .models()
        .map(|m| {
            let at = pk_at(graph, m.id());
            let mut rows = tables[m.id().index()].clone();
            if m.through_of().is_some() {
                for r in &mut rows {
                    r.remove(at);
                }
                rows.sort_by_key(|r| format!("{r:?}"));
            } else {
                rows.sort_by_key(|r| match r[at] {
                    Value::Int(i) => i,
                    _ => i64::MIN,
                });
            }
            rows
        })
        .collect()
}

/// The tables with every key replaced by the position of its row in the reference: the
/// same on every database whatever keys it generated.
fn positional(graph: &RelationGraph, tables: &Tables) -> Tables {
    let position = |m: relq::graph::ModelId, key: &Value| {
        let at = pk_at(graph, m);
        let i = tables[m.index()].iter().position(|r| &r[at] == key);
        Value::Int(i.map_or(-1, |i| i as i64))
    };
    graph
        .models()
        .map(|m| {
            tables[m.id().index()]
                .iter()
                .map(|row| {
                    m.fields()
                        .zip(row)
                        .map(|(f, v)| match referenced(f) {
                            _ if f.is_primary_key() => position(m.id(), v),
                            Some(t) if !v.is_null() => position(t, v),
                            _ => v.clone(),
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The database's outcome of a batch, in the reference's terms.
fn run_batch(
    db: &mut Database,
    graph: &RelationGraph,
    ops: &[Operation],
) -> Result<Vec<Done>, Failure> {
    let write =
        compile_write(graph, ops, db.dialect()).map_err(|e| Failure::Compile(e.operation()))?;
    let outcomes = db.apply(&write).map_err(|e| match e.kind() {
        ExecErrorKind::Missing { operation, .. } => Failure::Missing(*operation),
        ExecErrorKind::LookupNotUnique { operation, .. } => Failure::NotUnique(*operation),
        ExecErrorKind::Violation {
            operation,
            constraint,
            ..
        } => Failure::Violation(
            *operation,
            match constraint {
                Constraint::Unique => Broken::Unique,
                Constraint::ForeignKey => Broken::ForeignKey,
                Constraint::NotNull => Broken::NotNull,
                _ => Broken::Check,
            },
        ),
        ExecErrorKind::Write { operation, .. } => Failure::Other(*operation, e.to_string()),
        _ => Failure::Other(usize::MAX, e.to_string()),
    })?;
    Ok(outcomes
        .into_iter()
        .map(|o| Done {
            affected: o.affected,
            keys: o.keys,
            created: o.created,
        })
        .collect())
}

/// Whether two outcomes are the same kind of thing (messages aside).
fn same_failure(a: &Failure, b: &Failure) -> bool {
    match (a, b) {
        (Failure::Other(i, _), Failure::Other(j, _)) => i == j,
        _ => a == b,
    }
}

/// One database's run of the sequence: each batch's outcome, and the reference's
/// tables at the end; its disagreements with the reference in `failures`.
#[allow(clippy::type_complexity)]
fn run_on(
    flavor: Flavor,
    db: &mut Database,
    graph: &RelationGraph,
    rows: &Tables,
    batches: &[Vec<OpShape>],
    failures: &mut Vec<String>,
) -> Result<(Vec<Result<Vec<Done>, Failure>>, Tables), String> {
    db.create_tables(graph).map_err(|e| e.to_string())?;
    for model in fill_order(graph) {
        let table = &rows[model.index()];
        if !table.is_empty() {
            db.insert(graph.model(model), table)
                .map_err(|e| e.to_string())?;
        }
    }
    let mut tables = rows.clone();
    let mut log = Vec::new();
    for (b, batch) in batches.iter().enumerate() {
        let resolver = Resolver {
            graph,
            tables: &tables,
        };
        let ops: Vec<Operation> = batch.iter().map(|s| resolver.operation(s)).collect();
        let got = run_batch(db, graph, &ops);
        let reported: Vec<Vec<Value>> = match &got {
            Ok(done) => done.iter().map(|d| d.keys.clone()).collect(),
            Err(_) => Vec::new(),
        };
        let want = apply(graph, &mut tables, &ops, flavor, &reported);
        let agree = match (&want, &got) {
            (Ok(w), Ok(g)) => w == g,
            (Err(w), Err(g)) => same_failure(w, g),
            _ => false,
        };
        let json = serde_json::to_string(&ops).unwrap_or_default();
        // `RELQ_WRITE_STATS=1` (with `--nocapture`): what the batches did, to see that
        // the draws are not vacuous (most neither all failing nor all compile errors).
        if flavor == Flavor::Sqlite && std::env::var_os("RELQ_WRITE_STATS").is_some() {
            let names: Vec<&str> = ops.iter().map(Operation::name).collect();
            eprintln!("write batch {names:?}: {got:?}");
        }
        if flavor == Flavor::Sqlite {
            failures.push(format!("(batch {b}: {json} -> {got:?})"));
        }
        if !agree {
            failures.push(format!(
                "{flavor:?}, batch {b}: {json}\n    reference: {want:?}\n    database:  {got:?}"
            ));
        }
        let read = read_back(db, graph)?;
        let (want_tables, got_tables) = (comparable(graph, &tables), comparable(graph, &read));
        if want_tables != got_tables {
            let mut text = format!("{flavor:?}, after batch {b} ({json}), tables differ:");
            for m in graph.models() {
                let (w, g) = (&want_tables[m.id().index()], &got_tables[m.id().index()]);
                if w != g {
                    let _ = write!(
                        text,
                        "\n    {}: reference {w:?}\n    {}  database  {g:?}",
                        m.name(),
                        " ".repeat(m.name().len())
                    );
                }
            }
            failures.push(text);
            // Later batches would start from different rows: this database stops here.
            log.push(got);
            break;
        }
        log.push(got);
    }
    Ok((log, positional(graph, &tables)))
}

fn describe(graph: &RelationGraph, rows: &Tables) -> String {
    let mut text = String::new();
    for m in graph.models() {
        let fields: Vec<&str> = m.fields().map(|f| f.name()).collect();
        let _ = writeln!(
            text,
            "{} ({}): {:?}",
            m.name(),
            fields.join(", "),
            rows[m.id().index()]
        );
    }
    text
}

fn check(
    dbs: &mut Databases,
    def: &SchemaDef,
    data: &DataShape,
    batches: &[Vec<OpShape>],
) -> Result<(), TestCaseError> {
    let graph = def
        .build()
        .map_err(|e| TestCaseError::fail(format!("schema: {e}")))?;
    let rows = consistent(&graph, data.rows(&graph));
    dbs.reset().map_err(TestCaseError::fail)?;
    let mut failures = Vec::new();
    let mut runs = Vec::new();
    for (flavor, db) in &mut dbs.dbs {
        match run_on(*flavor, db, &graph, &rows, batches, &mut failures) {
            Ok(run) => runs.push((*flavor, run)),
            Err(e) => failures.push(format!("{flavor:?}: {e}")),
        }
    }
    // Across the databases: the same outcomes (counts where the dialects promise the
    // same), the same tables up to generated keys. MariaDB's own reference differs where
    // InnoDB checks constraints row by row (which constraint, even which operation,
    // fails first; a row referencing itself cannot be deleted): where its outcomes
    // differ, it was held to that reference above, and its tables are not compared.
    if let Some((first, (log, tables))) = runs.first() {
        for (flavor, (other_log, other_tables)) in &runs[1..] {
            if log.len() != other_log.len() {
                continue; // one of them stopped at a difference, reported already
            }
            let mut differ = Vec::new();
            for (b, (x, y)) in log.iter().zip(other_log).enumerate() {
                let agree = match (x, y) {
                    (Ok(x), Ok(y)) => {
                        x.len() == y.len()
                            && x.iter().zip(y).all(|(p, q)| {
                                p.created == q.created
                                    && p.keys.len() == q.keys.len()
                                    && (*flavor == Flavor::MariaDb || p.affected == q.affected)
                            })
                    }
                    (Err(x), Err(y)) => same_failure(x, y),
                    _ => false,
                };
                if !agree {
                    differ.push(format!("batch {b}: {first:?} {x:?}, {flavor:?} {y:?}"));
                }
            }
            if *flavor == Flavor::MariaDb && !differ.is_empty() {
                continue;
            }
            failures.extend(differ);
            if tables != other_tables {
                failures.push(format!(
                    "{first:?} and {flavor:?} end with different tables (by position):\n{}\n{}",
                    describe(&graph, tables),
                    describe(&graph, other_tables)
                ));
            }
        }
    }
    if failures.iter().all(|f| f.starts_with("(batch")) {
        return Ok(());
    }
    Err(TestCaseError::fail(format!(
        "the databases disagree with the reference\nschema:\n{}\ndata:\n{}{}",
        def.to_toml().unwrap_or_else(|e| e.to_string()),
        describe(&graph, &rows),
        failures.join("\n"),
    )))
}

#[test]
fn random_write_sequences_agree_on_three_databases_and_the_reference() {
    let cases = std::env::var("RELQ_WRITE_CASES")
        .ok()
        .map(|n| n.parse().expect("RELQ_WRITE_CASES is a number"))
        .unwrap_or(DEFAULT_CASES);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/write_differential.txt",
        ))),
        // Each shrink step makes tables on three databases: enough steps to reach a
        // small case, few enough to fail within minutes.
        max_shrink_iters: 300,
        ..Config::default()
    };
    let dbs = RefCell::new(Databases::open());
    let result = TestRunner::new(config).run(
        &(schema(), data_shape(), sequence()),
        |(def, data, batches)| check(&mut dbs.borrow_mut(), &def, &data, &batches),
    );
    dbs.borrow_mut().close();
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The shrunk case of a bug the test found: `get_or_create` by a declared unique key with
/// a default naming a field of that key. SQLite and PostgreSQL upserted on the key's
/// values as inserted (the default's), so the insert did not meet the record the lookup
/// names: it made a second record (or failed on another constraint) where
/// select-then-insert (MariaDB, and Django) finds the record.
#[test]
fn get_or_create_with_a_default_naming_a_lookup_field_finds_the_record() {
    let graph = SchemaDef::from_toml(
        r#"
        [[models]]
        name = "Tag"
        fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
        unique = [["name"]]
        "#,
    )
    .and_then(|d| d.build())
    .expect("a schema");
    let tag = graph.model_by_name("Tag").expect("Tag");
    let op: Operation = serde_json::from_str(
        r#"{"op": "get_or_create", "model": "Tag", "lookup": {"name": "a"}, "defaults": {"name": "b"}}"#,
    )
    .expect("an operation");
    for server in Server::ALL {
        let mut db = scratch(server, "wregress");
        let flavor = server.name();
        db.create_tables(&graph).expect("tables");
        let rows = [vec![Value::Int(1), Value::Text("a".into())]];
        db.insert(tag, &rows).expect("rows");
        let write =
            compile_write(&graph, std::slice::from_ref(&op), db.dialect()).expect("compiles");
        let outcome = db
            .apply(&write)
            .unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(outcome[0].keys, [Value::Int(1)], "{flavor:?}");
        assert_eq!(outcome[0].created, Some(false), "{flavor:?}");
    }
}
