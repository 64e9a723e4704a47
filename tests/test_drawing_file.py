"""The picture a model drawing should have written is missing because pydot is
(rules/error_drawing_file.py): the error of the line that reads it is explained as the missing
package, with the install advice and no rewrite; a missing file no drawing names is not."""

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


def test_the_unwritten_picture_is_the_missing_package(tmp_path, monkeypatch):
    source = DRAW + "name = 'net.png'\nplot_model(None, to_file=name, show_shapes=True)\npicture = open('net.png', 'rb').read()\n"  # fmt: skip
    result = _diagnose(source, tmp_path, monkeypatch)
    finding = result.suggestions[0]
    assert finding.id == "drawing-file-without-package"
    assert "pydot" in (finding.fix_code or "") and finding.fixed_source is None


def test_a_file_no_drawing_names_is_not(tmp_path, monkeypatch):
    source = DRAW + "plot_model(None, to_file='net.png')\npicture = open('other.png', 'rb').read()\n"
    result = _diagnose(source, tmp_path, monkeypatch)
    assert "drawing-file-without-package" not in [f.id for f in result.suggestions]
