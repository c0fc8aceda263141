//! [`introspect`]: the tables of a MySQL / MariaDB connection's current database read back
//! into a [`SchemaDef`].
//!
//! Reads `information_schema` for `DATABASE()`: `TABLES` (base tables), `COLUMNS`
//! (`COLUMN_TYPE`, `IS_NULLABLE`, `COLUMN_KEY`), `KEY_COLUMN_USAGE` and
//! `REFERENTIAL_CONSTRAINTS` (single-column foreign keys and their rules), `STATISTICS`
//! (unique keys: unique indexes other than `PRIMARY`, without a prefix index
//! (`SUB_PART`) or a functional one (no `COLUMN_NAME`, MySQL 8)). The naming rules
//! are relq-graph's ([`relq_graph::introspect`]).
//!
//! Types: `COLUMN_TYPE`, split into words and arguments, first through this dialect's
//! quirks — `tinyint(1)` is a boolean, `char(36)` a UUID ([`TYPES`](crate::TYPES)) — then
//! [`common_field_type`](relq_graph::introspect::common_field_type): `int`, `bigint`,
//! `double`, `decimal(p,s)`, `longtext`, `varchar(n)`, `date`, `time(6)`, `datetime(6)`,
//! `json`, `longblob` and synonyms. Lossy, documented: MariaDB's `JSON` is `longtext` with a
//! check, so it comes back as `text`; a text key relq declared as `VARCHAR(255)` comes back
//! with that maximum length. Anything else is
//! [`ExecErrorKind::UnknownColumnType`](relq_exec::ExecErrorKind).
//!
//! Rules: InnoDB treats `NO ACTION` as `RESTRICT` and MariaDB reports an unspecified rule
//! as `RESTRICT` (MySQL 8.0 manual, create-table-foreign-keys.html), so `RESTRICT` reads
//! back as the default `no_action`.

use mysql::prelude::Queryable;
use relq_exec::ExecError;
use relq_graph::introspect::{
    ColumnInfo, ForeignKeyInfo, TableInfo, common_field_type, push_unique_columns,
    schema_from_tables, split_type,
};
use relq_graph::{FieldType, ReferentialAction, SchemaDef};

const COLUMNS: &str = "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, \
     c.COLUMN_KEY FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
     ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
     WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' \
     ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";

const FOREIGN_KEYS: &str = "SELECT k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, \
     r.DELETE_RULE, r.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k \
     JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
     ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
     AND r.TABLE_NAME = k.TABLE_NAME \
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
     AND (SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE o \
          WHERE o.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA \
          AND o.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND o.TABLE_NAME = k.TABLE_NAME) = 1 \
     ORDER BY k.TABLE_NAME, k.ORDINAL_POSITION";

const UNIQUE: &str = "SELECT s.TABLE_NAME, s.INDEX_NAME, s.COLUMN_NAME \
     FROM information_schema.STATISTICS s \
     WHERE s.TABLE_SCHEMA = DATABASE() AND s.NON_UNIQUE = 0 AND s.INDEX_NAME <> 'PRIMARY' \
     AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS p \
          WHERE p.TABLE_SCHEMA = s.TABLE_SCHEMA AND p.TABLE_NAME = s.TABLE_NAME \
          AND p.INDEX_NAME = s.INDEX_NAME \
          AND (p.SUB_PART IS NOT NULL OR p.COLUMN_NAME IS NULL)) \
     ORDER BY s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX";

/// A referential rule as InnoDB means it (`RESTRICT` is `NO ACTION`).
fn action(rule: &str) -> ReferentialAction {
    match ReferentialAction::from_sql(rule) {
        ReferentialAction::Restrict => ReferentialAction::NoAction,
        other => other,
    }
}

/// The field type of a `COLUMN_TYPE`.
fn field_type(declared: &str) -> Option<FieldType> {
    let (words, args) = split_type(declared);
    match (words.as_str(), args.as_slice()) {
        ("TINYINT", [1]) => Some(FieldType::Boolean),
        ("CHAR", [36]) => Some(FieldType::Uuid),
        _ => common_field_type(&words, &args),
    }
}

/// The tables of `conn`'s current database as its catalog describes them (see the module
/// doc).
///
/// # Errors
/// A catalog query the server fails (`ExecErrorKind::Driver`, no statement index),
/// or a column type with no field type (`ExecErrorKind::UnknownColumnType`); both in
/// [`relq_exec::ExecErrorKind`].
pub fn catalog(conn: &mut mysql::Conn) -> Result<Vec<TableInfo>, ExecError> {
    let driver = |e: mysql::Error| ExecError::driver(None, e.to_string(), e);
    let columns: Vec<(String, String, String, String, String)> =
        conn.query(COLUMNS).map_err(driver)?;
    let mut tables: Vec<TableInfo> = Vec::new();
    for (table, column, declared, nullable, key) in columns {
        let ty = field_type(&declared)
            .ok_or_else(|| ExecError::unknown_column_type(&table, &column, &declared))?;
        TableInfo::push_column(
            &mut tables,
            table,
            ColumnInfo {
                name: column,
                ty,
                nullable: nullable == "YES",
                primary_key: key == "PRI",
                // Not read: MySQL's filters compare every text column converted to
                // binary, whatever its collation (`MySql`'s `comparable_text`).
                collation: None,
            },
        );
    }
    let keys: Vec<(String, String, String, String, String)> =
        conn.query(FOREIGN_KEYS).map_err(driver)?;
    for (table, column, target, on_delete, on_update) in keys {
        if let Some(t) = tables.iter_mut().find(|t| t.name == table) {
            t.foreign_keys.push(ForeignKeyInfo {
                column,
                table: target,
                on_delete: action(&on_delete),
                on_update: action(&on_update),
            });
        }
    }
    let unique: Vec<(String, String, String)> = conn.query(UNIQUE).map_err(driver)?;
    push_unique_columns(&mut tables, unique);
    Ok(tables)
}

/// The tables of the catalog ([`catalog`]) as a [`SchemaDef`], by relq-graph's naming
/// rules ([`schema_from_tables`]; see the module doc for what is read and what is lost).
///
/// # Errors
/// [`catalog`]'s.
pub fn introspect(conn: &mut mysql::Conn) -> Result<SchemaDef, ExecError> {
    Ok(schema_from_tables(catalog(conn)?))
}
