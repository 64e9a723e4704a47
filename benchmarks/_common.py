"""Shared helpers of the benchmark scripts: timing, subprocess repeats, one result format.

Protocol between a ``bench_*.py`` script and ``benchmarks/run.py``: the script runs with an
environment's interpreter and prints, as its last line of standard output, ``@@bench@@`` followed
by one JSON document::

    {"bench": "import", "title": "...", "rows": [ROW, ...], "notes": ["..."]}

where ROW is ``{"what": str, "value": float, "unit": "ms"|"MB", "baselines": [{"what": str,
"value": float}], "added": float|None, "target": str|None, "met": bool|None, "n": int,
"note": str|None}``. ``value`` is a median over ``n`` repeats; each baseline is measured in the same
run. Use :func:`row` and :func:`emit` to produce it. A script without the marker still runs: its
output is shown verbatim in the generated page.
"""

from __future__ import annotations

import gc
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import Any, Callable

MARKER = "@@bench@@"


def repeats(default: int) -> int:
    """``default`` scaled by ``KERASMAGIC_BENCH_SCALE`` (``run.py --quick`` sets 0.3), at least 3."""
    scale = float(os.environ.get("KERASMAGIC_BENCH_SCALE", "1"))
    return max(3, int(round(default * scale)))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def time_call(func: Callable[[], Any], n: int, *, warmup: int = 1) -> list[float]:
    """Milliseconds of ``n`` calls of ``func`` (after ``warmup`` untimed calls), output muted."""
    samples = []
    with muted():
        for _ in range(warmup):
            func()
        for _ in range(n):
            gc.collect()
            start = time.perf_counter()
            func()
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_interleaved(funcs: dict[str, Callable[[], Any]], n: int) -> dict[str, list[float]]:
    """Milliseconds of each function, calls interleaved so drift of the machine hits all alike."""
    samples: dict[str, list[float]] = {k: [] for k in funcs}
    with muted():
        for func in funcs.values():
            func()
        for _ in range(n):
            for key, func in funcs.items():
                gc.collect()
                start = time.perf_counter()
                func()
                samples[key].append((time.perf_counter() - start) * 1000)
    return samples


def subprocess_ms(
    argv: list[str], n: int, *, env: dict[str, str] | None = None, check: bool = True
) -> list[float]:
    """Wall-clock milliseconds of ``n`` fresh runs of ``argv``."""
    samples = []
    full_env = dict(os.environ, **(env or {}))
    for _ in range(n):
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=full_env)
        samples.append((time.perf_counter() - start) * 1000)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{argv[:3]} failed: {proc.stderr[-1500:]}")
    return samples


def subprocess_json(code: str, *, env: dict[str, str] | None = None) -> Any:
    """Run ``code`` in a fresh process of this interpreter; it prints one JSON line last."""
    full_env = dict(os.environ, **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


@contextmanager
def muted() -> Iterator[None]:
    """Swallow what the timed code prints (IPython's display prints to stdout)."""
    sink = io.StringIO()
    with redirect_stdout(sink), redirect_stderr(sink):
        yield


def row(
    what: str,
    samples: list[float] | float,
    *,
    unit: str = "ms",
    baselines: dict[str, list[float] | float] | None = None,
    added_to: str | None = None,
    target: str | None = None,
    met: bool | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """One result line: the median of ``samples`` beside its baselines' medians.

    ``added_to`` names the baseline subtracted to give ``added`` (the cost kerasmagic adds)."""
    value = median(samples) if isinstance(samples, list) else float(samples)
    n = len(samples) if isinstance(samples, list) else 1
    base = [
        {"what": k, "value": median(v) if isinstance(v, list) else float(v)}
        for k, v in (baselines or {}).items()
    ]
    added = None
    if added_to is not None:
        ref = next(b["value"] for b in base if b["what"] == added_to)
        added = value - ref
    return {
        "what": what,
        "value": value,
        "unit": unit,
        "n": n,
        "baselines": base,
        "added": added,
        "target": target,
        "met": met,
        "note": note,
    }


def emit(
    bench: str, title: str, rows: list[dict[str, Any]], notes: list[str] | None = None
) -> None:
    """Print the result document for ``run.py`` (last line of standard output)."""
    doc = {"bench": bench, "title": title, "rows": rows, "notes": notes or []}
    sys.stdout.write("\n" + MARKER + json.dumps(doc) + "\n")
    sys.stdout.flush()


def has_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def new_shell() -> Any:
    """A real, non-terminal IPython shell (what a kernel uses underneath), kerasmagic not loaded."""
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc/self/status (Linux)."""
    cur = peak = float("nan")
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    cur = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return cur, peak
