//! The statement shapes every operation is made of: a chunked multi-row `INSERT` (with
//! `RETURNING` or its stand-in, and the dialect's skip-existing form), a `SELECT` of
//! primary keys, an `UPDATE` of named columns and a `DELETE`, each on one table.
//!
//! Invariant: an `UPDATE` writes only the columns it is given (never a full row: no lost
//! updates, waterline-docs#80); bound lists are cut to the dialect's parameter limit.

use relq_graph::{Field, Model};
use relq_plan::{Value, ValueKey, ValueKind};
use relq_sql::{Caps, Upsert};

use crate::check::NewRecord;
use crate::error::WriteErrorKind;
use crate::program::{Action, Param, Step, When};
use crate::sql::{Cond, Sql};

/// The most rows one `INSERT` carries: a longer statement gains nothing on any of the
/// three databases (benches/README.md, bulk insert).
const MAX_ROWS: usize = 1000;

/// What an insert does with a row whose unique key exists.
#[derive(Clone, Copy)]
pub(crate) enum Existing<'a, 'g> {
    /// It fails (a unique violation).
    Fail,
    /// It is skipped: the key is this unique key (a through model's link pair).
    Skip(&'a [Field<'g>]),
}

/// A step that always runs.
pub(crate) fn step(model: Model<'_>, (sql, params): (String, Vec<Param>), action: Action) -> Step {
    Step {
        sql,
        params,
        when: When::Always,
        action,
        model: model.name().to_owned(),
        key_kind: ValueKind::of(model.primary_key().ty()),
    }
}

/// The statements inserting `records` of `model`, in order: consecutive records with
/// the same columns share a multi-row `INSERT` of at most [`MAX_ROWS`] rows and the
/// dialect's parameter limit. With `keys`, each reports the new primary keys (in row
/// order): given keys as they are, generated ones by `RETURNING`, or, where the dialect
/// has none, one row per statement and the dialect's last-insert-id query. The records'
/// values are moved into the statements' parameters (the records are left NULL).
///
/// # Errors
/// [`WriteErrorKind::Unsupported`] when a generated key must be read and the dialect
/// has no way, or rows must be skipped and it has no upsert form.
pub(crate) fn insert(
    caps: &Caps,
    model: Model<'_>,
    records: &mut [NewRecord<'_>],
    existing: Existing<'_, '_>,
    keys: bool,
) -> Result<Vec<Step>, WriteErrorKind> {
    let mut steps = Vec::new();
    let mut start = 0;
    while start < records.len() {
        let width = records[start].columns.len();
        let same = |r: &NewRecord<'_>| {
            r.columns.len() == width
                && r.columns
                    .iter()
                    .zip(&records[start].columns)
                    .all(|((a, _), (b, _))| a.id() == b.id())
        };
        let end = start + records[start..].iter().take_while(|r| same(r)).count();
        let group = &mut records[start..end];
        let given_keys = group[0].key().is_some();
        let returning = keys && !given_keys && caps.writes.insert_returning;
        let one_by_one = keys && !given_keys && !returning;
        let per_statement = if one_by_one {
            1
        } else {
            (caps.max_params / width.max(1)).clamp(1, MAX_ROWS)
        };
        for chunk in group.chunks_mut(per_statement) {
            let known = if keys && given_keys {
                chunk.iter().filter_map(|r| r.key().cloned()).collect()
            } else {
                Vec::new()
            };
            let mut sql = Sql::new(caps);
            sql.raw("INSERT INTO ")
                .table(model)
                .raw(" (")
                .columns(chunk[0].columns.iter().map(|(f, _)| *f))
                .raw(") VALUES ");
            for (i, record) in chunk.iter_mut().enumerate() {
                if i > 0 {
                    sql.raw(", ");
                }
                sql.raw("(")
                    .values(
                        record
                            .columns
                            .iter_mut()
                            .map(|(_, v)| Param::Value(std::mem::take(v))),
                    )
                    .raw(")");
            }
            if let Existing::Skip(key) = existing {
                match caps.writes.upsert {
                    Some(Upsert::OnConflict) => {
                        sql.raw(" ON CONFLICT (")
                            .columns(key.iter().copied())
                            .raw(") DO NOTHING");
                    }
                    Some(Upsert::DuplicateKey) => {
                        // A no-op update of the existing row: 0 rows changed for it, 1 for
                        // a new one (insert-on-duplicate.html).
                        let first = key[0];
                        sql.raw(" ON DUPLICATE KEY UPDATE ")
                            .column(first)
                            .raw(" = ")
                            .column(first);
                    }
                    None => {
                        return Err(WriteErrorKind::Unsupported {
                            feature: "inserting only the links that do not exist",
                            dialect: caps.name,
                        });
                    }
                }
            }
            if returning {
                sql.raw(" RETURNING ").column(model.primary_key());
                steps.push(step(
                    model,
                    sql.finish(),
                    Action::Keys {
                        created: true,
                        at_most_one: false,
                        changes: true,
                    },
                ));
                continue;
            }
            steps.push(step(model, sql.finish(), Action::Change { keys: known }));
            if one_by_one {
                steps.push(last_insert_id(caps, model)?);
            }
        }
        start = end;
    }
    Ok(steps)
}

