"""relq's Python package beside three Python ORMs and the floor, on the same SQLite files.

Two loads, each timed in this one process:

- ``school``: the seeds' query, ormar's
  ``SchoolClass.objects.select_related(["teachers__category", "students__category"])``:
  every class with its teachers and students, each with its category.
- ``person``: the person tree: the persons without a supervisor (the roots), each with
  its employees three levels down (``employees__employees__employees``), which at scale 10
  reaches every person once. Every contender loads the same depth; the leaves carry no
  ``employees`` key (not loaded), as relq leaves an unloaded relation out.

Every contender returns the same plain structure, a list of dicts ordered by primary
key at every level:

    {"id", "name", "department_id", "teachers": [T], "students": [T]}      a class
    T = {"id", "name", "schoolclass_id", "category_id", "category": {"id", "name"} | None}
    {"id", "name", "supervisor_id", "employees": [person]}                  a person

Before any timing, each contender's answer is asserted equal to a reference built here
from plain SQL (untimed), so all of them load the same records. A timed call is the whole
load: the query, the driver, the ORM's objects and the conversion to that structure. The
floor is Python's ``sqlite3`` running relq's own statements (``relq compile --format
json``, saved once under the data folder) and ``fetchall()`` of every row, building
nothing.
"""

import argparse
import asyncio
import gc
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

QUERIES = ("school", "person")
CONTENDERS = ("relq", "django", "sqlalchemy", "ormar", "ormar_prefetch", "floor")
ORMS = ("django", "sqlalchemy", "ormar", "ormar_prefetch")

# The schema files of the samples (the seeds' model and relation names: SchoolClass,
# Person.employees), which relq's package and the CLI both read.
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
# relq's queries as the CLI takes them, for the floor's statements.
CLI_QUERIES = {
    "school": [
        "--dialect", "sqlite", "--schema", str(SCHEMAS / "school.toml"), "--model", "SchoolClass",
        "--select-related", "teachers__category,students__category",
    ],
    "person": [
        "--dialect", "sqlite", "--schema", str(SCHEMAS / "person.toml"), "--model", "Person",
        "--select-related", "employees__employees__employees",
        "--filter", "supervisor__isnull=true",
    ],
}
PERSON_DEPTH = 3


# --- the shared structure --------------------------------------------------------------


def reference(data: Path) -> dict[str, list[dict]]:
    """Both answers built from plain SQL and dicts: the check every contender must equal."""
    school = sqlite3.connect(data / "school.db")
    classes = [
        {"id": i, "name": n, "department_id": d, "teachers": [], "students": []}
        for i, n, d in school.execute(
            "SELECT id, name, department_id FROM schoolclasses ORDER BY id"
        )
    ]
    by_id = {c["id"]: c for c in classes}
    categories = {i: {"id": i, "name": n} for i, n in school.execute("SELECT id, name FROM categories")}
    for table in ("teachers", "students"):
        for i, n, s, c in school.execute(
            f"SELECT id, name, schoolclass_id, category_id FROM {table} ORDER BY id"
        ):
            by_id[s][table].append(
                {
                    "id": i,
                    "name": n,
                    "schoolclass_id": s,
                    "category_id": c,
                    "category": None if c is None else dict(categories[c]),
                }
            )
    school.close()

    person = sqlite3.connect(data / "person.db")
    rows = person.execute("SELECT id, name, supervisor_id FROM persons ORDER BY id").fetchall()
    person.close()
    children: dict[int | None, list[tuple]] = {}
    for row in rows:
        children.setdefault(row[2], []).append(row)

    def tree(row: tuple, depth: int) -> dict:
        record = {"id": row[0], "name": row[1], "supervisor_id": row[2]}
        if depth:
            record["employees"] = [tree(r, depth - 1) for r in children.get(row[0], [])]
        return record

    return {"school": classes, "person": [tree(r, PERSON_DEPTH) for r in children[None]]}


# --- relq -------------------------------------------------------------------------------


