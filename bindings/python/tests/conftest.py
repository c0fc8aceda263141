"""What the relq pytest suite shares: the three databases, the demo's sample data on
each, fresh namespaces for writes, and the `relq` command line to compare with.

Every test that takes `backend` runs on SQLite, PostgreSQL and MariaDB. The servers'
URLs come from RELQ_POSTGRES_URL and RELQ_MYSQL_URL (`scripts/servers.sh env`); a
missing URL fails the test, it is never skipped. The `relq` binary is RELQ_BIN, or the
workspace's debug build (built here when missing).

The sample databases are the demo's (`relq demo --dir D`, SQLite files); on a server
each sample is copied into a namespace of its own (a PostgreSQL schema, a MariaDB
database, named relq_py_<pid>_<what>) through the Python API: `create_tables` with the
sample's declared schema, then every model's `values()` read from the SQLite file and
written with `bulk_create`. Namespaces are dropped when the session ends.
"""

import datetime
import decimal
import json
import os
import pathlib
import subprocess
import uuid

import pytest

import relq

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "schemas"
HERE = pathlib.Path(__file__).resolve().parent
BACKENDS = ["sqlite", "postgres", "mysql"]
SERVER_VARS = {"postgres": "RELQ_POSTGRES_URL", "mysql": "RELQ_MYSQL_URL"}
_counter = [0]


def server_url(backend):
    """The admin URL of a server; a missing variable fails the test."""
    var = SERVER_VARS[backend]
    url = os.environ.get(var, "")
    if not url:
        pytest.fail(
            f"{var} is not set: this test needs the database server. `bash scripts/test.sh` "
            'starts it; by hand run `scripts/servers.sh start` and `eval "$(scripts/servers.sh env)"` '
            "(never skipped)"
        )
    return url


def unique_name(what):
    _counter[0] += 1
    return f"relq_py_{os.getpid()}_{what}_{_counter[0]}"


class Namespace:
    """An empty database the test owns: a SQLite file, a PostgreSQL schema or a MariaDB
    database; `drop()` removes it."""

    def __init__(self, backend, tmp_dir, what):
        self.backend = backend
        name = unique_name(what)
        if backend == "sqlite":
            path = pathlib.Path(tmp_dir) / f"{name}.db"
            path.write_bytes(b"")
            self.url = f"sqlite:{path}"
            self._drop = lambda: path.unlink(missing_ok=True)
            return
        admin_url = server_url(backend)
        admin = relq.connect(admin_url, schema={"models": []})
        if backend == "postgres":
            admin.run(f'CREATE SCHEMA "{name}"')
            self.url = f"{admin_url}?options=-c%20search_path%3D{name}"
            drop = f'DROP SCHEMA IF EXISTS "{name}" CASCADE'
        else:
            admin.run(f"CREATE DATABASE `{name}`")
            self.url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
            drop = f"DROP DATABASE IF EXISTS `{name}`"
        self._drop = lambda: relq.connect(admin_url, schema={"models": []}).run(drop)

    def drop(self):
        self._drop()


def copy_models(source, target):
    """Every model's rows from `source` into `target` (same schema, tables created):
    `values()` then `bulk_create`, a table whose foreign keys are not there yet tried
    again after the others; a self-reference's rows ordered so that a row comes after
    the row it names (a bulk insert runs as several statements)."""
    declared = {m["name"]: m for m in source.schema()["models"]}
    pending = list(source.models)
    while pending:
        failed = []
        for model in pending:
            rows = source.query(model).values()
            rows = referenced_first(rows, declared.get(model, {}), model)
            try:
                target.query(model).bulk_create(rows)
            except relq.IntegrityError:
                failed.append(model)
        if len(failed) == len(pending):
            raise AssertionError(f"cannot copy {failed}: their foreign keys never resolve")
        pending = failed


def referenced_first(rows, model, name):
    """`rows` of the declared `model` ordered so each comes after the row its
    self-referencing foreign keys name (the key field `{relation}_id`)."""
    pk = next((f["name"] for f in model.get("fields", []) if f.get("primary_key")), "id")
    keys = [f"{fk['name']}_id" for fk in model.get("foreign_keys", []) if fk["to"] == name]
    if not keys:
        return rows
    placed, ordered, pending = set(), [], rows
    while pending:
        ready = [r for r in pending
                 if all(r[k] is None or r[k] in placed or r[k] == r[pk] for k in keys)]
        if not ready:
            raise AssertionError(f"{name}: a cycle of self-references")
        ordered += ready
        placed.update(r[pk] for r in ready)
        ready_ids = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in ready_ids]
    return ordered


@pytest.fixture(scope="session")
def relq_bin():
    """The `relq` command line: RELQ_BIN, or the workspace's debug build."""
    given = os.environ.get("RELQ_BIN")
    if given:
        return given
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    target = json.loads(metadata.stdout)["target_directory"]
    subprocess.run(["cargo", "build", "-q", "-p", "relq-cli"], cwd=ROOT, check=True)
    return str(pathlib.Path(target) / "debug" / "relq")


@pytest.fixture(scope="session")
def cli(relq_bin):
    """Runs `relq ARGS` from the repository's root: (exit status, stdout, stderr)."""

    def run(*args, stdin=None):
        done = subprocess.run(
            [relq_bin, *args], cwd=ROOT, capture_output=True, text=True, input=stdin,
        )
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.fixture(scope="session")
def demo_dir(cli, tmp_path_factory):
    """The demo's SQLite files (school.db, blog.db, person.db) at scale 1, seed 42."""
    path = tmp_path_factory.mktemp("demo")
    status, out, err = cli("demo", "--dir", str(path))
    assert status == 0, err
    return path


@pytest.fixture(scope="session")
def samples(demo_dir, tmp_path_factory):
    """`samples(backend, name)`: the URL of the demo's `name` sample (school, blog,
    person) on `backend`, copied once per session onto a server."""
    made = {}

    def sample(backend, name):
        if backend == "sqlite":
            return f"sqlite:{demo_dir / (name + '.db')}"
        if (backend, name) not in made:
            space = Namespace(backend, tmp_path_factory.mktemp("ns"), name)
            made[(backend, name)] = space
            schema = str(SCHEMAS / f"{name}.toml")
            source = relq.connect(f"sqlite:{demo_dir / (name + '.db')}", schema=schema)
            target = relq.connect(space.url, schema=schema, create_tables=True)
            copy_models(source, target)
        return made[(backend, name)].url

    yield sample
    for space in made.values():
        space.drop()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """sqlite, postgres, mysql."""
    return request.param


@pytest.fixture
def fresh(backend, tmp_path):
    """`fresh(schema)`: a database on `backend` with `schema`'s tables and no rows, the
    namespace dropped after the test."""
    spaces = []

    def make(schema, what="fresh"):
        space = Namespace(backend, tmp_path, what)
        spaces.append(space)
        db = relq.connect(space.url, schema=schema, create_tables=True)
        return db, space.url

    yield make
    for space in spaces:
        space.drop()


def cli_json(value):
    """A Python value as the CLI's JSON writes it (relq-rows' `value_to_json`): decimals,
    dates, times, date-times and UUIDs as text, bytes as lower-case hex."""
    if isinstance(value, dict):
        return {k: cli_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cli_json(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value
