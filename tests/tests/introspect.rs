//! Introspection on the three databases: the school, blog and person samples, and a schema
//! made for the naming rules (with an `ON DELETE CASCADE`), are created through
//! `relq::Database::create_tables` on SQLite (in memory), PostgreSQL (`RELQ_POSTGRES_URL`,
//! a fresh schema) and MariaDB (`RELQ_MYSQL_URL`, a fresh database), read back with
//! `Database::introspect`, and checked: every table, column, type, primary key and
//! nullability; the relation names of every rule of `relq_graph::introspect`; that the
//! result builds and round-trips through TOML; and that the three databases agree with
//! the samples loaded with their generated data (`relq_sample::load`; compared as TOML,
//! after dropping text lengths, which SQLite's DDL does not keep), each also against the
//! declared schema's tables, columns and links. Every field type comes back exactly from
//! PostgreSQL and with the documented losses from MariaDB and SQLite. The SQLite school
//! introspection is snapshotted once.
//!
//! A missing server URL fails the test, never skips it (`bash scripts/test.sh` starts the
//! servers; by hand `scripts/servers.sh start` and `eval "$(scripts/servers.sh env)"`).

mod common;

use common::servers::{Server, scratch};
use relq_graph::{FieldType, ModelDef, RelationGraph, RelationKind, SchemaDef};
use relq_graph::{ForeignKeyDef, ManyToManyDef};
use relq_sample::{Sample, generate, load};

/// Users, messages with two keys to users, and notes whose keys test the fallbacks: a
/// plain field `topic` beside the key `topic_id`, a key column `writer` without `_id`.
fn rules_schema() -> SchemaDef {
    SchemaDef::from_toml(
        r#"
[[models]]
name = "User"
table = "users"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]

[[models]]
name = "Message"
table = "messages"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "body", type = "text" }]
foreign_keys = [
  { name = "sender", to = "User", nullable = false, related_name = "sent" },
  { name = "recipient", to = "User", related_name = "received" },
]

[[models]]
name = "Note"
table = "notes"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "topic", type = "text" }]
foreign_keys = [
  { name = "topic", to = "User", related_name = "topic_notes", column = "topic_id" },
  { name = "writer", to = "User", related_name = "notes", column = "writer", on_delete = "cascade" },
]
"#,
    )
    .map(|mut s| {
        // `topic` the field and `topic` the relation cannot both be declared: the field
        // goes under another name, its column stays `topic`.
        s.models[2].fields[1] =
            relq_graph::FieldDef::new("subject", FieldType::TEXT).column("topic");
        s
    })
    .expect("the rules schema parses")
}

/// Every schema the tests create: name, definition.
fn schemas() -> Vec<(&'static str, SchemaDef)> {
    let sample = |s: Sample| SchemaDef::from_toml(s.toml()).expect("sample parses");
    vec![
        ("school", sample(Sample::School)),
        ("blog", sample(Sample::Blog)),
        ("person", sample(Sample::Person)),
        ("rules", rules_schema()),
    ]
}

fn graph(def: &SchemaDef) -> RelationGraph {
    def.build().expect("valid schema")
}

/// `def`'s tables created on `server` in a fresh namespace (`purpose` names it), read
/// back by `Database::introspect`.
fn introspected(server: Server, purpose: &str, def: &SchemaDef) -> SchemaDef {
    let mut db = scratch(server, purpose);
    db.create_tables(&graph(def))
        .unwrap_or_else(|e| panic!("{}: the DDL: {e}", server.name()));
    db.introspect()
        .unwrap_or_else(|e| panic!("{} introspects: {e}", server.name()))
}

fn sqlite(def: &SchemaDef) -> SchemaDef {
    introspected(Server::Sqlite, "intro", def)
}

fn postgres(name: &str, def: &SchemaDef) -> SchemaDef {
    introspected(Server::Postgres, &format!("intro_{name}"), def)
}

