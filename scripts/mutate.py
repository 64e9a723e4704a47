"""Break a module on purpose and see whether the tests that name it notice (mutation testing).

    python3 scripts/mutate.py run kerasmagic/diagnosis/engine.py tests/test_engine.py
    python3 scripts/mutate.py plan                  # every module of scripts/mutation_plan.toml
    python3 scripts/mutate.py plan --only api_index --survivors   # re-run what survived
    python3 scripts/mutate.py report                # docs/mutation.md from docs/mutation.json
    python3 scripts/mutate.py by-hand MODULE OLD NEW TESTS...   # one break written by hand

Each mutant (``scripts/mutants.py``) is written into a copy of the repository in a temporary
directory, never into this one, and the test selection runs there with ``-x -q`` in a real
environment (``.envs/ENV/bin/python -m pytest``, ``PYTHONPATH`` = the copy). Before the mutants,
three runs check the set-up: the unmutated copy passes, and a module that refuses to import in
the test process, then in the processes the tests start (kernels, ``python -m kerasmagic``),
fails them, so the copy is what every process imports. A mutant is killed (a test failed),
survived (all passed) or timed out.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mutants as M  # noqa: E402
import mutation_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scripts" / "mutation_plan.toml"
RESULTS = ROOT / "docs" / "mutation.json"
REPORT = ROOT / "docs" / "mutation.md"
# appended to the module: it refuses to import in the pytest process, or in every other one
POISON_HERE = (
    '\nif "pytest" in __import__("sys").modules:\n    raise ImportError("mutation check")\n'
)
POISON_ELSEWHERE = POISON_HERE.replace('"pytest" in', '"pytest" not in')


class Copy:
    """The repository's files (tracked and new, as in the working tree) in a temporary
    directory, with one module there rewritten at a time and put back after."""

    def __init__(self, module: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kerasmagic-mutants-"))
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        for name in filter(None, listed.split("\0")):
            source = ROOT / name
            if source.is_file() and not source.is_symlink():
                (self.dir / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, self.dir / name)
        if (ROOT / ".envs").exists():
            (self.dir / ".envs").symlink_to((ROOT / ".envs").resolve())
        self.module = self.dir / module
        self.original = self.module.read_text()

    def write(self, text: str) -> None:
        """The module's text becomes ``text``; its compiled copies go, so none is stale."""
        self.module.write_text(text)
        for pyc in (self.module.parent / "__pycache__").glob(f"{self.module.stem}.*.pyc"):
            pyc.unlink()

    def restore(self) -> None:
        self.write(self.original)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def run_tests(copy: Copy, env: str, tests: list[str], timeout: float) -> tuple[str, float, str]:
    """(killed | survived | timeout | error, seconds, the first failing test) for the copy."""
    python = ROOT / ".envs" / env / "bin" / "python"
    environ = dict(os.environ, KERASMAGIC_ENV=env)
    environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(copy.dir), os.environ.get("PYTHONPATH")])
    )
    cmd = [str(python), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    start = time.monotonic()
    proc = subprocess.Popen(
        [*cmd, *tests], cwd=copy.dir, env=environ, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timeout", time.monotonic() - start, ""
    except BaseException:  # Ctrl-C: the tests and every kernel they started go too
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    seconds = time.monotonic() - start
    failed = next(
        (line.split(" - ")[0] for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))),
        "",
    )
    if proc.returncode == 0:
        return "survived", seconds, ""
    if proc.returncode in (4, 5):  # usage error, nothing collected: the run says nothing
        return "error", seconds, out[-400:]
    return "killed", seconds, failed


def check_setup(copy: Copy, env: str, tests: list[str]) -> tuple[float, dict[str, bool]]:
    """The unmutated copy passes (its time returned); the copy's module is the one imported."""
    status, baseline, _ = run_tests(copy, env, tests, timeout=900)
    if status != "survived":
        raise SystemExit(f"{copy.module.name}: the tests fail without any mutant ({status})")
    imported = {}
    for where, poison in (("test process", POISON_HERE), ("processes it starts", POISON_ELSEWHERE)):
        copy.write(copy.original + poison)
        try:
            status, _, _ = run_tests(copy, env, tests, timeout=max(60, 4 * baseline))
        finally:
            copy.restore()
        imported[where] = status == "killed"
    if not any(imported.values()):
        raise SystemExit(f"{copy.module.name}: no test imports the copy's module; tests: {tests}")
    return baseline, imported


