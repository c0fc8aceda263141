//! Rebuilding records from rows: the school, blog, tagged and self-reference samples,
//! outer-join NULLs, first-appearance order, identity by parent, the visitor, streaming,
//! JSON, and flattening back to rows.

mod common;

use common::rows::{Person, school_row, t};
use relq_plan::{ExtractionPlan, Value};
use relq_rows::{
    Link, Rebuilder, Record, Related, Visitor, flatten, rebuild, rebuild_with, to_json,
};
use relq_tests::plans::SamplePlan;

const MATH: (i64, &str) = (1, "Math");
const ART: (i64, &str) = (2, "Art");

/// Class 1A: teachers Ann (Math) and Bob (none) × students Cid (Math) and Dee (Art), four
/// rows; class 2B: no teacher, student Eve (none); class 3C: teacher Fay (Art), no student.
fn school_rows() -> Vec<Vec<Value>> {
    let (ann, bob): (Person<'_>, Person<'_>) = ((1, "Ann", Some(MATH)), (2, "Bob", None));
    let (cid, dee): (Person<'_>, Person<'_>) = ((1, "Cid", Some(MATH)), (2, "Dee", Some(ART)));
    vec![
        school_row((1, "1A"), Some(ann), Some(cid)),
        school_row((1, "1A"), Some(ann), Some(dee)),
        school_row((1, "1A"), Some(bob), Some(cid)),
        school_row((1, "1A"), Some(bob), Some(dee)),
        school_row((2, "2B"), None, Some((3, "Eve", None))),
        school_row((3, "3C"), Some((3, "Fay", Some(ART))), None),
    ]
}

/// Field 1 of each record (the name), in order.
fn names(records: &[Record]) -> Vec<&Value> {
    records.iter().filter_map(|r| r.fields.get(1)).collect()
}

/// The records of a to-many relation.
fn many(record: &Record, relation: usize) -> &[Record] {
    match record.relations.get(relation) {
        Some(Related::Many(list)) => list,
        other => panic!("relation {relation} is not a list: {other:?}"),
    }
}

/// The record of a to-one relation.
fn one(record: &Record, relation: usize) -> Option<&Record> {
    match record.relations.get(relation) {
        Some(Related::One(one)) => one.as_ref(),
        other => panic!("relation {relation} is not to-one: {other:?}"),
    }
}

#[test]
fn school_rows_rebuild_into_classes_with_teachers_and_students() {
    let plan = SamplePlan::School.plan();
    let classes = rebuild(&plan, school_rows()).expect("well-formed rows");
    let json = to_json(&plan, &classes).expect("records fit the plan");
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).expect("prints"));
}

#[test]
fn sibling_lists_multiply_rows_but_each_child_appears_once() {
    let plan = SamplePlan::School.plan();
    let classes = rebuild(&plan, school_rows()).expect("well-formed rows");
    let class = &classes[0];
    assert_eq!(names(many(class, 0)), [&t("Ann"), &t("Bob")]);
    assert_eq!(names(many(class, 1)), [&t("Cid"), &t("Dee")]);
}

#[test]
fn empty_to_many_is_an_empty_list_and_missing_to_one_is_none() {
    let plan = SamplePlan::School.plan();
    let classes = rebuild(&plan, school_rows()).expect("well-formed rows");
    assert!(many(&classes[1], 0).is_empty(), "2B has no teachers");
    assert!(many(&classes[2], 1).is_empty(), "3C has no students");
    assert_eq!(
        one(&many(&classes[1], 1)[0], 0),
        None,
        "Eve has no category"
    );
    assert_eq!(
        one(&many(&classes[0], 0)[1], 0),
        None,
        "Bob has no category"
    );
    let json = to_json(&plan, &classes).expect("fits");
    assert_eq!(json[1]["teachers"], serde_json::json!([]));
    assert_eq!(json[1]["students"][0]["category"], serde_json::Value::Null);
}

#[test]
fn roots_and_children_keep_first_appearance_order() {
    let plan = SamplePlan::School.plan();
    let rows = [
        school_row((3, "3C"), None, Some((9, "Zed", None))),
        school_row((3, "3C"), None, Some((7, "Amy", None))),
        school_row((1, "1A"), None, None),
        school_row((3, "3C"), None, Some((8, "Max", None))),
        school_row((2, "2B"), None, None),
    ];
    let classes = rebuild(&plan, &rows).expect("well-formed rows");
    assert_eq!(names(&classes), [&t("3C"), &t("1A"), &t("2B")]);
    assert_eq!(
        names(many(&classes[0], 1)),
        [&t("Zed"), &t("Amy"), &t("Max")]
    );
}

