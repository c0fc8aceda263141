//! The proptest strategies of relq-tests, in one place: random schemas (some invalid, for
//! the schema and path properties; always valid and rich in relations, for compiling;
//! valid and creatable on every server, for the differential test), walks along a graph's
//! relations, random queries made of walks, with random filters (AND / OR / NOT of
//! conditions across any relation, every lookup but `regex`, values of the field's kind,
//! hostile texts among them), and random rows for a schema.
//!
//! Strategies produce plain data (a `SchemaDef`, a `QueryShape` or a `DataShape` of choice
//! numbers); the tests turn the choices into names and values over the built graph, so
//! every generated path is valid and every key references a row by construction.

use std::fmt::Write as _;

use proptest::prelude::*;
use relq_graph::{
    FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, RelationGraph, SchemaDef,
};
use relq_graph::{FieldId, ModelId};
use relq_plan::{Compat, Filter, NullsOrder, OrderBy, Query, Related, Value};
use serde_json::{Value as Json, json};

/// Random schemas of 1 to 6 models. Most are valid; a few break a rule (no primary key,
/// an unknown target, colliding names and related_names), so both outcomes are exercised.
pub fn schema() -> impl Strategy<Value = SchemaDef> {
    let fields = prop::sample::subsequence(vec!["name", "title", "code", "posts"], 0..3);
    // Targets are model indices; 6 stands for an unknown target, about one in 25.
    let target = prop_oneof![24 => 0usize..6, 1 => Just(6usize)];
    let related = prop::option::weighted(
        0.7,
        prop::sample::select(vec!["kids", "items", "m0s", "posts", "others"]),
    );
    let fk = (target.clone(), related.clone(), any::<bool>());
    let m2m = (target, related);
    let model = (
        fields,
        prop::sample::subsequence(vec!["parent", "owner", "link"], 0..3).prop_flat_map(
            move |names| {
                prop::collection::vec(fk.clone(), names.len())
                    .prop_map(move |fks| (names.clone(), fks))
            },
        ),
        prop::sample::subsequence(vec!["tags", "friends"], 0..2).prop_flat_map(move |names| {
            prop::collection::vec(m2m.clone(), names.len()).prop_map(move |m| (names.clone(), m))
        }),
        prop::bool::weighted(0.98),
    );
    prop::collection::vec(model, 1..=6).prop_map(|models| {
        let n = models.len();
        let to = |t: usize| {
            if t == 6 {
                "Nope".to_owned()
            } else {
                format!("M{}", t % n)
            }
        };
        let mut def = SchemaDef::new();
        for (i, (fields, (fk_names, fks), (m2m_names, m2ms), has_pk)) in
            models.into_iter().enumerate()
        {
            let mut m = ModelDef::new(format!("M{i}"));
            if has_pk {
                m = m.pk("id", FieldType::Integer);
            }
            for f in fields {
                m = m.field(FieldDef::new(f, FieldType::TEXT));
            }
            for (name, (t, related_name, nullable)) in fk_names.into_iter().zip(fks) {
                let mut fk = ForeignKeyDef::new(name, to(t));
                fk.related_name = related_name.map(str::to_owned);
                fk.nullable = nullable;
                m = m.foreign_key(fk);
            }
            for (name, (t, related_name)) in m2m_names.into_iter().zip(m2ms) {
                let mut mm = ManyToManyDef::new(name, to(t));
                mm.related_name = related_name.map(str::to_owned);
                m = m.many_to_many(mm);
            }
            def = def.model(m);
        }
        def
    })
}

/// Walks `steps` from model number `root` (modulo the model count) along loadable
/// relations, each step choosing among the current model's relations; stops early at a
/// model without one. Returns the root, the relation names and the hops.
pub fn walk(
    g: &RelationGraph,
    root: usize,
    steps: &[usize],
) -> (
    relq_graph::ModelId,
    Vec<String>,
    Vec<relq_graph::RelationId>,
) {
    let mut model = g.models().nth(root % g.models().len()).expect("non-empty");
    let root = model.id();
    let (mut names, mut hops) = (Vec::new(), Vec::new());
    for &s in steps {
        let options: Vec<_> = model.relations().filter(|r| !r.is_hidden()).collect();
        if options.is_empty() {
            break;
        }
        let r = options[s % options.len()];
        names.push(r.name().to_owned());
        hops.push(r.id());
        model = r.target();
    }
    (root, names, hops)
}

