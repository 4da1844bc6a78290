"""The library's layout: imports run one way between layers, siblings are imported relatively, and
no two modules import each other (directly or round a longer cycle)."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Lowest first: a module may import from its own layer and the layers before it, never after.
LAYERS = [
    (
        "atmpkg.graph.agency_names",
        "atmpkg.graph.errors",
        "atmpkg.graph.progress",
        "atmpkg.graph.terms",
        "atmpkg.graph.version",
        "atmpkg.ontology",
    ),
    ("atmpkg.queries", "atmpkg.graph.rdf"),
    ("atmpkg.graph.engine",),
    ("atmpkg.graph.store",),
    ("atmpkg.graph.sparql",),
    ("atmpkg.graph.slice",),
    ("atmpkg.graph.display",),
    ("atmpkg.graph.handle", "atmpkg.graph.notebook", "atmpkg.graph.shortcuts"),
    ("atmpkg.graph.server", "atmpkg.graph"),
    ("atmpkg", "atmpkg.cli"),
]


def layer_of(module: str) -> int:
    """The layer of ``module``: the one naming it or the longest package holding it."""
    best, found = -1, None
    for number, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), number
    if found is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS")
    return found


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["atmpkg", *parts])


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, root: Path) -> list[tuple[int, str, bool]]:
    """Every import the module at ``path`` makes when it runs (at the top or inside a function;
    annotation-only imports under ``if TYPE_CHECKING:`` are left out), as (line, absolute module
    name, written relatively)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name, False) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for alias in child.names:
                    # ``from . import folder`` imports a module of the package
                    candidate = f"{target}.{alias.name}"
                    place = root / Path(*candidate.split(".")[1:])
                    is_module = (
                        place.with_suffix(".py").exists() or (place / "__init__.py").exists()
                    )
                    found.append(
                        (child.lineno, candidate if is_module else target, bool(child.level))
                    )
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def library_files(root: Path) -> list[Path]:
    return sorted(root.glob("graph/**/*.py")) + sorted(root.glob("queries/**/*.py"))


def violations(root: Path) -> list[str]:
    """Every import of the library at ``root`` that goes against the layers, or that names a
    sibling absolutely or by its bare top-level name."""
    problems = []
    for path in library_files(root):
        name = module_name(path, root)
        for line, target, relative in imports(path, root):
            where = f"{path.relative_to(root)}:{line}"
            if target.split(".")[0] in ("graph", "queries", "ontology", "cli"):
                problems.append(f"{where} imports the bare name {target}: import relatively")
            if not target.startswith("atmpkg"):
                continue
            if not relative and target != "atmpkg":
                problems.append(f"{where} imports {target} absolutely: import it relatively")
            if layer_of(target) > layer_of(name):
                problems.append(
                    f"{where}: {name} (layer {layer_of(name)}) imports {target} "
                    f"(layer {layer_of(target)}), a layer above it"
                )
    return problems


def cycles(root: Path) -> list[list[str]]:
    """Import cycles among the library's modules (every import that runs, at any level)."""
    import networkx as nx

    graph = nx.DiGraph()
    for path in library_files(root):
        name = module_name(path, root)
        graph.add_node(name)
        for _, target, _ in imports(path, root):
            if target.startswith("atmpkg.") and target != name:
                graph.add_edge(name, target)
    # a package's __init__ is imported on the way to each of its modules; that is not a cycle
    packages = {n for n in graph if (root / Path(*n.split(".")[1:]) / "__init__.py").exists()}
    graph.remove_nodes_from(packages)
    return sorted(sorted(c) for c in nx.simple_cycles(graph))


def test_imports_follow_the_layers():
    assert violations(ROOT) == []


def test_no_import_cycles():
    assert cycles(ROOT) == []


def test_every_module_is_in_a_layer():
    for path in library_files(ROOT):
        layer_of(module_name(path, ROOT))


@pytest.fixture
def tree(tmp_path):
    """A small library laid out like this one: errors, one engine and one display module."""
    (tmp_path / "graph" / "engine").mkdir(parents=True)
    (tmp_path / "graph" / "display").mkdir()
    for init in ("graph", "graph/engine", "graph/display"):
        (tmp_path / init / "__init__.py").write_text("")
    (tmp_path / "graph" / "errors.py").write_text("class E(Exception): ...\n")
    (tmp_path / "graph" / "display" / "view.py").write_text("from ..errors import E\n")
    return tmp_path


def test_an_import_against_the_layers_is_caught(tree):
    engine = tree / "graph" / "engine" / "run.py"
    engine.write_text("def f():\n    from ..display.view import E\n")
    assert violations(tree) == [
        "graph/engine/run.py:2: atmpkg.graph.engine.run (layer 2) imports "
        "atmpkg.graph.display.view (layer 6), a layer above it"
    ]


def test_annotation_only_imports_are_not_counted(tree):
    engine = tree / "graph" / "engine" / "run.py"
    engine.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..display.view import E\n"
    )
    assert violations(tree) == []


def test_absolute_and_bare_imports_are_caught(tree):
    (tree / "graph" / "display" / "view.py").write_text(
        "from atmpkg.graph.errors import E\nimport graph.errors\n"
    )
    assert violations(tree) == [
        "graph/display/view.py:1 imports atmpkg.graph.errors absolutely: import it relatively",
        "graph/display/view.py:2 imports the bare name graph.errors: import relatively",
    ]


def test_a_cycle_is_caught(tree):
    (tree / "graph" / "display" / "view.py").write_text("from . import card\n")
    (tree / "graph" / "display" / "card.py").write_text("def f():\n    from . import view\n")
    assert cycles(tree) == [["atmpkg.graph.display.card", "atmpkg.graph.display.view"]]


def test_the_top_level_holds_only_the_fixed_entries():
    """The repository's top level is fixed; a stray file (an export written while trying a README
    example, say) must not be committed beside it."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout and the Debian package git")
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    top = {name.split("/")[0] for name in tracked}
    assert top == {
        ".ci",
        ".gitignore",
        "LICENSE",
        "LICENSE-DATA",
        "README.md",
        "__init__.py",
        "bench",
        "cli.py",
        "graph",
        "ontology",
        "py.typed",
        "pyproject.toml",
        "queries",
        "tests",
    }


def test_the_tests_run_in_a_clone_whose_folder_name_is_not_an_identifier(tmp_path):
    """pytest imports the top-level __init__.py of the folder it collects in; a clone named
    `atmp-kg`, as `git clone` names it, is no package name, so that file is imported on its own
    and must not import relatively."""
    clone = tmp_path / "atmp-kg"
    (clone / "tests").mkdir(parents=True)
    for name in ("__init__.py", "pyproject.toml"):
        shutil.copy(ROOT / name, clone / name)
    (clone / "tests" / "test_one.py").write_text("def test_one():\n    pass\n")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=clone, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
