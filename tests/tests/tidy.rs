//! What we promise of every file, checked over the tree (rust-analyzer's `tidy.rs` is the
//! model): every Rust file opens with a `//!` paragraph saying what it is for; no library
//! source file is longer than the house limit (split it along its seam instead); and
//! ARCHITECTURE.md names every crate of the workspace, so the map never misses a stage.

use std::path::{Path, PathBuf};

/// The house limit for a library source file, in lines (STYLE.md: "a file past ~800
/// lines is asking to be split along a seam").
const MAX_LINES: usize = 800;

/// The workspace root (this crate lives in `tests/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every `.rs` file under `dir`, sorted, `target` folders skipped.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_none_or(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The folders of the workspace's own code.
const CODE: [&str; 6] = ["crates", "dialects", "bindings", "tests", "benches", "fuzz"];

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let root = root();
    let files: Vec<PathBuf> = CODE
        .iter()
        .flat_map(|d| rust_files(&root.join(d)))
        .collect();
    assert!(files.len() > 100, "found only {} Rust files", files.len());
    let undocumented: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        undocumented.is_empty(),
        "files that do not open with a `//!` paragraph: {undocumented:?}"
    );
}

#[test]
fn no_library_source_file_is_past_the_house_limit() {
    let root = root();
    let long: Vec<String> = ["crates", "dialects", "bindings"]
        .iter()
        .flat_map(|d| rust_files(&root.join(d)))
        .filter(|f| f.components().any(|c| c.as_os_str() == "src"))
        .filter_map(|f| {
            let lines = std::fs::read_to_string(&f).ok()?.lines().count();
            let shown = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
            (lines > MAX_LINES).then(|| format!("{shown}: {lines} lines"))
        })
        .collect();
    assert!(
        long.is_empty(),
        "library files past {MAX_LINES} lines (split them along their seam): {long:?}"
    );
}

#[test]
fn the_architecture_map_names_every_crate() {
    let root = root();
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap_or_default();
    let mut missing = Vec::new();
    for dir in ["crates", "dialects", "bindings"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let folder = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if entry.path().join("Cargo.toml").is_file() && !map.contains(&folder) {
                missing.push(folder);
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "crates ARCHITECTURE.md does not name: {missing:?}"
    );
}