def relq_loads(data: Path) -> dict[str, Callable[[], list]]:
    import relq

    school = relq.connect(f"sqlite:{data / 'school.db'}", schema=SCHEMAS / "school.toml")
    person = relq.connect(f"sqlite:{data / 'person.db'}", schema=SCHEMAS / "person.toml")

    def load_school() -> list:
        return (
            school.query("SchoolClass")
            .select_related("teachers__category", "students__category")
            .all()
        )

    tree = "__".join(["employees"] * PERSON_DEPTH)

    def load_person() -> list:
        return person.query("Person").select_related(tree).filter(supervisor__isnull=True).all()

    return {"school": load_school, "person": load_person}


# --- Django -----------------------------------------------------------------------------


def django_loads(data: Path) -> dict[str, Callable[[], list]]:
    import django
    from django.conf import settings

    class Router:
        """Person reads go to person.db, everything else to school.db."""

        def db_for_read(self, model: Any, **hints: Any) -> str:
            return "person" if model._meta.db_table == "persons" else "default"

    settings.configure(
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(data / "school.db")},
            "person": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(data / "person.db")},
        },
        DATABASE_ROUTERS=[Router()],
        INSTALLED_APPS=[],
        USE_TZ=False,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    from django.db import models
    from django.db.models import Prefetch

    def meta(table: str) -> type:
        return type("Meta", (), {"app_label": "relq_bench", "db_table": table, "managed": False})

    class Department(models.Model):
        name = models.TextField()
        Meta = meta("departments")

    class SchoolClass(models.Model):
        name = models.TextField()
        department = models.ForeignKey(Department, models.DO_NOTHING, related_name="classes")
        Meta = meta("schoolclasses")

    class Category(models.Model):
        name = models.TextField()
        Meta = meta("categories")

    class Teacher(models.Model):
        name = models.TextField()
        schoolclass = models.ForeignKey(SchoolClass, models.DO_NOTHING, related_name="teachers")
        category = models.ForeignKey(
            Category, models.DO_NOTHING, null=True, related_name="teachers"
        )
        Meta = meta("teachers")

    class Student(models.Model):
        name = models.TextField()
        schoolclass = models.ForeignKey(SchoolClass, models.DO_NOTHING, related_name="students")
        category = models.ForeignKey(
            Category, models.DO_NOTHING, null=True, related_name="students"
        )
        Meta = meta("students")

    class Person(models.Model):
        name = models.TextField()
        supervisor = models.ForeignKey(
            "self", models.DO_NOTHING, null=True, related_name="employees"
        )
        Meta = meta("persons")

    def member(m: Any) -> dict:
        c = m.category
        return {
            "id": m.id,
            "name": m.name,
            "schoolclass_id": m.schoolclass_id,
            "category_id": m.category_id,
            "category": None if c is None else {"id": c.id, "name": c.name},
        }

    def load_school() -> list:
        # prefetch_related, each list with its category joined (select_related) in the
        # same statement: 3 statements in all.
        classes = SchoolClass.objects.order_by("id").prefetch_related(
            Prefetch("teachers", Teacher.objects.select_related("category").order_by("id")),
            Prefetch("students", Student.objects.select_related("category").order_by("id")),
        )
        return [
            {
                "id": c.id,
                "name": c.name,
                "department_id": c.department_id,
                "teachers": [member(t) for t in c.teachers.all()],
                "students": [member(s) for s in c.students.all()],
            }
            for c in classes
        ]

    def person_dict(p: Any, depth: int) -> dict:
        record = {"id": p.id, "name": p.name, "supervisor_id": p.supervisor_id}
        if depth:
            record["employees"] = [person_dict(e, depth - 1) for e in p.employees.all()]
        return record

    ordered = Person.objects.order_by("id")
    tree = [
        Prefetch("__".join(["employees"] * depth), ordered)
        for depth in range(1, PERSON_DEPTH + 1)
    ]

    def load_person() -> list:
        roots = Person.objects.filter(supervisor__isnull=True).order_by("id").prefetch_related(*tree)
        return [person_dict(p, PERSON_DEPTH) for p in roots]

    return {"school": load_school, "person": load_person}


# --- SQLAlchemy -------------------------------------------------------------------------


