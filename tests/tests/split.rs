//! The split and auto strategies on SQLite, PostgreSQL and MariaDB (each in a fresh
//! namespace, `common::servers::scratch`): the school's generated data at scale 1 read
//! with ormar's seed query (`teachers__category` and `students__category`) gives the same
//! records as the joined strategy while reading one row per class, teacher and student
//! instead of one per teacher × student of each class (both counts computed from the
//! data; auto's three statements return the classes, the teachers and the students);
//! auto joins a chain below a split list (`teachers__category__students`) and each of
//! its statements returns one row per leaf path of its lists, none multiplied; and a
//! MariaDB `_ci` collated text key, which the server matches case-insensitively, finds
//! its children with either strategy; hand-made statement rows show the rebuild's
//! stitching and its errors. With a filter or a page the statements after the root's bind
//! the root keys in `IN` lists: forced into chunks of 2 or 3 keys (a dialect with that
//! parameter limit), the records are still the joined strategy's, on the `_ci` key too,
//! and no root runs no list statement. (Every corpus case runs with every strategy in
//! `differential.rs`; random queries in `differential_properties.rs`.) Queries in ormar's
//! scope, terminals without records and queries loading no list run as one statement
//! under split and auto.

mod common;

use common::servers::{Scratch, Server, scratch};
use common::statements::{rows_without_products, statement_rows};
use relq::plan::Roots;
use relq::rows::to_json;
use relq::sql::Caps;
use relq::{
    Compiled, Database, Filter, OrderBy, Query, RelationGraph, SchemaDef, Strategy, Value, compile,
};
use relq_sample::{Sample, generate, load};

/// The records as JSON and the rows read, for `query` with `strategy`.
fn fetch(
    db: &mut Database,
    graph: &RelationGraph,
    query: &Query,
    strategy: Strategy,
) -> (serde_json::Value, usize, usize) {
    let query = query.clone().strategy(strategy);
    let compiled = compile(graph, &query, db.dialect()).expect("compiles");
    let fetched = db.fetch(&compiled).expect("runs");
    let records = fetched.answer.into_records().expect("records");
    let json = to_json(&compiled.plan.extraction, &records).expect("JSON");
    (json, fetched.rows, compiled.statements.len())
}

#[test]
fn split_reads_each_list_once_and_returns_the_joined_records() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, 7).expect("scale 1 generates");
    let classes = data.table("SchoolClass").expect("classes").rows.len();
    // Per class, its teachers and students (their third field is `schoolclass_id`).
    let per_class = |model: &str| {
        let mut counts = std::collections::HashMap::new();
        for row in &data.table(model).expect("table").rows {
            if let Some(Value::Int(class)) = row.get(2) {
                *counts.entry(*class).or_insert(0_usize) += 1;
            }
        }
        counts
    };
    let (teachers, students) = (per_class("Teacher"), per_class("Student"));
    let class_ids = data
        .table("SchoolClass")
        .expect("classes")
        .rows
        .iter()
        .map(|r| match r[0] {
            Value::Int(id) => id,
            _ => panic!("an integer key"),
        });
    // A LEFT JOIN row per teacher × student of a class, one for a class without either.
    let joined_rows: usize = class_ids
        .map(|id| {
            let t = teachers.get(&id).copied().unwrap_or(0).max(1);
            t * students.get(&id).copied().unwrap_or(0).max(1)
        })
        .sum();
    let split_rows = classes + teachers.values().sum::<usize>() + students.values().sum::<usize>();
    assert!(
        split_rows < joined_rows,
        "{split_rows} rows split, {joined_rows} joined"
    );

    let query = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category");
    for server in Server::ALL {
        let mut db = scratch(server, "split_school");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{}: loading: {e}", server.name()));
        let (joined, rows, statements) = fetch(&mut db, &graph, &query, Strategy::Joined);
        assert_eq!((rows, statements), (joined_rows, 1), "{}", server.name());
        let (split, rows, statements) = fetch(&mut db, &graph, &query, Strategy::Split);
        assert_eq!((rows, statements), (split_rows, 3), "{}", server.name());
        // Auto splits the sibling lists too: the classes, the teachers, the students.
        let auto = compile(&graph, &query, db.dialect()).expect("compiles");
        let per_statement = statement_rows(&mut db, &auto).expect("runs");
        assert_eq!(
            per_statement,
            [
                classes,
                teachers.values().sum::<usize>(),
                students.values().sum::<usize>()
            ],
            "{}",
            server.name()
        );
        let (by_auto, ..) = fetch(&mut db, &graph, &query, Strategy::Auto);
        assert!(
            joined == by_auto,
            "{}: auto records differ from joined",
            server.name()
        );
        assert_eq!(
            joined.as_array().map(Vec::len),
            Some(classes),
            "{}",
            server.name()
        );
        assert!(
            joined == split,
            "{}: split records differ from joined",
            server.name()
        );
    }
}

