//! The generator's promises (the crate's module doc): determinism, the documented counts
//! at scales 1 and 2, valid foreign keys, the NULL-category share, the childless rows,
//! the shape of the blog links and of the supervisor tree; and [`load`] on SQLite with
//! foreign keys enforced.

use std::collections::{HashMap, HashSet};

use relq::graph::RelationGraph;
use relq::{Database, Query, Value, compile};
use relq_sample::{Dataset, Sample, SampleError, generate, load};

fn data(sample: Sample, scale: u32) -> Dataset {
    generate(sample, scale, 42).expect("scale ≥ 1 generates")
}

fn rows<'d>(data: &'d Dataset, model: &str) -> &'d [Vec<Value>] {
    &data
        .table(model)
        .unwrap_or_else(|| panic!("no table `{model}`"))
        .rows
}

fn counts(data: &Dataset) -> Vec<(&str, usize)> {
    data.tables
        .iter()
        .map(|t| (t.model.as_str(), t.rows.len()))
        .collect()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("not an int: {other:?}"),
    }
}

/// The value of `field` in every row of `model`.
fn column<'d>(
    graph: &RelationGraph,
    data: &'d Dataset,
    model: &str,
    field: &str,
) -> Vec<&'d Value> {
    let m = graph.model_by_name(model).expect("model");
    let position = m
        .fields()
        .position(|f| f.name() == field)
        .unwrap_or_else(|| panic!("no field `{field}` on `{model}`"));
    rows(data, model).iter().map(|r| &r[position]).collect()
}

#[test]
fn the_same_seed_gives_the_same_rows_and_another_seed_others() {
    for sample in Sample::ALL {
        let a = generate(sample, 1, 7).expect("generates");
        assert_eq!(a, generate(sample, 1, 7).expect("generates"), "{sample:?}");
        assert_ne!(a, generate(sample, 1, 8).expect("generates"), "{sample:?}");
    }
}

#[test]
fn the_output_of_a_seed_is_fixed() {
    // Pins the RNG and the draw order: a change here changes every data set (and the
    // differential tests' data), so it must be deliberate.
    let school = data(Sample::School, 1);
    assert_eq!(
        rows(&school, "Student")[0],
        [
            Value::Int(1),
            Value::Text("Zoë smith".into()),
            Value::Int(100),
            Value::Int(5)
        ]
    );
    let person = data(Sample::Person, 1);
    assert_eq!(rows(&person, "Person")[0][2], Value::Null, "a root first");
}

#[test]
fn scale_zero_is_an_error() {
    let e = generate(Sample::Blog, 0, 1).err();
    assert!(matches!(e, Some(SampleError::ZeroScale)), "{e:?}");
}

#[test]
fn counts_at_scale_one_and_two_are_the_documented_ones() {
    for scale in [1, 2] {
        let n = scale as usize;
        assert_eq!(
            counts(&data(Sample::School, scale)),
            [
                ("Department", 5 * n),
                ("Category", 10 * n),
                ("SchoolClass", 100 * n),
                ("Student", 2700 * n),
                ("Teacher", 270 * n),
            ]
        );
        let blog = data(Sample::Blog, scale);
        let links = blog.table("PostCategory").map_or(0, |t| t.rows.len());
        assert_eq!(
            counts(&blog),
            [
                ("Author", 50 * n),
                ("Category", 20 * n),
                ("Post", 2000 * n),
                ("PostCategory", links),
            ]
        );
        // 0 to 4 per post, uniform: 2 on average; the band is many deviations wide.
        assert!(
            (1800 * n..=2200 * n).contains(&(links / 2)),
            "{links} links"
        );
        assert_eq!(counts(&data(Sample::Person, scale)), [("Person", 2000 * n)]);
    }
}

