"""The teaching notebooks: stored without outputs, Colab-ready, and run top to bottom in a real
Jupyter kernel of this environment (quickstart everywhere, workshops where TensorFlow is).

What is checked is what a reader relies on: a failing cell is followed by kerasmagic's diagnosis
and does not stop the notebook, every fixed cell runs without error, ``%keras_env`` shows the
versions ``importlib.metadata`` reports, and the facts the prose teaches hold for this kernel.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ENV_NAME, run_python

from kerasmagic.render.base import REPORT_JSON

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WORKSHOPS = [
    "01_importing_optimizers.ipynb",
    "02_tf_keras_vs_keras.ipynb",
    "03_legacy_vs_new_optimizers.ipynb",
    "04_environment_traps.ipynb",
]
MIGRATE_WORKSHOP = "05_migrate_old_notebook.ipynb"  # executed by tests/test_migrate_run.py
ALL_NOTEBOOKS = ["quickstart.ipynb", *WORKSHOPS, MIGRATE_WORKSHOP]
TF_ENVS = ("tf221-k3", "tf221-legacy", "tf215-k2", "colab")
# every notebook starts with the same install cell (what it does: tests/test_first_five_minutes.py)
INSTALL_CELL = "".join(
    next(
        c
        for c in json.loads((NOTEBOOKS / "quickstart.ipynb").read_text())["cells"]
        if c["cell_type"] == "code"
    )["source"]
)
COLAB = "https://colab.research.google.com/github/kerasmagic/kerasmagic/blob/main/notebooks/"


def _script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


run_notebook = _script("run_notebook")
strip_notebooks = _script("strip_notebooks")


def _read(name: str) -> dict[str, Any]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def _source(cell: dict[str, Any]) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _installed(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


# -- stored form: every environment -----------------------------------------------------------


def test_the_notebooks_exist():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(ALL_NOTEBOOKS)


def test_every_stored_notebook_is_stripped():
    assert strip_notebooks.main(["--check", *map(str, NOTEBOOKS.glob("*.ipynb"))]) == 0
    for path in NOTEBOOKS.glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_strip_removes_outputs_and_counts_and_is_idempotent(tmp_path):
    nb = _read("quickstart.ipynb")
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    code["execution_count"] = 7
    code["metadata"]["collapsed"] = True
    nb["metadata"]["widgets"] = {"state": {}}
    path = tmp_path / "dirty.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert strip_notebooks.main(["--check", str(path)]) == 1
    assert strip_notebooks.main([str(path)]) == 0
    clean = json.loads(path.read_text(encoding="utf-8"))
    first = next(c for c in clean["cells"] if c["cell_type"] == "code")
    assert first["outputs"] == [] and first["execution_count"] is None
    assert "collapsed" not in first["metadata"] and "widgets" not in clean["metadata"]
    assert first["metadata"].get("tags") == code["metadata"].get("tags")
    assert strip_notebooks.main(["--check", str(path)]) == 0


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_colab_badge_and_install_cell(name):
    nb = _read(name)
    first_md = next(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert f"({COLAB}{name})" in first_md
    assert "colab-badge.svg" in first_md
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert _source(first_code) == INSTALL_CELL
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", [n for n in ALL_NOTEBOOKS if n != MIGRATE_WORKSHOP])
def test_each_notebook_tells_failing_cell_then_fixed_cell(name):
    cells = [c for c in _read(name)["cells"] if c["cell_type"] == "code"]
    tags = [c["metadata"].get("tags", []) for c in cells]
    traps = [i for i, t in enumerate(tags) if "trap" in t]
    fixed = [i for i, t in enumerate(tags) if "fixed" in t]
    assert traps and fixed
    assert all(_source(cells[i]).startswith("%%keras_check") for i in traps)
    assert all(any(f > t for f in fixed) for t in traps[:1])


# -- execution helpers ------------------------------------------------------------------------

_RUNS: dict[str, Any] = {}


def executed(name: str) -> Any:
    """Run the notebook once per test session in a real ``python3`` kernel of this interpreter."""
    if name not in _RUNS:
        _RUNS[name] = run_notebook.execute(NOTEBOOKS / name, timeout=600)
    return _RUNS[name]


def tagged(run: Any, tag: str) -> list[Any]:
    return [c for c in run.cells if tag in c.tags]


def texts(cell: Any) -> str:
    return "\n".join(run_notebook.output_text(o) for o in cell.outputs)


def errors(cell: Any) -> list[int]:
    return [i for i, o in enumerate(cell.outputs) if o["output_type"] == "error"]


def kerasmagic_results(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``CheckResult`` documents ``%%keras_check`` displayed (their JSON view)."""
    found = []
    for o in outputs:
        doc = o.get("data", {}).get(REPORT_JSON)
        if isinstance(doc, dict) and "suggestions" in doc and "traps" in doc:
            found.append(doc)
    return found


