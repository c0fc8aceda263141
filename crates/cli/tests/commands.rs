//! `relq schema`, `compile`, `query` (with its filter flags), `graph` and `demo` run as a
//! user runs them, on the school database in SQLite, PostgreSQL and MariaDB, and on the
//! databases `demo` creates.

mod common;

use common::{relq, stdout, three_schools};

/// The issue's acceptance check: the introspected school database answers ormar's
/// example with the nested classes, and PostgreSQL and MariaDB print the same JSON.
#[test]
fn ormars_example_prints_the_same_nested_classes_on_three_databases() {
    let [sqlite, postgres, mariadb] = three_schools();
    let query = |url: &str| stdout(&school_query(url, &[]));
    let expected = query(&sqlite.url);
    insta::assert_snapshot!(expected);
    assert_eq!(query(&postgres.url), expected, "PostgreSQL");
    assert_eq!(query(&mariadb.url), expected, "MariaDB");
}

/// The query of the acceptance check, on the database at `url`, with more flags.
fn school_query<'a>(url: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "query",
        "--db",
        url,
        "--model",
        "schoolclasses",
        "--select-related",
        "teachers__category",
        "--select-related",
        "students__category",
    ];
    args.extend_from_slice(more);
    args
}

#[test]
fn schema_prints_toml_and_json_that_read_back_to_the_introspected_schema() {
    for school in three_schools() {
        let mut db = relq::Database::open(&school.url).unwrap_or_else(|e| panic!("{e}"));
        let introspected = db.introspect().unwrap_or_else(|e| panic!("{e}"));
        let toml = stdout(&["schema", "--db", &school.url]);
        let json = stdout(&["schema", "--db", &school.url, "--format", "json"]);
        assert_eq!(
            relq::SchemaDef::from_toml(&toml).expect("TOML reads back"),
            introspected,
            "{}",
            school.url
        );
        assert_eq!(
            relq::SchemaDef::from_json(&json).expect("JSON reads back"),
            introspected,
            "{}",
            school.url
        );
        // Relation names are part of it: each reverse relation by its `related_name`.
        assert!(toml.contains(r#"related_name = "teachers""#), "{toml}");
    }
}

#[test]
fn schema_converts_a_schema_file_between_toml_and_json() {
    let toml = std::fs::read_to_string(common::root().join("schemas/blog.toml")).expect("blog");
    let json = stdout(&[
        "schema",
        "--schema",
        "schemas/blog.toml",
        "--format",
        "json",
    ]);
    let expected = relq::SchemaDef::from_toml(&toml).expect("blog schema");
    assert_eq!(relq::SchemaDef::from_json(&json).expect("JSON"), expected);
    let dir = std::env::temp_dir().join(format!("relq_cli_{}_blog.json", std::process::id()));
    std::fs::write(&dir, &json).expect("write");
    let back = stdout(&["schema", "--schema", &dir.display().to_string()]);
    std::fs::remove_file(&dir).expect("remove");
    assert_eq!(relq::SchemaDef::from_toml(&back).expect("TOML"), expected);
}

#[test]
fn compile_prints_sql_params_and_plan_for_each_dialect() {
    let mut all = String::new();
    for dialect in ["sqlite", "postgres", "mysql"] {
        all += &stdout(&[
            "compile",
            "--schema",
            "schemas/school.toml",
            "--dialect",
            dialect,
            "--model",
            "SchoolClass",
            "--select-related",
            "students__category",
            "--order-by",
            "-name,students__name",
            "--limit",
            "2",
            "--offset",
            "1",
        ]);
    }
    insta::assert_snapshot!(all);
}

#[test]
fn compile_with_a_database_uses_its_dialect_unless_told_otherwise() {
    for (school, header) in three_schools().iter().zip(["sqlite", "postgres", "mysql"]) {
        let url: &str = &school.url;
        let text = stdout(&["compile", "--db", url, "--model", "students"]);
        assert!(text.starts_with(&format!("-- {header}\n")), "{text}");
        let mysql = stdout(&[
            "compile",
            "--db",
            url,
            "--dialect",
            "mysql",
            "--model",
            "students",
        ]);
        assert!(mysql.contains("FROM `students` AS `t0`"), "{mysql}");
    }
}

#[test]
fn compile_json_holds_the_statements_and_the_extraction_plan_relq_compiles() {
    let args = [
        "compile",
        "--schema",
        "schemas/blog.toml",
        "--format",
        "json",
        "--compact",
        "--dialect",
        "postgres",
        "--model",
        "Post",
        "--select-related",
        "categories,author",
        "--limit",
        "5",
    ];
    let document: serde_json::Value = serde_json::from_str(&stdout(&args)).expect("JSON");
    let text = std::fs::read_to_string(common::root().join("schemas/blog.toml")).expect("blog");
    let graph = relq::SchemaDef::from_toml(&text)
        .and_then(|d| d.build())
        .expect("blog schema");
    let query = relq::Query::new("Post")
        .select_related("categories")
        .select_related("author")
        .limit(5);
    let compiled = relq::compile(&graph, &query, &relq::Postgres::default()).expect("compiles");
    assert_eq!(document["dialect"], "postgres");
    assert_eq!(
        document["statements"][0]["sql"],
        &*compiled.statements[0].sql
    );
    assert_eq!(document["statements"][0]["params"], serde_json::json!([5]));
    let plan: relq::ExtractionPlan =
        serde_json::from_value(document["extraction"].clone()).expect("a plan");
    assert_eq!(plan, compiled.plan.extraction);
}

#[test]
fn query_flags_and_query_file_give_the_same_records() {
    let school = common::sqlite_school();
    let flags = stdout(&[
        "query",
        "--db",
        &school.url,
        "--model",
        "students",
        "--select-related",
        "schoolclass,category",
        "--order-by",
        "-name",
        "--limit",
        "2",
        "--offset",
        "1",
        "--fields",
        "name",
        "--fields",
        "category__name",
        "--exclude-fields",
        "schoolclass__department_id",
        "--format",
        "ndjson",
    ]);
    let file = std::env::temp_dir().join(format!("relq_cli_{}_query.json", std::process::id()));
    let query = serde_json::json!({
        "model": "students",
        "select_related": ["schoolclass", "category"],
        "order_by": ["-name"],
        "limit": 2,
        "offset": 1,
        "fields": ["name", "category__name"],
        "exclude_fields": ["schoolclass__department_id"],
    });
    std::fs::write(&file, query.to_string()).expect("write");
    let path = file.display().to_string();
    let from_file = stdout(&[
        "query",
        "--db",
        &school.url,
        "--query-file",
        &path,
        "--format",
        "ndjson",
    ]);
    std::fs::remove_file(&file).expect("remove");
    assert_eq!(from_file, flags);
    insta::assert_snapshot!(flags, @r#"
    {"id":5,"name":"Hal","schoolclass":{"id":4,"name":"4D"},"category":null}
    {"id":3,"name":"Eve","schoolclass":{"id":2,"name":"2B"},"category":null}
    "#);
}

#[test]
fn query_ndjson_is_the_json_array_one_root_a_line_and_table_is_flat() {
    let school = common::sqlite_school();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&school_query(&school.url, &[]))).expect("JSON");
    let ndjson = stdout(&school_query(&school.url, &["--format", "ndjson"]));
    let lines: Vec<serde_json::Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON root a line"))
        .collect();
    assert_eq!(serde_json::Value::Array(lines), json);
    let mut db = relq::Database::open(&school.url).unwrap_or_else(|e| panic!("{e}"));
    db.run("UPDATE students SET name = 'Eve\nEvans' WHERE id = 3", &[])
        .expect("a name on two lines");
    let mut table = stdout(&school_query(&school.url, &["--format", "table"]));
    table += &stdout(&[
        "query",
        "--db",
        &school.url,
        "--model",
        "students",
        "--select-related",
        "category",
        "--format",
        "table",
    ]);
    insta::assert_snapshot!(table, @r"
    id | name | department_id | teachers | students
    ---+------+---------------+----------+---------
    1  | 1A   | 1             | [2]      | [2]
    2  | 2B   | 1             | [0]      | [1]
    3  | 3C   | 2             | [1]      | [2]
    4  | 4D   | 2             | [1]      | [1]
    5  | 5E   | 1             | [0]      | [0]
    id | name       | schoolclass_id | category_id | category
    ---+------------+----------------+-------------+---------
    1  | Cid        | 1              | 1           | 1
    2  | Dee        | 1              | 2           | 2
    3  | Eve\nEvans | 2              | null        | null
    4  | Abe        | 3              | 3           | 3
    5  | Hal        | 4              | null        | null
    6  | Ida        | 3              | 1           | 1
    ");
}

/// `relq ARGS` with stderr on a pseudo-terminal (util-linux `script`) and stdout
/// discarded: what the terminal showed.
fn on_a_terminal(args: &[&str]) -> String {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_relq"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let out = std::process::Command::new("script")
        .args(["--quiet", "--return", "--command"])
        .arg(format!("{} >/dev/null", quoted.join(" ")))
        .arg("/dev/null")
        .env("TERM", "xterm")
        .current_dir(common::root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run script(1) from util-linux: {e}"));
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_query_shows_progress_on_a_terminal_only() {
    let school = common::sqlite_school();
    let args = school_query(&school.url, &[]);
    let shown = on_a_terminal(&args);
    assert!(
        shown.contains("relq query: running 3 statements on `schoolclasses`"),
        "{shown:?}"
    );
    // The line is cleared when the query ends (ANSI erase line).
    assert!(shown.ends_with("\r\u{1b}[2K"), "{shown:?}");
    let piped = relq(&args);
    assert!(piped.status.success());
    assert!(piped.stderr.is_empty(), "{:?}", piped.stderr);
}

#[test]
fn explain_prints_the_join_tree_and_sql_to_stderr_only() {
    let school = common::sqlite_school();
    let plain = relq(&school_query(&school.url, &[]));
    let explained = relq(&school_query(&school.url, &["--explain"]));
    assert!(explained.status.success());
    assert_eq!(explained.stdout, plain.stdout);
    assert!(plain.stderr.is_empty());
    insta::assert_snapshot!(String::from_utf8_lossy(&explained.stderr), @r#"
    -- join tree
    t0 schoolclasses
      t1 teachers: teachers (reverse fk, left outer join, split)
        t2 category: categories (fk, left outer join)
      t3 students: students (reverse fk, left outer join, split)
        t4 category: categories (fk, left outer join)
    -- sqlite
    SELECT "t0"."id", "t0"."name", "t0"."department_id"
    FROM "schoolclasses" AS "t0"
    ORDER BY "t0"."id" ASC
    -- sqlite
    SELECT "t0"."id", "t1"."id", "t1"."name", "t1"."schoolclass_id", "t1"."category_id", "t2"."id", "t2"."name"
    FROM "schoolclasses" AS "t0"
      INNER JOIN "teachers" AS "t1" ON "t0"."id" = "t1"."schoolclass_id"
      LEFT OUTER JOIN "categories" AS "t2" ON "t1"."category_id" = "t2"."id"
    ORDER BY "t0"."id" ASC, "t1"."id" ASC
    -- sqlite
    SELECT "t0"."id", "t3"."id", "t3"."name", "t3"."schoolclass_id", "t3"."category_id", "t4"."id", "t4"."name"
    FROM "schoolclasses" AS "t0"
      INNER JOIN "students" AS "t3" ON "t0"."id" = "t3"."schoolclass_id"
      LEFT OUTER JOIN "categories" AS "t4" ON "t3"."category_id" = "t4"."id"
    ORDER BY "t0"."id" ASC, "t3"."id" ASC
    "#);
}

#[test]
fn graph_draws_the_relation_graph_alike_on_three_databases() {
    let [sqlite, postgres, mariadb] = three_schools();
    let dot = stdout(&["graph", "--db", &sqlite.url]);
    insta::assert_snapshot!(dot);
    assert_eq!(stdout(&["graph", "--db", &postgres.url]), dot, "PostgreSQL");
    assert_eq!(stdout(&["graph", "--db", &mariadb.url]), dot, "MariaDB");
}

#[test]
fn graph_with_a_query_draws_its_join_tree_with_aliases() {
    let dot = stdout(&[
        "graph",
        "--schema",
        "schemas/blog.toml",
        "--model",
        "Post",
        "--select-related",
        "categories__posts__author,author",
    ]);
    insta::assert_snapshot!(dot, @r#"
    digraph {
        0 [ label = "t0 Post (posts)" ]
        1 [ label = "t2 Category (categories)" ]
        2 [ label = "t4 Post (posts)" ]
        3 [ label = "t5 Author (authors)" ]
        4 [ label = "t6 Author (authors)" ]
        0 -> 1 [ label = "categories (m2m via PostCategory as t1, left outer join, joined)" ]
        1 -> 2 [ label = "posts (reverse m2m via PostCategory as t3, left outer join, joined)" ]
        2 -> 3 [ label = "author (fk, left outer join)" ]
        0 -> 4 [ label = "author (fk, left outer join)" ]
    }
    "#);
}

/// A blog whose posts have categories through `posts_categories`, a through table with a
/// field of its own (`weight`).
const WEIGHTED_BLOG: &str = r#"
[[models]]
name = "Category"
table = "categories"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]

[[models]]
name = "PostCategory"
table = "posts_categories"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "weight", type = "integer" }]

[[models]]
name = "Post"
table = "posts"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "title", type = "text" }]
many_to_many = [{ name = "categories", to = "Category", through = "PostCategory" }]
"#;

#[test]
fn many_to_many_children_carry_their_through_fields_under_the_through_model() {
    let blog = common::empty_sqlite();
    let graph = relq::SchemaDef::from_toml(WEIGHTED_BLOG)
        .and_then(|d| d.build())
        .expect("blog");
    let mut db = relq::Database::open(&blog.url).unwrap_or_else(|e| panic!("{e}"));
    db.create_tables(&graph).expect("tables");
    // One value per field by name, in the model's own field order.
    let mut insert = |model: &str, rows: &[&[(&str, relq::Value)]]| {
        let model = graph.model_by_name(model).expect("declared");
        let rows: Vec<Vec<relq::Value>> = rows
            .iter()
            .map(|row| {
                model
                    .fields()
                    .map(|f| {
                        let value = row.iter().find(|(name, _)| *name == f.name());
                        value.map_or(relq::Value::Null, |(_, v)| v.clone())
                    })
                    .collect()
            })
            .collect();
        db.insert(model, &rows).expect("insert");
    };
    let (int, text) = (relq::Value::Int, |s: &str| relq::Value::Text(s.into()));
    insert("Category", &[&[("id", int(1)), ("name", text("rust"))]]);
    insert(
        "Post",
        &[
            &[("id", int(1)), ("title", text("a"))],
            &[("id", int(2)), ("title", text("b"))],
        ],
    );
    insert(
        "PostCategory",
        &[&[
            ("id", int(1)),
            ("weight", int(7)),
            ("post", int(1)),
            ("category", int(1)),
        ]],
    );
    let json = stdout(&[
        "query",
        "--db",
        &blog.url,
        "--model",
        "posts",
        "--select-related",
        "categories",
    ]);
    insta::assert_snapshot!(json, @r#"
    [
      {
        "id": 1,
        "title": "a",
        "categories": [
          {
            "id": 1,
            "name": "rust",
            "posts_categories": {
              "weight": 7
            }
          }
        ]
      },
      {
        "id": 2,
        "title": "b",
        "categories": []
      }
    ]
    "#);
}

/// `demo` into a fresh directory, twice: its stdout with the times and the directory
/// redacted (they are all that may differ between runs).
#[test]
fn demo_creates_the_three_databases_and_prints_records_they_hold() {
    let dir = std::env::temp_dir().join(format!("relq_cli_{}_demo", std::process::id()));
    let path = dir.display().to_string();
    let run = || {
        let out = relq(&["demo", "--dir", &path]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Progress goes only to a terminal.
        assert!(out.stderr.is_empty(), "{:?}", out.stderr);
        redact(&String::from_utf8(out.stdout).expect("UTF-8"), &path)
    };
    let first = run();
    for name in ["school.db", "blog.db", "person.db"] {
        assert!(dir.join(name).is_file(), "{name}");
    }
    // The files of a run before are overwritten: the same data, the same output.
    assert_eq!(run(), first);
    let shown = shown_records(&first);
    assert_eq!(shown.len(), 5, "one JSON block per query");
    // The records printed are the databases' own, as `relq query` reads them.
    let db = |name: &str| format!("sqlite:{}", dir.join(name).display());
    let query =
        |args: &[&str]| -> serde_json::Value { serde_json::from_str(&stdout(args)).expect("JSON") };
    let school = db("school.db");
    let classes = query(&school_query(&school, &["--limit", "1"]));
    assert_eq!(shown[0], classes);
    // Introspection names the reverse of `persons.supervisor_id` after the table.
    let person = db("person.db");
    let mut persons = query(&[
        "query",
        "--db",
        &person,
        "--model",
        "persons",
        "--select-related",
        "supervisor,persons",
        "--limit",
        "2",
    ]);
    for root in persons.as_array_mut().expect("an array") {
        let root = root.as_object_mut().expect("a record");
        let employees = root.remove("persons").expect("loaded");
        root.insert("employees".to_owned(), employees);
    }
    assert_eq!(shown[2], persons);
    // The filters of query 4 through the flags keep the same posts.
    let blog = db("blog.db");
    let posts = query(&[
        "query",
        "--db",
        &blog,
        "--model",
        "posts",
        "--filter",
        "categories__name__icontains=music",
        "--exclude",
        "author__first_name__iexact=anna",
        "--limit",
        "2",
        "--fields",
        "id",
    ]);
    let ids = |roots: &serde_json::Value| -> Vec<serde_json::Value> {
        roots
            .as_array()
            .expect("an array")
            .iter()
            .map(|r| r["id"].clone())
            .collect()
    };
    assert_eq!(ids(&shown[3]), ids(&posts));
    std::fs::remove_dir_all(&dir).expect("remove the demo directory");
    insta::assert_snapshot!(first);
}

/// `text` with the directory replaced by `[DIR]` and each time (`in 12.3 ms`) by `[T]`.
fn redact(text: &str, dir: &str) -> String {
    text.replace(dir, "[DIR]")
        .lines()
        .map(|line| match (line.find(" in "), line.find(" ms (")) {
            (Some(start), Some(end)) if start < end => {
                format!("{} in [T]{}", &line[..start], &line[end..])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The JSON arrays `demo` printed, one per query: from a line `[` to a line `]`.
fn shown_records(text: &str) -> Vec<serde_json::Value> {
    let mut blocks = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match (&mut block, line) {
            (None, "[") => block = Some("[\n".to_owned()),
            (Some(b), "]") => {
                b.push(']');
                blocks.push(serde_json::from_str(b).expect("a JSON block"));
                block = None;
            }
            (Some(b), line) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn filter_and_exclude_flags_keep_the_same_roots_on_three_databases() {
    let schools = three_schools();
    let cases: [&[&str]; 4] = [
        // To-many: a class with a Math student, all its students loaded; to-one exclude.
        &[
            "--model",
            "schoolclasses",
            "--select-related",
            "students",
            "--filter",
            "students__category__name=Math",
            "--exclude",
            "department__name=Arts",
        ],
        // JSON values (a list, a boolean); two filter calls must both hold.
        &[
            "--model",
            "students",
            "--filter",
            "id__in=[1,3,5]",
            "--filter",
            "category__isnull=true",
        ],
        // Text that is not JSON, and JSON text; split at the first `=`.
        &[
            "--model",
            "schoolclasses",
            "--filter",
            "name=1A",
            "--exclude",
            "name=\"2B\"",
            "--exclude",
            "name==1A",
        ],
        // Each exclude call leaves out its own roots.
        &[
            "--model",
            "schoolclasses",
            "--exclude",
            "teachers__name__startswith=A",
            "--exclude",
            "id__gte=4",
        ],
    ];
    let mut all = String::new();
    for case in cases {
        let run = |url: &str| {
            let mut args = vec!["query", "--db", url, "--format", "ndjson"];
            args.extend_from_slice(case);
            stdout(&args)
        };
        let expected = run(&schools[0].url);
        for (school, name) in schools.iter().zip(["SQLite", "PostgreSQL", "MariaDB"]) {
            assert_eq!(run(&school.url), expected, "{name}: {case:?}");
        }
        all += &format!("$ {}\n{expected}", case.join(" "));
    }
    insta::assert_snapshot!(all, @r#"
    $ --model schoolclasses --select-related students --filter students__category__name=Math --exclude department__name=Arts
    {"id":1,"name":"1A","department_id":1,"students":[{"id":1,"name":"Cid","schoolclass_id":1,"category_id":1},{"id":2,"name":"Dee","schoolclass_id":1,"category_id":2}]}
    $ --model students --filter id__in=[1,3,5] --filter category__isnull=true
    {"id":3,"name":"Eve","schoolclass_id":2,"category_id":null}
    {"id":5,"name":"Hal","schoolclass_id":4,"category_id":null}
    $ --model schoolclasses --filter name=1A --exclude name="2B" --exclude name==1A
    {"id":1,"name":"1A","department_id":1}
    $ --model schoolclasses --exclude teachers__name__startswith=A --exclude id__gte=4
    {"id":2,"name":"2B","department_id":1}
    {"id":3,"name":"3C","department_id":2}
    "#);
}

#[test]
fn filter_flags_are_the_query_files_filter_and_exclude_lists() {
    let school = common::sqlite_school();
    let file = std::env::temp_dir().join(format!("relq_cli_{}_filter.json", std::process::id()));
    let query = serde_json::json!({
        "model": "students",
        "select_related": ["schoolclass"],
        "filter": [["schoolclass__teachers__name__in", ["Ann", "Fay"]], ["name__gt", "Cid"]],
        "exclude": [["category", 2]],
    });
    std::fs::write(&file, query.to_string()).expect("write");
    let path = file.display().to_string();
    let from_file = stdout(&["query", "--db", &school.url, "--query-file", &path]);
    std::fs::remove_file(&file).expect("remove");
    let flags = stdout(&[
        "query",
        "--db",
        &school.url,
        "--model",
        "students",
        "--select-related",
        "schoolclass",
        "--filter",
        r#"schoolclass__teachers__name__in=["Ann", "Fay"]"#,
        "--filter",
        "name__gt=Cid",
        "--exclude",
        "category=2",
    ]);
    assert_eq!(flags, from_file);
    let names: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(&flags)
        .expect("JSON")
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    // Students of classes 1 and 3 after Cid, without category 2 (Dee): Ida only.
    assert_eq!(names, ["Ida"]);
}

#[test]
fn compat_ormar_trims_the_filtered_list_and_loads_it() {
    let school = common::sqlite_school();
    let run = |compat: &str| {
        let json = stdout(&[
            "query",
            "--db",
            &school.url,
            "--model",
            "schoolclasses",
            "--filter",
            "students__name=Cid",
            "--compat",
            compat,
        ]);
        serde_json::from_str::<serde_json::Value>(&json).expect("JSON")
    };
    // Only class 1A has Cid. relq's scope keeps the class and loads nothing; ormar's loads
    // the students the filter crossed, trimmed to the matching one.
    let roots = run("roots");
    assert_eq!(roots.as_array().map(Vec::len), Some(1));
    assert_eq!(roots[0]["name"], "1A");
    assert!(roots[0].get("students").is_none(), "{roots}");
    let ormar = run("ormar");
    assert_eq!(ormar.as_array().map(Vec::len), Some(1));
    let students: Vec<&serde_json::Value> = ormar[0]["students"]
        .as_array()
        .expect("students loaded")
        .iter()
        .map(|s| &s["name"])
        .collect();
    assert_eq!(students, ["Cid"]);
}

#[test]
fn strategies_split_and_json_print_the_joined_records() {
    let school = common::sqlite_school();
    let args = |strategy: &'static str| {
        [
            "--db",
            school.url.as_str(),
            "--model",
            "schoolclasses",
            "--select-related",
            "teachers,students",
            "--strategy",
            strategy,
        ]
    };
    let query = |strategy| stdout(&[&["query"][..], &args(strategy)].concat());
    assert_eq!(query("split"), query("joined"));
    assert_eq!(query("json"), query("joined"));
    let compiled = |strategy| {
        let text = stdout(&[&["compile", "--format", "json"][..], &args(strategy)].concat());
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        json["statements"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(
        (compiled("joined"), compiled("split"), compiled("json")),
        (1, 3, 1)
    );
    // --explain shows the json statement: the lists as aggregated subqueries.
    let explained = relq(&[&["query", "--explain"][..], &args("json")].concat());
    let stderr = String::from_utf8_lossy(&explained.stderr);
    assert!(stderr.contains("json_group_array(json_array("), "{stderr}");
    // A page: the list statements bind the root keys, which compile and --explain note.
    let paged = |strategy| [&args(strategy)[..], &["--limit", "2"]].concat();
    let query = |strategy| stdout(&[&["query"][..], &paged(strategy)].concat());
    assert_eq!(query("split"), query("joined"));
    let text = stdout(&[&["compile"][..], &paged("split")].concat());
    // Chunked to the parameter limit the connection reports.
    let note = "-- keys: the IN list of the root keys statement 0 returns, chunked to ";
    assert_eq!(text.matches(note).count(), 2, "{text}");
    assert!(text.contains(r#"WHERE "t0"."id" IN (?)"#), "{text}");
    let explained = relq(
        &[
            &["query", "--explain", "--format", "table"][..],
            &paged("split"),
        ]
        .concat(),
    );
    let stderr = String::from_utf8_lossy(&explained.stderr);
    assert_eq!(stderr.matches(note).count(), 2, "{stderr}");
    // JSON streams: the list statements re-select the page of roots instead.
    let explained = relq(&[&["query", "--explain"][..], &paged("split")].concat());
    let stderr = String::from_utf8_lossy(&explained.stderr);
    assert_eq!(stderr.matches(note).count(), 0, "{stderr}");
    assert_eq!(stderr.matches("FROM (").count(), 2, "{stderr}");
}

/// `--count` and `--exists` print one JSON object, the same on the three databases: the
/// classes counted once each however many students are loaded, within the limit and
/// offset; the two flags exclude each other.
#[test]
fn count_and_exists_print_one_object_alike_on_three_databases() {
    let rows = relq_tests::samples::school_rows();
    let classes = rows
        .iter()
        .find(|(table, _)| *table == "schoolclasses")
        .map_or(0, |(_, r)| r.len());
    assert!(classes > 2, "the sample has classes");
    let schools = three_schools();
    for school in &schools {
        let run = |more: &[&str]| {
            let text = stdout(&school_query(&school.url, more));
            serde_json::from_str::<serde_json::Value>(&text).expect("one JSON value")
        };
        assert_eq!(run(&["--count"]), serde_json::json!({ "count": classes }));
        assert_eq!(
            run(&["--count", "--offset", "1", "--limit", "100"]),
            serde_json::json!({ "count": classes - 1 })
        );
        assert_eq!(run(&["--exists"]), serde_json::json!({ "exists": true }));
        let past = classes.to_string();
        assert_eq!(
            run(&["--exists", "--offset", &past]),
            serde_json::json!({ "exists": false })
        );
    }
    let (code, message) = common::failure(&school_query(&schools[0].url, &["--count", "--exists"]));
    assert_eq!(code, Some(2));
    assert!(
        message.contains("'--count' cannot be used with '--exists'"),
        "{message}"
    );
}

/// `compile --format json` of a query file with a terminal carries its output: here the
/// named, typed columns of `values` and `aggregate`, which an ORM in another language
/// reads the rows by.
#[test]
fn compile_json_says_what_a_terminal_returns() {
    let file = std::env::temp_dir().join(format!("relq_cli_{}_terminal.json", std::process::id()));
    let compile = |query: serde_json::Value| {
        std::fs::write(&file, query.to_string()).expect("write");
        let path = file.to_str().expect("UTF-8 path");
        let args = [
            "compile",
            "--schema",
            "schemas/blog.toml",
            "--format",
            "json",
            "--query-file",
            path,
        ];
        let document: serde_json::Value = serde_json::from_str(&stdout(&args)).expect("JSON");
        document["output"].clone()
    };
    let values = compile(serde_json::json!({
        "model": "Post",
        "terminal": {"values": {"fields": ["title", "author__id"], "distinct": true}}
    }));
    let aggregate = compile(serde_json::json!({
        "model": "Post",
        "terminal": {"aggregate": [{"func": "avg", "path": "categories__id"}]}
    }));
    let count = compile(serde_json::json!({"model": "Post", "terminal": "count"}));
    let first = compile(serde_json::json!({"model": "Post", "terminal": "last"}));
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        values,
        serde_json::json!({"rows": {"columns": [
            {"name": "title", "path": "title", "kind": "text"},
            {"name": "author__id", "path": "author__id", "kind": "int"}
        ], "distinct": true}})
    );
    assert_eq!(
        aggregate,
        serde_json::json!({"rows": {"columns": [
            {"name": "categories__id__avg", "path": "categories__id", "kind": "float", "aggregate": "avg"}
        ], "distinct": false}})
    );
    assert_eq!(count, serde_json::json!("count"));
    assert_eq!(first, serde_json::json!({"records": "first"}));
}
