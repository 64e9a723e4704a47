"""Run the corpus of broken and working cells in THIS interpreter and print the results as JSON.

Each case is one TOML file next to this script (``tests/cases/*.toml``)::

    family   = "optimizer-arguments"     # the family of the issue it belongs to
    about    = "what a student wrote and why it breaks"
    envs     = ["tf221-k3", ...]          # optional: where it applies (default: see ``applies``)
    fails_in = ["tf221-k3", ...]          # where the cell must raise; [] for a working cell
    error    = "ImportError"              # exception class (or a base class) it raises there
    message  = "cannot import name"       # regex the message must match
    fix      = "learning_rate"            # regex the corrected cell must match (optional)
    fixed_then = "visualize_util"         # optional: a partial fix; the corrected cell must fail
                                          # later, with a message matching this regex (another
                                          # problem, explained without a rewrite): neither fixed
                                          # nor wrong
    isolated = true                       # optional: needs its own process (sets TF_USE_LEGACY_KERAS …)
    restart = true                        # optional: the corrected cell runs in a new process (the finding says to restart)
    source   = '''the cell'''
    [env.tf215-k2]                        # optional overrides of error/message/fix/expect_ids per environment

For every case that applies here the cell runs for real, once, in a fresh namespace, through the
engine's ``check`` (what ``%%keras_check`` and ``kerasmagic.check`` do: the exception it raised
diagnosed, a cell that runs examined for silent traps), and the top ``fixed_source`` runs in
another fresh namespace. Each row also lists the findings of the result that contradict each
other (``contradictions``: a fix text or the corrected cell flagged by the same engine as a finding
of the same result, ``contradictions.py``).
``python tests/cases/case_runner.py [CASE.toml ...] [--shard=I/N] [--suite]`` prints one JSON
document (``results``, ``versions``); ``--shard=I/N`` runs every N-th case from the I-th (0-based),
so N processes run the corpus side by side (``tests/test_cases.py``); ``--suite`` runs only the
test suite's sample of this environment (``in_suite``).
"""

from __future__ import annotations

import contextlib
import io
import json
import linecache
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(CASES_DIR))  # contradictions.py, beside this script
# the kerasmagic of this checkout (an environment's editable install may point at another one)
sys.path.insert(1, str(CASES_DIR.parent.parent))
# the environments of scripts/envs.py where the corpus runs (``bare`` has no Keras at all)
DEFAULT_ENVS = ("tf221-k3", "tf221-legacy", "tf215-k2", "k3-jax", "colab", "tf215-broken-k3")
ALL_ENVS = DEFAULT_ENVS
USES_TF = re.compile(r"^\s*(import tensorflow|from tensorflow\b)", re.M)
CELL_SECONDS = 120
# the corrected cell runs under its own file name, its source in linecache (as IPython keeps a
# cell's, and engine.check the checked one's): AutoGraph reads a converted `call` from there
FIXED_CELL = "<fixed cell>"


