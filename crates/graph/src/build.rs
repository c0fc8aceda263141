//! Validation: a [`SchemaDef`] becomes a [`RelationGraph`] or the first [`SchemaError`].
//!
//! Passes, in order: model names and tables; declared fields and primary keys; forward
//! relations (foreign-key columns, through models, generated through models); unique
//! keys; reverse names; then the arenas and petgraph edges. Each pass walks the definition in order, so
//! the first error reported and every id given are deterministic.
//!
//! Invariant: a forward relation gets id `2k` and its reverse `2k + 1`, where `k` counts
//! forward relations in definition order (models in order; each model's foreign keys,
//! then its many-to-many relations).

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::def::{FieldDef, FieldType, ManyToManyDef, ModelDef, ReferentialAction, SchemaDef};
use crate::error::{NameKind, SchemaError, SchemaErrorKind as K};
use crate::graph::{
    FieldData, FieldId, Link, ModelData, ModelId, RelationData, RelationGraph, RelationId,
    RelationKind, Through,
};
use crate::suggest::suggest;

type Result<T> = std::result::Result<T, SchemaError>;

/// What already holds a name in a model's namespace (fields and relations share one).
#[derive(Clone)]
enum Holder {
    Field,
    Relation,
    Reverse { source: ModelId, forward: String },
}

/// One forward relation found in pass 3, waiting for its reverse side.
struct Forward<'d> {
    source: ModelId,
    target: ModelId,
    name: &'d str,
    related_name: Option<&'d str>,
    hidden_reverse: bool,
    link: Link,
    many_to_many: bool,
}

struct Builder<'d> {
    def: &'d SchemaDef,
    models: Vec<ModelData>,
    fields: Vec<FieldData>,
    by_name: HashMap<&'d str, ModelId>,
    names: Vec<HashMap<String, Holder>>,
    columns: Vec<HashMap<String, String>>,
    forwards: Vec<Forward<'d>>,
    /// Each through model's (source, target) key pair, found in pass 3.
    through_pairs: Vec<(ModelId, [FieldId; 2])>,
}

pub(crate) fn build(def: &SchemaDef) -> Result<RelationGraph> {
    let mut b = Builder {
        def,
        models: Vec::new(),
        fields: Vec::new(),
        by_name: HashMap::new(),
        names: Vec::new(),
        columns: Vec::new(),
        forwards: Vec::new(),
        through_pairs: Vec::new(),
    };
    b.models_and_tables()?;
    b.declared_fields()?;
    b.forward_relations()?;
    b.unique_keys()?;
    let reverse_names = b.reverse_names()?;
    Ok(b.finish(reverse_names))
}

fn err<T>(kind: K) -> Result<T> {
    Err(SchemaError::new(kind))
}

/// Why `name` cannot be a path segment, if it cannot.
fn name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    match bytes.first() {
        None => Some("it is empty"),
        Some(c) if !c.is_ascii_alphabetic() => Some("it must start with an ASCII letter"),
        _ if !bytes
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_') =>
        {
            Some("it may hold only ASCII letters, digits and `_`")
        }
        _ if name.contains("__") => Some("`__` separates the segments of a path"),
        _ if name.ends_with('_') => {
            Some("it must not end with `_`, which a path could not tell from `__`")
        }
        _ if name == "pk" => Some("`pk` is reserved to name any model's primary key"),
        _ => None,
    }
}

fn check_name(what: NameKind, name: &str, place: impl FnOnce() -> String) -> Result<()> {
    match name_problem(name) {
        None => Ok(()),
        Some(reason) => err(K::InvalidName {
            what,
            name: name.to_owned(),
            place: place(),
            reason,
        }),
    }
}

fn check_identifier(what: &'static str, name: &str, model: &str) -> Result<()> {
    if name.is_empty() || name.contains('\0') {
        return err(K::InvalidIdentifier {
            what,
            name: name.to_owned(),
            model: model.to_owned(),
        });
    }
    Ok(())
}

