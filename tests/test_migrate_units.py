"""The parts of ``migrate`` that need no kernel: finding files, reading and writing them, keeping
installs from running, the report's views (asserted on content)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import notebook

from kerasmagic.migrate import installs, sources
from kerasmagic.migrate.kernel import call_code, marked_document
from kerasmagic.migrate.kernel_side import MARK
from kerasmagic.migrate.results import (
    CellResult,
    Change,
    DocumentResult,
    MigrationReport,
    output_text,
)
from kerasmagic.render import migration as report


def test_discover_skips_checkpoints_envs_and_earlier_copies(tmp_path: Path) -> None:
    for rel in ["a.ipynb", "sub/b.py", "sub/c.txt", ".ipynb_checkpoints/a-checkpoint.ipynb",
                "model-checkpoint.ipynb",  # the user's, outside Jupyter's checkpoint folder
                ".git/x.py", "env/lib/y.py", "conda/z.py", "lib/site-packages/s.py",
                "a.migrated.ipynb", "__pycache__/p.py", ".venv/v.py"]:  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "conda" / "conda-meta").mkdir()
    found = sources.discover([tmp_path])
    assert [s.relative.as_posix() for s in found] == [
        "a.ipynb",
        "model-checkpoint.ipynb",
        "sub/b.py",
    ]
    # a file named explicitly is always taken, once
    again = sources.discover([tmp_path / "a.migrated.ipynb", tmp_path / "a.migrated.ipynb"])
    assert len(again) == 1
    with pytest.raises(sources.SourceError):
        sources.discover([tmp_path / "sub" / "c.txt"])


def test_a_file_named_without_a_known_suffix_is_read_by_its_content(tmp_path: Path) -> None:
    script, notebook, prose = tmp_path / "SqueezeNet - Simplified Alexnet", tmp_path / "lesson", tmp_path / "notes"
    script.write_text("from keras.layers import Merge\nprint(1)\n")
    notebook.write_text('{"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [],'
                        ' "execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    prose.write_text("Train the model for ten epochs, then plot the loss.\n")
    found = sources.discover([script, notebook])
    assert [s.kind for s in found] == ["script", "notebook"]
    assert sources.read(found[0]).cells == ["from keras.layers import Merge\nprint(1)\n"]
    assert sources.read(found[1]).cells == ["x = 1"]
    assert sources.destination(found[0], None, False).name == "SqueezeNet - Simplified Alexnet.migrated"
    with pytest.raises(sources.SourceError, match="by name or content"):
        sources.discover([prose])
    (tmp_path / "notes.txt").write_text("x\n")  # parses as Python, but named as text
    with pytest.raises(sources.SourceError, match=r"\(\.py\)$"):
        sources.discover([tmp_path / "notes.txt"])


def test_destination(tmp_path: Path) -> None:
    src = sources.Source(tmp_path / "d" / "sub" / "n.ipynb", tmp_path / "d")
    assert sources.destination(src, None, True) == src.path
    assert sources.destination(src, tmp_path / "out", False) == tmp_path / "out" / "sub" / "n.ipynb"
    assert sources.destination(src, None, False).name == "n.migrated.ipynb"


def test_script_encoding_and_newlines_survive(tmp_path: Path) -> None:
    path = tmp_path / "old.py"
    raw = "# -*- coding: latin-1 -*-\r\nname = 'café'\r\nfrom keras.optimizers import adam\r\n"
    path.write_bytes(raw.encode("latin-1"))
    doc = sources.read(sources.Source(path))
    assert doc.cells == [raw.replace("\r\n", "\n")] and doc.encoding in ("iso-8859-1", "latin-1")
    assert sources.render(doc, doc.cells) == path.read_bytes()
    fixed = doc.cells[0].replace("adam", "Adam")
    assert sources.render(doc, [fixed]) == raw.replace("adam", "Adam").encode("latin-1")


def test_notebook_render_keeps_outputs_of_unchanged_cells(tmp_path: Path) -> None:
    import nbformat

    path = notebook(tmp_path / "n.ipynb", ["a = 1", "b = 2"])
    nb = nbformat.read(str(path), 4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="old\n")]
    nbformat.write(nb, str(path))
    doc = sources.read(sources.Source(path))
    out = nbformat.reads(sources.render(doc, ["a = 10", "b = 2"]).decode(), 4)
    assert out.cells[1].source == "a = 10" and out.cells[2].outputs[0]["text"] == "old\n"
    assert out.cells[0].cell_type == "markdown"


def test_installs_never_run_and_come_back() -> None:
    cell = "!pip install -q tensorflow==1.15 \\\n    keras==2.2\nimport keras\n%pip install foo\nx = !pip list"
    runnable, originals = installs.neutralize(cell)
    assert "pip install" not in runnable and len(runnable.split("\n")) == len(cell.split("\n"))
    compile(runnable.replace("x = !pip list", "x = 1"), "<t>", "exec")
    assert installs.restore(runnable.replace("import keras", "import keras as k"), originals) == cell.replace("import keras", "import keras as k")  # fmt: skip
    assert installs.restore("import keras", originals) is None  # a placeholder edited away
    assert len(installs.notes(originals)) == 2
    assert installs.neutralize("print('pip install')") == ("print('pip install')", {})


def test_hidden_cells_quote_any_source() -> None:
    source = "s = '''\\u2028 \U0001f600 \"quotes\" \\\\'''\n"
    code = call_code("after_failure", source, namespace=True)
    compile(code, "<hidden>", "exec")
    assert repr(source) in code and code.rstrip().endswith("namespace=globals())")
    outputs = [{"output_type": "stream", "name": "stdout", "text": f"noise\n{MARK}" + '{"a": 1}\n'}]
    assert marked_document(outputs) == {"a": 1}


def _report() -> dict:
    rule = {"id": "moved-module", "title": "`keras.utils.np_utils` is gone", "cause": "Keras 3 removed it.",
            "fix": "Import from `keras.utils`.", "references": ["https://keras.io/guides/migrating_to_keras_3/"]}  # fmt: skip
    fixed = CellResult(
        1,
        1,
        "from keras.utils.np_utils import x\n",
        "from keras.utils import x\n",
        "fixed",
        True,
        1.5,
    )
    fixed.changes = [
        Change(fixed.original, fixed.final, "error", [rule], "ModuleNotFoundError: no", True)
    ]
    fixed.outputs = [{"output_type": "stream", "name": "stdout", "text": "y" * 10000}]
    failed = CellResult(
        2,
        2,
        "open('<data>')",
        "open('<data>')",
        "failed",
        True,
        0.1,
        error="FileNotFoundError: <data>",
    )
    later = CellResult(3, 3, "Adam(lr=1)", "Adam(learning_rate=1)", "not-run")
    later.changes = [
        Change(later.original, later.final, "static", [dict(rule, id="optimizer-lr-renamed")])
    ]
    doc = DocumentResult("nb & co.ipynb", "notebook", "run", "stopped", "stopped at cell 2: no fix",
                         "out/nb.ipynb", True, [fixed, failed, later], {"keras": "3.15.1"}, "/py", 3.0, 2)  # fmt: skip
    return MigrationReport(
        "run", "/py", [doc], 3.2, kerasmagic="0.1.0", created="2026-01-01"
    ).to_dict()


def test_report_views_carry_the_same_content() -> None:
    data = _report()
    md, html = report.to_markdown(data), report.to_html(data)
    for text in (md, html):
        for needle in ("moved-module", "optimizer-lr-renamed", "stopped at cell 2", "keras 3.15.1",
                       "https://keras.io/guides/migrating_to_keras_3/", "not run"):  # fmt: skip
            assert needle in text, needle
    assert "-from keras.utils.np_utils import x" in md and "+from keras.utils import x" in md
    assert "verified: the cell ran without error in keras 3.15.1" in md
    assert "| nb & co.ipynb → out/nb.ipynb | stopped | 3 | 2 | 1 | 1 | 1 | 3.0 s |" in md
    assert "nb &amp; co.ipynb" in html and "&lt;data&gt;" in html and "<data>" not in html
    assert '<span class="del">-from keras.utils.np_utils import x</span>' in html
    assert "<script" not in html and "<link" not in html
    assert len(data["documents"][0]["cells"][0]["output"]) < 3100  # outputs are capped
    assert report.render(data, "json").startswith("{")
    view = report.MigrationView(data)  # one more report through render/'s MIME table
    assert view.to_markdown() == md and view.to_html() == html and str(view) == md


def test_output_text_keeps_the_end_and_strips_ansi() -> None:
    outs = [
        {
            "output_type": "error",
            "ename": "E",
            "evalue": "v",
            "traceback": ["\x1b[31mred\x1b[0m", "E: v"],
        }
    ]
    assert output_text(outs) == "red\nE: v\n"
    long = output_text([{"output_type": "stream", "text": "a" * 50 + "END"}], limit=10)
    assert long.endswith("aaaaaaaEND") and "left out" in long


@pytest.mark.parametrize(
    "cell",
    [
        "get_ipython().system('pip install -q keras==2.2.4')\nimport keras",
        "get_ipython().run_line_magic('pip', 'install tensorflow==1.15')",
        "get_ipython().run_line_magic('conda', 'install -y keras')",
        "out = get_ipython().getoutput('python -m pip install keras')",
        "%%bash\npip install keras==2.2\nls\n  sudo apt-get install -y graphviz",
    ],
)
def test_the_ipython_spellings_of_an_install_never_run(cell: str) -> None:
    """Issue 32, item 15: the forms IPython writes (also in scripts exported from notebooks) and
    a %%bash cell's install lines are blocked, and come back byte for byte."""
    runnable, originals = installs.neutralize(cell)
    assert "install" not in runnable.replace("install line", "") and originals
    assert len(runnable.split("\n")) == len(cell.split("\n"))
    if not cell.startswith("%%"):
        compile(runnable, "<t>", "exec")
    assert installs.restore(runnable, originals) == cell


