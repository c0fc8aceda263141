//! `RelationGraph`: the validated models, fields and relations, and borrowed views of them.
//!
//! Storage is three arenas (models, fields, relations) indexed by the [`ModelId`],
//! [`FieldId`] and [`RelationId`] newtypes, plus a petgraph graph whose node `i` is model
//! `i` and whose edge `i` is relation `i`. Both directions of every relation are edges.
//!
//! Invariants: ids are dense and follow definition order, so the same definition gives the
//! same ids; a relation and its reverse are adjacent ids (`r ^ 1`); petgraph types never
//! leave this module; the graph is immutable once built.

use std::sync::Arc;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use crate::def::{FieldType, ReferentialAction};
use crate::introspect::Collation;

/// Identifies a model within one [`RelationGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub(crate) u32);

/// Identifies a field within one [`RelationGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub(crate) u32);

/// Identifies one direction of a relation within one [`RelationGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationId(pub(crate) u32);

impl ModelId {
    /// The id's position in definition order (0-based; generated through models come
    /// after the declared models).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl FieldId {
    /// The id's position among all fields of the graph.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl RelationId {
    /// The id's position among all relations of the graph.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The kind of one direction of a relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelationKind {
    /// Many-to-one, child → parent (`Student.schoolclass`): at most one related record.
    ForeignKey,
    /// One-to-many, parent → children (`SchoolClass.students`), named by `related_name`.
    ReverseForeignKey,
    /// Many-to-many from the model that declared it, through a through model.
    ManyToMany,
    /// Many-to-many from the target's side, named by `related_name`.
    ReverseManyToMany,
}

impl RelationKind {
    /// Whether following the relation can give many records.
    pub fn is_to_many(self) -> bool {
        !matches!(self, RelationKind::ForeignKey)
    }

    /// A short name (`fk`, `reverse fk`, `m2m`, `reverse m2m`).
    pub fn name(self) -> &'static str {
        match self {
            RelationKind::ForeignKey => "fk",
            RelationKind::ReverseForeignKey => "reverse fk",
            RelationKind::ManyToMany => "m2m",
            RelationKind::ReverseManyToMany => "reverse m2m",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ModelData {
    pub(crate) name: Arc<str>,
    pub(crate) table: String,
    pub(crate) fields: Vec<FieldId>,
    pub(crate) pk: FieldId,
    /// The many-to-many relation (owner side) this model carries, if it is a through model.
    pub(crate) through_of: Option<RelationId>,
    pub(crate) generated: bool,
    /// The unique keys, derived once by `build.rs` (see [`Model::unique_keys`]).
    pub(crate) unique_keys: Vec<Box<[FieldId]>>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldData {
    pub(crate) model: ModelId,
    pub(crate) name: Arc<str>,
    pub(crate) column: String,
    pub(crate) ty: FieldType,
    pub(crate) nullable: bool,
    pub(crate) primary_key: bool,
    pub(crate) default: Option<serde_json::Value>,
    /// The forward foreign key whose column this is.
    pub(crate) foreign_key: Option<RelationId>,
    /// Whether the field alone is one of its model's unique keys (derived with them).
    pub(crate) unique: bool,
    /// The column's collation, read from a catalog ([`crate::over_catalog`]).
    pub(crate) collation: Option<Collation>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RelationData {
    pub(crate) name: Arc<str>,
    pub(crate) kind: RelationKind,
    pub(crate) source: ModelId,
    pub(crate) target: ModelId,
    pub(crate) link: Link,
    pub(crate) hidden: bool,
}

/// How a relation's rows are matched, seen from the relation's source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Link {
    /// Both foreign-key directions: the child's key column, the parent's primary key.
    ForeignKey {
        fk: FieldId,
        on_delete: ReferentialAction,
        on_update: ReferentialAction,
    },
    /// Both many-to-many directions.
    Through(Through),
}

/// How a many-to-many relation crosses its through model, oriented from the relation's
/// source: `source.pk = through.source_field` and `through.target_field = target.pk`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Through {
    /// The through model.
    pub model: ModelId,
    /// The through model's key column pointing at the relation's source.
    pub source_field: FieldId,
    /// The through model's key column pointing at the relation's target.
    pub target_field: FieldId,
}

/// All models of a schema and the relations between them, validated.
///
/// Build one with [`SchemaDef::build`](crate::SchemaDef::build). Cheap to share by
/// reference; every accessor is a borrowed view.
#[derive(Clone, Debug)]
pub struct RelationGraph {
    pub(crate) models: Vec<ModelData>,
    pub(crate) fields: Vec<FieldData>,
    pub(crate) relations: Vec<RelationData>,
    pub(crate) edges: DiGraph<ModelId, RelationId>,
}

impl PartialEq for RelationGraph {
    /// Graphs are equal when their models, fields and relations are; the petgraph edges
    /// are derived from the relations.
    fn eq(&self, other: &Self) -> bool {
        self.models == other.models
            && self.fields == other.fields
            && self.relations == other.relations
    }
}

impl RelationGraph {
    /// Every model, in id order (declared models first, then generated through models).
    pub fn models(&self) -> impl ExactSizeIterator<Item = Model<'_>> + '_ {
        (0..self.models.len()).map(move |i| Model {
            graph: self,
            id: ModelId(i as u32),
        })
    }

    /// The model with this id.
    ///
    /// Ids are only made by a graph; an id from a larger graph panics.
    pub fn model(&self, id: ModelId) -> Model<'_> {
        debug_assert!(
            id.index() < self.models.len(),
            "model id from another graph"
        );
        Model { graph: self, id }
    }

    /// The model with this name.
    pub fn model_by_name(&self, name: &str) -> Option<Model<'_>> {
        self.models().find(|m| m.name() == name)
    }