/// Whether a default value has the JSON shape of the field's type: integers for the
/// integer types, numbers for floats, numbers or decimal strings for decimals, strings for
/// text (within `max_length`), dates, times, uuids and bytes, booleans for booleans,
/// anything for JSON, and `null` only where the field is nullable.
fn default_fits(field: &FieldDef, value: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match (field.ty, value) {
        (_, V::Null) => field.nullable,
        (FieldType::Integer | FieldType::BigInteger, v) => v.is_i64(),
        (FieldType::Float, v) => v.is_number(),
        (FieldType::Decimal { .. }, V::Number(_)) => true,
        (FieldType::Decimal { .. }, V::String(s)) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
            !int.is_empty()
                && !frac.is_empty()
                && int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit())
        }
        (FieldType::Text { max_length }, V::String(s)) => {
            max_length.is_none_or(|n| s.chars().count() <= n as usize)
        }
        (FieldType::Boolean, v) => v.is_boolean(),
        (FieldType::Json, _) => true,
        (
            FieldType::Date
            | FieldType::Time
            | FieldType::DateTime
            | FieldType::Uuid
            | FieldType::Bytes,
            v,
        ) => v.is_string(),
        _ => false,
    }
}

impl<'d> Builder<'d> {
    fn model_name(&self, id: ModelId) -> &str {
        &self.models[id.index()].name
    }

    /// Declared model names in definition order (suggestions must not follow hash order).
    fn model_names(&self) -> impl Iterator<Item = &'d str> + 'd {
        self.def.models.iter().map(|m| m.name.as_str())
    }

    fn add_model(&mut self, name: String, table: String, generated: bool) -> Result<ModelId> {
        check_identifier("table", &table, &name)?;
        if let Some(first) = self
            .models
            .iter()
            .find(|m| m.table.eq_ignore_ascii_case(&table))
        {
            return err(K::DuplicateTable {
                table,
                first: first.name.to_string(),
                second: name,
            });
        }
        let id = ModelId(self.models.len() as u32);
        self.models.push(ModelData {
            name: name.into(),
            table,
            fields: Vec::new(),
            pk: FieldId(u32::MAX),
            through_of: None,
            generated,
            unique_keys: Vec::new(),
        });
        self.names.push(HashMap::new());
        self.columns.push(HashMap::new());
        Ok(id)
    }

    /// Pass 1: every declared model's name and table.
    fn models_and_tables(&mut self) -> Result<()> {
        for m in &self.def.models {
            check_name(NameKind::Model, &m.name, || "the schema".to_owned())?;
            if self.by_name.contains_key(m.name.as_str()) {
                return err(K::DuplicateModel {
                    name: m.name.clone(),
                });
            }
            let table = m
                .table
                .clone()
                .unwrap_or_else(|| format!("{}s", m.name.to_ascii_lowercase()));
            let id = self.add_model(m.name.clone(), table, false)?;
            self.by_name.insert(&m.name, id);
        }
        Ok(())
    }

    /// Claims `name` in a model's namespace of fields and relations.
    fn claim(&mut self, model: ModelId, name: &str, holder: Holder) -> Result<()> {
        if self.names[model.index()].contains_key(name) {
            return err(K::DuplicateName {
                model: self.model_name(model).to_owned(),
                name: name.to_owned(),
            });
        }
        self.names[model.index()].insert(name.to_owned(), holder);
        Ok(())
    }

    fn add_field(&mut self, model: ModelId, data: FieldData) -> Result<FieldId> {
        let model_name = self.model_name(model).to_owned();
        check_name(NameKind::Field, &data.name, || {
            format!("model `{model_name}`")
        })?;
        check_identifier("column", &data.column, &model_name)?;
        self.claim(model, &data.name, Holder::Field)?;
        // SQLite and MySQL compare column names case-insensitively.
        let key = data.column.to_ascii_lowercase();
        let columns = &mut self.columns[model.index()];
        if let Some(first) = columns.get(&key) {
            return err(K::DuplicateColumn {
                model: model_name,
                column: data.column.clone(),
                first: first.clone(),
                second: data.name.to_string(),
            });
        }
        columns.insert(key, data.name.to_string());
        let id = FieldId(self.fields.len() as u32);
        self.models[model.index()].fields.push(id);
        self.fields.push(data);
        Ok(id)
    }