def sqlalchemy_loads(data: Path) -> dict[str, Callable[[], list]]:
    from typing import Optional

    from sqlalchemy import ForeignKey, create_engine, select
    from sqlalchemy.orm import (
        DeclarativeBase,
        Mapped,
        Session,
        joinedload,
        mapped_column,
        relationship,
        selectinload,
    )

    class Base(DeclarativeBase):
        pass

    class Department(Base):
        __tablename__ = "departments"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    class Category(Base):
        __tablename__ = "categories"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    class SchoolClass(Base):
        __tablename__ = "schoolclasses"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
        teachers: Mapped[list["Teacher"]] = relationship(order_by="Teacher.id")
        students: Mapped[list["Student"]] = relationship(order_by="Student.id")

    class Teacher(Base):
        __tablename__ = "teachers"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        schoolclass_id: Mapped[int] = mapped_column(ForeignKey("schoolclasses.id"))
        category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("categories.id"))
        category: Mapped[Optional[Category]] = relationship()

    class Student(Base):
        __tablename__ = "students"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        schoolclass_id: Mapped[int] = mapped_column(ForeignKey("schoolclasses.id"))
        category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("categories.id"))
        category: Mapped[Optional[Category]] = relationship()

    class PersonBase(DeclarativeBase):
        pass

    class Person(PersonBase):
        __tablename__ = "persons"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("persons.id"))
        employees: Mapped[list["Person"]] = relationship(order_by="Person.id")

    school = create_engine(f"sqlite:///{data / 'school.db'}")
    person = create_engine(f"sqlite:///{data / 'person.db'}")

    def member(m: Any) -> dict:
        c = m.category
        return {
            "id": m.id,
            "name": m.name,
            "schoolclass_id": m.schoolclass_id,
            "category_id": m.category_id,
            "category": None if c is None else {"id": c.id, "name": c.name},
        }

    # selectinload for the lists, each list's category joined into its statement
    # (joinedload): 3 statements, like Django's.
    school_query = (
        select(SchoolClass)
        .order_by(SchoolClass.id)
        .options(
            selectinload(SchoolClass.teachers).joinedload(Teacher.category),
            selectinload(SchoolClass.students).joinedload(Student.category),
        )
    )

    def load_school() -> list:
        # A new session per load: an identity map kept across loads would answer from
        # memory.
        with Session(school) as session:
            return [
                {
                    "id": c.id,
                    "name": c.name,
                    "department_id": c.department_id,
                    "teachers": [member(t) for t in c.teachers],
                    "students": [member(s) for s in c.students],
                }
                for c in session.scalars(school_query)
            ]

    def person_dict(p: Any, depth: int) -> dict:
        record = {"id": p.id, "name": p.name, "supervisor_id": p.supervisor_id}
        if depth:
            record["employees"] = [person_dict(e, depth - 1) for e in p.employees]
        return record

    person_query = (
        select(Person)
        .where(Person.supervisor_id.is_(None))
        .order_by(Person.id)
        .options(
            selectinload(Person.employees)
            .selectinload(Person.employees)
            .selectinload(Person.employees)
        )
    )

    def load_person() -> list:
        with Session(person) as session:
            return [person_dict(p, PERSON_DEPTH) for p in session.scalars(person_query)]

    return {"school": load_school, "person": load_person}


# --- ormar ------------------------------------------------------------------------------