fn mariadb(name: &str, def: &SchemaDef) -> SchemaDef {
    introspected(Server::MariaDb, &format!("intro_{name}"), def)
}

fn model<'s>(def: &'s SchemaDef, name: &str) -> &'s ModelDef {
    def.models
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no model `{name}` in {def:#?}"))
}

fn fk<'s>(def: &'s SchemaDef, model_name: &str, name: &str) -> &'s ForeignKeyDef {
    let m = model(def, model_name);
    m.foreign_keys
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no foreign key `{name}` on `{model_name}`: {m:#?}"))
}

fn m2m<'s>(def: &'s SchemaDef, model_name: &str, name: &str) -> &'s ManyToManyDef {
    let m = model(def, model_name);
    m.many_to_many
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no many-to-many `{name}` on `{model_name}`: {m:#?}"))
}

/// Every table, every column with its type (text lengths only where `lengths`), primary
/// key and nullability, as the graph of `original` has them; and every check passes on
/// the graph the introspection builds.
fn same_tables(db: &str, original: &SchemaDef, found: &SchemaDef, lengths: bool) {
    let (want, got) = (graph(original), graph(found));
    let columns = |g: &RelationGraph| {
        let mut out: Vec<String> = g
            .models()
            .flat_map(|m| {
                m.fields()
                    .map(|f| {
                        let ty = match f.ty() {
                            FieldType::Text { .. } if !lengths => FieldType::TEXT,
                            ty => ty,
                        };
                        format!(
                            "{}.{} {:?} pk={} null={}",
                            m.table(),
                            f.column(),
                            ty,
                            f.is_primary_key(),
                            f.is_nullable()
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(columns(&want), columns(&got), "{db}: the columns differ");
}

/// Text lengths dropped: what SQLite gives back.
fn without_lengths(mut def: SchemaDef) -> SchemaDef {
    for m in &mut def.models {
        for f in &mut m.fields {
            if let FieldType::Text { .. } = f.ty {
                f.ty = FieldType::TEXT;
            }
        }
    }
    def
}

fn check_school(def: &SchemaDef) {
    let names: Vec<&str> = def.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "categories",
            "departments",
            "schoolclasses",
            "students",
            "teachers"
        ]
    );
    let class = fk(def, "students", "schoolclass");
    assert_eq!(class.to, "schoolclasses");
    assert_eq!(class.related_name.as_deref(), Some("students"));
    assert!(!class.nullable);
    assert_eq!(class.column, None, "the default column `schoolclass_id`");
    let category = fk(def, "students", "category");
    assert!(category.nullable);
    assert_eq!(category.related_name.as_deref(), Some("students"));
    assert_eq!(
        fk(def, "teachers", "schoolclass").related_name.as_deref(),
        Some("teachers")
    );
    assert_eq!(
        fk(def, "schoolclasses", "department")
            .related_name
            .as_deref(),
        Some("schoolclasses")
    );
    let g = graph(def);
    let class = g.model_by_name("schoolclasses").expect("schoolclasses");
    assert!(class.relation("students").is_some());
    assert!(class.relation("teachers").is_some());
}

fn check_blog(def: &SchemaDef) {
    let posts = m2m(def, "posts", "categories");
    assert_eq!(posts.to, "categories");
    assert_eq!(posts.through.as_deref(), Some("posts_categories"));
    assert_eq!(posts.related_name.as_deref(), Some("posts"));
    assert_eq!(posts.through_source.as_deref(), Some("post"));
    assert_eq!(posts.through_target.as_deref(), Some("category"));
    let through = model(def, "posts_categories");
    assert!(through.foreign_keys.is_empty() && through.many_to_many.is_empty());
    assert_eq!(
        fk(def, "posts", "author").related_name.as_deref(),
        Some("posts")
    );
    let g = graph(def);
    let categories = g.model_by_name("categories").expect("categories");
    assert!(categories.relation("posts").is_some());
}

fn check_person(def: &SchemaDef) {
    // A self-reference: the reverse side is named after the child table, itself.
    let supervisor = fk(def, "persons", "supervisor");
    assert_eq!(supervisor.to, "persons");
    assert!(supervisor.nullable);
    assert_eq!(supervisor.related_name.as_deref(), Some("persons"));
}

fn check_rules(def: &SchemaDef) {
    assert_eq!(
        fk(def, "messages", "sender").related_name.as_deref(),
        Some("messages_by_sender")
    );
    assert_eq!(
        fk(def, "messages", "recipient").related_name.as_deref(),
        Some("messages_by_recipient")
    );
    // `topic` is a field of notes, so the key keeps its column's name.
    let topic = fk(def, "notes", "topic_id");
    assert_eq!(topic.column.as_deref(), Some("topic_id"));
    assert_eq!(topic.related_name.as_deref(), Some("notes_by_topic_id"));
    // No `_id` suffix: the column's name, as the relation and (explicitly) the column.
    let writer = fk(def, "notes", "writer");
    assert_eq!(writer.column.as_deref(), Some("writer"));
    assert_eq!(writer.related_name.as_deref(), Some("notes_by_writer"));
    assert_eq!(writer.on_delete, relq_graph::ReferentialAction::Cascade);
    assert_eq!(topic.on_delete, relq_graph::ReferentialAction::NoAction);
    // Two non-null keys to one table make no through table.
    assert!(model(def, "users").many_to_many.is_empty());
}

fn check(db: &str, name: &str, original: &SchemaDef, found: &SchemaDef, lengths: bool) {
    same_tables(db, original, found, lengths);
    let toml = found.to_toml().expect("writes as TOML");
    assert_eq!(
        &SchemaDef::from_toml(&toml).expect("reads back"),
        found,
        "{db} {name}: the TOML round trip"
    );
    match name {
        "school" => check_school(found),
        "blog" => check_blog(found),
        "person" => check_person(found),
        _ => check_rules(found),
    }
}

#[test]
fn sqlite_introspection_follows_the_naming_rules() {
    for (name, def) in schemas() {
        check("sqlite", name, &def, &sqlite(&def), false);
    }
}

#[test]
fn postgres_introspection_follows_the_naming_rules() {
    for (name, def) in schemas() {
        check("postgres", name, &def, &postgres(name, &def), true);
    }
}

#[test]
fn mariadb_introspection_follows_the_naming_rules() {
    for (name, def) in schemas() {
        check("mariadb", name, &def, &mariadb(name, &def), true);
    }
}

/// The links of a graph by table and column, the names introspection gives them left
/// out: `table.column -> target` for each forward foreign key (with its nullability),
/// `through: table(source_column -> source, target_column -> target)` for each
/// many-to-many from the side that declared it. Sorted.
fn links(g: &RelationGraph) -> Vec<String> {
    let mut out: Vec<String> = g
        .relations()
        .filter_map(|r| match r.kind() {
            RelationKind::ForeignKey => {
                let f = r.foreign_key_field()?;
                Some(format!(
                    "{}.{} -> {} null={}",
                    r.source().table(),
                    f.column(),
                    r.target().table(),
                    f.is_nullable()
                ))
            }
            RelationKind::ManyToMany => {
                let t = r.through()?;
                Some(format!(
                    "through {}({} -> {}, {} -> {})",
                    g.model(t.model).table(),
                    g.field(t.source_field).column(),
                    r.source().table(),
                    g.field(t.target_field).column(),
                    r.target().table()
                ))
            }
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// Each sample loaded with its scale-1 data (`relq_sample`) on the three databases and
/// introspected, plus the rules schema's empty tables. Compared: the three SchemaDefs
/// whole (models, fields, types, keys, relations and their names, as TOML) with text
/// lengths dropped, since SQLite's declared types keep none for relq's DDL (see
/// `relq_sqlite::introspect`); and each against the declared schema where introspection
/// can know it: every table and column with its type (text lengths too on PostgreSQL and
/// MariaDB), primary key and nullability, and every foreign key and many-to-many by
/// table and column (`links`). Model and relation names are not compared with the
/// declared ones: introspection names models after their tables and reverse relations by
/// its own rules (checked in the tests above).
#[test]
fn three_databases_introspect_the_loaded_samples_alike() {
    for (name, def) in schemas() {
        let sample = Sample::by_name(name);
        let [sqlite, postgres, mariadb] = Server::ALL.map(|server| {
            let mut db = scratch(server, &format!("intro_same_{name}"));
            match sample {
                Some(sample) => {
                    let data = generate(sample, 1, 1).expect("scale 1 generates");
                    load(&mut db, &data)
                        .unwrap_or_else(|e| panic!("{}: loading {name}: {e}", server.name()));
                }
                None => db
                    .create_tables(&graph(&def))
                    .unwrap_or_else(|e| panic!("{}: the DDL: {e}", server.name())),
            }
            let found = db
                .introspect()
                .unwrap_or_else(|e| panic!("{} introspects {name}: {e}", server.name()));
            same_tables(server.name(), &def, &found, server != Server::Sqlite);
            assert_eq!(
                links(&graph(&found)),
                links(&graph(&def)),
                "{} {name}: the links differ from the declared ones",
                server.name()
            );
            without_lengths(found).to_toml().expect("TOML")
        });
        assert_eq!(sqlite, postgres, "{name}: sqlite and postgres differ");
        assert_eq!(sqlite, mariadb, "{name}: sqlite and mariadb differ");
    }
}

#[test]
fn an_unknown_column_type_names_table_column_and_type() {
    let mut db = scratch(Server::Sqlite, "intro_unknown");
    db.run(
        "CREATE TABLE shapes (id INTEGER PRIMARY KEY, area GEOMETRY)",
        &[],
    )
    .expect("SQLite accepts any type name");
    let e = db.introspect().expect_err("GEOMETRY maps to no field type");
    assert_eq!(
        e.to_string(),
        "column `area` of table `shapes` has type `GEOMETRY`, which maps to no field type"
    );
}

#[test]
fn school_on_sqlite_as_toml() {
    let def = SchemaDef::from_toml(Sample::School.toml()).expect("sample parses");
    insta::assert_snapshot!(sqlite(&def).to_toml().expect("TOML"));
}

/// Every field type (`samples::every_field_type`): PostgreSQL gives each back exactly;
/// MariaDB all but JSON (its `JSON` is `LONGTEXT`, read back as text) and the text key
/// (`VARCHAR(255)`); SQLite only the affinities. All three build.
#[test]
fn every_field_type_comes_back() {
    let def = relq_tests::samples::every_field_type();
    let columns = |d: &SchemaDef| {
        let g = graph(d);
        let mut out: Vec<String> = g
            .models()
            .flat_map(|m| {
                m.fields()
                    .map(|f| format!("{}.{} {:?}", m.table(), f.column(), f.ty()))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out
    };
    let want = columns(&def);
    assert_eq!(columns(&postgres("types", &def)), want, "postgres");
    let changed = |found: Vec<String>| -> Vec<String> {
        found.into_iter().filter(|c| !want.contains(c)).collect()
    };
    assert_eq!(
        changed(columns(&mariadb("types", &def))),
        [
            "items.doc Text { max_length: None }",
            "items.tag_id Text { max_length: Some(255) }",
            "items_tags.tag Text { max_length: Some(255) }",
            "tags.code Text { max_length: Some(255) }",
        ],
        "mariadb"
    );
    assert_eq!(
        changed(columns(&sqlite(&def))),
        [
            "items.at Text { max_length: None }",
            "items.day Text { max_length: None }",
            "items.doc Text { max_length: None }",
            "items.done Integer",
            "items.id Integer",
            "items.price Text { max_length: None }",
            "items.stamp Text { max_length: None }",
            "items.title Text { max_length: None }",
            "items.uid Text { max_length: None }",
            "items_tags.item Integer",
        ],
        "sqlite"
    );
}
