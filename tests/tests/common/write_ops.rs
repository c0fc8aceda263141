//! The random write sequences of the write differential test (`write_differential.rs`):
//! batches of [`OpShape`]s, choice numbers that [`OpShape::operation`] turns into one
//! [`Operation`] over a graph and the rows a database holds at the start of the batch.
//!
//! Every kind of operation is drawn, through every relation of the owner's model (foreign
//! keys too, where `add`, `remove`, `clear` and `create` are compile errors); a row is
//! picked by its position in the table (`Pick::Row`, modulo the row count) or is a key
//! no row has ([`MISSING`]); new rows sometimes give their primary key (an existing one,
//! or a fresh one far from any generated key), sometimes leave a required field out or
//! give NULL for it; `get_or_create` / `update_or_create` look up by the model's declared
//! unique key or by fields that are not unique, with values copied from a row (found) or
//! drawn (often created); `update` / `delete` filter by a condition on a plain field of
//! the model or of a model reached through up to two relations, or `isnull` on a to-many
//! relation, maybe negated.
//!
//! Positions rather than keys: the three databases generate different keys for new rows
//! (PostgreSQL's sequences and MariaDB's AUTO_INCREMENT do not roll back), so a choice
//! names the same row on each of them.

use proptest::prelude::*;
use relq::write::{Operation, Values};
use relq_graph::{Field, FieldType, Model, ModelId, RelationGraph, RelationKind};
use relq_plan::{Filter, Value};
use serde_json::{Value as Json, json};

use super::strategies::{TEXTS, walk};

/// A primary key no row has and no database generates in a test.
pub const MISSING: i64 = 999_999;

/// A row of a table by position, or a key no row has.
#[derive(Clone, Debug)]
pub enum Pick {
    /// The row at this position (modulo the row count; [`MISSING`] for an empty table).
    Row(usize),
    /// [`MISSING`].
    Missing,
}

/// A new row: its primary key (`None`: generated; `Some(Pick)`: an existing row's, or
/// `Pick::Missing` for a fresh one) and one value choice per field ([`value`]).
#[derive(Clone, Debug)]
pub struct RowShape {
    key: Option<Pick>,
    values: Vec<u8>,
}

/// A target of a relation operation: a primary key, a record carrying one, or a new
/// record's values.
#[derive(Clone, Debug)]
pub enum TargetShape {
    /// The row's primary key.
    Key(Pick),
    /// `{"id": key}`.
    Record(Pick),
    /// An object without a primary key.
    New(RowShape),
}

/// A condition of `update` / `delete`: a walk, a plain field of its end (past them:
/// `isnull` on the last relation when it is to-many), a lookup, a value, negated or not.
#[derive(Clone, Debug)]
pub struct WriteFilter {
    steps: Vec<usize>,
    field: usize,
    lookup: usize,
    value: u8,
    negate: bool,
}

/// One operation as choice numbers.
#[derive(Clone, Debug)]
pub enum OpShape {
    /// `insert` of 1 to 3 rows.
    Insert { model: usize, rows: Vec<RowShape> },
    /// `update` of 1 or 2 fields (`(field choice, value choice)`).
    Update {
        model: usize,
        filter: Option<WriteFilter>,
        exclude: Option<WriteFilter>,
        values: Vec<(usize, u8)>,
    },
    /// `delete`.
    Delete {
        model: usize,
        filter: Option<WriteFilter>,
        exclude: Option<WriteFilter>,
    },
    /// `add`, `remove` (`keep`), `set` (`keep`; a foreign key gets the first target or
    /// null) and `clear` (`keep`, no targets), by `kind` 0 to 3.
    Link {
        kind: u8,
        owner: Pick,
        relation: usize,
        targets: Vec<TargetShape>,
        keep: bool,
        through: Option<u8>,
    },
    /// `create`.
    Create {
        owner: Pick,
        relation: usize,
        values: RowShape,
        through: Option<u8>,
    },
    /// `get_or_create` (or `update_or_create`): by the declared unique key (`unique`)
    /// or 1 or 2 other fields, the values copied from a row (`from`) or drawn.
    GetOrCreate {
        model: usize,
        update: bool,
        unique: bool,
        fields: Vec<usize>,
        from: Option<usize>,
        values: Vec<u8>,
        defaults: Vec<(usize, u8)>,
    },
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![8 => (0usize..64).prop_map(Pick::Row), 1 => Just(Pick::Missing)]
}

