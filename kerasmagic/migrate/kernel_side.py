"""The migrate command's side inside the kernel: every call it makes into the check engine.

The host (``kernel.py``) imports this module into the notebook's fresh kernel and calls it with
hidden cells; each call prints one JSON document on a line that starts with ``MARK``. The same
functions run in-process or in a plain subprocess (``python -m kerasmagic.migrate.kernel_side
lint``) for static mode. Nothing else in ``kerasmagic.migrate`` touches the engine, so a change to
the engine's API is adapted here alone. Importing this module imports only the standard library.

The documents (the host reads nothing else):

- fix: ``{"fixed_source": str|None, "rules": [rule], "left": [rule], "error": str|None,
  "versions": {name: version}, "internal_error": str|None}`` — ``rules`` are the findings the
  fixed source applies, ``left`` the explanations without a fix (+ ``CheckResult.fixed_across``).
- rule: ``{"id", "title", "cause", "fix", "fix_code", "verify", "references", "severity"}``.
"""

from __future__ import annotations

import json
import linecache
import os
import sys
import traceback
from contextlib import ExitStack, suppress
from typing import Any

MARK = "@@kerasmagic-migrate@@ "
HIDDEN = "# kerasmagic-migrate: hidden"
STATIC_ROUNDS = 4  # a certain rewrite may reveal the next one (a class, then its argument)
CERTAIN = 0.9  # a trap's rewrite is applied after a run only when it is at least this sure
RULE_KEYS = ("id", "title", "cause", "fix", "fix_code", "verify", "references", "severity")

_state: dict[str, Any] = {"stack": None, "captured": None, "last": None, "error": None}


