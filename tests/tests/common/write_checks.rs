//! What `compile_write` refuses, for the operations the write differential test draws
//! (`write_ops`), written from the rustdoc of `Operation` and `WriteErrorKind`: an
//! unknown relation or one of the wrong kind, NULL for a field that is not nullable, a new
//! record leaving out a required field or giving the key the operation sets, a target
//! object without its primary key where a key is wanted, `keep_reversed` on a required
//! foreign key, `through` values off a many-to-many relation or naming no field of the
//! through model (checked only where a link is made), an empty lookup.

use relq::write::{Operation, Values};
use relq_graph::{Field, Model, RelationGraph, RelationKind};
use serde_json::Value as Json;

/// A field by its name, or a foreign key by its relation's name.
pub fn field<'g>(m: Model<'g>, name: &str) -> Option<Field<'g>> {
    m.field(name).or_else(|| {
        m.relation(name)?
            .foreign_key_field()
            .filter(|f| f.model().id() == m.id())
    })
}

/// Every name a field of `m`, no NULL for a field that is not nullable.
fn assignable(m: Model<'_>, values: &Values) -> bool {
    values
        .iter()
        .all(|(name, v)| field(m, name).is_some_and(|f| !v.is_null() || f.is_nullable()))
}

/// `values` (plus `fixed`, not given again) make a whole new row of `m`.
fn whole(m: Model<'_>, values: &Values, fixed: &[Field<'_>]) -> bool {
    let given: Vec<Field<'_>> = values.keys().filter_map(|n| field(m, n)).collect();
    assignable(m, values)
        && !fixed.iter().any(|f| given.iter().any(|g| g.id() == f.id()))
        && m.fields().all(|f| {
            given.iter().chain(fixed).any(|g| g.id() == f.id())
                || f.is_generated()
                || f.default().is_some()
                || f.is_nullable()
        })
}

/// A target key: a scalar, or an object carrying the primary key.
fn keyed(m: Model<'_>, target: &Json) -> bool {
    match target {
        Json::Object(o) => o.get(m.primary_key().name()).is_some_and(|k| !k.is_null()),
        k => !k.is_null(),
    }
}

/// Whether `compile_write` takes `op`.
pub fn compiles(g: &RelationGraph, op: &Operation) -> bool {
    let Some(m) = g.model_by_name(op.model()) else {
        return false;
    };
    let relation = |name: &str| m.relation(name).filter(|r| !r.is_hidden());
    let link_ok = |r: relq_graph::Relation<'_>, through: &Values| {
        let t = r.through().expect("a many-to-many relation");
        let fixed = [g.field(t.source_field), g.field(t.target_field)];
        whole(g.model(t.model), through, &fixed)
    };
    match op {
        Operation::Insert { rows, .. } => rows.iter().all(|r| whole(m, r, &[])),
        Operation::Update { values, .. } => assignable(m, values),
        Operation::Delete { .. } => true,
        Operation::Add {
            relation: name,
            targets,
            through,
            ..
        } => match relation(name) {
            Some(r) if r.kind() == RelationKind::ReverseForeignKey => {
                let fk = r.foreign_key_field().expect("a key");
                through.is_empty()
                    && targets.iter().all(|t| match t {
                        Json::Object(o) => whole(r.target(), o, &[fk]),
                        k => !k.is_null(),
                    })
            }
            Some(r) if r.kind().is_to_many() => {
                targets.iter().all(|t| keyed(r.target(), t))
                    && (targets.is_empty() || link_ok(r, through))
            }
            _ => false,
        },
        Operation::Remove {
            relation: name,
            targets,
            keep_reversed,
            ..
        } => match relation(name) {
            Some(r) if r.kind() == RelationKind::ReverseForeignKey => {
                let fk = r.foreign_key_field().expect("a key");
                (!keep_reversed || fk.is_nullable()) && targets.iter().all(|t| keyed(r.target(), t))
            }
            Some(r) if r.kind().is_to_many() => targets.iter().all(|t| keyed(r.target(), t)),
            _ => false,
        },
        Operation::Clear {
            relation: name,
            keep_reversed,
            ..
        } => match relation(name) {
            Some(r) if r.kind() == RelationKind::ReverseForeignKey => {
                !keep_reversed || r.foreign_key_field().is_some_and(|f| f.is_nullable())
            }
            Some(r) => r.kind().is_to_many(),
            None => false,
        },
        Operation::Create {
            relation: name,
            values,
            through,
            ..
        } => match relation(name) {
            Some(r) if r.kind() == RelationKind::ReverseForeignKey => {
                let fk = r.foreign_key_field().expect("a key");
                through.is_empty() && whole(r.target(), values, &[fk])
            }
            Some(r) if r.kind().is_to_many() => {
                whole(r.target(), values, &[]) && link_ok(r, through)
            }
            _ => false,
        },
        Operation::Set {
            relation: name,
            targets,
            target,
            keep_reversed,
            through,
            ..
        } => match (relation(name), targets, target) {
            (Some(r), Some(targets), None) if r.kind() == RelationKind::ReverseForeignKey => {
                let fk = r.foreign_key_field().expect("a key");
                through.is_empty()
                    && (!keep_reversed || fk.is_nullable())
                    && targets.iter().all(|t| keyed(r.target(), t))
            }
            (Some(r), Some(targets), None) if r.kind().is_to_many() => {
                targets.iter().all(|t| keyed(r.target(), t))
                    && (targets.is_empty() || link_ok(r, through))
            }
            (Some(r), None, Some(target)) if r.kind() == RelationKind::ForeignKey => {
                let fk = r.foreign_key_field().expect("a key");
                through.is_empty()
                    && if target.is_null() {
                        fk.is_nullable()
                    } else {
                        keyed(r.target(), target)
                    }
            }
            _ => false,
        },
        Operation::GetOrCreate {
            lookup, defaults, ..
        }
        | Operation::UpdateOrCreate {
            lookup, defaults, ..
        } => {
            let mut all = lookup.clone();
            all.extend(defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
            !lookup.is_empty()
                && assignable(m, lookup)
                && assignable(m, defaults)
                && whole(m, &all, &[])
        }
    }
}
