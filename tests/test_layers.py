"""The package's shape, read from its source: imports go one way through the layers of
``/work/shared/STYLE.md`` (probes → knowledge → diagnosis → render → shells), no module imports
itself back through others, and no module is over 400 lines.

Every ``import`` counts, also those inside functions and under ``TYPE_CHECKING``: a lazy import
is still a dependency. Parent packages imported implicitly (``kerasmagic/__init__.py`` when a
submodule loads) are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kerasmagic"
MAX_LINES = 400

# Layer of each module, lowest first; a module imports only from its own layer or lower ones.
# report.py builds the env report from the probes and diagnosis.env_findings: diagnosis level
# (the env counterpart of diagnosis.engine.check).
LAYERS = ("probes", "knowledge", "diagnosis", "render", "shells")
PLACES = {
    "kerasmagic._version": "probes",
    "kerasmagic.findings": "probes",
    "kerasmagic.probes": "probes",
    "kerasmagic.knowledge": "knowledge",
    "kerasmagic.diagnosis": "diagnosis",
    "kerasmagic.report": "diagnosis",
    "kerasmagic.render": "render",
    "kerasmagic.magics": "shells",
    "kerasmagic.extension": "shells",
    "kerasmagic.__main__": "shells",
    "kerasmagic.script": "shells",
    "kerasmagic.migrate": "shells",
    "kerasmagic": "shells",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    best = max((p for p in PLACES if module == p or module.startswith(p + ".")), key=len)
    return PLACES[best]


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    path = MODULES[importer]
    base = importer.split(".") if path.name == "__init__.py" else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> set[str]:
    """The kerasmagic modules ``module`` imports anywhere in its source."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            # `from kerasmagic.render import html` imports the submodule kerasmagic.render.html
            names = [
                f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target
                for a in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # `import a.b.c` where c is an attribute
                name = name.rpartition(".")[0]
            if name.startswith("kerasmagic") and name != module:
                found.add(name)
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_has_a_layer():
    unplaced = [m for m in MODULES if not any(m == p or m.startswith(p + ".") for p in PLACES)]
    assert not unplaced, f"give these modules a layer in PLACES: {unplaced}"


def test_no_import_against_the_layer_order():
    wrong = [
        f"{m} ({layer_of(m)}) imports {t} ({layer_of(t)})"
        for m, targets in GRAPH.items()
        for t in sorted(targets)
        if LAYERS.index(layer_of(t)) > LAYERS.index(layer_of(m))
    ]
    assert not wrong, "imports from a lower layer to a higher one:\n" + "\n".join(wrong)


def test_no_import_circle():
    found = cycles(GRAPH)
    assert not found, "import circles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_module_over_400_lines():
    sizes = {
        str(p.relative_to(PACKAGE.parent)): len(p.read_text(encoding="utf-8").splitlines())
        for p in MODULES.values()
    }
    over = {f: n for f, n in sizes.items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("kerasmagic.diagnosis.result", "kerasmagic.render"),
        ("kerasmagic.probes.optimizers", "kerasmagic.render"),
        ("kerasmagic.report", "kerasmagic.render"),
    ],
)
def test_the_reports_do_not_import_their_views(module, forbidden):
    assert not [t for t in GRAPH[module] if t.startswith(forbidden)]


def test_the_walker_sees_lazy_and_relative_imports(tmp_path):
    """The walk itself can fail: an import inside a function is an edge, a cycle is found."""
    assert "kerasmagic.render.env" in GRAPH["kerasmagic.magics.env"]  # imported in the magic
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
