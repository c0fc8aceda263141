//! Connections to the test servers (PostgreSQL and MariaDB) that `bash scripts/test.sh`
//! starts. A missing URL fails the test with how to start them; nothing is skipped.

pub use relq_tests::servers::server_url;

/// A client of the PostgreSQL test server (`RELQ_POSTGRES_URL`).
pub fn postgres() -> ::postgres::Client {
    let url = server_url("RELQ_POSTGRES_URL");
    ::postgres::Client::connect(&url, ::postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {url}: {e}"))
}

/// A connection to the MariaDB test server (`RELQ_MYSQL_URL`).
pub fn mariadb() -> mysql::Conn {
    let url = server_url("RELQ_MYSQL_URL");
    let opts = mysql::Opts::from_url(&url).unwrap_or_else(|e| panic!("bad URL {url}: {e}"));
    mysql::Conn::new(opts).unwrap_or_else(|e| panic!("cannot connect to MariaDB at {url}: {e}"))
}

/// One of the three databases under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// SQLite, bundled, in memory.
    Sqlite,
    /// The PostgreSQL test server (`RELQ_POSTGRES_URL`).
    Postgres,
    /// The MariaDB test server (`RELQ_MYSQL_URL`).
    MariaDb,
}

impl Server {
    /// The three, in corpus order.
    pub const ALL: [Server; 3] = [Server::Sqlite, Server::Postgres, Server::MariaDb];

    /// A short name for messages: `sqlite`, `postgres`, `mariadb`.
    pub fn name(self) -> &'static str {
        match self {
            Server::Sqlite => "sqlite",
            Server::Postgres => "postgres",
            Server::MariaDb => "mariadb",
        }
    }
}

/// A [`relq::Database`] in a fresh, empty namespace of its own: a new in-memory SQLite
/// database, a new PostgreSQL schema first on the `search_path`, a new MariaDB database in
/// use. The namespace is dropped with the value (PostgreSQL and MariaDB servers are shared
/// by concurrent test runs, so names carry the process id).
pub struct Scratch {
    db: relq::Database,
    /// The statements that drop the namespace.
    drop: Vec<String>,
}

/// A fresh namespace named `relq_{purpose}_{process id}` on `server` (see [`Scratch`]).
pub fn scratch(server: Server, purpose: &str) -> Scratch {
    let name = format!("relq_{purpose}_{}", std::process::id());
    let (url, setup, drop) = match server {
        Server::Sqlite => ("sqlite::memory:".to_owned(), vec![], vec![]),
        Server::Postgres => (
            server_url("RELQ_POSTGRES_URL"),
            vec![
                format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"),
                format!("CREATE SCHEMA \"{name}\""),
                format!("SET search_path TO \"{name}\""),
            ],
            vec![format!("DROP SCHEMA \"{name}\" CASCADE")],
        ),
        Server::MariaDb => (
            server_url("RELQ_MYSQL_URL"),
            vec![
                format!("DROP DATABASE IF EXISTS `{name}`"),
                format!("CREATE DATABASE `{name}`"),
                format!("USE `{name}`"),
            ],
            vec![format!("DROP DATABASE `{name}`")],
        ),
    };
    let mut db = relq::Database::open(&url).unwrap_or_else(|e| panic!("{}: {e}", server.name()));
    for statement in setup {
        db.run(&statement, &[])
            .unwrap_or_else(|e| panic!("{}: {e}\n  {statement}", server.name()));
    }
    Scratch { db, drop }
}

/// [`scratch`] holding `graph`'s tables with `tables` inserted
/// ([`relq_tests::samples::load`]).
pub fn loaded(
    server: Server,
    purpose: &str,
    graph: &relq::RelationGraph,
    tables: &relq_tests::samples::Tables,
) -> Scratch {
    let mut db = scratch(server, purpose);
    relq_tests::samples::load(&mut db, graph, tables)
        .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
    db
}

impl std::ops::Deref for Scratch {
    type Target = relq::Database;
    fn deref(&self) -> &relq::Database {
        &self.db
    }
}

impl std::ops::DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut relq::Database {
        &mut self.db
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for statement in &self.drop {
            // A namespace left behind is named for this process and dropped by the next
            // run with its id; a failing drop must not hide the test's own outcome.
            let _ = self.db.run(statement, &[]);
        }
    }
}