/// Random schemas of 1 to 5 models that always build: every model has an integer
/// primary key, a text `name`, maybe a nullable `title` and an integer `code`; up to 3
/// foreign keys (`fk0`..; nullable or not; self-references allowed) and up to 2
/// many-to-many relations (`mm0` through a generated model, `mm1` through a declared
/// one, maybe with a `weight` of its own). Reverse names are unique (`r{model}x{fk}`,
/// `s{model}x{m2m}`), so no two relations clash.
pub fn related_schema() -> impl Strategy<Value = SchemaDef> {
    related_models(1..=5, false).prop_map(|models| related_def(&models))
}

/// Random schemas like [`related_schema`], of 2 to 6 models, whose tables every server
/// can create and fill: a foreign key of model `i` targets a model `j <= i` (so the
/// tables have a creation order, see `relq_sql::create_tables`), and every schema has a
/// self-reference and a many-to-many relation whose through model has a field of its
/// own (`weight`), added to the first and the last model when the draw has none.
/// Reverse foreign keys come with every foreign key.
pub fn loadable_schema() -> impl Strategy<Value = SchemaDef> {
    related_models(2..=6, true).prop_map(|mut models| {
        let has_self_reference = models
            .iter()
            .enumerate()
            .any(|(i, m)| m.fks.iter().any(|&(target, _)| target == i));
        if !has_self_reference {
            models[0].fks.push((0, true));
        }
        if !models
            .iter()
            .any(|m| m.m2ms.get(1).is_some_and(|&(_, w)| w))
        {
            let last = models.len() - 1;
            let m2ms = &mut models[last].m2ms;
            m2ms.resize(2, (0, true));
            m2ms[1].1 = true;
        }
        related_def(&models)
    })
}

/// One model of [`related_schema`] as drawn: its optional fields, its foreign keys
/// (target model number, nullable) and its many-to-many relations (target model number;
/// for the second, whether its declared through model has a `weight`).
#[derive(Clone, Debug)]
struct RelatedModel {
    title: bool,
    code: bool,
    fks: Vec<(usize, bool)>,
    m2ms: Vec<(usize, bool)>,
}

/// `count` models; with `earlier_targets`, a foreign key of model `i` targets `0..=i`.
fn related_models(
    count: std::ops::RangeInclusive<usize>,
    earlier_targets: bool,
) -> impl Strategy<Value = Vec<RelatedModel>> {
    let fk = (any::<prop::sample::Index>(), any::<bool>());
    let m2m = (any::<prop::sample::Index>(), any::<bool>());
    let model = (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(fk, 0..=3),
        prop::collection::vec(m2m, 0..=2),
    );
    prop::collection::vec(model, count).prop_map(move |models| {
        let n = models.len();
        models
            .into_iter()
            .enumerate()
            .map(|(i, (title, code, fks, m2ms))| RelatedModel {
                title,
                code,
                fks: fks
                    .into_iter()
                    .map(|(t, nullable)| {
                        (t.index(if earlier_targets { i + 1 } else { n }), nullable)
                    })
                    .collect(),
                m2ms: m2ms.into_iter().map(|(t, w)| (t.index(n), w)).collect(),
            })
            .collect()
    })
}

