//! The reference evaluator of the differential property test: a query answered over rows
//! held in memory with plain nested loops, as JSON in the shape of `relq_rows::to_json`,
//! following DESIGN.md "Semantics" and nothing of relq's planner or SQL:
//! - roots: every row of the query's model, ordered by the user's terms, then the primary
//!   key; then OFFSET and LIMIT count roots;
//! - a term through to-one relations orders by the value it reaches (NULL when a link is
//!   missing); a term across a to-many relation orders roots by the MIN (ascending) or MAX
//!   (descending) of the values it reaches, NULLs ignored (NULL when none);
//! - NULLs sort smallest (first ascending, last descending) unless the term places them;
//!   text sorts by code point, integers by value;
//! - a loaded to-many list is ordered by the terms whose deepest to-many relation is that
//!   list (the value its records reach through to-one relations), then by its primary
//!   key; other lists by their primary key;
//! - a to-one relation is an object or `null`, a to-many relation a list (`[]` when
//!   empty); a many-to-many child carries its through row's own fields (not its keys)
//!   under the through model's name;
//! - `exclude_fields` leaves a field out of the node it names only;
//! - filters (DESIGN.md "Filters across relations", the rustdoc of `relq_plan::Filter`)
//!   keep a root when every `filter` call holds and no `exclude` call does. Logic is
//!   two-valued: a comparison with a NULL (or a value behind a missing to-one row) is
//!   false, so its negation is true. An expression is read in a scope, a row at some
//!   depth of the relation paths (the root at depth 0): a condition whose path crosses a
//!   to-many relation after the scope's depth holds when some row reached through that
//!   relation (and the to-one relations before it) satisfies it there; the parts of an
//!   AND / OR (and a whole expression) whose conditions all cross the same first to-many
//!   path, none through a NOT, are read together in the same reached row; a NOT is read
//!   on its own. `isnull` on a to-many relation is "has none", `in []` never holds, an
//!   empty substring is in every non-NULL text, text compares by code point and the `i`
//!   lookups fold case as the database does ([`Fold`]).
//!
//! Rows are one value per field, in definition order, indexed by model number (the shape
//! `DataShape::rows` makes).

use std::cmp::Ordering;

use relq_graph::{FieldId, ModelId, Relation, RelationGraph, RelationId, RelationKind};
use relq_plan::{Filter, NullsOrder, Query, Value};
use relq_rows::value_to_json;
use serde_json::{Map, Value as Json};

use super::strategies::value_of;

/// A row and, for a many-to-many child, the through row that links it.
type Reached<'r> = (&'r [Value], Option<&'r [Value]>);

/// How a database folds case for the `i` lookups (the dialect crates' filter facts):
/// SQLite's `lower()` folds ASCII letters only; PostgreSQL's `lower()` (on the test
/// server's `C.UTF-8`) and MariaDB's `LOWER()` of utf8mb4 text map each character to its
/// lower case (`É` to `é`; `ß`, `日` unchanged), as Rust's `char::to_lowercase` does for
/// every text the test draws (`strategies::TEXTS`, `FILTER_TEXTS`); char by char, so a
/// final `Σ` is `σ` as on both servers (`str::to_lowercase` would give `ς`). Not for every
/// text: PostgreSQL 15 and MariaDB 10.11 give `lower('İ')` = `i` (measured), Rust `i̇`
/// (two characters), so a text drawn with `İ` would need its own rule here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// ASCII letters only (SQLite).
    Ascii,
    /// Every character, one by one (PostgreSQL, MariaDB).
    Unicode,
}

impl Fold {
    fn apply(self, text: &str) -> String {
        match self {
            Fold::Ascii => text.to_ascii_lowercase(),
            Fold::Unicode => text.chars().flat_map(char::to_lowercase).collect(),
        }
    }
}

