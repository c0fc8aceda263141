//! `CompileCache`: on every corpus case and dialect, the cached compile of the case's
//! query, and of the same query with other values (every number moved, every text and
//! date of a parameter changed within its form), has the full compile's statements,
//! parameters and root-key runs; a good share of the shapes are bound from the cache
//! (the test fails if none are); values that decide the SQL (an empty or `%` text of
//! `contains`, `null`, an `in` list of another length) never reuse another shape.

use std::sync::Arc;

use relq::plan::{Filter, PlanOptions, Query, Value};
use relq::sql::CompileCache;
use relq::{Compiled, compile};
use relq_tests::corpus::{cases, dialects};
use serde_json::Value as Json;

/// `query` with every parameter-like value changed within its form.
fn other_values(query: &Query) -> Query {
    fn change(value: &mut Json) {
        match value {
            Json::Number(n) if n.is_f64() => *value = Json::from(n.as_f64().unwrap_or(0.0) + 0.5),
            Json::Number(n) => *value = Json::from(n.as_i64().unwrap_or(0) + 7),
            Json::String(s)
                if s.len() >= 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-' =>
            {
                // A date or date-time: four years on (a leap year stays one).
                let year: i32 = s[..4].parse().unwrap_or(2000);
                *s = format!("{}{}", year + 4, &s[4..]);
            }
            Json::String(s) if s.parse::<f64>().is_ok() => *s = format!("1{s}"),
            Json::String(s) if s.len() == 36 && s.matches('-').count() == 4 => {
                s.replace_range(35.., if s.ends_with('0') { "1" } else { "0" });
            }
            Json::String(s) if s.len() >= 8 && s.as_bytes()[2] == b':' => {
                s.replace_range(..2, if s.starts_with("00") { "01" } else { "00" });
            }
            Json::String(s) => s.push('x'),
            Json::Array(items) => items.iter_mut().for_each(change),
            _ => {}
        }
    }
    fn filter(f: &mut Filter) {
        match f {
            Filter::Condition { value, .. } => change(value),
            Filter::And(parts) | Filter::Or(parts) => parts.iter_mut().for_each(filter),
            Filter::Not(part) => filter(part),
        }
    }
    let mut q = query.clone();
    q.filter.iter_mut().for_each(filter);
    q.exclude.iter_mut().for_each(filter);
    for r in &mut q.select_related {
        r.filter.iter_mut().for_each(filter);
    }
    if let Some(owner) = &mut q.owner {
        change(&mut owner.pk);
    }
    q
}

/// The statements as a driver runs them, with three root keys where they are bound.
fn runs(compiled: &Compiled<'_>) -> Vec<(String, Vec<Value>)> {
    let keys = [Value::Int(1), Value::Int(2), Value::Int(3)];
    (0..compiled.statements.len())
        .flat_map(|i| compiled.runs(i, &keys))
        .map(|r| (r.sql.into_owned(), r.params.into_owned()))
        .collect()
}

#[test]
fn cached_compiles_are_full_compiles_on_every_corpus_case_and_dialect() {
    let cases = cases().expect("the corpus reads");
    let (mut bound, mut compared) = (0, 0);
    for case in &cases {
        let graph = case.graph().expect("the case's schema builds");
        for (name, dialect) in dialects() {
            let mut cache = CompileCache::new(&graph, dialect.as_ref(), PlanOptions::default());
            let Ok(full) = compile(&graph, &case.query, dialect.as_ref()) else {
                // The corpus's refusals: the cache refuses the same way.
                assert!(cache.compile(&case.query).is_err(), "{}, {name}", case.name);
                continue;
            };
            let first = cache.compile(&case.query).expect("compiles");
            assert_eq!(runs(&first), runs(&full), "{}, {name}", case.name);
            let other = other_values(&case.query);
            let Ok(full) = compile(&graph, &other, dialect.as_ref()) else {
                continue;
            };
            let cached = cache.compile(&other).expect("compiles");
            assert_eq!(
                runs(&cached),
                runs(&full),
                "{}, {name}: other values",
                case.name
            );
            for (c, f) in cached.statements.iter().zip(&full.statements) {
                assert_eq!(
                    c.debug(dialect.as_ref()),
                    f.debug(dialect.as_ref()),
                    "{}",
                    case.name
                );
            }
            compared += 1;
            if Arc::ptr_eq(&cached.plan, &first.plan) {
                bound += 1;
            }
        }
    }
    eprintln!("{bound} of {compared} compiles with other values bound from the cache");
    assert!(compared > 100, "{compared} queries compared");
    assert!(
        bound * 2 > compared,
        "{bound} of {compared} bound from the cache"
    );
}

#[test]
fn values_that_decide_the_sql_are_the_shape() {
    let graph = relq_sample::Sample::School.graph().expect("builds");
    let dialect = relq::Sqlite::default();
    let mut cache = CompileCache::new(&graph, &dialect, PlanOptions::default());
    let q = |f: Filter| Query::new("Student").filter(f);
    let queries = [
        q(Filter::new("name__contains", "ab")),
        q(Filter::new("name__contains", "")),
        q(Filter::new("name__contains", "5%_!")),
        q(Filter::new("name__iexact", "AB")),
        q(Filter::new("name__iexact", "a_b")),
        q(Filter::new("category_id", Json::Null)),
        q(Filter::new("category_id", 3)),
        q(Filter::new("id__in", vec![1, 2])),
        q(Filter::new("id__in", vec![1, 2, 3])),
        q(Filter::new("id__in", Vec::<i64>::new())),
        q(Filter::new("category__isnull", true)),
        q(Filter::new("category__isnull", false)),
    ];
    for _ in 0..2 {
        for query in &queries {
            let full = compile(&graph, query, &dialect).expect("compiles");
            let cached = cache.compile(query).expect("compiles");
            assert_eq!(runs(&cached), runs(&full), "{query:?}");
        }
    }
    // Each query its own shape (every text of a text lookup is one), none bound from
    // another's.
    assert_eq!(cache.shapes(), queries.len());
}
