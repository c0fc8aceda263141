//! relq-benches: the fixtures the benchmarks in `benches/` share, so each bench file
//! measures one subject (`rebuild.rs`: rows to records; later: compile latency, end to
//! end) on the same data.
//!
//! Invariant: fixtures are deterministic (no randomness, no clock), so every run and
//! every machine measures the same work.

pub mod writes;

use relq_graph::{FieldDef, FieldType, ForeignKeyDef, ManyToManyDef, ModelDef, SchemaDef};
use relq_plan::{ExtractionPlan, Filter, OrderBy, Query, Strategy, Value, plan};
use relq_sample::Sample;
use std::hint::black_box;

use relq_rows::{Link, Record, Related, Visitor, flatten};

/// The compile benches' six-table query over `schemas/school.toml`: `SchoolClass` with
/// `department`, `teachers__category` and `students__category` (6 tables, 5 aliased
/// joins, `categories` twice), ordered by `-name`, `LIMIT 10 OFFSET 20` (so the roots are
/// paginated in a derived table), joined.
pub fn six_tables() -> Query {
    Query::new("SchoolClass")
        .select_related("department")
        .select_related("teachers__category")
        .select_related("students__category")
        .order_by(OrderBy::new("-name"))
        .limit(10)
        .offset(20)
        .strategy(Strategy::Joined)
}

/// [`six_tables`] keeping only the classes of department `department`: the same
/// statement, whose filter value changes from query to query (the compile cache's case).
pub fn six_tables_filtered(department: i64) -> Query {
    six_tables().filter(Filter::new("department__id", department))
}

/// ormar's seed query (`SchoolClass` with `teachers__category` and
/// `students__category`, joined) keeping the classes `3k + 1`, `3k + 2` and `3k + 3`
/// (`id__in`, a list of 3 whose values change from query to query).
pub fn school_seed_filtered(k: i64) -> Query {
    Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .filter(Filter::new("id__in", [3 * k + 1, 3 * k + 2, 3 * k + 3]))
        .strategy(Strategy::Joined)
}

/// How many relations (both directions, as [`RelationGraph::relations`] counts them)
/// [`generated_300`] has.
///
/// [`RelationGraph::relations`]: relq_graph::RelationGraph::relations
pub const GENERATED_RELATIONS: usize = 300;

/// The compile benches' generated schema: 100 models `G00`..`G99` (tables `g00s`..,
/// fields `id`, `name`, `rank`), each with a foreign key `prev` to the model before it
/// (`G00`'s to `G99`: a ring; reverse `nexts`), and each even one a many-to-many
/// `peers` to the model 50 after it (reverse `peer_of`, a generated through model):
/// 100 foreign keys and 50 many-to-many relations, 300 relations in both directions.
pub fn generated_300() -> SchemaDef {
    let name = |i: usize| format!("G{:02}", i % 100);
    (0..100).fold(SchemaDef::new(), |schema, i| {
        let mut model = ModelDef::new(name(i))
            .pk("id", FieldType::Integer)
            .field(FieldDef::new("name", FieldType::text(100)))
            .field(FieldDef::new("rank", FieldType::Integer))
            .foreign_key(ForeignKeyDef::new("prev", name(i + 99)).related_name("nexts"));
        if i % 2 == 0 {
            model = model
                .many_to_many(ManyToManyDef::new("peers", name(i + 50)).related_name("peer_of"));
        }
        schema.model(model)
    })
}

/// The compile benches' query over [`generated_300`]: `G50` with `prev__prev__prev`
/// (three foreign keys) and `peers__prev__prev` (a many-to-many, then two foreign
/// keys), keeping the roots whose `prev` is `prev` (a filter value that changes from
/// query to query), ordered by `-name`: 7 tables and the through table, joined.
pub fn generated_300_query(prev: i64) -> Query {
    Query::new("G50")
        .select_related("prev__prev__prev")
        .select_related("peers__prev__prev")
        .filter(Filter::new("prev__id", prev))
        .order_by(OrderBy::new("-name"))
        .strategy(Strategy::Joined)
}

/// ormar's school query over `schemas/school.toml`: `SchoolClass` with
/// `teachers__category` and `students__category` (15 columns a row), with the joined
/// strategy (one statement, the rows the fixtures flatten).
///
/// # Panics
/// Only if the shipped sample or query is broken, which relq's tests rule out.
pub fn school_plan() -> ExtractionPlan {
    let graph = SchemaDef::from_toml(include_str!("../../schemas/school.toml"))
        .and_then(|def| def.build())
        .expect("the shipped school sample is valid");
    let query = Query::new("SchoolClass")
        .select_related("teachers__category")
        .select_related("students__category")
        .strategy(Strategy::Joined);
    plan(&graph, &query)
        .expect("the school query plans")
        .extraction
}

/// The seed the load-strategy benchmarks generate their sample data with
/// (`relq_sample::generate(sample, scale, SEED)`).
pub const SEED: u64 = 1;

/// One query of the load-strategy benchmarks (`benches/strategies.rs`,
/// `examples/fetch_once.rs`): its name in the criterion id, its sample and the query.
pub struct Case {
    /// `school`, `page`, `filter`, `filter_page`, `blog` or `person`.
    pub name: &'static str,
    /// The sample whose data it reads.
    pub sample: Sample,
    /// The query, without a strategy.
    pub query: fn() -> Query,
}

