//! Checking an operation's names and values against the graph: models, relations and
//! fields by name (did-you-mean when unknown), values by their field's kind, and the
//! full column list of a new record.
//!
//! Invariant: every value leaving here has its field's kind, or is NULL for a nullable
//! field; nothing here writes SQL.

use relq_graph::{Field, Model, Relation, RelationGraph, suggest};
use relq_plan::{Value, ValueKind, describe_json};
use serde_json::Value as Json;
use smallvec::SmallVec;

use crate::error::{WriteError, WriteErrorKind as K};
use crate::operation::Values;

/// The operation being checked: where errors point.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'g> {
    pub(crate) graph: &'g RelationGraph,
    pub(crate) index: usize,
    pub(crate) op: &'static str,
}

impl<'g> Ctx<'g> {
    pub(crate) fn err(&self, kind: K) -> WriteError {
        WriteError::new(self.index, self.op, kind)
    }

    pub(crate) fn model(&self, name: &str) -> Result<Model<'g>, WriteError> {
        self.graph.model_by_name(name).ok_or_else(|| {
            let suggestion = suggest(name, self.graph.models().map(|m| m.name()));
            self.err(K::UnknownModel {
                name: name.to_owned(),
                suggestion: suggestion.map(str::to_owned),
            })
        })
    }

    pub(crate) fn relation(
        &self,
        model: Model<'g>,
        name: &str,
    ) -> Result<Relation<'g>, WriteError> {
        model
            .relation(name)
            .filter(|r| !r.is_hidden())
            .ok_or_else(|| {
                let visible: Vec<&str> = model
                    .relations()
                    .filter(|r| !r.is_hidden())
                    .map(|r| r.name())
                    .collect();
                self.err(K::UnknownRelation {
                    model: model.name().to_owned(),
                    name: name.to_owned(),
                    suggestion: suggest(name, visible).map(str::to_owned),
                })
            })
    }

    /// A field by its name, or a foreign key by its relation's name (`department` for
    /// `department_id`).
    pub(crate) fn field(&self, model: Model<'g>, name: &str) -> Result<Field<'g>, WriteError> {
        if let Some(field) = model.field(name) {
            return Ok(field);
        }
        model
            .relation(name)
            .and_then(|r| {
                r.foreign_key_field()
                    .filter(|f| f.model().id() == model.id())
            })
            .ok_or_else(|| {
                let names = model.fields().map(|f| f.name()).chain(
                    model
                        .relations()
                        .filter(|r| r.kind() == relq_graph::RelationKind::ForeignKey)
                        .map(|r| r.name()),
                );
                self.err(K::UnknownField {
                    model: model.name().to_owned(),
                    name: name.to_owned(),
                    suggestion: suggest(name, names.collect::<Vec<_>>()).map(str::to_owned),
                })
            })
    }

    /// `json` as a value of `field` (NULL only where the field is nullable).
    pub(crate) fn value(&self, field: Field<'g>, json: &Json) -> Result<Value, WriteError> {
        if json.is_null() {
            return if field.is_nullable() {
                Ok(Value::Null)
            } else {
                Err(self.err(K::NotNullable {
                    model: field.model().name().to_owned(),
                    field: field.name().to_owned(),
                }))
            };
        }
        let kind = ValueKind::of(field.ty());
        Value::from_json(kind, json).ok_or_else(|| {
            self.err(K::WrongKind {
                model: field.model().name().to_owned(),
                field: field.name().to_owned(),
                expected: kind.expected_form(),
                found: describe_json(json),
            })
        })
    }

    /// A primary key of `model` given as a value (never NULL).
    pub(crate) fn key(&self, model: Model<'g>, json: &Json) -> Result<Value, WriteError> {
        let pk = model.primary_key();
        if json.is_null() {
            return Err(self.err(K::NotNullable {
                model: model.name().to_owned(),
                field: pk.name().to_owned(),
            }));
        }
        self.value(pk, json)
    }

    /// A target record's key: a primary key, or a record (an object) carrying one.
    pub(crate) fn record_key(&self, model: Model<'g>, json: &Json) -> Result<Value, WriteError> {
        match json {
            Json::Object(values) => {
                let pk = model.primary_key();
                match values.get(pk.name()) {
                    Some(key) if !key.is_null() => self.key(model, key),
                    _ => Err(self.err(K::NotSaved {
                        model: model.name().to_owned(),
                        pk: pk.name().to_owned(),
                    })),
                }
            }
            key => self.key(model, key),
        }
    }

    /// The values of a set of given fields, in the order given, each checked.
    pub(crate) fn assignments(
        &self,
        model: Model<'g>,
        values: &Values,
    ) -> Result<Vec<(Field<'g>, Value)>, WriteError> {
        let mut out: Vec<(Field<'g>, Value)> = Vec::with_capacity(values.len());
        for (name, json) in values {
            let field = self.field(model, name)?;
            if out.iter().any(|(f, _)| f.id() == field.id()) {
                return Err(self.twice(model, field));
            }
            out.push((field, self.value(field, json)?));
        }
        Ok(out)
    }

    /// The columns of a new `model` record from `values` and the `fixed` fields the
    /// operation sets itself (a relation's key), in definition order: each field given
    /// (by its name, or a foreign key's by its relation's name), fixed, or its default; a
    /// nullable field left out is NULL; a generated primary key left out is not written.
    /// A name that is no field is reported before any other problem of the record.
    pub(crate) fn new_record(
        &self,
        model: Model<'g>,
        values: &Values,
        fixed: &[(Field<'g>, Value)],
    ) -> Result<NewRecord<'g>, WriteError> {
        // The row's values by field position (a foreign key's by its relation's name
        // too), then one pass over the model's fields: no list of assignments is built,
        // and a model of up to 16 fields allocates nothing but the record (bulk inserts
        // make one record per row).
        let fields = model.fields().len();
        let mut slots: SmallVec<[Option<&Json>; 16]> = smallvec::smallvec![None; fields];
        for (name, json) in values {
            let position = model.fields().position(|f| f.name() == name).or_else(|| {
                model
                    .fields()
                    .position(|f| f.foreign_key().is_some_and(|r| r.name() == name))
            });
            let Some(position) = position else {
                return Err(self.field(model, name).err().unwrap_or_else(|| {
                    self.err(K::UnknownField {
                        model: model.name().to_owned(),
                        name: name.clone(),
                        suggestion: None,
                    })
                }));
            };
            if slots[position].replace(json).is_some() {
                if let Some(field) = model.fields().nth(position) {
                    return Err(self.twice(model, field));
                }
            }
        }
        let mut columns = Vec::with_capacity(fields);
        for (field, given) in model.fields().zip(slots) {
            let fixed = fixed.iter().find(|(f, _)| f.id() == field.id());
            let value = match (given, fixed, field.default()) {
                (Some(_), Some(_), _) => {
                    return Err(self.err(K::NotHere {
                        model: model.name().to_owned(),
                        field: field.name().to_owned(),
                        why: "the operation sets it to the owner",
                    }));
                }
                (Some(json), None, _) => self.value(field, json)?,
                (None, Some((_, v)), _) => v.clone(),
                (None, None, _) if field.is_generated() => continue,
                (None, None, Some(default)) => self.value(field, default)?,
                (None, None, None) if field.is_nullable() => Value::Null,
                (None, None, None) => {
                    return Err(self.err(K::MissingValue {
                        model: model.name().to_owned(),
                        field: field.name().to_owned(),
                    }));
                }
            };
            columns.push((field, value));
        }
        Ok(NewRecord { columns })
    }

    fn twice(&self, model: Model<'g>, field: Field<'g>) -> WriteError {
        self.err(K::NotHere {
            model: model.name().to_owned(),
            field: field.name().to_owned(),
            why: "it is given twice (by its field and its relation's name)",
        })
    }
}

/// A new record's columns and values, in the model's definition order.
#[derive(Clone, Debug)]
pub(crate) struct NewRecord<'g> {
    pub(crate) columns: Vec<(Field<'g>, Value)>,
}

impl<'g> NewRecord<'g> {
    /// Its primary key, when given.
    pub(crate) fn key(&self) -> Option<&Value> {
        self.columns
            .iter()
            .find(|(f, _)| f.is_primary_key())
            .map(|(_, v)| v)
    }
}
