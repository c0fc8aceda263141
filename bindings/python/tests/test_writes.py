"""Writes through the Python API on SQLite, PostgreSQL and MariaDB, with the blog
schema (schemas/blog.toml: `Author.posts` a reverse foreign key, `Post.categories` a
many-to-many through `PostCategory` and its `weight`): through a relation (`add`,
`remove`, `clear`, `create`, `set`, and the related set's reads), from a query
(`create`, `bulk_create`, `update`, `delete`, `get_or_create`, `update_or_create`),
and `with db.transaction():` committing, rolling back on an exception, and nesting.
"""

import threading
import time

import pytest

import relq
from conftest import SCHEMAS

BLOG = str(SCHEMAS / "blog.toml")


@pytest.fixture
def blog(fresh):
    """Authors 1 (Ada) and 2 (Bob); posts 1 and 2 by Ada, 3 by nobody; categories 1-3."""
    db, _ = fresh(BLOG, "blog")
    assert db.query("Author").bulk_create(
        [{"first_name": "Ada", "last_name": "L"}, {"first_name": "Bob", "last_name": "M"}]
    ) == [1, 2]
    assert db.query("Post").bulk_create(
        [{"title": "one", "author": 1}, {"title": "two", "author": 1}, {"title": "three"}]
    ) == [1, 2, 3]
    assert db.query("Category").bulk_create(
        [{"name": "sql"}, {"name": "orm"}, {"name": "rust"}]
    ) == [1, 2, 3]
    return db


def titles(db, author):
    return sorted(db.related("Author", author, "posts").values_list("title", flat=True))


def test_reverse_foreign_key_writes_through_the_relation(blog):
    db = blog
    ada = db.related("Author", 1, "posts")
    assert isinstance(ada, relq.RelatedSet) and isinstance(ada, relq.Query)
    assert ada.add(3) == 1
    assert titles(db, 1) == ["one", "three", "two"]
    assert ada.remove(3) == 1
    assert db.query("Post").get(id=3)["author_id"] is None
    new = ada.create(title="four")
    assert db.query("Post").get(id=new)["author_id"] == 1
    assert ada.count() == 3 and ada.filter(title__startswith="t").count() == 1
    assert ada.get(title="two")["id"] == 2
    assert ada.set([2, 3]) > 0
    assert titles(db, 1) == ["three", "two"]
    assert ada.clear() == 2
    assert titles(db, 1) == [] and db.query("Post").count() == 4
    db.related("Author", 2, "posts").add(1, 2)
    assert db.related("Author", 2, "posts").remove(1, keep_reversed=False) == 1
    assert db.query("Post").filter(id=1).exists() is False
    assert db.related("Author", 2, "posts").clear(keep_reversed=False) == 1
    assert sorted(db.query("Post").values_list("title", flat=True)) == ["four", "three"]


def test_many_to_many_writes_carry_the_through_fields(blog):
    db = blog
    post = db.related("Post", 1, "categories")
    assert post.add(1, 2, through={"weight": 5}) == 2
    assert post.add(1, through={"weight": 9}) == 0  # a link is never doubled
    records = post.order_by("name").all()
    assert [(r["name"], r["PostCategory"]) for r in records] == [
        ("orm", {"weight": 5}), ("sql", {"weight": 5}),
    ]
    loaded = db.query("Post").select_related("categories").get(id=1)
    assert [c["PostCategory"]["weight"] for c in loaded["categories"]] == [5, 5]
    assert post.remove(1) == 1
    made = post.create(name="python", through={"weight": 7})
    assert db.query("Category").get(id=made)["name"] == "python"
    assert sorted(post.values_list("name", flat=True)) == ["orm", "python"]
    post.set([3, 1], through={"weight": 1})
    assert sorted(post.values_list("name", flat=True)) == ["rust", "sql"]
    reverse = db.related("Category", 3, "posts")
    assert reverse.values_list("title", flat=True) == ["one"]
    assert post.clear() == 2
    assert post.exists() is False
    assert db.query("Category").count() == 4  # clearing links deletes no category


def test_a_foreign_key_is_set_through_its_relation(blog):
    db = blog
    author = db.related("Post", 3, "author")
    assert author.set(2) == 1
    assert db.query("Post").get(id=3)["author_id"] == 2
    assert author.set(None) == 1
    assert db.query("Post").get(id=3)["author_id"] is None


