"""Run kerasmagic's benchmarks in the real environments and write docs/benchmarks.md.

    python benchmarks/run.py                         # every environment (built when missing)
    python benchmarks/run.py --envs tf221-k3,bare    # some of them
    python benchmarks/run.py --quick                 # fewer repeats (about a third)
    python benchmarks/run.py --only import,env       # some benchmarks
    python benchmarks/run.py --from-json             # re-render the page from the last results

Each ``benchmarks/bench_*.py`` runs with the environment's interpreter and variables
(``scripts/envs.py``: ``ENVIRONMENTS[name].python``, ``run_env``) and prints one result document
(protocol in ``benchmarks/_common.py``). Every figure is a median over repeats, beside baselines
measured in the same run. watermark and pip (baselines of ``%keras_env``) are installed with uv into
a throwaway directory under the temporary directory, never into the environments.
The page ends with ``benchmarks/analysis.md`` (written by hand: why a target is missed, where the
time goes), and the raw results go to ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "scripts"))

from envs import ENVIRONMENTS, build, run_env  # noqa: E402

MARKER = "@@bench@@"
PREFERRED = ("import", "env", "check", "diagnosis", "memory")


def discover() -> tuple[str, ...]:
    """Every ``benchmarks/bench_*.py`` by name: the core ones first, then the rest alphabetically
    (components add their own benchmark file; nothing here has to list it)."""
    found = sorted(p.stem[len("bench_") :] for p in HERE.glob("bench_*.py"))
    return tuple(b for b in PREFERRED if b in found) + tuple(b for b in found if b not in PREFERRED)


ORDER = discover()
OUT = ROOT / "docs" / "benchmarks.md"
RESULTS = HERE / "results.json"
ANALYSIS = HERE / "analysis.md"
VERSIONS = """
import importlib.metadata as md, json, platform
names = ["kerasmagic", "tensorflow", "keras", "tf-keras", "jax", "numpy", "ipython", "ipykernel",
         "ipywidgets"]
out = {"python": platform.python_version()}
for n in names:
    try:
        out[n] = md.version(n)
    except md.PackageNotFoundError:
        pass