/// The records `query` returns over `rows` on a database folding case as `fold`, as JSON.
pub fn expected(
    graph: &RelationGraph,
    rows: &[Vec<Vec<Value>>],
    query: &Query,
    fold: Fold,
) -> Json {
    let eval = Evaluator::new(graph, rows, query);
    let root = eval.root;
    // Filters choose the roots before ordering and paging, and never trim the nested
    // lists built by `object`.
    let filters = Filters {
        eval: &eval,
        fold,
        calls: query
            .filter
            .iter()
            .map(|f| (true, eval.expression(f)))
            .chain(query.exclude.iter().map(|f| (false, eval.expression(f))))
            .collect(),
    };
    let mut roots: Vec<&[Value]> = rows[root.index()]
        .iter()
        .map(Vec::as_slice)
        .filter(|row| filters.keep(row))
        .collect();
    roots.sort_by(|a, b| {
        eval.terms
            .iter()
            .map(|t| t.compare(&eval.root_key(t, a), &eval.root_key(t, b)))
            .chain([eval.compare_pks(root, a, b)])
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    let skip = query.offset.map_or(0, |o| o as usize);
    let take = query.limit.map_or(usize::MAX, |l| l as usize);
    Json::Array(
        roots
            .into_iter()
            .skip(skip)
            .take(take)
            .map(|row| eval.object(0, (row, None)))
            .collect(),
    )
}

/// One node of the loaded tree: the relation from its parent, its path (relation ids from
/// the root) and its children in the order their paths were first given.
struct Node {
    relation: Option<RelationId>,
    hops: Vec<RelationId>,
    children: Vec<usize>,
}

/// One ordering term: the relations to the field, the field, the direction, the NULLs.
struct Term {
    hops: Vec<RelationId>,
    field: FieldId,
    descending: bool,
    nulls_first: bool,
}

impl Term {
    /// `a` against `b` as this term orders them.
    fn compare(&self, a: &Value, b: &Value) -> Ordering {
        match (a, b) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) if self.nulls_first => Ordering::Less,
            (Value::Null, _) => Ordering::Greater,
            (_, Value::Null) if self.nulls_first => Ordering::Greater,
            (_, Value::Null) => Ordering::Less,
            _ if self.descending => compare(b, a),
            _ => compare(a, b),
        }
    }
}

/// Two non-NULL values of one kind: integers by value, text by code point.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::Text(a), Value::Text(b)) => a.cmp(b),
        _ => panic!("the reference compares integers and texts only: {a:?}, {b:?}"),
    }
}

struct Evaluator<'g, 'r> {
    graph: &'g RelationGraph,
    rows: &'r [Vec<Vec<Value>>],
    root: ModelId,
    nodes: Vec<Node>,
    /// `(node, field name)` left out.
    excluded: Vec<(usize, String)>,
    terms: Vec<Term>,
}

impl<'g, 'r> Evaluator<'g, 'r> {
    fn new(graph: &'g RelationGraph, rows: &'r [Vec<Vec<Value>>], query: &Query) -> Self {
        let root = graph
            .model_by_name(&query.model)
            .expect("the query's model")
            .id();
        let mut eval = Evaluator {
            graph,
            rows,
            root,
            nodes: vec![Node {
                relation: None,
                hops: Vec::new(),
                children: Vec::new(),
            }],
            excluded: Vec::new(),
            terms: Vec::new(),
        };
        for path in &query.select_related {
            let mut at = 0;
            for hop in eval.hops(path.path.split("__")) {
                at = match eval.nodes[at]
                    .children
                    .iter()
                    .find(|&&c| eval.nodes[c].relation == Some(hop))
                {
                    Some(&c) => c,
                    None => {
                        let mut hops = eval.nodes[at].hops.clone();
                        hops.push(hop);
                        eval.nodes.push(Node {
                            relation: Some(hop),
                            hops,
                            children: Vec::new(),
                        });
                        let new = eval.nodes.len() - 1;
                        eval.nodes[at].children.push(new);
                        new
                    }
                };
            }
        }
        for path in &query.exclude_fields {
            let (relations, field) = path.rsplit_once("__").unwrap_or(("", path));
            let hops = eval.hops(relations.split("__").filter(|s| !s.is_empty()));
            let node = eval
                .nodes
                .iter()
                .position(|n| n.hops == hops)
                .expect("exclude_fields names a loaded node");
            eval.excluded.push((node, field.to_owned()));
        }
        for order in &query.order_by {
            let descending = order.path.starts_with('-');
            let path = order.path.trim_start_matches('-');
            let (relations, field) = path.rsplit_once("__").unwrap_or(("", path));
            let hops = eval.hops(relations.split("__").filter(|s| !s.is_empty()));
            let model = hops
                .last()
                .map_or(root, |&h| graph.relation(h).target().id());
            let field = graph
                .model(model)
                .field(field)
                .expect("an ordering ends at a field")
                .id();
            eval.terms.push(Term {
                hops,
                field,
                descending,
                nulls_first: order.nulls.map_or(!descending, |n| n == NullsOrder::First),
            });
        }
        eval
    }

