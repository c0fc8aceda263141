//! Filters the shards can run: on the postgres_fdw coordinator (`RELQ_FDW_URL`, whose
//! `students` is partitioned into foreign tables on two shards), relq's statement for a
//! filtered query, run as `EXPLAIN (VERBOSE)`, shows the filter in the foreign scans'
//! `Remote SQL: ... WHERE ...` when the graph was built over the catalog (the column's
//! collation known, [`relq::postgres::own_collation_suffices`]), and not when the
//! collation is pinned (`COLLATE "C"`, a schema declared alone) on a column of another
//! collation: postgres_fdw ships no condition whose collation does not come from a
//! foreign table's column. Both read the same records.
//!
//! The test makes its own partitioned tables in a scratch schema, over the same remote
//! tables as the coordinator's `students` partitions: `c_students`, whose `name` is
//! declared `COLLATE "C"` (as relq's DDL declares text), and `d_students`, on the
//! database's default collation. A missing URL fails the test.

use postgres::{Client, NoTls};
use relq::graph::over_catalog;
use relq::graph::{FieldDef, FieldType, ModelDef};
use relq::plan::Filter;
use relq::{Database, Query, RelationGraph, SchemaDef, compile};
use relq_tests::servers::server_url;

/// The scratch schema, dropped with the value.
struct Scratch {
    client: Client,
    schema: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let drop = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        let _ = self.client.batch_execute(&drop);
    }
}

/// `c_students` (`name COLLATE "C"`) and `d_students` (the default collation), each
/// partitioned as `students` is, into foreign tables on the same remote tables.
fn scratch(url: &str) -> Scratch {
    let mut client = Client::connect(url, NoTls).unwrap_or_else(|e| panic!("{url}: {e}"));
    let schema = format!("relq_fdw_pushdown_{}", std::process::id());
    let partitions = client
        .query(
            "SELECT s.srvname::text, COALESCE(o.schema_name, n.nspname::text), \
             COALESCE(o.table_name, c.relname::text), pg_get_expr(c.relpartbound, c.oid) \
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_foreign_table f ON f.ftrelid = c.oid \
             JOIN pg_foreign_server s ON s.oid = f.ftserver \
             CROSS JOIN LATERAL (SELECT \
               max(option_value) FILTER (WHERE option_name = 'schema_name') AS schema_name, \
               max(option_value) FILTER (WHERE option_name = 'table_name') AS table_name \
               FROM pg_options_to_table(f.ftoptions)) o \
             WHERE i.inhparent = 'students'::regclass ORDER BY c.relname",
            &[],
        )
        .expect("the partitions of `students`");
    assert!(
        partitions.len() >= 2,
        "`students` at {url} is partitioned into foreign tables"
    );
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut ddl = format!(
        "DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0};",
        quoted(&schema)
    );
    for (tag, collate) in [("c", " COLLATE \"C\""), ("d", "")] {
        let table = format!("{}.{}", quoted(&schema), quoted(&format!("{tag}_students")));
        ddl += &format!(
            "CREATE TABLE {table} (id INTEGER NOT NULL, name VARCHAR(100){collate} NOT NULL, \
             schoolclass_id INTEGER NOT NULL, category_id INTEGER) PARTITION BY HASH (id);"
        );
        for (i, p) in partitions.iter().enumerate() {
            let (server, remote_schema, remote_table, bound): (String, String, String, String) =
                (p.get(0), p.get(1), p.get(2), p.get(3));
            ddl += &format!(
                "CREATE FOREIGN TABLE {}.{} PARTITION OF {table} {bound} SERVER {} \
                 OPTIONS (schema_name {}, table_name {});",
                quoted(&schema),
                quoted(&format!("{tag}_students_p{i}")),
                quoted(&server),
                literal(&remote_schema),
                literal(&remote_table),
            );
        }
    }
    client
        .batch_execute(&ddl)
        .unwrap_or_else(|e| panic!("{ddl}: {e}"));
    client
        .batch_execute(&format!("SET search_path TO {}", quoted(&schema)))
        .expect("search_path");
    Scratch { client, schema }
}

