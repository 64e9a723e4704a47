"""The migrate command's side inside the kernel: every call it makes into the check engine.

The host (``kernel.py``) imports this module into the notebook's fresh kernel and calls it with
hidden cells; each call prints one JSON document on a line that starts with ``MARK``. The same
functions run in-process or in a plain subprocess (``python -m kerasmagic.migrate.kernel_side
lint``) for static mode. Nothing else in ``kerasmagic.migrate`` touches the engine (but ``origins``, its
part that looks for an error's cause in earlier cells and the user's modules), so a change to
the engine's API is adapted here alone. Importing this module imports only the standard library.

The documents (the host reads nothing else):

- fix: ``{"fixed_source": str|None, "rules": [rule], "left": [rule], "error": str|None,
  "versions": {name: version}, "internal_error": str|None}`` — one engine result serialized
  (one engine pass per cell and question): ``rules`` are the findings the fixed source applies
  (``CheckResult.split``'s fixes), ``left`` those it leaves (+ ``CheckResult.fixed_across``).
- rule: ``{"id", "title", "cause", "fix", "fix_code", "verify", "references", "severity"}``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from kerasmagic.migrate import layer_names
from kerasmagic.migrate.fix_documents import CERTAIN, fix_document, versions

MARK = "@@kerasmagic-migrate@@ "
HIDDEN = "# kerasmagic-migrate: hidden"

_state: dict[str, Any] = {"stack": None, "captured": None, "last": None, "error": None}
_state["starts"] = []  # Keras's layer-name counters before each real cell (layer_names.py)


# -- the protocol ---------------------------------------------------------------------------------
def emit(payload: Any) -> None:
    """Print ``payload`` as JSON on one marked line (the host reads it from the cell's stdout)."""
    sys.stdout.write("\n" + MARK + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def call(name: str, *args: Any, **kwargs: Any) -> None:
    """Run one of this module's functions and emit its result; an internal failure is emitted as
    ``{"internal_error": ...}``, never raised into the notebook."""
    names = layer_names.snapshot() if name != "as_first_run" else None
    try:
        payload = globals()[name](*args, **kwargs)
    except Exception:
        payload = {"internal_error": traceback.format_exc(limit=8)}
    finally:  # a layer kerasmagic built takes no automatic name from the notebook's
        if names is not None:
            with suppress(Exception):
                layer_names.restore(names)
    emit(payload)


# -- in the kernel --------------------------------------------------------------------------------
def install(shell: Any) -> dict[str, Any]:
    """Record each real cell's warnings and log lines (for the silent traps) and its exception,
    through IPython's ``pre_run_cell``/``post_run_cell`` events; hidden cells are ignored."""
    shell.events.register("pre_run_cell", _pre_run_cell)
    shell.events.register("post_run_cell", _post_run_cell)
    return {"ok": True, "python": sys.executable, "versions": versions()}


def _hidden(info: Any) -> bool:
    raw = getattr(info, "raw_cell", None) or ""
    return raw.startswith(HIDDEN)


def _pre_run_cell(info: Any = None) -> None:
    if _hidden(info):
        return
    _end_capture()
    _state["error"] = None
    _state["starts"].append(layer_names.snapshot())
    try:
        from kerasmagic.diagnosis.capture import capture_cell_output

        stack = ExitStack()
        _state["captured"] = stack.enter_context(capture_cell_output())
        _state["stack"] = stack
    except Exception:
        _state["stack"] = _state["captured"] = None


def as_first_run(run: int, *, namespace: dict) -> dict[str, Any]:
    """Before a cell runs again: Keras's automatic layer names as they were before the cell's
    first run (``run``: how many real cells this kernel had run by then)."""
    starts = _state["starts"]
    if not 0 <= run < len(starts):
        return {"ok": False}
    layer_names.restore(starts[run])
    return {"ok": True}


def _post_run_cell(result: Any = None) -> None:
    info = getattr(result, "info", None)
    if _hidden(info):
        return
    _state["last"] = _state["captured"]
    _end_capture()
    _state["error"] = getattr(result, "error_in_exec", None) or getattr(
        result, "error_before_exec", None
    )


def _end_capture() -> None:
    stack, _state["stack"], _state["captured"] = _state["stack"], None, None
    if stack is not None:
        with suppress(Exception):
            stack.close()


def after_failure(source: str, filename: str | None = None, earlier: list[str] | None = None, later: list[str] | None = None, *, namespace: dict) -> dict[str, Any]:  # fmt: skip
    """Diagnose the exception the last real cell (``source``, after the cells ``earlier``, before
    the cells ``later``) raised."""
    from kerasmagic.diagnosis.context import safe_str, wrapped_error
    from kerasmagic.diagnosis.engine import diagnose
    from kerasmagic.migrate import origins

    exc = _state.get("error") or getattr(sys, "last_value", None)
    if exc is None:
        return {"fixed_source": None, "rules": [], "left": [], "error": None,
                "versions": versions(), "internal_error": "no exception recorded"}  # fmt: skip
    # an earlier cell's code that raised is rewritten and run again there first (cell_origin),
    # so the diagnosis that places its fixes in this cell is the last resort
    result = diagnose(source, exc, namespace=namespace, filename=filename, earlier=earlier or (), later=tuple(later or ()), defining_cell=False)  # fmt: skip
    doc = fix_document(result)
    root = _root()
    doc["raised_in"] = origins.raised_in(exc, root)
    hidden = wrapped_error(exc)  # what a Lambda's failed shape inference hid: its own error
    doc["hidden"] = f"{type(hidden).__name__}: {safe_str(hidden)}" if hidden is not None else None
    if not doc["fixed_source"] and filename is None:
        after = tuple(later or ())  # the cells after the failing one: what a fix must not break
        origin = origins.cell_origin(exc, namespace, list(earlier or ()), source, after) or origins.origin_before(exc, namespace, list(earlier or ()), source, after)  # fmt: skip
        asked = origin is None and origins.raised_in_an_earlier_cell(exc)
        placed = None if not asked else diagnose(source, exc, namespace=namespace, earlier=earlier or (), later=after)  # fmt: skip
        if origin is not None:
            doc["origin"] = origin
        elif placed is not None and placed.fixed_source:
            doc.update({**fix_document(placed), "raised_in": doc["raised_in"]})
        else:
            module = origins.module_origin(exc, root)
            if module is None:  # nothing explains it: what lint proves in the code run, to try
                module = origins.certain_rewrites(
                    exc, source, root, tuple(earlier or ()), namespace, tuple(later or ())
                )
                if module is not None and "path" not in module:  # the failing cell's own
                    doc.update({k: module[k] for k in ("fixed_source", "rules", "trigger")})
                    module = None
            if module is not None:
                doc["module"] = {**module, "raised_in": doc["raised_in"]}
    return doc


def user_module_files(*, namespace: dict) -> dict[str, Any]:
    """The user's modules the kernel has imported (``user_modules.is_users``), each file with
    its ``import_path``."""
    from kerasmagic.migrate import user_modules

    return {"imported": user_modules.loaded_files(_root())}


def _root() -> str:
    """The folder whose modules are the user's (``user_root``; else the kernel's folder, the
    document's)."""
    return _state.setdefault("root", os.getcwd())


def user_root(path: str, *, namespace: dict) -> dict[str, Any]:
    """The folder whose modules are the user's: the directory named on the command line, else
    the document's own."""
    from kerasmagic.migrate import user_modules

    _state["root"] = os.path.realpath(path)
    user_modules.note_start_path()  # the folders the document's code adds from now on are its
    return {}


def correct_module(path: str, source: str, *, namespace: dict) -> dict[str, Any]:
    """Run the user's module ``path`` with ``source`` from now on (the next import of it, and of
    every module of the user's, runs again)."""
    from kerasmagic.migrate import user_modules

    return {"forgotten": user_modules.serve(path, source, _root())}


def after_success(source: str, later: list[str] | None = None, earlier: list[str] | None = None, *, namespace: dict) -> dict[str, Any]:  # fmt: skip
    """Silent traps the last real cell (after the cells ``earlier``) fell into; the corrected
    cell of those with a certain rewrite (at least ``CERTAIN``)."""
    from kerasmagic.diagnosis.engine import after_cell
    from kerasmagic.diagnosis.result import CheckResult

    examined = after_cell(
        source,
        namespace=namespace,
        captured=_state.get("last"),
        earlier=tuple(earlier or ()),
        later=tuple(later or ()),
    )
    return fix_document(examined or CheckResult(source=source, ok=True), CERTAIN)


def enter_script(filename: str, *, namespace: dict) -> dict[str, Any]:
    """Give the kernel what ``python FILE`` gives a script before its blocks run as cells:
    ``__file__``, ``__name__ == "__main__"``, ``sys.argv == [FILE]``, its folder first on
    ``sys.path``."""
    directory = os.path.dirname(os.path.abspath(filename))
    namespace["__file__"] = filename
    namespace.setdefault("__name__", "__main__")
    sys.argv = [filename]
    if not sys.path or sys.path[0] != directory:
        sys.path.insert(0, directory)
    return {}


# -- static (no kernel needed) --------------------------------------------------------------------
KERAS_TOPS = ("keras", "tensorflow", "tf_keras")


def _keras_imports(source: str) -> list[str]:
    """The cell's top-level ``import``/``from … import`` statements of Keras/TF (their text)."""
    import ast

    from kerasmagic.diagnosis.rewrite import parse_cell

    cell = parse_cell(source)
    if cell.tree is None:
        return []
    lines = cell.python.splitlines()
    out = []
    for node in cell.tree.body:
        if isinstance(node, ast.Import):
            tops = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            tops = {node.module.split(".")[0]}
        else:
            continue
        if tops & set(KERAS_TOPS):
            out.append("\n".join(lines[node.lineno - 1 : node.end_lineno]))
    return out


def _import_libraries(imports: list[str], users: tuple[str, ...] = ()) -> None:
    """Import the Keras/TF packages the statements name (the libraries, never the cells), so the
    engine proves rewrites against their live API, as it does in a kernel; never a file below one
    of the user's folders ``users`` (a `keras.py` of theirs where no Keras is installed)."""
    import importlib
    import importlib.util
    import re

    wanted = {t for t in KERAS_TOPS for text in imports if re.search(rf"\b{t}\b", text)}
    quiet = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = quiet or "2"
    try:
        for top in sorted(wanted):
            spec = importlib.util.find_spec(top) if top not in sys.modules else None
            origin = os.path.realpath(spec.origin) if spec is not None and spec.origin else ""
            if origin and not any(origin.startswith(os.path.join(u, "")) for u in users):
                with suppress(Exception):
                    importlib.import_module(top)
    finally:
        if quiet is None:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)


def static_fix(
    source: str,
    context: list[str] | None = None,
    users: tuple[str, ...] = (),
    earlier: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The certain rewrites of ``source`` that the source alone proves (lint: the engine applies
    them until they reveal nothing more); nothing is executed. ``context``: the Keras imports of
    the cells before it (a notebook's later cells use the names its first cells import);
    ``earlier``: those cells' sources, oldest first, where a rule follows a name to its value
    (the generator whose batch size divides ``samples_per_epoch``)."""
    from kerasmagic.diagnosis.engine import lint

    prefix = ""
    if context and not source.lstrip().startswith("%%"):
        prefix = "\n".join(context) + "\n"
    _import_libraries(_keras_imports(prefix + source), users)
    return fix_document(lint(prefix + source, earlier=earlier), prefix=prefix)


def lint_sources(
    sources: list[str], before: list[str] | None = None, folders: list[str] | None = None
) -> list[dict[str, Any]]:
    """``static_fix`` of consecutive cells (``before``: the final sources of the cells before
    them); an internal failure is reported for that cell only. ``folders``: where the user's own
    modules are (the document's folder, those its code put on ``sys.path``): an import of one of
    them is the user's module, never a package to install."""
    context = [imp for src in before or [] for imp in _safe_imports(src)]
    earlier = list(before or [])
    out = []
    users = tuple(os.path.realpath(f) for f in folders or [])
    with _searched_last(folders or []):
        for source in sources:
            try:
                doc = static_fix(source, context, users, tuple(earlier))
            except Exception:
                doc = {"fixed_source": None, "rules": [], "left": [], "error": None,
                       "versions": {}, "internal_error": traceback.format_exc(limit=8)}  # fmt: skip
            out.append(doc)
            context += _safe_imports(doc["fixed_source"] or source)
            earlier.append(doc["fixed_source"] or source)
    return out


@contextmanager
def _searched_last(folders: list[str]) -> Iterator[None]:
    """``folders`` at the end of ``sys.path`` meanwhile: the engine's finders see the user's
    modules there, and nothing of theirs can stand in for an installed package."""
    added = [f for f in folders if f not in sys.path]
    sys.path.extend(added)
    try:
        yield
    finally:
        for folder in added:
            with suppress(ValueError):
                sys.path.remove(folder)


def user_folders_here(*, namespace: dict) -> dict[str, Any]:
    """The folders whose modules are the user's, as the kernel's code left ``sys.path``."""
    from kerasmagic.migrate import user_modules

    return {"folders": user_modules.user_folders(_root())}


def _safe_imports(source: str) -> list[str]:
    try:
        return _keras_imports(source)
    except Exception:
        return []


def main(argv: list[str] | None = None) -> int:
    """``lint``: read ``{"sources": [...], "before": [...]}`` on stdin, emit the fix documents."""
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["lint"]:
        print(
            "usage: python -m kerasmagic.migrate.kernel_side lint < sources.json", file=sys.stderr
        )
        return 2
    request = json.load(sys.stdin)
    call("lint_sources", request["sources"], request.get("before"), request.get("folders"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
