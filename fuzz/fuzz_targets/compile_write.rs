//! Fuzzes compiling a batch of write operations from its JSON form on every dialect (body
//! in `relq_tests::fuzz`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relq_tests::fuzz::compile_write(data));
