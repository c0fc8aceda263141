//! Resolving a parsed path against the relation graph: relation hops, then a field, then
//! a lookup, each checked, with did-you-mean suggestions for unknown names.
//!
//! Rules (Django's and ormar's, with their ambiguities settled):
//! - A segment naming a field of the current model ends the relation hops; at most one
//!   lookup may follow, and only in a filter. `pk` names the model's primary key (Django's
//!   and ormar's alias).
//! - A segment naming a relation is a hop, except at the end of a field or filter path (or
//!   before a final lookup that is not a name on the target) where a forward foreign key
//!   stands for its own column: `author`, `author__in` and `author_id` need no join.
//! - `isnull` may follow any relation in a filter: on a to-many relation it means "has
//!   none"; other lookups need a field. A foreign key's own column takes the lookups that
//!   make sense for a key (`exact in isnull gt gte lt lte ne range`, Django's related lookups).
//! - Lookups appear only in filters.
//! - `select_related` paths hold relations only, and not hidden ones (`skip_reverse`).
//!
//! Invariant: resolution borrows the graph and allocates only the hop list (inline up to
//! 4 hops) and, on error, the error.

use relq_graph::{
    FieldId, Model, ModelId, Relation, RelationGraph, RelationId, RelationKind, suggest,
};
use smallvec::SmallVec;

use crate::error::{PathError, PathErrorKind as K, PlanError, PlanErrorKind, QueryPart};
use crate::lookup::Lookup;
use crate::path::ParsedPath;

/// The lookups a foreign key takes on its own column (`author__in`): Django's related
/// lookups plus `ne` and `range`. Text lookups on a key are an error, not a silent cast.
const KEY_LOOKUPS: [Lookup; 9] = [
    Lookup::Exact,
    Lookup::In,
    Lookup::IsNull,
    Lookup::Gt,
    Lookup::Gte,
    Lookup::Lt,
    Lookup::Lte,
    Lookup::Ne,
    Lookup::Range,
];

/// What a path must lead to, which depends on where it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    /// Relations only (`select_related`).
    Relations,
    /// Relations, then a field (`order_by`, `fields`, `exclude_fields`).
    Field,
    /// Relations, then a field and an optional lookup, or a relation with `isnull`
    /// (`filter`, `exclude`).
    Filter,
}

/// A path checked against the graph: the relations to follow from the root, then the
/// field and lookup at the end. Only [`resolve`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedPath {
    hops: SmallVec<[RelationId; 4]>,
    field: Option<FieldId>,
    lookup: Option<Lookup>,
}

impl ResolvedPath {
    /// The relations to follow from the root, in order (each starts where the previous
    /// one arrives).
    pub fn hops(&self) -> &[RelationId] {
        &self.hops
    }

    /// The field compared or ordered by, on the model the hops arrive at; `None` for
    /// relation paths and for `isnull` on a to-many relation.
    pub fn field(&self) -> Option<FieldId> {
        self.field
    }

    /// The lookup the path names (filters only).
    pub fn lookup(&self) -> Option<Lookup> {
        self.lookup
    }

    /// The lookup, `exact` when the path names none.
    pub fn lookup_or_exact(&self) -> Lookup {
        self.lookup.unwrap_or(Lookup::Exact)
    }
}

/// The paths of one query, resolved from its root model: each error names the part of
/// the query the path came from (a [`PlanErrorKind::Path`]).
#[derive(Clone, Copy)]
pub(crate) struct QueryPaths<'g> {
    pub(crate) graph: &'g RelationGraph,
    pub(crate) root: ModelId,
}

impl QueryPaths<'_> {
    /// `text`, given in `part` (an ordering may start with `-`): whether it is
    /// descending, and the path.
    pub(crate) fn resolve(
        &self,
        part: QueryPart,
        text: &str,
        kind: PathKind,
    ) -> Result<(bool, ResolvedPath), PlanError> {
        let parsed = if part == QueryPart::OrderBy {
            ParsedPath::parse_ordering(text)
        } else {
            ParsedPath::parse(text)
        };
        parsed
            .and_then(|p| Ok((p.is_descending(), resolve(self.graph, self.root, &p, kind)?)))
            .map_err(|error| PlanError::new(PlanErrorKind::Path { part, error }))
    }
}

