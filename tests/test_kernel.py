"""The magics through a real Jupyter kernel (ipykernel, driven by nbclient)."""

from __future__ import annotations

import importlib.metadata as md

import nbformat
import pytest
from nbclient import NotebookClient


def execute(*cells: str) -> list[dict]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True).execute()
    return [c.outputs for c in nb.cells]


def test_keras_env_in_a_real_kernel():
    outputs = execute("%load_ext kerasmagic", "%keras_env", "%keras_env --json")
    displayed = [o for o in outputs[1] if o["output_type"] == "display_data"]
    assert displayed, outputs[1]
    data = displayed[0]["data"]
    assert {"text/plain", "text/html", "application/json"} <= set(data)
    report = data["application/json"]
    assert report["python"]["host"] in ("jupyter", "vscode", "colab", "kaggle")
    assert report["python"]["in_kernel"] is True
    # in a kernel the install line is the %pip magic (or uv where the env has no pip)
    assert report["python"]["install_command"].split()[0] in ("%pip", "!uv")
    for pkg in report["packages"]:
        if pkg["installed"]:
            assert pkg["installed"] == md.version(pkg["name"])
    html = data["text/html"]
    for finding in report["findings"]:
        assert finding["id"] in html
    text = "".join(o.get("text", "") for o in outputs[2] if o["output_type"] == "stream")
    assert '"python"' in text


def test_failing_cell_in_a_real_kernel_keeps_the_traceback_and_adds_the_diagnosis():
    outputs = execute("%load_ext kerasmagic", "%%keras_check\nimport tf\n", "print('alive')")
    kinds = [o["output_type"] for o in outputs[1]]
    assert "error" in kinds, outputs[1]
    error = next(o for o in outputs[1] if o["output_type"] == "error")
    assert error["ename"] == "ModuleNotFoundError" and "tf" in error["evalue"]
    after = outputs[1][kinds.index("error") + 1 :]
    assert after, "the diagnosis follows the user's traceback"
    assert any("text/html" in o.get("data", {}) or o.get("text") for o in after)
    assert outputs[2][0]["text"].strip() == "alive"


@pytest.mark.envs("colab")
def test_colab_kernel_versions():
    outputs = execute(
        "import IPython, ipykernel; print(IPython.__version__, ipykernel.__version__)"
    )
    assert outputs[0][0]["text"].split() == ["7.34.0", "6.17.1"]