def test_a_cell_running_shell_commands_is_named_in_the_report() -> None:
    for cell in ["!ls data", "%%bash\nls", "import os\nos.system('pip install x')",
                 "import subprocess\nsubprocess.run(['ls'])", "get_ipython().system('ls')"]:  # fmt: skip
        assert installs.shell_notes(installs.neutralize(cell)[0]), cell
    assert installs.shell_notes("print('!ls')\nx = 1") == []


def test_the_same_error_from_a_later_unchanged_statement_is_progress() -> None:
    from kerasmagic.migrate.failures import Failure, line_text
    from kerasmagic.migrate.kernel import CellRun

    error = "TypeError: only 0-dimensional arrays can be converted to Python scalars"
    first = "for v in rows:\n    print('%.1f' % v)\nprint(float(one))\n"
    fixed = "for v in rows:\n    print('%.1f' % v.item())\nprint(float(one))\n"
    before = Failure(error, line_text(first, 2), first)
    assert not Failure(error, line_text(fixed, 3), fixed).repeats(before)  # reached line 3
    assert Failure(error, line_text(fixed, 2), fixed).repeats(before)  # the rewritten line again
    assert not Failure("ValueError: other", line_text(fixed, 3), fixed).repeats(before)
    # the line IPython names in the traceback (ANSI colours as a kernel sends them)
    run = CellRun("error", [{"output_type": "error", "traceback": [
        "\x1b[0;31mTypeError\x1b[0m  Traceback", "Cell \x1b[0;32mIn[6], line 3\x1b[0m\n  ..."]}])  # fmt: skip
    assert run.cell_line == 3
    assert CellRun("error", []).cell_line is None
    # an error inside a function the cell defines and calls: its statement's line, not the call's
    # (another cell's frame, In[5], in between is not this cell's)
    nested = CellRun("error", [{"output_type": "error", "traceback": [
        "Cell In[7], line 12\n---> 12 main()", "Cell In[5], line 19, in train()",
        "Cell In[7], line 9, in main()\n----> 9 size = lookup.vocab_size()"]}])  # fmt: skip
    assert nested.cell_line == 9
    # Colab's IPython 7.34: the cell's file names the frame, the arrow its line (colours as sent)
    colab = CellRun("error", [{"output_type": "error", "traceback": [
        "\x1b[0;32m/tmp/ipykernel_33/284.py\x1b[0m in \x1b[0;36m<cell line: 0>\x1b[0;34m()\x1b[0m\n"
        "\x1b[1;32m      4\x1b[0m y = 2\n\x1b[0;32m----> 5\x1b[0;31m f(1)\n",
        "/tmp/ipykernel_33/117.py in train()\n----> 40     helper()\n",
        "/tmp/ipykernel_33/284.py in f(a)\n      1 def f(a):\n----> 2     return a + 'x'\n"]}])  # fmt: skip
    assert colab.cell_line == 2
    assert CellRun("error", [{"output_type": "error", "traceback": [
        "<ipython-input-3-0f1e2d3c4b5a> in <module>\n----> 7 model.fit(x)\n"]}]).cell_line == 7
    # a script's block, which migrate compiles under the script's own path (a Keras frame between)
    script = CellRun("error", [{"output_type": "error", "traceback": [
        "/tmp/work dir/train.py in <cell line: 0>()\n      4 y = 1\n----> 5 y_test = encode(y)\n",
        "/opt/site-packages/keras/src/utils/numerical_utils.py in to_categorical(x)\n----> 90     raise\n",
        "/tmp/work dir/train.py in encode(labels)\n----> 2     return to_categorical(labels)\n"]}])  # fmt: skip
    assert script.cell_line == 2