def mutate_module(
    module: str, tests: list[str], env: str, count: int, seed: int, only: set[str] | None = None
) -> dict:
    """Run ``tests`` against ``count`` sampled mutants of ``module`` (or the ids in ``only``)."""
    copy = Copy(module)
    try:
        chosen = M.sample(M.all_mutants(copy.original), count, seed)
        if only is not None:
            chosen = [m for m in chosen if m.id in only]
        baseline, imported = check_setup(copy, env, tests)
        timeout = max(60.0, 4 * baseline)
        print(f"{module}: {len(chosen)} mutants, baseline {baseline:.1f} s, imported {imported}")
        results = []
        for i, mutant in enumerate(chosen, 1):
            copy.write(M.apply(copy.original, mutant))
            try:
                status, seconds, killed_by = run_tests(copy, env, tests, timeout)
            finally:
                copy.restore()
            results.append(
                {**mutant.to_dict(), "status": status, "seconds": round(seconds, 1),
                 "killed_by": killed_by}
            )  # fmt: skip
            print(
                f"  [{i}/{len(chosen)}] {status:8} {seconds:5.1f} s  {mutant.id}  {mutant.function}"
            )
        return {
            "tests": tests, "env": env, "count": count, "seed": seed,
            "baseline_seconds": round(baseline, 1), "imported_from_copy": imported,
            "mutants": results,
        }  # fmt: skip
    finally:
        copy.remove()


def _commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return head + ("+changes" if dirty else "")


def run_plan(only: str | None, survivors: bool) -> None:
    """Each module of the plan against its tests; docs/mutation.json and .md updated."""
    plan = tomllib.loads(PLAN.read_text())
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"modules": {}}
    defaults = plan["defaults"]
    for entry in plan["module"]:
        path = entry["path"]
        if only and only not in path:
            continue
        env = entry.get("env", defaults["env"])
        count, seed = entry.get("count", defaults["count"]), defaults["seed"]
        before = stored["modules"].get(path)
        rerun = None
        if survivors and before:
            rerun = {m["id"] for m in before["mutants"] if m["status"] != "killed"}
        commit = _commit()  # the files the copy is made of: taken now
        result = mutate_module(path, entry["tests"], env, count, seed, rerun)
        if rerun is not None and before:
            fresh = {m["id"]: m for m in result["mutants"]}
            result["mutants"] = [fresh.get(m["id"], m) for m in before["mutants"]]
        result["commit"], result["date"] = commit, datetime.date.today().isoformat()
        equivalent = entry.get("equivalent", {})
        result["first"] = (before or {}).get("first") or {
            "commit": result["commit"],
            "statuses": {m["id"]: m["status"] for m in result["mutants"]},
        }
        if RESULTS.exists():  # another run may have written other modules meanwhile
            stored = json.loads(RESULTS.read_text())
        stored["modules"][path] = result
        RESULTS.write_text(json.dumps(stored, indent=1) + "\n")
        print(path, mutation_report.counts(result["mutants"], equivalent))
    REPORT.write_text(mutation_report.markdown(stored, plan))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("run", help="one module against a test selection")
    one.add_argument("module")
    one.add_argument("tests", nargs="+")
    one.add_argument("--env", default="tf221-k3")
    one.add_argument("--count", type=int, default=20)
    one.add_argument("--seed", type=int, default=30)
    one.add_argument("--json", type=Path, help="write the results here")
    every = sub.add_parser("plan", help="every module of scripts/mutation_plan.toml")
    every.add_argument("--only", help="only the modules whose path contains this")
    every.add_argument("--survivors", action="store_true", help="re-run only the survivors")
    by_hand = sub.add_parser("by-hand", help="one break written by hand: OLD replaced by NEW")
    by_hand.add_argument("module")
    by_hand.add_argument("old")
    by_hand.add_argument("new")
    by_hand.add_argument("tests", nargs="+")
    by_hand.add_argument("--env", default="tf221-k3")
    sub.add_parser("report", help="write docs/mutation.md from docs/mutation.json")
    args = parser.parse_args(argv)
    if args.command == "run":
        result = mutate_module(args.module, args.tests, args.env, args.count, args.seed)
        print(json.dumps(mutation_report.counts(result["mutants"], {})))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1) + "\n")
    elif args.command == "by-hand":
        copy = Copy(args.module)
        try:
            if copy.original.count(args.old) != 1:
                raise SystemExit(f"{args.old!r} is not once in {args.module}")
            said = {"survived": "the tests pass", "killed": "a test fails"}
            status = run_tests(copy, args.env, args.tests, 900)[0]
            print("unbroken:", said.get(status, status))
            copy.write(copy.original.replace(args.old, args.new))
            status = run_tests(copy, args.env, args.tests, 900)[0]
            print("broken:", said.get(status, status))
        finally:
            copy.remove()
    elif args.command == "plan":
        run_plan(args.only, args.survivors)
    else:
        plan = tomllib.loads(PLAN.read_text())
        REPORT.write_text(mutation_report.markdown(json.loads(RESULTS.read_text()), plan))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
