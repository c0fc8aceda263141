//! Writes through a relation of one owner (given by its primary key): `add`, `remove`,
//! `clear`, `create` and `set`, on reverse foreign keys, many-to-many relations (either
//! side, self-references included) and, for `set`, foreign keys.
//!
//! Rules (writes-research.md §5, Django's related managers):
//! - every `UPDATE` and `DELETE` of children is scoped by the owner's key and changes
//!   only the key column;
//! - targets that must exist, and the owner where a key will point at it, are checked by
//!   a `SELECT` before anything changes, so a missing one is a typed error naming the
//!   model and the keys, not half a write nor the database's foreign-key violation;
//! - a link is inserted only where it does not exist: the through model's unique pair
//!   makes the database skip it (`ON CONFLICT DO NOTHING`, or the no-op `ON DUPLICATE
//!   KEY UPDATE` where the pair is the only unique key besides a generated primary key),
//!   never `INSERT IGNORE`, which also swallows foreign-key and NOT NULL violations.

use relq_graph::{Field, Model, Relation, RelationKind};
use relq_plan::Value;
use relq_sql::{Caps, Upsert};
use serde_json::Value as Json;

use crate::check::{Ctx, NewRecord};
use crate::error::{WriteError, WriteErrorKind as K};
use crate::operation::Values;
use crate::program::{Action, Param, Step, WritePlan};
use crate::rows::plan;
use crate::sql::Cond;
use crate::statements::{
    Existing, delete, distinct, insert, key_chunks, select_keys, step, update,
};

/// What a relation writes, seen from its owner.
#[derive(Clone, Copy)]
enum Shape<'g> {
    /// A reverse foreign key: the children's key column.
    Children { child: Model<'g>, fk: Field<'g> },
    /// A many-to-many relation: the through model's key to the owner and to the target.
    Links {
        through: Model<'g>,
        owner: Field<'g>,
        target: Field<'g>,
        target_model: Model<'g>,
    },
    /// A foreign key: the owner's own key column.
    Parent {
        fk: Field<'g>,
        target_model: Model<'g>,
    },
}

/// An owner, its relation and what it writes.
struct Owner<'g> {
    model: Model<'g>,
    key: Value,
    relation: Relation<'g>,
    shape: Shape<'g>,
}

impl<'g> Owner<'g> {
    fn resolve(ctx: Ctx<'g>, model: &str, pk: &Json, relation: &str) -> Result<Self, WriteError> {
        let model = ctx.model(model)?;
        let relation = ctx.relation(model, relation)?;
        let key = ctx.key(model, pk)?;
        let shape = match (
            relation.kind(),
            relation.foreign_key_field(),
            relation.through(),
        ) {
            (RelationKind::ReverseForeignKey, Some(fk), _) => Shape::Children {
                child: relation.target(),
                fk,
            },
            (RelationKind::ForeignKey, Some(fk), _) => Shape::Parent {
                fk,
                target_model: relation.target(),
            },
            (_, _, Some(t)) => Shape::Links {
                through: ctx.graph.model(t.model),
                owner: ctx.graph.field(t.source_field),
                target: ctx.graph.field(t.target_field),
                target_model: relation.target(),
            },
            _ => {
                return Err(ctx.err(K::WrongRelation {
                    model: model.name().to_owned(),
                    relation: relation.name().to_owned(),
                    kind: relation.kind().name(),
                    op: ctx.op,
                    needs: "a relation with a key",
                }));
            }
        };
        Ok(Self {
            model,
            key,
            relation,
            shape,
        })
    }

    fn wrong(&self, ctx: Ctx<'_>, needs: &'static str) -> WriteError {
        ctx.err(K::WrongRelation {
            model: self.model.name().to_owned(),
            relation: self.relation.name().to_owned(),
            kind: self.relation.kind().name(),
            op: ctx.op,
            needs,
        })
    }

    fn owner_param(&self) -> Param {
        Param::Value(self.key.clone())
    }