/// The declared models: `CStudent` over `c_students`, `DStudent` over `d_students`.
fn declared() -> SchemaDef {
    let student = |name: &str, table: &str| {
        ModelDef::new(name)
            .table(table)
            .pk("id", FieldType::Integer)
            .field(FieldDef::new("name", FieldType::text(100)))
            .field(FieldDef::new("schoolclass_id", FieldType::Integer))
            .field(FieldDef::new("category_id", FieldType::Integer).nullable())
    };
    SchemaDef::new()
        .model(student("CStudent", "c_students"))
        .model(student("DStudent", "d_students"))
}

/// Whether every foreign scan of `query`'s one statement on `graph` runs the filter on
/// its shard (`Remote SQL: ... WHERE`), read from `EXPLAIN (VERBOSE)`.
fn shipped(scratch: &mut Scratch, db: &Database, graph: &RelationGraph, query: &Query) -> bool {
    let compiled = compile(graph, query, db.dialect()).expect("compiles");
    assert_eq!(compiled.statements.len(), 1);
    let statement = &compiled.statements[0];
    let texts: Vec<&str> = statement
        .params
        .iter()
        .map(|v| match v {
            relq::Value::Text(s) => s.as_str(),
            other => panic!("a text filter binds text, not {other:?}"),
        })
        .collect();
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = texts
        .iter()
        .map(|s| s as &(dyn postgres::types::ToSql + Sync))
        .collect();
    let explain = format!("EXPLAIN (VERBOSE) {}", statement.sql);
    let plan: Vec<String> = scratch
        .client
        .query(&explain, &params)
        .unwrap_or_else(|e| panic!("{explain}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect();
    let remote: Vec<&String> = plan.iter().filter(|l| l.contains("Remote SQL:")).collect();
    assert!(remote.len() >= 2, "a foreign scan per shard: {plan:#?}");
    let with_where = remote.iter().filter(|l| l.contains(" WHERE ")).count();
    assert!(
        with_where == 0 || with_where == remote.len(),
        "every shard alike: {plan:#?}"
    );
    with_where > 0
}

#[test]
fn filters_run_on_the_shards_where_the_columns_collation_gives_relqs_comparison() {
    let url = server_url("RELQ_FDW_URL");
    let mut scratch = scratch(&url);
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!(
        "{url}{separator}options=-c%20search_path%3D{}",
        scratch.schema
    );
    let mut db = Database::open(&scoped).unwrap_or_else(|e| panic!("{e}"));
    let def = declared();
    let over = over_catalog(&def, &db.catalog().expect("the catalog")).expect("declared");
    let alone = def.build().expect("declared");
    let name: String = scratch
        .client
        .query_one("SELECT name FROM c_students ORDER BY id LIMIT 1", &[])
        .expect("a student")
        .get(0);
    let first: String = name.chars().take(1).collect();
    let default = over
        .model_by_name("DStudent")
        .and_then(|m| m.field("name"))
        .and_then(|f| f.collation())
        .expect("the catalog's collation")
        .clone();
    assert!(default.database_default && default.deterministic);
    let code_point_default = ["C", "POSIX"].contains(&default.name.as_str());

    // (lookup, value, ships with the collation known on the C column, on the default
    // column; ships pinned on the C column)
    let cases = [
        ("name", name.clone(), true, true, true),
        ("name__startswith", first, true, true, true),
        ("name__gt", name.clone(), true, code_point_default, true),
        // A fold is in the database's default collation: on a `C` column that is a
        // `COLLATE "default"` of the coordinator's, never shipped.
        ("name__iexact", name.to_lowercase(), false, true, false),
    ];
    for (lookup, value, c_known, d_known, c_pinned) in cases {
        for (model, known, pinned) in [
            ("CStudent", c_known, c_pinned),
            ("DStudent", d_known, false),
        ] {
            let query = Query::new(model).filter(Filter::new(lookup, value.clone()));
            let case = format!("{model} {lookup}");
            assert_eq!(
                shipped(&mut scratch, &db, &over, &query),
                known,
                "{case}, known"
            );
            assert_eq!(
                shipped(&mut scratch, &db, &alone, &query),
                pinned,
                "{case}, pinned"
            );
            let records = |db: &mut Database, graph: &RelationGraph| {
                let compiled = compile(graph, &query, db.dialect()).expect("compiles");
                db.execute(&compiled)
                    .unwrap_or_else(|e| panic!("{case}: {e}"))
            };
            let found = records(&mut db, &over);
            assert_eq!(found, records(&mut db, &alone), "{case}: the same records");
            assert!(!found.is_empty(), "{case}: some student matches");
        }
    }
}