    /// The field with this id.
    pub fn field(&self, id: FieldId) -> Field<'_> {
        debug_assert!(
            id.index() < self.fields.len(),
            "field id from another graph"
        );
        Field { graph: self, id }
    }

    /// The relation with this id.
    pub fn relation(&self, id: RelationId) -> Relation<'_> {
        debug_assert!(
            id.index() < self.relations.len(),
            "relation id from another graph"
        );
        Relation { graph: self, id }
    }

    /// Every relation (both directions), in id order.
    pub fn relations(&self) -> impl ExactSizeIterator<Item = Relation<'_>> + '_ {
        (0..self.relations.len()).map(move |i| Relation {
            graph: self,
            id: RelationId(i as u32),
        })
    }

    /// The graph in Graphviz DOT: one node per model labelled `Name (table)`, one edge per
    /// relation direction labelled `name (kind)`, plus `via Through` for many-to-many.
    /// Deterministic.
    ///
    /// ```
    /// # use relq_graph::{SchemaDef, ModelDef, FieldType, ForeignKeyDef};
    /// let graph = SchemaDef::new()
    ///     .model(ModelDef::new("Person").pk("id", FieldType::Integer)
    ///         .foreign_key(ForeignKeyDef::new("supervisor", "Person").related_name("employees")))
    ///     .build()?;
    /// assert!(graph.to_dot().contains("0 -> 0 [ label = \"employees (reverse fk)\" ]"));
    /// # Ok::<(), relq_graph::SchemaError>(())
    /// ```
    pub fn to_dot(&self) -> String {
        let labelled = self.edges.map(
            |_, &m| {
                let m = self.model(m);
                format!("{} ({})", m.name(), m.table())
            },
            |_, &r| {
                let r = self.relation(r);
                match r.through() {
                    Some(t) => format!(
                        "{} ({} via {})",
                        r.name(),
                        r.kind().name(),
                        self.model(t.model).name()
                    ),
                    None => format!("{} ({})", r.name(), r.kind().name()),
                }
            },
        );
        format!("{}", petgraph::dot::Dot::new(&labelled))
    }

    /// Checks the internal invariants; tests call it after every build.
    ///
    /// # Errors
    /// A description of the first broken invariant (a bug in relq).
    pub fn verify(&self) -> Result<(), String> {
        for (i, r) in self.relations.iter().enumerate() {
            let rev = &self.relations[i ^ 1];
            if rev.source != r.target || rev.target != r.source {
                return Err(format!(
                    "relation {i} and its reverse disagree on endpoints"
                ));
            }
            let e = self.edges.edge_endpoints(EdgeIndex::new(i));
            if e != Some((
                NodeIndex::new(r.source.index()),
                NodeIndex::new(r.target.index()),
            )) {
                return Err(format!("edge {i} does not match relation {i}"));
            }
        }
        for (i, m) in self.models.iter().enumerate() {
            let pk = &self.fields[m.pk.index()];
            if pk.model.index() != i || !pk.primary_key {
                return Err(format!("model {i} has a bad primary key id"));
            }
            if m.fields
                .iter()
                .any(|f| self.fields[f.index()].model.index() != i)
            {
                return Err(format!("model {i} lists a field of another model"));
            }
            for key in &m.unique_keys {
                let mut sorted = key.to_vec();
                sorted.sort_unstable();
                sorted.dedup();
                if sorted.len() != key.len()
                    || key.is_empty()
                    || **key == [m.pk]
                    || key.iter().any(|f| !m.fields.contains(f))
                {
                    return Err(format!("model {i} has a bad unique key {key:?}"));
                }
            }
            for &f in &m.fields {
                let alone = m.unique_keys.iter().any(|k| **k == [f]);
                if self.fields[f.index()].unique != alone {
                    return Err(format!("field {} disagrees with its model's keys", f.0));
                }
            }
        }
        Ok(())
    }
}

