//! relq-tests: what the cross-crate tests, the fuzz targets and the examples share.
//!
//! [`corpus`] reads the cross-dialect corpus (`tests/corpus/*.toml`) that the snapshot
//! test and the sqlparser oracle run over; [`samples`] loads the sample schemas shipped in
//! `schemas/` and the school's rows; [`servers`] finds the test servers; [`plans`] plans the sample queries whose rows the rebuild reads; [`fuzz`]
//! holds the bodies of the cargo-fuzz targets in `fuzz/`, so a stable-toolchain test
//! replays their committed seeds (`fuzz/seeds/<target>/`).

#![forbid(unsafe_code)]

pub mod corpus;
pub mod fuzz;
pub mod plans;
pub mod samples;
pub mod servers;