def assert_runs_cleanly(run: Any) -> None:
    failed = [(c.index, c.source.splitlines()[0], texts(c)[-1500:]) for c in run.failed]
    assert not failed, f"cells whose execution failed: {failed}"
    for cell in run.cells:
        out = texts(cell)
        assert "kerasmagic: internal error" not in out, (cell.index, out[-2000:])
        assert "kerasmagic: could not load" not in out, (cell.index, out[-2000:])


def assert_diagnosed(cell: Any) -> None:
    """After the user's traceback, kerasmagic's diagnosis of that error with a suggestion."""
    first = errors(cell)[0]
    ename = cell.outputs[first]["ename"]
    results = kerasmagic_results(cell.outputs[first + 1 :])
    assert results, f"no diagnosis after {ename} in cell {cell.index}: {texts(cell)[-1500:]}"
    result = results[0]
    assert result["ok"] is False
    assert result["error_type"] in (None, ename) or result["error_type"].endswith(ename)
    assert result["suggestions"], f"diagnosis without a suggestion for {ename}: {result}"
    shown = [o for o in cell.outputs[first + 1 :] if o.get("data", {}).get("text/plain")]
    assert shown, "the diagnosis has a readable view"


def assert_trap_cells(run: Any) -> int:
    """Every failing trap cell is diagnosed; silent traps are reported; returns how many failed."""
    failing = 0
    for cell in tagged(run, "trap"):
        # a failing checked cell fails like a plain one; the tag lets Run All go on
        assert "raises-exception" in cell.tags
        if errors(cell):
            failing += 1
            assert_diagnosed(cell)
        elif "trap-silent" in cell.tags:
            results = kerasmagic_results(cell.outputs)
            assert results and results[0]["traps"], (
                f"cell {cell.index} ran but its silent trap was not reported: {texts(cell)[-1500:]}"
            )
    return failing


def assert_fixed_cells(run: Any) -> None:
    for cell in tagged(run, "fixed"):
        assert not errors(cell), f"fixed cell {cell.index} failed: {texts(cell)[-2000:]}"


def assert_env_report(run: Any) -> None:
    """``%keras_env`` shows the versions importlib.metadata reports for this interpreter."""
    for cell in tagged(run, "env-report"):
        docs = [o["data"].get(REPORT_JSON) for o in cell.outputs if "data" in o]
        docs = [d for d in docs if isinstance(d, dict) and "packages" in d]
        assert docs, f"%keras_env displayed no report: {texts(cell)[-1500:]}"
        packages = {p["name"]: p for p in docs[0]["packages"]}
        plain = texts(cell)
        tf_version = _installed("tensorflow")
        if tf_version:
            assert packages["tensorflow"]["installed"] == tf_version
            assert tf_version in plain
        else:
            assert not packages.get("tensorflow", {}).get("installed")
        keras_version = _installed("keras")
        if keras_version:
            assert keras_version in plain


# -- quickstart: every environment ------------------------------------------------------------