/// The load-strategy benchmarks' queries: `school` (ormar's seed query), `page` (the
/// first 10 classes by name with their students), `filter` (the classes with a student
/// of one of the first 3 categories, a filter across the to-many relation, with their
/// students), `filter_page` (the first 10 of those by name), `blog` (posts with author and
/// categories, a many-to-many) and `person` (the tree: supervisor and
/// `employees__employees`).
pub const CASES: [Case; 6] = [
    Case {
        name: "school",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("teachers__category")
                .select_related("students__category")
        },
    },
    Case {
        name: "page",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("students")
                .order_by(OrderBy::new("name"))
                .limit(10)
        },
    },
    Case {
        name: "filter",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("students")
                .filter(Filter::new("students__category__id__lte", 3))
        },
    },
    Case {
        name: "filter_page",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("students")
                .filter(Filter::new("students__category__id__lte", 3))
                .order_by(OrderBy::new("name"))
                .limit(10)
        },
    },
    Case {
        name: "blog",
        sample: Sample::Blog,
        query: || {
            Query::new("Post")
                .select_related("author")
                .select_related("categories")
        },
    },
    Case {
        name: "person",
        sample: Sample::Person,
        query: || {
            Query::new("Person")
                .select_related("supervisor")
                .select_related("employees__employees")
        },
    },
];

/// How many classes, teachers per class and students per class; a joined statement
/// returns `classes × teachers × students` rows (sibling lists multiply).
#[derive(Clone, Copy, Debug)]
pub struct SchoolShape {
    /// Root records.
    pub classes: usize,
    /// Teachers per class.
    pub teachers: usize,
    /// Students per class.
    pub students: usize,
}

impl SchoolShape {
    /// 1 000 classes × 4 teachers × 25 students = 100 000 rows, holding 1 000 classes,
    /// 4 000 teachers (3 in 4 with a category), 25 000 students (6 in 7 with a category):
    /// 58 000 records in all.
    pub const ROWS_100K: SchoolShape = SchoolShape {
        classes: 1_000,
        teachers: 4,
        students: 25,
    };

    /// The rows a joined statement returns for this shape.
    pub fn rows(self) -> usize {
        self.classes * self.teachers * self.students
    }
}

/// Five categories, shared by reference (each attachment is its own record).
const CATEGORIES: [&str; 5] = ["mathematics", "languages", "sciences", "arts", "sports"];

/// A teacher or student: `id name schoolclass_id category_id` and its category, if any.
fn member(kind: &str, id: usize, class: usize, category: Option<usize>) -> Record {
    let int = |n: usize| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
    let category_record = category.map(|c| Record {
        fields: vec![int(c + 1), Value::Text(CATEGORIES[c].to_owned())],
        ..Record::default()
    });
    Record {
        fields: vec![
            int(id),
            Value::Text(format!("{kind} {id:06}")),
            int(class),
            category.map_or(Value::Null, |c| int(c + 1)),
        ],
        through: Vec::new(),
        relations: vec![Related::One(category_record)],
    }
}

/// The school records of `shape`, ids counting from 1; every 4th teacher and every 7th
/// student has no category.
pub fn school_records(shape: SchoolShape) -> Vec<Record> {
    (1..=shape.classes)
        .map(|class| {
            let teachers = (0..shape.teachers)
                .map(|k| {
                    let id = (class - 1) * shape.teachers + k + 1;
                    member("teacher", id, class, (k % 4 != 3).then_some(id % 5))
                })
                .collect();
            let students = (0..shape.students)
                .map(|k| {
                    let id = (class - 1) * shape.students + k + 1;
                    member("student", id, class, (k % 7 != 0).then_some(id % 5))
                })
                .collect();
            Record {
                fields: vec![
                    Value::Int(i64::try_from(class).unwrap_or(i64::MAX)),
                    Value::Text(format!("class {class:04}")),
                    Value::Int(i64::try_from(class % 10 + 1).unwrap_or(i64::MAX)),
                ],
                through: Vec::new(),
                relations: vec![Related::Many(teachers), Related::Many(students)],
            }
        })
        .collect()
}

/// The rows a joined statement returns for `records`: ordered by class, teacher,
/// student, as the SQL orders them.
///
/// # Panics
/// Only if the records do not fit `plan`, which [`school_records`] rules out.
pub fn school_rows(plan: &ExtractionPlan, records: &[Record]) -> Vec<Vec<Value>> {
    flatten(plan, records).expect("the school records fit the school plan")
}

/// A visitor that builds nothing: it counts the values and links it is handed, so a
/// benchmark of it measures the rebuild pass alone.
#[derive(Debug, Default)]
pub struct Count(usize);

impl Visitor for Count {
    type Id = ();
    type Output = usize;

    fn record(&mut self, _node: usize, fields: &mut [Value]) {
        self.0 += black_box(fields).len();
    }

    fn attach(&mut self, _parent: (), _child: (), link: Link<'_>) {
        self.0 += black_box(link.relation);
    }

    fn finish(self) -> usize {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_100k_shape_makes_100k_rows_that_rebuild_into_its_records() {
        let shape = SchoolShape {
            classes: 10,
            ..SchoolShape::ROWS_100K
        };
        let plan = school_plan();
        let records = school_records(shape);
        let rows = school_rows(&plan, &records);
        assert_eq!(rows.len(), shape.rows());
        assert_eq!(SchoolShape::ROWS_100K.rows(), 100_000);
        assert_eq!(relq_rows::rebuild(&plan, &rows), Ok(records));
    }

    #[test]
    fn the_generated_schema_has_300_relations_and_its_query_plans() {
        let graph = generated_300()
            .build()
            .expect("the generated schema is valid");
        assert_eq!(graph.relations().len(), GENERATED_RELATIONS);
        assert_eq!(
            graph.models().len(),
            150,
            "100 models and 50 through models"
        );
        plan(&graph, &generated_300_query(7)).expect("the generated query plans");
    }
}
