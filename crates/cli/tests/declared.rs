//! `--schema FILE` with `--db URL`: the file's models, keys and relations over the
//! database's tables (relq-graph's `over_catalog`), on SQLite, PostgreSQL and MariaDB:
//! relations the catalog lacks are the declaration's, and a declared table or column
//! the database lacks is an error naming the model, the table and the column.

mod common;

use std::path::PathBuf;

use common::{failure, relq, stdout, three_schools};
use relq::Database;

/// The school tables copied without any key (`CREATE TABLE k_x AS SELECT * FROM x`), as
/// a sharded engine's catalog shows them, and `schemas/school.toml` declaring them (each
/// `table` prefixed `k_`) in a file of its own; the file is removed with the value.
struct Keyless {
    schema: PathBuf,
}

impl Drop for Keyless {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.schema);
    }
}

const TABLES: [&str; 5] = [
    "departments",
    "schoolclasses",
    "categories",
    "students",
    "teachers",
];

fn keyless(url: &str, tag: &str) -> Keyless {
    let mut db = Database::open(url).unwrap_or_else(|e| panic!("{e}"));
    let mut text = std::fs::read_to_string(common::root().join("schemas/school.toml"))
        .expect("the school schema");
    for table in TABLES {
        let copy = format!("CREATE TABLE k_{table} AS SELECT * FROM {table}");
        db.run(&copy, &[]).unwrap_or_else(|e| panic!("{copy}: {e}"));
        let declared = format!("table = \"{table}\"");
        assert!(
            text.contains(&declared),
            "schemas/school.toml names {table}"
        );
        text = text.replace(&declared, &format!("table = \"k_{table}\""));
    }
    let schema =
        std::env::temp_dir().join(format!("relq_declared_{}_{tag}.toml", std::process::id()));
    std::fs::write(&schema, text).expect("temp file");
    Keyless { schema }
}

fn classes<'a>(url: &'a str, schema: &'a str, model: &'a str) -> Vec<&'a str> {
    vec![
        "query",
        "--db",
        url,
        "--schema",
        schema,
        "--model",
        model,
        "--select-related",
        "teachers__category,students__category",
    ]
}

#[test]
fn declared_relations_over_keyless_tables_answer_as_the_keyed_tables_on_three_databases() {
    let schools = three_schools();
    let keyed = stdout(&classes(
        &schools[0].url,
        "schemas/school.toml",
        "SchoolClass",
    ));
    assert!(keyed.contains("\"teachers\": [") && keyed.contains("\"category\": {"));
    for (school, tag) in schools.iter().zip(["sqlite", "postgres", "mariadb"]) {
        let copy = keyless(&school.url, tag);
        let schema = copy.schema.to_str().expect("UTF-8 path");
        assert_eq!(
            stdout(&classes(&school.url, "schemas/school.toml", "SchoolClass")),
            keyed,
            "{tag}: the declared schema over the keyed tables"
        );
        assert_eq!(
            stdout(&classes(&school.url, schema, "SchoolClass")),
            keyed,
            "{tag}: the declared schema over the keyless tables"
        );
        // Introspected, the keyless tables have no primary key, so no model.
        let (status, err) = failure(&classes(&school.url, schema, "k_schoolclasses")[..7]);
        assert_eq!(status, Some(1), "{tag}");
        assert!(
            err.contains("unknown model `k_schoolclasses`"),
            "{tag}: {err}"
        );
        let (status, err) = failure(&["query", "--db", &school.url, "--model", "k_schoolclasses"]);
        assert_eq!(status, Some(1), "{tag}");
        assert!(
            err.starts_with("error: schema of the database: model `k_")
                && err.contains("has no primary key"),
            "{tag}: {err}"
        );
    }
}

#[test]
fn a_declared_table_or_column_the_database_lacks_is_named_on_three_databases() {
    let wrong = |from: &str, to: &str, tag: &str| {
        let text = std::fs::read_to_string(common::root().join("schemas/school.toml"))
            .expect("the school schema")
            .replacen(from, to, 1);
        let path = std::env::temp_dir().join(format!(
            "relq_declared_wrong_{}_{tag}.toml",
            std::process::id()
        ));
        std::fs::write(&path, text).expect("temp file");
        path
    };
    let table = wrong("table = \"teachers\"", "table = \"teacher\"", "table");
    let column = wrong(
        "{ name = \"category\", to = \"Category\" }",
        "{ name = \"category\", to = \"Category\", column = \"categ_id\" }",
        "column",
    );
    for school in three_schools() {
        for (path, expected) in [
            (
                &table,
                "model `Teacher`: no table `teacher` in the database; did you mean `teachers`?",
            ),
            (
                &column,
                "field `Student.category_id`: no column `categ_id` in table `students`; \
                 did you mean `category_id`?",
            ),
        ] {
            let file = path.to_str().expect("UTF-8 path");
            for command in ["query", "compile", "schema"] {
                let mut args = vec![command, "--db", &school.url, "--schema", file];
                if command != "schema" {
                    args.extend(["--model", "SchoolClass"]);
                }
                let (status, err) = failure(&args);
                assert_eq!(status, Some(1), "{args:?}");
                assert_eq!(
                    err,
                    format!("error: schema file `{file}`: {expected}\n"),
                    "{args:?}"
                );
            }
        }
        // The file alone (no database) names no table to check.
        let alone = relq(&[
            "compile",
            "--schema",
            table.to_str().expect("UTF-8"),
            "--model",
            "Teacher",
        ]);
        assert!(alone.status.success());
    }
    let _ = std::fs::remove_file(table);
    let _ = std::fs::remove_file(column);
}

#[test]
fn schema_with_a_database_prints_the_declared_schema_it_checked() {
    for school in three_schools() {
        let declared = stdout(&["schema", "--schema", "schemas/school.toml"]);
        let over = stdout(&[
            "schema",
            "--db",
            &school.url,
            "--schema",
            "schemas/school.toml",
        ]);
        assert_eq!(over, declared);
        assert!(over.contains("name = \"SchoolClass\""));
    }
}