# -- the protocol ---------------------------------------------------------------------------------
def emit(payload: Any) -> None:
    """Print ``payload`` as JSON on one marked line (the host reads it from the cell's stdout)."""
    sys.stdout.write("\n" + MARK + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def call(name: str, *args: Any, **kwargs: Any) -> None:
    """Run one of this module's functions and emit its result; an internal failure is emitted as
    ``{"internal_error": ...}``, never raised into the notebook."""
    try:
        payload = globals()[name](*args, **kwargs)
    except Exception:
        payload = {"internal_error": traceback.format_exc(limit=8)}
    emit(payload)


def _rule(finding: Any) -> dict[str, Any]:
    data = finding.to_dict() if hasattr(finding, "to_dict") else dict(finding)
    return {key: data.get(key) for key in RULE_KEYS}


def _fix_document(result: Any, fixed: str | None, findings: list[Any]) -> dict[str, Any]:
    """The fix document of an engine result: ``findings`` (ranked) split into the rules whose
    rewrite ``fixed`` is and the explanations left."""
    rules = [f for f in findings if fixed is not None and f.fixed_source == fixed]
    left = [f for f in findings if f not in rules]
    error = None
    if getattr(result, "error_type", None):
        error = f"{result.error_type}: {result.error_message}"
    return {
        "fixed_source": fixed,
        "rules": [_rule(f) for f in rules],
        "left": [_rule(f) for f in left],
        "error": error,
        "versions": dict(getattr(result, "versions", None) or versions()),
        "internal_error": getattr(result, "internal_error", None),
        **dict(zip(("fixed_earlier", "fixed_across"), getattr(result, "fixed_across", None) or ())),
    }


def _lint_rules(source: str) -> list[dict[str, Any]]:
    """Every problem lint reports in ``source``, each as a rule (lint lists them one by one)."""
    from kerasmagic.diagnosis.engine import lint
    from kerasmagic.findings import ranked

    result = lint(source)
    return [_rule(f) for f in ranked(result.suggestions) + ranked(result.traps)]


def _with_also_fixed(
    doc: dict[str, Any], source: str, before: list[dict[str, Any]]
) -> dict[str, Any]:
    """Add to ``doc["rules"]`` the problems of ``before`` (found in ``source``) that its fixed
    source no longer has: one corrected cell often fixes several (the engine names the others
    only in the lead's cause)."""
    fixed = doc.get("fixed_source")
    if not fixed or fixed == source:
        return doc
    remaining = {r["id"] for r in _lint_rules(fixed)}
    have = {r["id"] for r in doc["rules"]}
    for rule in before:
        if rule["id"] not in remaining and rule["id"] not in have:
            doc["rules"].append(rule)
            have.add(rule["id"])
    doc["left"] = [r for r in doc["left"] if r["id"] not in have]
    return doc


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
    try:
        from kerasmagic.diagnosis.capture import capture_cell_output

        stack = ExitStack()
        _state["captured"] = stack.enter_context(capture_cell_output())
        _state["stack"] = stack
    except Exception:
        _state["stack"] = _state["captured"] = None


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


def versions() -> dict[str, str]:
    """The TF/Keras versions this interpreter shows in a finding."""
    try:
        from kerasmagic.diagnosis.live import shown_versions

        return dict(shown_versions())
    except Exception:
        return {}


def after_failure(source: str, filename: str | None = None, earlier: list[str] | None = None, *, namespace: dict) -> dict[str, Any]:  # fmt: skip
    """Diagnose the exception the last real cell (``source``, after the cells ``earlier``) raised."""
    from kerasmagic.diagnosis.engine import diagnose
    from kerasmagic.findings import ranked

    exc = _state.get("error") or getattr(sys, "last_value", None)
    if exc is None:
        return {"fixed_source": None, "rules": [], "left": [], "error": None,
                "versions": versions(), "internal_error": "no exception recorded"}  # fmt: skip
    result = diagnose(source, exc, namespace=namespace, filename=filename, earlier=earlier or ())
    doc = _fix_document(result, result.fixed_source, ranked(result.suggestions))
    doc = _with_also_fixed(doc, source, _lint_rules(source) if doc["fixed_source"] else [])
    if not doc["fixed_source"] and filename is None:
        origin = _origin(exc, namespace)
        if origin is not None:
            doc["origin"] = origin
    return doc


def _cell_files(exc: BaseException) -> list[str]:
    """The notebook cells' file names in the traceback of ``exc`` and of the errors it was
    raised from, outermost first (IPython keeps each cell's source in ``linecache``)."""
    names: list[str] = []
    seen: set[int] = set()
    chain: BaseException | None = exc
    while chain is not None and id(chain) not in seen and len(seen) < 8:
        seen.add(id(chain))
        tb = chain.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            entry = linecache.cache.get(name)
            kept = getattr(linecache, "_ipython_cache", {})  # IPython 7 keeps cells there
            cell = name.startswith("<ipython-input-") or (
                entry is not None and ("ipykernel_" in name or name in kept)
            )
            if cell and name not in names:
                names.append(name)
            tb = tb.tb_next
        chain = chain.__cause__ or chain.__context__
    return names


def _origin(exc: BaseException, namespace: dict) -> dict[str, Any] | None:
    """An error raised inside code an EARLIER cell defined (a class, a function the failing cell
    calls): that cell's source, diagnosed with the same error, and its corrected version."""
    from kerasmagic.diagnosis.engine import diagnose
    from kerasmagic.findings import ranked

    files = _cell_files(exc)
    for name in reversed(files[1:]):  # the deepest cell first; files[0] is the failing cell
        entry = linecache.cache.get(name)
        if entry is None:
            continue
        source = "".join(entry[2])
        result = diagnose(source, exc, namespace=namespace, filename=name)
        if result.fixed_source and result.fixed_source != source:
            doc = _fix_document(result, result.fixed_source, ranked(result.suggestions))
            doc["source"] = source
            return doc
    return None


def after_success(source: str, *, namespace: dict) -> dict[str, Any]:
    """Silent traps the last real cell fell into that have a certain rewrite."""
    from kerasmagic.diagnosis.engine import after_cell
    from kerasmagic.diagnosis.result import CheckResult
    from kerasmagic.findings import ranked

    examined = after_cell(source, namespace=namespace, captured=_state.get("last"))
    traps = ranked(examined.traps) if examined is not None else []
    result = CheckResult(source=source, ok=True, versions=versions())
    sure = [t for t in traps if t.fixed_source and t.fixed_source != source]
    sure = [t for t in sure if t.confidence >= CERTAIN]
    fixed = sure[0].fixed_source if sure else None
    doc = _fix_document(result, fixed, traps)
    return _with_also_fixed(doc, source, _lint_rules(source) if fixed else [])


def run_script(source: str, filename: str, namespace: dict) -> None:
    """Run a script's (possibly corrected) source as ``python FILE`` would: ``__file__`` set, its
    directory first on ``sys.path``, ``sys.argv == [FILE]``, tracebacks showing this source."""
    directory = os.path.dirname(os.path.abspath(filename))
    namespace["__file__"] = filename
    namespace.setdefault("__name__", "__main__")
    sys.argv = [filename]
    if not sys.path or sys.path[0] != directory:
        sys.path.insert(0, directory)
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    code = compile(source, filename, "exec", dont_inherit=True)
    try:
        exec(code, namespace)
    except SystemExit as exc:  # sys.exit(0) ends a script successfully
        if exc.code not in (None, 0):
            raise


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


def _import_libraries(imports: list[str]) -> None:
    """Import the Keras/TF packages the statements name (the libraries, never the cells), so the
    engine proves rewrites against their live API, as it does in a kernel."""
    import importlib
    import importlib.util
    import re

    wanted = {t for t in KERAS_TOPS for text in imports if re.search(rf"\b{t}\b", text)}
    quiet = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = quiet or "2"
    try:
        for top in sorted(wanted):
            if top not in sys.modules and importlib.util.find_spec(top) is not None:
                with suppress(Exception):
                    importlib.import_module(top)
    finally:
        if quiet is None:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)