fn row_shape() -> impl Strategy<Value = RowShape> {
    (
        prop::option::weighted(0.2, pick()),
        prop::collection::vec(any::<u8>(), 8),
    )
        .prop_map(|(key, values)| RowShape { key, values })
}

fn target_shape() -> impl Strategy<Value = TargetShape> {
    prop_oneof![
        7 => pick().prop_map(TargetShape::Key),
        1 => pick().prop_map(TargetShape::Record),
        2 => row_shape().prop_map(TargetShape::New),
    ]
}

fn write_filter() -> impl Strategy<Value = WriteFilter> {
    (
        prop::collection::vec(0usize..64, 0..=2),
        0usize..8,
        0usize..16,
        any::<u8>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(steps, field, lookup, value, negate)| WriteFilter {
            steps,
            field,
            lookup,
            value,
            negate,
        })
}

fn field_values() -> impl Strategy<Value = Vec<(usize, u8)>> {
    prop::collection::vec((0usize..8, any::<u8>()), 1..=2)
}

/// Random [`OpShape`]s, each kind about as often.
pub fn op_shape() -> impl Strategy<Value = OpShape> {
    let filter = || prop::option::weighted(0.7, write_filter());
    prop_oneof![
        1 => (0usize..32, prop::collection::vec(row_shape(), 1..=3))
            .prop_map(|(model, rows)| OpShape::Insert { model, rows }),
        1 => (0usize..32, filter(), prop::option::weighted(0.2, write_filter()), field_values())
            .prop_map(|(model, filter, exclude, values)| OpShape::Update {
                model,
                filter,
                exclude,
                values
            }),
        1 => (0usize..32, filter(), prop::option::weighted(0.2, write_filter()))
            .prop_map(|(model, filter, exclude)| OpShape::Delete {
                model,
                filter,
                exclude
            }),
        4 => (
            0u8..4,
            pick(),
            0usize..64,
            prop::collection::vec(target_shape(), 0..=3),
            any::<bool>(),
            prop::option::weighted(0.3, any::<u8>()),
        )
            .prop_map(|(kind, owner, relation, targets, keep, through)| OpShape::Link {
                kind,
                owner,
                relation,
                targets,
                keep,
                through
            }),
        1 => (pick(), 0usize..64, row_shape(), prop::option::weighted(0.3, any::<u8>())).prop_map(
            |(owner, relation, values, through)| OpShape::Create {
                owner,
                relation,
                values,
                through
            }
        ),
        2 => (
            0usize..32,
            any::<bool>(),
            prop::bool::weighted(0.6),
            prop::collection::vec(0usize..8, 1..=2),
            prop::option::weighted(0.5, 0usize..64),
            prop::collection::vec(any::<u8>(), 2),
            prop::collection::vec((0usize..8, any::<u8>()), 0..=2),
        )
            .prop_map(|(model, update, unique, fields, from, values, defaults)| {
                OpShape::GetOrCreate {
                    model,
                    update,
                    unique,
                    fields,
                    from,
                    values,
                    defaults,
                }
            }),
    ]
}

/// Batches of 1 to 3 operations, 1 to 5 batches.
pub fn sequence() -> impl Strategy<Value = Vec<Vec<OpShape>>> {
    prop::collection::vec(prop::collection::vec(op_shape(), 1..=3), 1..=5)
}

/// What choices are resolved against: the graph and the rows at the start of a batch
/// (by model number, one value per field in definition order).
pub struct Resolver<'a> {
    pub graph: &'a RelationGraph,
    pub tables: &'a [Vec<Vec<Value>>],
}

/// The model a through model's or a foreign key's field points at.
pub fn referenced(field: Field<'_>) -> Option<ModelId> {
    if let Some(r) = field.foreign_key() {
        return Some(r.target().id());
    }
    let r = field.model().through_of()?;
    let t = r.through()?;
    if t.source_field == field.id() {
        Some(r.source().id())
    } else if t.target_field == field.id() {
        Some(r.target().id())
    } else {
        None
    }
}

