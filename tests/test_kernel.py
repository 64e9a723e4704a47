"""The magics through a real Jupyter kernel (ipykernel, driven by nbclient)."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import shutil
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from kerasmagic.render.base import REPORT_JSON


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
    # the JSON rides under kerasmagic's own type: JupyterLab would show application/json as a
    # JSON tree instead of the HTML
    assert {"text/plain", "text/html", "text/markdown", REPORT_JSON} <= set(data)
    assert "application/json" not in data
    report = data[REPORT_JSON]
    assert report["python"]["host"] in ("jupyter", "vscode", "colab", "kaggle")
    assert report["python"]["in_kernel"] is True
    # in a kernel the install line is the %pip magic (uv where the env has no pip, or pip added
    # by ensurepip first where neither is there)
    command = report["python"]["install_command"]
    assert command.split()[0] in ("%pip", "!uv") or (
        "-m ensurepip\n%pip install" in command and shutil.which("uv") is None
    ), command
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


# -- hosts: %keras_env words its fixes for the front end it finds in the live process -----------

HOST_VARIABLES = ("COLAB_RELEASE_TAG", "COLAB_GPU", "KAGGLE_KERNEL_RUN_TYPE", "KAGGLE_URL_BASE")
HOST_VARIABLES += ("VSCODE_PID", "VSCODE_CWD", "VSCODE_AGENT_FOLDER")


def as_host(variables: dict[str, str]) -> str:
    """A cell that makes the kernel look like a host (only its variables set), then reports."""
    return (
        "import os\n"
        f"for _name in {HOST_VARIABLES!r}:\n"
        "    os.environ.pop(_name, None)\n"
        f"os.environ.update({variables!r})\n"
        "%keras_env --json"
    )


def printed_json(outputs: list[dict]) -> dict:
    import json

    text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    assert "{" in text, outputs
    return json.loads(text[text.index("{") : text.rindex("}") + 1])


def test_keras_env_recognises_the_host_and_words_its_fixes_for_it():
    import importlib.util

    outputs = execute(
        "%load_ext kerasmagic",
        as_host({}),
        as_host({"COLAB_RELEASE_TAG": "release-colab_20260801-060000_RC00"}),
        as_host({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}),
        as_host({"VSCODE_PID": "4242"}),
    )
    reports = [printed_json(o)["python"] for o in outputs[1:]]
    hosts = [r["host"] for r in reports]
    assert hosts == ["jupyter", "colab", "kaggle", "vscode"]
    assert all(r["in_kernel"] for r in reports)
    hints = {r["host"]: r["restart_hint"] for r in reports}
    assert hints["colab"] == "Runtime → Restart session"
    assert hints["jupyter"] == "Kernel → Restart Kernel"
    assert "Restart" in hints["kaggle"] and "Restart" in hints["vscode"]
    # the kernel's own interpreter: %pip where it has pip (as in Colab), else uv aimed at it
    has_pip = importlib.util.find_spec("pip") is not None
    expected = "%pip install" if has_pip else "!uv pip install"
    if not has_pip and shutil.which("uv") is None:  # neither: pip added first, then %pip
        expected = f'!"{sys.executable}" -m ensurepip\n%pip install'
    for r in reports:
        assert r["install_command"].startswith(expected), r["install_command"]


@pytest.mark.skipif(
    importlib.util.find_spec("numpy") is None, reason="needs an importable numpy to make stale"
)
def test_upgrade_after_import_in_colab_lists_the_stale_modules_and_says_restart_session():
    """`%pip install -U numpy` after `import numpy`, as Python sees it: newer metadata first on
    the path, the old modules still in ``sys.modules`` (nothing is downloaded or installed)."""
    upgrade = (
        "import importlib, sys, tempfile\n"
        "from pathlib import Path\n"
        "import numpy\n"
        "site = Path(tempfile.mkdtemp())\n"
        "info = site / 'numpy-99.0.0.dist-info'\n"
        "info.mkdir()\n"
        "(info / 'METADATA').write_text('Metadata-Version: 2.1\\nName: numpy\\nVersion: 99.0.0\\n')\n"
        "sys.path.insert(0, str(site))\n"
        "importlib.invalidate_caches()\n"
        "loaded = sorted(m for m in sys.modules if m == 'numpy' or m.startswith('numpy.'))\n"
        "print(numpy.__version__, *loaded)"
    )
    outputs = execute(
        "%load_ext kerasmagic",
        upgrade,
        as_host({"COLAB_RELEASE_TAG": "release-colab_20260801-060000_RC00"}),
    )
    running, *loaded = outputs[1][0]["text"].split()
    report = printed_json(outputs[2])
    stale = [f for f in report["findings"] if f["id"] == "installed-differs-from-imported"]
    assert stale, [f["id"] for f in report["findings"]]
    numpy_finding = next(f for f in stale if "numpy" in f["title"])
    assert running in numpy_finding["title"] and "99.0.0" in numpy_finding["title"]
    assert "Runtime → Restart session" in numpy_finding["fix"]
    assert (
        f"{len(loaded)} modules of numpy loaded in this process are stale" in numpy_finding["cause"]
    )
    # the exact list, every module a restart reloads (a text report shows the first 40)
    assert numpy_finding["details_label"] == "stale modules"
    assert set(loaded) <= set(numpy_finding["details"]), set(loaded) - set(numpy_finding["details"])
    assert numpy_finding["restart_needed"] is True


def test_terminal_ipython_and_plain_python_are_recognised():
    import subprocess
    import sys

    code = (
        "import os\n"
        f"for name in {HOST_VARIABLES!r}: os.environ.pop(name, None)\n"
        "from kerasmagic.probes.interpreter import detect_host, interpreter_facts\n"
        "print(detect_host(), interpreter_facts().restart_hint)\n"
        "from IPython.terminal.interactiveshell import TerminalInteractiveShell\n"
        "shell = TerminalInteractiveShell.instance()\n"
        "print(detect_host(shell), interpreter_facts(shell).restart_hint)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout.splitlines()
    assert out[0] == "('python', False) start the Python process again"
    # IPython 7 may write terminal escape codes first
    assert out[-1].endswith("('ipython', False) exit IPython and start it again")


# -- a host's own ImportError handler (Colab's "use !pip" note) keeps working ---------------------

HOST_HANDLER = '''
def host_note(shell, etype, value, tb, tb_offset=None):
    """Like Colab's handler: the usual traceback, then the host's note."""
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    print("HOST NOTE: to install a missing package use !pip")


get_ipython().set_custom_exc((ImportError,), host_note)
'''
FAILING_IMPORT = "import tf"  # an alias used as a module name: fails everywhere


def shown(outputs: list[dict]) -> list[tuple[str, str]]:
    """What the reader sees, without the cell numbers a traceback carries (a stream's chunks
    joined: where the kernel cut it depends on when it flushed)."""
    import re

    colour = re.compile(r"\x1b\[[0-9;]*m")
    numbers = re.compile(r"In ?\[\d+\]|ipython-input-\d+-[0-9a-f]+")
    seen = []
    for o in outputs:
        if o["output_type"] == "error":
            plain = colour.sub("", "\n".join(o["traceback"]))
            seen.append(("error", numbers.sub("#", plain)))
        elif o["output_type"] == "stream":
            if seen and seen[-1][0] == o["name"]:  # one stream, cut where the kernel flushed
                seen[-1] = (o["name"], seen[-1][1] + o["text"])
            else:
                seen.append((o["name"], o["text"]))
        else:
            seen.append((o["output_type"], o.get("data", {}).get("text/plain", "")))
    return seen


def test_hosts_import_error_handler_survives_check_on_off_and_unload():
    outputs = execute(
        HOST_HANDLER,
        FAILING_IMPORT,  # 1: the host alone
        "%load_ext kerasmagic",
        "%keras_check on",
        FAILING_IMPORT,  # 4: on
        "%%keras_check\n" + FAILING_IMPORT,  # 5: the cell magic
        "%keras_check off",
        FAILING_IMPORT,  # 7: off
        "%keras_check on",
        "%unload_ext kerasmagic",
        FAILING_IMPORT,  # 10: unloaded
        "ip = get_ipython()\n"
        "print(ip.custom_exceptions, [c.__qualname__ for c in ip.events.callbacks['post_run_cell']])",
    )
    host_alone = shown(outputs[1])
    assert any("HOST NOTE" in text for _, text in host_alone), host_alone
    assert any(kind == "error" and "No module named 'tf'" in t for kind, t in host_alone)
    assert "kerasmagic" not in str(host_alone).lower()

    for index in (4, 5):  # on: the host's note and kerasmagic's diagnosis, both
        text = str(shown(outputs[index]))
        assert "HOST NOTE" in text and "No module named 'tf'" in text, (index, text)
        assert "kerasmagic" in text.lower(), (index, text)
        diagnosis = [o for o in outputs[index] if o["output_type"] == "display_data"]
        assert diagnosis and diagnosis[0]["data"][REPORT_JSON]["ok"] is False

    assert shown(outputs[7]) == host_alone, "after off: exactly the host's behaviour"
    assert shown(outputs[10]) == host_alone, "after unload: exactly the host's behaviour"
    left = outputs[11][0]["text"]
    assert "(<class 'ImportError'>,)" in left and "CheckMagics" not in left