/// A model: a borrowed view into a [`RelationGraph`].
#[derive(Clone, Copy)]
pub struct Model<'g> {
    graph: &'g RelationGraph,
    id: ModelId,
}

impl<'g> Model<'g> {
    fn data(&self) -> &'g ModelData {
        &self.graph.models[self.id.index()]
    }

    /// The model's id.
    pub fn id(&self) -> ModelId {
        self.id
    }

    /// The model's name (`SchoolClass`).
    pub fn name(&self) -> &'g str {
        &self.data().name
    }

    /// The name as a shared string: cloning it does not allocate (for plans that carry
    /// names, such as an extraction plan).
    pub fn shared_name(&self) -> Arc<str> {
        Arc::clone(&self.data().name)
    }

    /// The model's table (`schoolclasses`), unquoted.
    pub fn table(&self) -> &'g str {
        &self.data().table
    }

    /// The model's fields in definition order; foreign-key columns follow the declared
    /// fields, in the order the foreign keys were declared.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = Field<'g>> + 'g {
        let graph = self.graph;
        self.data()
            .fields
            .iter()
            .map(move |&id| Field { graph, id })
    }

    /// The field with this name (`author_id` for a foreign key `author`).
    pub fn field(&self, name: &str) -> Option<Field<'g>> {
        self.fields().find(|f| f.name() == name)
    }

    /// The primary key.
    pub fn primary_key(&self) -> Field<'g> {
        Field {
            graph: self.graph,
            id: self.data().pk,
        }
    }

    /// The relations leaving this model (both forward and reverse sides), in id order.
    pub fn relations(&self) -> impl Iterator<Item = Relation<'g>> + 'g {
        let graph = self.graph;
        let mut ids: Vec<RelationId> = graph
            .edges
            .edges(NodeIndex::new(self.id.index()))
            .map(|e| *e.weight())
            .collect();
        ids.sort_unstable();
        ids.into_iter().map(move |id| Relation { graph, id })
    }

    /// The relation leaving this model with this name.
    pub fn relation(&self, name: &str) -> Option<Relation<'g>> {
        let graph = self.graph;
        graph
            .edges
            .edges(NodeIndex::new(self.id.index()))
            .map(|e| Relation {
                graph,
                id: *e.weight(),
            })
            .find(|r| r.name() == name)
    }

    /// The many-to-many relation (from its owner) this model is the through model of.
    pub fn through_of(&self) -> Option<Relation<'g>> {
        self.data().through_of.map(|id| Relation {
            graph: self.graph,
            id,
        })
    }

    /// Whether relq generated this model as a through model.
    pub fn is_generated(&self) -> bool {
        self.data().generated
    }

    /// The model's unique keys other than its primary key, each its fields in key order:
    /// first every `unique = true` field ([`Field::is_unique`]) as a one-field key, in
    /// field order; then the keys of the model's `unique` list, in the order declared (a
    /// foreign key's name there stands for its column's field); then, for a through
    /// model, the pair (key to the relation's source, key to its target), relq's rule
    /// that a link is never doubled (Django's auto-created through models are
    /// `unique_together` the same pair). A key with the same fields as an earlier one (in
    /// any order), or of the primary key alone, is not repeated.
    ///
    /// ```
    /// # use relq_graph::{SchemaDef, ModelDef, FieldDef, FieldType, ManyToManyDef};
    /// let graph = SchemaDef::new()
    ///     .model(ModelDef::new("Tag").pk("id", FieldType::Integer)
    ///         .field(FieldDef::new("slug", FieldType::TEXT).unique()))
    ///     .model(ModelDef::new("Post").pk("id", FieldType::Integer)
    ///         .many_to_many(ManyToManyDef::new("tags", "Tag")))
    ///     .build()?;
    /// let names = |m: &str| -> Vec<Vec<&str>> {
    ///     graph.model_by_name(m).unwrap().unique_keys()
    ///         .map(|k| k.fields().map(|f| f.name()).collect()).collect()
    /// };
    /// assert_eq!(names("Tag"), [["slug"]]);
    /// assert_eq!(names("PostTag"), [["post", "tag"]]);
    /// # Ok::<(), relq_graph::SchemaError>(())
    /// ```
    pub fn unique_keys(&self) -> impl ExactSizeIterator<Item = UniqueKey<'g>> + 'g {
        let graph = self.graph;
        self.data()
            .unique_keys
            .iter()
            .map(move |fields| UniqueKey { graph, fields })
    }
}