/// On MariaDB, in a fresh database named after `namespace`: codes keyed by a text column
/// of the server's `utf8mb4_general_ci` collation (case-insensitive, as a table made
/// elsewhere may be; relq's own tables compare by code point), and uses pointing at
/// them, with the rows of the two `VALUES` lists; the schema relq reads them with.
fn case_insensitive_codes(namespace: &str, codes: &str, uses: &str) -> (RelationGraph, Scratch) {
    let graph = SchemaDef::from_toml(
        r#"
        [[models]]
        name = "Code"
        table = "codes"
        fields = [{ name = "code", type = "text", max_length = 10, primary_key = true }]

        [[models]]
        name = "Use"
        table = "uses"
        fields = [{ name = "id", type = "integer", primary_key = true }]
        foreign_keys = [{ name = "code", to = "Code", nullable = false }]
        "#,
    )
    .and_then(|d| d.build())
    .expect("valid schema");
    let mut db = scratch(Server::MariaDb, namespace);
    for sql in [
        "CREATE TABLE `codes` (`code` VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY) CHARACTER SET utf8mb4".to_owned(),
        "CREATE TABLE `uses` (`id` INT PRIMARY KEY, `code_id` VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL) CHARACTER SET utf8mb4".to_owned(),
        format!("INSERT INTO `codes` VALUES {codes}"),
        format!("INSERT INTO `uses` VALUES {uses}"),
    ] {
        db.run(&sql, &[]).unwrap_or_else(|e| panic!("{e}\n  {sql}"));
    }
    (graph, db)
}

#[test]
fn a_case_insensitive_text_key_finds_its_children_with_either_strategy() {
    let (graph, mut db) = case_insensitive_codes(
        "split_ci",
        "('abc'), ('xyz')",
        "(1, 'ABC'), (2, 'abc'), (3, 'Xyz')",
    );
    let query = Query::new("Code").select_related("uses");
    let (joined, ..) = fetch(&mut db, &graph, &query, Strategy::Joined);
    let (split, rows, _) = fetch(&mut db, &graph, &query, Strategy::Split);
    assert_eq!(rows, 2 + 3);
    assert_eq!(split, joined);
    assert_eq!(
        split,
        serde_json::json!([
            {"code": "abc", "uses": [{"id": 1, "code_id": "ABC"}, {"id": 2, "code_id": "abc"}]},
            {"code": "xyz", "uses": [{"id": 3, "code_id": "Xyz"}]},
        ])
    );
}

/// `query` compiled with `strategy` for `db`'s dialect with a parameter limit of
/// `max_params`, fetched: its records as JSON and the compiled query.
fn fetch_limited<'g>(
    db: &mut Database,
    graph: &'g RelationGraph,
    query: &Query,
    strategy: Strategy,
    max_params: usize,
) -> (serde_json::Value, Compiled<'g>) {
    let dialect = db.dialect().with_caps(Caps {
        max_params,
        ..*db.dialect().caps()
    });
    let query = query.clone().strategy(strategy);
    let compiled = compile(graph, &query, &*dialect).expect("compiles");
    let records = db
        .fetch(&compiled)
        .expect("runs")
        .answer
        .into_records()
        .expect("records");
    let json = to_json(&compiled.plan.extraction, &records).expect("JSON");
    (json, compiled)
}

