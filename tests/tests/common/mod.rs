//! What several test files of relq-tests share and that needs a dev-dependency
//! (sqlparser, proptest), so it cannot live in the library (`tests/src/`): the sqlparser
//! oracle, the proptest strategies of schemas and queries, and of records for a plan, and
//! hand-written rows of the sample plans, the connections to the test servers (a fresh
//! namespace, loaded with rows: `servers::scratch`, `servers::loaded`), the reference
//! evaluator of the differential property test, a query streamed and fetched and the
//! two compared (`streams`), the write tests' helpers (apply a JSON
//! batch, read tables back: `writes`), and the write sequences and reference model of the
//! write differential test (`write_ops`, `write_checks`, `write_reference`).

#![allow(dead_code, unreachable_pub)] // each test file uses some of this

pub mod engines;
pub mod oracle;
pub mod records;
pub mod reference;
pub mod rows;
pub mod servers;
pub mod statements;
pub mod strategies;
pub mod streams;
pub mod write_checks;
pub mod write_ops;
pub mod write_reference;
pub mod writes;
