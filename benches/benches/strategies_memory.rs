//! Peak heap of the load strategies (issue 7, item 5): for each query of
//! `strategies.rs` on each database and scale, the peak of live heap bytes during one
//! `relq::Database::fetch` with each load of `loaded::LOADS` (each strategy; split in both
//! of its forms), and during its
//! floor (the same statements through the bare driver into plain vectors), counted by
//! dhat from the start of the call (what was live before it is not counted; the answer
//! is, as it is live at the end). Prints one line per measurement.
//!
//! A separate binary because dhat replaces the global allocator, which would slow the
//! timed benchmarks. Run: `bash scripts/bench.sh` runs it before `strategies.rs`, or with
//! the servers' URLs set, `cargo bench -p relq-benches --bench strategies_memory`.

mod loaded;

use std::hint::black_box;

use relq_benches::CASES;
use relq_sample::Sample;

use loaded::{LOADS, Loaded, SCALES, Server, compiled};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// The peak of live heap bytes while `run` runs, counted from its start, in MiB.
fn peak_mib<T>(run: impl FnOnce() -> T) -> f64 {
    let profiler = dhat::Profiler::builder().testing().build();
    let out = black_box(run());
    let peak = dhat::HeapStats::get().max_bytes;
    drop(out);
    drop(profiler);
    peak as f64 / (1024.0 * 1024.0)
}

fn main() {
    println!("peak heap in MiB: database query scale strategy relq floor");
    for scale in SCALES {
        for server in Server::ALL {
            for sample in [Sample::School, Sample::Blog, Sample::Person] {
                let graph = sample.graph().expect("the shipped samples build");
                let mut loaded = Loaded::new(server, sample, scale);
                for case in CASES.iter().filter(|case| case.sample == sample) {
                    for (name, strategy, roots) in LOADS {
                        let query = (case.query)().strategy(strategy);
                        let compiled = compiled(&graph, query, &loaded.db, roots);
                        let relq = peak_mib(|| loaded.db.fetch(&compiled).expect("relq fetches"));
                        let floor = peak_mib(|| loaded.floor(&compiled));
                        println!(
                            "peak {} {} s{scale} {name}: relq {relq:.2} MiB, floor {floor:.2} MiB",
                            server.name(),
                            case.name
                        );
                    }
                }
            }
        }
    }
}
