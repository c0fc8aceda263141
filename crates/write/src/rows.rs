//! Writes to one model's rows: `insert`, `update` and `delete` (by any filter, across
//! relations through the read path's `EXISTS` machinery), `get_or_create` and
//! `update_or_create`.
//!
//! `get_or_create` uses the dialect's upsert where a declared unique key is exactly the
//! lookup and no default names one of its fields (`INSERT ... ON CONFLICT (key) DO NOTHING RETURNING`, then the `SELECT` when
//! the row existed: one statement for a new record, race-free); otherwise, and for
//! `update_or_create`, it is Django's select-then-insert (`SELECT ... FOR UPDATE`, then
//! the `INSERT` in a savepoint, run again once on a unique violation).

use relq_graph::{Field, Model};
use relq_plan::{Filter, Query, Terminal, Value, Values as ValuesTerminal};
use relq_sql::{Caps, Dialect, Upsert, compile};

use crate::check::Ctx;
use crate::error::{WriteError, WriteErrorKind as K};
use crate::operation::Values;
use crate::program::{Action, Param, Step, When, WritePlan};
use crate::sql::{Cond, Sql};
use crate::statements::{
    Existing, delete, insert, last_insert_id, select_keys, set_clause, step, update,
};

/// `insert`: the rows' primary keys reported in row order.
pub(crate) fn insert_rows(
    ctx: Ctx<'_>,
    caps: &Caps,
    model: &str,
    rows: &[Values],
) -> Result<WritePlan, WriteError> {
    let model = ctx.model(model)?;
    let mut records = rows
        .iter()
        .map(|row| ctx.new_record(model, row, &[]))
        .collect::<Result<Vec<_>, _>>()?;
    let steps = insert(caps, model, &mut records, Existing::Fail, true).map_err(|k| ctx.err(k))?;
    Ok(plan(ctx, model, steps, false))
}

