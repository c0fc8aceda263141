//! [`generate`]: the rows of a sample, from a scale and a seed.
//!
//! Every count below is scale 1's; scale `n` multiplies each by `n` (the shapes repeat
//! per block of 20 classes, 50 authors, ...). Ids are `1..=count` per table.
//!
//! - **school**: 5 departments; 10 categories; 100 classes, each in a random department;
//!   in every block of 20 classes the 8th has no students, the 13th no teachers and the
//!   18th nobody (so 90 classes have students and 90 have teachers), and every other class
//!   has exactly 30 students and 3 teachers: 2700 students and 270 teachers, spread over
//!   their classes in a random order of ids. A student's or teacher's category is NULL
//!   with probability 1/20, otherwise uniform.
//! - **blog**: 50 authors, of whom every 25th writes nothing; 20 categories; 2000 posts,
//!   each by a uniformly chosen writing author; each post in 0 to 4 distinct categories
//!   (uniform count, so about 4000 `PostCategory` rows), each link with a `weight` from 1
//!   to 100.
//! - **person**: 2000 persons in a 4-level supervisor tree: 10 roots (no supervisor),
//!   90 on level 1, 400 on level 2 and 1500 on level 3, each supervised by a uniformly
//!   chosen person of the level above (so some have no employees). Ids are a random
//!   permutation, so an employee's id may be smaller than their supervisor's; rows are in
//!   level order, supervisors first.
//!
//! Names are drawn from small pools that hold non-ASCII text (`Émile`, `Straße`, `日本`,
//! `Nguyễn`, and `🦀` in titles) and mixed-case duplicates (`Anna`, `anna`, `ANNA`), so many rows share a name
//! exactly or up to case; no name has leading or trailing spaces.
//!
//! Invariant: the RNG is ChaCha8 seeded from the seed alone, and every draw goes through
//! rand's portable sampling, so the output is the same on every platform.

use rand::seq::{IndexedRandom, SliceRandom, index};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use relq::Value;

use crate::{Sample, SampleError};

/// The rows of every model of a sample (through models included), in foreign-key order:
/// a table comes after every table it references, and within a table a referenced row
/// comes before the rows that reference it.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The sample the rows belong to.
    pub sample: Sample,
    /// The scale they were generated at (≥ 1).
    pub scale: u32,
    /// The seed they were generated from.
    pub seed: u64,
    /// One table per model.
    pub tables: Vec<Table>,
}

/// The rows of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The model's name (`SchoolClass`), as in the sample's schema.
    pub model: String,
    /// One value per field of the model, in definition order (declared fields, then
    /// foreign-key fields, then a through model's key fields): what
    /// [`relq::Database::insert`] takes.
    pub rows: Vec<Vec<Value>>,
}

impl Dataset {
    /// The rows of `model`, if the dataset has that table.
    pub fn table(&self, model: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.model == model)
    }

    /// The number of rows over every table.
    pub fn rows(&self) -> usize {
        self.tables.iter().map(|t| t.rows.len()).sum()
    }
}

/// The rows of `sample` at `scale` (see the module doc for the counts and shapes), drawn
/// from `seed`: the same arguments give the same [`Dataset`] on every platform.
///
/// # Errors
/// [`SampleError::ZeroScale`] for scale 0.
pub fn generate(sample: Sample, scale: u32, seed: u64) -> Result<Dataset, SampleError> {
    if scale == 0 {
        return Err(SampleError::ZeroScale);
    }
    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(seed),
        n: scale as usize,
    };
    let tables = match sample {
        Sample::School => g.school(),
        Sample::Blog => g.blog(),
        Sample::Person => g.person(),
    };
    Ok(Dataset {
        sample,
        scale,
        seed,
        tables,
    })
}

/// Given names: non-ASCII, and one name in three cases.
const GIVEN: &[&str] = &[
    "Ada",
    "Alan",
    "Anna",
    "anna",
    "ANNA",
    "Chloé",
    "Émile",
    "Grace",
    "Jürgen",
    "Léa",
    "Linus",
    "Maëlle",
    "Ñico",
    "Søren",
    "Zoë",
    "Ørjan",
    "Ярослава",
    "Hana",
];

