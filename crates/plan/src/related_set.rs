//! A related set, planned: the owner of a query ([`Owner`]) checked against the graph
//! into a [`RelatedSet`]: the relation from the owner's model to the roots and the
//! owner's key, typed by its primary key.
//!
//! Rules: the owner's model and relation must exist (the usual unknown-model and
//! unknown-relation errors, with did-you-mean); the relation may be hidden from loading
//! (`skip_reverse`), since it is named on the owner's model; it must be to-many and
//! reach the query's model; the key must be a value of the owner's primary key kind (the
//! conversion filters use).
//!
//! Invariant: planning the owner adds nothing to the join tree but, for a many-to-many
//! relation, the root's through table (alias `t1`, [`JoinTreeBuilder::through_root`]).
//!
//! [`JoinTreeBuilder::through_root`]: crate::JoinTreeBuilder::through_root

use relq_graph::{ModelId, RelationGraph, RelationId, suggest};

use crate::error::{PathError, PathErrorKind, PlanError, PlanErrorKind, QueryPart};
use crate::owner::Owner;
use crate::value::{Value, ValueKind};
use crate::value::{describe_json as describe, expected, typed};

/// The roots of a query with an owner: the records `relation` reaches from the owner
/// record whose primary key is `key` ([`Plan::owner`](crate::Plan::owner)).
///
/// How the SQL stage restricts the roots to them, wherever it selects roots (the root
/// table, the root page, a re-selection of the roots): a reverse foreign key compares
/// the root's key column with `key` (`t0.fk = ?`); a many-to-many relation joins its
/// through table to the root (`INNER JOIN through AS t1 ON t1.target_key = t0.pk AND
/// t1.source_key = ?`), whose own fields the roots then carry.
#[derive(Clone, Debug, PartialEq)]
pub struct RelatedSet {
    /// The relation from the owner's model to the roots' (to-many).
    pub relation: RelationId,
    /// The owner's primary key.
    pub key: Value,
}

/// Checks `owner` against `graph` for a query rooted at `root`.
///
/// # Errors
/// [`PlanErrorKind::UnknownModel`] for the owner's model; [`PlanErrorKind::Path`] (part
/// `owner`) with [`PathErrorKind::UnknownRelation`] for its relation;
/// [`PlanErrorKind::OwnerToOne`], [`PlanErrorKind::OwnerTarget`]; and
/// [`PlanErrorKind::FilterValue`] (part `owner`) for a key of the wrong kind.
pub(crate) fn related_set(
    graph: &RelationGraph,
    root: ModelId,
    owner: &Owner,
) -> Result<RelatedSet, PlanError> {
    let model = graph.model_by_name(&owner.model).ok_or_else(|| {
        PlanError::new(PlanErrorKind::UnknownModel {
            name: owner.model.clone(),
            suggestion: suggest(&owner.model, graph.models().map(|m| m.name())).map(str::to_owned),
        })
    })?;
    let relation = model.relation(&owner.relation).ok_or_else(|| {
        let names: Vec<&str> = model.relations().map(|r| r.name()).collect();
        let error = PathError::new(
            &owner.relation,
            0,
            Some(1),
            PathErrorKind::UnknownRelation {
                model: model.name().to_owned(),
                name: owner.relation.clone(),
                suggestion: suggest(&owner.relation, names).map(str::to_owned),
            },
        );
        PlanError::new(PlanErrorKind::Path {
            part: QueryPart::Owner,
            error,
        })
    })?;
    let target = relation.target();
    if !relation.is_to_many() {
        return Err(PlanError::new(PlanErrorKind::OwnerToOne {
            owner: model.name().to_owned(),
            relation: relation.name().to_owned(),
            target: target.name().to_owned(),
        }));
    }
    if target.id() != root {
        return Err(PlanError::new(PlanErrorKind::OwnerTarget {
            owner: model.name().to_owned(),
            relation: relation.name().to_owned(),
            target: target.name().to_owned(),
            model: graph.model(root).name().to_owned(),
        }));
    }
    let pk = model.primary_key();
    let kind = ValueKind::of(pk.ty());
    let key = typed(kind, &owner.pk).ok_or_else(|| {
        PlanError::new(PlanErrorKind::FilterValue {
            part: QueryPart::Owner,
            path: format!("{}.{}", model.name(), pk.name()),
            expected: expected(kind),
            found: describe(&owner.pk),
        })
    })?;
    Ok(RelatedSet {
        relation: relation.id(),
        key,
    })
}

