//! Fuzzes `resolve` over the school and blog graphs (body in `relq_tests::fuzz`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relq_tests::fuzz::resolve_path(data));
