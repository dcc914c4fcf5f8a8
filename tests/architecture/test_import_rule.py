"""The layers hold: the core imports no feature, features never import the top, no circles.

Read from the source with ``ast`` (nothing is imported), so a violation is reported with its file and
line however the modules happen to load. See docs/architecture.md for the rule and why.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "complaints", "wishes", "standup", "dashboard")

# What each package may import besides itself. ``standup`` reads the features below it through their
# briefs only; ``dashboard`` is the top and may import anything.
ALLOWED = {
    "core": set(),
    "complaints": {"core"},
    "wishes": {"core"},
    "standup": {"core", "complaints.briefs", "wishes.briefs"},
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, inside a function?) for each import of one of our modules.

    ``from pkg import sub`` imports the module ``pkg.sub``, not the package's own names.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(node) for f in functions for node in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in MODULES
                else node.module
                for alias in node.names
            ]
        else:
            continue
        found += [
            (t, node.lineno, id(node) in nested) for t in targets if t.split(".")[0] in PACKAGES
        ]
    return found


IMPORTS = {name: imports_of(path) for name, path in MODULES.items()}


def where(name: str, line: int) -> str:
    return f"{MODULES[name].relative_to(ROOT)}:{line}"


def allowed(importer: str, imported: str) -> bool:
    package = importer.split(".")[0]
    if package == "dashboard" or imported.split(".")[0] == package:
        return True
    return any(imported == a or imported.startswith(a + ".") for a in ALLOWED[package])


def test_each_package_imports_only_the_layers_below_it():
    broken = [
        f"{where(name, line)} imports {imported}"
        for name, found in IMPORTS.items()
        for imported, line, _nested in found
        if not allowed(name, imported)
    ]
    assert broken == []


def test_no_import_hides_inside_a_function():
    hidden = [
        f"{where(name, line)} imports {imported}"
        for name, found in IMPORTS.items()
        for imported, line, nested in found
        if nested
    ]
    assert hidden == []


def test_no_import_is_hedged():
    hedged = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in MODULES.values()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ExceptHandler)
        and node.type is not None
        and "ImportError" in ast.unparse(node.type)
    ]
    assert hedged == []


def test_no_circle_of_imports():
    graph = {
        name: {imported for imported, _line, _nested in found if imported != name}
        for name, found in IMPORTS.items()
    }
    circles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                circles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt in graph and nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert circles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_readable_in_one_sitting(package):
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in sorted((ROOT / package).rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > 620
    ]
    assert long == []
