"""The demo's showcase queries (crates/cli/src/demo.rs) through Python, on the demo's
sample data on SQLite, PostgreSQL and MariaDB, compared record for record with what
`relq query --format json` prints for the same query on the same database; then the
terminals (count, exists, first, last, get, values, aggregates) and the strategies.

The databases are introspected, as `relq query` reads them: models are named as their
tables (`schoolclasses`), relations by introspection's rules (`teachers`, `category`).
"""

import json
import threading

import pytest

import relq
from conftest import cli_json

# (sample, Python query, the same query as `relq query` flags)
SHOWCASE = [
    (
        "school",
        lambda db: db.query("schoolclasses").select_related("teachers__category", "students__category"),
        ["--model", "schoolclasses", "--select-related", "teachers__category,students__category"],
    ),
    (
        "blog",
        lambda db: db.query("posts").select_related("categories", "author"),
        ["--model", "posts", "--select-related", "categories,author"],
    ),
    (
        "person",
        lambda db: db.query("persons").select_related("supervisor", "persons"),
        ["--model", "persons", "--select-related", "supervisor,persons"],
    ),
    (
        "blog",
        lambda db: db.query("posts")
        .select_related("categories", "author")
        .filter(categories__name__icontains="music")
        .exclude(author__first_name__iexact="anna"),
        [
            "--model", "posts", "--select-related", "categories,author",
            "--filter", "categories__name__icontains=music",
            "--exclude", "author__first_name__iexact=anna",
        ],
    ),
    (
        "school",
        lambda db: db.query("schoolclasses").select_related("students").order_by("-name").offset(10).limit(3),
        [
            "--model", "schoolclasses", "--select-related", "students",
            "--order-by", "-name", "--offset", "10", "--limit", "3",
        ],
    ),
]


def cli_records(cli, url, flags):
    status, out, err = cli("query", "--db", url, *flags, "--format", "json")
    assert status == 0, err
    return json.loads(out)


@pytest.mark.parametrize("example", range(len(SHOWCASE)), ids=lambda i: f"showcase{i + 1}")
def test_showcase_query_gives_the_clis_records(backend, samples, cli, example):
    sample, build, flags = SHOWCASE[example]
    url = samples(backend, sample)
    records = build(relq.connect(url)).all()
    assert records, "the showcase query returns records"
    assert cli_json(records) == cli_records(cli, url, flags)


def test_every_strategy_gives_the_same_records_as_the_cli(backend, samples, cli):
    url = samples(backend, "school")
    db = relq.connect(url)
    query = db.query("schoolclasses").select_related("teachers__category", "students").limit(7)
    expected = cli_records(cli, url, ["--model", "schoolclasses", "--select-related",
                                      "teachers__category,students", "--limit", "7"])
    for strategy in ["auto", "joined", "split", "json"]:
        assert cli_json(query.strategy(strategy).all()) == expected, strategy


def test_a_connection_reads_right_again_after_a_bigger_read_a_failure_and_from_threads(
    backend, samples, cli
):
    """A connection keeps its last records fetch's buffers for the next one: a small read
    after a big one, a read after a `get` that failed, and reads of two shapes from four
    threads at once on the one connection each give the CLI's records."""
    url = samples(backend, "school")
    db = relq.connect(url)
    big, big_flags = SHOWCASE[0][1](db), SHOWCASE[0][2]
    small, small_flags = SHOWCASE[4][1](db), SHOWCASE[4][2]
    want = {"big": cli_records(cli, url, big_flags), "small": cli_records(cli, url, small_flags)}
    assert cli_json(big.all()) == want["big"]
    assert cli_json(small.all()) == want["small"]
    with pytest.raises(relq.MultipleMatches):
        db.query("schoolclasses").select_related("students").get(id__in=[1, 2])
    assert cli_json(small.all()) == want["small"]

    medium = db.query("schoolclasses").select_related("teachers__category", "students").limit(7)
    want["medium"] = cli_records(cli, url, ["--model", "schoolclasses", "--select-related",
                                            "teachers__category,students", "--limit", "7"])
    queries = {"medium": medium, "small": small}
    got, failed = [], []

    def read(start):
        try:
            for k in range(4):
                name = ["medium", "small"][(start + k) % 2]
                got.append((name, cli_json(queries[name].all())))
        except Exception as e:  # reported below, with the thread's reads
            failed.append(e)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    assert len(got) == 16
    for name, records in got:
        assert records == want[name], name


def test_ormar_scope_trims_lists_as_the_cli_does(backend, samples, cli):
    url = samples(backend, "blog")
    db = relq.connect(url)
    query = (db.query("posts").select_related("categories").compat("ormar")
             .filter(categories__name__icontains="music").order_by("-title").limit(5))
    expected = cli_records(cli, url, [
        "--model", "posts", "--select-related", "categories", "--compat", "ormar",
        "--filter", "categories__name__icontains=music", "--order-by", "-title", "--limit", "5",
    ])
    records = query.all()
    assert cli_json(records) == expected
    assert all("music" in c["name"].lower() for r in records for c in r["categories"])


def test_fields_and_exclude_fields_shape_records_as_the_cli_does(backend, samples, cli):
    url = samples(backend, "school")
    db = relq.connect(url)
    query = (db.query("students").select_related("category").fields("name", "category__name")
             .exclude_fields("schoolclass_id").limit(4))
    expected = cli_records(cli, url, ["--model", "students", "--select-related", "category",
                                      "--fields", "name,category__name",
                                      "--exclude-fields", "schoolclass_id", "--limit", "4"])
    records = query.all()
    assert cli_json(records) == expected
    assert set(records[0]) == {"id", "name", "category"}


