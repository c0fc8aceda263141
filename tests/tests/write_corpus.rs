//! The write corpus: every case of `tests/write_corpus/` compiled for SQLite,
//! PostgreSQL, MySQL (the `const` facts, no `RETURNING`) and MariaDB 10.11 (`INSERT ...
//! RETURNING`), one named snapshot per case (`snapshots/write_corpus__<case>.snap`)
//! holding the operations and, per operation, each dialect's statements with their
//! params, when they run and what their result means (or the error: an error is an
//! outcome). `relq_tests::write_corpus::report` also checks that a batch compiles as
//! its operations do one by one.

use relq_tests::write_corpus::{cases, report};

#[test]
fn every_write_case_snapshots_each_operation_on_every_dialect() {
    let cases = cases().expect("the write corpus loads");
    for case in &cases {
        let text = report(case).expect("the case compiles to a report");
        insta::with_settings!({
            description => case.description.as_str(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(case.name.as_str(), text);
        });
    }
}