/// The dialect's query for the key the connection's last insert generated.
pub(crate) fn last_insert_id(caps: &Caps, model: Model<'_>) -> Result<Step, WriteErrorKind> {
    let query = caps
        .writes
        .last_insert_id
        .filter(|_| model.primary_key().is_generated())
        .ok_or(WriteErrorKind::Unsupported {
            feature: "reading a generated primary key",
            dialect: caps.name,
        })?;
    Ok(step(
        model,
        (query.to_owned(), Vec::new()),
        Action::Keys {
            created: true,
            at_most_one: true,
            changes: false,
        },
    ))
}

/// `SELECT "pk" FROM "t" WHERE ...[ FOR UPDATE]`.
pub(crate) fn select_keys(
    caps: &Caps,
    model: Model<'_>,
    conds: Vec<Cond<'_>>,
    lock: bool,
) -> (String, Vec<Param>) {
    let mut sql = Sql::new(caps);
    sql.raw("SELECT ")
        .column(model.primary_key())
        .raw(" FROM ")
        .table(model)
        .conds(conds);
    if lock && let Some(clause) = caps.writes.lock_rows {
        sql.raw(clause);
    }
    sql.finish()
}

/// `UPDATE "t" SET "a" = ?, ... WHERE ...`: only the columns given.
pub(crate) fn update(
    caps: &Caps,
    model: Model<'_>,
    sets: Vec<(Field<'_>, Param)>,
    conds: Vec<Cond<'_>>,
) -> (String, Vec<Param>) {
    let mut sql = Sql::new(caps);
    set_clause(&mut sql, model, sets);
    sql.conds(conds);
    sql.finish()
}

/// `UPDATE "t" SET "a" = ?, ...` without its `WHERE`.
pub(crate) fn set_clause(sql: &mut Sql<'_>, model: Model<'_>, sets: Vec<(Field<'_>, Param)>) {
    sql.raw("UPDATE ").table(model).raw(" SET ");
    for (i, (field, value)) in sets.into_iter().enumerate() {
        if i > 0 {
            sql.raw(", ");
        }
        sql.column(field).raw(" = ").param(value);
    }
}

/// `DELETE FROM "t" WHERE ...`.
pub(crate) fn delete(caps: &Caps, model: Model<'_>, conds: Vec<Cond<'_>>) -> (String, Vec<Param>) {
    let mut sql = Sql::new(caps);
    sql.raw("DELETE FROM ").table(model).conds(conds);
    sql.finish()
}

/// `keys` cut into lists that fit one statement beside `others` parameters of its own.
pub(crate) fn key_chunks<'k>(
    caps: &Caps,
    keys: &'k [Value],
    others: usize,
) -> impl Iterator<Item = &'k [Value]> {
    keys.chunks(caps.max_params.saturating_sub(others).max(1))
}

/// `keys` without repeats, first occurrence kept (the same target twice is one link).
pub(crate) fn distinct(keys: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    let first: Vec<bool> = keys.iter().map(|key| seen.insert(ValueKey(key))).collect();
    drop(seen);
    keys.into_iter()
        .zip(first)
        .filter_map(|(key, first)| first.then_some(key))
        .collect()
}