    /// Pass 2: declared fields, defaults and the one primary key of every declared model.
    fn declared_fields(&mut self) -> Result<()> {
        for (i, m) in self.def.models.iter().enumerate() {
            let model = ModelId(i as u32);
            let mut pk: Option<FieldId> = None;
            for f in &m.fields {
                if let FieldType::Decimal { precision, scale } = f.ty
                    && (precision == 0 || scale > precision)
                {
                    return err(K::InvalidDecimal {
                        model: m.name.clone(),
                        field: f.name.clone(),
                        precision,
                        scale,
                    });
                }
                if let Some(value) = &f.default
                    && !default_fits(f, value)
                {
                    return err(K::InvalidDefault {
                        model: m.name.clone(),
                        field: f.name.clone(),
                        ty: f.ty.name(),
                        value: value.to_string(),
                    });
                }
                let id = self.add_field(
                    model,
                    FieldData {
                        model,
                        name: f.name.as_str().into(),
                        column: f.column.clone().unwrap_or_else(|| f.name.clone()),
                        ty: f.ty,
                        nullable: f.nullable,
                        primary_key: f.primary_key,
                        default: f.default.clone(),
                        foreign_key: None,
                        unique: false,
                        collation: None,
                    },
                )?;
                if !f.primary_key {
                    continue;
                }
                if f.nullable {
                    return err(K::NullablePrimaryKey {
                        model: m.name.clone(),
                        field: f.name.clone(),
                    });
                }
                if let Some(first) = pk {
                    return err(K::MultiplePrimaryKeys {
                        model: m.name.clone(),
                        first: self.fields[first.index()].name.to_string(),
                        second: f.name.clone(),
                    });
                }
                pk = Some(id);
            }
            let Some(pk) = pk else {
                return err(K::MissingPrimaryKey {
                    model: m.name.clone(),
                });
            };
            self.models[i].pk = pk;
        }
        Ok(())
    }

    fn pk_type(&self, model: ModelId) -> FieldType {
        self.fields[self.models[model.index()].pk.index()].ty
    }

    fn resolve_target(&self, owner: &ModelDef, relation: &str, target: &str) -> Result<ModelId> {
        match self.by_name.get(target) {
            Some(&id) => Ok(id),
            None => err(K::UnknownTarget {
                model: owner.name.clone(),
                relation: relation.to_owned(),
                target: target.to_owned(),
                suggestion: suggest(target, self.model_names()).map(str::to_owned),
            }),
        }
    }

    fn next_relation(&self) -> RelationId {
        RelationId(2 * self.forwards.len() as u32)
    }

