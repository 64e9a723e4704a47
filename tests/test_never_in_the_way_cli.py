"""Issue 18, part 2: ``python -m kerasmagic check FILE`` behaves like ``python FILE`` (items 7–10),
shadowing is only a real one (11), and probes do no work the user did not ask for (14, 15)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from environments import CLI_ENVS, HAS_KERAS, MACHINERY_ENVS, here
from test_robustness import run_shell

pytestmark = pytest.mark.envs(*MACHINERY_ENVS)

UTF8 = {"PYTHONIOENCODING": "utf-8", "TF_CPP_MIN_LOG_LEVEL": "2"}


def run(*argv: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        env=dict(os.environ, **UTF8, **(env or {})),
        timeout=timeout,
    )


def with_path(folder: Path) -> str:
    """PYTHONPATH with ``folder`` first (and what the test run already had after it)."""
    return os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)


def check(path: Path, *args: str, cwd: Path | None = None):
    return run("-m", "kerasmagic", "check", str(path), *args, cwd=cwd)


# -- 7: the user's traceback, as Python prints it --------------------------------------------------
def test_check_prints_the_scripts_traceback_as_python_does(tmp_path: Path):
    script = tmp_path / "fails.py"
    script.write_text("def inner():\n    raise ValueError('boom from script')\n\ninner()\n")
    python = run(str(script), cwd=tmp_path)
    checked = check(script, cwd=tmp_path)
    assert python.returncode == checked.returncode == 1
    assert python.stderr.startswith("Traceback (most recent call last):")
    assert python.stderr.strip() in checked.stderr, checked.stderr
    assert "kerasmagic" in checked.stdout  # the diagnosis follows


# -- 8, 8b: __file__, sys.path[0] and sys.argv as `python FILE` sets them ---------------------------
def test_check_runs_the_script_as_python_runs_it(tmp_path: Path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "helper.py").write_text("VALUE = 'helper next to the script'\n")
    script = folder / "main.py"
    script.write_text(
        "import argparse, sys\n"
        "import helper\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument('--n', type=int, default=1)\n"
        "args = parser.parse_args()\n"
        "print('HELPER', helper.VALUE)\n"
        "print('FILE', __file__ == sys.argv[0], __name__)\n"
        "print('ARGS', sys.argv[1:], args.n)\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = run(str(script), "--n", "5", cwd=elsewhere)
    assert python.returncode == 0, python.stderr
    plain = check(script, "--", "--n", "5", cwd=elsewhere)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "pip install helper" not in plain.stdout
    for line in python.stdout.splitlines():
        assert line in plain.stdout, (line, plain.stdout)
    as_json = check(script, "--json", cwd=elsewhere)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["ok"] is True
    assert "ARGS [] 1" in as_json.stderr and "HELPER helper next to the script" in as_json.stderr


# -- 9: source read as Python reads it ------------------------------------------------------------
def test_check_reads_a_bom_and_a_coding_cookie(tmp_path: Path):
    bom = tmp_path / "bom.py"
    bom.write_bytes("print('bom ok')\n".encode("utf-8-sig"))
    latin = tmp_path / "latin.py"
    latin.write_bytes("# -*- coding: latin-1 -*-\nprint('caf\xe9 ok')\n".encode("latin-1"))
    for path, expected in ((bom, "bom ok"), (latin, "café ok")):
        assert run(str(path)).returncode == 0
        for args in ((), ("--lint",)):
            proc = check(path, *args)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert "SyntaxError" not in proc.stdout + proc.stderr
            assert "Traceback" not in proc.stderr, proc.stderr
            if not args:
                assert expected in proc.stdout


# -- 10: --fix keeps the file's line endings --------------------------------------------------------
@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.skipif(not here(HAS_KERAS, False), reason="the fix rewrites a Keras import")
def test_fix_keeps_crlf_line_endings(tmp_path: Path):
    script = tmp_path / "crlf.py"
    source = "import os\r\nfrom keras.optimizers import adam\r\nprint(os.sep)\r\n"
    script.write_bytes(source.encode())
    proc = check(script, "--fix")
    assert "wrote the corrected source" in proc.stderr, proc.stdout + proc.stderr
    fixed = script.read_bytes()
    assert fixed != source.encode() and b"import Adam" in fixed
    assert fixed.count(b"\r\n") == fixed.count(b"\n") == 3, fixed


# -- 11: a package that hides nothing is no shadow -------------------------------------------------
def test_a_target_install_on_pythonpath_is_not_a_shadow(tmp_path: Path):
    target = tmp_path / "target"
    (target / "torch").mkdir(parents=True)
    (target / "torch" / "__init__.py").write_text("__version__ = '2.0.0'\n")
    (target / "torch-2.0.0.dist-info").mkdir()
    (target / "torch-2.0.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: torch\nVersion: 2.0.0\n"
    )
    keras_installed = here(HAS_KERAS, False)
    if keras_installed:  # a real shadow beside it: keras/ hiding the installed Keras
        (target / "keras").mkdir()
        (target / "keras" / "__init__.py").write_text("")
    out = run_shell(
        ["%load_ext kerasmagic", "%keras_env --json"], env={"PYTHONPATH": with_path(target)}
    )
    text = out[1][0]
    report = json.loads(text[text.index("{") : text.rindex("}") + 1])
    shadowed = {s["module"] for s in report["shadows"]}
    assert "torch" not in shadowed, report["shadows"]
    assert not [f for f in report["findings"] if "torch" in f["title"]], report["findings"]
    if keras_installed:
        assert "keras" in shadowed


# -- 14: no subprocess and no file in the user's home without --probe -----------------------------
@pytest.mark.skipif(not here(HAS_KERAS, False), reason="needs an installed Keras to measure")
def test_optimizers_measure_here_without_probe_and_write_nothing_to_home(tmp_path: Path):
    """Without ``--probe`` the answer is this kernel's, built here and said so (issue 32, item 2),
    in no subprocess; Keras's first import writes no ``~/.keras/keras.json``."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    out = run_shell(
        [
            "%load_ext kerasmagic",
            "%keras_optimizers adam --text",
            "import sys\nprint('KERAS IMPORTED', 'keras' in sys.modules or 'tf_keras' in sys.modules)",
        ],
        env=env,
    )
    text = " ".join(out[1][0].split())
    assert "(measured in the kernel)" in text and "Built in this kernel" in text, text
    assert "--probe" in text, text
    assert not (home / ".keras").exists()  # (IPython itself makes ~/.ipython)
    assert "KERAS IMPORTED True" in out[2][0]
    probed = run_shell(["%load_ext kerasmagic", "%keras_optimizers adam --probe --json"], env=env)
    assert probed[1][1] == "ok" and '"adam"' in probed[1][0], probed[1][0]
    assert not (home / ".keras").exists(), list(home.rglob("*"))