    /// `steps` preceded by the check that the owner exists, when they write a key
    /// pointing at it: a missing owner is then a `Missing` error naming it, before
    /// anything changes, not the database's foreign-key violation (DESIGN.md, Writes:
    /// "missing owner or target" is typed). Nothing to do stays nothing.
    fn checked_first(&self, caps: &Caps, mut steps: Vec<Step>) -> Vec<Step> {
        if !steps.is_empty() {
            steps.splice(0..0, self.required(caps));
        }
        steps
    }

    /// The check that the owner exists (see [`checked_first`](Self::checked_first)).
    fn required(&self, caps: &Caps) -> Vec<Step> {
        require(caps, self.model, std::slice::from_ref(&self.key), None)
    }

    /// `keep_reversed` on a key that is not nullable: Django's rule, raised first.
    fn check_keep(&self, ctx: Ctx<'_>, fk: Field<'_>, child: Model<'_>) -> Result<(), WriteError> {
        if fk.is_nullable() {
            return Ok(());
        }
        Err(ctx.err(K::RequiredForeignKey {
            model: self.model.name().to_owned(),
            relation: self.relation.name().to_owned(),
            child: child.name().to_owned(),
            field: fk.name().to_owned(),
        }))
    }
}

/// The through model's link pair, the unique key the insert skips existing links by
/// (the graph gives every through model its pair as a unique key, and the DDL declares
/// it); where the dialect's skip form is `ON DUPLICATE KEY UPDATE`, also that no other
/// unique key could be the one hit.
fn link_key<'g>(
    ctx: Ctx<'g>,
    caps: &Caps,
    through: Model<'g>,
    owner: Field<'g>,
    target: Field<'g>,
) -> Result<[Field<'g>; 2], WriteError> {
    let only_pair = through.unique_keys().len() == 1 && through.primary_key().is_generated();
    if caps.writes.upsert == Some(Upsert::DuplicateKey) && !only_pair {
        return Err(ctx.err(K::Unsupported {
            feature: "skipping existing links of a through model with another unique key (ON DUPLICATE KEY fires on any)",
            dialect: caps.name,
        }));
    }
    Ok([owner, target])
}

/// `SELECT pk FROM target WHERE pk IN (keys)` that must find every key.
fn require(
    caps: &Caps,
    model: Model<'_>,
    keys: &[Value],
    owner: Option<(&Owner<'_>, Field<'_>)>,
) -> Vec<Step> {
    let others = usize::from(owner.is_some());
    key_chunks(caps, keys, others)
        .map(|chunk| {
            let mut conds = Vec::with_capacity(2);
            if let Some((o, fk)) = owner {
                conds.push(Cond::Eq(fk, o.owner_param()));
            }
            conds.push(Cond::In(model.primary_key(), chunk.to_vec()));
            step(
                model,
                select_keys(caps, model, conds, true),
                Action::Require {
                    keys: chunk.to_vec(),
                    owner: owner.map(|(o, _)| (o.model.name().to_owned(), o.key.clone())),
                },
            )
        })
        .collect()
}

/// Primary keys of existing targets: scalars, or records carrying their key.
fn target_keys(ctx: Ctx<'_>, model: Model<'_>, targets: &[Json]) -> Result<Vec<Value>, WriteError> {
    let keys = targets
        .iter()
        .map(|t| ctx.record_key(model, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(distinct(keys))
}

/// The link rows of the owner to each target key, with the through values.
fn link_records<'g>(
    ctx: Ctx<'g>,
    owner: &Owner<'g>,
    through: Model<'g>,
    owner_field: Field<'g>,
    target_field: Field<'g>,
    keys: &[Value],
    values: &Values,
) -> Result<Vec<NewRecord<'g>>, WriteError> {
    keys.iter()
        .map(|k| {
            ctx.new_record(
                through,
                values,
                &[(owner_field, owner.key.clone()), (target_field, k.clone())],
            )
        })
        .collect()
}