#[test]
fn root_keys_bound_in_chunks_of_three_give_the_joined_records() {
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, 7).expect("scale 1 generates");
    let across = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .filter(Filter::new("students__category__id__lte", 5));
    let page = across
        .clone()
        .order_by(OrderBy::new("name"))
        .limit(8)
        .offset(3);
    let none = across.clone().filter(Filter::new("id__gt", 1_000_000));
    for server in Server::ALL {
        let mut db = scratch(server, "split_keys");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{}: loading: {e}", server.name()));
        for (name, query, roots) in [
            ("filter", &across, None),
            ("page", &page, Some(8)),
            ("none", &none, Some(0)),
        ] {
            let at = format!("{} {name}", server.name());
            let (joined, _) = fetch_limited(&mut db, &graph, query, Strategy::Joined, 3);
            let (split, compiled) = fetch_limited(&mut db, &graph, query, Strategy::Split, 3);
            let forms: Vec<Roots> = compiled.plan.statements()[1..]
                .iter()
                .map(|s| s.roots())
                .collect();
            assert_eq!(forms, [Roots::Keys, Roots::Keys], "{at}");
            let chunks: Vec<usize> = compiled.statements[1..]
                .iter()
                .map(|s| s.keys.as_ref().map_or(0, |k| k.chunk))
                .collect();
            assert_eq!(chunks, [3, 3], "{at}");
            let count = joined.as_array().map_or(0, Vec::len);
            if let Some(roots) = roots {
                assert_eq!(count, roots, "{at}");
            } else {
                assert!(count > 6, "{at}: {count} roots, fewer than three chunks");
            }
            assert!(split == joined, "{at}: split records differ from joined");
        }
    }
}

#[test]
fn auto_binds_each_root_key_once_when_a_joined_chain_repeats_the_roots() {
    // `students` is a chain joined into the roots' statement (one row per student);
    // below it the category's students and teachers are siblings, split, binding the
    // root keys in chunks of 3: a class repeated over its students is bound once, so no
    // chunk reads its lists twice. (Compared with split, which repeats no root: joined
    // would multiply the category's students by its teachers.)
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, 5).expect("scale 1 generates");
    let query = Query::new("SchoolClass")
        .select_related("students__category__students")
        .select_related("students__category__teachers")
        .filter(Filter::new("id__lte", 7));
    for server in Server::ALL {
        let mut db = scratch(server, "auto_keys_once");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{}: loading: {e}", server.name()));
        let (split, _) = fetch_limited(&mut db, &graph, &query, Strategy::Split, 3);
        let (auto, compiled) = fetch_limited(&mut db, &graph, &query, Strategy::Auto, 3);
        let roots: Vec<Roots> = compiled
            .plan
            .statements()
            .iter()
            .map(|s| s.roots())
            .collect();
        assert_eq!(
            roots,
            [Roots::Filter, Roots::Keys, Roots::Keys],
            "{}",
            server.name()
        );
        assert_eq!(compiled.statements.len(), 3, "{}", server.name());
        assert!(
            auto == split,
            "{}: auto records differ from split",
            server.name()
        );
        let records = db.execute(&compiled).expect("runs");
        let plan = &compiled.plan.extraction;
        let without: usize = rows_without_products(plan, &records, compiled.statements.len())
            .iter()
            .sum();
        let read = db.fetch(&compiled).expect("runs").rows;
        assert_eq!(read, without, "{}: rows read", server.name());
    }
}

#[test]
fn a_case_insensitive_text_key_bound_in_chunks_of_two_finds_its_children() {
    let (graph, mut db) = case_insensitive_codes(
        "split_keys_ci",
        "('abc'), ('Abd'), ('xyz'), ('XYW'), ('zz')",
        "(1, 'ABC'), (2, 'abc'), (3, 'aBD'), (4, 'Xyz'), (5, 'xyw'), (6, 'XYW')",
    );
    // The filter makes the plan bind the root keys; `zz` has no use.
    let query = Query::new("Code")
        .select_related("uses")
        .filter(Filter::new("code__ne", "none"));
    let (joined, _) = fetch_limited(&mut db, &graph, &query, Strategy::Joined, 2);
    let (split, compiled) = fetch_limited(&mut db, &graph, &query, Strategy::Split, 2);
    assert_eq!(
        compiled.statements[1].keys.as_ref().map(|k| k.chunk),
        Some(2)
    );
    assert_eq!(split, joined);
    assert_eq!(
        split,
        serde_json::json!([
            {"code": "abc", "uses": [{"id": 1, "code_id": "ABC"}, {"id": 2, "code_id": "abc"}]},
            {"code": "Abd", "uses": [{"id": 3, "code_id": "aBD"}]},
            {"code": "XYW", "uses": [{"id": 5, "code_id": "xyw"}, {"id": 6, "code_id": "XYW"}]},
            {"code": "xyz", "uses": [{"id": 4, "code_id": "Xyz"}]},
            {"code": "zz", "uses": []},
        ])
    );
}

