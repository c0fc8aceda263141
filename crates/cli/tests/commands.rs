//! `relq schema`, `compile`, `query` and `graph` run as a user runs them, on the school
//! database in SQLite, PostgreSQL and MariaDB.

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
    assert_eq!(document["statements"][0]["sql"], compiled.statements[0].sql);
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
      t1 teachers: teachers (reverse fk, left outer join)
        t2 category: categories (fk, left outer join)
      t3 students: students (reverse fk, left outer join)
        t4 category: categories (fk, left outer join)
    -- sqlite
    SELECT "t0"."id", "t0"."name", "t0"."department_id", "t1"."id", "t1"."name", "t1"."schoolclass_id", "t1"."category_id", "t2"."id", "t2"."name", "t3"."id", "t3"."name", "t3"."schoolclass_id", "t3"."category_id", "t4"."id", "t4"."name"
    FROM "schoolclasses" AS "t0"
      LEFT OUTER JOIN "teachers" AS "t1" ON "t0"."id" = "t1"."schoolclass_id"
      LEFT OUTER JOIN "categories" AS "t2" ON "t1"."category_id" = "t2"."id"
      LEFT OUTER JOIN "students" AS "t3" ON "t0"."id" = "t3"."schoolclass_id"
      LEFT OUTER JOIN "categories" AS "t4" ON "t3"."category_id" = "t4"."id"
    ORDER BY "t0"."id" ASC, "t1"."id" ASC, "t3"."id" ASC
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
        0 -> 1 [ label = "categories (m2m via PostCategory as t1, left outer join)" ]
        1 -> 2 [ label = "posts (reverse m2m via PostCategory as t3, left outer join)" ]
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