/// The inserts of the owner's links to `keys` that do not exist yet, each with the
/// `through` values: skipped by the through model's link pair where one exists.
fn new_links<'g>(
    ctx: Ctx<'g>,
    caps: &Caps,
    owner: &Owner<'g>,
    (through, owner_field, target): (Model<'g>, Field<'g>, Field<'g>),
    keys: &[Value],
    values: &Values,
) -> Result<Vec<Step>, WriteError> {
    let pair = link_key(ctx, caps, through, owner_field, target)?;
    let mut links = link_records(ctx, owner, through, owner_field, target, keys, values)?;
    insert(caps, through, &mut links, Existing::Skip(&pair), false).map_err(|k| ctx.err(k))
}

/// `add`.
pub(crate) fn add(
    ctx: Ctx<'_>,
    caps: &Caps,
    (model, pk, relation): (&str, &Json, &str),
    targets: &[Json],
    through_values: &Values,
) -> Result<WritePlan, WriteError> {
    let owner = Owner::resolve(ctx, model, pk, relation)?;
    let mut steps = Vec::new();
    match owner.shape {
        Shape::Children { child, fk } => {
            no_through(ctx, &owner, through_values)?;
            let (mut existing, mut new) = (Vec::new(), Vec::new());
            for target in targets {
                match target {
                    Json::Object(values) => {
                        new.push(ctx.new_record(child, values, &[(fk, owner.key.clone())])?)
                    }
                    key => existing.push(ctx.key(child, key)?),
                }
            }
            let existing = distinct(existing);
            steps.extend(require(caps, child, &existing, None));
            for chunk in key_chunks(caps, &existing, 1) {
                let conds = vec![Cond::In(child.primary_key(), chunk.to_vec())];
                let sets = vec![(fk, owner.owner_param())];
                steps.push(step(
                    child,
                    update(caps, child, sets, conds),
                    Action::Change { keys: Vec::new() },
                ));
            }
            steps.extend(
                insert(caps, child, &mut new, Existing::Fail, true).map_err(|k| ctx.err(k))?,
            );
        }
        Shape::Links {
            through,
            owner: owner_field,
            target,
            target_model,
        } => {
            let keys = target_keys(ctx, target_model, targets)?;
            if keys.is_empty() {
                return Ok(plan(ctx, owner.model, steps, false));
            }
            let links = new_links(
                ctx,
                caps,
                &owner,
                (through, owner_field, target),
                &keys,
                through_values,
            )?;
            steps.extend(require(caps, target_model, &keys, None));
            steps.extend(links);
        }
        Shape::Parent { .. } => {
            return Err(owner.wrong(ctx, "a to-many relation (use set on a foreign key)"));
        }
    }
    let steps = owner.checked_first(caps, steps);
    Ok(plan(ctx, owner.model, steps, false))
}