def test_writes_from_a_query(blog):
    db = blog
    posts = db.query("Post")
    assert posts.filter(author__first_name="Ada").update(title="by Ada") == 2
    assert posts.filter(title="by Ada").count() == 2
    assert posts.exclude(author__isnull=False).delete() == 1
    assert posts.count() == 2
    key, created = db.query("Category").get_or_create(name="sql")
    assert (key, created) == (1, False)
    key, created = db.query("Category").get_or_create(name="go")
    assert created is True and db.query("Category").get(id=key)["name"] == "go"
    key, created = db.query("Author").update_or_create(first_name="Ada", defaults={"last_name": "Lovelace"})
    assert (key, created) == (1, False)
    assert db.query("Author").get(id=1)["last_name"] == "Lovelace"
    key, created = db.query("Author").update_or_create(first_name="Cy", defaults={"last_name": "N"})
    assert created is True and db.query("Author").get(id=key)["last_name"] == "N"


def test_a_query_part_a_write_cannot_carry_is_a_write_error(blog):
    db = blog
    with pytest.raises(relq.WriteError) as e:
        db.query("Post").order_by("id").limit(1).delete()
    assert str(e.value) == (
        "operation 0 (delete): the query's slice (limit, offset or page) cannot be part of "
        "this write: a write changes every record its filter keeps"
    )
    with pytest.raises(relq.WriteError, match="owner"):
        db.related("Author", 1, "posts").filter(title="one").update(title="x")
    with pytest.raises(relq.WriteError, match="filter"):
        db.query("Post").filter(id=1).create(title="x")
    assert db.query("Post").count() == 3


def test_a_transaction_commits_or_rolls_back_as_a_whole(blog):
    db = blog
    with db.transaction():
        assert db.in_transaction is True
        db.query("Category").create(name="kept")
        db.related("Post", 1, "categories").add(1, through={"weight": 1})
    assert db.in_transaction is False
    assert db.query("Category").filter(name="kept").exists()
    with pytest.raises(RuntimeError, match="boom"):
        with db.transaction():
            db.query("Category").create(name="lost")
            db.related("Post", 2, "categories").add(2, through={"weight": 2})
            db.query("Post").filter(id=3).delete()
            raise RuntimeError("boom")
    assert not db.query("Category").filter(name="lost").exists()
    assert db.related("Post", 2, "categories").count() == 0
    assert db.query("Post").filter(id=3).exists()


def test_nested_transactions_and_a_failed_write_inside_one(blog):
    db = blog
    with db.transaction():
        db.query("Category").create(name="outer")
        with pytest.raises(ValueError):
            with db.transaction():
                db.query("Category").create(name="inner")
                raise ValueError("undo the inner block only")
        # A write the database refuses is undone alone; the transaction goes on.
        with pytest.raises(relq.IntegrityError) as e:
            db.query("Category").create(id=1, name="taken key")
        assert e.value.constraint == "unique" and e.value.model == "Category"
        db.query("Category").create(name="after")
    names = db.query("Category").values_list("name", flat=True)
    assert "outer" in names and "after" in names
    assert "inner" not in names and "taken key" not in names


def test_the_gil_is_released_while_the_database_works(fresh):
    """A second connection's write waits inside `update` for the lock this transaction
    holds; the main thread can only go on (and end the transaction, which lets that
    write through) because the waiting thread released the GIL."""
    db, url = fresh(BLOG, "gil")
    db.query("Category").create(name="sql")
    other = relq.connect(url, schema=BLOG)
    if other.dialect == "postgres":
        other.run("SET lock_timeout = '20s'")  # a held GIL would fail the test, not hang it
    elif other.dialect == "mysql":
        other.run("SET innodb_lock_wait_timeout = 20")
    events = []

    def write():
        other.query("Category").filter(id=1).update(name="waited")
        events.append("other wrote")

    with db.transaction():
        db.query("Category").filter(id=1).update(name="locked")
        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.5)  # the other thread now waits for the lock, inside relq
        events.append("main went on")
    thread.join()
    assert events == ["main went on", "other wrote"]
    assert db.query("Category").get(id=1)["name"] == "waited"
