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