/// One unique key of a model ([`Model::unique_keys`]): no two rows hold the same values
/// in all of its fields (rows with a NULL in one of them never clash: SQL:2016 §4.18.3,
/// as SQLite, PostgreSQL and MySQL/MariaDB treat a `UNIQUE` constraint). A borrowed view
/// into a [`RelationGraph`].
#[derive(Clone, Copy)]
pub struct UniqueKey<'g> {
    graph: &'g RelationGraph,
    fields: &'g [FieldId],
}

impl<'g> UniqueKey<'g> {
    /// The key's fields in key order (at least one, none twice, all of one model).
    pub fn fields(&self) -> impl ExactSizeIterator<Item = Field<'g>> + 'g {
        let graph = self.graph;
        self.fields.iter().map(move |&id| Field { graph, id })
    }

    /// The key's field ids in key order.
    pub fn field_ids(&self) -> &'g [FieldId] {
        self.fields
    }
}

impl std::fmt::Debug for UniqueKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.fields().map(|x| x.name()))
            .finish()
    }
}

impl std::fmt::Debug for Model<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Model({})", self.name())
    }
}

/// A field: a borrowed view into a [`RelationGraph`].
#[derive(Clone, Copy)]
pub struct Field<'g> {
    graph: &'g RelationGraph,
    id: FieldId,
}

impl<'g> Field<'g> {
    fn data(&self) -> &'g FieldData {
        &self.graph.fields[self.id.index()]
    }

    /// The field's id.
    pub fn id(&self) -> FieldId {
        self.id
    }

    /// The field's name.
    pub fn name(&self) -> &'g str {
        &self.data().name
    }

    /// The name as a shared string: cloning it does not allocate (for plans that carry
    /// names, such as an extraction plan).
    pub fn shared_name(&self) -> Arc<str> {
        Arc::clone(&self.data().name)
    }

    /// The column, unquoted.
    pub fn column(&self) -> &'g str {
        &self.data().column
    }

    /// The value type (a foreign key's is its target's primary-key type).
    pub fn ty(&self) -> FieldType {
        self.data().ty
    }

    /// Whether the column admits NULL.
    pub fn is_nullable(&self) -> bool {
        self.data().nullable
    }

    /// Whether this is the model's primary key.
    pub fn is_primary_key(&self) -> bool {
        self.data().primary_key
    }

    /// Whether the field alone is a unique key of its model: `unique = true`, or a
    /// one-field key in the model's `unique` list ([`Model::unique_keys`]). False for the
    /// primary key, which is unique by being the key.
    pub fn is_unique(&self) -> bool {
        self.data().unique
    }

    /// Whether the database makes the field's value when an INSERT leaves it out: an
    /// `integer` or `big_integer` primary key (ormar's `autoincrement=True`, its default
    /// for integer primary keys). How each database does it is its dialect's fact
    /// (relq-sql's `ColumnTypes::generated_key`).
    pub fn is_generated(&self) -> bool {
        let d = self.data();
        d.primary_key && matches!(d.ty, FieldType::Integer | FieldType::BigInteger)
    }

    /// The default value for writes.
    pub fn default(&self) -> Option<&'g serde_json::Value> {
        self.data().default.as_ref()
    }

    /// The model the field belongs to.
    pub fn model(&self) -> Model<'g> {
        self.graph.model(self.data().model)
    }

    /// The text column's collation as the database's catalog describes it, when the
    /// graph was built over one ([`crate::over_catalog`]); `None` for a schema declared
    /// alone, so a dialect compares as if it knew nothing of the column.
    pub fn collation(&self) -> Option<&'g Collation> {
        self.data().collation.as_ref()
    }

    /// The forward foreign key whose column this is.
    pub fn foreign_key(&self) -> Option<Relation<'g>> {
        self.data().foreign_key.map(|id| self.graph.relation(id))
    }
}

