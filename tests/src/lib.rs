//! relq-tests: what the cross-crate tests, the fuzz targets and the examples share.
//!
//! [`samples`] loads the sample schemas shipped in `schemas/`; [`plans`] plans the sample
//! queries whose rows the rebuild reads; [`fuzz`] holds the bodies of the cargo-fuzz
//! targets in `fuzz/`, so a stable-toolchain test replays their committed seeds
//! (`fuzz/seeds/<target>/`).

#![forbid(unsafe_code)]

pub mod fuzz;
pub mod plans;
pub mod samples;
