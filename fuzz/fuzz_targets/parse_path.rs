//! Fuzzes `ParsedPath::parse` and `parse_ordering` on any bytes (body in `relq_tests::fuzz`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relq_tests::fuzz::parse_path(data));
