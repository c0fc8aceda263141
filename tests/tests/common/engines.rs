//! The sharded and replicated engines of issue 18, which `bash scripts/test.sh` starts
//! (`scripts/clusters.sh`), and a fresh distributed namespace on one of them holding a
//! relation graph's tables ([`Distributed`]):
//!
//! - [`Engine::Spider`]: MariaDB's Spider. On each data node (`RELQ_SPIDER_NODES`) a new
//!   database with relq's tables without foreign keys; on the head (`RELQ_SPIDER_URL`) a
//!   database of the same name whose tables are `ENGINE=SPIDER`, `PARTITION BY KEY` (the
//!   primary key) with one partition per data node (servers `d1`, `d2`), each partition's
//!   comment naming its server and the table's database and name (MariaDB manual, "Spider
//!   Table Parameters": `srv`, `database`, `table`; a table whose name a comment cannot
//!   hold is `relq_table_{model number}` on the nodes). Unique keys stay on the data nodes
//!   (MariaDB refuses a unique key without the partitioning columns, ERROR 1503).
//! - [`Engine::Fdw`]: PostgreSQL partitioning over postgres_fdw. On each shard
//!   (`RELQ_FDW_SHARDS`) a new schema with relq's tables without foreign keys; on the
//!   coordinator (`RELQ_FDW_URL`) a schema of the same name whose tables are
//!   `PARTITION BY HASH` (the primary key) with two partitions, foreign tables on the
//!   servers `shard1` and `shard2` naming the shards' schema and table. The coordinator's
//!   tables have no key at all (no unique index is possible on them).
//! - [`Engine::Galera`]: two MariaDB Galera nodes (`RELQ_GALERA_URLS`). relq's own tables
//!   in a new database on the first, rows written there, read on the second once it has
//!   applied them (`wsrep_sync_wait`).
//!
//! The DDL is relq's (`relq_sql::create_tables_with`, keys left out as
//! [`relq_sql::TableKeys`] says); only the engine clauses are added here. Rows go in
//! through the head, the coordinator or the first Galera node (`Database::insert`), which
//! route them to their partitions; queries read through the head, the coordinator or the
//! second Galera node. Everything is dropped with the [`Distributed`] value.
//!
//! A missing URL fails the test with how to start the engines; nothing is skipped.

use mysql::prelude::Queryable;
use relq::{Database, RelationGraph, Value};
use relq_graph::Model;
use relq_sql::{TableKeys, create_tables_with};

/// One of the distributed engines under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// MariaDB Spider: a head whose tables are partitioned over two data nodes.
    Spider,
    /// PostgreSQL whose tables are hash-partitioned into postgres_fdw foreign tables.
    Fdw,
    /// MariaDB Galera: written on one node, read on the other.
    Galera,
}

impl Engine {
    /// The three.
    pub const ALL: [Engine; 3] = [Engine::Spider, Engine::Fdw, Engine::Galera];

    /// A short name for messages: `spider`, `fdw`, `galera`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Spider => "spider",
            Engine::Fdw => "fdw",
            Engine::Galera => "galera",
        }
    }

    /// The plain test server of the engine's dialect, where the same tables and rows give
    /// the answer to compare with: MariaDB for Spider and Galera, PostgreSQL for Fdw.
    pub fn plain_server(self) -> super::servers::Server {
        match self {
            Engine::Spider | Engine::Galera => super::servers::Server::MariaDb,
            Engine::Fdw => super::servers::Server::Postgres,
        }
    }
}

/// The URL in `var`, or a failure that says how to start the engines.
///
/// # Panics
/// When `var` is not set: a test that needs an engine fails without it, never skips.
pub fn engine_url(var: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{var} is not set: this test needs the sharded and replicated engines. \
             `bash scripts/test.sh` starts them; by hand run `scripts/clusters.sh start` and \
             `eval \"$(scripts/clusters.sh env)\"` (never skipped)"
        ),
    }
}

