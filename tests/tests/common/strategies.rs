//! The proptest strategies of relq-tests, in one place: random schemas (some invalid, for
//! the schema and path properties; always valid and rich in relations, for compiling),
//! walks along a graph's relations, and random queries made of walks, with random filters
//! (AND / OR / NOT of conditions across any relation, every lookup but `regex`, values
//! of the field's kind, hostile texts among them).
//!
//! Strategies produce plain data (a `SchemaDef`, a `QueryShape` of choice numbers); the
//! tests turn the choices into names by walking the built graph, so every generated
//! path is valid by construction.

use proptest::prelude::*;
use relq_graph::{
    FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, RelationGraph, SchemaDef,
};
use relq_plan::{Compat, Filter, NullsOrder, OrderBy, Query, Related};
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
    let fk = (any::<prop::sample::Index>(), any::<bool>());
    let m2m = (any::<prop::sample::Index>(), any::<bool>());
    let model = (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(fk, 0..=3),
        prop::collection::vec(m2m, 0..=2),
    );
    prop::collection::vec(model, 1..=5).prop_map(|models| {
        let n = models.len();
        let mut def = SchemaDef::new();
        for (i, (title, code, fks, m2ms)) in models.into_iter().enumerate() {
            let mut m = ModelDef::new(format!("M{i}"))
                .pk("id", FieldType::Integer)
                .field(FieldDef::new("name", FieldType::TEXT));
            if title {
                m = m.field(FieldDef::new("title", FieldType::text(80)).nullable());
            }
            if code {
                m = m.field(FieldDef::new("code", FieldType::Integer));
            }
            for (j, (target, nullable)) in fks.into_iter().enumerate() {
                let mut fk = ForeignKeyDef::new(format!("fk{j}"), format!("M{}", target.index(n)))
                    .related_name(format!("r{i}x{j}"));
                fk.nullable = nullable;
                m = m.foreign_key(fk);
            }
            for (j, (target, weight)) in m2ms.into_iter().enumerate() {
                let mut mm = ManyToManyDef::new(format!("mm{j}"), format!("M{}", target.index(n)))
                    .related_name(format!("s{i}x{j}"));
                if j > 0 {
                    let mut through =
                        ModelDef::new(format!("T{i}x{j}")).pk("id", FieldType::Integer);
                    if weight {
                        through =
                            through.field(FieldDef::new("weight", FieldType::Integer).nullable());
                    }
                    def = def.model(through);
                    mm = mm.through(format!("T{i}x{j}")).through_fields("src", "dst");
                }
                m = m.many_to_many(mm);
            }
            def = def.model(m);
        }
        def
    })
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
        prop::collection::vec(0usize..64, 0..=3),
        0usize..10,
        0usize..16,
        0usize..8,
    )
        .prop_map(|(steps, field, lookup, value)| FilterShape::Condition {
            steps,
            field,
            lookup,
            value,
        });
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..=3).prop_map(FilterShape::And),
            prop::collection::vec(inner.clone(), 0..=3).prop_map(FilterShape::Or),
            inner.prop_map(|f| FilterShape::Not(Box::new(f))),
        ]
    })
}

/// The text lookups every dialect has (not `regex`: SQLite has none).
const TEXT_LOOKUPS: [&str; 15] = [
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
/// Text values, hostile ones included.
const TEXTS: [&str; 8] = [
    "a",
    "%_!",
    "O'Brien",
    "",
    "É",
    "x\\y",
    "; DROP TABLE t; --",
    "ab",
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
                    let t = |k: usize| Json::from(TEXTS[k % TEXTS.len()]);
                    let json = match name {
                        "in" => Json::Array((0..value % 3).map(t).collect()),
                        "range" => json!([t(*value), t(value + 1)]),
                        _ => t(*value),
                    };
                    (name, json)
                } else {
                    let name = INT_LOOKUPS[lookup % INT_LOOKUPS.len()];
                    let n = i64::try_from(*value).unwrap_or(0) - 2;
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

/// Random [`QueryShape`]s.
pub fn query_shape() -> impl Strategy<Value = QueryShape> {
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
        prop::option::of(0u64..50),
        prop::option::of(0u64..50),
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
