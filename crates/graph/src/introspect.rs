//! Introspection's shared half: from a neutral description of a database's tables (what
//! each dialect crate reads from its catalog) to a [`SchemaDef`], by one set of naming
//! rules, so the three dialects only read catalogs.
//!
//! The naming rules (issue 5, item 2), each tested in `tests/tests/introspect.rs`:
//! - models come in table-name order; a model's name is its table's name (`students`), and
//!   its `table` is set to the same name;
//! - a plain column becomes a field of the same name, in column order;
//! - a single-column foreign key becomes a forward relation named after its column without
//!   a trailing `_id` (`schoolclass_id` → `schoolclass`); when that name is taken by a
//!   field or an earlier relation of the model, or the column has no `_id` suffix, the
//!   column's name (the column is then set explicitly);
//! - the reverse side is named after the child table (`students`); when the child has two
//!   or more foreign keys to the same parent, or that name is taken on the parent,
//!   `{child_table}_by_{relation}` (`messages_by_sender`);
//! - a through table is a table with exactly two foreign keys, both `NOT NULL`, to two
//!   different tables other than itself, a single-column primary key that is neither key
//!   column, any number of other columns, and no foreign key of another table pointing at
//!   it. The target of its first key column (the owner) gets a many-to-many relation named
//!   after the other target's table (`posts.categories`), whose reverse is named after the
//!   owner's table (`categories.posts`), through the through table, which stays a model
//!   (its other columns its fields). A taken name becomes `{table}_via_{through_table}`.
//!
//! - unique keys (a table's unique constraints and unique indexes, the primary key's
//!   left out) have one canonical form: a key of one plain column is that field's
//!   `unique = true`; any other key (several columns, or a foreign-key column) is an
//!   entry of the model's `unique` list, a foreign-key column named by its relation
//!   (`department`), in the order of the key's columns. Keys come in the order of their
//!   columns' positions, each set of columns once; a through table's key on its two key
//!   columns is left out, as every through model has it ([`Model::unique_keys`]).
//!
//! [`Model::unique_keys`]: crate::Model::unique_keys
//!
//! Names are claimed in this order, so an earlier kind wins a clash: plain fields, forward
//! relations (tables in name order, keys in column order), reverse sides, many-to-many.
//!
//! Not read, documented: composite foreign keys (skipped: the columns stay plain fields)
//! and composite primary keys (every key column is marked `primary_key`, which
//! [`SchemaDef::build`] then rejects); column defaults; a foreign key's referenced column
//! (always taken to be the parent's primary key, which is all relq declares); a foreign key
//! to a table not in the list (another schema) is dropped.
//!
//! Invariant: the same tables, in any order, give the same [`SchemaDef`].

use std::collections::{HashMap, HashSet};

use crate::def::{
    FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, ReferentialAction, SchemaDef,
};

/// One table as a catalog describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TableInfo {
    /// The table's name.
    pub name: String,
    /// Its columns in ordinal order.
    pub columns: Vec<ColumnInfo>,
    /// Its single-column foreign keys, in any order (sorted by column position here).
    pub foreign_keys: Vec<ForeignKeyInfo>,
    /// Its unique constraints and unique indexes other than the primary key, each its
    /// columns in key order, in any order; the dialect leaves out what is not a plain
    /// key on whole columns (partial, expression and prefix indexes).
    pub unique: Vec<Vec<String>>,
}

impl TableInfo {
    /// Adds `column` to table `table` in `tables`, read in catalog order (every table's
    /// columns together): a new table starts when the name changes.
    pub fn push_column(tables: &mut Vec<TableInfo>, table: String, column: ColumnInfo) {
        match tables.last_mut() {
            Some(last) if last.name == table => last.columns.push(column),
            _ => tables.push(TableInfo {
                name: table,
                columns: vec![column],
                foreign_keys: Vec::new(),
                unique: Vec::new(),
            }),
        }
    }
}

/// Adds the unique keys of `rows` to `tables`: each row is (table, index or constraint,
/// column), in catalog order with every index's columns together in key order; a row
/// of a table not in `tables` is dropped.
pub fn push_unique_columns(
    tables: &mut [TableInfo],
    rows: impl IntoIterator<Item = (String, String, String)>,
) {
    let mut last: Option<(String, String)> = None;
    for (table, index, column) in rows {
        let Some(t) = tables.iter_mut().find(|t| t.name == table) else {
            continue;
        };
        let same = last
            .as_ref()
            .is_some_and(|(lt, li)| *lt == table && *li == index);
        match t.unique.last_mut() {
            Some(key) if same => key.push(column),
            _ => t.unique.push(vec![column]),
        }
        last = Some((table, index));
    }
}

