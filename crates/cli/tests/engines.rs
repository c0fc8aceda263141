//! relq on sharded engines, through the environment the project's `scripts/clusters.sh
//! env` prints: the school declared by `schemas/school.toml` over a MariaDB Spider head
//! (`RELQ_SPIDER_URL`: Spider tables, whose catalog has no foreign key) and over a
//! PostgreSQL coordinator (`RELQ_FDW_URL`: tables partitioned into postgres_fdw foreign
//! tables, which can have no key at all) answers as the same rows in plain tables with
//! their keys (`RELQ_SPIDER_PLAIN_URL`, `RELQ_FDW_PLAIN_URL`). A missing URL fails.

mod common;

use common::{server_url, stdout};

/// The classes with their teachers and students, each with its category, declared by
/// the school schema over the database at `url`.
fn classes(url: &str) -> String {
    stdout(&[
        "query",
        "--db",
        url,
        "--schema",
        "schemas/school.toml",
        "--model",
        "SchoolClass",
        "--select-related",
        "teachers__category,students__category",
    ])
}

fn same_as_plain(sharded: &str, plain: &str) {
    let plain = classes(&server_url(plain));
    assert!(
        plain.contains("\"teachers\": [") && plain.contains("\"category\": {"),
        "the plain school has classes with teachers and categories: {plain}"
    );
    assert_eq!(classes(&server_url(sharded)), plain, "{sharded}");
}

#[test]
fn the_declared_school_over_spider_tables_answers_as_the_plain_tables() {
    same_as_plain("RELQ_SPIDER_URL", "RELQ_SPIDER_PLAIN_URL");
}

#[test]
fn the_declared_school_over_postgres_fdw_partitions_answers_as_the_plain_tables() {
    same_as_plain("RELQ_FDW_URL", "RELQ_FDW_PLAIN_URL");
}
