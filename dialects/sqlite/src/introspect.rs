//! [`introspect`]: an SQLite database's tables read back into a [`SchemaDef`].
//!
//! Reads `PRAGMA table_list` (tables of the `main` schema, `sqlite_*` excluded),
//! `PRAGMA table_info` (columns: declared type, `NOT NULL`, primary-key position),
//! `PRAGMA foreign_key_list` (single-column foreign keys and their actions),
//! `PRAGMA index_list` and `PRAGMA index_info` (unique keys: `UNIQUE` constraints and
//! unique indexes, not the primary key's (`origin = 'pk'`), partial ones or those on an
//! expression)
//! (<https://sqlite.org/pragma.html>); the naming rules are relq-graph's
//! ([`relq_graph::introspect`]).
//!
//! Types: the declared type, split into words and arguments, through
//! [`common_field_type`](relq_graph::introspect::common_field_type): [`TYPES`](crate::TYPES)
//! in reverse (`INTEGER`, `REAL`, `TEXT`, `BLOB`) plus the usual synonyms (`VARCHAR(n)`,
//! `BIGINT`, `NUMERIC(p, s)`, `BOOLEAN`, `DATE`, `DATETIME`, `UUID`, `JSON`...). SQLite's own
//! DDL keeps no more than the affinity, so a schema created by relq comes back lossy:
//! big integers and booleans as `integer`, decimals, dates, times, UUIDs and JSON as
//! `text`, text without its maximum length. A column without a declared type, or of a type
//! not listed there, is [`ExecErrorKind::UnknownColumnType`](relq_exec::ExecErrorKind).

use relq_exec::ExecError;
use relq_graph::ReferentialAction;
use relq_graph::SchemaDef;
use relq_graph::introspect::{
    ColumnInfo, ForeignKeyInfo, TableInfo, common_field_type, schema_from_tables, split_type,
};

/// The tables of `conn`'s `main` schema as its catalog describes them (see the module doc
/// for what is read).
///
/// # Errors
/// A catalog query the driver fails (`ExecErrorKind::Driver`, no statement index),
/// or a column type with no field type (`ExecErrorKind::UnknownColumnType`); both in
/// [`relq_exec::ExecErrorKind`].
pub fn catalog(conn: &rusqlite::Connection) -> Result<Vec<TableInfo>, ExecError> {
    let driver = |e: rusqlite::Error| ExecError::driver(None, e.to_string(), e);
    let names: Vec<String> = {
        let mut list = conn
            .prepare(
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            )
            .map_err(driver)?;
        list.query_map([], |r| r.get(0))
            .map_err(driver)?
            .collect::<Result<_, _>>()
            .map_err(driver)?
    };
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let mut info = conn
            .prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)")
            .map_err(driver)?;
        let raw: Vec<(String, String, bool, i64)> = info
            .query_map([&name], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(driver)?
            .collect::<Result<_, _>>()
            .map_err(driver)?;
        let mut columns = Vec::with_capacity(raw.len());
        for (column, declared, not_null, pk) in raw {
            let (words, args) = split_type(&declared);
            let ty = common_field_type(&words, &args)
                .ok_or_else(|| ExecError::unknown_column_type(&name, &column, &declared))?;
            columns.push(ColumnInfo {
                name: column,
                ty,
                // A primary key is NOT NULL in relq's DDL; SQLite's `notnull` says only
                // what was written.
                nullable: !not_null && pk == 0,
                primary_key: pk > 0,
                // Not read: SQLite's filters compare every text column `COLLATE BINARY`
                // (`Sqlite`'s `comparable_text`), whatever it declares.
                collation: None,
            });
        }
        let mut fk_list = conn
            .prepare(
                "SELECT id, \"from\", \"table\", on_update, on_delete \
                 FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
            )
            .map_err(driver)?;
        let fks: Vec<(i64, String, String, String, String)> = fk_list
            .query_map([&name], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(driver)?
            .collect::<Result<_, _>>()
            .map_err(driver)?;
        let foreign_keys = fks
            .iter()
            .filter(|(id, ..)| fks.iter().filter(|f| f.0 == *id).count() == 1)
            .map(|(_, column, table, on_update, on_delete)| ForeignKeyInfo {
                column: column.clone(),
                table: table.clone(),
                on_delete: ReferentialAction::from_sql(on_delete),
                on_update: ReferentialAction::from_sql(on_update),
            })
            .collect();
        let mut indexes = conn
            .prepare(
                "SELECT name FROM pragma_index_list(?1) \
                 WHERE \"unique\" = 1 AND origin <> 'pk' AND partial = 0 ORDER BY name",
            )
            .map_err(driver)?;
        let index_names: Vec<String> = indexes
            .query_map([&name], |r| r.get(0))
            .map_err(driver)?
            .collect::<Result<_, _>>()
            .map_err(driver)?;
        let mut unique = Vec::with_capacity(index_names.len());
        for index in index_names {
            let mut info = conn
                .prepare("SELECT cid, name FROM pragma_index_info(?1) ORDER BY seqno")
                .map_err(driver)?;
            let key: Vec<(i64, Option<String>)> = info
                .query_map([&index], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(driver)?
                .collect::<Result<_, _>>()
                .map_err(driver)?;
            // cid -1 is the rowid, -2 an expression: not a key on columns.
            if let Some(key) = key
                .into_iter()
                .map(|(cid, column)| column.filter(|_| cid >= 0))
                .collect::<Option<Vec<String>>>()
            {
                unique.push(key);
            }
        }
        tables.push(TableInfo {
            name,
            columns,
            foreign_keys,
            unique,
        });
    }
    Ok(tables)
}

/// The tables of the catalog ([`catalog`]) as a [`SchemaDef`], by relq-graph's naming
/// rules ([`schema_from_tables`]; see the module doc for what is read and what is lost).
///
/// # Errors
/// [`catalog`]'s.
pub fn introspect(conn: &rusqlite::Connection) -> Result<SchemaDef, ExecError> {
    Ok(schema_from_tables(catalog(conn)?))
}
