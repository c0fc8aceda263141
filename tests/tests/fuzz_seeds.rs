//! The committed fuzz seeds (`fuzz/seeds/<target>/`, one input per file) replayed through
//! the fuzz target bodies on the stable toolchain, so `cargo test` catches a broken
//! invariant without cargo-fuzz; a crash input added as a seed stays a regression test.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Fewer seeds than this means the folder moved or emptied, not that all is well.
const MIN_SEEDS: usize = 10;

/// Every file in a seed folder, sorted by name.
fn seeds(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read seed folder {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable seed folder entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `body` on every seed in `dir`, naming each seed that panics, and returns how many
/// seeds ran.
fn replay(dir: &Path, body: fn(&[u8])) -> usize {
    let files = seeds(dir);
    let mut failed = Vec::new();
    for file in &files {
        let data = std::fs::read(file)
            .unwrap_or_else(|e| panic!("cannot read seed {}: {e}", file.display()));
        if catch_unwind(AssertUnwindSafe(|| body(&data))).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "seeds breaking an invariant: {failed:#?}"
    );
    files.len()
}

#[test]
fn parse_path_seeds_replay_without_breaking_invariants() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/seeds/parse_path"
    ));
    let replayed = replay(dir, relq_tests::fuzz::parse_path);
    assert!(
        replayed >= MIN_SEEDS,
        "only {replayed} parse_path seeds in {}",
        dir.display()
    );
}

#[test]
fn resolve_path_seeds_replay_without_breaking_invariants() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/seeds/resolve_path"
    ));
    let replayed = replay(dir, relq_tests::fuzz::resolve_path);
    assert!(
        replayed >= MIN_SEEDS,
        "only {replayed} resolve_path seeds in {}",
        dir.display()
    );
}

#[test]
fn compile_query_seeds_replay_without_breaking_invariants() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/seeds/compile_query"
    ));
    let replayed = replay(dir, relq_tests::fuzz::compile_query);
    assert!(
        replayed >= MIN_SEEDS,
        "only {replayed} compile_query seeds in {}",
        dir.display()
    );
}

#[test]
fn rebuild_rows_seeds_replay_without_breaking_invariants() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/seeds/rebuild_rows"
    ));
    let replayed = replay(dir, relq_tests::fuzz::rebuild_rows);
    assert!(
        replayed >= MIN_SEEDS,
        "only {replayed} rebuild_rows seeds in {}",
        dir.display()
    );
}

#[test]
fn compile_write_seeds_replay_without_breaking_invariants() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/seeds/compile_write"
    ));
    let replayed = replay(dir, relq_tests::fuzz::compile_write);
    assert!(
        replayed >= MIN_SEEDS,
        "only {replayed} compile_write seeds in {}",
        dir.display()
    );
}
