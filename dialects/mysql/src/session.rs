//! The session relq sets up on each MySQL / MariaDB connection ([`set_up_session`]), in
//! one `SET SESSION` statement: what every server needs, plus what the engines found on
//! this one need ([`Engines`], runtime facts read from the connection, never
//! configuration):
//! - always: `group_concat_max_len` at its largest on 64-bit servers (MariaDB and MySQL
//!   server-system-variables: range up to 2^64 - 1; MariaDB's default of 1 MiB
//!   truncates a `GROUP_CONCAT`, and so a JSON list, silently, with only a warning), and
//!   `NO_AUTO_VALUE_ON_ZERO` added to `sql_mode` (sql-mode.html): without it an
//!   `AUTO_INCREMENT` key written as 0 is replaced by a generated one, where SQLite and
//!   PostgreSQL store the 0 given;
//! - Spider (a head whose tables live on data nodes): three settings, each turning off
//!   a way MariaDB 10.11.19's head answers wrongly over Spider tables, each proven on the
//!   engines `scripts/clusters.sh` starts, where InnoDB answers right
//!   (`tests/engine_sessions.rs` fails without the first, `tests/corpus_on_engines.rs`
//!   without the second or the third):
//!   - `join_cache_level = 0`: no join reads a Spider table through a join buffer (MariaDB
//!     KB "Block-Based Join Algorithms": 0 turns them off; 1 and 2, the default, are the
//!     block nested loop, 3 and 4 its hashed form, 5 to 8 Batched Key Access). Scanning
//!     a Spider table after a derived table, as relq's paged roots are
//!     (`(SELECT ... LIMIT ?) AS t0`), Spider sends the join condition to the data nodes
//!     with the derived table's column written bare: `... FROM b WHERE (m0 = id)`
//!     compares `b`'s own `id` (the nodes' general log; `tests/engine_sessions.rs`
//!     answers nothing). Without a join buffer an indexed join is a key lookup per outer
//!     row, which sends no such condition (relq's DDL indexes every foreign key; an
//!     unindexed one loses its rows at every level). Batched Key Access also crashes the
//!     head (SIGSEGV in `JOIN_TAB_SCAN_MRR::next`, on the corpus's `person` self-joins);
//!   - `optimizer_switch = 'semijoin=off'`: an `EXISTS` (relq's filters across to-many
//!     relations) is not flattened into a semi-join, whose duplicate weedout
//!     (`Start temporary` / `End temporary` in `EXPLAIN`) keeps every duplicate over a
//!     Spider table: a page of authors with an `exclude` across their posts held one
//!     author four times;
//!   - `spider_semi_split_read = 0` (MariaDB KB "Spider System Variables"): Spider reads
//!     a statement with `LIMIT` in chunks sized from that limit (twice it, by default)
//!     and returned other pages of roots than InnoDB for a page with a filter and a
//!     nested limit, with every strategy.
//!
//!   The price is remote statements: the school's joined query sends 430 `SELECT`s to
//!   the data nodes, 344 with the server's defaults, 10 with a hashed join buffer or BKA
//!   (`benches/engines/remote_statements.sh`; the README's "Scaling out");
//! - Galera (`wsrep_on` with a provider loaded): `wsrep_sync_wait = 1`, so each read
//!   (`SELECT`, `SHOW`, `BEGIN` / `START TRANSACTION`) first waits until the node has
//!   applied every write set committed in the cluster before it (MariaDB KB / docs
//!   "wsrep_sync_wait": bitmask 1, READ; "causality checks"). Without it a read on one
//!   node right after a commit on another can miss that commit (`tests/engine_sessions.rs`
//!   on a two-node cluster: 30 to 54 of 300 such reads stale without it in three runs,
//!   0 with it; how many depends on the cluster's timing).
//!
//! The engine facts are read in the same round trip as the server's version
//! ([`MySql::from_conn`](crate::MySql::from_conn), [`ENGINE_FACTS`]), inside a MariaDB
//! executable comment (`/*M! ... */`, MariaDB KB "Comment Syntax"), which MySQL reads
//! as a comment: MySQL has neither Spider nor MariaDB's wsrep variables, and its facts
//! are both false.
//!
//! Invariant: every connection relq reads on gets the same session: the driver's and
//! each side connection ([`SideConnections`](crate::SideConnections)).