/// One column of a [`TableInfo`].
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnInfo {
    /// The column's name.
    pub name: String,
    /// Its type, already mapped by the dialect.
    pub ty: FieldType,
    /// Whether it admits NULL.
    pub nullable: bool,
    /// Whether it is (part of) the primary key.
    pub primary_key: bool,
    /// A text column's collation, where the dialect reads it (`None`: not text, or not
    /// read). Not part of the [`SchemaDef`]: [`crate::over_catalog`] puts it on the
    /// graph's field, where the dialect's text hooks read it.
    pub collation: Option<Collation>,
}

/// A text column's collation as its catalog describes it: facts, which the dialect that
/// read them interprets (relq-sql's `Dialect::comparable_text`); the graph does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collation {
    /// The collation's name as the catalog spells it (`C`, `en_US.UTF-8`,
    /// `utf8mb4_bin`); for a column on the database's default collation, the name of
    /// that default.
    pub name: String,
    /// Whether the column uses the database's default collation (declares none).
    pub database_default: bool,
    /// Whether two strings are equal only if they are the same bytes (PostgreSQL's
    /// `pg_collation.collisdeterministic`, collation.html#COLLATION-NONDETERMINISTIC).
    pub deterministic: bool,
}

/// One single-column foreign key of a [`TableInfo`].
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKeyInfo {
    /// The referencing column.
    pub column: String,
    /// The referenced table.
    pub table: String,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

impl ReferentialAction {
    /// The action of its SQL words (`NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL`,
    /// `SET DEFAULT`; case-insensitive); anything else is `NO ACTION`.
    pub fn from_sql(words: &str) -> Self {
        match words.trim().to_ascii_uppercase().as_str() {
            "RESTRICT" => ReferentialAction::Restrict,
            "CASCADE" => ReferentialAction::Cascade,
            "SET NULL" => ReferentialAction::SetNull,
            "SET DEFAULT" => ReferentialAction::SetDefault,
            _ => ReferentialAction::NoAction,
        }
    }
}

/// A declared SQL type split into its upper-case words and its numeric arguments:
/// `character varying(100)` → (`CHARACTER VARYING`, `[100]`), `int(11) unsigned` →
/// (`INT UNSIGNED`, `[11]`), `NUMERIC(10, 2)` → (`NUMERIC`, `[10, 2]`). An argument that is
/// not a number is dropped.
pub fn split_type(declared: &str) -> (String, Vec<u32>) {
    let (words, args) = match (declared.find('('), declared.rfind(')')) {
        (Some(open), Some(close)) if open < close => (
            format!("{} {}", &declared[..open], &declared[close + 1..]),
            declared[open + 1..close]
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect(),
        ),
        _ => (declared.to_owned(), Vec::new()),
    };
    let words = words
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    (words, args)
}

/// The [`FieldType`] of a type split by [`split_type`], by the names the three dialects'
/// DDL writes and their common synonyms; `None` for anything else. Dialect quirks
/// (MySQL's `TINYINT(1)` boolean, `CHAR(36)` UUID) are the dialect's to check first.
pub fn common_field_type(words: &str, args: &[u32]) -> Option<FieldType> {
    let base = words.strip_suffix(" UNSIGNED").unwrap_or(words);
    Some(match base {
        "INTEGER" | "INT" | "INT4" | "SMALLINT" | "INT2" | "TINYINT" | "MEDIUMINT" => {
            FieldType::Integer
        }
        "BIGINT" | "INT8" => FieldType::BigInteger,
        "REAL" | "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "DOUBLE PRECISION" => FieldType::Float,
        "NUMERIC" | "DECIMAL" => match *args {
            [p, s] => FieldType::Decimal {
                precision: u16::try_from(p).ok()?,
                scale: u16::try_from(s).ok()?,
            },
            [p] => FieldType::Decimal {
                precision: u16::try_from(p).ok()?,
                scale: 0,
            },
            _ => return None,
        },
        "TEXT" | "CLOB" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" => FieldType::TEXT,
        "VARCHAR" | "CHARACTER VARYING" | "NVARCHAR" | "CHAR" | "CHARACTER" | "NCHAR"
        | "BPCHAR" => FieldType::Text {
            max_length: args.first().copied(),
        },
        "BOOLEAN" | "BOOL" => FieldType::Boolean,
        "DATE" => FieldType::Date,
        "TIME" | "TIME WITHOUT TIME ZONE" => FieldType::Time,
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => FieldType::DateTime,
        "UUID" => FieldType::Uuid,
        "JSON" | "JSONB" => FieldType::Json,
        "BLOB" | "BYTEA" | "LONGBLOB" | "MEDIUMBLOB" | "TINYBLOB" | "VARBINARY" | "BINARY" => {
            FieldType::Bytes
        }
        _ => return None,
    })
}

/// The [`SchemaDef`] of `tables` by the module's naming rules.
pub fn schema_from_tables(mut tables: Vec<TableInfo>) -> SchemaDef {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let known: HashSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    for t in &mut tables {
        let position = |c: &str| t.columns.iter().position(|x| x.name == c);
        let mut fks: Vec<_> = t
            .foreign_keys
            .drain(..)
            .filter(|fk| position(&fk.column).is_some() && known.contains(&fk.table))
            .collect();
        fks.sort_by_key(|fk| position(&fk.column));
        t.foreign_keys = fks;
    }
    let referenced: HashSet<&str> = tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.table.as_str()))
        .collect();
    let through: Vec<bool> = tables.iter().map(|t| is_through(t, &referenced)).collect();

    // Names taken on each model: its plain fields, then its relations as they are named.
    let mut taken: HashMap<String, HashSet<String>> = HashMap::new();
    for t in &tables {
        let keys: HashSet<&str> = t.foreign_keys.iter().map(|f| f.column.as_str()).collect();
        let names = taken.entry(t.name.clone()).or_default();
        for c in &t.columns {
            if !keys.contains(c.name.as_str()) {
                names.insert(c.name.clone());
            }
        }
    }
    let mut claim = |table: &str, preferred: String, fallback: String| -> String {
        let names = taken.entry(table.to_owned()).or_default();
        let name = if names.contains(&preferred) {
            fallback
        } else {
            preferred
        };
        names.insert(name.clone());
        name
    };

    let mut models: Vec<ModelDef> = Vec::with_capacity(tables.len());
    // Forward names first (every model), then reverse names, then many-to-many names.
    let mut forward: Vec<Vec<String>> = Vec::with_capacity(tables.len());
    for (t, &is_through) in tables.iter().zip(&through) {
        let mut names = Vec::new();
        if !is_through {
            for fk in &t.foreign_keys {
                let stripped = fk
                    .column
                    .strip_suffix("_id")
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&fk.column);
                names.push(claim(&t.name, stripped.to_owned(), fk.column.clone()));
            }
        }
        forward.push(names);
    }
    let mut reverse: Vec<Vec<String>> = Vec::with_capacity(tables.len());
    for ((t, &is_through), names) in tables.iter().zip(&through).zip(&forward) {
        let mut reverses = Vec::new();
        if !is_through {
            for (fk, name) in t.foreign_keys.iter().zip(names) {
                let twice = t
                    .foreign_keys
                    .iter()
                    .filter(|other| other.table == fk.table)
                    .count()
                    > 1;
                let by = format!("{}_by_{name}", t.name);
                reverses.push(if twice {
                    claim(&fk.table, by.clone(), by)
                } else {
                    claim(&fk.table, t.name.clone(), by)
                });
            }
        }
        reverse.push(reverses);
    }

    for (i, t) in tables.iter().enumerate() {
        let keys: HashSet<&str> = t.foreign_keys.iter().map(|f| f.column.as_str()).collect();
        let mut model = ModelDef::new(&t.name).table(&t.name);
        let unique = unique_keys(t, through[i]);
        for c in t.columns.iter().filter(|c| !keys.contains(c.name.as_str())) {
            let alone = unique
                .iter()
                .any(|k| matches!(k.as_slice(), [only] if *only == c.name));
            model = model.field(FieldDef {
                name: c.name.clone(),
                column: None,
                ty: c.ty,
                nullable: c.nullable,
                primary_key: c.primary_key,
                default: None,
                unique: alone,
            });
        }
        // Other keys name a foreign-key column by its relation, any other by its field.
        let relation = |column: &String| {
            let k = t.foreign_keys.iter().position(|fk| fk.column == *column);
            match k {
                Some(k) if !through[i] => forward[i][k].clone(),
                _ => column.clone(),
            }
        };
        model.unique = unique
            .iter()
            .filter(|k| !matches!(k.as_slice(), [only] if !keys.contains(only.as_str())))
            .map(|k| k.iter().map(relation).collect())
            .collect();
        if !through[i] {
            for ((fk, name), related) in t.foreign_keys.iter().zip(&forward[i]).zip(&reverse[i]) {
                let nullable = t
                    .columns
                    .iter()
                    .find(|c| c.name == fk.column)
                    .is_some_and(|c| c.nullable);
                let mut def = ForeignKeyDef::new(name, &fk.table)
                    .related_name(related)
                    .on_delete(fk.on_delete)
                    .on_update(fk.on_update);
                def.nullable = nullable;
                if fk.column != format!("{name}_id") {
                    def = def.column(&fk.column);
                }
                model = model.foreign_key(def);
            }
        }
        models.push(model);
    }

    for (t, _) in tables.iter().zip(&through).filter(|(_, th)| **th) {
        let (source, target) = (&t.foreign_keys[0], &t.foreign_keys[1]);
        let name = claim(
            &source.table,
            target.table.clone(),
            format!("{}_via_{}", target.table, t.name),
        );
        let related = claim(
            &target.table,
            source.table.clone(),
            format!("{}_via_{}", source.table, t.name),
        );
        if let Some(owner) = models.iter_mut().find(|m| m.name == source.table) {
            owner.many_to_many.push(
                ManyToManyDef::new(name, &target.table)
                    .through(&t.name)
                    .related_name(related)
                    .through_fields(&source.column, &target.column),
            );
        }
    }
    SchemaDef { models }
}