/// The schema of drawn models (see [`related_schema`] for the names).
fn related_def(models: &[RelatedModel]) -> SchemaDef {
    let mut def = SchemaDef::new();
    for (i, model) in models.iter().enumerate() {
        let mut m = ModelDef::new(format!("M{i}"))
            .pk("id", FieldType::Integer)
            .field(FieldDef::new("name", FieldType::TEXT));
        if model.title {
            m = m.field(FieldDef::new("title", FieldType::text(80)).nullable());
        }
        if model.code {
            m = m.field(FieldDef::new("code", FieldType::Integer));
        }
        for (j, &(target, nullable)) in model.fks.iter().enumerate() {
            let mut fk = ForeignKeyDef::new(format!("fk{j}"), format!("M{target}"))
                .related_name(format!("r{i}x{j}"));
            fk.nullable = nullable;
            m = m.foreign_key(fk);
        }
        for (j, &(target, weight)) in model.m2ms.iter().enumerate() {
            let mut mm = ManyToManyDef::new(format!("mm{j}"), format!("M{target}"))
                .related_name(format!("s{i}x{j}"));
            if j > 0 {
                let mut through = ModelDef::new(format!("T{i}x{j}")).pk("id", FieldType::Integer);
                if weight {
                    through = through.field(FieldDef::new("weight", FieldType::Integer).nullable());
                }
                def = def.model(through);
                mm = mm.through(format!("T{i}x{j}")).through_fields("src", "dst");
            }
            m = m.many_to_many(mm);
        }
        def = def.model(m);
    }
    def
}

/// A query as choice numbers, turned into paths by [`QueryShape::query`] over a graph.
#[derive(Clone, Debug)]
pub struct QueryShape {
    /// The root model (modulo the model count).
    pub root: usize,
    /// 1 to 4 select_related walks of 1 to 3 steps.
    pub select_related: Vec<Vec<usize>>,
    /// 0 to 2 orderings: a walk of 0 to 3 steps, a field, descending, NULL placement.
    pub order_by: Vec<(Vec<usize>, usize, bool, Option<bool>)>,
    /// Fields to leave out: a select_related walk (by number) and a field of its end.
    pub exclude: Option<(usize, usize)>,
    /// 0 to 2 `filter` calls.
    pub filter: Vec<FilterShape>,
    /// 0 or 1 `exclude` call.
    pub exclude_filter: Vec<FilterShape>,
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
    /// ormar's compatibility scope.
    pub ormar: bool,
    /// A nested list's options: a select_related walk (by number; used when it ends in a
    /// to-many relation), its filter (from the nested model), an ordering field of the
    /// nested model and whether descending, a per-parent limit.
    pub nested: Option<(usize, FilterShape, usize, bool, Option<u64>)>,
}

/// A filter expression as choice numbers, turned into a [`Filter`] by
/// [`FilterShape::filter`] over a graph.
#[derive(Clone, Debug)]
pub enum FilterShape {
    /// A condition: a walk of 0 to 3 steps (to-one or to-many), a field of its end, a
    /// lookup for the field's kind, a value choice.
    Condition {
        /// The walk.
        steps: Vec<usize>,
        /// The field (modulo the end model's fields); past them: `isnull` on the last
        /// relation of the walk.
        field: usize,
        /// The lookup (modulo the lookups of the field's kind).
        lookup: usize,
        /// The value choice.
        value: usize,
    },
    /// AND of the parts.
    And(Vec<FilterShape>),
    /// OR of the parts.
    Or(Vec<FilterShape>),
    /// NOT of the part.
    Not(Box<FilterShape>),
}

/// Random [`FilterShape`]s: conditions combined with AND / OR / NOT up to 3 deep.
pub fn filter_shape() -> impl Strategy<Value = FilterShape> {
    let leaf = (
        prop::collection::vec(0usize..64, 0..=2),
        0usize..10,
        0usize..16,
        0usize..16,
    )
        .prop_map(|(steps, field, lookup, value)| FilterShape::Condition {
            steps,
            field,
            lookup,
            value,
        });
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..=3).prop_map(FilterShape::And),
            prop::collection::vec(inner.clone(), 0..=3).prop_map(FilterShape::Or),
            inner.prop_map(|f| FilterShape::Not(Box::new(f))),
        ]
    })
}