impl Resolver<'_> {
    fn model(&self, n: usize) -> Model<'_> {
        self.graph
            .models()
            .nth(n % self.graph.models().len())
            .expect("a model")
    }

    /// The primary key `pick` names in `model`'s table.
    fn key(&self, model: ModelId, pick: &Pick) -> Json {
        let rows = &self.tables[model.index()];
        let at = self
            .graph
            .model(model)
            .fields()
            .position(|f| f.is_primary_key())
            .expect("a primary key");
        match pick {
            Pick::Row(i) if !rows.is_empty() => value_json(&rows[i % rows.len()][at]),
            _ => json!(MISSING),
        }
    }

    /// A value of `field` for choice `c`: a key of its target (or NULL, or [`MISSING`]),
    /// a text of [`TEXTS`], an integer from -3 to 3, NULL for a fifth of a nullable
    /// field's choices.
    fn value(&self, field: Field<'_>, c: u8) -> Json {
        if let Some(target) = referenced(field) {
            return match c % 8 {
                0 if field.is_nullable() || c % 32 == 0 => Json::Null,
                1 => json!(MISSING),
                _ => self.key(target, &Pick::Row(usize::from(c / 8))),
            };
        }
        if field.is_nullable() && c % 5 == 0 {
            return Json::Null;
        }
        match field.ty() {
            FieldType::Integer => json!(i64::from(c % 7) - 3),
            _ => json!(TEXTS[usize::from(c) % TEXTS.len()]),
        }
    }

    /// The values of a new `model` row, without the fields `skip` (set by the
    /// operation); a field is left out for about one choice in forty.
    fn new_row(&self, model: Model<'_>, shape: &RowShape, skip: &[&str]) -> Values {
        let mut values = Values::new();
        if let Some(key) = &shape.key
            && model.through_of().is_none()
        {
            let key = match key {
                Pick::Missing => json!(10_000 * (1 + i64::from(shape.values[0] % 4))),
                // An empty table has no key to repeat: a fresh one (never [`MISSING`]).
                _ if self.tables[model.id().index()].is_empty() => {
                    json!(10_000 * (1 + i64::from(shape.values[0] % 4)))
                }
                row => self.key(model.id(), row),
            };
            values.insert(model.primary_key().name().to_owned(), key);
        }
        for (i, f) in model.fields().filter(|f| !f.is_primary_key()).enumerate() {
            let c = shape.values[i % shape.values.len()];
            if c >= 250 || skip.contains(&f.name()) {
                continue;
            }
            values.insert(f.name().to_owned(), self.value(f, c));
        }
        values
    }

    /// Values of `model`'s non-key fields by `(field choice, value choice)`.
    fn assignments(&self, model: Model<'_>, choices: &[(usize, u8)]) -> Values {
        let fields: Vec<Field<'_>> = model.fields().filter(|f| !f.is_primary_key()).collect();
        let mut values = Values::new();
        for &(f, c) in choices {
            if let Some(field) = fields.get(f % fields.len().max(1)) {
                values.insert(field.name().to_owned(), self.value(*field, c));
            }
        }
        values
    }

    fn filter(&self, model: Model<'_>, shape: &WriteFilter) -> Filter {
        let number = self.graph.models().position(|m| m.id() == model.id());
        let (_, mut names, hops) = walk(self.graph, number.unwrap_or(0), &shape.steps);
        let end = hops
            .last()
            .map_or(model, |&h| self.graph.relation(h).target());
        let plain: Vec<Field<'_>> = end
            .fields()
            .filter(|f| !f.is_primary_key() && referenced(*f).is_none())
            .collect();
        let filter = match plain.get(shape.field) {
            None if hops
                .last()
                .is_some_and(|&h| self.graph.relation(h).is_to_many()) =>
            {
                names.push("isnull".to_owned());
                Filter::new(names.join("__"), shape.value % 2 == 0)
            }
            None if plain.is_empty() => {
                names.push(format!("{}__isnull", end.primary_key().name()));
                Filter::new(names.join("__"), shape.value % 2 == 0)
            }
            found => {
                let f = found.copied().unwrap_or(plain[shape.field % plain.len()]);
                names.push(f.name().to_owned());
                let text = !matches!(f.ty(), FieldType::Integer);
                let lookups: &[&str] = if text {
                    &["exact", "contains", "startswith", "ne", "gt", "lt", "in"]
                } else {
                    &["exact", "ne", "gt", "lte", "in", "isnull"]
                };
                let lookup = lookups[shape.lookup % lookups.len()];
                names.push(lookup.to_owned());
                let one = |c: u8| {
                    if text {
                        json!(TEXTS[usize::from(c) % TEXTS.len()])
                    } else {
                        json!(i64::from(c % 7) - 3)
                    }
                };
                let value = match lookup {
                    "in" => Json::Array(
                        (0..shape.value % 3)
                            .map(|k| one(shape.value / 3 + k))
                            .collect(),
                    ),
                    "isnull" => json!(shape.value % 2 == 0),
                    _ => one(shape.value),
                };
                Filter::new(names.join("__"), value)
            }
        };
        if shape.negate { !filter } else { filter }
    }

    /// The operation `shape` makes over the tables.
    pub fn operation(&self, shape: &OpShape) -> Operation {
        match shape {
            OpShape::Insert { model, rows } => {
                let m = self.model(*model);
                Operation::insert(m.name(), rows.iter().map(|r| self.new_row(m, r, &[])))
            }
            OpShape::Update {
                model,
                filter,
                exclude,
                values,
            } => {
                let m = self.model(*model);
                Operation::Update {
                    model: m.name().to_owned(),
                    filter: filter.iter().map(|f| self.filter(m, f)).collect(),
                    exclude: exclude.iter().map(|f| self.filter(m, f)).collect(),
                    values: self.assignments(m, values),
                }
            }
            OpShape::Delete {
                model,
                filter,
                exclude,
            } => {
                let m = self.model(*model);
                Operation::Delete {
                    model: m.name().to_owned(),
                    filter: filter.iter().map(|f| self.filter(m, f)).collect(),
                    exclude: exclude.iter().map(|f| self.filter(m, f)).collect(),
                }
            }
            OpShape::Link {
                kind,
                owner,
                relation,
                targets,
                keep,
                through,
            } => self.link(*kind, owner, *relation, targets, *keep, *through),
            OpShape::Create {
                owner,
                relation,
                values,
                through,
            } => {
                let (m, pk, name, target) = self.owner(owner, *relation);
                let skip = target
                    .filter(|(kind, _)| *kind == RelationKind::ReverseForeignKey)
                    .and_then(|(_, fk)| fk);
                let values = target.map_or_else(Values::new, |(_, _)| {
                    let child = m.relation(&name).map(|r| r.target()).expect("the relation");
                    self.new_row(child, values, skip.as_slice())
                });
                Operation::Create {
                    model: m.name().to_owned(),
                    pk,
                    relation: name,
                    values,
                    through: weight(*through),
                }
            }
            OpShape::GetOrCreate {
                model,
                update,
                unique,
                fields,
                from,
                values,
                defaults,
            } => {
                let m = self.model(*model);
                let plain: Vec<Field<'_>> = m.fields().filter(|f| !f.is_primary_key()).collect();
                let key: Option<Vec<Field<'_>>> = m
                    .unique_keys()
                    .next()
                    .filter(|_| *unique)
                    .map(|k| k.fields().collect());
                let by: Vec<Field<'_>> = key.unwrap_or_else(|| {
                    let mut by: Vec<Field<'_>> = Vec::new();
                    for &f in fields {
                        let f = plain[f % plain.len()];
                        if !by.iter().any(|b| b.id() == f.id()) {
                            by.push(f);
                        }
                    }
                    by
                });
                let rows = &self.tables[m.id().index()];
                let mut lookup = Values::new();
                for (i, f) in by.iter().enumerate() {
                    let value = match from {
                        Some(r) if !rows.is_empty() => {
                            let at = m.fields().position(|g| g.id() == f.id()).expect("a field");
                            value_json(&rows[r % rows.len()][at])
                        }
                        _ => self.value(*f, values[i % values.len()]),
                    };
                    lookup.insert(f.name().to_owned(), value);
                }
                // The required fields the lookup leaves out, mostly, so a new record
                // can be made; then the drawn defaults.
                let mut all = Values::new();
                if values[0] % 8 != 0 {
                    for (i, f) in plain.iter().enumerate() {
                        if !f.is_nullable() && !lookup.contains_key(f.name()) {
                            let c = values[i % values.len()].wrapping_add(i as u8);
                            all.insert(f.name().to_owned(), self.value(*f, c | 2));
                        }
                    }
                }
                all.extend(self.assignments(m, defaults));
                let defaults = all;
                let model = m.name().to_owned();
                if *update {
                    Operation::UpdateOrCreate {
                        model,
                        lookup,
                        defaults,
                    }
                } else {
                    Operation::GetOrCreate {
                        model,
                        lookup,
                        defaults,
                    }
                }
            }
        }
    }

    /// The owner's model (a declared model with a relation, if there is one), its key,
    /// the relation's name (`nope` when the model has none), and the relation's kind
    /// with its foreign key's name on the child.
    #[allow(clippy::type_complexity)]
    fn owner(
        &self,
        owner: &Pick,
        relation: usize,
    ) -> (
        Model<'_>,
        Json,
        String,
        Option<(RelationKind, Option<&str>)>,
    ) {
        let with: Vec<Model<'_>> = self
            .graph
            .models()
            .filter(|m| m.relations().any(|r| !r.is_hidden()))
            .collect();
        let m = with
            .get(relation % with.len().max(1))
            .copied()
            .unwrap_or_else(|| self.model(0));
        let pk = self.key(m.id(), owner);
        let mut visible: Vec<_> = m.relations().filter(|r| !r.is_hidden()).collect();
        // Mostly a to-many relation (on a foreign key only `set` compiles).
        if relation % 5 != 0 && visible.iter().any(|r| r.is_to_many()) {
            visible.retain(|r| r.is_to_many());
        }
        match visible.get(relation / with.len().max(1) % visible.len().max(1)) {
            Some(r) => {
                let fk = r.foreign_key_field().map(|f| f.name());
                (m, pk, r.name().to_owned(), Some((r.kind(), fk)))
            }
            None => (m, pk, "nope".to_owned(), None),
        }
    }

    fn link(
        &self,
        kind: u8,
        owner: &Pick,
        relation: usize,
        targets: &[TargetShape],
        keep: bool,
        through: Option<u8>,
    ) -> Operation {
        let (m, pk, name, r) = self.owner(owner, relation);
        let target_model = m.relation(&name).map(|r| r.target());
        let skip = r
            .and_then(|(_, fk)| fk)
            .filter(|_| r.is_some_and(|(k, _)| k == RelationKind::ReverseForeignKey));
        let targets: Vec<Json> = match target_model {
            None => Vec::new(),
            Some(t) => targets
                .iter()
                .map(|shape| match shape {
                    TargetShape::Key(p) => self.key(t.id(), p),
                    TargetShape::Record(p) => {
                        json!({ t.primary_key().name(): self.key(t.id(), p) })
                    }
                    TargetShape::New(row) if skip.is_none() && row.values[0] % 8 != 0 => {
                        // Mostly a key on a many-to-many relation (an object without
                        // one is a compile error there).
                        self.key(t.id(), &Pick::Row(usize::from(row.values[1])))
                    }
                    TargetShape::New(row) => Json::Object(self.new_row(
                        t,
                        &RowShape {
                            key: None,
                            ..row.clone()
                        },
                        skip.as_slice(),
                    )),
                })
                .collect(),
        };
        let model = m.name().to_owned();
        match kind {
            0 => Operation::Add {
                model,
                pk,
                relation: name,
                targets,
                through: weight(through),
            },
            1 => Operation::Remove {
                model,
                pk,
                relation: name,
                targets,
                keep_reversed: keep,
            },
            2 => Operation::Clear {
                model,
                pk,
                relation: name,
                keep_reversed: keep,
            },
            _ => {
                let to_one = r.is_some_and(|(k, _)| k == RelationKind::ForeignKey);
                let (targets, target) = if to_one {
                    (None, Some(targets.into_iter().next().unwrap_or(Json::Null)))
                } else {
                    (Some(targets), None)
                };
                Operation::Set {
                    model,
                    pk,
                    relation: name,
                    targets,
                    target,
                    keep_reversed: keep,
                    through: weight(through),
                }
            }
        }
    }
}

/// `{"weight": n}` (a field only some through models have), or nothing.
fn weight(choice: Option<u8>) -> Values {
    let mut values = Values::new();
    if let Some(c) = choice {
        values.insert(
            "weight".to_owned(),
            if c % 4 == 0 {
                Json::Null
            } else {
                json!(i64::from(c % 7) - 3)
            },
        );
    }
    values
}

/// A value as an operation writes it.
pub fn value_json(value: &Value) -> Json {
    relq_rows::value_to_json(value)
}