def ormar_loads(data: Path) -> dict[str, Callable[[], list]]:
    """ormar is async: each timed call is ``runner.run(load())`` on one event loop (what
    ``asyncio.run`` does, without making a new loop per call: the engine's pooled
    connection belongs to the loop that opened it). ``ormar``: the seeds' select_related
    (one joined statement); ``ormar_prefetch``: prefetch_related (one statement per
    relation)."""
    from typing import ForwardRef, Optional

    import ormar
    import sqlalchemy

    school_db = ormar.DatabaseConnection(f"sqlite+aiosqlite:///{data / 'school.db'}")
    person_db = ormar.DatabaseConnection(f"sqlite+aiosqlite:///{data / 'person.db'}")
    school_base = ormar.OrmarConfig(database=school_db, metadata=sqlalchemy.MetaData())
    person_base = ormar.OrmarConfig(database=person_db, metadata=sqlalchemy.MetaData())

    class Department(ormar.Model):
        ormar_config = school_base.copy(tablename="departments")
        id: int = ormar.Integer(primary_key=True)
        name: str = ormar.String(max_length=100)

    class SchoolClass(ormar.Model):
        ormar_config = school_base.copy(tablename="schoolclasses")
        id: int = ormar.Integer(primary_key=True)
        name: str = ormar.String(max_length=100)
        department: Department = ormar.ForeignKey(
            Department, name="department_id", nullable=False, related_name="classes"
        )

    class Category(ormar.Model):
        ormar_config = school_base.copy(tablename="categories")
        id: int = ormar.Integer(primary_key=True)
        name: str = ormar.String(max_length=100)

    class Teacher(ormar.Model):
        ormar_config = school_base.copy(tablename="teachers")
        id: int = ormar.Integer(primary_key=True)
        name: str = ormar.String(max_length=100)
        schoolclass: SchoolClass = ormar.ForeignKey(
            SchoolClass, name="schoolclass_id", nullable=False, related_name="teachers"
        )
        category: Optional[Category] = ormar.ForeignKey(
            Category, name="category_id", nullable=True, related_name="teachers"
        )

    class Student(ormar.Model):
        ormar_config = school_base.copy(tablename="students")
        id: int = ormar.Integer(primary_key=True)
        name: str = ormar.String(max_length=100)
        schoolclass: SchoolClass = ormar.ForeignKey(
            SchoolClass, name="schoolclass_id", nullable=False, related_name="students"
        )
        category: Optional[Category] = ormar.ForeignKey(
            Category, name="category_id", nullable=True, related_name="students"
        )

    PersonRef = ForwardRef("Person")

    class Person(ormar.Model):
        ormar_config = person_base.copy(tablename="persons")
        id: int = ormar.Integer(primary_key=True)
        name: str = ormar.String(max_length=100)
        supervisor: PersonRef = ormar.ForeignKey(
            PersonRef, name="supervisor_id", nullable=True, related_name="employees"
        )

    Person.update_forward_refs()

    def member(m: Any, class_id: int) -> dict:
        c = m.category
        return {
            "id": m.id,
            "name": m.name,
            "schoolclass_id": class_id,
            "category_id": None if c is None else c.id,
            "category": None if c is None else {"id": c.id, "name": c.name},
        }

    def school_dicts(classes: list) -> list:
        return [
            {
                "id": c.id,
                "name": c.name,
                "department_id": c.department.id,
                "teachers": [member(t, c.id) for t in c.teachers],
                "students": [member(s, c.id) for s in c.students],
            }
            for c in classes
        ]

    def person_dict(p: Any, depth: int, supervisor: int | None) -> dict:
        record = {"id": p.id, "name": p.name, "supervisor_id": supervisor}
        if depth:
            record["employees"] = [person_dict(e, depth - 1, p.id) for e in p.employees]
        return record

    tree = "__".join(["employees"] * PERSON_DEPTH)

    async def school_joined() -> list:
        classes = (
            await SchoolClass.objects.select_related(["teachers__category", "students__category"])
            .order_by("id")
            .all()
        )
        return school_dicts(classes)

    async def school_prefetch() -> list:
        classes = (
            await SchoolClass.objects.prefetch_related(["teachers__category", "students__category"])
            .order_by("id")
            .all()
        )
        return school_dicts(classes)

    async def person_joined() -> list:
        roots = (
            await Person.objects.select_related(tree)
            .filter(supervisor__isnull=True)
            .order_by("id")
            .all()
        )
        return [person_dict(p, PERSON_DEPTH, None) for p in roots]

    async def person_prefetch() -> list:
        roots = (
            await Person.objects.prefetch_related(tree)
            .filter(supervisor__isnull=True)
            .order_by("id")
            .all()
        )
        return [person_dict(p, PERSON_DEPTH, None) for p in roots]

    runner = asyncio.Runner()
    runner.run(school_db.connect())
    runner.run(person_db.connect())

    def sync(load: Callable[[], Any]) -> Callable[[], list]:
        return lambda: runner.run(load())

    return {
        "ormar": {"school": sync(school_joined), "person": sync(person_joined)},
        "ormar_prefetch": {"school": sync(school_prefetch), "person": sync(person_prefetch)},
    }