/// The text lookups every dialect has (not `regex`: SQLite has none).
pub const TEXT_LOOKUPS: [&str; 15] = [
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "range",
];
/// The lookups of an integer field.
const INT_LOOKUPS: [&str; 9] = [
    "exact", "ne", "gt", "gte", "lt", "lte", "in", "range", "isnull",
];
/// Text values filters compare with: hostile ones, and (every other one) texts of
/// [`TEXTS`], so conditions on drawn data hold for some rows and not for others.
const FILTER_TEXTS: [&str; 16] = [
    "a",
    "%_!",
    "A",
    "O'Brien",
    "é",
    "",
    "b",
    "É",
    "aB",
    "x\\y",
    "ß",
    "; DROP TABLE t; --",
    "日",
    "ab",
    "a ",
    "日本",
];

impl FilterShape {
    /// The filter these choices make over `g` from model number `root`: every walk follows
    /// the graph's relations, every value has its field's kind.
    pub fn filter(&self, g: &RelationGraph, root: usize) -> Filter {
        let parts =
            |list: &[FilterShape]| list.iter().map(|f| f.filter(g, root)).collect::<Vec<_>>();
        match self {
            FilterShape::And(list) => Filter::and(parts(list)),
            FilterShape::Or(list) => Filter::or(parts(list)),
            FilterShape::Not(part) => !part.filter(g, root),
            FilterShape::Condition {
                steps,
                field,
                lookup,
                value,
            } => {
                let (model, mut names, hops) = walk(g, root, steps);
                let at = hops.last().map_or(model, |&h| g.relation(h).target().id());
                let fields: Vec<_> = g.model(at).fields().collect();
                if *field >= fields.len()
                    && hops.last().is_some_and(|&h| g.relation(h).is_to_many())
                {
                    names.push("isnull".to_owned());
                    return Filter::new(names.join("__"), *value % 2 == 0);
                }
                let f = fields[field % fields.len()];
                names.push(f.name().to_owned());
                let text = matches!(f.ty(), FieldType::Text { .. });
                let (name, json) = if text {
                    let name = TEXT_LOOKUPS[lookup % TEXT_LOOKUPS.len()];
                    let t = |k: usize| Json::from(FILTER_TEXTS[k % FILTER_TEXTS.len()]);
                    let json = match name {
                        "in" => Json::Array((0..value % 3).map(t).collect()),
                        "range" => json!([t(*value), t(value + 1)]),
                        _ => t(*value),
                    };
                    (name, json)
                } else {
                    let name = INT_LOOKUPS[lookup % INT_LOOKUPS.len()];
                    // The data's integers (-3 to 4), or a key inside one of the blocks
                    // of primary keys `DataShape::rows` draws (2, 18, .., 114).
                    let v = i64::try_from(*value).unwrap_or(0);
                    let n = if v < 8 { v - 3 } else { 16 * (v - 8) + 2 };
                    let json = match name {
                        "in" => Json::Array((0..n.rem_euclid(3)).map(|k| json!(n + k)).collect()),
                        "range" => json!([n, n + 3]),
                        "isnull" => json!(n % 2 == 0),
                        _ => json!(n),
                    };
                    (name, json)
                };
                names.push(name.to_owned());
                Filter::new(names.join("__"), json)
            }
        }
    }
}

/// Random [`QueryShape`]s, limit and offset below 50.
pub fn query_shape() -> impl Strategy<Value = QueryShape> {
    query_shape_counting(0..50)
}

