"""The idiom probe: Keras-2-era idioms written the ways people write them (tests/idioms/idioms.toml),
each run as published in the control environment and in the target environments, then, where it
breaks, through one ``python -m kerasmagic migrate FILE -o OUT`` and the migrated copy run plainly.
It measures whether a rule generalises past the literal shape it was written from; it is not a
test (no expectation is written in it) and runs outside CI.

    python3 scripts/idiom_probe.py [ENV ...] [--only NAME ...] [--jobs N] [--json OUT] [--variant NAME]

ENV defaults to tf221-k3. ``--variant NAME`` writes each idiom another way that means the same,
with the respellings of ``respell_cases.py`` (``values``: every literal held by a name set in a
first cell, one statement per cell; ``function``: the body in a script's ``main()`` …), which
tells a rule that reads the failing line's own text from one that follows values and bindings.
Prints one row per idiom and environment as it is measured: control (tf215-k2), whether it
breaks, migrate's status, and the migrated copy's result (its last error line when it fails)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tomllib
from realcode_relayout import notebook_json  # scripts/, this script's folder
from respell_cases import VARIANTS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "realcode"))
import extras  # noqa: E402  (tests/realcode/extras.py: matplotlib, pandas, scikit-learn, Pillow …)

ROOT = Path(__file__).resolve().parent.parent
IDIOMS = ROOT / "tests" / "idioms" / "idioms.toml"
CONTROL_ENV = "tf215-k2"
CELL_MARK = "# %%"
TIMEOUT = 300


def load(only: list[str] | None = None) -> list[dict]:
    idioms = tomllib.loads(IDIOMS.read_text(encoding="utf-8"))["idiom"]
    return [i for i in idioms if not only or i["name"] in only]


def cells_of(source: str) -> list[str]:
    cells, current = [], []
    for line in source.strip("\n").splitlines():
        if line.strip() == CELL_MARK:
            cells.append("\n".join(current).strip("\n"))
            current = []
        else:
            current.append(line)
    cells.append("\n".join(current).strip("\n"))
    return [c for c in cells if c.strip()]


def write_document(idiom: dict, folder: Path) -> Path:
    """The idiom as a script (one cell) or a notebook (several), in ``folder``."""
    cells = cells_of(idiom["source"])
    if idiom.get("line_ends") == "crlf":  # as written on Windows: every line ends in CR LF
        cells = [c.replace("\n", "\r\n") for c in cells]
    if len(cells) == 1:
        path = folder / f"{idiom['name'].replace('-', '_')}.py"
        path.write_text(cells[0] + "\n", encoding="utf-8")
        return path
    path = folder / f"{idiom['name'].replace('-', '_')}.ipynb"
    path.write_text(notebook_json(cells), encoding="utf-8")
    return path


def python_of(env: str) -> str:
    base = Path(os.environ.get("KERASMAGIC_ENVS_DIR", ROOT / ".envs"))
    return str(base / env / "bin" / "python")


# env → a folder whose sitecustomize.py appends the corpus's overlay of third-party packages
# (scikit-learn, Pillow …, tests/realcode/extras.py) to sys.path after site-packages, so the
# environment's own copy of a package wins, as in the corpus harness
SITES: dict[str, Path] = {}


def add_overlay(env: str, folder: Path) -> None:
    """Build (once) the overlay for ``env``'s Python and a sitecustomize in ``folder`` adding it."""
    python = python_of(env)
    tag = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2], sep='')"],
                         capture_output=True, text=True, check=True).stdout.strip()
    overlay = extras.ensure(ROOT / ".realcode", python, tag)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(f"import sys\nsys.path.append({str(overlay)!r})\n")
    SITES[env] = folder


def _run_env(env: str) -> dict[str, str]:
    base = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONDONTWRITEBYTECODE": "1"}
    if env in SITES:
        base["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITES[env]), os.environ.get("PYTHONPATH")) if p)
    return base


def _only(folder: Path, keep: Path) -> None:
    """``folder`` emptied of everything but ``keep`` (what a run before wrote there)."""
    for p in folder.iterdir():
        if p != keep:
            shutil.rmtree(p) if p.is_dir() else p.unlink()


def run_document(env: str, path: Path) -> tuple[bool, str]:
    """Run a script or a notebook plainly in ``env`` from its folder: (ran, last error line)."""
    if path.suffix == ".py":
        cmd = [python_of(env), path.name]
    else:
        cmd = [python_of(env), str(ROOT / "scripts" / "run_notebook.py"), path.name,
               "--timeout", str(TIMEOUT)]
    try:
        proc = subprocess.run(cmd, cwd=path.parent, capture_output=True, text=True,
                              timeout=TIMEOUT * 2, env=_run_env(env))
    except subprocess.TimeoutExpired:
        return False, "timeout"
    if proc.returncode == 0:
        return True, ""
    lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "Exception" in ln]
    return False, (errors or lines or ["?"])[-1].strip()[:200]