def test_quickstart_runs_top_to_bottom_here():
    run = executed("quickstart.ipynb")
    assert_runs_cleanly(run)
    install = tagged(run, "install")[0]
    assert install.outputs == [], "kerasmagic is installed: the install cell does nothing"
    assert_env_report(run)
    assert assert_trap_cells(run) >= 1, "the failing import fails in every environment"

    fixed = tagged(run, "fixed")[0]
    works_here = run_python("from keras.utils import to_categorical").returncode == 0
    if works_here:
        assert not errors(fixed), texts(fixed)
        assert "[[1. 0. 0.]" in texts(fixed)
    else:  # no (working) Keras: the fixed cell degrades to an explained error, never a stop
        assert_diagnosed(fixed)

    cell = tagged(run, "optimizers")[0]
    optimizers = texts(cell)
    if importlib.util.find_spec("keras") is None:
        assert "not installed" in optimizers.lower(), optimizers
    else:
        assert "adam" in optimizers.lower(), optimizers
    if importlib.util.find_spec("tensorflow") is not None:  # --probe: TF's side without importing
        assert "tf.keras.optimizers.Adam()" in optimizers, optimizers
    shown = [set(o.get("data", {})) for o in cell.outputs if o["output_type"] == "display_data"]
    assert shown and all("text/html" in kinds for kinds in shown), shown
    if importlib.util.find_spec("ipywidgets") is not None:  # ipywidgets 7.7 (Colab) and 8
        assert any(run_notebook.WIDGET_VIEW in kinds for kinds in shown), shown


# -- workshops: TensorFlow environments -------------------------------------------------------


# Workshop 4 (environment traps) also runs where Keras 3 was installed over TF 2.15: its
# conflicting-versions section is about exactly that environment.
WORKSHOP_ENVS = {name: TF_ENVS for name in WORKSHOPS}
WORKSHOP_ENVS["04_environment_traps.ipynb"] = (*TF_ENVS, "tf215-broken-k3")


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.envs(*WORKSHOP_ENVS[n])) for n in WORKSHOPS]
)
def test_workshop_runs_top_to_bottom_here(name):
    run = executed(name)
    assert_runs_cleanly(run)
    assert tagged(run, "install")[0].outputs == []
    assert assert_trap_cells(run) >= 1, f"{name}: no failing cell to learn from in {ENV_NAME}"
    assert_fixed_cells(run)
    assert_env_report(run)
    versions = texts(tagged(run, "versions")[0])
    assert f"tensorflow  {md.version('tensorflow')}" in versions
    assert f"keras       {md.version('keras')}" in versions


@pytest.mark.envs(*TF_ENVS)
def test_workshop_01_lr_is_rejected_or_ignored_as_the_prose_says():
    cell = next(c for c in tagged(executed(WORKSHOPS[0]), "trap-silent") if "lr=0.1" in c.source)
    if errors(cell):
        assert cell.outputs[errors(cell)[0]]["ename"] == "ValueError"
    else:
        used = texts(cell).split("learning rate in use:")[1].split("|")[0]
        assert abs(float(used) - 0.01) < 1e-6, "Keras 2.11+ ignores lr= and keeps SGD's 0.01"


@pytest.mark.envs(*TF_ENVS)
def test_workshop_03_variable_set_after_first_use_changes_nothing():
    cell = tagged(executed(WORKSHOPS[2]), "fresh-processes")[0]
    lines = dict(line.split(":", 1) for line in texts(cell).splitlines() if ":" in line)
    answers = {k.strip(): v.strip() for k, v in lines.items()}
    assert answers["set after the first use of tf.keras"] == answers["never set"]
    assert answers["set before `import tensorflow`"] == answers["set after the import, before use"]
    if _installed("tf_keras"):
        assert "tf_keras" in answers["set before `import tensorflow`"]


@pytest.mark.envs(*WORKSHOP_ENVS[WORKSHOPS[3]])
def test_workshop_04_upgrade_without_restart_keeps_the_old_module():
    cell = tagged(executed(WORKSHOPS[3]), "stale-demo")[0]
    assert "installed 2.0 | running 1.0" in texts(cell)


@pytest.mark.envs(*WORKSHOP_ENVS[WORKSHOPS[3]])
def test_workshop_04_conflict_verdict_matches_tensorflow_metadata():
    from packaging.requirements import Requirement

    cell = tagged(executed(WORKSHOPS[3]), "conflicts")[0]
    verdicts = {}
    for line in texts(cell).splitlines():
        if " needs " in line and " -> " in line:
            name = line.split(" needs ")[1].split("<")[0].split(">")[0].split("=")[0].split("!")[0]
            verdicts[name.split("~")[0]] = line.rsplit(" -> ", 1)[1].strip()
    keras_req = next(
        Requirement(r) for r in md.requires("tensorflow") or [] if Requirement(r).name == "keras"
    )
    expected = "ok" if md.version("keras") in keras_req.specifier else "CONFLICT"
    assert verdicts.get("keras") == expected, texts(cell)
    if ENV_NAME == "tf215-broken-k3":
        assert verdicts["keras"] == "CONFLICT"