/// Resolves `path` from the model `root`.
///
/// ```
/// use relq_graph::SchemaDef;
/// use relq_plan::{ParsedPath, PathKind, resolve};
/// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
/// let class = graph.model_by_name("SchoolClass").unwrap().id();
/// let path = ParsedPath::parse("students__category")?;
/// let resolved = resolve(&graph, class, &path, PathKind::Relations)?;
/// assert_eq!(resolved.hops().len(), 2);
///
/// let typo = ParsedPath::parse("teacher__category")?;
/// let err = resolve(&graph, class, &typo, PathKind::Relations).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unknown relation `teacher` on model `SchoolClass` (segment 1, byte 0 of \
///      `teacher__category`); did you mean `teachers`?"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A [`PathError`] naming the segment, its byte position and the rule (see the module
/// docs): an unknown relation, field or lookup (with a suggestion where one is close), a
/// lookup on a relation that does not take it or outside a filter, a relation where a
/// field is required, a field where a relation is required, a field followed by more
/// segments, or a hidden relation in a relations path.
///
/// # Panics
/// If `root` is not a model of `graph` (ids are only made by a graph; never for any path
/// text).
pub fn resolve(
    graph: &RelationGraph,
    root: ModelId,
    path: &ParsedPath<'_>,
    kind: PathKind,
) -> Result<ResolvedPath, PathError> {
    let segments = path.segments();
    let err = |i: usize, k: K| PathError::new(path.text(), segments[i].start, Some(i + 1), k);
    let mut model = graph.model(root);
    let mut hops = SmallVec::new();
    for (i, seg) in segments.iter().enumerate() {
        let rest = &segments[i + 1..];
        // `pk` is reserved for the primary key of any model (no field may be named so).
        let field = match seg.name {
            "pk" => Some(model.primary_key()),
            name => model.field(name),
        };
        if let Some(field) = field {
            // Each arm below returns, so the hops move out instead of being copied.
            let done = move |lookup| ResolvedPath {
                hops,
                field: Some(field.id()),
                lookup,
            };
            return match (kind, rest) {
                (PathKind::Relations, _) => Err(err(
                    i,
                    K::RelationRequired {
                        model: model.name().to_owned(),
                        name: seg.name.to_owned(),
                    },
                )),
                (_, []) => Ok(done(None)),
                (PathKind::Filter, [next]) => match Lookup::parse(next.name) {
                    Some(lookup) => Ok(done(Some(lookup))),
                    None => Err(err(
                        i + 1,
                        K::UnknownLookup {
                            field: format!("{}.{}", model.name(), field.name()),
                            name: next.name.to_owned(),
                            suggestion: suggest(next.name, Lookup::ALL.map(Lookup::name))
                                .map(str::to_owned),
                        },
                    )),
                },
                (PathKind::Field, [next]) if Lookup::parse(next.name).is_some() => Err(err(
                    i + 1,
                    K::LookupNotAllowed {
                        lookup: next.name.to_owned(),
                    },
                )),
                (_, [next, ..]) => Err(err(
                    i + 1,
                    K::FieldNotRelation {
                        field: format!("{}.{}", model.name(), field.name()),
                        next: next.name.to_owned(),
                    },
                )),
            };
        }
        let Some(relation) = model.relation(seg.name) else {
            return Err(err(i, unknown(model, seg.name, kind)));
        };
        let fk_field = match relation.kind() {
            RelationKind::ForeignKey => relation.foreign_key_field().map(|f| f.id()),
            _ => None,
        };
        match rest {
            // A field or filter path ending at a relation: a forward foreign key stands
            // for its own column; a to-many relation needs a field named.
            [] if kind != PathKind::Relations => {
                return match fk_field {
                    Some(field) => Ok(ResolvedPath {
                        hops,
                        field: Some(field),
                        lookup: None,
                    }),
                    None => Err(err(
                        i,
                        K::FieldRequired {
                            relation: label(relation),
                            target_pk: relation.target().primary_key().name().to_owned(),
                        },
                    )),
                };
            }
            // A final lookup on the relation itself (the target has no such name).
            [last] if !names_on(relation.target(), last.name) => {
                if let Some(lookup) = Lookup::parse(last.name) {
                    let field = match (kind, fk_field) {
                        (PathKind::Filter, Some(field)) if KEY_LOOKUPS.contains(&lookup) => {
                            Some(field)
                        }
                        (PathKind::Filter, None) if lookup == Lookup::IsNull => {
                            hops.push(relation.id());
                            None
                        }
                        (PathKind::Filter, _) => {
                            return Err(err(i + 1, lookup_on(relation, lookup)));
                        }
                        _ => {
                            return Err(err(
                                i + 1,
                                K::LookupNotAllowed {
                                    lookup: lookup.name().to_owned(),
                                },
                            ));
                        }
                    };
                    return Ok(ResolvedPath {
                        hops,
                        field,
                        lookup: Some(lookup),
                    });
                }
            }
            _ => {}
        }
        if kind == PathKind::Relations && relation.is_hidden() {
            return Err(err(
                i,
                K::HiddenRelation {
                    relation: label(relation),
                },
            ));
        }
        hops.push(relation.id());
        model = relation.target();
    }
    Ok(ResolvedPath {
        hops,
        field: None,
        lookup: None,
    })
}

/// `Model.relation`, as messages name a relation.
fn label(relation: Relation<'_>) -> String {
    format!("{}.{}", relation.source().name(), relation.name())
}

fn names_on(model: Model<'_>, name: &str) -> bool {
    model.field(name).is_some() || model.relation(name).is_some()
}

fn lookup_on(relation: Relation<'_>, lookup: Lookup) -> K {
    K::LookupOnRelation {
        relation: label(relation),
        lookup: lookup.name().to_owned(),
        target_pk: relation.target().primary_key().name().to_owned(),
    }
}

/// The error for a name that is neither a field nor a relation of `model`.
fn unknown(model: Model<'_>, name: &str, kind: PathKind) -> K {
    let relations = model.relations().map(|r| r.name());
    if kind == PathKind::Relations {
        return K::UnknownRelation {
            model: model.name().to_owned(),
            name: name.to_owned(),
            suggestion: suggest(name, relations).map(str::to_owned),
        };
    }
    K::UnknownField {
        model: model.name().to_owned(),
        name: name.to_owned(),
        suggestion: suggest(name, model.fields().map(|f| f.name()).chain(relations))
            .map(str::to_owned),
    }
}
