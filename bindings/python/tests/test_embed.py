"""The embedding path: a query compiled for the caller's own driver (`query.compile`),
its statements run there, and the driver's own rows rebuilt (`Compiled.rebuild`, or
`Compiled.steps()`) into the dicts `all()` returns on the same data.

Each driver with its own rows and placeholders: sqlite3 (`qmark`, the library's own
version), psycopg 3 and PyMySQL (`format`), asyncpg (`numeric_dollar`); each strategy
(joined, split, auto, json); static statement lists and relq's bound keys (steps). The
servers' URLs come from RELQ_POSTGRES_URL / RELQ_MYSQL_URL (conftest: a missing one
fails the test).
"""

import asyncio
import sqlite3
import urllib.parse

import asyncpg
import psycopg
import pymysql
import pytest

import relq
from conftest import HERE, Namespace
from test_values import ROWS, written

STRATEGIES = ["joined", "split", "auto", "json"]
DRIVERS = {"sqlite3": "sqlite", "psycopg": "postgres", "asyncpg": "postgres", "pymysql": "mysql"}


class Driver:
    """One connection of a caller's driver to a relq URL: `rows(sql, params)` runs a
    statement there and returns the driver's own rows; `style` is what `compile` takes
    for it."""

    def __init__(self, name, url):
        self.name, self.url = name, url
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parts.query)
        if name == "sqlite3":
            self.conn = sqlite3.connect(url.removeprefix("sqlite:"))
            self.style = dict(dialect="sqlite", version=sqlite3.sqlite_version, paramstyle="qmark",
                              max_params=self.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        elif name == "psycopg":
            self.conn = psycopg.connect(url, autocommit=True)
            self.style = dict(paramstyle="format")
        elif name == "pymysql":
            self.conn = pymysql.connect(host=parts.hostname, port=parts.port, user=parts.username,
                                        password=parts.password, database=parts.path[1:])
            self.style = dict(paramstyle="format")
        else:
            # `options=-c search_path=NAME` (conftest's namespaces) as asyncpg's setting.
            settings = {}
            for option in query.get("options", []):
                key, value = option.removeprefix("-c ").split("=", 1)
                settings[key] = value
            dsn = urllib.parse.urlunsplit(parts._replace(query=""))
            self.loop = asyncio.new_event_loop()
            self.conn = self.loop.run_until_complete(asyncpg.connect(dsn, server_settings=settings))
            # asyncpg binds at most 32 767 parameters.
            self.style = dict(paramstyle="numeric_dollar", max_params=32767)

    def rows(self, sql, params):
        if self.name == "sqlite3":
            return self.conn.execute(sql, params).fetchall()
        if self.name == "asyncpg":
            return self.loop.run_until_complete(self.conn.fetch(sql, *params))
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def close(self):
        if self.name == "asyncpg":
            self.loop.run_until_complete(self.conn.close())
            self.loop.close()
        else:
            self.conn.close()


def run_steps(driver, compiled):
    """The records of `compiled` run step by step on `driver`."""
    steps = compiled.steps()
    while (run := steps.next_run()) is not None:
        steps.feed(driver.rows(*run))
    return steps.finish()


def assert_embedded_equal(db, driver, query, **options):
    """For every strategy: the driver's rows of the static statements rebuilt, and the
    steps, give `all()`'s dicts; so do relq's bound keys, step by step."""
    for strategy in STRATEGIES:
        q = query.strategy(strategy)
        want = q.all()
        compiled = q.compile(**driver.style, **options)
        assert compiled.static
        rows = [driver.rows(sql, params) for sql, params in compiled.statements]
        assert compiled.rebuild(rows) == want, strategy
        assert run_steps(driver, compiled) == want, strategy
        keyed = q.compile(**driver.style, bound_keys=True, **options)
        assert run_steps(driver, keyed) == want, strategy


@pytest.fixture(params=list(DRIVERS))
def driver_name(request):
    return request.param


@pytest.fixture
def school(driver_name, samples):
    """The demo's school data on the driver's database: relq's connection and the
    driver's."""
    url = samples(DRIVERS[driver_name], "school")
    driver = Driver(driver_name, url)
    yield relq.connect(url), driver
    driver.close()


@pytest.fixture
def items(driver_name, tmp_path):
    """`test_values`' rows of every value kind, with their tags (a foreign key and a
    many-to-many relation), on the driver's database."""
    space = Namespace(DRIVERS[driver_name], tmp_path, "embed")
    db = relq.connect(space.url, schema=str(HERE / "schemas" / "every_field_type.toml"),
                      create_tables=True)
    db.query("Tag").bulk_create([{"code": "a"}, {"code": "b"}])
    for row in ROWS:
        db.query("Item").create(**written(row))
    db.related("Item", 1, "tags").add("a", "b")
    db.related("Item", 2, "tags").add("b")
    driver = Driver(driver_name, space.url)
    yield db, driver
    driver.close()
    space.drop()


def test_the_drivers_rows_rebuild_into_the_records_of_all(school):
    db, driver = school
    query = (db.query("schoolclasses")
             .select_related("teachers__category", "students__category", "department")
             .filter(students__name__icontains="a")
             .order_by("-name")
             .limit(3))
    assert query.all(), "the sample has such classes"
    assert_embedded_equal(db, driver, query)
    # Every class, no filter nor slice.
    assert_embedded_equal(db, driver, db.query("schoolclasses").select_related("teachers", "students"))


def test_every_value_kind_reads_from_the_drivers_own_types(items):
    db, driver = items
    query = db.query("Item").select_related("tag", "tags").order_by("id")
    assert query.all()[0]["tags"] != []
    assert_embedded_equal(db, driver, query)
    # Filter values of several kinds as the driver's parameters.
    filtered = query.filter(price__gte=ROWS[1]["price"], day__lte=ROWS[0]["day"],
                            uid__in=[ROWS[0]["uid"], ROWS[1]["uid"]], note__contains="%")
    assert [r["id"] for r in filtered.all()] == [1]
    assert_embedded_equal(db, driver, filtered)


def test_the_parameter_limit_is_the_drivers(school):
    db, driver = school
    query = db.query("schoolclasses").select_related("students").filter(id__gte=1, id__lte=40)
    with pytest.raises(relq.CompileError, match="at most 1 in one statement"):
        query.compile(**{**driver.style, "max_params": 1})
    # With bound keys, the roots' keys are bound in chunks within the limit: a run per
    # three classes after the classes' own.
    keyed = query.strategy("split").compile(**{**driver.style, "max_params": 3}, bound_keys=True)
    steps, runs = keyed.steps(), 0
    while (run := steps.next_run()) is not None:
        assert len(run[1]) <= 3
        steps.feed(driver.rows(*run))
        runs += 1
    classes = query.all()
    assert runs == 1 + -(-len(classes) // 3) and len(classes) > 3
    assert steps.finish() == classes


def test_the_compiled_query_says_what_it_is():
    db = relq.connect("sqlite::memory:", schema=str(HERE / "schemas" / "every_field_type.toml"),
                      create_tables=True)
    query = db.query("Item").select_related("tags").filter(id__gt=1).limit(2).strategy("split")
    compiled = query.compile("postgres", paramstyle="format")
    assert [p for _, p in compiled.statements] == [(1, 2), (1, 2)]
    compiled.statements.clear()  # the caller's own list
    assert len(compiled.statements) == 2
    assert "%s" in compiled.statements[0][0] and "$1" not in compiled.statements[0][0]
    assert compiled.plan["nodes"][1]["path"] == "tags"
    assert len(compiled.plan["statements"]) == 2
    assert repr(compiled) == "<relq.Compiled postgres with 2 statements>"
    dollar = query.compile("postgres", version="15.4", paramstyle="numeric_dollar")
    assert "$1" in dollar.statements[0][0]
    # SQLite's parameters in its storage forms (a date-time with a space, a boolean 1).
    on_sqlite = db.query("Item").filter(stamp=ROWS[0]["stamp"], done=True).compile()
    assert on_sqlite.statements[0][1] == ("2024-05-01 13:45:00.250000", 1)

    keyed = query.compile(bound_keys=True)
    assert not keyed.static
    with pytest.raises(RuntimeError, match="use steps"):
        keyed.statements
    with pytest.raises(ValueError, match="use steps"):
        keyed.rebuild([[], []])
    with pytest.raises(ValueError, match="2 statements, not 1"):
        compiled.rebuild([[]])
    with pytest.raises(ValueError, match="relq writes qmark, format, numeric_dollar"):
        query.compile(paramstyle="pyformat")
    with pytest.raises(ValueError, match="relq has sqlite, postgres, mysql"):
        query.compile("oracle")
    with pytest.raises(ValueError, match="give the dialect"):
        query.compile(version="3.40.1")
    with pytest.raises(relq.CompileError, match="unknown"):
        db.query("Item").select_related("nope").compile()


def test_a_shape_compiled_again_is_bound_to_its_own_values(school):
    db, driver = school
    shape = lambda low, high: (db.query("schoolclasses").select_related("teachers", "students")
                               .filter(id__gte=low, id__lte=high).strategy("split"))
    first = shape(1, 3).compile(**driver.style)
    again = shape(4, 9).compile(**driver.style)  # from the first's shape
    cold = relq.connect(driver.url).query("schoolclasses").select_related("teachers", "students")
    cold = cold.filter(id__gte=4, id__lte=9).strategy("split").compile(**driver.style)
    assert again.statements == cold.statements != first.statements
    assert [sql for sql, _ in again.statements] == [sql for sql, _ in first.statements]
    rows = [driver.rows(sql, params) for sql, params in again.statements]
    assert again.rebuild(rows) == shape(4, 9).all()
    assert [c["id"] for c in again.rebuild(rows)] == [4, 5, 6, 7, 8, 9]


def test_rows_of_the_wrong_shape_or_kind_are_row_errors():
    db = relq.connect("sqlite::memory:", schema=str(HERE / "schemas" / "every_field_type.toml"),
                      create_tables=True)
    compiled = db.query("Tag").compile()
    assert compiled.rebuild([[("a",)]]) == [{"code": "a"}]
    with pytest.raises(relq.RowError, match="a Python int"):
        compiled.rebuild([[(1,)]])
    with pytest.raises(relq.RowError, match="row 0: 2 values, the plan expects 1"):
        compiled.rebuild([[("a", "b")]])
    items = db.query("Item").fields("id", "stamp").compile()
    aware = __import__("datetime").datetime(2024, 5, 1, tzinfo=__import__("datetime").timezone.utc)
    with pytest.raises(relq.RowError, match="a Python datetime"):
        items.rebuild([[(1, aware)]])
    steps = compiled.steps()
    with pytest.raises(relq.DatabaseError, match="no statement run"):
        steps.feed([("a",)])
    assert steps.next_run() == (compiled.statements[0][0], ())
    steps.feed([("a",)])
    assert steps.next_run() is None
    assert steps.finish() == [{"code": "a"}]
    with pytest.raises(RuntimeError, match="finished"):
        steps.finish()