def static_fix(source: str, context: list[str] | None = None) -> dict[str, Any]:
    """The certain rewrites of ``source`` that the source alone proves (lint), applied until they
    reveal nothing more; nothing is executed. ``context``: the Keras imports of the cells before
    it (a notebook's later cells use the names its first cells import)."""
    from kerasmagic.diagnosis.engine import lint
    from kerasmagic.findings import ranked

    prefix = ""
    if context and not source.lstrip().startswith("%%"):
        prefix = "\n".join(context) + "\n"
    _import_libraries(_keras_imports(prefix + source))
    current, seen = source, {source}
    rules: list[dict[str, Any]] = []
    previous: list[dict[str, Any]] = []
    rules_of_last: list[dict[str, Any]] | None = None
    left: list[dict[str, Any]] = []
    found_versions: dict[str, str] = {}
    for _ in range(STATIC_ROUNDS):
        result = lint(prefix + current)
        fixed = result.fixed_source
        if fixed is not None:
            fixed = (
                fixed[len(prefix) :] if fixed.startswith(prefix) else None
            )  # the cell's part only
        findings = [_rule(f) for f in ranked(result.suggestions) + ranked(result.traps)]
        if rules_of_last is not None:  # what the previous rewrite fixed: gone from this lint
            ids = {r["id"] for r in findings}
            rules += rules_of_last + [r for r in previous if r["id"] not in ids]
        doc = _fix_document(
            result,
            result.fixed_source if fixed else None,
            ranked(result.suggestions) + ranked(result.traps),
        )
        found_versions = doc["versions"]
        if fixed is None or fixed in seen:
            left = doc["left"] + doc["rules"]
            break
        previous, rules_of_last = findings, doc["rules"]
        seen.add(fixed)
        current = fixed
    else:
        ids = {r["id"] for r in _lint_rules(prefix + current)}
        rules += (rules_of_last or []) + [r for r in previous if r["id"] not in ids]
    unique: dict[str, dict[str, Any]] = {}
    for rule in rules:
        unique.setdefault(rule["id"], rule)
    rules = list(unique.values())
    return {
        "fixed_source": current if current != source else None,
        "rules": rules,
        "left": left,
        "error": None,
        "versions": found_versions,
        "internal_error": None,
    }


def lint_sources(sources: list[str], before: list[str] | None = None) -> list[dict[str, Any]]:
    """``static_fix`` of consecutive cells (``before``: the final sources of the cells before
    them); an internal failure is reported for that cell only."""
    context = [imp for src in before or [] for imp in _safe_imports(src)]
    out = []
    for source in sources:
        try:
            doc = static_fix(source, context)
        except Exception:
            doc = {"fixed_source": None, "rules": [], "left": [], "error": None,
                   "versions": {}, "internal_error": traceback.format_exc(limit=8)}  # fmt: skip
        out.append(doc)
        context += _safe_imports(doc["fixed_source"] or source)
    return out


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
    call("lint_sources", request["sources"], request.get("before"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
