"""Clutter and friction (issue 32, item 8), each through the real thing: a real Jupyter kernel for
``%keras_env``, a real IPython shell for ``%%keras_check``, the CLI as typed, a real migrate run.

- the install row of ``%keras_env`` keeps its two commands on two lines;
- no empty header bar above a table of pairs;
- an optimizers section with nothing measured is one sentence, not a table of one row;
- the CLI (``env``, ``check FILE``) speaks of this Python, a script and ``pip``, not of a
  kernel, cells or ``!pip``;
- the versions line is said once per result, not once per finding;
- the migrate report explains a rule once per document, however many cells it rewrote, and
  nests no brackets.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from environments import CLI_ENVS, HAS_TF, here
from migrate_helpers import kerasmagic_cli, notebook

from kerasmagic.render.base import REPORT_JSON

NESTED = re.compile(r"\([^()]*\([^()]*\)")  # "(proved from the source (not run))"
NOTEBOOK_WORDS = re.compile(r"\bkernel\b|!pip|%pip|%keras_|\bcells?\b|\bruntime\b", re.I)


def _kernel_outputs(*cells: str) -> list[list[dict]]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True).execute()
    return [c.outputs for c in nb.cells]


# a kernel whose Python has no pip and no uv on PATH: the install row is two commands
HIDE_UV = (
    "import os, shutil\n"
    "os.environ['PATH'] = os.pathsep.join(d for d in os.environ['PATH'].split(os.pathsep)"
    " if not shutil.which('uv', path=d))\n"
)


@pytest.fixture(scope="module")
def env_in_kernel() -> dict:
    outputs = _kernel_outputs(HIDE_UV, "%load_ext kerasmagic", "%keras_env")
    shown = [o for o in outputs[2] if o["output_type"] == "display_data"]
    assert shown, outputs
    return shown[0]["data"]


def test_install_row_keeps_each_command_on_its_own_line(env_in_kernel):
    report = env_in_kernel[REPORT_JSON]
    command = report["python"]["install_command"]
    lines = command.split("\n")
    if report["python"]["has_pip"]:
        assert len(lines) == 1, command
    else:  # no pip, no uv: pip first, then %pip
        assert len(lines) == 2 and lines[0].endswith("-m ensurepip"), command
    html, text = env_in_kernel["text/html"], env_in_kernel["text/plain"]
    escaped = [ln.replace('"', "&quot;") for ln in lines]
    assert "<br>".join(escaped) in html, html[:3000]
    assert " ".join(escaped) not in html or len(lines) == 1
    row = next(i for i, ln in enumerate(text.splitlines()) if ln.startswith("install into"))
    text_lines = text.splitlines()[row : row + len(lines)]
    column = text_lines[0].index(lines[0])
    for shown, line in zip(text_lines, lines):
        assert shown[column:] == line and not shown[:column].strip(" ").endswith("PACKAGE")


def test_no_empty_header_bar(env_in_kernel):
    html = env_in_kernel["text/html"]
    assert not re.search(r"<tr>(<th></th>)+</tr>", html), html  # a header row of nothing
    assert html.count("<table") >= 3  # the tables are there, without an empty head


@pytest.mark.skipif(not here(HAS_TF), reason="the section's words where TensorFlow is installed")
def test_unmeasured_optimizers_are_one_sentence_not_a_table(env_in_kernel):
    report = env_in_kernel[REPORT_JSON]
    measured = report["optimizers"] and report["optimizers"]["optimizers"]
    assert not measured  # a fresh kernel: nothing imported, nothing built
    html, text = env_in_kernel["text/html"], env_in_kernel["text/plain"]
    assert "way of asking" not in html and "<b>Optimizers:</b> Not measured" in html
    assert "Optimizers: Not measured in this kernel yet" in text
    assert "\noptimizers  " not in text  # no one-row table


def _cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "")}
    return kerasmagic_cli(*argv, cwd=cwd, env=env)


@pytest.mark.skipif(not here(HAS_TF), reason="the section's words where TensorFlow is installed")
def test_cli_env_speaks_of_this_python():
    proc = _cli("env")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "install into this Python" in out
    assert "Optimizers: Not measured in this Python yet" in out
    assert "python -m kerasmagic optimizers" in out
    assert not NOTEBOOK_WORDS.findall(out), NOTEBOOK_WORDS.findall(out)


SCRIPT = """\
from tensorflow import keras
import scikeras_is_not_here_either
opt = keras.optimizers.Adam(lr=0.1)
"""


@pytest.mark.envs(*CLI_ENVS)  # the CLI's own words: one install with Keras 3 over TF
@pytest.mark.skipif(not here(HAS_TF), reason="the script imports TensorFlow")
def test_cli_check_speaks_of_a_script(tmp_path: Path):
    reports = []
    for source in (SCRIPT.replace("import scikeras_is_not_here_either\n", ""), "import scikeras\n"):
        script = tmp_path / "train.py"
        script.write_text(source, encoding="utf-8")
        proc = _cli("check", str(script))
        assert proc.returncode == 1, proc.stderr[-2000:]
        reports.append(proc.stdout)
        assert "kerasmagic:" in reports[-1] and "ERROR" in reports[-1], reports[-1]
        assert not NOTEBOOK_WORDS.findall(reports[-1]), NOTEBOOK_WORDS.findall(reports[-1])
        data = json.loads(_cli("check", "--json", str(script)).stdout)
        assert data["unit"] == "script"
        words = json.dumps(data["suggestions"])
        assert not NOTEBOOK_WORDS.findall(words), NOTEBOOK_WORDS.findall(words)
    assert "corrected script:" in reports[0]  # the first script's error has a verified fix


@pytest.mark.skipif(not here(HAS_TF), reason="the cell imports TensorFlow")
def test_versions_are_said_once_per_result(ipshell, capsys):
    cell = "from tensorflow import keras\nkeras.optimizers.Adam(lr=0.1, decay=1e-6)\n"
    from kerasmagic.diagnosis.engine import check
    from kerasmagic.render.check import CheckView

    ipshell.run_cell("%%keras_check\n" + cell)
    shown = capsys.readouterr().out
    result = check(cell)
    assert len([*result.suggestions, *result.traps]) >= 2, result
    bundle = CheckView(result)._repr_mimebundle_()
    words = {"text/plain": "versions: ", "text/html": "Versions", "text/markdown": "Versions: "}
    for mime, word in words.items():
        view = bundle[mime].split("Copy as Markdown")[0]  # the HTML's copy block is the Markdown
        assert view.count(word) == 1, (mime, view)
    assert shown.count("versions: ") == 1, shown


@pytest.mark.envs(*CLI_ENVS)  # the CLI's own words: one install with Keras 3 over TF
@pytest.mark.skipif(not here(HAS_TF), reason="the notebook imports TensorFlow")
def test_migrate_report_explains_a_rule_once(tmp_path: Path):
    cells = [
        "from tensorflow import keras\nopt_a = keras.optimizers.Adam(lr=0.1)\n",
        *[f"opt_{i} = keras.optimizers.SGD(lr=0.{i})\n" for i in range(1, 8)],
    ]
    nb = notebook(tmp_path / "lesson.ipynb", cells)
    report = tmp_path / "report.md"
    proc = kerasmagic_cli(
        "migrate", "--static", str(nb), "-o", str(tmp_path / "out"), "--report", str(report)
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = report.read_text(encoding="utf-8")
    data = json.loads(kerasmagic_cli("migrate", "--static", "--check", "--json", str(nb)).stdout)
    causes = [
        r["cause"]
        for c in data["documents"][0]["cells"]
        for ch in c["changes"]
        for r in ch["rules"]
    ]
    assert len(causes) >= 7, causes  # one rule, rewriting every cell
    assert text.count(causes[0]) == 1, text
    assert text.count("explained at Cell") >= 6, text
    rewrites = [line for line in text.splitlines() if line.startswith("- Rewrite")]
    assert rewrites and not any(NESTED.search(line) for line in rewrites), rewrites
    html = tmp_path / "report.html"
    out2 = str(tmp_path / "out2")
    kerasmagic_cli("migrate", "--static", str(nb), "-o", out2, "--report", str(html))
    assert html.read_text(encoding="utf-8").count(_html_cause(causes[0])) == 1


def _html_cause(cause: str) -> str:
    from kerasmagic.render.migration import _prose

    return _prose(cause)
