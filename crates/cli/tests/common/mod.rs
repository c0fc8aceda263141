//! What the `relq` end-to-end tests share: running the built binary, and the school
//! database (schemas/school.toml with a few rows) in a temporary SQLite file, in a fresh
//! PostgreSQL schema and in a fresh MariaDB database, each dropped when the test ends.
//! A missing server URL fails the test, never skips it.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use relq::{Database, SchemaDef, Value};

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

/// The URL in `var`, or a failure that says how to start the servers.
pub fn server_url(var: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{var} is not set: this test needs the database server. `bash scripts/test.sh` \
             starts it; by hand run `scripts/servers.sh start` and \
             `eval \"$(scripts/servers.sh env)\"` (never skipped)"
        ),
    }
}

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

/// The school database in a new PostgreSQL schema: the test role may not create
/// databases, and a URL selects a schema through the server option `search_path`.
pub fn postgres_school() -> School {
    let admin_url = server_url("RELQ_POSTGRES_URL");
    let name = unique_name();
    server_run(&admin_url, &format!("CREATE SCHEMA {name}"));
    let school = School {
        url: format!("{admin_url}?options=-c%20search_path%3D{name}"),
        cleanup: Cleanup::Server {
            admin_url,
            drop: format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
        },
    };
    fill(&school.url);
    school
}

/// The school database in a new MariaDB database.
pub fn mariadb_school() -> School {
    let admin_url = server_url("RELQ_MYSQL_URL");
    let name = unique_name();
    server_run(&admin_url, &format!("CREATE DATABASE {name}"));
    let (base, _) = admin_url.rsplit_once('/').expect("a URL with a database");
    let school = School {
        url: format!("{base}/{name}"),
        cleanup: Cleanup::Server {
            admin_url,
            drop: format!("DROP DATABASE IF EXISTS {name}"),
        },
    };
    fill(&school.url);
    school
}

/// Runs `sql` on the server at `url`.
fn server_run(url: &str, sql: &str) {
    let mut db = Database::open(url).unwrap_or_else(|e| panic!("{e}"));
    db.run(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The school databases on SQLite, PostgreSQL and MariaDB.
pub fn three_schools() -> [School; 3] {
    [sqlite_school(), postgres_school(), mariadb_school()]
}

/// Creates the school tables at `url` and inserts a class without teachers, a class with
/// nobody, teachers and students without a category.
fn fill(url: &str) {
    let text = std::fs::read_to_string(root().join("schemas/school.toml")).expect("school.toml");
    let graph = SchemaDef::from_toml(&text)
        .and_then(|d| d.build())
        .expect("school schema");
    let mut db = Database::open(url).unwrap_or_else(|e| panic!("{e}"));
    db.create_tables(&graph)
        .unwrap_or_else(|e| panic!("create tables at {url}: {e}"));
    let int = Value::Int;
    let text = |s: &str| Value::Text(s.to_owned());
    let person = |id, name: &str, class, category: Option<i64>| {
        vec![
            int(id),
            text(name),
            int(class),
            category.map_or(Value::Null, int),
        ]
    };
    let rows: [(&str, Vec<Vec<Value>>); 5] = [
        ("Department", vec![vec![int(1), text("Science")]]),
        (
            "Category",
            vec![vec![int(1), text("Math")], vec![int(2), text("Art")]],
        ),
        (
            "SchoolClass",
            vec![
                vec![int(1), text("1A"), int(1)],
                vec![int(2), text("2B"), int(1)],
                vec![int(3), text("3C"), int(1)],
            ],
        ),
        (
            "Teacher",
            vec![person(1, "Ann", 1, Some(1)), person(2, "Bob", 1, None)],
        ),
        (
            "Student",
            vec![
                person(1, "Cid", 1, Some(1)),
                person(2, "Dee", 1, Some(2)),
                person(3, "Eve", 2, None),
            ],
        ),
    ];
    for (model, rows) in rows {
        let model = graph.model_by_name(model).expect("declared");
        db.insert(model, &rows)
            .unwrap_or_else(|e| panic!("insert into {}: {e}", model.table()));
    }
}
