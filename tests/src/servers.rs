//! The test servers (PostgreSQL and MariaDB) that `bash scripts/test.sh` starts, as every
//! test crate finds them: a missing URL fails the test with how to start them; nothing is
//! skipped.

/// The URL in `var` (`RELQ_POSTGRES_URL`, `RELQ_MYSQL_URL`), or a failure that says how to
/// start the servers.
///
/// # Panics
/// When `var` is not set: a test that needs a server fails without one, never skips.
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
