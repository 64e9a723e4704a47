"""The static CI gate (``migrate --static --check --target keras==3.15``) on a 10,000-line tree of
old Keras 2 code, beside ``ruff check --select NPY201`` on the same tree in the same run.

The tree is the project's own corpus of Keras-2-era scripts (``tests/corpus/scripts``, never the
real-code corpus) repeated into numbered folders until it holds 10,000 lines. Each figure is the
wall time of a fresh process, start-up included, as CI would run it. Where Keras is installed, the
live ``--static --check`` (which imports Keras for its API) is measured once on the same tree for
scale. Target (issue 31): the gate under 2 s.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import emit, has_module, median, repeats, row

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "corpus" / "scripts"
LINES = 10_000
TARGET_MS = 2000.0


def build_tree(where: Path, lines: int = LINES) -> tuple[int, int]:
    """Copies of the corpus scripts under ``where`` until ``lines`` lines: (files, lines)."""
    scripts = sorted(CORPUS.glob("*.py"))
    files = total = copy = 0
    while total < lines:
        folder = where / f"copy{copy:02d}"
        folder.mkdir(parents=True)
        for script in scripts:
            if total >= lines:
                break
            shutil.copyfile(script, folder / script.name)
            total += script.read_text(encoding="utf-8").count("\n")
            files += 1
        copy += 1
    return files, total


def ruff() -> str | None:
    """ruff on PATH, else the tool venv's (``.envs/.tools``)."""
    tools = ROOT / ".envs" / ".tools" / "bin" / "ruff"
    return shutil.which("ruff") or (str(tools) if tools.exists() else None)


def wall(argv: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Wall milliseconds, exit status and CPU milliseconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    ms = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return ms, proc.returncode, cpu


def main() -> None:
    n = repeats(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an install has its bytecode: so does this checkout
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kerasmagic-gate-") as tmp:
        tree = Path(tmp) / "tree"
        files, lines = build_tree(tree)
        gate = [sys.executable, "-m", "kerasmagic", "migrate", "--static", "--check"]
        gate += ["--target", "keras==3.15", str(tree)]
        ruff_exe = ruff()
        ruff_argv = [ruff_exe, "check", "--isolated", "--no-cache", "--select", "NPY201", str(tree)]  # fmt: skip
        gate_ms: list[float] = []
        ruff_ms: list[float] = []
        gate_cpu: list[float] = []
        ruff_cpu: list[float] = []
        codes = set()
        for _ in range(n):  # interleaved: the machine's drift hits both alike
            ms, code, cpu = wall(gate, env)
            gate_ms.append(ms)
            gate_cpu.append(cpu)
            codes.add(code)
            if ruff_exe:
                ms, _, cpu = wall(ruff_argv, env)
                ruff_ms.append(ms)
                ruff_cpu.append(cpu)
        baselines: dict[str, list[float] | float] = {}
        if ruff_ms:
            baselines["ruff check --select NPY201 (same tree)"] = ruff_ms
        else:
            notes.append("ruff is not on PATH nor in .envs/.tools: no NPY201 baseline.")
        if has_module("keras"):
            live = [sys.executable, "-m", "kerasmagic", "migrate", "--static", "--check", str(tree)]
            baselines["migrate --static --check, live API (once)"] = wall(live, env)[0]
        else:
            notes.append("Keras is not installed here: the live --static --check is not measured.")
        value = median(gate_ms)
        rows = [
            row(
                f"migrate --static --check --target keras==3.15 on {files} files, {lines} lines "
                f"(exit {sorted(codes)})",
                gate_ms,
                baselines=baselines,
                target=f"< {TARGET_MS / 1000:g} s",
                met=value < TARGET_MS,
            ),
            row(
                "the same runs: CPU time (user + system), less moved by the machine's load",
                gate_cpu,
                baselines={"ruff check --select NPY201 (same tree)": ruff_cpu} if ruff_cpu else {},
            ),
        ]
    notes.append(
        f"tree: tests/corpus/scripts repeated to {lines} lines in {files} files; wall time of a "
        "fresh process each, start-up included"
    )
    emit("gate", "Static CI gate against ruff NPY201 (10,000 lines)", rows, notes)


if __name__ == "__main__":
    main()