#[test]
fn rows_have_one_value_per_field_and_every_key_points_at_an_earlier_row() {
    for sample in Sample::ALL {
        for scale in [1, 2] {
            let graph = sample.graph().expect("sample builds");
            let data = data(sample, scale);
            assert_eq!(
                data.tables.len(),
                graph.models().len(),
                "{sample:?}: every model"
            );
            // (table, key) of every row inserted so far.
            let mut seen: HashSet<(&str, i64)> = HashSet::new();
            for table in &data.tables {
                let model = graph.model_by_name(&table.model).expect("a sample model");
                let pk = model
                    .fields()
                    .position(|f| f.is_primary_key())
                    .expect("a pk");
                // The key fields: forward foreign keys and a through model's two keys.
                let mut keys = Vec::new();
                for (i, field) in model.fields().enumerate() {
                    if let Some(fk) = field.foreign_key() {
                        keys.push((i, fk.target().name(), field.is_nullable()));
                    }
                }
                if let Some(m2m) = model.through_of() {
                    let through = m2m.through().expect("a through relation");
                    for (field, target) in [
                        (through.source_field, m2m.source()),
                        (through.target_field, m2m.target()),
                    ] {
                        let i = model.fields().position(|f| f.id() == field).expect("key");
                        keys.push((i, target.name(), false));
                    }
                }
                assert!(!keys.is_empty() || model.relations().count() > 0);
                for (r, row) in table.rows.iter().enumerate() {
                    assert_eq!(row.len(), model.fields().count(), "{} row {r}", table.model);
                    for &(i, target, nullable) in &keys {
                        match &row[i] {
                            Value::Null => assert!(nullable, "{} row {r}: NULL key", table.model),
                            v => assert!(
                                seen.contains(&(target, int(v))),
                                "{} row {r}: {target} {v:?} not inserted before",
                                table.model
                            ),
                        }
                    }
                    assert!(
                        seen.insert((model.name(), int(&row[pk]))),
                        "{} row {r}: duplicate key",
                        table.model
                    );
                }
            }
        }
    }
}

#[test]
fn about_one_category_in_twenty_is_null() {
    let graph = Sample::School.graph().expect("builds");
    let school = data(Sample::School, 1);
    let categories: Vec<&Value> = ["Student", "Teacher"]
        .into_iter()
        .flat_map(|m| column(&graph, &school, m, "category_id"))
        .collect();
    let nulls = categories.iter().filter(|v| ***v == Value::Null).count();
    let share = nulls as f64 / categories.len() as f64;
    assert!(
        (0.03..=0.07).contains(&share),
        "{nulls} of {}",
        categories.len()
    );
}

#[test]
fn some_classes_have_no_students_and_some_no_teachers() {
    let graph = Sample::School.graph().expect("builds");
    for scale in [1, 2] {
        let school = data(Sample::School, scale);
        let classes = |model| {
            let ids: HashSet<i64> = column(&graph, &school, model, "schoolclass_id")
                .into_iter()
                .map(int)
                .collect();
            ids.len()
        };
        let n = scale as usize;
        assert_eq!(classes("Student"), 90 * n, "classes with students");
        assert_eq!(classes("Teacher"), 90 * n, "classes with teachers");
        // Exactly 30 students in each class that has any.
        let mut per_class: HashMap<i64, usize> = HashMap::new();
        for class in column(&graph, &school, "Student", "schoolclass_id") {
            *per_class.entry(int(class)).or_default() += 1;
        }
        assert!(per_class.values().all(|&c| c == 30), "{per_class:?}");
    }
}

#[test]
fn names_are_non_ascii_and_duplicated_up_to_case() {
    let graph = Sample::School.graph().expect("builds");
    let school = data(Sample::School, 1);
    let names: Vec<&str> = column(&graph, &school, "Student", "name")
        .into_iter()
        .filter_map(|v| v.as_text())
        .collect();
    assert!(names.iter().any(|n| n.contains('日')));
    assert!(names.iter().any(|n| n.contains('ß')));
    assert!(names.iter().any(|n| n.contains('é')));
    let distinct: HashSet<&str> = names.iter().copied().collect();
    let folded: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    assert!(distinct.len() < names.len(), "exact duplicates");
    assert!(folded.len() < distinct.len(), "duplicates up to case");
    assert!(names.iter().all(|n| n.trim() == *n), "no edge spaces");
}

