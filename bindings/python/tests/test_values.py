"""Every value kind both ways, exactly, on SQLite, PostgreSQL and MariaDB: written with
the Python writes API, read back as the same Python values (Decimal with its scale,
datetimes with microseconds, 64-bit integers, bytes, UUIDs, JSON documents, NULL),
compared with what `relq query --format json` prints, and used as filter values; what
relq has no form for is a Python error, never a changed value.
"""

import datetime
import decimal
import json
import uuid

import pytest

import relq
from conftest import HERE, cli_json

SCHEMA = str(HERE / "schemas" / "every_field_type.toml")
D = decimal.Decimal

ROWS = [
    {
        "id": 1, "big": 2**63 - 1, "count": -7, "ratio": 0.1, "price": D("12.50"),
        "note": "naïve 日本 'single' \"double\" \\ % _ \u00e9\u0301", "title": "T", "done": True,
        "day": datetime.date(2024, 5, 1), "at": datetime.time(13, 45, 0, 250000),
        "stamp": datetime.datetime(2024, 5, 1, 13, 45, 0, 250000),
        "uid": uuid.UUID("67E55044-10B1-426F-9247-BB680E5FE0C8"),
        "doc": {"a": [1, 2.5, "x", None, True], "b": {"c": "d"}},
        "raw": bytes(range(256)), "tag_id": "a",
    },
    {
        "id": 2, "big": -(2**63), "count": 2**31 - 1, "ratio": 1e308, "price": D("-0.05"),
        "note": "", "title": "U", "done": False,
        "day": datetime.date(1999, 12, 31), "at": datetime.time(0, 0),
        "stamp": datetime.datetime(1999, 12, 31, 23, 59, 59),
        "uid": uuid.UUID(int=0), "doc": [], "raw": b"", "tag_id": None,
    },
    {
        "id": 3, "big": None, "count": None, "ratio": None, "price": None, "note": None,
        "title": None, "done": None, "day": None, "at": None, "stamp": None, "uid": None,
        "doc": None, "raw": None, "tag_id": None,
    },
]


def written(row):
    """A row as `create` takes it: the foreign key by its relation's name."""
    values = {k: v for k, v in row.items() if k != "tag_id"}
    values["tag"] = row["tag_id"]
    return values


@pytest.fixture
def items(fresh):
    db, url = fresh(SCHEMA, "values")
    db.query("Tag").bulk_create([{"code": "a"}, {"code": "b"}])
    for row in ROWS:
        assert db.query("Item").create(**written(row)) == row["id"]
    return db, url


def test_every_value_kind_reads_back_as_written(items):
    db, _ = items
    records = db.query("Item").order_by("id").all()
    assert records == ROWS
    for got, row in zip(records, ROWS):
        for name, value in row.items():
            assert type(got[name]) is type(value), name
    assert str(records[0]["price"]) == "12.50" and str(records[1]["price"]) == "-0.05"
    assert records[0]["stamp"].microsecond == 250000
    assert records[0]["uid"] == uuid.UUID("67e55044-10b1-426f-9247-bb680e5fe0c8")


def test_the_cli_prints_the_same_values(items, cli):
    db, url = items
    status, out, err = cli("query", "--db", url, "--model", "items", "--order-by", "id")
    assert status == 0, err
    introspected = relq.connect(url).query("items").order_by("id").all()
    assert cli_json(introspected) == json.loads(out)
    if db.dialect == "postgres":
        # PostgreSQL's column types say every kind. SQLite's declared types are
        # affinities, read back as integer, float, text or bytes, and MariaDB's JSON is
        # LONGTEXT: introspected, those columns are text.
        assert introspected == ROWS


def test_bulk_create_and_values_keep_every_kind(fresh):
    db, _ = fresh(SCHEMA, "bulk")
    db.query("Tag").create(code="a")
    keys = db.query("Item").bulk_create([written(r) for r in ROWS])
    assert keys == [1, 2, 3]
    names = [k for k in ROWS[0] if k != "tag_id"]
    assert db.query("Item").order_by("id").values_list(*names) == [
        tuple(r[n] for n in names) for r in ROWS
    ]