#[cfg(test)]
mod tests {
    use relq_graph::SchemaDef;

    use super::*;
    use crate::{Cardinality, Query, plan};

    fn blog() -> RelationGraph {
        SchemaDef::from_toml(include_str!("../../../schemas/blog.toml"))
            .and_then(|d| d.build())
            .expect("valid sample")
    }

    fn error(query: &Query) -> PlanErrorKind {
        plan(&blog(), query).expect_err("fails").kind().clone()
    }

    #[test]
    fn a_many_to_many_set_carries_its_through_row_on_the_root() {
        let graph = blog();
        let q = Query::new("Category").owner(Owner::new("Post", 3, "categories"));
        let p = plan(&graph, &q).expect("plans");
        let set = p.owner().expect("a related set");
        assert_eq!(graph.relation(set.relation).name(), "categories");
        assert_eq!(set.key, Value::Int(3));
        let root = &p.extraction.nodes[0];
        assert_eq!(root.cardinality, Cardinality::Root);
        let through = root.through.as_ref().expect("the through row");
        assert_eq!(&*through.model, "PostCategory");
        let names: Vec<&str> = through.columns.iter().map(|c| &*c.field).collect();
        assert_eq!(names, ["weight"]);
        assert_eq!(
            p.tree
                .node(crate::NodeId::ROOT)
                .through_alias()
                .map(|a| a.to_string()),
            Some("t1".into())
        );
        assert_eq!(p.tree.next_alias(), 2);
    }

    #[test]
    fn a_reverse_foreign_key_set_has_no_through_row() {
        let q = Query::new("Post").owner(Owner::new("Author", 1, "posts"));
        let p = plan(&blog(), &q).expect("plans");
        assert!(p.owner().is_some());
        assert!(p.extraction.nodes[0].through.is_none());
        assert_eq!(p.tree.node(crate::NodeId::ROOT).through_alias(), None);
    }

    #[test]
    fn an_owner_must_name_a_to_many_relation_reaching_the_querys_model() {
        let k = error(&Query::new("Category").owner(Owner::new("Post", 1, "posts")));
        assert!(
            matches!(&k, PlanErrorKind::Path { part: QueryPart::Owner, error }
                if matches!(error.kind(), PathErrorKind::UnknownRelation { suggestion: None, .. })),
            "{k:?}"
        );
        let k = error(&Query::new("Category").owner(Owner::new("Post", 1, "categorys")));
        assert_eq!(
            PlanError::new(k).to_string(),
            "in owner: unknown relation `categorys` on model `Post` (segment 1, byte 0 of `categorys`); did you mean `categories`?"
        );
        let k = error(&Query::new("Category").owner(Owner::new("Pots", 1, "categories")));
        assert!(
            matches!(&k, PlanErrorKind::UnknownModel { suggestion: Some(s), .. } if s == "Post"),
            "{k:?}"
        );
        let k = error(&Query::new("Post").owner(Owner::new("Post", 1, "categories")));
        assert_eq!(
            PlanError::new(k).to_string(),
            "in owner: `Post.categories` reaches `Category`, not `Post`; root the query at `Category`"
        );
        let k = error(&Query::new("Author").owner(Owner::new("Post", 1, "author")));
        assert!(matches!(k, PlanErrorKind::OwnerToOne { .. }), "{k:?}");
        let k = error(&Query::new("Post").owner(Owner::new("Author", "one", "posts")));
        assert_eq!(
            PlanError::new(k).to_string(),
            "in owner: `Author.id` takes an integer; got the string \"one\""
        );
    }

    #[test]
    fn a_hidden_reverse_side_still_names_a_set() {
        let toml = r#"
            [[models]]
            name = "News"
            fields = [{ name = "id", type = "integer", primary_key = true }]
            [[models]]
            name = "Post"
            fields = [{ name = "id", type = "integer", primary_key = true }]
            foreign_keys = [{ name = "news", to = "News", skip_reverse = true }]
        "#;
        let graph = SchemaDef::from_toml(toml)
            .and_then(|d| d.build())
            .expect("valid");
        let q = Query::new("Post").owner(Owner::new("News", 1, "posts"));
        assert!(plan(&graph, &q).is_ok());
        let hidden = Query::new("News").select_related("posts");
        assert!(plan(&graph, &hidden).is_err(), "hidden from loading");
    }
}