    /// Pass 3: foreign keys (their columns) and many-to-many relations (their through
    /// models) of every declared model, in order.
    fn forward_relations(&mut self) -> Result<()> {
        let mut through_users: HashMap<ModelId, String> = HashMap::new();
        for (i, m) in self.def.models.iter().enumerate() {
            let source = ModelId(i as u32);
            for fk in &m.foreign_keys {
                check_name(NameKind::Relation, &fk.name, || {
                    format!("model `{}`", m.name)
                })?;
                let target = self.resolve_target(m, &fk.name, &fk.to)?;
                if fk.default.is_some() {
                    return err(K::ForeignKeyDefault {
                        model: m.name.clone(),
                        relation: fk.name.clone(),
                    });
                }
                for (action, which) in [(fk.on_delete, "on_delete"), (fk.on_update, "on_update")] {
                    // A foreign key has no default, so set_default sets NULL too.
                    let nulls = matches!(
                        action,
                        ReferentialAction::SetNull | ReferentialAction::SetDefault
                    );
                    if nulls && !fk.nullable {
                        return err(K::ActionNeedsNullable {
                            model: m.name.clone(),
                            relation: fk.name.clone(),
                            action: which,
                            value: action.name(),
                        });
                    }
                }
                self.claim(source, &fk.name, Holder::Relation)?;
                let name = format!("{}_id", fk.name);
                let fk_field = self.add_field(
                    source,
                    FieldData {
                        model: source,
                        column: fk.column.clone().unwrap_or_else(|| name.clone()),
                        name: name.into(),
                        ty: self.pk_type(target),
                        nullable: fk.nullable,
                        primary_key: false,
                        default: None,
                        foreign_key: Some(self.next_relation()),
                        unique: false,
                        collation: None,
                    },
                )?;
                self.forwards.push(Forward {
                    source,
                    target,
                    name: &fk.name,
                    related_name: fk.related_name.as_deref(),
                    hidden_reverse: fk.skip_reverse,
                    link: Link::ForeignKey {
                        fk: fk_field,
                        on_delete: fk.on_delete,
                        on_update: fk.on_update,
                    },
                    many_to_many: false,
                });
            }
            for mm in &m.many_to_many {
                check_name(NameKind::Relation, &mm.name, || {
                    format!("model `{}`", m.name)
                })?;
                let target = self.resolve_target(m, &mm.name, &mm.to)?;
                self.claim(source, &mm.name, Holder::Relation)?;
                let label = format!("{}.{}", m.name, mm.name);
                let through = match &mm.through {
                    Some(name) => self.declared_through(&label, m, mm, name)?,
                    None => {
                        let name = format!("{}{}", m.name, mm.to);
                        if self.models.iter().any(|m| *m.name == *name) {
                            return err(K::ThroughNameTaken {
                                relation: label,
                                through: name,
                            });
                        }
                        let table = format!(
                            "{}s_{}s",
                            m.name.to_ascii_lowercase(),
                            mm.to.to_ascii_lowercase()
                        );
                        let id = self.add_model(name, table, true)?;
                        let pk = self.add_field(
                            id,
                            FieldData {
                                model: id,
                                name: "id".into(),
                                column: "id".to_owned(),
                                ty: FieldType::Integer,
                                nullable: false,
                                primary_key: true,
                                default: None,
                                foreign_key: None,
                                unique: false,
                                collation: None,
                            },
                        )?;
                        self.models[id.index()].pk = pk;
                        id
                    }
                };
                if let Some(first) = through_users.insert(through, label.clone()) {
                    return err(K::ThroughReused {
                        through: self.model_name(through).to_owned(),
                        first,
                        second: label,
                    });
                }
                self.models[through.index()].through_of = Some(self.next_relation());
                let (owner_lower, to_lower) =
                    (m.name.to_ascii_lowercase(), mm.to.to_ascii_lowercase());
                let (default_source, default_target) = if source == target {
                    (format!("from_{owner_lower}"), format!("to_{to_lower}"))
                } else {
                    (owner_lower, to_lower)
                };
                let mut key = |name: Option<&String>, default: String, endpoint: ModelId| {
                    let name = name.cloned().unwrap_or(default);
                    check_name(NameKind::ThroughField, &name, || {
                        format!("relation `{label}`")
                    })?;
                    let ty = self.pk_type(endpoint);
                    self.add_field(
                        through,
                        FieldData {
                            model: through,
                            column: name.clone(),
                            name: name.into(),
                            ty,
                            nullable: false,
                            primary_key: false,
                            default: None,
                            foreign_key: None,
                            unique: false,
                            collation: None,
                        },
                    )
                };
                let source_field = key(mm.through_source.as_ref(), default_source, source)?;
                let target_field = key(mm.through_target.as_ref(), default_target, target)?;
                self.through_pairs
                    .push((through, [source_field, target_field]));
                self.forwards.push(Forward {
                    source,
                    target,
                    name: &mm.name,
                    related_name: mm.related_name.as_deref(),
                    hidden_reverse: mm.skip_reverse,
                    link: Link::Through(Through {
                        model: through,
                        source_field,
                        target_field,
                    }),
                    many_to_many: true,
                });
            }
        }
        Ok(())
    }