#[test]
fn the_same_category_under_two_parents_is_two_records_and_a_revisit_is_one() {
    let plan = SamplePlan::School.plan();
    let rows = [
        school_row(
            (1, "1A"),
            Some((1, "Ann", Some(MATH))),
            Some((1, "Cid", Some(MATH))),
        ),
        school_row(
            (1, "1A"),
            Some((1, "Ann", Some(MATH))),
            Some((2, "Dee", Some(MATH))),
        ),
        // The same student 1 in another class is another record.
        school_row((2, "2B"), None, Some((1, "Cid", Some(MATH)))),
    ];
    let mut rebuilder = Rebuilder::new(&plan).expect("valid plan");
    for mut row in &rows {
        rebuilder.push(&mut row).expect("well-formed");
    }
    // 2 classes, Ann and her Math, Cid and Dee with a Math each, 2B's Cid with his Math.
    assert_eq!(rebuilder.records(), 10);
    let classes = rebuilder.finish().expect("no error");
    let math = |student: &Record| one(student, 0).map(|c| c.fields.clone());
    let students = many(&classes[0], 1);
    assert_eq!(math(&students[0]), math(&students[1]));
    assert_eq!(many(&classes[1], 1).len(), 1);
}

#[test]
fn blog_posts_rebuild_with_author_and_categories() {
    let plan = SamplePlan::Blog.plan();
    let post = |id, title: &str| [Value::Int(id), t(title), Value::Int(5)];
    let author = [Value::Int(5), t("Ada"), t("Lovelace")];
    // A category, then its through row's own field (`PostCategory.weight`).
    let category = |id, name: &str, weight| [Value::Int(id), t(name), Value::Int(weight)];
    let rows: Vec<Vec<Value>> = vec![
        [&post(1, "Notes")[..], &author, &category(10, "math", 3)].concat(),
        [&post(1, "Notes")[..], &author, &category(11, "engines", 1)].concat(),
        [
            &post(2, "Draft")[..],
            &author,
            &[Value::Null, Value::Null, Value::Null],
        ]
        .concat(),
    ];
    let posts = rebuild(&plan, &rows).expect("well-formed rows");
    let json = to_json(&plan, &posts).expect("fits");
    insta::assert_snapshot!(json.to_string(), @r#"[{"id":1,"title":"Notes","author_id":5,"author":{"id":5,"first_name":"Ada","last_name":"Lovelace"},"categories":[{"id":10,"name":"math","PostCategory":{"weight":3}},{"id":11,"name":"engines","PostCategory":{"weight":1}}]},{"id":2,"title":"Draft","author_id":5,"author":{"id":5,"first_name":"Ada","last_name":"Lovelace"},"categories":[]}]"#);
}

#[test]
fn many_to_many_children_carry_their_through_row() {
    let plan = SamplePlan::Tagged.plan();
    let rows = [
        vec![
            Value::Int(1),
            t("Notes"),
            t("rust"),
            t("Rust"),
            Value::Int(3),
        ],
        vec![Value::Int(1), t("Notes"), t("sql"), t("SQL"), Value::Null],
        vec![
            Value::Int(2),
            t("Talk"),
            t("rust"),
            t("Rust"),
            Value::Int(1),
        ],
    ];
    let posts = rebuild(&plan, &rows).expect("well-formed rows");
    assert_eq!(many(&posts[0], 0)[0].through, [Value::Int(3)]);
    assert_eq!(many(&posts[1], 0)[0].through, [Value::Int(1)]);
    let json = to_json(&plan, &posts).expect("fits");
    insta::assert_snapshot!(json.to_string(), @r#"[{"id":1,"title":"Notes","tags":[{"slug":"rust","label":"Rust","PostTag":{"weight":3}},{"slug":"sql","label":"SQL","PostTag":{"weight":null}}]},{"id":2,"title":"Talk","tags":[{"slug":"rust","label":"Rust","PostTag":{"weight":1}}]}]"#);
}

#[test]
fn self_reference_rebuilds_supervisor_and_employees_of_employees() {
    let plan = SamplePlan::Person.plan();
    let person = |id, name: &str, supervisor: Option<i64>| {
        [
            Value::Int(id),
            t(name),
            supervisor.map_or(Value::Null, Value::Int),
        ]
    };
    let none = [Value::Null, Value::Null, Value::Null];
    let rows: Vec<Vec<Value>> = vec![
        [
            person(1, "Boss", None),
            none.clone(),
            person(2, "Mid", Some(1)),
            person(3, "Dev", Some(2)),
        ]
        .concat(),
        [
            person(1, "Boss", None),
            none.clone(),
            person(2, "Mid", Some(1)),
            person(4, "Ops", Some(2)),
        ]
        .concat(),
        [
            person(2, "Mid", Some(1)),
            person(1, "Boss", None),
            person(3, "Dev", Some(2)),
            none.clone(),
        ]
        .concat(),
    ];
    let people = rebuild(&plan, &rows).expect("well-formed rows");
    let json = to_json(&plan, &people).expect("fits");
    insta::assert_snapshot!(json.to_string(), @r#"[{"id":1,"name":"Boss","supervisor_id":null,"supervisor":null,"employees":[{"id":2,"name":"Mid","supervisor_id":1,"employees":[{"id":3,"name":"Dev","supervisor_id":2},{"id":4,"name":"Ops","supervisor_id":2}]}]},{"id":2,"name":"Mid","supervisor_id":1,"supervisor":{"id":1,"name":"Boss","supervisor_id":null},"employees":[{"id":3,"name":"Dev","supervisor_id":2,"employees":[]}]}]"#);
}

/// An ORM's own types, built by a visitor straight from the rows.
#[derive(Debug, Default, PartialEq)]
struct Class {
    name: String,
    teachers: Vec<String>,
    students: Vec<Student>,
}

#[derive(Debug, Default, PartialEq)]
struct Student {
    name: String,
    category: Option<String>,
}

/// Where a record went: each record's id is its index in `names` and `places`.
#[derive(Clone, Copy)]
enum Place {
    Class(usize),
    Student(usize, usize),
    Elsewhere,
}

struct Classes<'p> {
    plan: &'p ExtractionPlan,
    names: Vec<String>,
    places: Vec<Place>,
    classes: Vec<Class>,
}

impl Visitor for Classes<'_> {
    type Id = usize;
    type Output = Vec<Class>;

    fn record(&mut self, node: usize, fields: &mut [Value]) -> usize {
        let name = match fields.get_mut(1).map(std::mem::take) {
            Some(Value::Text(name)) => name,
            _ => String::new(),
        };
        if node == 0 {
            self.classes.push(Class {
                name: name.clone(),
                ..Class::default()
            });
            self.places.push(Place::Class(self.classes.len() - 1));
        } else {
            self.places.push(Place::Elsewhere);
        }
        self.names.push(name);
        self.names.len() - 1
    }

    fn attach(&mut self, parent: usize, child: usize, link: Link<'_>) {
        let name = self.names[child].clone();
        match (
            self.plan.nodes[link.node].path.as_str(),
            self.places[parent],
        ) {
            ("teachers", Place::Class(c)) => self.classes[c].teachers.push(name),
            ("students", Place::Class(c)) => {
                let students = &mut self.classes[c].students;
                students.push(Student {
                    name,
                    category: None,
                });
                self.places[child] = Place::Student(c, students.len() - 1);
            }
            ("students__category", Place::Student(c, s)) => {
                self.classes[c].students[s].category = Some(name);
            }
            _ => {}
        }
    }

    fn finish(self) -> Vec<Class> {
        self.classes
    }
}

#[test]
fn a_visitor_builds_the_caller_s_own_types_in_one_pass() {
    let plan = SamplePlan::School.plan();
    let visitor = Classes {
        plan: &plan,
        names: Vec::new(),
        places: Vec::new(),
        classes: Vec::new(),
    };
    let classes = rebuild_with(&plan, school_rows(), visitor).expect("well-formed rows");
    let student = |name: &str, category: Option<&str>| Student {
        name: name.into(),
        category: category.map(Into::into),
    };
    assert_eq!(
        classes[0],
        Class {
            name: "1A".into(),
            teachers: vec!["Ann".into(), "Bob".into()],
            students: vec![student("Cid", Some("Math")), student("Dee", Some("Art"))],
        }
    );
    assert_eq!(classes[1].students, [student("Eve", None)]);
    assert_eq!(classes.len(), 3);
}

#[test]
fn flatten_multiplies_sibling_lists_and_leaves_missing_relations_null() {
    let plan = SamplePlan::School.plan();
    let rows = school_rows();
    let classes = rebuild(&plan, &rows).expect("well-formed rows");
    assert_eq!(flatten(&plan, &classes).expect("fits"), rows);
    assert_eq!(
        rebuild(&plan, flatten(&plan, &classes).expect("fits")),
        Ok(classes)
    );
}

#[test]
fn rows_of_any_row_type_rebuild_alike() {
    let plan = SamplePlan::Tagged.plan();
    let rows = [[
        Value::Int(1),
        t("Notes"),
        Value::Null,
        Value::Null,
        Value::Null,
    ]];
    let from_arrays = rebuild(&plan, rows.iter()).expect("arrays");
    let boxed: Vec<Box<[Value]>> = rows.iter().map(|r| r.to_vec().into_boxed_slice()).collect();
    assert_eq!(rebuild(&plan, boxed), Ok(from_arrays.clone()));
    let slices: Vec<&[Value]> = rows.iter().map(|r| &r[..]).collect();
    assert_eq!(rebuild(&plan, slices), Ok(from_arrays));
}

#[test]
fn no_rows_rebuild_into_no_records() {
    let plan = SamplePlan::School.plan();
    assert_eq!(rebuild(&plan, Vec::<Vec<Value>>::new()), Ok(Vec::new()));
    assert_eq!(to_json(&plan, &[]).expect("fits"), serde_json::json!([]));
}

#[test]
fn a_capacity_hint_of_any_size_changes_nothing_but_capacity() {
    let plan = SamplePlan::School.plan();
    let mut rebuilder = Rebuilder::new(&plan).expect("valid plan");
    rebuilder.reserve(usize::MAX);
    for mut row in school_rows() {
        rebuilder.push(&mut row).expect("well-formed");
    }
    assert_eq!(rebuilder.finish(), rebuild(&plan, school_rows()));
}