    /// The relations a path's names follow from the root.
    fn hops<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<RelationId> {
        let mut model = self.graph.model(self.root);
        names
            .map(|name| {
                let r = model.relation(name).expect("a relation of the model");
                model = r.target();
                r.id()
            })
            .collect()
    }

    fn relation(&self, id: RelationId) -> Relation<'g> {
        self.graph.relation(id)
    }

    /// The rows `relation` reaches from `row` (a row of its source), each with its
    /// through row for a many-to-many relation.
    fn follow(&self, relation: RelationId, row: &[Value]) -> Vec<Reached<'r>> {
        let r = self.relation(relation);
        let (source, target) = (r.source().id(), r.target().id());
        let source_pk = self.pk(source, row);
        let target_rows = &self.rows[target.index()];
        let with_pk = |key: &Value| -> Option<&'r [Value]> {
            target_rows
                .iter()
                .find(|t| !key.is_null() && self.pk(target, t) == key)
                .map(Vec::as_slice)
        };
        match (r.kind(), r.foreign_key_field(), r.through()) {
            (RelationKind::ForeignKey, Some(fk), _) => {
                with_pk(value_of(self.graph, source, row, fk.id()))
                    .map(|t| (t, None))
                    .into_iter()
                    .collect()
            }
            (RelationKind::ReverseForeignKey, Some(fk), _) => target_rows
                .iter()
                .filter(|t| value_of(self.graph, target, t, fk.id()) == source_pk)
                .map(|t| (t.as_slice(), None))
                .collect(),
            (_, _, Some(through)) => self.rows[through.model.index()]
                .iter()
                .filter(|t| {
                    value_of(self.graph, through.model, t, through.source_field) == source_pk
                })
                .filter_map(|t| {
                    with_pk(value_of(self.graph, through.model, t, through.target_field))
                        .map(|target| (target, Some(t.as_slice())))
                })
                .collect(),
            other => panic!("a relation the reference does not know: {other:?}"),
        }
    }

    fn pk<'v>(&self, model: ModelId, row: &'v [Value]) -> &'v Value {
        value_of(
            self.graph,
            model,
            row,
            self.graph.model(model).primary_key().id(),
        )
    }

    fn compare_pks(&self, model: ModelId, a: &[Value], b: &[Value]) -> Ordering {
        compare(self.pk(model, a), self.pk(model, b))
    }

    /// Every row reached from `row` through `hops`: at most one through to-one
    /// relations only.
    fn along(&self, row: &'r [Value], hops: &[RelationId]) -> Vec<&'r [Value]> {
        let mut rows = vec![row];
        for &hop in hops {
            rows = rows
                .into_iter()
                .flat_map(|row| self.follow(hop, row).into_iter().map(|(t, _)| t))
                .collect();
        }
        rows
    }

    /// Every value of `field` reached from `row` (of `model`) through `hops`, NULLs
    /// included: at most one through to-one relations only.
    fn reach(
        &self,
        model: ModelId,
        row: &'r [Value],
        hops: &[RelationId],
        field: FieldId,
    ) -> Vec<Value> {
        let model = hops
            .last()
            .map_or(model, |&h| self.relation(h).target().id());
        self.along(row, hops)
            .into_iter()
            .map(|row| value_of(self.graph, model, row, field).clone())
            .collect()
    }

    /// A filter expression with every condition's path resolved from the root. A path
    /// is relations, then a field (or, for `isnull`, a relation), then a lookup (`exact`
    /// when none).
    fn expression(&self, f: &Filter) -> Expr {
        let list = |parts: &[Filter]| parts.iter().map(|p| self.expression(p)).collect();
        match f {
            Filter::And(parts) => Expr::And(list(parts)),
            Filter::Or(parts) => Expr::Or(list(parts)),
            Filter::Not(part) => Expr::Not(Box::new(self.expression(part))),
            Filter::Condition { path, value } => {
                let mut names: Vec<&str> = path.split("__").collect();
                let lookup = match names.last() {
                    Some(&last) if relq_plan::Lookup::parse(last).is_some() && names.len() > 1 => {
                        names.pop();
                        last
                    }
                    _ => "exact",
                };
                let last = names.pop().expect("a condition names a field or relation");
                let hops = self.hops(names.into_iter());
                let model = self.graph.model(
                    hops.last()
                        .map_or(self.root, |&h| self.relation(h).target().id()),
                );
                let check = match model.field(last) {
                    Some(field) => Check::Field {
                        field: field.id(),
                        lookup: lookup.to_owned(),
                        value: value.clone(),
                    },
                    None => Check::NoRows {
                        relation: model.relation(last).expect("a relation").id(),
                        none: value.as_bool().expect("isnull takes a boolean"),
                    },
                };
                Expr::Leaf(Leaf { hops, check })
            }
        }
    }

    /// A root's value for `term`: the value its to-one path reaches (NULL when a link is
    /// missing), or across a to-many relation the MIN / MAX of the non-NULL values.
    fn root_key(&self, term: &Term, root: &'r [Value]) -> Value {
        let values = self.reach(self.root, root, &term.hops, term.field);
        if !term.hops.iter().any(|&h| self.relation(h).is_to_many()) {
            return values.into_iter().next().unwrap_or(Value::Null);
        }
        let values = values.into_iter().filter(|v| !v.is_null());
        let pick = if term.descending {
            values.max_by(compare)
        } else {
            values.min_by(compare)
        };
        pick.unwrap_or(Value::Null)
    }

    /// The terms that order node `node`'s list, each with the to-one hops from the list's
    /// records to its field: the terms whose path starts with the node's and whose deepest
    /// to-many relation is the node's own.
    fn list_terms(&self, node: usize) -> Vec<(&Term, &[RelationId])> {
        let prefix = &self.nodes[node].hops;
        self.terms
            .iter()
            .filter(|t| t.hops.starts_with(prefix))
            .map(|t| (t, &t.hops[prefix.len()..]))
            .filter(|(_, rest)| !rest.iter().any(|&h| self.relation(h).is_to_many()))
            .collect()
    }

    /// One record of node `node` as a JSON object.
    fn object(&self, node: usize, (row, through): Reached<'r>) -> Json {
        let n = &self.nodes[node];
        let model = n
            .relation
            .map_or(self.root, |r| self.relation(r).target().id());
        let mut map = Map::new();
        for (field, value) in self.graph.model(model).fields().zip(row) {
            if !self.excluded.contains(&(node, field.name().to_owned())) {
                map.insert(field.name().to_owned(), value_to_json(value));
            }
        }
        if let (Some(through_row), Some(t)) =
            (through, n.relation.and_then(|r| self.relation(r).through()))
        {
            let through_model = self.graph.model(t.model);
            let own: Map<String, Json> = through_model
                .fields()
                .zip(through_row)
                .filter(|(f, _)| {
                    !f.is_primary_key() && f.id() != t.source_field && f.id() != t.target_field
                })
                .map(|(f, v)| (f.name().to_owned(), value_to_json(v)))
                .collect();
            if !own.is_empty() {
                map.insert(through_model.name().to_owned(), Json::Object(own));
            }
        }
        for &child in &n.children {
            let Some(relation) = self.nodes[child].relation else {
                continue;
            };
            let r = self.relation(relation);
            let mut reached = self.follow(relation, row);
            let value = if r.is_to_many() {
                let target = r.target().id();
                let terms = self.list_terms(child);
                let key = |t: &Term, hops: &[RelationId], row: &'r [Value]| {
                    let value = self.reach(target, row, hops, t.field).into_iter().next();
                    value.unwrap_or(Value::Null)
                };
                reached.sort_by(|a, b| {
                    terms
                        .iter()
                        .map(|(t, hops)| t.compare(&key(t, hops, a.0), &key(t, hops, b.0)))
                        .chain([self.compare_pks(target, a.0, b.0)])
                        .find(|o| o.is_ne())
                        .unwrap_or(Ordering::Equal)
                });
                Json::Array(reached.into_iter().map(|r| self.object(child, r)).collect())
            } else {
                reached
                    .into_iter()
                    .next()
                    .map_or(Json::Null, |r| self.object(child, r))
            };
            map.insert(r.name().to_owned(), value);
        }
        Json::Object(map)
    }
}

