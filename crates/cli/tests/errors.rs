//! Every way `relq` fails, as a user sees it: usage errors exit 2 with clap's message;
//! schema, path, compile, database and row errors exit 1 with one line naming what was
//! wrong and where. Nothing panics, nothing prints a backtrace, nothing reaches stdout but the whole
//! records a stream wrote before its failure.

mod common;

use common::{failure, sqlite_school};

/// `relq ARGS`, its exit status and stderr, as one transcript entry.
fn transcript(cases: &[&[&str]]) -> String {
    cases
        .iter()
        .map(|args| {
            let (code, stderr) = failure(args);
            format!("$ relq {}\nexit {code:?}\n{stderr}", args.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn usage_errors_exit_2_with_clap_message() {
    insta::assert_snapshot!(transcript(&[
        &[],
        &["query", "--model", "students"],
        &["compile", "--schema", "schemas/school.toml"],
        &[
            "compile",
            "--schema",
            "schemas/school.toml",
            "--model",
            "Student",
            "--query-file",
            "q.json"
        ],
        &[
            "graph",
            "--schema",
            "schemas/school.toml",
            "--select-related",
            "students"
        ],
        &[
            "compile",
            "--schema",
            "schemas/school.toml",
            "--model",
            "Student",
            "--limit",
            "ten"
        ],
        &[
            "compile",
            "--schema",
            "schemas/school.toml",
            "--model",
            "Student",
            "--dialect",
            "oracle"
        ],
        &[
            "query",
            "--db",
            "sqlite:x.db",
            "--model",
            "Student",
            "--format",
            "csv"
        ],
        &[
            "query",
            "--db",
            "sqlite:x.db",
            "--model",
            "Student",
            "--strategy",
            "nested"
        ],
    ]));
}

#[test]
fn filter_flags_without_path_equals_value_and_a_demo_without_its_directory_fail() {
    let school = sqlite_school();
    let url: &str = &school.url;
    let text = transcript(&[
        &[
            "query", "--db", url, "--model", "students", "--filter", "name",
        ],
        &[
            "query",
            "--db",
            url,
            "--model",
            "students",
            "--exclude",
            "=Cid",
        ],
        &[
            "compile",
            "--schema",
            "schemas/school.toml",
            "--filter",
            "name=Cid",
        ],
        &[
            "query",
            "--db",
            url,
            "--model",
            "students",
            "--filter",
            "name__near=Cid",
        ],
        &[
            "query", "--db", url, "--model", "students", "--filter", "id=Cid",
        ],
        &["demo", "--scale", "0"],
        // A file where the directory should be.
        &["demo", "--dir", "Cargo.toml"],
    ]);
    insta::assert_snapshot!(text.replace(url, "sqlite:SCHOOL"), @r#"
    $ relq query --db sqlite:SCHOOL --model students --filter name
    exit Some(2)
    error: invalid value 'name' for '--filter <PATH=VALUE>': expected PATH=VALUE (author__first_name=Bob), found no `=`

    For more information, try '--help'.

    $ relq query --db sqlite:SCHOOL --model students --exclude =Cid
    exit Some(2)
    error: invalid value '=Cid' for '--exclude <PATH=VALUE>': expected PATH=VALUE (author__first_name=Bob), found no PATH before `=`

    For more information, try '--help'.

    $ relq compile --schema schemas/school.toml --filter name=Cid
    exit Some(2)
    error: the following required arguments were not provided:
      <--model <NAME>|--query-file <FILE>>

    Usage: relq compile --filter <PATH=VALUE> <--db <URL>|--schema <FILE>> <--model <NAME>|--query-file <FILE>>

    For more information, try '--help'.

    $ relq query --db sqlite:SCHOOL --model students --filter name__near=Cid
    exit Some(1)
    error: query: in filter: unknown lookup `near` on field `students.name` (segment 2, byte 6 of `name__near`); did you mean `ne`?

    $ relq query --db sqlite:SCHOOL --model students --filter id=Cid
    exit Some(1)
    error: query: in filter: `id` takes an integer; got the string "Cid"

    $ relq demo --scale 0
    exit Some(2)
    error: invalid value '0' for '--scale <N>': 0 is not in 1..=4294967295

    For more information, try '--help'.

    $ relq demo --dir Cargo.toml
    exit Some(1)
    error: cannot create `Cargo.toml`: File exists (os error 17)
    "#);
}

#[test]
fn schema_and_query_file_errors_exit_1_naming_the_file() {
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let bad_toml = dir.join(format!("relq_cli_{pid}_bad.toml"));
    let invalid = dir.join(format!("relq_cli_{pid}_invalid.json"));
    let bad_query = dir.join(format!("relq_cli_{pid}_query.json"));
    std::fs::write(&bad_toml, "models = 3\n").expect("write");
    std::fs::write(
        &invalid,
        r#"{"models": [{"name": "A", "table": "a", "fields": [{"name": "id", "type": "integer"}]}]}"#,
    )
    .expect("write");
    std::fs::write(&bad_query, r#"{"model": "Student", "limt": 3}"#).expect("write");
    let [bad_toml, invalid, bad_query] =
        [&bad_toml, &invalid, &bad_query].map(|p| p.display().to_string());
    let text = transcript(&[
        &[
            "compile",
            "--schema",
            "schemas/no_such.toml",
            "--model",
            "Student",
        ],
        &["graph", "--schema", &bad_toml],
        &["schema", "--schema", &invalid],
        &[
            "compile",
            "--schema",
            "schemas/school.toml",
            "--query-file",
            &bad_query,
        ],
        &[
            "compile",
            "--schema",
            "schemas/school.toml",
            "--query-file",
            "no_such.json",
        ],
    ]);
    for path in [&bad_toml, &invalid, &bad_query] {
        std::fs::remove_file(path).expect("remove");
    }
    insta::assert_snapshot!(
        text.replace(&dir.display().to_string(), "$TMP")
            .replace(&format!("relq_cli_{pid}_"), "relq_cli_PID_")
    );
}

#[test]
fn path_and_compile_errors_exit_1_with_the_place_and_a_suggestion() {
    let school = "schemas/school.toml";
    insta::assert_snapshot!(transcript(&[
        &["compile", "--schema", school, "--model", "SchoolClas"],
        &[
            "compile",
            "--schema",
            school,
            "--model",
            "SchoolClass",
            "--select-related",
            "teacher__category"
        ],
        &[
            "graph",
            "--schema",
            school,
            "--model",
            "SchoolClass",
            "--select-related",
            "students__categroy"
        ],
        &[
            "compile",
            "--schema",
            school,
            "--model",
            "SchoolClass",
            "--order-by",
            "-nme"
        ],
        &[
            "compile",
            "--schema",
            school,
            "--model",
            "SchoolClass",
            "--fields",
            "students__name"
        ],
        &[
            "compile",
            "--schema",
            school,
            "--model",
            "SchoolClass",
            "--exclude-fields",
            "id"
        ],
        &[
            "compile",
            "--schema",
            school,
            "--model",
            "SchoolClass",
            "--limit",
            "18446744073709551615"
        ],
    ]));
}

#[test]
fn database_errors_exit_1_with_the_url_without_its_password() {
    insta::assert_snapshot!(transcript(&[
        &[
            "query",
            "--db",
            "oracle://scott:tiger@db/orcl",
            "--model",
            "students"
        ],
        &["query", "--db", "sqlite:no_such.db", "--model", "students"],
        &["schema", "--db", "postgres://relq:s3cret@127.0.0.1:1/relq"],
        &["graph", "--db", "mysql://relq:s3cret@127.0.0.1:1/relq"],
    ]));
    let url = common::server_url("RELQ_POSTGRES_URL");
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    let missing = format!("{base}/relq_cli_no_such_database");
    let (code, stderr) = failure(&["schema", "--db", &missing]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.ends_with(r#"/relq_cli_no_such_database: db error: FATAL: database "relq_cli_no_such_database" does not exist
"#),
        "{stderr}"
    );
}

#[test]
fn unreadable_rows_and_unknown_column_types_exit_1_naming_the_place() {
    let school = sqlite_school();
    let mut db = relq::Database::open(&school.url).unwrap_or_else(|e| panic!("{e}"));
    db.run(
        "INSERT INTO categories (id, name) VALUES (4, ?)",
        &[relq::Value::Bytes(vec![0, 255])],
    )
    .expect("a blob where text is declared: SQLite stores it");
    let url: &str = &school.url;
    // The records stream: the roots known whole before the unreadable row (the 4th:
    // the 3rd root's rows might have gone on) were written, then the error, exit 1.
    let args = [
        "query",
        "--db",
        url,
        "--model",
        "categories",
        "--format",
        "ndjson",
    ];
    let out = common::relq(&args);
    let written = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    let ids: Vec<&str> = written
        .lines()
        .map(|l| l.split(',').next().unwrap_or_default())
        .collect();
    assert_eq!(ids, [r#"{"id":1"#, r#"{"id":2"#], "{written}");
    let unreadable = format!(
        "$ relq {}\nexit {:?}\n{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8(out.stderr).expect("UTF-8 stderr")
    );
    db.run("CREATE TABLE odd (id GEOMETRY PRIMARY KEY)", &[])
        .expect("SQLite takes any type name");
    let unknown = transcript(&[&["schema", "--db", url]]);
    insta::assert_snapshot!((unreadable + "\n" + &unknown).replace(url, "sqlite:$SCHOOL"));
}

/// `relq query ... | head -c 100`: the reader goes away, relq stops quietly with status 0
/// (no panic message about a broken pipe).
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::Read;
    let school = sqlite_school();
    let graph = relq_sample::Sample::School
        .graph()
        .expect("the school sample");
    let students = graph.model_by_name("Student").expect("declared");
    // About 3 MB of NDJSON, far past a pipe's buffer.
    let rows: Vec<Vec<relq::Value>> = (100..50_000)
        .map(|i| {
            let name = relq::Value::Text(format!("student {i}"));
            vec![
                relq::Value::Int(i),
                name,
                relq::Value::Int(1),
                relq::Value::Null,
            ]
        })
        .collect();
    let mut db = relq::Database::open(&school.url).unwrap_or_else(|e| panic!("{e}"));
    db.insert(students, &rows).expect("insert");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relq"))
        .args(["query", "--db", &school.url, "--model", "students"])
        .args(["--format", "ndjson"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("relq starts");
    let mut first = [0u8; 100];
    child
        .stdout
        .take()
        .expect("piped")
        .read_exact(&mut first)
        .expect("100 bytes");
    // The pipe's read end is dropped here.
    let out = child.wait_with_output().expect("relq ends");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