/// Random [`QueryShape`]s whose limit and offset are drawn from `counts` (small counts
/// for small data sets, so a page is rarely empty).
pub fn query_shape_counting(counts: std::ops::Range<u64>) -> impl Strategy<Value = QueryShape> {
    let steps = |max| prop::collection::vec(0usize..64, max);
    (
        0usize..8,
        prop::collection::vec(steps(1..=3), 1..=4),
        prop::collection::vec(
            (
                steps(0..=3),
                0usize..8,
                any::<bool>(),
                prop::option::of(any::<bool>()),
            ),
            0..=2,
        ),
        prop::option::weighted(0.3, (0usize..4, 0usize..8)),
        prop::collection::vec(filter_shape(), 0..=2),
        prop::collection::vec(filter_shape(), 0..=1),
        prop::option::of(counts.clone()),
        prop::option::of(counts),
        any::<bool>(),
        prop::option::weighted(
            0.5,
            (
                0usize..4,
                filter_shape(),
                0usize..8,
                any::<bool>(),
                prop::option::of(0u64..4),
            ),
        ),
    )
        .prop_map(
            |(
                root,
                select_related,
                order_by,
                exclude,
                filter,
                exclude_filter,
                limit,
                offset,
                ormar,
                nested,
            )| {
                QueryShape {
                    root,
                    select_related,
                    order_by,
                    exclude,
                    filter,
                    exclude_filter,
                    limit,
                    offset,
                    ormar,
                    nested,
                }
            },
        )
}

impl QueryShape {
    /// The query these choices make over `g`: every path walks the graph's own loadable
    /// relations, so it resolves; an ordering ends at any field of the model it reaches;
    /// an exclusion names a non-key field of a loaded node (and is dropped if it has none).
    pub fn query(&self, g: &RelationGraph) -> Query {
        let (root, _, _) = walk(g, self.root, &[]);
        let mut q = Query::new(g.model(root).name());
        let mut loaded = Vec::new();
        for steps in &self.select_related {
            let (_, names, hops) = walk(g, self.root, steps);
            if !names.is_empty() {
                q = q.select_related(names.join("__"));
                loaded.push((names, hops));
            }
        }
        for (steps, field, descending, nulls) in &self.order_by {
            let (_, mut names, hops) = walk(g, self.root, steps);
            let at = hops.last().map_or(root, |&h| g.relation(h).target().id());
            let fields: Vec<_> = g.model(at).fields().collect();
            names.push(fields[field % fields.len()].name().to_owned());
            let path = format!("{}{}", if *descending { "-" } else { "" }, names.join("__"));
            let mut o = OrderBy::new(path);
            if let Some(first) = nulls {
                o = o.nulls(if *first {
                    NullsOrder::First
                } else {
                    NullsOrder::Last
                });
            }
            q = q.order_by(o);
        }
        if let Some((walk_number, field)) = self.exclude
            && !loaded.is_empty()
        {
            let (names, hops) = &loaded[walk_number % loaded.len()];
            let at = hops.last().map_or(root, |&h| g.relation(h).target().id());
            let fields: Vec<_> = g
                .model(at)
                .fields()
                .filter(|f| !f.is_primary_key())
                .collect();
            if !fields.is_empty() {
                let mut path = names.clone();
                path.push(fields[field % fields.len()].name().to_owned());
                q = q.exclude_field(path.join("__"));
            }
        }
        if let Some((walk_number, filter, field, descending, limit)) = &self.nested
            && !loaded.is_empty()
        {
            let (names, hops) = &loaded[walk_number % loaded.len()];
            if let Some(&last) = hops.last().filter(|&&h| g.relation(h).is_to_many()) {
                let target = g.relation(last).target().id();
                let model_number = g.models().position(|m| m.id() == target).unwrap_or(0);
                let fields: Vec<_> = g.model(target).fields().collect();
                let order = fields[field % fields.len()].name();
                let mut related = Related::new(names.join("__"))
                    .filter(filter.filter(g, model_number))
                    .order_by(OrderBy::new(format!(
                        "{}{order}",
                        if *descending { "-" } else { "" }
                    )));
                related.limit = *limit;
                q = q.select_related(related);
            }
        }
        if self.ormar {
            q = q.compat(Compat::Ormar);
        }
        for f in &self.filter {
            q = q.filter(f.filter(g, self.root));
        }
        for f in &self.exclude_filter {
            q = q.exclude(f.filter(g, self.root));
        }
        q.limit = self.limit;
        q.offset = self.offset;
        q
    }
}

/// The texts data is drawn from: duplicates, mixed case, a trailing space, the empty
/// string and non-ASCII letters, so ordering by code point and exact comparison are
/// exercised.
pub const TEXTS: [&str; 13] = [
    "a", "A", "a ", "b", "B", "ab", "aB", "", "é", "É", "ß", "日", "日本",
];