    /// A declared through model: it must exist, be neither endpoint, and declare no
    /// relations of its own.
    fn declared_through(
        &self,
        label: &str,
        owner: &ModelDef,
        relation: &ManyToManyDef,
        name: &str,
    ) -> Result<ModelId> {
        let Some(&id) = self.by_name.get(name) else {
            return err(K::UnknownThrough {
                model: owner.name.clone(),
                relation: relation.name.clone(),
                through: name.to_owned(),
                suggestion: suggest(name, self.model_names()).map(str::to_owned),
            });
        };
        if name == owner.name || name == relation.to {
            return err(K::ThroughIsEndpoint {
                relation: label.to_owned(),
                through: name.to_owned(),
            });
        }
        let def = &self.def.models[id.index()];
        let own = def
            .foreign_keys
            .first()
            .map(|r| &r.name)
            .or(def.many_to_many.first().map(|r| &r.name));
        if let Some(own) = own {
            return err(K::ThroughHasRelations {
                through: name.to_owned(),
                relation: label.to_owned(),
                own: own.clone(),
            });
        }
        Ok(id)
    }

    /// Pass 4: every model's unique keys, in the order [`Model::unique_keys`] gives them
    /// (`unique = true` fields, the declared `unique` list, a through model's pair),
    /// each name of the list resolved to a field of the model: a field by its name, or a
    /// foreign key by its relation's name (`department` → `department_id`). A key with
    /// the fields of an earlier one, or the primary key alone, is dropped; a one-field
    /// key marks its field unique.
    ///
    /// [`Model::unique_keys`]: crate::Model::unique_keys
    fn unique_keys(&mut self) -> Result<()> {
        for i in 0..self.models.len() {
            let model = ModelId(i as u32);
            let fields = self.models[i].fields.clone();
            let mut keys: Vec<Box<[FieldId]>> = Vec::new();
            if let Some(def) = self.def.models.get(i) {
                // Declared fields come first among the model's fields, in order.
                for (f, &id) in def.fields.iter().zip(&fields) {
                    if f.unique {
                        keys.push(Box::new([id]));
                    }
                }
                for (position, names) in def.unique.iter().enumerate() {
                    if names.is_empty() {
                        return err(K::EmptyUniqueKey {
                            model: def.name.clone(),
                            position: position + 1,
                        });
                    }
                    let mut key = Vec::with_capacity(names.len());
                    for name in names {
                        let id = self.unique_field(def, &fields, names, name)?;
                        if key.contains(&id) {
                            return err(K::RepeatedUniqueField {
                                model: def.name.clone(),
                                key: names.clone(),
                                field: name.clone(),
                            });
                        }
                        key.push(id);
                    }
                    keys.push(key.into());
                }
            }
            for (_, pair) in self.through_pairs.iter().filter(|(m, _)| *m == model) {
                keys.push(Box::new(*pair));
            }
            let pk = self.models[i].pk;
            let mut kept: Vec<Box<[FieldId]>> = Vec::with_capacity(keys.len());
            for key in keys {
                let same =
                    |k: &[FieldId]| k.len() == key.len() && key.iter().all(|f| k.contains(f));
                if *key != [pk] && !kept.iter().any(|k| same(k)) {
                    kept.push(key);
                }
            }
            for key in &kept {
                if let [only] = **key {
                    self.fields[only.index()].unique = true;
                }
            }
            self.models[i].unique_keys = kept;
        }
        Ok(())
    }