/// The two URLs of a space-separated pair in `var` (`RELQ_SPIDER_NODES`, ...).
pub fn url_pair(var: &str) -> [String; 2] {
    let urls: Vec<String> = engine_url(var)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    match <[String; 2]>::try_from(urls) {
        Ok(pair) => pair,
        Err(urls) => panic!("{var} holds {} URLs, not 2: {urls:?}", urls.len()),
    }
}

fn open(url: &str) -> Result<Database, String> {
    Database::open(url).map_err(|e| e.to_string())
}

/// A raw MariaDB connection to `url`.
pub fn mariadb(url: &str) -> Result<mysql::Conn, String> {
    let opts = mysql::Opts::from_url(url).map_err(|e| format!("bad URL {url}: {e}"))?;
    mysql::Conn::new(opts).map_err(|e| format!("cannot connect to {url}: {e}"))
}

/// Runs `statements` on `db`, each failure naming the statement and `place`.
fn run_all(db: &mut Database, place: &str, statements: &[String]) -> Result<(), String> {
    for sql in statements {
        db.run(sql, &[])
            .map_err(|e| format!("{place}: {e}\n  {sql}"))?;
    }
    Ok(())
}

/// A name as a quoted identifier (`q` the quote character, doubled inside).
fn quoted(q: char, name: &str) -> String {
    let mut out = String::new();
    relq_sql::push_quoted(&mut out, q, name);
    out
}

