"""This commit's kerasmagic against an earlier commit's, measured side by side in one run.

    python benchmarks/head_to_head.py e99834e                      # every environment
    python benchmarks/head_to_head.py e99834e --envs bare,colab --only diagnosis,check
    python benchmarks/head_to_head.py --from-json                  # re-render the page

Figures of two runs made on different days differ by more than most changes: the machine is a
shared VM, and the plain baselines themselves move by half of their value from one day to the
next. Here both versions run the same benchmark scripts (``benchmarks/bench_*.py``), in the same
environments, minutes apart, in the order earlier, now, now, earlier (ABBA: a drift of the
machine over the four runs hits both versions alike), each run with half the repeats of a normal
run. A row's figure for a version is the mean of its two medians, and the page gives the spread
of those two medians, a measure of the noise of that row.

The earlier commit's ``kerasmagic`` package is taken with ``git archive`` into a temporary
directory and put first on ``PYTHONPATH`` (``run.run_bench(code=…)``); the environments and the
benchmark scripts are the same for both. Writes ``docs/benchmarks_head_to_head.md`` and
``benchmarks/head_to_head.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (benchmarks/run.py: environments, one benchmark run, formatting)

OUT = run.ROOT / "docs" / "benchmarks_head_to_head.md"
RESULTS = HERE / "head_to_head.json"
BENCHES = ("import", "env", "check", "diagnosis", "memory", "traps")


def earlier_code(rev: str) -> tuple[Path, str]:
    """``(directory holding rev's kerasmagic package, full commit id)``."""
    sha = subprocess.run(
        ["git", "rev-parse", rev], cwd=run.ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = Path(tempfile.gettempdir()) / "kerasmagic-bench" / f"code-{sha[:12]}"
    if not (target / "kerasmagic" / "__init__.py").exists():
        archive = subprocess.run(
            ["git", "archive", "--format=tar", sha, "kerasmagic"],
            cwd=run.ROOT,
            capture_output=True,
            check=True,
        ).stdout
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target, sha


def prepare(python: Path, code: Path) -> None:
    """Byte-compile the earlier code and keep its parsed catalogue, as ``run.compile_bytecode``
    does for the installed one."""
    subprocess.run(
        [str(python), "-m", "compileall", "-q", "-j0", str(code / "kerasmagic")],
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(code)
    subprocess.run(
        [str(python), "-c", "from kerasmagic.knowledge.catalogue import load_catalogue as f; f()"],
        capture_output=True,
        cwd=code,
        env=env,
    )


def _rows(doc: dict) -> dict[str, dict]:
    return {r["what"]: r for r in doc.get("rows", [])}


def combine(runs: list[dict]) -> list[dict]:
    """One row per measurement from a version's runs: the mean of their medians (value and
    added) and the spread between them."""
    out: list[dict] = []
    tables = [_rows(d) for d in runs if "error" not in d]
    if not tables:
        return out
    for what, first in tables[0].items():
        same = [t[what] for t in tables if what in t]
        key = "added" if first.get("added") is not None else "value"
        figures = [r[key] for r in same if r.get(key) is not None]
        if not figures:
            continue
        out.append(
            {
                "what": what,
                "unit": first["unit"],
                "key": key,
                "figure": sum(figures) / len(figures),
                "spread": max(figures) - min(figures),
                "target": first.get("target"),
                "runs": len(figures),
            }
        )
    return out


def measure(names: list[str], benches: list[str], code: Path, scale: float) -> dict:
    envs: dict[str, dict] = {}
    for name in names:
        env = run.ENVIRONMENTS[name]
        if not (env.path / ".kerasmagic-env.json").exists():
            print(f"skip {name}: not built (python scripts/envs.py build {name})", flush=True)
            continue
        run.compile_bytecode(env.python)
        prepare(env.python, code)
        extras, _ = run.extras_dir(env.python)
        data: dict[str, dict] = {"versions": run.env_versions(name), "benches": {}}
        for bench in benches:
            got: dict[str, list[dict]] = {"earlier": [], "now": []}
            for version in ("earlier", "now", "now", "earlier"):
                print(f"[{name}] {bench} {version} ...", end=" ", flush=True)
                doc = run.run_bench(
                    name, bench, scale, extras, code if version == "earlier" else None
                )
                print("error" if "error" in doc else f"{doc.get('seconds')} s", flush=True)
                got[version].append(doc)
            data["benches"][bench] = {
                "earlier": combine(got["earlier"]),
                "now": combine(got["now"]),
                "errors": [d["error"] for v in got.values() for d in v if "error" in d],
            }
        envs[name] = data
    return envs


def verdict(earlier: dict, now: dict) -> str:
    diff = now["figure"] - earlier["figure"]
    if diff <= 0:
        return "not slower" if earlier["unit"] == "ms" else "not more"
    noise = max(earlier["spread"], now["spread"])
    more = "slower" if earlier["unit"] == "ms" else "more"
    return f"{more}, within the noise" if diff <= noise else f"**{more}**"


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# kerasmagic benchmarks, head to head",
        "",
        "Generated by `python benchmarks/head_to_head.py` — do not edit by hand.",
        "",
        f"- earlier: commit {results['earlier']}; now: commit {results['now']}",
        f"- run {results['date']} on {m['cpu']}, {m['cores']} cores, {m['os']}; load before / "
        f"after: {run.fmt_load(m.get('load_before'))} / {run.fmt_load(results.get('load_after'))}",
        f"- each version ran each benchmark twice, in the order earlier, now, now, earlier, "
        f"with {results['scale']} × the repeats of a normal run; a figure is the mean of the two "
        "medians (the added cost where the row has a baseline, else the value itself), the "
        "spread is the difference between the two",
        "- verdict: *not slower* when now ≤ earlier; *within the noise* when the difference is no "
        "larger than the larger spread of the two versions",
        "",
    ]
    counts: dict[str, int] = {}
    body: list[str] = []
    for name, data in results["envs"].items():
        body += [f"## {name}", ""]
        body += [
            "| measurement | | earlier | now | difference | spread (earlier / now) | verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        for bench, pair in data["benches"].items():
            earlier = {r["what"]: r for r in pair["earlier"]}
            for r in pair["now"]:
                e = earlier.get(r["what"])
                if e is None or e["key"] != r["key"]:
                    continue
                v = verdict(e, r)
                counts[v] = counts.get(v, 0) + 1
                unit = r["unit"]
                body.append(
                    f"| {r['what']} | {r['key']} | {run.fmt(e['figure'], unit)} | "
                    f"{run.fmt(r['figure'], unit)} | {run.fmt(r['figure'] - e['figure'], unit)} | "
                    f"{run.fmt(e['spread'], unit)} / {run.fmt(r['spread'], unit)} | {v} |"
                )
            for error in pair.get("errors", []):
                body.append(f"\n- {bench}: a run did not produce results: {error}")
        body.append("")
    lines += ["## Summary", ""]
    lines += [f"- {v}: {n} rows" for v, n in sorted(counts.items())]
    lines.append("")
    return "\n".join(lines + body).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("earlier", nargs="?", help="the earlier commit (e99834e)")
    parser.add_argument("--envs", default="", help="comma-separated environment names")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated benchmarks")
    parser.add_argument("--scale", type=float, default=0.5, help="repeats multiplier per run")
    parser.add_argument("--from-json", action="store_true", help="only re-render the page")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    if args.from_json:
        results = json.loads(RESULTS.read_text())
    else:
        if not args.earlier:
            parser.error("name the earlier commit")
        code, sha = earlier_code(args.earlier)
        names = [n for n in args.envs.split(",") if n] or list(run.ENVIRONMENTS)
        benches = [b for b in args.only.split(",") if (HERE / f"bench_{b}.py").exists()]
        results = {
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "earlier": sha[:7],
            "now": run.git_commit(),
            "machine": run.machine(),
            "scale": args.scale,
        }
        results["envs"] = measure(names, benches, code, args.scale)
        results["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
        RESULTS.write_text(json.dumps(results, indent=1))
    Path(args.out).write_text(render(results))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