# -- scripts/run_notebook.py itself -----------------------------------------------------------


@pytest.mark.envs("tf221-k3")  # the script's own behaviour; the notebooks run in every environment
def test_run_notebook_script_reports_outputs_failures_and_writes_html(tmp_path):
    nb = _read("quickstart.ipynb")
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# tiny", "id": "a"},
        {
            "cell_type": "code",
            "metadata": {},
            "source": "import sys\nprint(6 * 7, sys.executable)",
            "id": "b",
        },
        {"cell_type": "code", "metadata": {}, "source": "1 / 0", "id": "c"},
        {"cell_type": "code", "metadata": {}, "source": "print('after')", "id": "d"},
    ]
    for c in cells[1:]:
        c.update(outputs=[], execution_count=None)
    nb["cells"] = cells
    path = tmp_path / "tiny.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    html = tmp_path / "tiny.html"
    script = str(ROOT / "scripts" / "run_notebook.py")
    proc = subprocess.run(
        [sys.executable, script, str(path), "--html", str(html)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"42 {sys.executable}" in proc.stdout, "the kernel runs this interpreter"
    assert "after" in proc.stdout
    assert "ZeroDivisionError" in proc.stdout and "FAILED" in proc.stdout
    assert "42" in html.read_text(encoding="utf-8")

    cells[2]["metadata"] = {"tags": ["raises-exception"]}
    path.write_text(json.dumps(nb), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, script, str(path), "--json"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["failed"] == []
    assert [c["status"] for c in summary["cells"]] == ["ok", "error", "ok"]


def test_static_html_copy_shows_a_widgets_own_html_view():
    """An exported page cannot run a widget (no kernel; its manager is on a CDN): the copy keeps
    the widget's static HTML view instead, and the executed notebook itself is not changed."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    widget = run_notebook.WIDGET_VIEW
    cell = nbformat.v4.new_code_cell("%keras_optimizers adam")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={widget: view, "text/html": "<b>[A] Adam</b>", "text/plain": "[A] Adam"},
        ),
        nbformat.v4.new_output("display_data", data={widget: view}),  # nothing static to show
    ]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    static = run_notebook.static_copy(nb)
    first, second = static.cells[0].outputs
    assert widget not in first["data"] and "<b>[A] Adam</b>" in first["data"]["text/html"]
    assert widget in second["data"]
    assert "widgets" not in static.metadata
    assert widget in nb.cells[0].outputs[0]["data"] and "widgets" in nb.metadata
    run = run_notebook.NotebookRun(Path("t.ipynb"), nb, [], 0.0)
    assert "<b>[A] Adam</b>" in run_notebook.to_html(run)


@pytest.mark.envs("tf221-k3")
def test_exported_quickstart_reads_in_a_headless_browser(tmp_path):
    """The static HTML copy, opened offline in Chromium: the diagnosis, the fixed cell's output
    and the optimizer comparison (the widget's own HTML view) are all visible text."""
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists() or importlib.util.find_spec("playwright") is None:
        pytest.skip("needs Chromium and playwright (both installed for tf221-k3 by envs.py)")
    page = tmp_path / "quickstart.html"
    page.write_text(run_notebook.to_html(executed("quickstart.ipynb")), encoding="utf-8")
    shot = _script("screenshot_notebook")
    png = tmp_path / "quickstart.png"
    where = shot.screenshot(page, png, section="2.", height=900, chromium=chromium)
    assert png.stat().st_size > 10_000 and where["top"] > 0

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        tab = browser.new_page()
        tab.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        tab.goto(page.as_uri())
        text = tab.inner_text("body")
        browser.close()
    assert "keras.utils.np_utils" in text and "corrected cell" in text.lower()
    assert "[[1. 0. 0.]" in text  # the fixed cell ran
    assert "way of asking" in text and "tf.keras.optimizers.Adam()" in text
