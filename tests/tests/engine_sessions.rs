//! The session relq-mysql sets up per engine (`dialects/mysql/src/session.rs`), on the
//! real engines, reached through the environment (`scripts/clusters.sh env`):
//! 1. on a Spider head (`RELQ_SPIDER_URL`) the engines read are Spider's, the session
//!    relq opens has `join_cache_level = 8` with `mrr` and `join_cache_bka` on, and the
//!    school's joined query sends few remote statements to the data nodes
//!    (`RELQ_SPIDER_NODES`, counted as the nodes' `Com_select`), many times fewer than
//!    the same query with the server's default session, which returns the same records;
//!    a stream of the split statements too (its side connections are set up the same);
//! 2. on Galera (`RELQ_GALERA_URLS`, two nodes) the session has `wsrep_sync_wait = 1`,
//!    and 300 rounds of a write committed on node 1 then a read through relq on node 2
//!    read no stale value;
//! 3. on the plain MariaDB test server (`RELQ_MYSQL_URL`) no engine is found and no
//!    engine setting is made.
//!
//! A missing URL fails the test, never skips it. The database is the URL's (the
//! reference Galera's `relq_plain`, the project's `relq`).

mod common;

use std::ops::ControlFlow;

use common::servers::server_url;
use mysql::prelude::Queryable;
use relq::plan::{ListRoots, PlanOptions};
use relq::rows::RecordStream;
use relq::{
    Database, Fetched, Query, RelationGraph, SchemaDef, Strategy, Value, compile, compile_with,
};
use relq_mysql::Engines;

