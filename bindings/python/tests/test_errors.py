"""Every exception class of relq, raised with the `relq` CLI's message, on SQLite,
PostgreSQL and MariaDB: the CLI prints `error: ` then its context (`query: `, `database: `
or none) then the message the Python exception carries.
"""

import json

import pytest

import relq
from conftest import SCHEMAS

BLOG = str(SCHEMAS / "blog.toml")


def one_line(text):
    """The CLI's one line: a multi-line driver message joined with `; `."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def cli_error(cli, *args, stdin=None):
    status, out, err = cli(*args, stdin=stdin)
    assert status == 1 and out == "", (status, out, err)
    assert err.startswith("error: ") and err.endswith("\n"), err
    return err[len("error: "):-1]


def test_the_classes_form_one_hierarchy():
    for name in ["OpenError", "SchemaError", "CompileError", "WriteError", "DatabaseError"]:
        assert issubclass(getattr(relq, name), relq.Error)
    for name in ["NoMatch", "MultipleMatches", "IntegrityError", "MissingRecords", "RowError"]:
        assert issubclass(getattr(relq, name), relq.DatabaseError)
    assert issubclass(relq.Error, Exception)


@pytest.mark.parametrize("url", [
    "oracle://x",
    "sqlite:/no/such/relq.db",
    "postgres://relq:s3cret@127.0.0.1:1/relq",
    "mysql://relq:s3cret@127.0.0.1:1/relq",
])
def test_a_url_that_cannot_be_opened_is_an_open_error(cli, url):
    with pytest.raises(relq.OpenError) as e:
        relq.connect(url)
    assert str(e.value) == cli_error(cli, "query", "--db", url, "--model", "x")
    assert "s3cret" not in str(e.value)


def test_a_schema_that_does_not_read_or_validate_is_a_schema_error(cli, tmp_path, backend, fresh):
    _, url = fresh(BLOG, "schema")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[models]]\nname = "Post"\nfields = [{ name = "id", type = "integr" }]\n')
    with pytest.raises(relq.SchemaError) as e:
        relq.connect(url, schema=bad)
    assert str(e.value) == cli_error(cli, "schema", "--schema", str(bad))
    assert str(e.value).startswith(f"schema file `{bad}`: ")

    missing = tmp_path / "missing.toml"
    with pytest.raises(relq.SchemaError) as e:
        relq.connect(url, schema=str(missing))
    assert str(e.value) == cli_error(cli, "schema", "--schema", str(missing))

    clash = {"models": [
        {"name": "A", "fields": [{"name": "id", "type": "integer", "primary_key": True}],
         "foreign_keys": [{"name": "b", "to": "B", "related_name": "x"},
                          {"name": "c", "to": "B", "related_name": "x"}]},
        {"name": "B", "fields": [{"name": "id", "type": "integer", "primary_key": True}]},
    ]}
    as_file = tmp_path / "clash.json"
    as_file.write_text(json.dumps(clash))
    with pytest.raises(relq.SchemaError) as e:
        relq.connect(url, schema=clash)
    from_cli = cli_error(cli, "schema", "--schema", str(as_file))
    assert from_cli == f"schema file `{as_file}`: " + str(e.value).removeprefix("schema: ")
    with pytest.raises(relq.SchemaError, match="unknown field `modles`"):
        relq.connect(url, schema={"modles": []})


def test_a_declared_table_or_column_the_database_lacks_is_a_schema_error(cli, tmp_path, fresh):
    """relq's rule (`over_catalog`), with the CLI's message for `--db` with `--schema`."""
    _, url = fresh(BLOG, "declared")
    text = (SCHEMAS / "blog.toml").read_text()
    for name, wrong, message in [
        ("table", text.replace('table = "posts"', 'table = "post"', 1),
         "model `Post`: no table `post` in the database; did you mean `posts`?"),
        ("column", text.replace("{ name = \"name\", type = \"text\"", "{ name = \"nam\", type = \"text\"", 1),
         "field `Category.nam`: no column `nam` in table `categories`; did you mean `name`?"),
    ]:
        path = tmp_path / f"{name}.toml"
        path.write_text(wrong)
        with pytest.raises(relq.SchemaError) as e:
            relq.connect(url, schema=path)
        assert str(e.value) == f"schema file `{path}`: {message}"
        assert str(e.value) == cli_error(cli, "schema", "--db", url, "--schema", str(path))
    with pytest.raises(TypeError, match="create_tables needs a declared schema"):
        relq.connect(url, create_tables=True)


def test_a_query_that_does_not_compile_is_a_compile_error(cli, samples, backend):
    url = samples(backend, "school")
    db = relq.connect(url)
    cases = [
        (db.query("schoolclasses").select_related("teacher__category"),
         ["--model", "schoolclasses", "--select-related", "teacher__category"]),
        (db.query("schoolclasses").filter(id="one"),
         ["--model", "schoolclasses", "--filter", "id=one"]),
        (db.query("schoolclasses").filter(name__likeish="a"),
         ["--model", "schoolclasses", "--filter", "name__likeish=a"]),
        (db.query("schoolclass"), ["--model", "schoolclass"]),
        (db.query("schoolclasses").order_by("-nmae"), ["--model", "schoolclasses", "--order-by", "-nmae"]),
    ]
    for query, flags in cases:
        with pytest.raises(relq.CompileError) as e:
            query.all()
        assert "query: " + str(e.value) == cli_error(cli, "query", "--db", url, *flags)
    assert "did you mean `teachers`?" in str(pytest.raises(relq.CompileError, cases[0][0].all).value)


def test_a_write_that_breaks_a_schema_rule_is_a_write_error(cli, fresh):
    db, url = fresh(BLOG, "write")
    apply = lambda ops: cli_error(cli, "apply", "--db", url, "--schema", BLOG, "-", stdin=json.dumps(ops))
    with pytest.raises(relq.WriteError) as e:
        db.query("Post").create(titel="x")
    assert str(e.value) == apply([{"op": "insert", "model": "Post", "rows": [{"titel": "x"}]}])
    assert str(e.value).endswith("did you mean `title`?") and e.value.operation == 0
    with pytest.raises(relq.WriteError) as e:
        db.related("Post", 1, "categorys").clear()
    assert str(e.value) == apply([{"op": "clear", "model": "Post", "pk": 1, "relation": "categorys"}])
    with pytest.raises(relq.WriteError) as e:
        db.query("Post").update(id="x")
    assert str(e.value) == apply([{"op": "update", "model": "Post", "values": {"id": "x"}}])


def test_database_errors_have_a_class_per_kind_with_the_clis_message(cli, fresh, tmp_path):
    db, url = fresh(BLOG, "database")
    db.query("Category").create(name="sql")
    db.query("Post").create(title="one")
    apply = lambda ops: cli_error(cli, "apply", "--db", url, "--schema", BLOG, "-", stdin=json.dumps(ops))

    with pytest.raises(relq.IntegrityError) as e:
        db.query("Category").create(id=1, name="again")
    assert "database: " + one_line(str(e.value)) == apply(
        [{"op": "insert", "model": "Category", "rows": [{"id": 1, "name": "again"}]}])
    assert (e.value.constraint, e.value.model, e.value.operation) == ("unique", "Category", 0)

    with pytest.raises(relq.MissingRecords) as e:
        db.related("Post", 1, "categories").add(99999, through={"weight": 1})
    assert "database: " + str(e.value) == apply(
        [{"op": "add", "model": "Post", "pk": 1, "relation": "categories", "targets": [99999],
          "through": {"weight": 1}}])
    assert e.value.model == "Category" and e.value.keys == ["99999"]

    query = tmp_path / "get.json"
    for title, error in [("none", relq.NoMatch), ("one", None)]:
        query.write_text(json.dumps({"model": "posts", "filter": [["title", title]], "terminal": "get"}))
        introspected = relq.connect(url).query("posts")
        if error is None:
            assert introspected.get(title=title)["title"] == "one"
            continue
        with pytest.raises(error) as e:
            introspected.get(title=title)
        assert "database: " + str(e.value) == cli_error(cli, "query", "--db", url, "--query-file", str(query))

    db.query("Post").create(title="one")
    query.write_text(json.dumps({"model": "posts", "filter": [["title", "one"]], "terminal": "get"}))
    with pytest.raises(relq.MultipleMatches) as e:
        relq.connect(url).query("posts").get(title="one")
    assert "database: " + str(e.value) == cli_error(cli, "query", "--db", url, "--query-file", str(query))

    with pytest.raises(relq.DatabaseError) as e:
        db.run("SELEC 1")
    assert type(e.value) is relq.DatabaseError


def test_a_value_of_the_wrong_kind_from_the_database_is_a_row_error(fresh):
    db, url = fresh(BLOG, "rows")
    db.query("Category").create(name="sql")
    wrong = db.schema()
    for model in wrong["models"]:
        if model["name"] == "Category":
            model["fields"][1] = {"name": "name", "type": "integer"}  # it holds text
    with pytest.raises(relq.RowError) as e:
        relq.connect(url, schema=wrong).query("Category").all()
    assert str(e.value).startswith("row 0, position 1 (`Category.name`): the database returned ")
    assert str(e.value).endswith(", which cannot be read as int")