# --- the floor --------------------------------------------------------------------------


def relq_statements(data: Path, relq_bin: str) -> dict[str, list[dict]]:
    """relq's own statements for both queries, from `relq compile --format json`, saved
    under the data folder the first time and read from there after (compiled again when
    the queries here change)."""
    saved = data / "statements.json"
    if saved.exists():
        known = json.loads(saved.read_text())
        if known.get("queries") == CLI_QUERIES:
            return known["statements"]
    statements = {}
    for name, args in CLI_QUERIES.items():
        argv = [relq_bin, "compile", "--format", "json", *args]
        compiled = json.loads(subprocess.run(argv, check=True, capture_output=True).stdout)
        statements[name] = [{"sql": s["sql"], "params": s["params"]} for s in compiled["statements"]]
    known = {"queries": CLI_QUERIES, "statements": statements}
    saved.write_text(json.dumps(known, indent=2, ensure_ascii=False) + "\n")
    return statements


def floor_loads(data: Path, statements: dict[str, list[dict]]) -> dict[str, Callable[[], list]]:
    connections = {
        "school": sqlite3.connect(data / "school.db"),
        "person": sqlite3.connect(data / "person.db"),
    }

    def load(name: str) -> Callable[[], list]:
        connection = connections[name]
        texts = [(s["sql"], s["params"]) for s in statements[name]]
        return lambda: [connection.execute(sql, params).fetchall() for sql, params in texts]

    return {name: load(name) for name in QUERIES}


# --- timing -----------------------------------------------------------------------------


SLOW = 5.0  # seconds: a load whose warm-up call took this long gets MIN_RUNS timed calls
MIN_RUNS = 5


def timed(load: Callable[[], Any]) -> float:
    """Seconds of one call. The answer is dropped after the clock stops."""
    start = time.perf_counter()
    answer = load()
    seconds = time.perf_counter() - start
    del answer
    return seconds


def measure(
    loads: dict[str, Callable[[], Any]], warmups: int, runs: int
) -> dict[str, list[float]]:
    """Seconds of each contender's timed calls on one load, in interleaved rounds (every
    contender once per round, in turn), so that other work on the machine weighs on all of
    them alike. First `warmups` untimed calls each (at least one); a contender whose
    warm-up call takes SLOW seconds or more is warmed once and timed in the first
    MIN_RUNS rounds only (ormar's joined school load takes about a minute). A full
    collection runs before each call, outside the timing."""
    rounds = {}
    for c, load in loads.items():
        rounds[c] = runs
        for _ in range(max(warmups, 1)):
            gc.collect()
            if timed(load) >= SLOW:
                rounds[c] = min(runs, MIN_RUNS)
                break
    times: dict[str, list[float]] = {c: [] for c in loads}
    for round in range(runs):
        for c, load in loads.items():
            if round < rounds[c]:
                gc.collect()
                times[c].append(timed(load))
    return times