def migrate(env: str, path: Path, out: Path) -> tuple[str, str]:
    """``migrate PATH -o OUT`` in ``env``: (status, message) from its JSON report."""
    cmd = [python_of(env), "-m", "kerasmagic", "migrate", path.name, "-o", str(out), "--json"]
    proc = subprocess.run(cmd, cwd=path.parent, capture_output=True, text=True,
                          timeout=TIMEOUT * 3, env=_run_env(env))
    try:
        report = json.loads(proc.stdout)
        doc = report["documents"][0] if "documents" in report else report
        return str(doc.get("status", proc.returncode)), str(doc.get("message", ""))[:200]
    except (json.JSONDecodeError, KeyError, IndexError, TypeError):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        return f"exit {proc.returncode}", tail[0][:200]


def probe(idiom: dict, env: str, control: bool, variant: str | None = None) -> dict:
    row = {"name": idiom["name"], "env": env, "control_expected": idiom["control"], "variant": variant}
    if variant:
        cells = VARIANTS[variant]("\n".join(cells_of(idiom["source"])))
        if cells is None:
            return {**row, "breaks": False, "published_error": "nothing to respell"}
        idiom = {**idiom, "source": f"\n{CELL_MARK}\n".join(c.strip("\n") for c in cells)}
    with tempfile.TemporaryDirectory(prefix="idiom-") as tmp:
        folder = Path(tmp) / "published"
        folder.mkdir()
        doc = write_document(idiom, folder)
        row["kind"] = "notebook" if doc.suffix == ".ipynb" else "script"
        if control:
            ok, err = run_document(CONTROL_ENV, doc)
            row["control"] = "runs" if ok else f"fails: {err}"
            _only(folder, doc)
        ok, err = run_document(env, doc)
        row["breaks"] = not ok
        row["published_error"] = err
        if ok:
            return row
        _only(folder, doc)
        out = Path(tmp) / "out"
        row["migrate_status"], row["migrate_message"] = migrate(env, doc, out)
        migrated = out / doc.name
        if not migrated.exists():
            row["fixed"], row["migrated_error"] = False, "no migrated copy written"
            return row
        run_dir = Path(tmp) / "run"
        run_dir.mkdir()
        (run_dir / doc.name).write_bytes(migrated.read_bytes())
        ok, err = run_document(env, run_dir / doc.name)
        row["fixed"], row["migrated_error"] = ok, err
        row["migrated_source"] = migrated.read_text(encoding="utf-8")
    return row


def _shown(r: dict) -> dict:
    """``r`` printed as its row, as soon as it is measured."""
    result = ("runs as written" if not r["breaks"] else
              "FIXED" if r.get("fixed") else f"not fixed: {r.get('migrated_error', '')}")
    control = r.get("control", "-")
    print(f"{r['name']:42} {r['env']:9} control={control[:60]:60} | {result[:150]}", flush=True)
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("envs", nargs="*", default=["tf221-k3"])
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-control", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--variant", choices=sorted(VARIANTS),
                        help="the idioms written another way (respell_cases.py's respellings)")
    args = parser.parse_args(argv)
    idioms = load(args.only)
    tasks = [(i, e, not args.no_control and e == args.envs[0], args.variant)
             for i in idioms for e in args.envs]
    with tempfile.TemporaryDirectory(prefix="idiom-sites-") as sites:
        for env in {*args.envs, *([CONTROL_ENV] if not args.no_control else [])}:
            add_overlay(env, Path(sites) / env)
        with ThreadPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(lambda t: _shown(probe(*t)), tasks))
    breaking = [r for r in rows if r["breaks"]]
    for env in args.envs:
        b = [r for r in breaking if r["env"] == env]
        print(f"{env}: {sum(bool(r.get('fixed')) for r in b)}/{len(b)} breaking idioms fixed")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