/// Family names: non-ASCII (`ß`, CJK, Vietnamese), an apostrophe, and one name in three
/// cases.
const FAMILY: &[&str] = &[
    "Müller",
    "müller",
    "MÜLLER",
    "Straße",
    "Weiß",
    "Dupont",
    "du Pont",
    "Nguyễn",
    "O'Brien",
    "日本",
    "山田",
    "Smith",
    "smith",
    "Łukasiewicz",
    "Åberg",
    "Zhang",
];

/// School departments.
const DEPARTMENTS: &[&str] = &["Science", "Arts", "Langues étrangères", "Sport", "science"];

/// Categories (of school pupils and teachers, and of blog posts).
const CATEGORIES: &[&str] = &[
    "Math",
    "math",
    "Art",
    "Music",
    "Sport",
    "Éco",
    "Ökologie",
    "日本語",
    "Zoology",
    "MUSIC",
    "Poetry",
    "Chess",
    "Robotics",
    "Drama",
    "Straßenbahn",
    "Café",
    "History",
    "history",
    "Latin",
    "Ελληνικά",
];

/// Words of blog post titles (one outside the Basic Multilingual Plane: four bytes in
/// UTF-8, MySQL's `utf8mb4`).
const WORDS: &[&str] = &[
    "🦀", "Notes", "on", "the", "The", "query", "Query", "planner", "joins", "Über", "naïve",
    "café", "日本", "in", "SQL", "sql", "rust", "Rust", "a", "A",
];

struct Generator {
    rng: ChaCha8Rng,
    /// The scale.
    n: usize,
}

fn int(i: usize) -> Value {
    // Row counts stay far below i64::MAX (a scale is a u32 times a few thousand).
    Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
}

fn text(s: String) -> Value {
    Value::Text(s)
}

/// The `i`-th (0-based) name of `pool`, numbered when the pool repeats (`Math 2`), so
/// names of scale-1 rows do not depend on the scale.
fn nth(pool: &[&str], i: usize) -> String {
    let name = pool[i % pool.len()];
    match i / pool.len() {
        0 => name.to_owned(),
        round => format!("{name} {}", round + 1),
    }
}

impl Generator {
    fn person_name(&mut self) -> String {
        let given = GIVEN.choose(&mut self.rng).copied().unwrap_or_default();
        let family = FAMILY.choose(&mut self.rng).copied().unwrap_or_default();
        format!("{given} {family}")
    }

    /// An id from `1..=count`.
    fn id(&mut self, count: usize) -> usize {
        self.rng.random_range(1..=count)
    }

    /// A category id from `1..=count`, or NULL with probability 1/20.
    fn category(&mut self, count: usize) -> Value {
        if self.rng.random_bool(0.05) {
            Value::Null
        } else {
            int(self.id(count))
        }
    }

    fn school(&mut self) -> Vec<Table> {
        let n = self.n;
        let (departments, categories, classes) = (5 * n, 10 * n, 100 * n);
        let department_rows = (0..departments)
            .map(|i| vec![int(i + 1), text(nth(DEPARTMENTS, i))])
            .collect();
        let category_rows = (0..categories)
            .map(|i| vec![int(i + 1), text(nth(CATEGORIES, i))])
            .collect();
        let letters = ["A", "B", "C", "D", "a", "É"];
        let class_rows = (0..classes)
            .map(|i| {
                let grade = self.rng.random_range(1..=12);
                let letter = letters.choose(&mut self.rng).copied().unwrap_or_default();
                vec![
                    int(i + 1),
                    text(format!("{grade}{letter}")),
                    int(self.id(departments)),
                ]
            })
            .collect();
        // The 8th of every 20 classes has no students, the 13th no teachers, the 18th nobody.
        let with_students: Vec<usize> = (0..classes)
            .filter(|i| !matches!(i % 20, 7 | 17))
            .map(|i| i + 1)
            .collect();
        let with_teachers: Vec<usize> = (0..classes)
            .filter(|i| !matches!(i % 20, 12 | 17))
            .map(|i| i + 1)
            .collect();
        let students = self.members(&with_students, 30, categories);
        let teachers = self.members(&with_teachers, 3, categories);
        vec![
            table("Department", department_rows),
            table("Category", category_rows),
            table("SchoolClass", class_rows),
            table("Student", students),
            table("Teacher", teachers),
        ]
    }