    /// The field a name of a unique key stands for: a field of the model, or a foreign
    /// key's column field.
    fn unique_field(
        &self,
        def: &ModelDef,
        fields: &[FieldId],
        key: &[String],
        name: &str,
    ) -> Result<FieldId> {
        let by_name = |n: &str| {
            fields
                .iter()
                .copied()
                .find(|f| *self.fields[f.index()].name == *n)
        };
        let found = by_name(name).or_else(|| {
            def.foreign_keys
                .iter()
                .find(|fk| fk.name == name)
                .and_then(|fk| by_name(&format!("{}_id", fk.name)))
        });
        found.ok_or_else(|| {
            let candidates = fields
                .iter()
                .map(|f| &*self.fields[f.index()].name)
                .chain(def.foreign_keys.iter().map(|fk| fk.name.as_str()));
            SchemaError::new(K::UnknownUniqueField {
                model: def.name.clone(),
                key: key.to_vec(),
                field: name.to_owned(),
                suggestion: suggest(name, candidates).map(str::to_owned),
            })
        })
    }

    /// Pass 5: the reverse side's name of every forward relation, checked against the
    /// target's fields, relations and earlier reverse names.
    fn reverse_names(&mut self) -> Result<Vec<String>> {
        let mut names = Vec::with_capacity(self.forwards.len());
        for i in 0..self.forwards.len() {
            let f = &self.forwards[i];
            let (source, target) = (f.source, f.target);
            let source_name = self.model_name(source).to_owned();
            let label = format!("{source_name}.{}", f.name);
            let related_name = f
                .related_name
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{}s", source_name.to_ascii_lowercase()));
            check_name(NameKind::RelatedName, &related_name, || {
                format!("relation `{label}`")
            })?;
            let forward = f.name.to_owned();
            if let Some(holder) = self.names[target.index()].get(&related_name) {
                let target_name = self.model_name(target).to_owned();
                return err(match holder {
                    Holder::Reverse {
                        source: other,
                        forward: first,
                    } if *other == source => K::AmbiguousRelatedName {
                        source_model: source_name,
                        target: target_name,
                        first: first.clone(),
                        second: forward,
                        related_name,
                    },
                    holder => K::RelatedNameClash {
                        relation: label,
                        existing: match holder {
                            Holder::Field => format!("field `{related_name}`"),
                            Holder::Relation => format!("relation `{target_name}.{related_name}`"),
                            Holder::Reverse { source, forward } => format!(
                                "the reverse side of `{}.{forward}`",
                                self.model_name(*source)
                            ),
                        },
                        target: target_name,
                        related_name,
                    },
                });
            }
            self.names[target.index()]
                .insert(related_name.clone(), Holder::Reverse { source, forward });
            names.push(related_name);
        }
        Ok(names)
    }

    /// Pass 6: the relation arena (forward `2k`, reverse `2k + 1`) and the petgraph edges.
    fn finish(self, reverse_names: Vec<String>) -> RelationGraph {
        let mut relations = Vec::with_capacity(2 * self.forwards.len());
        let mut edges = DiGraph::with_capacity(self.models.len(), 2 * self.forwards.len());
        for i in 0..self.models.len() {
            edges.add_node(ModelId(i as u32));
        }
        for (f, reverse_name) in self.forwards.into_iter().zip(reverse_names) {
            let (kind, reverse_kind) = if f.many_to_many {
                (RelationKind::ManyToMany, RelationKind::ReverseManyToMany)
            } else {
                (RelationKind::ForeignKey, RelationKind::ReverseForeignKey)
            };
            let reverse_link = match f.link {
                Link::Through(t) => Link::Through(Through {
                    model: t.model,
                    source_field: t.target_field,
                    target_field: t.source_field,
                }),
                fk => fk,
            };
            for (name, kind, source, target, link, hidden) in [
                (f.name.to_owned(), kind, f.source, f.target, f.link, false),
                (
                    reverse_name,
                    reverse_kind,
                    f.target,
                    f.source,
                    reverse_link,
                    f.hidden_reverse,
                ),
            ] {
                let id = RelationId(relations.len() as u32);
                edges.add_edge(
                    NodeIndex::new(source.index()),
                    NodeIndex::new(target.index()),
                    id,
                );
                relations.push(RelationData {
                    name: name.into(),
                    kind,
                    source,
                    target,
                    link,
                    hidden,
                });
            }
        }
        RelationGraph {
            models: self.models,
            fields: self.fields,
            relations,
            edges,
        }
    }
}