/// The seed query's split plan (statements: classes; teachers and their category;
/// students and theirs) and a full-width row with `values` at `positions`.
fn seed_plan() -> relq::ExtractionPlan {
    let graph = Sample::School.graph().expect("the school sample builds");
    let query = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .strategy(Strategy::Split);
    compile(&graph, &query, &relq::Sqlite::default())
        .expect("compiles")
        .plan
        .extraction
        .clone()
}

fn row(plan: &relq::ExtractionPlan, values: &[(usize, Value)]) -> Vec<Value> {
    let mut row = vec![Value::Null; plan.width];
    for (position, value) in values {
        row[*position] = value.clone();
    }
    row
}

#[test]
fn the_rebuild_stitches_statements_by_their_keys_and_names_what_it_cannot() {
    use relq::rows::{PlanProblem, Rebuilder, RowErrorKind as K, StatementProblem as P};
    let plan = seed_plan();
    let columns: Vec<&[usize]> = plan.statements.iter().map(|s| &s.columns[..]).collect();
    assert_eq!(
        columns,
        [
            &[0, 1, 2][..],
            &[0, 3, 4, 5, 6, 7, 8],
            &[0, 9, 10, 11, 12, 13, 14]
        ]
    );
    let text = |s: &str| Value::Text(s.to_owned());
    let class = |id| {
        row(
            &plan,
            &[(0, Value::Int(id)), (1, text("1A")), (2, Value::Int(1))],
        )
    };
    let teacher = |class, id| {
        row(
            &plan,
            &[
                (0, Value::Int(class)),
                (3, Value::Int(id)),
                (4, text("T")),
                (5, Value::Int(class)),
            ],
        )
    };
    // Two classes, then their teachers in the list's order (another class's between).
    let mut rebuilder = Rebuilder::new(&plan).expect("a valid plan");
    for mut r in [class(1), class(2)] {
        rebuilder.push(&mut r).expect("a class");
    }
    rebuilder.begin_statement(1).expect("statement 1");
    for mut r in [
        teacher(1, 10),
        teacher(2, 11),
        teacher(1, 12),
        teacher(1, 12),
    ] {
        rebuilder.push(&mut r).expect("a teacher");
    }
    rebuilder.begin_statement(2).expect("statement 2");
    let records = rebuilder.finish().expect("rebuilt");
    let ids = |class: &relq::Record| match &class.relations[0] {
        relq::rows::Related::Many(list) => list.iter().map(|t| t.fields[0].clone()).collect(),
        relq::rows::Related::One(_) => Vec::new(),
    };
    assert_eq!(ids(&records[0]), [Value::Int(10), Value::Int(12)]);
    assert_eq!(ids(&records[1]), [Value::Int(11)]);

    // A key no earlier statement read, a statement the plan does not have.
    let mut rebuilder = Rebuilder::new(&plan).expect("a valid plan");
    rebuilder.push(&mut class(1)).expect("a class");
    rebuilder.begin_statement(1).expect("statement 1");
    let err = rebuilder
        .push(&mut teacher(3, 10))
        .expect_err("class 3 was not read");
    assert!(
        matches!(err.kind(), K::UnknownKey { position: 0, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "row 1: column 0 (`SchoolClass.id`) holds key 3 of `SchoolClass`, which no earlier statement read"
    );
    let mut rebuilder = Rebuilder::new(&plan).expect("a valid plan");
    let err = rebuilder.begin_statement(3).expect_err("three statements");
    assert!(
        matches!(
            err.kind(),
            K::UnknownStatement {
                statement: 3,
                count: 3
            }
        ),
        "{err}"
    );

    // Plans whose statements break a rule.
    let broken = |edit: fn(&mut relq::ExtractionPlan)| {
        let mut plan = seed_plan();
        edit(&mut plan);
        match Rebuilder::new(&plan)
            .map(|_| ())
            .expect_err("invalid")
            .kind()
        {
            K::InvalidPlan(PlanProblem::Statement { statement, problem }) => {
                (*statement, problem.clone())
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        broken(|p| p.statements[1].keys.push(1)),
        (1, P::BadNode { node: 1 })
    );
    assert_eq!(
        broken(|p| p.statements[1].keys.clear()),
        (1, P::ParentNotCarried { node: 1 })
    );
    assert_eq!(
        broken(|p| {
            p.statements[2].columns.pop();
        }),
        (2, P::Columns { position: 14 })
    );
}

#[test]
fn ormar_scope_and_terminals_without_records_run_as_one_statement() {
    let graph = Sample::School.graph().expect("the school sample builds");
    for strategy in [Strategy::Split, Strategy::Auto] {
        one_statement_outside_the_roots_scope(&graph, strategy);
    }
}

fn one_statement_outside_the_roots_scope(graph: &RelationGraph, strategy: Strategy) {
    let base = Query::new("SchoolClass")
        .select_related("teachers")
        .select_related("students")
        .strategy(strategy);
    let statements = |query: &Query| {
        let compiled = compile(graph, query, &relq::Sqlite::default()).expect("compiles");
        (
            compiled.statements.len(),
            compiled.plan.extraction.statements.len(),
        )
    };
    assert_eq!(statements(&base), (3, 3));
    // ormar's filter holds on the joined rows, so its lists come from one statement.
    let ormar = base.clone().compat(relq::Compat::Ormar);
    assert_eq!(statements(&ormar), (1, 0));
    let count = base.clone().terminal(relq::Terminal::Count);
    assert_eq!(statements(&count), (1, 0));
    // A query that loads no list has the root statement only, the joined one.
    let to_one = Query::new("Student")
        .select_related("schoolclass__department")
        .strategy(strategy);
    assert_eq!(statements(&to_one), (1, 0));
}

#[test]
fn a_list_statement_whose_own_parameters_fill_the_limit_is_refused() {
    let graph = Sample::Blog.graph().expect("the blog sample builds");
    // The nested list's filter and limit are two parameters of the list statement's own.
    let query = Query::new("Post")
        .select_related(
            relq::Related::new("categories")
                .filter(Filter::new("name", "News"))
                .limit(2),
        )
        .limit(10)
        .strategy(Strategy::Split);
    let caps = |max_params| {
        relq::sql::Ansi::new(Caps {
            max_params,
            ..Caps::ANSI
        })
    };
    let compiled = compile(&graph, &query, &caps(3)).expect("room for one key");
    assert_eq!(
        compiled.statements[1].keys.as_ref().map(|k| k.chunk),
        Some(1)
    );
    let err = compile(&graph, &query, &caps(2)).expect_err("no room for a key");
    assert!(
        matches!(
            err.kind(),
            relq::CompileErrorKind::TooManyParams {
                statement: 1,
                params: 2,
                limit: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn auto_joins_a_chain_below_a_split_list_and_multiplies_no_lists() {
    // students and teachers are siblings (split); below the teachers, the category's
    // students are a chain (joined into the teachers' statement); the root's page is
    // read by every statement.
    let graph = Sample::School.graph().expect("the school sample builds");
    let data = generate(Sample::School, 1, 11).expect("scale 1 generates");
    let query = Query::new("SchoolClass")
        .select_related("students__category")
        .select_related("teachers__category__students")
        .order_by(relq::OrderBy::new("-name"))
        .limit(3)
        .offset(1);
    for server in Server::ALL {
        let mut db = scratch(server, "auto_chain");
        load(&mut db, &data).unwrap_or_else(|e| panic!("{}: loading: {e}", server.name()));
        let compiled = compile(&graph, &query, db.dialect()).expect("compiles");
        assert_eq!(compiled.statements.len(), 3, "{}", server.name());
        let records = db.execute(&compiled).expect("runs");
        let plan = &compiled.plan.extraction;
        let without = rows_without_products(plan, &records, 3);
        let rows = statement_rows(&mut db, &compiled).expect("runs");
        assert_eq!(rows, without, "{}", server.name());
        let loads: Vec<(&str, Option<relq::plan::Load>)> = (0..plan.nodes.len())
            .filter_map(|i| {
                let node = compiled.plan.tree_node(i)?;
                let load = compiled.plan.load(&graph, node)?;
                Some((plan.nodes[i].path.as_str(), Some(load)))
            })
            .collect();
        use relq::plan::Load::{Joined, Split};
        assert_eq!(
            loads,
            [
                ("students", Some(Split)),
                ("teachers", Some(Split)),
                ("teachers__category__students", Some(Joined))
            ]
        );
        let (joined, ..) = fetch(&mut db, &graph, &query, Strategy::Joined);
        let auto = to_json(plan, &records).expect("JSON");
        assert!(
            joined == auto,
            "{}: auto records differ from joined",
            server.name()
        );
    }
}