#[test]
fn blog_posts_have_zero_to_four_distinct_categories_and_some_authors_none() {
    let graph = Sample::Blog.graph().expect("builds");
    let blog = data(Sample::Blog, 1);
    let posts = column(&graph, &blog, "PostCategory", "post");
    let categories = column(&graph, &blog, "PostCategory", "category");
    let mut per_post: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (p, c) in posts.into_iter().zip(categories) {
        assert!(
            per_post.entry(int(p)).or_default().insert(int(c)),
            "a repeated link"
        );
    }
    assert!(per_post.values().all(|c| (1..=4).contains(&c.len())));
    let linked = per_post.len();
    assert!(
        linked < 2000 && linked > 1400,
        "{linked} posts with categories"
    );
    let weights = column(&graph, &blog, "PostCategory", "weight");
    assert!(weights.iter().all(|w| (1..=100).contains(&int(w))));
    let writers: HashSet<i64> = column(&graph, &blog, "Post", "author_id")
        .into_iter()
        .map(int)
        .collect();
    assert_eq!(writers.len(), 48, "authors 25 and 50 write nothing");
    let titles = column(&graph, &blog, "Post", "title");
    assert!(
        titles
            .iter()
            .filter_map(|t| t.as_text())
            .any(|t| t.contains('🦀')),
        "a character outside the BMP"
    );
}

#[test]
fn persons_form_a_four_level_tree() {
    let graph = Sample::Person.graph().expect("builds");
    let person = data(Sample::Person, 1);
    let ids = column(&graph, &person, "Person", "id");
    let supervisors = column(&graph, &person, "Person", "supervisor_id");
    let boss: HashMap<i64, Option<i64>> = ids
        .into_iter()
        .zip(supervisors)
        .map(|(id, s)| (int(id), (*s != Value::Null).then(|| int(s))))
        .collect();
    let depth = |mut id: i64| {
        let mut d = 0;
        while let Some(Some(s)) = boss.get(&id) {
            (id, d) = (*s, d + 1);
            assert!(d < 4, "deeper than 4 levels");
        }
        d
    };
    let mut per_level = [0; 4];
    for &id in boss.keys() {
        per_level[depth(id)] += 1;
    }
    assert_eq!(per_level, [10, 90, 400, 1500]);
    // Some employee ids are below their supervisor's.
    assert!(boss.iter().any(|(id, s)| s.is_some_and(|s| s > *id)));
}

#[test]
fn every_sample_loads_into_sqlite_with_foreign_keys_on() {
    for sample in Sample::ALL {
        let data = data(sample, 1);
        let mut db = Database::open("sqlite::memory:").expect("SQLite in memory");
        db.run("PRAGMA foreign_keys = ON", &[])
            .expect("foreign keys on");
        assert_eq!(load(&mut db, &data).expect("loads"), data.rows());
        let graph = sample.graph().expect("builds");
        for table in &data.tables {
            let compiled =
                compile(&graph, &Query::new(table.model.as_str()), db.dialect()).expect("compiles");
            let records = db.execute(&compiled).expect("runs");
            assert_eq!(records.len(), table.rows.len(), "{}", table.model);
        }
    }
}

#[test]
fn loading_a_dataset_naming_no_model_is_a_typed_error() {
    let mut data = data(Sample::Person, 1);
    data.tables[0].model = "People".to_owned();
    let mut db = Database::open("sqlite::memory:").expect("SQLite in memory");
    let e = load(&mut db, &data).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("the person sample has no model `People`")
    );
}
