//! relq-tests: what the cross-crate tests, the fuzz targets and the examples share.
//!
//! [`samples`] loads the sample schemas shipped in `schemas/`; [`fuzz`] holds the bodies of
//! the cargo-fuzz targets in `fuzz/`, so a stable-toolchain test replays their committed
//! seeds (`fuzz/seeds/<target>/`).

#![forbid(unsafe_code)]

pub mod fuzz;
pub mod samples;
