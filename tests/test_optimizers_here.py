"""``%keras_optimizers`` answers for this kernel (issue 32, item 2), through a real Jupyter kernel.

In a fresh kernel, or after ``import tensorflow as tf`` with TensorFlow's runtime not started,
the magic imports what is installed and builds the optimizers here, and says so in one line;
``%keras_env`` still starts nothing and its hint names what each magic does; nothing is written
into the user's home (Keras writes ``~/.keras/keras.json`` when it first imports, where none is).
``--probe`` still measures in a subprocess and leaves the kernel as it was.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from environments import HAS_KERAS, HAS_TF, here
from nbclient import NotebookClient

pytestmark = pytest.mark.skipif(not here(HAS_KERAS, False), reason="needs an installed Keras")


def _run(*cells: str) -> list[str]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True).execute()
    texts = []
    for cell in nb.cells:
        # stdout only: TensorFlow's own log lines (stderr) never mix into a JSON document
        parts = [o.get("text", "") for o in cell.outputs if o.get("name") == "stdout"]
        parts += [o.get("data", {}).get("text/plain", "") for o in cell.outputs if "data" in o]
        parts += [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        texts.append("".join(parts))
    return texts


def _json(text: str) -> dict:
    return json.loads(text[text.index("{") : text.rindex("}") + 1])


def test_a_fresh_kernel_gets_the_classes_built_here_and_nothing_in_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    started = (
        "import sys\nprint('HEAVY', sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    out = _run(
        "%load_ext kerasmagic",
        "%keras_env",
        started,
        "%keras_optimizers adam --json",
        "%keras_optimizers adam --text",
    )
    env = " ".join(out[1].split())
    assert "`%keras_optimizers` (builds them in this kernel" in env, env
    assert "which measure in a fresh subprocess" in env and "--probe" in env, env
    assert "HEAVY []" in out[2]  # %keras_env started nothing
    report = _json(out[3])
    assert report["measured_in"] == "kernel"
    assert [o["name"] for o in report["optimizers"]] == ["adam"], report["note"]
    assert any(w["class_path"] for w in report["optimizers"][0]["ways"]), report
    note = report["note"]
    assert note.startswith("Built in this kernel") and "\n" not in note, note
    if here(HAS_TF, False):
        assert "imported tensorflow" in note and "started TensorFlow's runtime" in note, note
    text = " ".join(out[4].split())
    assert "Built in this kernel" in text and "not used: imported" not in text, text
    assert not (home / ".keras").exists(), sorted(p.name for p in home.iterdir())


@pytest.mark.skipif(not here(HAS_TF, False), reason="TensorFlow's runtime")
def test_after_import_tensorflow_the_runtime_is_started_here_and_said_so():
    probe = "import sys\nctx = sys.modules['tensorflow.python.eager.context']._context\n"
    probe += "print('RUNNING', bool(ctx and ctx._initialized))"
    out = _run(
        "%load_ext kerasmagic",
        "import tensorflow as tf",
        probe,
        "%keras_optimizers adam --probe --json",
        probe,
        "%keras_optimizers adam sgd --json",
        probe,
    )
    assert "RUNNING False" in out[2], out[2]
    probed = _json(out[3])
    assert probed["measured_in"] == "subprocess" and probed["optimizers"], probed["note"]
    assert "RUNNING False" in out[4], out[4]  # --probe leaves this kernel as it was
    report = _json(out[5])
    assert report["measured_in"] == "kernel" and report["note"].startswith("Built in this kernel")
    assert "started TensorFlow's runtime" in report["note"], report["note"]
    assert [o["name"] for o in report["optimizers"]] == ["adam", "sgd"]
    assert not any(n["note"].startswith("imported;") for n in report["namespaces"]), report
    assert "RUNNING True" in out[6], out[6]