/// `update`: the named columns of every record the filters keep.
pub(crate) fn update_rows(
    ctx: Ctx<'_>,
    dialect: &dyn Dialect,
    model: &str,
    filter: &[Filter],
    exclude: &[Filter],
    values: &Values,
) -> Result<WritePlan, WriteError> {
    let model = ctx.model(model)?;
    let sets = ctx.assignments(model, values)?;
    if sets.is_empty() {
        return Ok(plan(ctx, model, Vec::new(), false));
    }
    let sets: Vec<(Field<'_>, Param)> = sets
        .into_iter()
        .map(|(f, v)| (f, Param::Value(v)))
        .collect();
    let caps = dialect.caps();
    let statement = match kept(ctx, dialect, model, filter, exclude)? {
        None => update(caps, model, sets, Vec::new()),
        Some((text, params)) => {
            let mut sql = Sql::ending_with(caps, params);
            set_clause(&mut sql, model, sets);
            sql.raw(" WHERE ")
                .column(model.primary_key())
                .raw(" IN (SELECT * FROM (");
            sql.embed(&format!("{text}) AS {})", quoted(caps, "kept")))
        }
    };
    let steps = vec![step(model, statement, Action::Change { keys: Vec::new() })];
    Ok(plan(ctx, model, steps, false))
}

/// `delete`: every record the filters keep.
pub(crate) fn delete_rows(
    ctx: Ctx<'_>,
    dialect: &dyn Dialect,
    model: &str,
    filter: &[Filter],
    exclude: &[Filter],
) -> Result<WritePlan, WriteError> {
    let model = ctx.model(model)?;
    let caps = dialect.caps();
    let statement = match kept(ctx, dialect, model, filter, exclude)? {
        None => delete(caps, model, Vec::new()),
        Some((text, params)) => {
            let mut sql = Sql::ending_with(caps, params);
            sql.raw("DELETE FROM ")
                .table(model)
                .raw(" WHERE ")
                .column(model.primary_key())
                .raw(" IN (SELECT * FROM (");
            sql.embed(&format!("{text}) AS {})", quoted(caps, "kept")))
        }
    };
    let steps = vec![step(model, statement, Action::Change { keys: Vec::new() })];
    Ok(plan(ctx, model, steps, false))
}

/// The read path's statement selecting the primary keys the filters keep (`None`
/// without filters: every record). It is wrapped in a derived table, which MySQL and
/// MariaDB need to read the table a statement changes (error 1093,
/// subquery-restrictions.html).
fn kept(
    ctx: Ctx<'_>,
    dialect: &dyn Dialect,
    model: Model<'_>,
    filter: &[Filter],
    exclude: &[Filter],
) -> Result<Option<(String, Vec<Value>)>, WriteError> {
    if filter.is_empty() && exclude.is_empty() {
        return Ok(None);
    }
    let mut query = Query::new(model.name()).terminal(Terminal::Values(ValuesTerminal {
        fields: vec![model.primary_key().name().to_owned()],
        distinct: false,
    }));
    query.filter = filter.to_vec();
    query.exclude = exclude.to_vec();
    let compiled = compile(ctx.graph, &query, dialect).map_err(|e| ctx.err(K::Filter(e)))?;
    let mut statements = compiled.statements.into_iter();
    match (statements.next(), statements.next()) {
        (Some(only), None) => Ok(Some((only.sql.to_string(), only.params))),
        _ => Err(ctx.err(K::Unsupported {
            feature: "a write filter that needs more than one statement",
            dialect: dialect.caps().name,
        })),
    }
}

/// `get_or_create` and `update_or_create`.
pub(crate) fn get_or_create(
    ctx: Ctx<'_>,
    caps: &Caps,
    model: &str,
    lookup: &Values,
    defaults: &Values,
    update_found: bool,
) -> Result<WritePlan, WriteError> {
    let model = ctx.model(model)?;
    if lookup.is_empty() {
        return Err(ctx.err(K::EmptyLookup {
            op: ctx.op,
            model: model.name().to_owned(),
        }));
    }
    let by = ctx.assignments(model, lookup)?;
    let sets = ctx.assignments(model, defaults)?;
    let mut all = lookup.clone();
    all.extend(defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut record = ctx.new_record(model, &all, &[])?;
    let conds: Vec<Cond<'_>> = by
        .iter()
        .map(|(f, v)| match v {
            Value::Null => Cond::IsNull(*f),
            v => Cond::Eq(*f, Param::Value(v.clone())),
        })
        .collect();
    let lookup_key = unique_key_of(model, &by);
    // The upsert skips on the key's values as inserted: only where they are the lookup's
    // (a default naming a lookup field inserts another key, which would not conflict
    // with the record the lookup finds).
    let native = !update_found
        && caps.writes.insert_returning
        && caps.writes.upsert == Some(Upsert::OnConflict)
        && lookup_key.is_some()
        && by.iter().all(|(_, v)| !v.is_null())
        && sets
            .iter()
            .all(|(f, _)| by.iter().all(|(g, _)| g.id() != f.id()));
    let mut steps = Vec::new();
    let found = Action::Keys {
        created: false,
        at_most_one: true,
        changes: false,
    };
    if let (true, Some(key)) = (native, lookup_key) {
        let mut inserted = insert(
            caps,
            model,
            std::slice::from_mut(&mut record),
            Existing::Skip(&key),
            false,
        )
        .map_err(|k| ctx.err(k))?;
        for s in &mut inserted {
            s.sql.push_str(" RETURNING ");
            push_column(caps, &mut s.sql, model.primary_key());
            s.action = Action::Keys {
                created: true,
                at_most_one: true,
                changes: true,
            };
        }
        steps.extend(inserted);
        let mut select = step(model, select_keys(caps, model, conds, false), found);
        select.when = When::NotFound;
        steps.push(select);
        return Ok(plan(ctx, model, steps, true));
    }
    steps.push(step(model, select_keys(caps, model, conds, true), found));
    if update_found && !sets.is_empty() {
        let sets = sets
            .into_iter()
            .map(|(f, v)| (f, Param::Value(v)))
            .collect();
        let conds = vec![Cond::Eq(model.primary_key(), Param::Found)];
        let mut change = step(
            model,
            update(caps, model, sets, conds),
            Action::Change { keys: Vec::new() },
        );
        change.when = When::Found;
        steps.push(change);
    }
    let given_key = record.key().cloned();
    let returning = given_key.is_none() && caps.writes.insert_returning;
    let mut inserted = insert(
        caps,
        model,
        std::slice::from_mut(&mut record),
        Existing::Fail,
        false,
    )
    .map_err(|k| ctx.err(k))?;
    for s in &mut inserted {
        if returning {
            s.sql.push_str(" RETURNING ");
            push_column(caps, &mut s.sql, model.primary_key());
        }
        s.when = When::NotFound;
        s.action = Action::InsertOrRetry {
            returning,
            keys: given_key.iter().cloned().collect(),
        };
    }
    steps.extend(inserted);
    if given_key.is_none() && !returning {
        let mut read = last_insert_id(caps, model).map_err(|k| ctx.err(k))?;
        read.when = When::NotFound;
        steps.push(read);
    }
    Ok(plan(ctx, model, steps, true))
}

/// The declared unique key (or the primary key) whose fields are exactly the lookup's.
fn unique_key_of<'g>(model: Model<'g>, by: &[(Field<'g>, Value)]) -> Option<Vec<Field<'g>>> {
    let same = |key: &[Field<'g>]| {
        key.len() == by.len() && key.iter().all(|k| by.iter().any(|(f, _)| f.id() == k.id()))
    };
    let pk = [model.primary_key()];
    if same(&pk) && !pk[0].is_generated() {
        return Some(pk.to_vec());
    }
    model
        .unique_keys()
        .map(|key| key.fields().collect::<Vec<_>>())
        .find(|key| same(key))
}

fn push_column(caps: &Caps, out: &mut String, field: Field<'_>) {
    relq_sql::push_quoted(out, caps.identifier_quote, field.column());
}

fn quoted(caps: &Caps, name: &str) -> String {
    let mut out = String::new();
    relq_sql::push_quoted(&mut out, caps.identifier_quote, name);
    out
}

/// The plan of one operation on `model`.
pub(crate) fn plan(
    ctx: Ctx<'_>,
    model: Model<'_>,
    steps: Vec<Step>,
    reports_created: bool,
) -> WritePlan {
    WritePlan {
        op: ctx.op,
        model: model.name().to_owned(),
        steps,
        reports_created,
    }
}
