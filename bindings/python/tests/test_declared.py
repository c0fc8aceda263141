"""A declared schema over a database whose catalog lacks the keys and relations (as a
sharded engine's does: Spider, postgres_fdw partitions), on SQLite, PostgreSQL and
MariaDB: `relq.connect(url, schema=...)` takes the models, keys and relations from the
declaration, over the database's tables (relq's `over_catalog`, the CLI's `--db` with
`--schema`), and loads the same records as over the tables with their keys.
"""

import json

import pytest

import relq
from conftest import SCHEMAS, copy_models

SCHOOL = SCHEMAS / "school.toml"
TABLES = ["departments", "schoolclasses", "categories", "students", "teachers"]


def classes(db):
    return db.query("SchoolClass").select_related("teachers__category", "students__category").all()


def test_declared_relations_over_keyless_tables_load_as_the_keyed_tables(
    cli, samples, backend, fresh, tmp_path
):
    keyed, url = fresh(str(SCHOOL), "declared")
    copy_models(relq.connect(samples(backend, "school"), schema=SCHOOL), keyed)
    text = SCHOOL.read_text()
    for table in TABLES:
        keyed.run(f"CREATE TABLE k_{table} AS SELECT * FROM {table}")
        text = text.replace(f'table = "{table}"', f'table = "k_{table}"')
    keyless = tmp_path / "keyless.toml"
    keyless.write_text(text)

    expected = classes(keyed)
    assert len(expected) == 100 and any(c["teachers"] for c in expected)
    assert classes(relq.connect(url, schema=keyless)) == expected
    status, out, err = cli(
        "query", "--db", url, "--schema", str(keyless), "--model", "SchoolClass",
        "--select-related", "teachers__category,students__category",
    )
    assert status == 0, err
    status, keyed_out, err = cli(
        "query", "--db", url, "--schema", str(SCHOOL), "--model", "SchoolClass",
        "--select-related", "teachers__category,students__category",
    )
    assert status == 0, err
    assert json.loads(out) == json.loads(keyed_out)
    # Introspected, the keyless tables have no primary key: no model, no relation.
    with pytest.raises(relq.SchemaError, match="has no primary key"):
        relq.connect(url)