impl std::fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Field({}.{})", self.model().name(), self.name())
    }
}

/// One direction of a relation: a borrowed view into a [`RelationGraph`].
#[derive(Clone, Copy)]
pub struct Relation<'g> {
    graph: &'g RelationGraph,
    id: RelationId,
}

impl<'g> Relation<'g> {
    fn data(&self) -> &'g RelationData {
        &self.graph.relations[self.id.index()]
    }

    /// The relation's id.
    pub fn id(&self) -> RelationId {
        self.id
    }

    /// The relation's name on its source model (`students`).
    pub fn name(&self) -> &'g str {
        &self.data().name
    }

    /// The name as a shared string: cloning it does not allocate (for plans that carry
    /// names, such as an extraction plan).
    pub fn shared_name(&self) -> Arc<str> {
        Arc::clone(&self.data().name)
    }

    /// The relation's kind.
    pub fn kind(&self) -> RelationKind {
        self.data().kind
    }

    /// Whether following the relation can give many records.
    pub fn is_to_many(&self) -> bool {
        self.kind().is_to_many()
    }

    /// The model the relation leaves from.
    pub fn source(&self) -> Model<'g> {
        self.graph.model(self.data().source)
    }

    /// The model the relation arrives at.
    pub fn target(&self) -> Model<'g> {
        self.graph.model(self.data().target)
    }

    /// The other direction of the same link.
    pub fn reverse(&self) -> Relation<'g> {
        self.graph.relation(RelationId(self.id.0 ^ 1))
    }

    /// Whether the relation is hidden from loading (`skip_reverse`); it still filters.
    pub fn is_hidden(&self) -> bool {
        self.data().hidden
    }

    /// For both foreign-key directions: the child's key column (on the forward side's
    /// source). `None` for many-to-many.
    pub fn foreign_key_field(&self) -> Option<Field<'g>> {
        match self.data().link {
            Link::ForeignKey { fk, .. } => Some(self.graph.field(fk)),
            Link::Through(_) => None,
        }
    }

    /// For both foreign-key directions: the actions on delete and on update of the parent.
    pub fn referential_actions(&self) -> Option<(ReferentialAction, ReferentialAction)> {
        match self.data().link {
            Link::ForeignKey {
                on_delete,
                on_update,
                ..
            } => Some((on_delete, on_update)),
            Link::Through(_) => None,
        }
    }

    /// For both many-to-many directions: how the through model is crossed, oriented from
    /// this relation's source.
    pub fn through(&self) -> Option<Through> {
        match self.data().link {
            Link::Through(t) => Some(t),
            Link::ForeignKey { .. } => None,
        }
    }

    /// Whether following the relation from a row always finds a record: a forward foreign
    /// key whose column is NOT NULL. A join along it may be inner only if the join that
    /// reaches its source is inner too (Django's join promotion).
    pub fn is_required(&self) -> bool {
        self.kind() == RelationKind::ForeignKey
            && self.foreign_key_field().is_some_and(|f| !f.is_nullable())
    }
}

impl std::fmt::Debug for Relation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relation({}.{})", self.source().name(), self.name())
    }
}