def test_a_nested_list_with_its_own_filter_order_and_limit_reads_as_its_json_query(
    backend, samples, cli, tmp_path
):
    url = samples(backend, "school")
    db = relq.connect(url)
    query = db.query("schoolclasses").select_related(
        {"path": "students", "filter": relq.Q(name__icontains="a") | relq.Q(name__startswith="Z"),
         "order_by": "-name", "limit": 2},
        "teachers",
    ).filter(relq.Q(name__startswith="1") | ~relq.Q(department__name="Science")).limit(5)
    file = tmp_path / "query.json"
    file.write_text(query.to_json())
    expected = cli_records(cli, url, ["--query-file", str(file)])
    records = query.all()
    assert cli_json(records) == expected
    assert all(len(r["students"]) <= 2 for r in records)
    assert json.loads(query.to_json())["select_related"][0] == {
        "path": "students",
        "filter": [{"or": [["name__icontains", "a"], ["name__startswith", "Z"]]}],
        "order_by": ["-name"],
        "limit": 2,
    }


def test_count_and_exists_count_roots_as_the_cli_does(backend, samples, cli):
    url = samples(backend, "school")
    db = relq.connect(url)
    query = db.query("schoolclasses").select_related("students")
    status, out, err = cli("query", "--db", url, "--model", "schoolclasses",
                           "--select-related", "students", "--count")
    assert status == 0, err
    assert json.loads(out) == {"count": query.count()} == {"count": 100}
    filtered = query.filter(students__name__icontains="zoë")
    status, out, err = cli("query", "--db", url, "--model", "schoolclasses",
                           "--filter", "students__name__icontains=zoë", "--count")
    assert json.loads(out) == {"count": filtered.count()}
    assert filtered.exists() is True
    assert query.filter(name="no such class").exists() is False
    assert query.offset(3).exists() is True


def test_first_last_and_get_return_one_record_or_raise(backend, samples):
    db = relq.connect(samples(backend, "school"))
    classes = db.query("schoolclasses").order_by("name")
    first, last = classes.first(), classes.last()
    names = classes.values_list("name", flat=True)
    assert (first["name"], last["name"]) == (names[0], names[-1])
    one = db.query("schoolclasses").select_related("students").get(id=1)
    assert one["id"] == 1 and isinstance(one["students"], list)
    assert db.query("schoolclasses").get(relq.Q(id=2)) == db.query("schoolclasses").filter(id=2).first()
    assert db.query("schoolclasses").get_or_none(id=10**9) is None
    assert db.query("schoolclasses").filter(id=10**9).first() is None
    with pytest.raises(relq.NoMatch) as e:
        db.query("schoolclasses").get(id=10**9)
    assert str(e.value) == "get on `schoolclasses` matched no record"
    assert e.value.model == "schoolclasses"
    with pytest.raises(relq.MultipleMatches) as e:
        db.query("schoolclasses").get(id__in=[1, 2])
    assert str(e.value) == "get on `schoolclasses` matched more than one record"
    assert isinstance(e.value, relq.DatabaseError) and isinstance(e.value, relq.Error)


def test_values_values_list_and_aggregates(backend, samples, cli, tmp_path):
    url = samples(backend, "blog")
    db = relq.connect(url)
    posts = db.query("posts").filter(id__lte=5)
    rows = posts.values("title", "author__first_name")
    assert [set(r) for r in rows] == [{"title", "author__first_name"}] * len(rows)
    as_tuples = posts.values_list("title", "author__first_name")
    assert as_tuples == [(r["title"], r["author__first_name"]) for r in rows]
    assert posts.values_list("id", flat=True) == [1, 2, 3, 4, 5]
    assert posts.values()[0].keys() == {"id", "title", "author_id"}
    file = tmp_path / "values.json"
    query = dict(json.loads(posts.to_json()), terminal={"values": {"fields": ["title", "categories__name"]}})
    file.write_text(json.dumps(query))
    status, out, err = cli("query", "--db", url, "--query-file", str(file))
    assert status == 0, err
    expected = json.loads(out)
    got = posts.values_list("title", "categories__name")
    assert [list(t) for t in got] == expected["rows"]
    assert expected["columns"] == ["title", "categories__name"]

    stats = db.query("posts_categories").aggregate(relq.Count("weight"), relq.Sum("weight"),
                                                   low=relq.Min("weight"), high=relq.Max("weight"),
                                                   mean=relq.Avg("weight"))
    weights = db.query("posts_categories").values_list("weight", flat=True)
    assert stats == {
        "weight__count": len(weights), "weight__sum": sum(weights),
        "low": min(weights), "high": max(weights), "mean": pytest.approx(sum(weights) / len(weights)),
    }
    assert db.query("posts_categories").max("weight") == max(weights)
    assert db.query("posts_categories").min("weight") == min(weights)
    assert db.query("posts_categories").sum("weight") == sum(weights)
    assert db.query("posts_categories").avg("weight") == pytest.approx(sum(weights) / len(weights))
    assert db.query("posts").filter(id=-1).max("id") is None


def test_chaining_never_changes_the_query_it_starts_from(backend, samples):
    db = relq.connect(samples(backend, "school"))
    base = db.query("schoolclasses")
    narrowed = base.filter(id__lte=3).order_by("-id")
    assert base.count() == 100
    assert [r["id"] for r in narrowed.all()] == [3, 2, 1]
    assert [r["id"] for r in narrowed] == [3, 2, 1]
    assert [r["id"] for r in base.paginate(2, 10).all()] == list(range(11, 21))
    assert "schoolclasses" in repr(narrowed)