/// The largest model count of [`loadable_schema`] (6 declared, 2 through models each).
const MAX_MODELS: usize = 18;

/// Rows as choice numbers, turned into values by [`DataShape::rows`] over a graph: for
/// each model number, 1 to 6 rows of one choice per field (a table can still end up
/// empty: a row whose NOT NULL key has no row to reference is left out).
#[derive(Clone, Debug)]
pub struct DataShape {
    tables: Vec<Vec<[u8; 8]>>,
}

/// Random [`DataShape`]s.
pub fn data_shape() -> impl Strategy<Value = DataShape> {
    data_shape_of(1..=6)
}

/// Random [`DataShape`]s of `rows` rows per table (at most 16, so primary keys stay
/// distinct: see [`DataShape::rows`]).
pub fn data_shape_of(rows: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = DataShape> {
    assert!(
        *rows.end() <= 16,
        "at most 16 rows per table keep the keys distinct"
    );
    prop::collection::vec(prop::collection::vec(any::<[u8; 8]>(), rows), MAX_MODELS)
        .prop_map(|tables| DataShape { tables })
}

/// The key fields of `model` (its foreign keys, and a through model's keys to the ends
/// of its relation), each with the model it points at.
pub fn references(graph: &RelationGraph, model: ModelId) -> Vec<(FieldId, ModelId)> {
    let m = graph.model(model);
    let mut keys: Vec<(FieldId, ModelId)> = m
        .fields()
        .filter_map(|f| Some((f.id(), f.foreign_key()?.target().id())))
        .collect();
    if let Some(r) = m.through_of()
        && let Some(t) = r.through()
    {
        for (field, target) in [(t.source_field, r.source()), (t.target_field, r.target())] {
            if !keys.iter().any(|&(f, _)| f == field) {
                keys.push((field, target.id()));
            }
        }
    }
    keys
}

/// Every model of `graph`, each after the models its keys reference (a self-reference
/// aside): an order to fill the tables in. Needs the foreign keys to form no longer cycle
/// ([`loadable_schema`]).
pub fn fill_order(graph: &RelationGraph) -> Vec<ModelId> {
    let mut order: Vec<ModelId> = Vec::with_capacity(graph.models().len());
    while order.len() < graph.models().len() {
        let before = order.len();
        for m in graph.models() {
            let ready = !order.contains(&m.id())
                && references(graph, m.id())
                    .iter()
                    .all(|&(_, t)| t == m.id() || order.contains(&t));
            if ready {
                order.push(m.id());
            }
        }
        assert!(order.len() > before, "the foreign keys form a cycle");
    }
    order
}

impl DataShape {
    /// The rows these choices make over `graph`, indexed by model number, each row one
    /// value per field in definition order:
    /// - primary keys distinct and not in insertion order (`16 * c + row + 1`);
    /// - a nullable field is NULL for a quarter of the choices;
    /// - text from [`TEXTS`], integers from -3 to 3, a few values of every other type
    ///   ([`value_of_type`]);
    /// - a key references an existing row of its target, for a self-reference one
    ///   inserted before it or the row itself (chains); a row whose NOT NULL key has no
    ///   row to reference is left out, as is a through row repeating a pair.
    pub fn rows(&self, graph: &RelationGraph) -> Vec<Vec<Vec<Value>>> {
        let mut rows: Vec<Vec<Vec<Value>>> = vec![Vec::new(); graph.models().len()];
        for model in fill_order(graph) {
            let m = graph.model(model);
            let keys = references(graph, model);
            let mut table: Vec<Vec<Value>> = Vec::new();
            'row: for (k, choices) in self.tables[model.index() % MAX_MODELS].iter().enumerate() {
                let pk = Value::Int(16 * i64::from(choices[0] % 8) + k as i64 + 1);
                let mut row = Vec::with_capacity(m.fields().len());
                for (i, field) in m.fields().enumerate() {
                    let c = usize::from(choices[i % choices.len()]);
                    let null = field.is_nullable() && c % 4 == 0;
                    let value = if field.is_primary_key() {
                        pk.clone()
                    } else if let Some(&(_, target)) = keys.iter().find(|(f, _)| *f == field.id()) {
                        let target_pk = graph.model(target).primary_key().id();
                        let earlier = if target == model {
                            &table
                        } else {
                            &rows[target.index()]
                        };
                        let mut candidates: Vec<Value> = earlier
                            .iter()
                            .map(|r| value_of(graph, target, r, target_pk).clone())
                            .collect();
                        if target == model {
                            candidates.push(pk.clone());
                        }
                        match (null, candidates.is_empty()) {
                            (false, false) => candidates[c % candidates.len()].clone(),
                            (true, _) => Value::Null,
                            (false, true) if field.is_nullable() => Value::Null,
                            (false, true) => continue 'row,
                        }
                    } else if null {
                        Value::Null
                    } else {
                        value_of_type(field.ty(), c)
                    };
                    row.push(value);
                }
                let pair = |r: &Vec<Value>| -> Vec<Value> {
                    keys.iter()
                        .map(|&(f, _)| value_of(graph, model, r, f).clone())
                        .collect()
                };
                if m.through_of().is_some() && table.iter().any(|r| pair(r) == pair(&row)) {
                    continue;
                }
                table.push(row);
            }
            rows[model.index()] = table;
        }
        rows
    }
}