print(json.dumps(out))
"""


def machine() -> dict[str, object]:
    """CPU model, cores, RAM, kernel and load: what the numbers were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gib": ram,
        "os": f"{platform.system()} {platform.release()}",
        "load_before": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "kerasmagic"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return head + (" (kerasmagic/ has uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def compile_bytecode(python: Path) -> None:
    """Byte-compile the environment's packages and kerasmagic, as ``pip install`` does (uv does
    not by default, and ``PYTHONDONTWRITEBYTECODE`` may keep Python from doing it later): a
    user's first import reads ``.pyc`` files, so the figures must not include compiling sources
    (the catalogue's TOML is parsed in each process when first needed, as a user's is)."""
    where = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    targets = [t for t in (where, str(ROOT / "kerasmagic")) if t]
    subprocess.run(
        [str(python), "-m", "compileall", "-q", "-j0", *targets],
        capture_output=True,
        text=True,
    )


def extras_dir(python: Path) -> tuple[str, str | None]:
    """A throwaway directory holding watermark and pip for ``python``; (path, problem)."""
    tag = subprocess.run(
        [str(python), "-c", "import sys; print('%d%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    target = Path(tempfile.gettempdir()) / "kerasmagic-bench" / f"extras-py{tag}"
    if (target / "watermark").is_dir() and (target / "pip").is_dir():
        return str(target), None
    uv = shutil.which("uv")
    if uv is None:
        return "", "uv not found: no watermark/pip baselines"
    proc = subprocess.run(
        [uv, "pip", "install", "-q", "--target", str(target), "--python", str(python)]
        + ["--no-deps", "watermark", "pip"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return "", f"could not install watermark/pip for the baselines: {proc.stderr[-300:]}"
    return str(target), None


def run_bench(
    env_name: str, bench: str, scale: float, extras: str, code: Path | None = None
) -> dict:
    """One benchmark script in one environment. ``code``: a directory holding another
    ``kerasmagic`` package (an earlier commit's, ``head_to_head.py``), imported instead of the
    installed one: it comes first on ``PYTHONPATH`` and is the working directory of every
    process the script starts (``python -c`` puts the working directory first on ``sys.path``)."""
    env = ENVIRONMENTS[env_name]
    script = HERE / f"bench_{bench}.py"
    penv = run_env(env)
    penv["KERASMAGIC_BENCH_SCALE"] = str(scale)
    penv["PYTHONUNBUFFERED"] = "1"
    if extras:
        penv["KERASMAGIC_BENCH_EXTRAS"] = extras
    if code is not None:
        penv["PYTHONPATH"] = os.pathsep.join(p for p in (str(code), penv.get("PYTHONPATH")) if p)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(env.python), str(script)],
            cwd=code or ROOT,
            env=penv,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except subprocess.TimeoutExpired:
        return {"bench": bench, "error": "timed out after 1800 s"}
    secs = round(time.perf_counter() - start, 1)
    if MARKER in proc.stdout:
        doc = json.loads(proc.stdout.rsplit(MARKER, 1)[1].strip().splitlines()[0])
        doc["seconds"] = secs
        doc["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        doc["load"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        return doc
    tail = (proc.stdout[-2000:] + "\n" + proc.stderr[-3000:]).strip()
    return {"bench": bench, "error": f"exit {proc.returncode}, no result document", "raw": tail}


def env_versions(env_name: str) -> dict:
    env = ENVIRONMENTS[env_name]
    proc = subprocess.run(
        [str(env.python), "-c", VERSIONS], capture_output=True, text=True, env=run_env(env)
    )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": proc.stderr[-300:]}


# -- rendering ------------------------------------------------------------------------------------
def fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    if unit == "MB":
        return f"{value:.1f} MB"
    if abs(value) >= 100:
        return f"{value:.0f} ms"
    if abs(value) >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def ratio(value: float, base: float) -> str:
    if not base or base != base or value != value:
        return ""
    r = value / base
    return f" (×{r:.2f})" if r < 10 else f" (×{r:.0f})"


def met_mark(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: ""}[met]


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# kerasmagic benchmarks",
        "",
        "Generated by `python benchmarks/run.py` — do not edit by hand (the analysis at the end "
        "comes from `benchmarks/analysis.md`).",
        "",
        f"- date of the last run: {results['date']}, kerasmagic commit {results['commit']} "
        "(a partial run, `--only`/`--envs`, replaces only what it measured: each section names "
        "when it was measured)",
        f"- machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), "
        f"{m['ram_gib']} GiB RAM, {m['os']}",
        *(
            [
                f"- sections measured on {results['first_date']} ran on another VM: "
                f"{results['first_machine']['cpu']}, {results['first_machine']['os']}"
            ]
            if results.get("first_machine") and results.get("first_date")
            else []
        ),
        f"- load average before / after: {fmt_load(m.get('load_before'))} / "
        f"{fmt_load(results.get('load_after'))} (a shared machine: other work ran beside)",
        "- every figure is a median over `n` repeats (the n column); baselines are measured in "
        "the same run, calls interleaved where both run in-process",
        "- each environment's packages and kerasmagic are byte-compiled first (as `pip install` "
        "leaves them; `uv` does not), so no figure includes compiling sources",
        "",
        "## Versions per environment",
        "",
        "| environment | python | tensorflow | keras | tf-keras | jax | ipython | ipywidgets |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, data in results["envs"].items():
        v = data["versions"]
        lines.append(
            f"| {name} | "
            + " | ".join(
                v.get(k, "–")
                for k in (
                    "python",
                    "tensorflow",
                    "keras",
                    "tf-keras",
                    "jax",
                    "ipython",
                    "ipywidgets",
                )
            )
            + " |"
        )
    lines += ["", "## Targets at a glance", ""]
    lines += [
        "| environment | measurement | value | added | target | |",
        "|---|---|---|---|---|---|",
    ]
    for name, data in results["envs"].items():
        for doc in data["benches"]:
            for r in doc.get("rows", []):
                if r.get("target"):
                    added = fmt(r["added"], r["unit"]) if r["added"] is not None else ""
                    lines.append(
                        f"| {name} | {r['what']} | {fmt(r['value'], r['unit'])} | {added} | "
                        f"{r['target']} | {met_mark(r['met'])} |"
                    )
    for bench in ORDER:
        docs = [
            (name, d)
            for name, data in results["envs"].items()
            for d in data["benches"]
            if d.get("bench") == bench
        ]
        if not docs:
            continue
        title = next((d.get("title") for _, d in docs if d.get("title")), bench)
        lines += ["", f"## {title}", ""]
        doc_text = module_doc(bench)
        if doc_text:
            lines += [doc_text, ""]
        for name, d in docs:
            when = d.get("date") or results.get("first_date") or results["date"]
            load = f", load {d['load']:.1f}" if d.get("load") is not None else ""
            took = f", {d['seconds']} s" if "seconds" in d else ""
            lines.append(f"### {name} (measured {when}{load}{took})")
            lines.append("")
            if "error" in d:
                lines += [
                    f"Did not produce results: {d['error']}",
                    "",
                    "```",
                    d.get("raw", ""),
                    "```",
                ]
                lines.append("")
                continue
            lines += [
                "| measurement | median | n | baselines (median, ratio to them) | added | target | |",
                "|---|---|---|---|---|---|---|",
            ]
            for r in d["rows"]:
                base = "; ".join(
                    f"{b['what']}: {fmt(b['value'], r['unit'])}{ratio(r['value'], b['value'])}"
                    for b in r["baselines"]
                )
                added = fmt(r["added"], r["unit"]) if r["added"] is not None else ""
                what = r["what"] + (f" — {r['note']}" if r.get("note") else "")
                lines.append(
                    f"| {what} | {fmt(r['value'], r['unit'])} | {r['n']} | {base} | {added} | "
                    f"{r.get('target') or ''} | {met_mark(r.get('met'))} |"
                )
            for note in d.get("notes", []):
                lines.append(f"\n- {note}")
            lines.append("")
    if ANALYSIS.exists():
        lines += ["", ANALYSIS.read_text().strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def fmt_load(load: object) -> str:
    if not load:
        return "?"
    return ", ".join(f"{x:.2f}" for x in load)  # type: ignore[union-attr]


def module_doc(bench: str) -> str:
    path = HERE / f"bench_{bench}.py"
    if not path.exists():
        return ""
    import ast

    try:
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    except SyntaxError:
        return ""
    return " ".join(doc.split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--envs", default="", help="comma-separated environment names")
    parser.add_argument("--only", default="", help="comma-separated benchmarks: " + ",".join(ORDER))
    parser.add_argument("--quick", action="store_true", help="about a third of the repeats")
    parser.add_argument("--scale", type=float, default=None, help="repeats multiplier")
    parser.add_argument("--from-json", action="store_true", help="only re-render the page")
    parser.add_argument(
        "--no-build", action="store_true", help="skip environments that are not built yet"
    )
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    if args.from_json:
        results = json.loads(RESULTS.read_text())
        Path(args.out).write_text(render(results))
        print(f"wrote {args.out}")
        return 0

    names = [n for n in args.envs.split(",") if n] or list(ENVIRONMENTS)
    unknown = [n for n in names if n not in ENVIRONMENTS]
    if unknown:
        parser.error(f"unknown environment(s): {', '.join(unknown)}")
    for name in names:  # a fresh clone: build what is missing (an existing one is left as it is)
        env = ENVIRONMENTS[name]
        if not (env.path / ".kerasmagic-env.json").exists() and not args.no_build:
            print(f"building environment {name} (scripts/envs.py build {name}) ...", flush=True)
            build(env)
    benches = [b for b in (args.only.split(",") if args.only else ORDER) if b]
    benches = [b for b in benches if (HERE / f"bench_{b}.py").exists()]
    scale = args.scale if args.scale is not None else (0.3 if args.quick else 1.0)

    results: dict = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": machine(),
        "scale": scale,
        "envs": {},
    }
    for name in names:
        env = ENVIRONMENTS[name]
        if not (env.path / ".kerasmagic-env.json").exists():
            print(f"skip {name}: not built (python scripts/envs.py build {name})", flush=True)
            continue
        compile_bytecode(env.python)
        extras, problem = extras_dir(env.python)
        data = {
            "versions": env_versions(name),
            "benches": [],
            "problems": [problem] if problem else [],
        }
        for bench in benches:
            print(f"[{name}] {bench} ...", end=" ", flush=True)
            doc = run_bench(name, bench, scale, extras)
            print("error" if "error" in doc else f"{doc.get('seconds')} s", flush=True)
            data["benches"].append(doc)
        results["envs"][name] = data
    results["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    if not args.only and not args.envs:
        RESULTS.write_text(json.dumps(results, indent=1))
    else:  # a partial run merges into the saved results
        saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"envs": {}}
        for name, data in results["envs"].items():
            old = {
                d.get("bench"): d for d in saved.get("envs", {}).get(name, {}).get("benches", [])
            }
            old.update({d.get("bench"): d for d in data["benches"]})
            data["benches"] = [old[b] for b in ORDER if b in old]
            saved["envs"][name] = data
        saved.setdefault("first_date", saved.get("date"))
        if saved.get("machine", {}).get("cpu") != results["machine"]["cpu"]:
            saved.setdefault("first_machine", saved.get("machine"))
        saved.update({k: v for k, v in results.items() if k != "envs"})
        results = saved
        RESULTS.write_text(json.dumps(results, indent=1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(render(results))
    print(f"wrote {args.out} and {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
