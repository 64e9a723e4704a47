"""Shared fixtures: which real environment we run in, a real IPython shell, subprocess probes.

Each environment of ``scripts/envs.py`` sets ``KERASMAGIC_ENV``; ``@pytest.mark.envs(...)`` limits a
test to some of them, and the skip says so (``-rs`` prints every skip reason).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from typing import Any

import pytest

ENV_NAME = os.environ.get("KERASMAGIC_ENV", "local")


# The files whose tests take longest, run first (longest processing time first): pytest-xdist
# hands whole files to its workers in collection order (--dist loadfile, with
# --no-loadscope-reorder: xdist 3.6+ would otherwise order files by their number of tests, and a
# file of a few slow tests, collected last, runs alone on one core while the other waits).
# Measured with --durations in tf221-k3 at 8e2ae4d (the first fourteen: 570-85 s each, a case
# runner, trap runs, kernels and migrate runs) and in colab at b8e10b4 (the last three).
LONGEST_FIRST = (
    "test_cases.py",
    "test_traps.py",
    "test_earlier_bindings.py",
    "test_migrate_run.py",
    "test_user_modules.py",
    "test_notebooks.py",
    "test_script_blocks.py",
    "test_corpus.py",
    "test_robustness.py",
    "test_migrate_static.py",
    "test_env_report.py",
    "test_fixed_where_made.py",
    "test_user_files_cli.py",
    "test_migrate_course.py",
    "test_no_network.py",
    "test_fresh_kernel.py",
    "test_clutter.py",
    "test_certain_rewrites.py",
    "test_channels_first.py",
    "test_engine_cli.py",
    "test_widgets_browser.py",
    "test_save_and_restore.py",
    "test_optimizers.py",
    "test_api_index.py",
    "test_compatibility.py",
)


def _file_rank(item: pytest.Item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_file_rank)  # stable: each file's tests keep their order, together
    for item in items:
        marker = item.get_closest_marker("envs")
        if marker and ENV_NAME not in marker.args:
            item.add_marker(
                pytest.mark.skip(reason=f"only in {', '.join(marker.args)}; this is {ENV_NAME}")
            )


def pytest_report_header(config: pytest.Config) -> str:
    return f"kerasmagic environment: {ENV_NAME} ({sys.executable})"


@pytest.fixture
def env_name() -> str:
    return ENV_NAME


def run_python(
    code: str, *, env: dict[str, str] | None = None, cwd: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh process of this interpreter (the way kerasmagic's --probe does)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )


def run_python_json(code: str, **kwargs: Any) -> Any:
    """Run ``code`` (which prints one JSON document last) in a fresh process; return it parsed."""
    proc = run_python(code, **kwargs)
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    # terminal escape codes (IPython 7 sets the window title) may precede the document
    return json.loads(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", last))


@pytest.fixture
def ipshell():
    """A real IPython InteractiveShell with kerasmagic loaded; unloaded afterwards."""
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    shell.run_line_magic("load_ext", "kerasmagic")
    yield shell
    shell.run_line_magic("unload_ext", "kerasmagic")


@pytest.fixture(scope="module")
def kernel():
    """One real Jupyter kernel for a test module, cells run one at a time
    (``kernel_helpers.Kernel``)."""
    from kernel_helpers import open_kernel

    yield from open_kernel()


@pytest.fixture
def stand_in_package(tmp_path, monkeypatch):
    """Write a stand-in for a library no test environment installs (scikit-learn): ``make(name,
    {relative path: text})`` puts the package first on ``sys.path``, its modules forgotten before
    and after the test."""

    def forget(name: str) -> None:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            sys.modules.pop(module, None)

    made: list[str] = []

    def make(name: str, files: dict[str, str]) -> None:
        for relative, text in files.items():
            path = tmp_path / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        forget(name)
        made.append(name)
        monkeypatch.syspath_prepend(str(tmp_path))

    yield make
    for name in made:
        forget(name)
