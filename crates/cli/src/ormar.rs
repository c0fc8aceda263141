//! A [`Query`] written as the ormar call that asks for it, for `relq demo` to print above
//! each query: `SchoolClass.objects.select_related(["teachers__category"]).all()`.
//!
//! Invariant: every part of the query is shown (a query differing in any field prints
//! differently), in ormar's order of QuerySet methods; values are Python literals.

use relq::{Filter, Query};
use serde_json::Value as Json;

/// `Model.objects` then one method per part of `query`, then `.all()`.
pub(crate) fn call(query: &Query) -> String {
    let mut call = format!("{}.objects", query.model);
    let list = |paths: &[String]| python(&Json::from(paths.to_vec()));
    if !query.select_related.is_empty() {
        // A nested list with options prints in its JSON object form (ormar has no such call).
        let related = serde_json::to_value(&query.select_related).unwrap_or(Json::Null);
        call += &format!(".select_related({})", python(&related));
    }
    for filter in &query.filter {
        call += &format!(".filter({})", arguments(filter));
    }
    for filter in &query.exclude {
        call += &format!(".exclude({})", arguments(filter));
    }
    if !query.fields.is_empty() {
        call += &format!(".fields({})", list(&query.fields));
    }
    if !query.exclude_fields.is_empty() {
        call += &format!(".exclude_fields({})", list(&query.exclude_fields));
    }
    if !query.order_by.is_empty() {
        let order: Vec<Json> = query
            .order_by
            .iter()
            .map(|o| serde_json::to_value(o).unwrap_or(Json::Null))
            .collect();
        call += &format!(".order_by({})", python(&Json::Array(order)));
    }
    if let Some(offset) = query.offset {
        call += &format!(".offset({offset})");
    }
    if let Some(limit) = query.limit {
        call += &format!(".limit({limit})");
    }
    call + ".all()"
}

/// The arguments of a `filter` / `exclude` call: a condition as a keyword argument
/// (`author__first_name="Bob"`), an AND of conditions as several, anything else as one
/// `ormar.and_` / `ormar.or_` / `~` expression.
fn arguments(filter: &Filter) -> String {
    match filter {
        Filter::And(parts) if parts.iter().all(|p| matches!(p, Filter::Condition { .. })) => {
            parts.iter().map(expression).collect::<Vec<_>>().join(", ")
        }
        other => expression(other),
    }
}

/// A filter as an ormar expression. Python wants positional arguments before keyword
/// ones, so a group lists its groups first, then its conditions.
fn expression(filter: &Filter) -> String {
    match filter {
        Filter::Condition { path, value } => format!("{path}={}", python(value)),
        Filter::And(parts) => format!("ormar.and_({})", group(parts)),
        Filter::Or(parts) => format!("ormar.or_({})", group(parts)),
        Filter::Not(part) => match &**part {
            condition @ Filter::Condition { .. } => {
                format!("~ormar.and_({})", expression(condition))
            }
            other => format!("~{}", expression(other)),
        },
    }
}

/// The parts of an `and_` / `or_`: groups, then conditions.
fn group(parts: &[Filter]) -> String {
    let (conditions, groups): (Vec<&Filter>, Vec<&Filter>) = parts
        .iter()
        .partition(|p| matches!(p, Filter::Condition { .. }));
    groups
        .into_iter()
        .chain(conditions)
        .map(expression)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON value as a Python literal: `None`, `True`, `False`, numbers, strings, lists
/// and dicts.
fn python(value: &Json) -> String {
    match value {
        Json::Null => "None".to_owned(),
        Json::Bool(true) => "True".to_owned(),
        Json::Bool(false) => "False".to_owned(),
        Json::Number(_) | Json::String(_) => value.to_string(),
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(python).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Object(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", Json::from(k.as_str()), python(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use relq::{Filter, OrderBy, Query};

    use super::call;

    #[test]
    fn ormars_example_reads_as_ormar_writes_it() {
        let query = Query::new("SchoolClass")
            .select_related("teachers__category")
            .select_related("students__category");
        assert_eq!(
            call(&query),
            r#"SchoolClass.objects.select_related(["teachers__category", "students__category"]).all()"#
        );
    }

    #[test]
    fn every_part_of_a_query_is_shown_with_python_values() {
        let query = Query::new("Post")
            .select_related("categories")
            .filter(Filter::or([
                Filter::and([Filter::new("id__gt", 3), Filter::new("id__lt", 9)]),
                Filter::new("author__first_name", "Bob"),
            ]))
            .filter(Filter::and([
                Filter::new("author__isnull", false),
                Filter::new("title__in", ["a", "b"]),
            ]))
            .exclude(!Filter::new("categories__name", serde_json::Value::Null))
            .exclude(!Filter::or([Filter::new("id", 1)]))
            .field("title")
            .exclude_field("author__last_name")
            .order_by(OrderBy::new("-title"))
            .offset(20)
            .limit(10);
        assert_eq!(
            call(&query),
            concat!(
                r#"Post.objects.select_related(["categories"])"#,
                r#".filter(ormar.or_(ormar.and_(id__gt=3, id__lt=9), author__first_name="Bob"))"#,
                r#".filter(author__isnull=False, title__in=["a", "b"])"#,
                r#".exclude(~ormar.and_(categories__name=None))"#,
                r#".exclude(~ormar.or_(id=1))"#,
                r#".fields(["title"]).exclude_fields(["author__last_name"])"#,
                r#".order_by(["-title"]).offset(20).limit(10).all()"#
            )
        );
    }
}