/// A raw connection to `url`.
fn connect(url: &str) -> mysql::Conn {
    let opts = mysql::Opts::from_url(url).unwrap_or_else(|e| panic!("bad URL {url}: {e}"));
    mysql::Conn::new(opts).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// The URLs of a list variable (`"URL1 URL2"`), at least `count` of them.
fn urls(var: &str, count: usize) -> Vec<String> {
    let urls: Vec<String> = server_url(var)
        .split_whitespace()
        .map(ToOwned::to_owned)
        .collect();
    assert!(
        urls.len() >= count,
        "{var} names {} URLs, not {count}",
        urls.len()
    );
    urls
}

fn open(url: &str) -> Database {
    Database::open(url).unwrap_or_else(|e| panic!("{e}"))
}

/// Fails with `what` unless `condition` (SQL) holds in `db`'s own session: MariaDB's
/// `IF` outside a stored program (MariaDB KB "IF") raising `SIGNAL`.
fn session_has(db: &mut Database, condition: &str, what: &str) {
    let check = format!(
        "IF NOT ({condition}) THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'not so'; END IF"
    );
    if let Err(e) = db.run(&check, &[]) {
        panic!("the session does not have {what}: {e}");
    }
}

/// The sum of `SHOW GLOBAL STATUS` `Com_select` over `nodes`.
fn remote_selects(nodes: &mut [mysql::Conn]) -> u64 {
    nodes
        .iter_mut()
        .map(|node| {
            let row: Option<(String, u64)> = node
                .query_first("SHOW GLOBAL STATUS LIKE 'Com_select'")
                .unwrap_or_else(|e| panic!("{e}"));
            row.map_or(0, |(_, n)| n)
        })
        .sum()
}

fn school() -> RelationGraph {
    SchemaDef::from_toml(include_str!("../../schemas/school.toml"))
        .and_then(|d| d.build())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The school's query (classes, their teachers and students, each with a category),
/// fetched with `strategy` on `db`, and the remote statements it sent.
fn counted(
    db: &mut Database,
    graph: &RelationGraph,
    strategy: Strategy,
    nodes: &mut [mysql::Conn],
) -> (Fetched, u64) {
    let query = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .strategy(strategy);
    let compiled = compile(graph, &query, db.dialect()).unwrap_or_else(|e| panic!("{e}"));
    let before = remote_selects(nodes);
    let fetched = db.fetch(&compiled).unwrap_or_else(|e| panic!("{e}"));
    (fetched, remote_selects(nodes) - before)
}

#[test]
fn a_spider_head_joins_by_batched_key_access_and_sends_few_remote_statements() {
    let url = server_url("RELQ_SPIDER_URL");
    let mut nodes: Vec<mysql::Conn> = urls("RELQ_SPIDER_NODES", 2)
        .iter()
        .map(|u| connect(u))
        .collect();
    assert_eq!(
        Engines::read(&mut connect(&url)).unwrap_or_else(|e| panic!("{e}")),
        Engines {
            spider: true,
            galera: false
        }
    );
    let graph = school();
    let mut db = open(&url);
    session_has(
        &mut db,
        "@@join_cache_level = 8 AND FIND_IN_SET('mrr=on', @@optimizer_switch) > 0 \
         AND FIND_IN_SET('join_cache_bka=on', @@optimizer_switch) > 0",
        "join_cache_level 8, mrr and join_cache_bka",
    );
    let strategies = [
        ("joined", Strategy::Joined),
        ("split", Strategy::Split),
        ("auto", Strategy::Auto),
        ("json", Strategy::Json),
    ];
    let mut with = Vec::new();
    for (name, strategy) in strategies {
        let (fetched, remote) = counted(&mut db, &graph, strategy, &mut nodes);
        eprintln!(
            "spider, relq's session: {name}: {} rows, {remote} remote SELECTs",
            fetched.rows
        );
        with.push((fetched, remote));
    }
    // A stream of the split statements reads statements 1 and 2 on side connections,
    // set up as the driver's: few remote statements there too.
    let query = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .strategy(Strategy::Split);
    let options = PlanOptions {
        list_roots: Some(ListRoots::SemiJoin),
    };
    let compiled =
        compile_with(&graph, &query, db.dialect(), &options).unwrap_or_else(|e| panic!("{e}"));
    let before = remote_selects(&mut nodes);
    let mut roots = 0;
    let each = RecordStream::new(&compiled.plan.extraction, |_| {
        roots += 1;
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    db.stream(&compiled, each).unwrap_or_else(|e| panic!("{e}"));
    let streamed = remote_selects(&mut nodes) - before;
    eprintln!("spider, relq's session: split streamed: {roots} roots, {streamed} remote SELECTs");
    assert!(streamed <= 100, "a stream sent {streamed} remote SELECTs");
    // The server's default session: the same records, many more remote statements.
    db.run(
        "SET SESSION join_cache_level = DEFAULT, optimizer_switch = DEFAULT",
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for ((name, strategy), (fetched, remote)) in strategies.into_iter().zip(&with) {
        let (default, default_remote) = counted(&mut db, &graph, strategy, &mut nodes);
        eprintln!(
            "spider, default session: {name}: {} rows, {default_remote} remote SELECTs",
            default.rows
        );
        assert_eq!(default.answer, fetched.answer, "{name}");
        if name == "joined" {
            assert!(
                *remote <= 100,
                "joined: {remote} remote SELECTs with relq's session"
            );
            assert!(
                default_remote > 5 * remote,
                "joined: {default_remote} remote SELECTs without the settings, {remote} with"
            );
        }
    }
}

#[test]
fn on_galera_a_read_waits_for_the_writes_committed_on_the_other_node() {
    let nodes = urls("RELQ_GALERA_URLS", 2);
    let table = format!("relq_sync_wait_{}", std::process::id());
    let mut writer = connect(&nodes[0]);
    assert!(
        Engines::read(&mut writer)
            .unwrap_or_else(|e| panic!("{e}"))
            .galera
    );
    writer
        .query_drop(format!(
            "CREATE OR REPLACE TABLE `{table}` (id INT PRIMARY KEY, n INT NOT NULL)"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    writer
        .query_drop(format!("INSERT INTO `{table}` VALUES (1, 0)"))
        .unwrap_or_else(|e| panic!("{e}"));
    let graph = SchemaDef::from_toml(&format!(
        "[[models]]\nname = \"Counter\"\ntable = \"{table}\"\n\
         fields = [{{ name = \"id\", type = \"integer\", primary_key = true }}, \
         {{ name = \"n\", type = \"integer\" }}]\n"
    ))
    .and_then(|d| d.build())
    .unwrap_or_else(|e| panic!("{e}"));
    let mut reader = open(&nodes[1]);
    session_has(&mut reader, "@@wsrep_sync_wait = 1", "wsrep_sync_wait 1");
    let compiled =
        compile(&graph, &Query::new("Counter"), reader.dialect()).unwrap_or_else(|e| panic!("{e}"));
    let mut rounds = |reader: &mut Database, from: i64| {
        let mut stale = 0;
        for round in from..from + 300 {
            writer
                .query_drop(format!("UPDATE `{table}` SET n = {round} WHERE id = 1"))
                .unwrap_or_else(|e| panic!("{e}"));
            let records = reader.execute(&compiled).unwrap_or_else(|e| panic!("{e}"));
            let read = records.first().and_then(|r| r.fields.get(1).cloned());
            if read != Some(Value::Int(round)) {
                stale += 1;
            }
        }
        stale
    };
    let stale = rounds(&mut reader, 1);
    // For the record, not asserted (it depends on the cluster's timing): the server's
    // default, no causality wait.
    reader
        .run("SET SESSION wsrep_sync_wait = DEFAULT", &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let unsynced = rounds(&mut reader, 1001);
    eprintln!("galera: {stale} of 300 stale with relq's session, {unsynced} with the default");
    writer
        .query_drop(format!("DROP TABLE `{table}`"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stale, 0, "stale reads of 300 on the second node");
}

#[test]
fn a_plain_mariadb_server_gets_no_engine_setting() {
    let url = server_url("RELQ_MYSQL_URL");
    assert_eq!(
        Engines::read(&mut connect(&url)).unwrap_or_else(|e| panic!("{e}")),
        Engines::default()
    );
    let mut db = open(&url);
    session_has(
        &mut db,
        "@@join_cache_level = @@global.join_cache_level \
         AND @@optimizer_switch = @@global.optimizer_switch \
         AND @@wsrep_sync_wait = @@global.wsrep_sync_wait",
        "the server's own join_cache_level, optimizer_switch and wsrep_sync_wait",
    );
}