# -- 15: the probe sees the kernel's sys.path; a hanging import is cut short ------------------------
def test_probe_sees_the_kernels_sys_path(tmp_path: Path):
    extra = tmp_path / "extra"
    (extra / "keras").mkdir(parents=True)
    (extra / "keras" / "__init__.py").write_text(
        "__version__ = '3.99.0'\n"
        "class backend:\n"
        "    @staticmethod\n"
        "    def backend():\n"
        "        return 'from-the-kernels-path'\n"
    )
    out = run_shell(
        [
            "%load_ext kerasmagic",
            f"import sys\nsys.path.insert(0, {str(extra)!r})",
            "%keras_env --probe --json",
        ],
        env={"TF_CPP_MIN_LOG_LEVEL": "2", "KERASMAGIC_PROBE_TIMEOUT": "240"},
        timeout=600,
    )
    text = out[2][0]
    report = json.loads(text[text.index("{") : text.rindex("}") + 1])
    assert report["fresh_import"].get("keras") == "3.99.0", report["fresh_import"]
    assert report["fresh_import"].get("backend") == "from-the-kernels-path"


HANGING_TF = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
with open(os.environ["KM_TEST_GRANDCHILD"], "w") as f:
    f.write(str(child.pid))
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


def test_a_hanging_probe_is_ended_with_its_children_after_one_short_timeout(tmp_path: Path):
    hang = tmp_path / "hang"
    (hang / "tensorflow").mkdir(parents=True)
    (hang / "tensorflow" / "__init__.py").write_text(HANGING_TF)
    pid_file = tmp_path / "grandchild.pid"
    env = {
        "PYTHONPATH": with_path(hang),
        "KM_TEST_GRANDCHILD": str(pid_file),
        "KERASMAGIC_PROBE_TIMEOUT": "5",
    }
    start = time.monotonic()
    try:
        out = run_shell(["%load_ext kerasmagic", "%keras_env --probe"], env=env, timeout=100)
        elapsed = time.monotonic() - start
        text, outcome = out[1]
        assert outcome == "ok", text
        assert elapsed < 60, elapsed
        timeouts = [line for line in text.splitlines() if "5 s" in line and "probe" in line]
        assert timeouts, text
        assert "importlib" not in text and "sys.argv" not in text, text
        assert pid_file.exists()
        pid = int(pid_file.read_text())
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)
        assert not _alive(pid), "the probe's own child was left running"
    finally:
        if pid_file.exists():
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text()), 9)