/// The unique keys of `t` worth stating (see the module doc): each set of columns
/// once, ordered by the columns' positions, without the primary key alone, keys naming
/// an unknown column, or a through table's pair of key columns.
fn unique_keys(t: &TableInfo, through: bool) -> Vec<Vec<String>> {
    let position = |c: &String| t.columns.iter().position(|x| x.name == *c);
    let mut keys: Vec<(Vec<usize>, &Vec<String>)> = Vec::new();
    for key in &t.unique {
        let Some(positions) = key.iter().map(position).collect::<Option<Vec<usize>>>() else {
            continue;
        };
        let mut set = positions.clone();
        set.sort_unstable();
        set.dedup();
        let pk_alone = key.len() == 1 && t.columns[positions[0]].primary_key;
        let pair =
            through && key.len() == 2 && t.foreign_keys.iter().all(|fk| key.contains(&fk.column));
        let seen = keys.iter().any(|(p, _)| {
            let mut other = p.clone();
            other.sort_unstable();
            other == set
        });
        if set.len() == key.len() && !pk_alone && !pair && !seen {
            keys.push((positions, key));
        }
    }
    keys.sort();
    keys.into_iter().map(|(_, k)| k.clone()).collect()
}

/// Whether `t` is a through table (see the module doc).
fn is_through(t: &TableInfo, referenced: &HashSet<&str>) -> bool {
    let [a, b] = t.foreign_keys.as_slice() else {
        return false;
    };
    let column = |name: &str| t.columns.iter().find(|c| c.name == name);
    let required = |name: &str| column(name).is_some_and(|c| !c.nullable && !c.primary_key);
    let pks = t.columns.iter().filter(|c| c.primary_key).count();
    a.table != b.table
        && a.table != t.name
        && b.table != t.name
        && required(&a.column)
        && required(&b.column)
        && pks == 1
        && !referenced.contains(t.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_split_into_words_and_arguments() {
        assert_eq!(
            split_type("character varying(100)"),
            ("CHARACTER VARYING".to_owned(), vec![100])
        );
        assert_eq!(
            split_type("int(11) unsigned"),
            ("INT UNSIGNED".to_owned(), vec![11])
        );
        assert_eq!(
            split_type("NUMERIC(10, 2)"),
            ("NUMERIC".to_owned(), vec![10, 2])
        );
        assert_eq!(
            common_field_type("NUMERIC", &[10, 2]),
            Some(FieldType::Decimal {
                precision: 10,
                scale: 2
            })
        );
        assert_eq!(common_field_type("NUMERIC", &[]), None);
        assert_eq!(common_field_type("GEOMETRY", &[]), None);
    }

    #[test]
    fn table_order_does_not_change_the_schema() {
        let column = |name: &str, primary_key| ColumnInfo {
            name: name.to_owned(),
            ty: FieldType::Integer,
            nullable: false,
            primary_key,
            collation: None,
        };
        let parent = TableInfo {
            name: "parents".to_owned(),
            columns: vec![column("id", true)],
            foreign_keys: Vec::new(),
            unique: Vec::new(),
        };
        let child = TableInfo {
            name: "children".to_owned(),
            columns: vec![column("id", true), column("parent_id", false)],
            foreign_keys: vec![ForeignKeyInfo {
                column: "parent_id".to_owned(),
                table: "parents".to_owned(),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            }],
            unique: Vec::new(),
        };
        let a = schema_from_tables(vec![parent.clone(), child.clone()]);
        let b = schema_from_tables(vec![child, parent]);
        assert_eq!(a, b);
        let fk = &a.models[0].foreign_keys[0];
        assert_eq!(
            (fk.name.as_str(), fk.related_name.as_deref()),
            ("parent", Some("children"))
        );
        assert!(a.build().is_ok());
    }

    #[test]
    fn taken_names_fall_back() {
        let column = |name: &str, primary_key, nullable| ColumnInfo {
            name: name.to_owned(),
            ty: FieldType::Integer,
            nullable,
            primary_key,
            collation: None,
        };
        let key = |column: &str, table: &str| ForeignKeyInfo {
            column: column.to_owned(),
            table: table.to_owned(),
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
        };
        let table = |name: &str, columns, foreign_keys| TableInfo {
            name: name.to_owned(),
            columns,
            foreign_keys,
            unique: Vec::new(),
        };
        // `posts` has a field named like its reverse from `tags` and like the many-to-many
        // to `tags`: both fall back.
        let schema = schema_from_tables(vec![
            table(
                "posts",
                vec![column("id", true, false), column("tags", false, true)],
                vec![],
            ),
            table(
                "tags",
                vec![column("id", true, false), column("post_id", false, true)],
                vec![key("post_id", "posts")],
            ),
            table(
                "posts_tags",
                vec![
                    column("id", true, false),
                    column("post_id", false, false),
                    column("tag_id", false, false),
                ],
                vec![key("post_id", "posts"), key("tag_id", "tags")],
            ),
        ]);
        let tags = &schema.models[2];
        assert_eq!(
            tags.foreign_keys[0].related_name.as_deref(),
            Some("tags_by_post")
        );
        let posts = &schema.models[0];
        assert_eq!(posts.many_to_many[0].name, "tags_via_posts_tags");
        assert_eq!(posts.many_to_many[0].related_name.as_deref(), Some("posts"));
        assert!(schema.build().is_ok(), "{:?}", schema.build());
    }

    #[test]
    fn unique_keys_take_their_canonical_form() {
        let column = |name: &str, primary_key| ColumnInfo {
            name: name.to_owned(),
            ty: FieldType::Integer,
            nullable: false,
            primary_key,
            collation: None,
        };
        let key = |column: &str, table: &str| ForeignKeyInfo {
            column: column.to_owned(),
            table: table.to_owned(),
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
        };
        let names = |keys: &[&[&str]]| -> Vec<Vec<String>> {
            keys.iter()
                .map(|k| k.iter().map(|c| (*c).to_owned()).collect())
                .collect()
        };
        let tables = vec![
            TableInfo {
                name: "courses".to_owned(),
                columns: vec![
                    column("id", true),
                    column("code", false),
                    column("department_id", false),
                ],
                foreign_keys: vec![key("department_id", "departments")],
                // Catalog order is by index name: reordered by column position here.
                unique: names(&[
                    &["department_id"],
                    &["code", "department_id"],
                    &["id"],
                    &["department_id", "code"],
                    &["code"],
                ]),
            },
            TableInfo {
                name: "departments".to_owned(),
                columns: vec![column("id", true)],
                foreign_keys: Vec::new(),
                unique: Vec::new(),
            },
            TableInfo {
                name: "courses_departments".to_owned(),
                columns: vec![
                    column("id", true),
                    column("course_id", false),
                    column("department_id", false),
                ],
                foreign_keys: vec![
                    key("course_id", "courses"),
                    key("department_id", "departments"),
                ],
                unique: names(&[&["department_id", "course_id"]]),
            },
        ];
        let schema = schema_from_tables(tables);
        let courses = &schema.models[0];
        assert!(courses.fields[1].unique && !courses.fields[0].unique);
        assert_eq!(
            courses.unique,
            names(&[&["code", "department"], &["department"]])
        );
        assert!(
            schema.models[1].unique.is_empty(),
            "the through pair is implied"
        );
        let graph = schema.build().expect("builds");
        let through = graph.model_by_name("courses_departments").expect("a model");
        assert_eq!(
            format!("{:?}", through.unique_keys().collect::<Vec<_>>()),
            r#"[["course_id", "department_id"]]"#
        );
    }
}