/// A value of type `ty` for choice `c`: few values per type, so rows share them (text
/// from [`TEXTS`], integers from -3 to 3, decimals within their precision and scale).
pub fn value_of_type(ty: FieldType, c: usize) -> Value {
    let small = (c % 7) as i64 - 3;
    match ty {
        FieldType::Integer | FieldType::BigInteger => Value::Int(small),
        FieldType::Float => Value::Float(small as f64 / 2.0),
        FieldType::Decimal { precision, scale } => {
            let whole = if precision > scale { small } else { 0 };
            let sign = if whole < 0 { "-" } else { "" };
            let fraction: String = (0..scale)
                .map(|i| {
                    if i == 0 {
                        char::from(b'0' + (c % 10) as u8)
                    } else {
                        '0'
                    }
                })
                .collect();
            let point = if scale > 0 { "." } else { "" };
            Value::Decimal(format!("{sign}{}{point}{fraction}", whole.abs()))
        }
        FieldType::Text { max_length } => {
            let text = TEXTS[c % TEXTS.len()];
            let most = max_length.map_or(usize::MAX, |n| n as usize);
            Value::Text(text.chars().take(most).collect())
        }
        FieldType::Boolean => Value::Bool(c % 2 == 0),
        FieldType::Date => Value::Date(format!("2024-0{}-1{}", c % 3 + 1, c % 5)),
        FieldType::Time => Value::Time(format!("1{}:30:0{}", c % 4, c % 3)),
        FieldType::DateTime => Value::DateTime(format!("2024-05-0{}T1{}:00:00", c % 3 + 1, c % 4)),
        FieldType::Uuid => Value::Uuid(format!("00000000-0000-4000-8000-{:012x}", c % 5)),
        FieldType::Json => Value::Json(format!("{{\"n\":{}}}", c % 3)),
        FieldType::Bytes => Value::Bytes(vec![(c % 3) as u8, 0xff]),
    }
}

/// The value of `field` in `row`, a row of `model` (one value per field in definition
/// order).
pub fn value_of<'r>(
    graph: &RelationGraph,
    model: ModelId,
    row: &'r [Value],
    field: FieldId,
) -> &'r Value {
    let at = graph
        .model(model)
        .fields()
        .position(|f| f.id() == field)
        .expect("a field of the model");
    &row[at]
}

