"""The package's surface: the type stub (relq.pyi) names exactly what the module has,
class by class, and each exception class is where the stub puts it."""

import ast
import pathlib

import relq

STUB = pathlib.Path(__file__).resolve().parents[1] / "relq.pyi"


def stub_names():
    tree = ast.parse(STUB.read_text())
    top, members, bases = set(), {}, {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, (ast.AnnAssign, ast.Assign)):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            top.update(t.id for t in targets if isinstance(t, ast.Name))
        if isinstance(node, ast.ClassDef):
            bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
            members[node.name] = {
                n.name if isinstance(n, ast.FunctionDef) else n.target.id
                for n in node.body
                if isinstance(n, ast.FunctionDef) or (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name))
            }
    return top, members, bases


def test_the_stub_names_every_public_name_of_the_module_and_no_other():
    top, _, _ = stub_names()
    # maturin's package holds the extension module as `relq.relq` and re-exports it.
    public = {n for n in dir(relq) if not n.startswith("_")} - {"relq"} | {"__version__"}
    assert top - {"Record"} == public


def test_the_stub_names_every_method_of_every_class():
    _, members, bases = stub_names()
    for name, names in members.items():
        cls = getattr(relq, name)
        if issubclass(cls, BaseException):
            continue
        own = {n for n in vars(cls) if not n.startswith("_")} | {
            n for n in vars(cls) if n in {"__enter__", "__exit__", "__and__", "__or__", "__invert__", "__iter__", "__init__"}
        }
        assert {n for n in own if n != "__init__"} <= names | {n for b in bases[name] for n in members.get(b, set())}, name
        assert names - {"__init__"} <= {n for n in dir(cls)}, name


def test_the_exception_classes_have_the_stubs_bases():
    _, _, bases = stub_names()
    for name, parents in bases.items():
        cls = getattr(relq, name)
        if issubclass(cls, BaseException):
            assert [b.__name__ for b in cls.__bases__] == parents, name
    assert relq.__version__
