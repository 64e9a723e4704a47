"""Issue 31's acceptance line: "a script's rate equals the rate of the same script as a notebook".

    python3 scripts/script_vs_notebook.py [--env tf221-k3] [--scripts NAME ...] [--json OUT.json]

For each script of the project's corpus of old scripts (``tests/corpus/scripts/*.py``), in a fresh
temporary folder: ``python -m kerasmagic migrate FILE.py --check --json`` (the script as
``sources.script_blocks``' blocks), then the same with ``FILE.ipynb``, a notebook whose code cells
are exactly those blocks; one migration at a time, in the environment's Python, with this
checkout's kerasmagic. The outcome of each (migrated to running / ran unchanged / stopped, at
which block, how many blocks rewritten) is compared file by file and printed as a table; any
difference is a bug of the script path (or of the notebook path).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS_DIR = ROOT / "tests" / "corpus" / "scripts"
sys.path.insert(0, str(ROOT))

from kerasmagic.migrate.sources import script_blocks  # noqa: E402

RUNNING = {"migrated": "migrated to running", "would-change": "migrated to running", "unchanged": "ran unchanged"}  # fmt: skip


def as_notebook(script: Path, notebook: Path) -> int:
    """Write ``notebook`` with one code cell per block of ``script``; the number of blocks."""
    import nbformat

    blocks = script_blocks(script.read_text(encoding="utf-8"))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}  # fmt: skip
    nb.cells = [nbformat.v4.new_code_cell(block) for block in blocks]
    nbformat.write(nb, str(notebook))
    return len(blocks)


def migrate(python: Path, path: Path, timeout: float) -> dict:
    """One ``migrate PATH --check --json`` run: its document's outcome."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    start = time.perf_counter()
    proc = subprocess.run(
        [str(python), "-m", "kerasmagic", "migrate", path.name, "--check", "--json", "--cell-timeout", str(timeout)],  # fmt: skip
        capture_output=True, text=True, cwd=path.parent, env=env,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    try:
        (doc,) = json.loads(proc.stdout)["documents"]
    except (ValueError, KeyError) as exc:
        return {"outcome": f"no report ({type(exc).__name__}; exit {proc.returncode}): {proc.stderr[-300:]}", "seconds": seconds}  # fmt: skip
    failing = [c for c in doc["cells"] if c["status"] in ("failed", "timeout", "kernel-died")]
    outcome = RUNNING.get(doc["status"], doc["status"])
    left = failing[0]["error"] if failing else None
    return {
        "outcome": outcome,
        "status": doc["status"],
        "stopped_at": doc["stopped_at"],
        "blocks": len(doc["cells"]),
        "changed": sum(c["changed"] for c in doc["cells"]),
        "rules": sorted(
            {r["id"] for c in doc["cells"] for ch in c["changes"] for r in ch["rules"]}
        ),
        "error": (left or "").splitlines()[0][:160] if left else None,
        "seconds": round(seconds, 1),
    }


def compare(python: Path, script: Path, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="svn-") as tmp:
        as_script = Path(tmp) / "script" / script.name
        as_script.parent.mkdir()
        shutil.copy2(script, as_script)
        as_nb = Path(tmp) / "notebook" / (script.stem + ".ipynb")
        as_nb.parent.mkdir()
        blocks = as_notebook(script, as_nb)
        first = migrate(python, as_script, timeout)
        second = migrate(python, as_nb, timeout)
    same = all(first.get(k) == second.get(k) for k in ("outcome", "stopped_at", "changed", "rules"))
    return {"script": script.stem, "blocks": blocks, "as_script": first, "as_notebook": second, "same": same}  # fmt: skip


def _cell(result: dict) -> str:
    if "status" not in result:
        return result["outcome"]
    where = f" at block {result['stopped_at']}" if result.get("stopped_at") else ""
    return f"{result['outcome']}{where}, {result['changed']} rewritten"


def table(rows: list[dict], env: str) -> str:
    out = [
        f"| script ({env}) | blocks | as a script | as a notebook | same |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        mark = "yes" if row["same"] else "**no**"
        out.append(f"| `{row['script']}` | {row['blocks']} | {_cell(row['as_script'])} | {_cell(row['as_notebook'])} | {mark} |")  # fmt: skip
    n = len(rows)

    def running(key: str) -> int:
        return sum(r[key]["outcome"].startswith(("migrated", "ran")) for r in rows)

    out.append("")
    out.append(
        f"{n} scripts: to running as scripts {running('as_script')}/{n}, as notebooks "
        f"{running('as_notebook')}/{n}; same outcome {sum(r['same'] for r in rows)}/{n}; "
        f"time {sum(r['as_script']['seconds'] for r in rows):.0f} s as scripts, "
        f"{sum(r['as_notebook']['seconds'] for r in rows):.0f} s as notebooks"
    )
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="tf221-k3")
    p.add_argument("--scripts", nargs="*", help="names (stems) of corpus scripts; default: all")
    p.add_argument("--timeout", type=float, default=600.0, help="--cell-timeout of each run")
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args()
    python = ROOT / ".envs" / args.env / "bin" / "python"
    scripts = sorted(SCRIPTS_DIR.glob("*.py"))
    if args.scripts:
        scripts = [s for s in scripts if s.stem in args.scripts]
    rows = []
    for script in scripts:
        row = compare(python, script, args.timeout)
        rows.append(row)
        print(f"{row['script']}: script {_cell(row['as_script'])} ({row['as_script']['seconds']} s); notebook {_cell(row['as_notebook'])} ({row['as_notebook']['seconds']} s)", file=sys.stderr, flush=True)  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(table(rows, args.env))
    return 0 if all(r["same"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