use mysql::prelude::Queryable;
use relq_exec::ExecError;

use crate::exec::driver;

/// The engines of a server that change the session relq sets up ([`set_up_session`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Engines {
    /// The SPIDER storage engine is installed and enabled
    /// (`information_schema.ENGINES`, SUPPORT `YES` or `DEFAULT`).
    pub spider: bool,
    /// The server is a Galera cluster node: `wsrep_on` is `ON` and `wsrep_provider` is
    /// not `none` (`information_schema.GLOBAL_VARIABLES`).
    pub galera: bool,
}

/// The two engine facts as SQL columns, each 1 or 0, written after a MariaDB select
/// list inside `/*M!, ... */` (see the module docs).
pub(crate) const ENGINE_FACTS: &str = "/*M!, (SELECT COUNT(*) FROM information_schema.ENGINES \
     WHERE ENGINE = 'SPIDER' AND SUPPORT IN ('YES', 'DEFAULT')) > 0, \
     (SELECT COUNT(*) FROM information_schema.GLOBAL_VARIABLES \
     WHERE VARIABLE_NAME = 'WSREP_ON' AND VARIABLE_VALUE = 'ON') > 0 \
     AND (SELECT COUNT(*) FROM information_schema.GLOBAL_VARIABLES \
     WHERE VARIABLE_NAME = 'WSREP_PROVIDER' AND VARIABLE_VALUE NOT IN ('', 'none')) > 0 */";

impl Engines {
    /// The engine facts of the server `conn` talks to, alone (one round trip; a
    /// [`MySql::from_conn`](crate::MySql::from_conn) reads them with the version).
    ///
    /// # Errors
    /// The driver's.
    pub fn read(conn: &mut mysql::Conn) -> Result<Self, ExecError> {
        let row: Option<mysql::Row> = conn
            .query_first(format!("SELECT 0 {ENGINE_FACTS}"))
            .map_err(driver)?;
        Ok(row.map(|row| Self::from_row(&row, 1)).unwrap_or_default())
    }

    /// The facts in the columns of `row` from `first` on (absent on MySQL: false).
    pub(crate) fn from_row(row: &mysql::Row, first: usize) -> Self {
        let fact = |k: usize| row.get::<Option<i64>, _>(first + k).flatten() == Some(1);
        Self {
            spider: fact(0),
            galera: fact(1),
        }
    }

    /// The `SET SESSION` statement for these engines (the module docs say why each).
    pub fn session_setup(self) -> String {
        let mut sql = String::from(
            "SET SESSION group_concat_max_len = 18446744073709551615, \
             sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO')",
        );
        if self.spider {
            sql.push_str(
                ", join_cache_level = 0, optimizer_switch = 'semijoin=off', \
                 spider_semi_split_read = 0",
            );
        }
        if self.galera {
            sql.push_str(", wsrep_sync_wait = 1");
        }
        sql
    }
}

/// Sets up `conn`'s session for relq on a server with `engines`
/// ([`Engines::session_setup`]): what a [`MySqlDriver`](crate::MySqlDriver) made with
/// [`MySqlDriver::new`](crate::MySqlDriver::new) sends before its first statement, and
/// what [`MySqlDriver::on_set_up_session`](crate::MySqlDriver::on_set_up_session)
/// assumes was sent.
///
/// # Errors
/// The driver's.
pub fn set_up_session(conn: &mut mysql::Conn, engines: Engines) -> Result<(), ExecError> {
    conn.query_drop(engines.session_setup()).map_err(driver)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_adds_its_settings_to_the_one_statement() {
        let plain = Engines::default().session_setup();
        assert!(
            plain.starts_with("SET SESSION group_concat_max_len"),
            "{plain}"
        );
        assert!(
            !plain.contains("join_cache_level") && !plain.contains("wsrep"),
            "{plain}"
        );
        let both = Engines {
            spider: true,
            galera: true,
        }
        .session_setup();
        assert!(
            both.ends_with(
                ", join_cache_level = 0, optimizer_switch = 'semijoin=off', \
                 spider_semi_split_read = 0, wsrep_sync_wait = 1"
            ),
            "{both}"
        );
    }
}
