//! relq-tests: what the cross-crate tests, the fuzz targets and the examples share.
//!
//! [`corpus`] reads the cross-dialect corpus (`tests/corpus/*.toml`) that the snapshot
//! test and the sqlparser oracle run over; [`samples`] holds test-only schemas and the
//! school's small data set (the shipped samples and their generated data are
//! `relq_sample`'s); [`servers`] finds the test servers; [`plans`] plans the sample
//! queries whose rows the rebuild reads; [`write_corpus`] reads the write corpus
//! (`tests/write_corpus/*.toml`) that the write snapshots and oracle run over; [`fuzz`]
//! holds the bodies of the cargo-fuzz targets in `fuzz/`, so a stable-toolchain test
//! replays their committed seeds (`fuzz/seeds/<target>/`).

#![forbid(unsafe_code)]

pub mod corpus;
pub mod fuzz;
pub mod plans;
pub mod samples;
pub mod servers;
pub mod write_corpus;
