//! Connections to the test servers (PostgreSQL and MariaDB) that `bash scripts/test.sh`
//! starts. A missing URL fails the test with how to start them; nothing is skipped.

/// The URL in `var`, or a failure that says how to start the servers.
pub fn server_url(var: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{var} is not set: this test needs the database server. `bash scripts/test.sh` \
             starts it; by hand run `scripts/servers.sh start` and \
             `eval \"$(scripts/servers.sh env)\"`, then `cargo test` (never skipped)"
        ),
    }
}

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
