//! What the `relq` end-to-end tests share: running the built binary, and the school
//! database (schemas/school.toml with a few rows) in a temporary SQLite file, in a fresh
//! PostgreSQL schema and in a fresh MariaDB database, each dropped when the test ends.
//! A missing server URL fails the test, never skips it.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use relq::Database;
use relq_sample::Sample;
use relq_tests::samples;

/// The repository's root (schema files are given relative to it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `relq` with `args` from the repository's root.
pub fn relq(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_relq"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run relq: {e}"))
}

/// What a successful run printed on stdout; panics with stderr otherwise.
pub fn stdout(args: &[&str]) -> String {
    let out = relq(args);
    assert!(
        out.status.success(),
        "relq {args:?} failed with {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A failed run: its exit status and stderr.
pub fn failure(args: &[&str]) -> (Option<i32>, String) {
    let out = relq(args);
    assert!(
        out.stdout.is_empty(),
        "stdout of a failure: {:?}",
        out.stdout
    );
    (
        out.status.code(),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

pub use relq_tests::servers::server_url;

/// A database the test owns: its URL; dropped (file removed, database dropped)
/// with the value.
pub struct School {
    /// The URL to give `--db`.
    pub url: String,
    /// How to remove it: the SQLite file, or the server's URL and the database's name.
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    /// A statement run on the server's own database.
    Server {
        admin_url: String,
        drop: String,
    },
}

impl Drop for School {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                let _ = std::fs::remove_file(path);
            }
            Cleanup::Server { admin_url, drop } => {
                if let Ok(mut db) = Database::open(admin_url) {
                    let _ = db.run(drop, &[]);
                }
            }
        }
    }
}

/// A name unique to this process and call: `relq_cli_<pid>_<n>`.
fn unique_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "relq_cli_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new, empty SQLite file.
pub fn empty_sqlite() -> School {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    std::fs::write(&path, b"").expect("temp file");
    School {
        url: format!("sqlite:{}", path.display()),
        cleanup: Cleanup::File(path),
    }
}

/// The school database in a new SQLite file.
pub fn sqlite_school() -> School {
    let school = empty_sqlite();
    fill(&school.url);
    school
}

/// The school database in a new PostgreSQL schema (the test role may not create
/// databases; a URL selects a schema through the server option `search_path`) or a new
/// MariaDB database.
fn server_school(var: &str) -> School {
    let admin_url = server_url(var);
    let name = unique_name();
    let (kind, url) = if var == "RELQ_POSTGRES_URL" {
        let url = format!("{admin_url}?options=-c%20search_path%3D{name}");
        ("SCHEMA", url)
    } else {
        let (base, _) = admin_url.rsplit_once('/').expect("a URL with a database");
        ("DATABASE", format!("{base}/{name}"))
    };
    let mut admin = Database::open(&admin_url).unwrap_or_else(|e| panic!("{e}"));
    let create = format!("CREATE {kind} {name}");
    admin
        .run(&create, &[])
        .unwrap_or_else(|e| panic!("{create}: {e}"));
    let drop = format!(
        "DROP {kind} IF EXISTS {name}{}",
        if kind == "SCHEMA" { " CASCADE" } else { "" }
    );
    let school = School {
        url,
        cleanup: Cleanup::Server { admin_url, drop },
    };
    fill(&school.url);
    school
}

/// The school databases on SQLite, PostgreSQL and MariaDB.
pub fn three_schools() -> [School; 3] {
    [
        sqlite_school(),
        server_school("RELQ_POSTGRES_URL"),
        server_school("RELQ_MYSQL_URL"),
    ]
}

/// Creates the school tables at `url` and inserts the school sample's rows
/// ([`relq_tests::samples::school_rows`]).
fn fill(url: &str) {
    let graph = Sample::School.graph().expect("the school sample");
    let mut db = Database::open(url).unwrap_or_else(|e| panic!("{e}"));
    samples::load(&mut db, &graph, &samples::school_rows())
        .unwrap_or_else(|e| panic!("loading the school at {url}: {e}"));
}