@pytest.mark.parametrize(
    "lookups, ids",
    [
        ({"big": 2**63 - 1}, [1]),
        ({"big__lt": 0}, [2]),
        ({"count__in": [-7, 2**31 - 1]}, [1, 2]),
        ({"ratio__lt": 0.2}, [1]),
        ({"price": D("12.50")}, [1]),
        ({"price__lt": D("0")}, [2]),
        ({"price": 12.5}, None),  # a float for a decimal: relq refuses it
        ({"note__contains": "日本"}, [1]),
        ({"note__icontains": "NAïVE"}, [1]),  # ASCII case: SQLite's LOWER() has no other
        ({"note__contains": "%"}, [1]),
        ({"done": False}, [2]),
        ({"day": datetime.date(2024, 5, 1)}, [1]),
        ({"day__range": [datetime.date(1999, 1, 1), datetime.date(2000, 1, 1)]}, [2]),
        ({"at__gt": datetime.time(12, 0)}, [1]),
        ({"stamp": datetime.datetime(2024, 5, 1, 13, 45, 0, 250000)}, [1]),
        ({"stamp__lt": datetime.datetime(2000, 1, 1)}, [2]),
        ({"uid": uuid.UUID(int=0)}, [2]),
        ({"uid": "67E55044-10B1-426F-9247-BB680E5FE0C8"}, [1]),
        ({"raw": bytes(range(256))}, [1]),
        ({"raw": b""}, [2]),
        ({"tag": "a"}, [1]),
        ({"tag__isnull": True}, [2, 3]),
        ({"doc__isnull": True}, [3]),
    ],
)
def test_filter_values_of_every_kind(items, lookups, ids):
    db, _ = items
    query = db.query("Item").filter(**lookups)
    if ids is None:
        with pytest.raises(relq.CompileError) as e:
            query.all()
        assert "takes a decimal" in str(e.value)
        return
    assert query.values_list("id", flat=True) == ids


def test_nulls_sort_smallest_unless_placed(items):
    db, _ = items
    ids = lambda *order: db.query("Item").order_by(*order).values_list("id", flat=True)
    assert ids("ratio") == [3, 1, 2]
    assert ids("-ratio") == [2, 1, 3]
    assert ids({"path": "-ratio", "nulls": "first"}) == [3, 2, 1]
    assert ids({"path": "ratio", "nulls": "last"}, "id") == [1, 2, 3]
    with pytest.raises(ValueError, match="unknown variant `middle`"):
        db.query("Item").order_by({"path": "ratio", "nulls": "middle"})


def test_update_writes_every_kind(items):
    db, _ = items
    new = {
        "big": -1, "ratio": -2.5, "price": D("0.01"), "done": True,
        "day": datetime.date(2000, 2, 29), "at": datetime.time(23, 59, 59, 999999),
        "stamp": datetime.datetime(2000, 2, 29, 0, 0, 0, 1), "uid": uuid.UUID(int=1),
        "doc": {"nested": {"list": [1, [2, [3]]]}}, "raw": b"\x00\xff", "note": "x",
    }
    assert db.query("Item").filter(id=3).update(**new) == 1
    got = db.query("Item").get(id=3)
    assert {k: got[k] for k in new} == new
    assert db.query("Item").filter(id=3).update(**{k: None for k in new}) == 1
    assert db.query("Item").get(id=3) == ROWS[2]


def test_values_relq_has_no_form_for_are_python_errors(items):
    db, _ = items
    items_ = db.query("Item")
    with pytest.raises(OverflowError):
        items_.filter(big=2**64).all()
    with pytest.raises(ValueError, match="NaN"):
        items_.create(id=9, ratio=float("nan"))
    with pytest.raises(TypeError, match="no value form for object"):
        items_.filter(note=object())
    with pytest.raises(TypeError, match="str keys"):
        items_.create(id=9, doc={1: "x"})
    aware = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
    with pytest.raises(relq.WriteError) as e:
        items_.create(id=9, stamp=aware)
    assert "`Item.stamp` takes a date-time" in str(e.value)
    with pytest.raises(relq.CompileError, match="date-time"):
        items_.filter(stamp=aware).count()
    with pytest.raises(relq.WriteError, match="decimal"):
        items_.create(id=9, price=1.5)
    assert items_.count() == 3


def test_a_statement_given_by_hand_binds_python_values(items):
    db, _ = items
    mark = "$1" if db.dialect == "postgres" else "?"
    second = "$2" if db.dialect == "postgres" else "?"
    changed = db.run(f"UPDATE items SET note = {mark} WHERE id = {second}", ["by hand", 2])
    assert changed == 1
    assert db.query("Item").get(id=2)["note"] == "by hand"
