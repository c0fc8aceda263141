//! `relq apply` run as a user runs it, on the school database in SQLite, PostgreSQL and
//! MariaDB: one JSON line per operation, the same on all three; `--dry-run` prints the
//! statements and changes nothing; a failing batch changes nothing and says why on one
//! line.

mod common;

use common::{failure, root, stdout, three_schools};

/// The school schema file, as `--schema` takes it.
fn school_schema() -> String {
    root().join("schemas/school.toml").display().to_string()
}

/// Writes `ops` to a file the test owns; its path.
fn ops_file(name: &str, ops: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("relq_apply_{}_{name}.json", std::process::id()));
    std::fs::write(&path, ops).expect("temp file");
    path
}

/// Students of class 1 and categories, as the query prints them: what a batch changed.
fn state(url: &str) -> String {
    let students = stdout(&[
        "query",
        "--db",
        url,
        "--model",
        "students",
        "--format",
        "ndjson",
        "--filter",
        "schoolclass=1",
    ]);
    let categories = stdout(&[
        "query",
        "--db",
        url,
        "--model",
        "categories",
        "--format",
        "ndjson",
    ]);
    format!("{students}{categories}")
}

const BATCH: &str = r#"[
  {"op": "create", "model": "SchoolClass", "pk": 1, "relation": "students", "values": {"name": "Ada", "category": 1}},
  {"op": "add", "model": "SchoolClass", "pk": 1, "relation": "students", "targets": [4]},
  {"op": "get_or_create", "model": "Category", "lookup": {"name": "Honours"}},
  {"op": "get_or_create", "model": "Category", "lookup": {"name": "Honours"}},
  {"op": "set", "model": "Student", "pk": 4, "relation": "category", "target": null}
]"#;

#[test]
fn apply_prints_what_each_operation_did_alike_on_three_databases() {
    let ops = ops_file("batch", BATCH);
    let ops = ops.display().to_string();
    let schema = school_schema();
    let mut printed = Vec::new();
    for school in three_schools() {
        let before = state(&school.url);
        let dry = stdout(&[
            "apply",
            "--db",
            &school.url,
            "--schema",
            &schema,
            "--dry-run",
            &ops,
        ]);
        assert!(dry.contains("-- 0: create on SchoolClass"), "{dry}");
        assert!(dry.trim_end().ends_with("-- rolled back"), "{dry}");
        assert_eq!(
            state(&school.url),
            before,
            "--dry-run changed {}",
            school.url
        );
        let applied = stdout(&["apply", "--db", &school.url, "--schema", &schema, &ops]);
        let after = state(&school.url);
        assert_ne!(after, before, "{}", school.url);
        assert!(after.contains(r#""name":"Ada""#), "{after}");
        assert!(after.contains(r#""name":"Honours""#), "{after}");
        // The dry run printed the same outcomes, then rolled back. Generated keys
        // aside: PostgreSQL's sequences and MariaDB's AUTO_INCREMENT counter are not
        // rolled back (functions-sequence.html; InnoDB "AUTO_INCREMENT Handling"), so
        // the applied batch gets the next keys there.
        let dry_lines: Vec<&str> = dry.lines().filter(|l| l.starts_with('{')).collect();
        assert_eq!(
            without_keys(&dry_lines),
            without_keys(&applied.lines().collect::<Vec<_>>())
        );
        printed.push(applied);
    }
    let lines: Vec<&str> = printed[0].lines().collect();
    assert_eq!(lines.len(), 5, "{}", printed[0]);
    assert!(lines[2].ends_with(r#""created":true}"#), "{}", lines[2]);
    assert!(lines[3].ends_with(r#""created":false}"#), "{}", lines[3]);
    // The second get_or_create finds the key the first created.
    let key =
        |line: &str| serde_json::from_str::<serde_json::Value>(line).expect("JSON")["keys"].clone();
    assert_eq!(key(lines[2]), key(lines[3]));
    for other in &printed[1..] {
        let other: Vec<&str> = other.lines().collect();
        assert_eq!(without_keys(&other), without_keys(&lines));
    }
}

/// Outcome lines without their `keys`.
fn without_keys(lines: &[&str]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|line| {
            let mut value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value.as_object_mut().expect("an object").remove("keys");
            value
        })
        .collect()
}

#[test]
fn a_failing_batch_changes_nothing_and_names_the_operation() {
    // The second operation's target does not exist: nothing of the first is left.
    let ops = ops_file(
        "failing",
        r#"{"op": "create", "model": "SchoolClass", "pk": 1, "relation": "students", "values": {"name": "Ada"}}
{"op": "add", "model": "SchoolClass", "pk": 1, "relation": "students", "targets": [999999]}
"#,
    );
    let ops = ops.display().to_string();
    let schema = school_schema();
    for school in three_schools() {
        let before = state(&school.url);
        let (code, stderr) = failure(&["apply", "--db", &school.url, "--schema", &schema, &ops]);
        assert_eq!(code, Some(1), "{stderr}");
        assert_eq!(
            stderr.trim_end(),
            "error: database: operation 1 (add): no `Student` with primary key 999999",
            "{}",
            school.url
        );
        assert_eq!(state(&school.url), before, "{}", school.url);
    }
    let bad = ops_file(
        "unknown",
        r#"[{"op": "add", "model": "SchoolClass", "pk": 1, "relation": "student", "targets": [1]}]"#,
    );
    let school = common::sqlite_school();
    let (code, stderr) = failure(&[
        "apply",
        "--db",
        &school.url,
        "--schema",
        &schema,
        &bad.display().to_string(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: operation 0 (add): unknown relation `student` on `SchoolClass`; did you mean `students`?"
    );
}