/// A name as an SQL string literal (`'` doubled).
fn literal(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

/// Whether `name` can be a Spider comment's `"..."` parameter value as it is (inside the
/// comment's `'...'` string): no quote of either kind, no backslash, and no backtick
/// (MariaDB 10.11's Spider does not double it when it names the remote table: "Remote
/// table 'db.pet``s' is not found").
fn spider_can_name(name: &str) -> bool {
    !name.contains(['"', '\'', '\\', '`'])
}

/// A fresh namespace on an [`Engine`] holding a graph's tables, distributed as the module
/// doc says; rows go in with [`insert`](Distributed::insert), queries read through
/// [`reader`](Distributed::reader). Dropped everywhere with the value.
pub struct Distributed {
    engine: Engine,
    /// The head, the coordinator, or the first Galera node: where rows are written.
    writer: Database,
    /// The second Galera node (the others read where they write).
    reader: Option<Database>,
    /// An admin connection to the second Galera node, that waits for it to catch up.
    galera_sync: Option<mysql::Conn>,
    /// The data nodes or shards (their namespace is dropped after the writer's).
    nodes: Vec<Database>,
    /// The statement that drops the namespace, on the writer and each node.
    drop: String,
}

impl Distributed {
    /// `graph`'s tables, empty, in a new namespace `relq_e_{purpose}_{process id}` on
    /// `engine` (an earlier one of the same name dropped first).
    ///
    /// # Errors
    /// A connection or statement that failed, naming the server and the statement.
    pub fn create(engine: Engine, purpose: &str, graph: &RelationGraph) -> Result<Self, String> {
        let name = format!("relq_e_{purpose}_{}", std::process::id());
        match engine {
            Engine::Spider => Self::spider(&name, graph),
            Engine::Fdw => Self::fdw(&name, graph),
            Engine::Galera => Self::galera(&name, graph),
        }
    }

    fn spider(name: &str, graph: &RelationGraph) -> Result<Self, String> {
        let db = quoted('`', name);
        let fresh = [
            format!("DROP DATABASE IF EXISTS {db}"),
            format!("CREATE DATABASE {db}"),
            format!("USE {db}"),
        ];
        // The data nodes' table of each model: its own name, or `relq_table_{number}` when
        // the name cannot be written in a Spider comment (renamed on the nodes).
        let remote: Vec<String> = graph
            .models()
            .enumerate()
            .map(|(i, m)| {
                if spider_can_name(m.table()) {
                    m.table().to_owned()
                } else {
                    format!("relq_table_{i}")
                }
            })
            .collect();
        let mut nodes = Vec::new();
        for (i, url) in url_pair("RELQ_SPIDER_NODES").iter().enumerate() {
            let place = format!("Spider data node d{}", i + 1);
            let mut node = open(url).map_err(|e| format!("{place}: {e}"))?;
            run_all(&mut node, &place, &fresh)?;
            let mut tables = create_tables_with(
                graph,
                node.dialect(),
                TableKeys {
                    foreign: false,
                    ..TableKeys::ALL
                },
            );
            for (model, remote) in graph.models().zip(&remote) {
                if model.table() != remote {
                    tables.push(format!(
                        "RENAME TABLE {} TO {}",
                        quoted('`', model.table()),
                        quoted('`', remote)
                    ));
                }
            }
            run_all(&mut node, &place, &tables)?;
            nodes.push(node);
        }
        let mut head =
            open(&engine_url("RELQ_SPIDER_URL")).map_err(|e| format!("Spider head: {e}"))?;
        run_all(&mut head, "Spider head", &fresh)?;
        let keys = TableKeys {
            primary: true,
            unique: false,
            foreign: false,
        };
        let mut tables = create_tables_with(graph, head.dialect(), keys);
        for (model, table) in graph.models().zip(&remote) {
            let create = format!("CREATE TABLE {} (", quoted('`', model.table()));
            let database = name;
            let pk = quoted('`', model.primary_key().column());
            let statement = tables
                .iter_mut()
                .find(|s| s.starts_with(&create))
                .ok_or_else(|| format!("no CREATE TABLE for `{}`", model.table()))?;
            statement.push_str(&format!(
                " ENGINE=SPIDER COMMENT='wrapper \"mysql\", database \"{database}\", table \"{table}\"' \
                 PARTITION BY KEY ({pk}) (PARTITION p0 COMMENT='srv \"d1\"', PARTITION p1 COMMENT='srv \"d2\"')"
            ));
        }
        run_all(&mut head, "Spider head", &tables)?;
        Ok(Distributed {
            engine: Engine::Spider,
            writer: head,
            reader: None,
            galera_sync: None,
            nodes,
            drop: format!("DROP DATABASE IF EXISTS {db}"),
        })
    }

    fn fdw(name: &str, graph: &RelationGraph) -> Result<Self, String> {
        let schema = quoted('"', name);
        let fresh = [
            format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
            format!("CREATE SCHEMA {schema}"),
            format!("SET search_path TO {schema}"),
        ];
        let mut nodes = Vec::new();
        for (i, url) in url_pair("RELQ_FDW_SHARDS").iter().enumerate() {
            let place = format!("shard{}", i + 1);
            let mut shard = open(url).map_err(|e| format!("{place}: {e}"))?;
            run_all(&mut shard, &place, &fresh)?;
            let tables = create_tables_with(
                graph,
                shard.dialect(),
                TableKeys {
                    foreign: false,
                    ..TableKeys::ALL
                },
            );
            run_all(&mut shard, &place, &tables)?;
            nodes.push(shard);
        }
        let mut coordinator =
            open(&engine_url("RELQ_FDW_URL")).map_err(|e| format!("coordinator: {e}"))?;
        run_all(&mut coordinator, "coordinator", &fresh)?;
        let keys = TableKeys {
            primary: false,
            unique: false,
            foreign: false,
        };
        let mut tables = create_tables_with(graph, coordinator.dialect(), keys);
        let mut partitions = Vec::new();
        for (i, model) in graph.models().enumerate() {
            let table = quoted('"', model.table());
            let create = format!("CREATE TABLE {table} (");
            let pk = quoted('"', model.primary_key().column());
            let statement = tables
                .iter_mut()
                .find(|s| s.starts_with(&create))
                .ok_or_else(|| format!("no CREATE TABLE for `{}`", model.table()))?;
            statement.push_str(&format!(" PARTITION BY HASH ({pk})"));
            for remainder in 0..2 {
                // Named by the model's number: a table's name may be as long as an
                // identifier can be.
                let partition = quoted('"', &format!("relq_partition_{i}_{remainder}"));
                partitions.push(format!(
                    "CREATE FOREIGN TABLE {partition} PARTITION OF {table} \
                     FOR VALUES WITH (MODULUS 2, REMAINDER {remainder}) SERVER shard{} \
                     OPTIONS (schema_name {}, table_name {})",
                    remainder + 1,
                    literal(name),
                    literal(model.table())
                ));
            }
        }
        // The partitions after every table and index: an index on a partitioned table
        // skips its foreign partitions.
        tables.extend(partitions);
        run_all(&mut coordinator, "coordinator", &tables)?;
        Ok(Distributed {
            engine: Engine::Fdw,
            writer: coordinator,
            reader: None,
            galera_sync: None,
            nodes,
            drop: format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        })
    }

    fn galera(name: &str, graph: &RelationGraph) -> Result<Self, String> {
        let [first, second] = url_pair("RELQ_GALERA_URLS");
        let db = quoted('`', name);
        let mut writer = open(&first).map_err(|e| format!("Galera node 1: {e}"))?;
        run_all(
            &mut writer,
            "Galera node 1",
            &[
                format!("DROP DATABASE IF EXISTS {db}"),
                format!("CREATE DATABASE {db}"),
                format!("USE {db}"),
            ],
        )?;
        writer
            .create_tables(graph)
            .map_err(|e| format!("Galera node 1: {e}"))?;
        let mut sync = mariadb(&second).map_err(|e| format!("Galera node 2: {e}"))?;
        sync.query_drop("SET SESSION wsrep_sync_wait = 1")
            .map_err(|e| format!("Galera node 2: {e}"))?;
        let mut distributed = Distributed {
            engine: Engine::Galera,
            writer,
            reader: None,
            galera_sync: Some(sync),
            nodes: Vec::new(),
            drop: format!("DROP DATABASE IF EXISTS {db}"),
        };
        // The database exists on the second node once it has applied the first's writes.
        distributed.wait_for_replicas()?;
        let mut reader = open(&second).map_err(|e| format!("Galera node 2: {e}"))?;
        run_all(&mut reader, "Galera node 2", &[format!("USE {db}")])?;
        distributed.reader = Some(reader);
        Ok(distributed)
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Inserts `rows` (one value per field of `model`, in field order) through the head,
    /// the coordinator or the first Galera node ([`Database::insert`]).
    ///
    /// # Errors
    /// The database's error, naming the table.
    pub fn insert(&mut self, model: Model<'_>, rows: &[Vec<Value>]) -> Result<(), String> {
        if rows.is_empty() {
            return Ok(());
        }
        self.writer
            .insert(model, rows)
            .map(drop)
            .map_err(|e| format!("{}: insert into {}: {e}", self.engine.name(), model.table()))
    }

    /// The connection queries read through: the Spider head, the coordinator, or the
    /// second Galera node, after it has applied every write of the first so far.
    ///
    /// # Errors
    /// The second Galera node's error while waiting.
    pub fn reader(&mut self) -> Result<&mut Database, String> {
        self.wait_for_replicas()?;
        Ok(self.reader.as_mut().unwrap_or(&mut self.writer))
    }

    /// On Galera, one read on the second node with `wsrep_sync_wait = 1`: it returns once
    /// that node has applied every write committed in the cluster before it (MariaDB
    /// manual, "wsrep_sync_wait"). Nothing elsewhere.
    fn wait_for_replicas(&mut self) -> Result<(), String> {
        if let Some(sync) = &mut self.galera_sync {
            sync.query_drop("SELECT COUNT(*) FROM information_schema.SCHEMATA")
                .map_err(|e| format!("Galera node 2, waiting for the writes of node 1: {e}"))?;
        }
        Ok(())
    }
}

impl Drop for Distributed {
    fn drop(&mut self) {
        // A namespace left behind carries this process's id and is dropped by the next run
        // with it; a failing drop must not hide the test's own outcome.
        let _ = self.writer.run(&self.drop, &[]);
        for node in &mut self.nodes {
            let _ = node.run(&self.drop, &[]);
        }
    }
}