    /// `per_class` rows `[id, name, schoolclass_id, category_id]` for each class of
    /// `classes`, the classes shuffled over the ids.
    fn members(
        &mut self,
        classes: &[usize],
        per_class: usize,
        categories: usize,
    ) -> Vec<Vec<Value>> {
        let mut class_of: Vec<usize> = classes
            .iter()
            .flat_map(|&c| std::iter::repeat_n(c, per_class))
            .collect();
        class_of.shuffle(&mut self.rng);
        class_of
            .into_iter()
            .enumerate()
            .map(|(i, class)| {
                vec![
                    int(i + 1),
                    text(self.person_name()),
                    int(class),
                    self.category(categories),
                ]
            })
            .collect()
    }

    fn blog(&mut self) -> Vec<Table> {
        let n = self.n;
        let (authors, categories, posts) = (50 * n, 20 * n, 2000 * n);
        let author_rows = (0..authors)
            .map(|i| {
                let first = GIVEN.choose(&mut self.rng).copied().unwrap_or_default();
                let last = FAMILY.choose(&mut self.rng).copied().unwrap_or_default();
                vec![int(i + 1), text(first.to_owned()), text(last.to_owned())]
            })
            .collect();
        let category_rows = (0..categories)
            .map(|i| vec![int(i + 1), text(nth(CATEGORIES, i))])
            .collect();
        // Every 25th author writes nothing.
        let writers: Vec<usize> = (1..=authors).filter(|a| a % 25 != 0).collect();
        let mut post_rows = Vec::with_capacity(posts);
        let mut link_rows = Vec::with_capacity(2 * posts);
        for post in 1..=posts {
            let words = self.rng.random_range(1..=5);
            let title: Vec<&str> = (0..words)
                .filter_map(|_| WORDS.choose(&mut self.rng).copied())
                .collect();
            let author = writers.choose(&mut self.rng).copied().unwrap_or(1);
            post_rows.push(vec![int(post), text(title.join(" ")), int(author)]);
            let count = self.rng.random_range(0..=4);
            for category in index::sample(&mut self.rng, categories, count) {
                let weight = self.rng.random_range(1..=100);
                // PostCategory: id, weight, then its keys post and category.
                link_rows.push(vec![
                    int(link_rows.len() + 1),
                    int(weight),
                    int(post),
                    int(category + 1),
                ]);
            }
        }
        vec![
            table("Author", author_rows),
            table("Category", category_rows),
            table("Post", post_rows),
            table("PostCategory", link_rows),
        ]
    }

    fn person(&mut self) -> Vec<Table> {
        let n = self.n;
        let levels = [10 * n, 90 * n, 400 * n, 1500 * n];
        let mut ids: Vec<usize> = (1..=levels.iter().sum()).collect();
        ids.shuffle(&mut self.rng);
        let mut rows = Vec::with_capacity(ids.len());
        let mut start = 0;
        let mut above: &[usize] = &[];
        for size in levels {
            let level = &ids[start..start + size];
            for &id in level {
                let supervisor = above.choose(&mut self.rng).map_or(Value::Null, |&s| int(s));
                rows.push(vec![int(id), text(self.person_name()), supervisor]);
            }
            above = level;
            start += size;
        }
        vec![table("Person", rows)]
    }
}

fn table(model: &str, rows: Vec<Vec<Value>>) -> Table {
    Table {
        model: model.to_owned(),
        rows,
    }
}