/// A filter expression with its conditions resolved.
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Leaf(Leaf),
}

/// One condition: the relations from the root to the model it checks, and the check.
struct Leaf {
    hops: Vec<RelationId>,
    check: Check,
}

enum Check {
    /// A field of the model at the end of the hops, a lookup and its value as written.
    Field {
        field: FieldId,
        lookup: String,
        value: Json,
    },
    /// `relation__isnull`: the row at the end of the hops has no row through `relation`
    /// (`none`), or has some.
    NoRows { relation: RelationId, none: bool },
}

impl Leaf {
    /// The hops up to and including the first to-many relation after `depth`, if any.
    fn crossing<'e>(&'e self, eval: &Evaluator<'_, '_>, depth: usize) -> Option<&'e [RelationId]> {
        (depth..self.hops.len())
            .find(|&i| eval.relation(self.hops[i]).is_to_many())
            .map(|i| &self.hops[..=i])
    }
}

/// What an expression's conditions cross after a scope's depth.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Crossing<'e> {
    /// No to-many relation.
    None,
    /// The same first to-many path (the hops from the root up to and including it),
    /// none of them through a NOT.
    Same(&'e [RelationId]),
    /// Different paths, or one through a NOT.
    Mixed,
}

/// The `filter` (`true`) and `exclude` (`false`) calls of a query, evaluated over the
/// rows of an [`Evaluator`].
struct Filters<'e, 'g, 'r> {
    eval: &'e Evaluator<'g, 'r>,
    fold: Fold,
    calls: Vec<(bool, Expr)>,
}