def census(records: list[dict]) -> str:
    """How many records an answer holds at each depth: `100 + 900 + 4000 + 15000`."""
    counts: list[int] = []
    level = records
    while level:
        counts.append(len(level))
        level = [
            child
            for record in level
            for value in record.values()
            for child in (value if isinstance(value, list) else [value] if isinstance(value, dict) else [])
        ]
    return " + ".join(map(str, counts)) + " records by depth"


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("relq", "Django", "SQLAlchemy", "ormar", "aiosqlite", "pydantic"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    found["sqlite"] = sqlite3.sqlite_version
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with school.db and person.db")
    parser.add_argument("--relq", required=True, help="the relq CLI, for the floor's statements")
    parser.add_argument("--runs", type=int, default=7, help="timed calls per load (default 7)")
    parser.add_argument("--warmups", type=int, default=2, help="untimed calls first (default 2)")
    parser.add_argument("--strict", action="store_true", help="stop at an answer that differs")
    parser.add_argument(
        "--only", default=",".join(CONTENDERS), help="comma-separated contenders to run"
    )
    args = parser.parse_args()
    wanted = [c for c in args.only.split(",") if c]
    for c in wanted:
        if c not in CONTENDERS:
            parser.error(f"unknown contender `{c}`; expected some of {', '.join(CONTENDERS)}")

    statements = relq_statements(args.data, args.relq)
    loads: dict[str, dict[str, Callable[[], Any]]] = {}
    for c in wanted:
        if c == "relq":
            try:
                loads["relq"] = relq_loads(args.data)
            except ImportError:
                print("relq: the package is not installed in this environment; skipped", file=sys.stderr)
        elif c == "django":
            loads["django"] = django_loads(args.data)
        elif c == "sqlalchemy":
            loads["sqlalchemy"] = sqlalchemy_loads(args.data)
        elif c in ("ormar", "ormar_prefetch") and "ormar" not in loads:
            both = ormar_loads(args.data)
            loads.update({k: v for k, v in both.items() if k in wanted})
        elif c == "floor":
            loads["floor"] = floor_loads(args.data, statements)

    # The check: every contender's answer equals the reference; the floor reads the rows
    # the statements return (it builds nothing to compare). A contender whose answer
    # differs is reported and not timed on that load (with --strict, the run stops).
    expected = reference(args.data)
    wrong: dict[str, dict[str, str]] = {name: {} for name in QUERIES}
    for name in QUERIES:
        for c, load in loads.items():
            answer = load[name]()
            if c == "floor":
                rows = sum(len(r) for r in answer)
                print(f"check {name}: floor read {rows} rows in {len(answer)} statements")
                continue
            if answer == expected[name]:
                print(f"check {name}: {c} equals the reference ({census(answer)})")
                continue
            wrong[name][c] = f"{census(answer)}, expected {census(expected[name])}"
            print(f"check {name}: {c} DIFFERS from the reference: {wrong[name][c]}")
            assert not args.strict, f"{c} loads a different {name} answer"

    results: dict[str, dict[str, list[float]]] = {name: {} for name in QUERIES}
    for name in QUERIES:
        timing = {c: load[name] for c, load in loads.items() if c not in wrong[name]}
        results[name] = measure(timing, args.warmups, args.runs)
        for c, times in results[name].items():
            print(
                f"{name:7} {c:15} median {statistics.median(times) * 1e3:9.2f} ms"
                f"  min {min(times) * 1e3:9.2f}  max {max(times) * 1e3:9.2f}  (n={len(times)})"
            )

    print()
    print(table(results, wrong))
    env = versions()
    print()
    print(", ".join(f"{k} {v}" for k, v in env.items()))
    out = args.data / "results.json"
    out.write_text(
        json.dumps(
            {"versions": env, "runs": args.runs, "warmups": args.warmups, "seconds": results,
             "wrong": wrong, "loadavg": os.getloadavg()},
            indent=2,
        )
        + "\n"
    )
    print(f"written: {out}")


def table(results: dict[str, dict[str, list[float]]], wrong: dict[str, dict[str, str]]) -> str:
    """The README's table: median ms per contender, relq against the fastest ORM and the
    floor."""
    columns = [
        c for c in CONTENDERS if any(c in r for r in results.values()) or any(c in w for w in wrong.values())
    ]
    head = "| load | " + " | ".join(columns) + " | fastest ORM ÷ relq | relq ÷ floor |"
    lines = [head, "|" + "---|" * (len(columns) + 3)]
    for name, by in results.items():
        med = {c: statistics.median(t) * 1e3 for c, t in by.items()}
        cells = [
            f"{med[c]:.1f}" if c in med else "wrong answer" if c in wrong.get(name, {}) else "—"
            for c in columns
        ]
        orms = [med[c] for c in ORMS if c in med]
        if "relq" in med and orms:
            vs_orm = f"{min(orms) / med['relq']:.1f}×"
        else:
            vs_orm = "—"
        vs_floor = f"{med['relq'] / med['floor']:.2f}×" if "relq" in med and "floor" in med else "—"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {vs_orm} | {vs_floor} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
