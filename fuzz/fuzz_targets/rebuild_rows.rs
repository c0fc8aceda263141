//! Fuzzes the rebuild over the sample plans and plans given as JSON (body in `relq_tests::fuzz`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relq_tests::fuzz::rebuild_rows(data));