def load_cases(paths: list[Path] | None = None) -> list[dict[str, Any]]:
    """Every case file (or the given ones), with ``name`` set from the file name."""
    out = []
    for path in sorted(paths or CASES_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            case = tomllib.load(fh)
        case["name"] = path.stem
        case["path"] = str(path)
        out.append(case)
    return out


def applies(case: dict[str, Any], env: str) -> bool:
    """True when ``case`` runs in ``env``: its ``envs`` list, else the default environments
    minus the one without TensorFlow for cells that import it."""
    if "envs" in case:
        return env in case["envs"]
    if env not in DEFAULT_ENVS:
        return False
    return not (env == "k3-jax" and USES_TF.search(case["source"]))


# Where the test suite runs every case that applies; elsewhere it runs a fixed sample (``in_suite``).
REFERENCE_ENV = "tf221-k3"
SAMPLE_ONE_IN = 3


def differs_from_reference(case: dict[str, Any], env: str) -> bool:
    """True when the case declares something for ``env`` that ``REFERENCE_ENV`` does not check: it
    fails here and not there, has overrides for ``env``, or does not apply in the reference. (A
    cell that fails in the reference and runs here is one of the many working cells: sampled.)"""
    fails = case.get("fails_in", [])
    return (
        not applies(case, REFERENCE_ENV)
        or env in case.get("env", {})
        or (env in fails and REFERENCE_ENV not in fails)
    )


def in_suite(case: dict[str, Any], env: str) -> bool:
    """Whether the test suite runs ``case`` in ``env`` (``tests/test_cases.py``): every case that
    applies in the reference environment; elsewhere each case that declares something the
    reference does not check (``differs_from_reference``), and one in ``SAMPLE_ONE_IN`` of the
    others, fixed by a hash of its name so that every run holds the same sample.
    ``scripts/case_report.py`` runs them all everywhere."""
    if not applies(case, env):
        return False
    if env == REFERENCE_ENV or differs_from_reference(case, env):
        return True
    return zlib.crc32(case["name"].encode()) % SAMPLE_ONE_IN == 0


def expected(case: dict[str, Any], env: str) -> dict[str, Any]:
    """What the case expects in ``env``: fails, error, message, fix (per-env overrides applied)."""
    out = {
        "fails": env in case.get("fails_in", []),
        "error": case.get("error"),
        "message": case.get("message"),
        "fix": case.get("fix"),
        "expect_ids": case.get("expect_ids", []),
        "fixed_then": case.get("fixed_then"),
    }
    out.update(case.get("env", {}).get(env, {}))
    return out


def _run(source: str) -> tuple[dict[str, Any], BaseException | None, dict[str, Any]]:
    """Execute ``source`` in a fresh namespace, output hidden: (outcome, exception, namespace)."""
    sink = io.StringIO()
    ns: dict[str, Any] = {"__name__": "__main__"}
    start = time.perf_counter()
    try:
        code = compile(source, FIXED_CELL, "exec")
        linecache.cache[FIXED_CELL] = (len(source), None, source.splitlines(keepends=True), FIXED_CELL)
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            exec(code, ns)
    except BaseException as exc:  # the cell's own error is the measurement
        outcome = {
            "ok": False,
            "error": [c.__name__ for c in type(exc).__mro__],
            "message": str(exc)[:2000],
            "seconds": time.perf_counter() - start,
        }
        return outcome, exc, ns
    outcome = {"ok": True, "error": None, "message": None, "seconds": time.perf_counter() - start}
    return outcome, None, ns


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Run the cell once, as ``%%keras_check`` and ``kerasmagic.check`` do (the engine's ``check``:
    output captured, a failure diagnosed from that very exception, silent traps looked for after
    a run that worked); then run the corrected cell in a fresh namespace. All in this process;
    output hidden. The cell's time is the run alone (``executing`` is entered around it only),
    the diagnosis's the rest."""
    from kerasmagic.diagnosis.engine import check

    row: dict[str, Any] = {"name": case["name"], "family": case["family"]}
    ns: dict[str, Any] = {"__name__": "__main__"}
    raised: list[BaseException] = []
    ran: list[float] = []

    @contextlib.contextmanager
    def timed() -> Iterator[None]:
        begin = time.perf_counter()
        try:
            yield
        finally:
            ran.append(time.perf_counter() - begin)

    sink = io.StringIO()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            result = check(case["source"], namespace=ns, filename="<cell>", on_error=raised.append, executing=timed)  # fmt: skip
            data = result.to_dict()
    except Exception:
        row["check"] = {"crash": traceback.format_exc(limit=5)}
        return row
    exc = raised[0] if raised else None
    seconds = ran[0] if ran else 0.0
    row["cell"] = {
        "ok": exc is None,
        "error": [c.__name__ for c in type(exc).__mro__] if exc is not None else None,
        "message": str(exc)[:2000] if exc is not None else None,
        "seconds": seconds,
    }
    if exc is not None:
        row["diagnose_seconds"] = time.perf_counter() - start - seconds
    top = data["suggestions"][0] if data["suggestions"] else {}
    row["check"] = {
        "ok": data["ok"],
        "error_type": data["error_type"],
        "ids": [s["id"] for s in data["suggestions"]],
        "trap_ids": [t["id"] for t in data["traps"]],
        "top": top.get("title"),
        "fixed_source": top.get("fixed_source"),
        "result_fixed_source": data["fixed_source"],
        "internal_error": data["internal_error"],
    }
    # the top suggestion's corrected cell; for a cell that ran, the fix of a silent trap
    fixed = row["check"]["fixed_source"] or row["check"]["result_fixed_source"]
    # ``restart``: the finding says to restart the kernel before the corrected cell (the failed
    # run left state only a new process clears), so it runs in a new process, as it would then
    run = _run_in_new_process if case.get("restart") else _run
    ran_fixed = run(fixed) if fixed is not None else None
    row["fixed"] = ran_fixed[0] if ran_fixed is not None else None
    row["contradictions"] = _contradictions(result, ns, ran_fixed)
    return row


def _contradictions(result: Any, ns: dict[str, Any], ran_fixed: tuple | None) -> list[str]:
    """The findings of ``result`` that contradict each other (``contradictions.py``), output
    hidden; a failure of the check itself is reported as one."""
    from contradictions import contradictions

    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            outcome = (ran_fixed[1], ran_fixed[2]) if ran_fixed is not None else None
            return contradictions(result, ns, outcome)
    except Exception:
        return [f"checking for contradictions failed: {traceback.format_exc(limit=5)}"]


def evaluate(case: dict[str, Any], row: dict[str, Any], env: str) -> dict[str, Any]:
    """Judge one result against the case: did the cell fail as expected, was the top corrected
    cell run successfully (``fixed``), or is it a wrong fix (a corrected cell that fails, or
    any change proposed for a working cell; a broken cell that runs here may get a trap's
    fix, which must run)."""
    want = expected(case, env)
    cell, check, fixed = row.get("cell") or {}, row.get("check") or {}, row.get("fixed")
    fails = cell.get("ok") is False
    problems: list[str] = []
    if "crash" in row or "crash" in check:
        problems.append(f"runner crash: {row.get('crash') or check.get('crash')}")
    if check.get("internal_error"):
        problems.append(f"kerasmagic internal error: {check['internal_error']}")
    if fails != want["fails"]:
        problems.append(
            f"expected the cell to {'fail' if want['fails'] else 'run'}; "
            + (f"it raised {cell['error'][0]}: {cell['message'][:300]}" if fails else "it ran")
        )
    if fails and want["fails"]:
        if want["error"] and not set(want["error"].split("|")) & set(cell["error"]):
            problems.append(f"expected {want['error']}, got {cell['error'][0]}")
        if want["message"] and not re.search(want["message"], cell["message"] or ""):
            problems.append(f"message {cell['message'][:200]!r} lacks /{want['message']}/")
        if not check.get("ids"):
            problems.append("no explanation")
        missing = set(want["expect_ids"]) - set(check.get("ids", []))
        if missing:
            problems.append(f"missing findings {sorted(missing)}")
    is_fixed = fails and fixed is not None and fixed["ok"]
    wrong = fixed is not None and not fixed["ok"]
    if fails and want["fixed_then"]:
        # a partial fix: the corrected cell gets past the cell's error and stops later, on a
        # problem kerasmagic explains but has no rewrite for (progress, neither fixed nor wrong)
        later = (fixed or {}).get("message") or ""
        if fixed is None or fixed["ok"]:
            problems.append(f"expected a corrected cell that fails later; got {fixed}")
        elif later == cell["message"] or not re.search(want["fixed_then"], later):
            problems.append(
                f"the corrected cell's error {later[:200]!r} is not /{want['fixed_then']}/"
            )
        if want["fix"] and not re.search(want["fix"], check.get("fixed_source") or ""):
            problems.append(f"the corrected cell lacks /{want['fix']}/")
        is_fixed = wrong = False
    elif wrong:
        problems.append(
            f"wrong fix: the corrected cell raises {fixed['error'][0]}: {fixed['message'][:300]}"
        )
    if not fails and case["family"] == "working":
        if check.get("ids") or check.get("result_fixed_source"):
            problems.append(f"a working cell got findings {check.get('ids')} or a change")
        wrong = wrong or check.get("result_fixed_source") is not None
    if is_fixed and want["fix"] and not re.search(want["fix"], check["fixed_source"]):
        problems.append(f"the corrected cell lacks /{want['fix']}/")
    return {
        "name": case["name"],
        "family": case["family"],
        "broken": fails,
        "fixed": is_fixed,
        "wrong": wrong,
        "fixable": case.get("fixable", True),
        "ids": check.get("ids", []),
        "problems": problems,
        # findings of the result that contradict each other (contradictions.py)
        "contradictions": row.get("contradictions", []),
        "diagnose_seconds": row.get("diagnose_seconds"),
    }


def _run_in_new_process(source: str) -> tuple[dict[str, Any], None, dict[str, Any]]:
    """``_run`` of ``source`` in a fresh process of this interpreter (its namespace stays there)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--run-source"],
        input=source,
        capture_output=True,
        text=True,
        timeout=CELL_SECONDS * 3,
    )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1]), None, {}
    except Exception:
        return {"ok": False, "error": ["RunnerCrash"], "message": proc.stderr[-2000:]}, None, {}


def _isolated(path: str) -> dict[str, Any]:
    """Run one case in a fresh process of this interpreter."""
    proc = subprocess.run(
        [sys.executable, __file__, "--in-process", path],
        capture_output=True,
        text=True,
        timeout=CELL_SECONDS * 3,
    )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])["results"][0]
    except Exception:
        return {"name": Path(path).stem, "crash": proc.stderr[-2000:]}


def versions() -> dict[str, str | None]:
    from importlib import metadata

    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    for dist in ("tensorflow", "keras", "tf-keras", "jax", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def main(argv: list[str]) -> int:
    if "--run-source" in argv:
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            print(json.dumps(_run(sys.stdin.read())[0]))
        return 0
    in_process = "--in-process" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")]
    env = os.environ.get("KERASMAGIC_ENV", "local")
    wanted = in_suite if "--suite" in argv else applies
    cases = [c for c in load_cases(paths or None) if in_process or wanted(c, env)]
    shard = next((a.split("=", 1)[1] for a in argv if a.startswith("--shard=")), "0/1")
    index, count = (int(n) for n in shard.split("/"))
    cases = cases[index::count]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # cells that save models write here
        for data in DATA.glob("keras2-*"):  # models saved by Keras 2, for cells to load
            if data.is_dir():
                shutil.copytree(data, Path(tmp, data.name))
            else:
                shutil.copy(data, tmp)
        for case in cases:
            if case.get("isolated") and not in_process:
                results.append(_isolated(case["path"]))
            else:
                results.append(run_case(case))
    print(json.dumps({"env": env, "versions": versions(), "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
