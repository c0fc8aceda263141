//! The stage's entry: a batch of [`Operation`]s checked against the graph and compiled
//! for one dialect into a [`CompiledWrite`].

use relq_graph::RelationGraph;
use relq_sql::{Caps, Dialect, Placeholder};

use crate::check::Ctx;
use crate::error::{WriteError, WriteErrorKind};
use crate::operation::Operation;
use crate::program::{CompiledWrite, WritePlan};
use crate::{relations, rows};

/// Checks `operations` against `graph` and compiles each for `dialect`: the statements
/// to run in order, in one transaction. Same input, same output, byte for byte.
///
/// ```
/// # use relq_graph::SchemaDef;
/// # use relq_sql::Ansi;
/// use relq_write::{Operation, compile_write};
/// let graph = SchemaDef::from_toml(r#"
///     [[models]]
///     name = "Department"
///     fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
///     [[models]]
///     name = "Course"
///     fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
///     foreign_keys = [{ name = "department", to = "Department", related_name = "courses", nullable = true }]
/// "#)?.build()?;
/// let write = compile_write(&graph, &[Operation::clear("Department", 1, "courses")], &Ansi::default())?;
/// assert_eq!(
///     write.operations[0].steps[0].sql,
///     r#"UPDATE "courses" SET "department_id" = ? WHERE "department_id" = ?"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The first operation that breaks a rule ([`WriteError`], with its index): an unknown
/// name (with did-you-mean), a value of the wrong kind, a missing value, a relation of
/// the wrong kind, `keep_reversed` on a required key, a through model without a unique
/// link pair, a filter that does not compile, or what the dialect cannot express (a
/// statement binding more values than its parameter limit that cannot be cut).
pub fn compile_write(
    graph: &RelationGraph,
    operations: &[Operation],
    dialect: &dyn Dialect,
) -> Result<CompiledWrite, WriteError> {
    let caps = dialect.caps();
    if caps.placeholder == Placeholder::Format {
        let ctx = Ctx {
            graph,
            index: 0,
            op: operations.first().map_or("", Operation::name),
        };
        return Err(ctx.err(WriteErrorKind::Unsupported {
            feature: "writes in the `format` paramstyle (%s)",
            dialect: caps.name,
        }));
    }
    let operations = operations
        .iter()
        .enumerate()
        .map(|(index, op)| {
            let ctx = Ctx {
                graph,
                index,
                op: op.name(),
            };
            let plan = compile_one(ctx, dialect, op)?;
            within_limit(ctx, caps, &plan)?;
            Ok(plan)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CompiledWrite {
        operations,
        begin: caps.writes.begin,
    })
}

/// Every statement binds at most the dialect's parameter limit, or the database would
/// refuse it half way through the batch. Key lists are cut to fit; what cannot be cut
/// (set's `NOT IN` list of the kept targets, an update's or delete's filter values and
/// new values, a row wider than the limit) is an error before any SQL.
fn within_limit(ctx: Ctx<'_>, caps: &Caps, plan: &WritePlan) -> Result<(), WriteError> {
    if plan.steps.iter().all(|s| s.params.len() <= caps.max_params) {
        return Ok(());
    }
    Err(ctx.err(WriteErrorKind::Unsupported {
        feature: "a statement binding more values than the parameter limit (a set's NOT IN list, a filter's and update's values, a row)",
        dialect: caps.name,
    }))
}

fn compile_one(
    ctx: Ctx<'_>,
    dialect: &dyn Dialect,
    op: &Operation,
) -> Result<WritePlan, WriteError> {
    let caps = dialect.caps();
    match op {
        Operation::Insert { model, rows } => rows::insert_rows(ctx, caps, model, rows),
        Operation::Update {
            model,
            filter,
            exclude,
            values,
        } => rows::update_rows(ctx, dialect, model, filter, exclude, values),
        Operation::Delete {
            model,
            filter,
            exclude,
        } => rows::delete_rows(ctx, dialect, model, filter, exclude),
        Operation::Add {
            model,
            pk,
            relation,
            targets,
            through,
        } => relations::add(ctx, caps, (model, pk, relation), targets, through),
        Operation::Remove {
            model,
            pk,
            relation,
            targets,
            keep_reversed,
        } => relations::remove(
            ctx,
            caps,
            (model, pk, relation),
            Some(targets),
            *keep_reversed,
        ),
        Operation::Clear {
            model,
            pk,
            relation,
            keep_reversed,
        } => relations::remove(ctx, caps, (model, pk, relation), None, *keep_reversed),
        Operation::Create {
            model,
            pk,
            relation,
            values,
            through,
        } => relations::create(ctx, caps, (model, pk, relation), values, through),
        Operation::Set {
            model,
            pk,
            relation,
            targets,
            target,
            keep_reversed,
            through,
        } => relations::set(
            ctx,
            caps,
            (model, pk, relation),
            (targets.as_deref(), target.as_ref()),
            *keep_reversed,
            through,
        ),
        Operation::GetOrCreate {
            model,
            lookup,
            defaults,
        } => rows::get_or_create(ctx, caps, model, lookup, defaults, false),
        Operation::UpdateOrCreate {
            model,
            lookup,
            defaults,
        } => rows::get_or_create(ctx, caps, model, lookup, defaults, true),
    }
}
