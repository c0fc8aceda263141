//! [`introspect`]: the tables of a PostgreSQL connection's current schema read back into a
//! [`SchemaDef`].
//!
//! Reads `pg_catalog` for `current_schema()` (catalogs.html): ordinary and partitioned
//! tables (`pg_class`), their columns with `format_type` and `attnotnull`
//! (`pg_attribute`), single-column primary and foreign keys with their actions
//! (`pg_constraint`), unique keys (`pg_index`: unique indexes, those of `UNIQUE`
//! constraints included, not the primary key's, partial ones or those on an expression;
//! their key columns, not `INCLUDE`d ones). The naming rules are relq-graph's ([`relq_graph::introspect`]).
//!
//! Collations (collation.html): a collatable column's `attcollation`, its `pg_collation`
//! name (qualified by its schema unless in `pg_catalog`) and `collisdeterministic` (since 12; true where the catalog has no such column);
//! a column on the default collation (oid 100, `"default"`) is named by the database's
//! default: `pg_database.datcollate` with the libc provider, `daticulocale` with ICU
//! (`datlocprovider`, since 15; libc before). Read through `to_jsonb` so that a server
//! without those catalog columns still answers.
//!
//! Types: `format_type`'s spelling, split into words and arguments, through
//! [`common_field_type`](relq_graph::introspect::common_field_type): [`TYPES`](crate::TYPES)
//! in reverse (`integer`, `bigint`, `double precision`, `numeric(p,s)`, `text`,
//! `character varying(n)`, `boolean`, `date`, `time without time zone`,
//! `timestamp without time zone`, `uuid`, `jsonb`, `bytea`) plus synonyms (`smallint`,
//! `real`, `json`, `character(n)`...). Anything else (`numeric` without a precision,
//! `timestamp with time zone`, arrays, user types) is
//! [`ExecErrorKind::UnknownColumnType`](relq_exec::ExecErrorKind).

use relq_exec::ExecError;
use relq_graph::ReferentialAction;
use relq_graph::SchemaDef;
use relq_graph::introspect::{
    Collation, ColumnInfo, ForeignKeyInfo, TableInfo, common_field_type, push_unique_columns,
    schema_from_tables, split_type,
};

const COLUMNS: &str = "SELECT c.relname::text, a.attname::text, \
     format_type(a.atttypid, a.atttypmod), a.attnotnull, \
     EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p' \
             AND a.attnum = ANY (k.conkey)), \
     CASE WHEN a.attcollation = 0 THEN NULL \
          WHEN a.attcollation = 100 THEN CASE \
               WHEN COALESCE(to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' THEN d.datcollate::text \
               ELSE to_jsonb(d) ->> 'daticulocale' END \
          WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN co.collname::text \
          ELSE cn.nspname || '.' || co.collname END, \
     a.attcollation = 100, \
     COALESCE((to_jsonb(co) ->> 'collisdeterministic')::boolean, true) \
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_collation co ON co.oid = a.attcollation \
     LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
     JOIN pg_database d ON d.datname = current_database() \
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
     AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum";

const FOREIGN_KEYS: &str = "SELECT c.relname::text, a.attname::text, r.relname::text, \
     k.confdeltype::text, k.confupdtype::text \
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_class r ON r.oid = k.confrelid \
     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
     WHERE k.contype = 'f' AND n.nspname = current_schema() \
     AND array_length(k.conkey, 1) = 1 ORDER BY c.relname, a.attnum";

const UNIQUE: &str = "SELECT c.relname::text, i.indexrelid::regclass::text, a.attname::text \
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) \
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
     WHERE n.nspname = current_schema() AND i.indisunique AND NOT i.indisprimary \
     AND i.indpred IS NULL AND i.indexprs IS NULL AND k.position <= i.indnkeyatts \
     ORDER BY c.relname, i.indexrelid::regclass::text, k.position";

/// `pg_constraint`'s action code (`a`, `r`, `c`, `n`, `d`).
fn action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// The tables of `client`'s current schema as its catalog describes them (see the module
/// doc).
///
/// # Errors
/// A catalog query the server fails (`ExecErrorKind::Driver`, no statement index),
/// or a column type with no field type (`ExecErrorKind::UnknownColumnType`); both in
/// [`relq_exec::ExecErrorKind`].
pub fn catalog(client: &mut postgres::Client) -> Result<Vec<TableInfo>, ExecError> {
    let driver = |e: postgres::Error| ExecError::driver(None, e.to_string(), e);
    let mut tables: Vec<TableInfo> = Vec::new();
    for row in client.query(COLUMNS, &[]).map_err(driver)? {
        let table: String = row.get(0);
        let column: String = row.get(1);
        let declared: String = row.get(2);
        let (words, args) = split_type(&declared);
        let ty = common_field_type(&words, &args)
            .ok_or_else(|| ExecError::unknown_column_type(&table, &column, &declared))?;
        TableInfo::push_column(
            &mut tables,
            table,
            ColumnInfo {
                name: column,
                ty,
                nullable: !row.get::<_, bool>(3),
                primary_key: row.get(4),
                collation: row.get::<_, Option<String>>(5).map(|name| Collation {
                    name,
                    database_default: row.get(6),
                    deterministic: row.get(7),
                }),
            },
        );
    }
    for row in client.query(FOREIGN_KEYS, &[]).map_err(driver)? {
        let table: String = row.get(0);
        if let Some(t) = tables.iter_mut().find(|t| t.name == table) {
            t.foreign_keys.push(ForeignKeyInfo {
                column: row.get(1),
                table: row.get(2),
                on_delete: action(row.get(3)),
                on_update: action(row.get(4)),
            });
        }
    }
    let rows = client.query(UNIQUE, &[]).map_err(driver)?;
    push_unique_columns(
        &mut tables,
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))),
    );
    Ok(tables)
}

/// The tables of the catalog ([`catalog`]) as a [`SchemaDef`], by relq-graph's naming
/// rules ([`schema_from_tables`]; see the module doc for what is read and what is lost).
///
/// # Errors
/// [`catalog`]'s.
pub fn introspect(client: &mut postgres::Client) -> Result<SchemaDef, ExecError> {
    Ok(schema_from_tables(catalog(client)?))
}
