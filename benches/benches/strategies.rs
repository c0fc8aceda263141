//! Load strategies end to end (issue 7, item 5): each sample query run through
//! `relq::Database::fetch` with each load of `loaded::LOADS` (each strategy; split in both
//! of its forms), beside its floor: the same compiled statements run with the bare driver
//! (rusqlite, postgres, mysql), every value read into plain vectors, no rebuild.
//!
//! Databases: SQLite (a file in the temporary directory), PostgreSQL and MariaDB (the
//! servers of `RELQ_POSTGRES_URL` and `RELQ_MYSQL_URL`; a missing URL fails the run). Each
//! sample is loaded (`relq_sample::generate(sample, scale, 1)`, `relq_sample::load`) into
//! a fresh SQLite file, PostgreSQL schema or MariaDB database, dropped after.
//!
//! Queries (criterion ids `strategies/DATABASE/QUERY/sSCALE` then `STRATEGY` or
//! `floor_STRATEGY`):
//! - `school`: the seed query, `SchoolClass` with `teachers__category` and
//!   `students__category`;
//! - `page`: the first 10 classes by name with their students;
//! - `filter`: the classes with a student of one of the first 3 categories (a filter
//!   across the to-many relation), with their students;
//! - `filter_page`: the first 10 of those by name;
//! - `blog`: `Post` with `author` and `categories` (many-to-many);
//! - `person`: `Person` with `supervisor` and `employees__employees` (the tree).
//!
//! Run: `bash scripts/bench.sh` (starts the servers when they are not running), or with
//! the servers' URLs set, `cargo bench -p relq-benches --bench strategies`.

mod loaded;

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use relq_benches::CASES;
use relq_sample::Sample;

use loaded::{LOADS, Loaded, SCALES, Server, compiled};

fn strategies(c: &mut Criterion, server: Server, scale: u32) {
    for sample in [Sample::School, Sample::Blog, Sample::Person] {
        let graph = sample.graph().expect("the shipped samples build");
        let mut loaded = Loaded::new(server, sample, scale);
        for case in CASES.iter().filter(|case| case.sample == sample) {
            let mut group = c.benchmark_group(format!(
                "strategies/{}/{}/s{scale}",
                server.name(),
                case.name
            ));
            group.sample_size(10);
            for (name, strategy, roots) in LOADS {
                let query = (case.query)().strategy(strategy);
                let compiled = compiled(&graph, query, &loaded.db, roots);
                let rows = loaded.floor(&compiled);
                let fetched = loaded.db.fetch(&compiled).expect("relq fetches");
                assert_eq!(fetched.rows, rows, "relq and the driver read the same rows");
                println!(
                    "{} {} s{scale} {name}: {rows} rows in {} statements",
                    server.name(),
                    case.name,
                    compiled.statements.len()
                );
                group.bench_function(name, |b| {
                    b.iter(|| loaded.db.fetch(black_box(&compiled)).expect("relq fetches"));
                });
                group.bench_function(format!("floor_{name}"), |b| {
                    b.iter(|| loaded.floor(black_box(&compiled)));
                });
            }
            group.finish();
        }
    }
}

// What `criterion_group!` / `criterion_main!` expand to, without their undocumented
// `pub fn` (the workspace denies missing docs).
fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    for scale in SCALES {
        for server in Server::ALL {
            strategies(&mut c, server, scale);
        }
    }
    c.final_summary();
}
