"""The picture a model drawing should have written is missing because pydot is
(rules/error_drawing_file.py): the error of the line that reads it is explained as the missing
package, with the install advice, and the statements that only show the picture run when it
exists (the corrected cell runs here, and computes what it did); a statement after them that
computes with the picture keeps them as they are; a missing file no drawing names is not the
drawing's."""

from __future__ import annotations

import importlib.util

import pytest

from kerasmagic.diagnosis.engine import diagnose

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pydot") is not None, reason="pydot is installed here"
)

# Keras's plot_model in a notebook without pydot: it prints its advice and returns
DRAW = "def plot_model(model, to_file='model.png', show_shapes=False):\n    print('You must install pydot')\n"


def _diagnose(source: str, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    with pytest.raises(FileNotFoundError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    return diagnose(source, raised.value, namespace=namespace)


def _runs(source: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, "<fixed>", "exec"), namespace)
    return namespace


def test_the_unwritten_picture_is_the_missing_package(tmp_path, monkeypatch):
    source = DRAW + "name = 'net.png'\nplot_model(None, to_file=name, show_shapes=True)\npicture = open('net.png', 'rb').read()\nprint(len(picture))\nsize = 3 * 4\n"  # fmt: skip
    result = _diagnose(source, tmp_path, monkeypatch)
    finding = result.suggestions[0]
    assert finding.id == "drawing-file-without-package"
    assert "pydot" in (finding.fix_code or "")
    fixed = finding.fixed_source or ""
    assert "if os.path.exists('net.png'):\n    picture = open('net.png', 'rb').read()\n    print(len(picture))\nsize = 3 * 4" in fixed, fixed  # fmt: skip
    assert fixed.startswith("import os\n")
    assert _runs(fixed)["size"] == 12  # what the cell computes runs, the picture waits


def test_the_second_argument_and_an_ipython_display_are_followed(tmp_path, monkeypatch):
    pytest.importorskip("IPython")
    source = DRAW + "import os\nfrom IPython.display import Image, display\nplot_model(None, 'net.png')\nshown = Image(filename='net.png')\ndisplay(shown)\n"  # fmt: skip
    result = _diagnose(source, tmp_path, monkeypatch)
    fixed = result.suggestions[0].fixed_source or ""
    assert "if os.path.exists('net.png'):\n    shown = Image(filename='net.png')\n    display(shown)" in fixed, fixed  # fmt: skip
    assert fixed.count("import os") == 1
    _runs(fixed)


def test_a_picture_the_code_then_computes_with_is_left_as_it_is(tmp_path, monkeypatch):
    source = DRAW + "plot_model(None, to_file='net.png')\npicture = open('net.png', 'rb').read()\nwidth = 1\ntotal = len(picture) + width\n"  # fmt: skip
    result = _diagnose(source, tmp_path, monkeypatch)
    finding = result.suggestions[0]
    assert finding.id == "drawing-file-without-package" and finding.fixed_source is None


def test_a_file_no_drawing_names_is_not(tmp_path, monkeypatch):
    source = (
        DRAW + "plot_model(None, to_file='net.png')\npicture = open('other.png', 'rb').read()\n"
    )
    result = _diagnose(source, tmp_path, monkeypatch)
    assert "drawing-file-without-package" not in [f.id for f in result.suggestions]


@pytest.mark.envs("tf221-k3")
def test_migrate_shows_the_drawing_when_it_is_there_and_runs_the_notebook(tmp_path):
    """A notebook that draws its model and shows the picture, where pydot is missing: Keras's
    ``plot_model`` prints its advice in a kernel and returns, reading the picture then fails; migrate keeps the drawing and shows the picture when it exists, and the
    notebook runs to its end."""
    from migrate_helpers import migrate_notebook

    cells = [
        "from IPython.display import Image, display\n"
        "from keras.models import Sequential\nfrom keras.layers import Dense\nfrom keras.utils import plot_model",
        "model = Sequential([Dense(2, input_shape=(3,))])\n"
        "plot_model(model, 'net.png', show_shapes=True)\n"
        "picture = Image(filename='net.png')\ndisplay(picture)\n"
        "print('layers', len(model.layers))",
    ]
    proc, doc = migrate_notebook(tmp_path, "draw.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    final = doc["cells"][1]["final"]
    assert "if os.path.exists('net.png'):\n    picture = Image(filename='net.png')\n    display(picture)\nprint('layers'" in final, final  # fmt: skip
    assert "plot_model(model, 'net.png', show_shapes=True)" in final  # drawn where it can be


@pytest.mark.envs("tf221-k3")
def test_migrate_shows_a_picture_ipython_reads_only_when_the_cell_value_is_shown(tmp_path):
    """``Image("model.png")`` as the cell's last line: IPython reads the file only when it shows the
    cell's value, so the error comes from its formatter, no line of the cell in its traceback,
    with the file's name in the message alone. It is the last line's, and the picture is shown
    when it exists."""
    from migrate_helpers import migrate_notebook

    cells = [
        "from keras.models import Sequential\nfrom keras.layers import Dense\n"
        "model = Sequential([Dense(2, input_shape=(3,))])\n"
        "from keras.utils import plot_model\nfrom IPython.display import Image\n"
        "plot_model(model, to_file='model.png', show_shapes=True)\nImage('model.png')",
        "print('layers', len(model.layers))",
    ]
    proc, doc = migrate_notebook(tmp_path, "shown.ipynb", cells)
    assert doc["status"] == "migrated", doc["message"]
    final = doc["cells"][0]["final"]
    assert final.endswith("Image('model.png') if os.path.exists('model.png') else None"), final
    assert "drawing-file-without-package" in {r["id"] for c in doc["cells"] for ch in c["changes"] for r in ch["rules"]}