/// The strategies each differential case runs with: a strategy, and for split which roots
/// its list statements read (the plan's choice when `None`).
pub const LOADS: [(relq_plan::Strategy, Option<relq_plan::ListRoots>); 5] = [
    (relq_plan::Strategy::Joined, None),
    (
        relq_plan::Strategy::Split,
        Some(relq_plan::ListRoots::SemiJoin),
    ),
    (relq_plan::Strategy::Split, Some(relq_plan::ListRoots::Keys)),
    (relq_plan::Strategy::Json, None),
    (relq_plan::Strategy::Auto, None),
];

/// `query` compiled for `dialect` as a differential case runs it: with the plan's choice
/// of roots, or with split's `roots` forced and the root keys bound a few at a time (at
/// least 2 by 2). The split strategy's list statements have no parameters of their own
/// there (no nested filters): a limit as small as the other statements allow (every
/// statement is checked against it) chunks the keys; the dialect's own hooks, with that
/// one fact changed.
///
/// # Errors
/// The compile error.
pub fn compile_case<'g>(
    graph: &'g RelationGraph,
    query: &Query,
    dialect: &dyn relq_sql::Dialect,
    roots: Option<relq_plan::ListRoots>,
) -> Result<relq_sql::Compiled<'g>, relq_sql::CompileError> {
    let Some(roots) = roots else {
        return relq_sql::compile(graph, query, dialect);
    };
    let options = relq_plan::PlanOptions {
        list_roots: Some(roots),
    };
    let own = relq_sql::compile_with(graph, query, dialect, &options)
        .map(|c| c.statements.iter().map(|s| s.params.len()).max())
        .ok()
        .flatten()
        .unwrap_or(0);
    let chunked = dialect.with_caps(relq_sql::Caps {
        max_params: own.max(2),
        ..*dialect.caps()
    });
    relq_sql::compile_with(graph, query, &*chunked, &options)
}

/// The rows of every table, one line each, for a failure message.
pub fn describe_rows(graph: &RelationGraph, rows: &[Vec<Vec<Value>>]) -> String {
    let mut text = String::new();
    for m in graph.models() {
        let fields: Vec<&str> = m.fields().map(|f| f.name()).collect();
        let _ = writeln!(text, "{} ({}):", m.name(), fields.join(", "));
        for row in &rows[m.id().index()] {
            let values: Vec<String> = row
                .iter()
                .map(|v| relq_rows::value_to_json(v).to_string())
                .collect();
            let _ = writeln!(text, "  ({})", values.join(", "));
        }
    }
    text
}

/// Whether an answer found anything: records or rows, a record, a count above 0, `exists`
/// true.
pub fn found_something(answer: &serde_json::Value) -> bool {
    match answer {
        serde_json::Value::Array(items) => !items.is_empty(),
        serde_json::Value::Null => false,
        other => match (other.get("count"), other.get("exists")) {
            (Some(count), _) => count.as_u64().is_some_and(|n| n > 0),
            (_, Some(exists)) => exists.as_bool() == Some(true),
            _ => true,
        },
    }
}

/// The tables of `graph` with `rows` (indexed by model number) in `db`.
pub fn load_rows(
    db: &mut relq::Database,
    graph: &RelationGraph,
    rows: &[Vec<Vec<Value>>],
) -> Result<(), String> {
    db.create_tables(graph)
        .map_err(|e| format!("the DDL: {e}"))?;
    for model in fill_order(graph) {
        let table = &rows[model.index()];
        if !table.is_empty() {
            db.insert(graph.model(model), table)
                .map_err(|e| format!("insert into {}: {e}", graph.model(model).table()))?;
        }
    }
    Ok(())
}

/// Whether a compile error says the dialect cannot do the query (not that it is wrong):
/// a lookup, an aggregate, a name or a join past what it has.
pub fn refused_by_dialect(kind: &relq_sql::CompileErrorKind) -> bool {
    matches!(
        kind,
        relq_sql::CompileErrorKind::UnsupportedLookup { .. }
            | relq_sql::CompileErrorKind::UnsupportedAggregate { .. }
            | relq_sql::CompileErrorKind::IdentifierTooLong { .. }
            | relq_sql::CompileErrorKind::TooManyTables { .. }
    )
}