/// `remove` (`targets`) and `clear` (`None`).
pub(crate) fn remove(
    ctx: Ctx<'_>,
    caps: &Caps,
    (model, pk, relation): (&str, &Json, &str),
    targets: Option<&[Json]>,
    keep_reversed: bool,
) -> Result<WritePlan, WriteError> {
    let owner = Owner::resolve(ctx, model, pk, relation)?;
    let mut steps = Vec::new();
    match owner.shape {
        Shape::Children { child, fk } => {
            if keep_reversed {
                owner.check_keep(ctx, fk, child)?;
            }
            let unlink = |conds: Vec<Cond<'_>>| {
                let statement = if keep_reversed {
                    update(caps, child, vec![(fk, Param::Value(Value::Null))], conds)
                } else {
                    delete(caps, child, conds)
                };
                step(child, statement, Action::Change { keys: Vec::new() })
            };
            match targets {
                None => steps.push(unlink(vec![Cond::Eq(fk, owner.owner_param())])),
                Some(targets) => {
                    let keys = target_keys(ctx, child, targets)?;
                    steps.extend(require(caps, child, &keys, Some((&owner, fk))));
                    // The owner's key, and the NULL written when the children are kept.
                    let others = 1 + usize::from(keep_reversed);
                    for chunk in key_chunks(caps, &keys, others) {
                        steps.push(unlink(vec![
                            Cond::Eq(fk, owner.owner_param()),
                            Cond::In(child.primary_key(), chunk.to_vec()),
                        ]));
                    }
                }
            }
        }
        Shape::Links {
            through,
            owner: owner_field,
            target,
            target_model,
        } => {
            let mut conds = vec![Cond::Eq(owner_field, owner.owner_param())];
            match targets {
                None => steps.push(step(
                    through,
                    delete(caps, through, conds),
                    Action::Change { keys: Vec::new() },
                )),
                Some(targets) => {
                    let keys = target_keys(ctx, target_model, targets)?;
                    for chunk in key_chunks(caps, &keys, 1) {
                        conds.push(Cond::In(target, chunk.to_vec()));
                        steps.push(step(
                            through,
                            delete(caps, through, conds.clone()),
                            Action::Change { keys: Vec::new() },
                        ));
                        conds.pop();
                    }
                }
            }
        }
        Shape::Parent { .. } => {
            return Err(owner.wrong(
                ctx,
                "a to-many relation (use set with \"target\": null on a foreign key)",
            ));
        }
    }
    Ok(plan(ctx, owner.model, steps, false))
}

/// `create`: a new child, or a new target and its link, in one transaction (ormar and
/// Django leave the target behind when the link fails).
pub(crate) fn create(
    ctx: Ctx<'_>,
    caps: &Caps,
    (model, pk, relation): (&str, &Json, &str),
    values: &Values,
    through_values: &Values,
) -> Result<WritePlan, WriteError> {
    let owner = Owner::resolve(ctx, model, pk, relation)?;
    let mut steps = Vec::new();
    match owner.shape {
        Shape::Children { child, fk } => {
            no_through(ctx, &owner, through_values)?;
            let record = ctx.new_record(child, values, &[(fk, owner.key.clone())])?;
            steps.extend(
                insert(caps, child, &mut [record], Existing::Fail, true).map_err(|k| ctx.err(k))?,
            );
        }
        Shape::Links {
            through,
            owner: owner_field,
            target,
            target_model,
        } => {
            let record = ctx.new_record(target_model, values, &[])?;
            steps.extend(
                insert(caps, target_model, &mut [record], Existing::Fail, true)
                    .map_err(|k| ctx.err(k))?,
            );
            // The link's target key is the new record's, found by the steps above.
            let link = ctx.new_record(
                through,
                through_values,
                &[(owner_field, owner.key.clone()), (target, Value::Null)],
            )?;
            let position = link.columns.iter().position(|(f, _)| f.id() == target.id());
            let mut linked = insert(caps, through, &mut [link], Existing::Fail, false)
                .map_err(|k| ctx.err(k))?;
            for s in &mut linked {
                if let Some(p) = position.and_then(|i| s.params.get_mut(i)) {
                    *p = Param::Found;
                }
            }
            steps.extend(linked);
        }
        Shape::Parent { .. } => return Err(owner.wrong(ctx, "a to-many relation")),
    }
    let steps = owner.checked_first(caps, steps);
    Ok(plan(ctx, owner.model, steps, false))
}