impl<'r> Filters<'_, '_, 'r> {
    /// Whether root `row` is kept: every `filter` call holds, no `exclude` call does.
    fn keep(&self, row: &'r [Value]) -> bool {
        self.calls
            .iter()
            .all(|(filter, e)| self.holds(e, row, 0) == *filter)
    }

    fn crossing<'e>(&self, e: &'e Expr, depth: usize) -> Crossing<'e> {
        match e {
            Expr::Leaf(leaf) => leaf
                .crossing(self.eval, depth)
                .map_or(Crossing::None, Crossing::Same),
            Expr::Not(part) => match self.crossing(part, depth) {
                Crossing::None => Crossing::None,
                _ => Crossing::Mixed,
            },
            Expr::And(parts) | Expr::Or(parts) => {
                let mut crossings = parts.iter().map(|p| self.crossing(p, depth));
                let first = crossings.next().unwrap_or(Crossing::None);
                if crossings.all(|c| c == first) {
                    first
                } else {
                    Crossing::Mixed
                }
            }
        }
    }

    /// Whether `e` holds for `row`, a row `depth` hops below the root.
    fn holds(&self, e: &Expr, row: &'r [Value], depth: usize) -> bool {
        match e {
            Expr::Leaf(leaf) => match leaf.crossing(self.eval, depth) {
                Some(path) => self
                    .eval
                    .along(row, &path[depth..])
                    .into_iter()
                    .any(|r| self.holds(e, r, path.len())),
                None => self.leaf_holds(leaf, row, depth),
            },
            Expr::Not(part) => !self.holds(part, row, depth),
            Expr::And(parts) => self.combined(&parts.iter().collect::<Vec<_>>(), true, row, depth),
            Expr::Or(parts) => self.combined(&parts.iter().collect::<Vec<_>>(), false, row, depth),
        }
    }

    /// Whether all (`all`) or any of `parts` hold for `row`: the parts crossing the same
    /// first to-many path are read together in one reached row.
    fn combined(&self, parts: &[&Expr], all: bool, row: &'r [Value], depth: usize) -> bool {
        let mut groups: Vec<(Option<&[RelationId]>, Vec<&Expr>)> = Vec::new();
        for &part in parts {
            match self.crossing(part, depth) {
                Crossing::Same(path) => match groups.iter_mut().find(|(p, _)| *p == Some(path)) {
                    Some((_, members)) => members.push(part),
                    None => groups.push((Some(path), vec![part])),
                },
                Crossing::None | Crossing::Mixed => groups.push((None, vec![part])),
            }
        }
        let group_holds = |(path, members): &(Option<&[RelationId]>, Vec<&Expr>)| match path {
            Some(path) => self
                .eval
                .along(row, &path[depth..])
                .into_iter()
                .any(|r| self.combined(members, all, r, path.len())),
            None => self.holds(members[0], row, depth),
        };
        if all {
            groups.iter().all(group_holds)
        } else {
            groups.iter().any(group_holds)
        }
    }

    /// A condition crossing no to-many relation after `depth`, for `row`.
    fn leaf_holds(&self, leaf: &Leaf, row: &'r [Value], depth: usize) -> bool {
        let hops = &leaf.hops[depth..];
        match &leaf.check {
            Check::NoRows { relation, none } => {
                let reached: Vec<RelationId> = hops.iter().copied().chain([*relation]).collect();
                self.eval.along(row, &reached).is_empty() == *none
            }
            Check::Field {
                field,
                lookup,
                value,
            } => {
                let scope = depth.checked_sub(1).map_or(self.eval.root, |i| {
                    self.eval.relation(leaf.hops[i]).target().id()
                });
                let v = self.eval.reach(scope, row, hops, *field).into_iter().next();
                self.test(&v.unwrap_or(Value::Null), lookup, value)
            }
        }
    }

    /// Whether `v` passes `lookup` with `value` (a string for a text field, an integer
    /// for an integer one): a NULL passes `isnull` only; text compares by code point.
    fn test(&self, v: &Value, lookup: &str, value: &Json) -> bool {
        let typed = |j: &Json| match j {
            Json::String(s) => Value::Text(s.clone()),
            Json::Number(n) => Value::Int(n.as_i64().expect("an integer")),
            other => panic!("the reference compares integers and texts only: {other}"),
        };
        let ord = |j: &Json| compare(v, &typed(j));
        match lookup {
            "isnull" => v.is_null() == value.as_bool().expect("isnull takes a boolean"),
            "exact" | "ne" if value.is_null() => v.is_null() == (lookup == "exact"),
            _ if v.is_null() => false,
            "exact" => ord(value).is_eq(),
            "ne" => ord(value).is_ne(),
            "gt" => ord(value).is_gt(),
            "gte" => ord(value).is_ge(),
            "lt" => ord(value).is_lt(),
            "lte" => ord(value).is_le(),
            "in" => value
                .as_array()
                .expect("in takes a list")
                .iter()
                .any(|j| ord(j).is_eq()),
            "range" => match value.as_array().map(Vec::as_slice) {
                Some([low, high]) => ord(low).is_ge() && ord(high).is_le(),
                _ => panic!("range takes two values: {value}"),
            },
            _ => {
                let (Value::Text(text), Some(wanted)) = (v, value.as_str()) else {
                    panic!("{lookup} compares a text with a string: {v:?}, {value}");
                };
                let (op, fold) = match lookup.strip_prefix('i') {
                    Some(op) => (op, Some(self.fold)),
                    None => (lookup, None),
                };
                let folded = |t: &str| fold.map_or_else(|| t.to_owned(), |f| f.apply(t));
                let (text, wanted) = (folded(text), folded(wanted));
                match op {
                    "exact" => text == wanted,
                    "contains" => text.contains(&wanted),
                    "startswith" => text.starts_with(&wanted),
                    "endswith" => text.ends_with(&wanted),
                    other => panic!("a lookup the reference does not know: {other}"),
                }
            }
        }
    }
}