/// `set`.
pub(crate) fn set(
    ctx: Ctx<'_>,
    caps: &Caps,
    (model, pk, relation): (&str, &Json, &str),
    (targets, target): (Option<&[Json]>, Option<&Json>),
    keep_reversed: bool,
    through_values: &Values,
) -> Result<WritePlan, WriteError> {
    let owner = Owner::resolve(ctx, model, pk, relation)?;
    let mut steps = Vec::new();
    match (owner.shape, targets, target) {
        (Shape::Children { child, fk }, Some(targets), None) => {
            no_through(ctx, &owner, through_values)?;
            if keep_reversed {
                owner.check_keep(ctx, fk, child)?;
            }
            let keys = target_keys(ctx, child, targets)?;
            one_statement(ctx, caps, &keys)?;
            if !keys.is_empty() {
                steps.extend(owner.required(caps));
            }
            steps.extend(require(caps, child, &keys, None));
            let mut conds = vec![Cond::Eq(fk, owner.owner_param())];
            if !keys.is_empty() {
                conds.push(Cond::NotIn(child.primary_key(), keys.clone()));
            }
            let statement = if keep_reversed {
                update(caps, child, vec![(fk, Param::Value(Value::Null))], conds)
            } else {
                delete(caps, child, conds)
            };
            steps.push(step(child, statement, Action::Change { keys: Vec::new() }));
            for chunk in key_chunks(caps, &keys, 1) {
                let conds = vec![Cond::In(child.primary_key(), chunk.to_vec())];
                steps.push(step(
                    child,
                    update(caps, child, vec![(fk, owner.owner_param())], conds),
                    Action::Change { keys: Vec::new() },
                ));
            }
        }
        (
            Shape::Links {
                through,
                owner: owner_field,
                target,
                target_model,
            },
            Some(targets),
            None,
        ) => {
            let keys = target_keys(ctx, target_model, targets)?;
            one_statement(ctx, caps, &keys)?;
            if !keys.is_empty() {
                steps.extend(owner.required(caps));
            }
            steps.extend(require(caps, target_model, &keys, None));
            let mut conds = vec![Cond::Eq(owner_field, owner.owner_param())];
            if !keys.is_empty() {
                conds.push(Cond::NotIn(target, keys.clone()));
            }
            steps.push(step(
                through,
                delete(caps, through, conds),
                Action::Change { keys: Vec::new() },
            ));
            if !keys.is_empty() {
                let links = (through, owner_field, target);
                steps.extend(new_links(ctx, caps, &owner, links, &keys, through_values)?);
            }
        }
        (Shape::Parent { fk, target_model }, None, Some(target)) => {
            no_through(ctx, &owner, through_values)?;
            let value = if target.is_null() {
                ctx.value(fk, target)?
            } else {
                let key = ctx.record_key(target_model, target)?;
                steps.extend(require(
                    caps,
                    target_model,
                    std::slice::from_ref(&key),
                    None,
                ));
                key
            };
            steps.extend(owner.required(caps));
            let conds = vec![Cond::Eq(owner.model.primary_key(), owner.owner_param())];
            steps.push(step(
                owner.model,
                update(caps, owner.model, vec![(fk, Param::Value(value))], conds),
                Action::Change { keys: Vec::new() },
            ));
        }
        (Shape::Parent { .. }, _, _) => {
            return Err(owner.wrong(ctx, "\"target\" (one record or null), not \"targets\""));
        }
        (_, _, _) => return Err(owner.wrong(ctx, "\"targets\" (a list), not \"target\"")),
    }
    Ok(plan(ctx, owner.model, steps, false))
}

/// `set`'s targets fit the one statement that unlinks every other (`NOT IN` cannot be
/// cut into chunks): the owner's key and the targets within the parameter limit.
fn one_statement(ctx: Ctx<'_>, caps: &Caps, keys: &[Value]) -> Result<(), WriteError> {
    if keys.len() < caps.max_params {
        return Ok(());
    }
    Err(ctx.err(K::Unsupported {
        feature: "`set` with more targets than one statement binds",
        dialect: caps.name,
    }))
}

/// `through` values given off a many-to-many relation.
fn no_through(ctx: Ctx<'_>, owner: &Owner<'_>, values: &Values) -> Result<(), WriteError> {
    match values.keys().next() {
        None => Ok(()),
        Some(name) => Err(ctx.err(K::NotHere {
            model: owner.model.name().to_owned(),
            field: name.clone(),
            why: "`through` values belong to a many-to-many relation",
        })),
    }
}
