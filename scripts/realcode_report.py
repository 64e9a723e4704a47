"""Run the real-code corpus (tests/realcode/) in real environments, as a new user would: each
file as published (with the data shim); when it fails, one ``python -m kerasmagic migrate FILE -o
OUT``, then the migrated copy run plainly. Writes docs/realcode_fix_rates.md (generated).

    python3 scripts/realcode_report.py ENV ... [--jobs 2] [--only NAME ...]
                                      [--split tuning|sealed|all] [--json out.json]
                                      [--timeout 300] [--control] [--out docs/realcode_fix_rates.md]
    python3 scripts/realcode_report.py --from-json a.json b.json     # render saved results

Each file runs in a fresh temporary directory laid out as its repository (the file at its
repository path, the manifest's data files at theirs, the working directory the file's folder),
with ``KERASMAGIC_CORPUS_SHIM=1``, the shim folder and this checkout on ``PYTHONPATH`` (so this
checkout's kerasmagic runs), and the overlay of third-party packages (tests/realcode/extras.py).

A change is flagged **wrong** (for review) when the migrated copy fails on a line migrate wrote,
or when a keyword argument's value of the published code is gone from the migrated copy
(``decay=1e-6`` removed: it would train differently). A keyword still passed with a rewritten
value (a file suffix, ``y`` → ``y.toarray()``) is listed in the JSON as ``rewritten``, for review. ``--control`` runs the files as published
only and says which ``control`` each one has (how collectors check a file before admitting it).
``KERASMAGIC_REALCODE_KEEP=1`` keeps a tuning file's working folder (the migrate report, the
migrated copy) and prints where. The report lists tuning files case by case and gives only counts for the sealed part; the JSON
holds every detail."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "realcode"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))  # the catalogue, to read what a stop advises installing

import author_errors  # noqa: E402  (tests/realcode/author_errors.py)
import corpus  # noqa: E402  (tests/realcode/corpus.py)
import extras  # noqa: E402  (tests/realcode/extras.py)
import realcode_render  # noqa: E402
from corpus_report import (  # noqa: E402
    NB_RUNNER,
    Failure,
    _nb_failure,
    _now,
    env_python,
    parse_failure,
    run_python,
    versions,
)
from realcode_diff import changed_lines_of, dropped_values, nb_code, rewritten_values  # noqa: E402

SHIM = ROOT / "tests" / "realcode" / "shim"
if ROOT != corpus.MAIN and (corpus.MAIN / ".envs").is_dir():
    # a git worktree uses the main checkout's shared environments
    os.environ.setdefault("KERASMAGIC_ENVS_DIR", str(corpus.MAIN / ".envs"))
DEFAULT_OUT = ROOT / "docs" / "realcode_fix_rates.md"


@dataclass
class FileResult:
    name: str
    kind: str
    split: str
    repo: str
    source: str
    license: str
    control: str
    runs_as_published: bool
    first: Failure | None = None
    migrate_exit: int | None = None
    migrate_status: str = ""
    migrate_message: str = ""
    rule_ids: list[str] = field(default_factory=list)
    changed: bool = False
    fixed: bool = False
    final: Failure | None = None
    wrong: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)  # kept keywords, values rewritten (review)
    needs_install: list[str] = field(default_factory=list)  # where migrate stopped: to install
    seconds_published: float = 0.0
    seconds_migrate: float = 0.0
    seconds_migrated: float = 0.0


def shim_environ(base: dict[str, str], work: Path, extras_dir: Path | None) -> dict[str, str]:
    env = dict(base)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SHIM), str(ROOT), base.get("PYTHONPATH", "")) if p
    )
    env["KERASMAGIC_CORPUS_SHIM"] = "1"
    env["KERASMAGIC_CORPUS_SCRATCH"] = str(work / "scratch")
    env["KERAS_HOME"] = env["KERASMAGIC_CORPUS_KERAS_HOME"] = str(work / "keras_home")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if extras_dir is not None:
        env["KERASMAGIC_CORPUS_EXTRAS"] = str(extras_dir)
    return env


def lay_out(entry: corpus.Entry, work: Path, fresh: bool = False) -> Path:
    """The file (its data files, its empty folders) at their repository paths below ``work/repo``.
    ``fresh``: the folder of an earlier run removed first, so that each of the three runs (as
    published, ``migrate``'s, the migrated copy's) starts from the checkout as published; what
    one run wrote (``os.makedirs`` of a folder, a saved model) never decides the next."""
    repo = work / "repo"
    if fresh:
        shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(work / "scratch", ignore_errors=True)
    target = repo / entry.path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(entry.file(), target)
    for path in entry.data:
        dest = repo / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.data_file(path), dest)
    for folder in entry.folders:
        (repo / folder).mkdir(parents=True, exist_ok=True)
    (work / "scratch").mkdir(exist_ok=True)
    return target


def run_file(
    path: Path, kind: str, python: str, env: dict[str, str], timeout: float
) -> Failure | None:
    """None when ``path`` runs to the end, else where it stopped."""
    if kind == "script":
        rc, _out, err = run_python(python, [path.name], path.parent, env, timeout)
        if rc == 0:
            return None
        return parse_failure(err, path.name, path.read_text(encoding="utf-8", errors="replace"))
    rc, out, err = run_python(
        python, ["-c", NB_RUNNER, path.name, str(timeout)], path.parent, env, timeout * 4
    )
    try:
        doc = json.loads(out.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return parse_failure(err, path.name)
    return None if doc.get("ok") else _nb_failure(doc)


def _rules(report: dict) -> list[str]:
    ids = [
        r.get("id", "")
        for d in report.get("documents", [])
        for c in d.get("cells", [])
        for ch in c.get("changes", [])
        for r in ch.get("rules", [])
    ]
    return [i for i in dict.fromkeys(ids) if i]


def _installs_advised(report: dict) -> list[str]:
    """The packages the findings left where migrate stopped advise installing (kerasmagic never
    installs: such a file stays broken until its user runs the install)."""
    from kerasmagic.knowledge.catalogue import find_entry

    advised = []
    for doc in report.get("documents", []):
        for cell in doc.get("cells", []):
            for left in cell.get("left") or []:
                entry = find_entry(left.get("id", ""))
                if entry is None or not getattr(entry, "install", None):
                    continue
                if "{" not in entry.install:
                    advised.append(entry.install)
                    continue
                # an entry whose install is a template (`{distribution}`): the finding's own fix
                # names what it advises, or nothing (a name no known distribution provides)
                named = re.search(r"%pip install (\S+)", left.get("fix_code") or "")
                if named:
                    advised.append(named.group(1))
    return list(dict.fromkeys(advised))


def modules_written(report: dict) -> dict[str, str]:
    """The user's modules that migrate corrected and wrote into OUT_DIR, and those it copied
    unchanged beside them: where each copy is in OUT_DIR (``placed``, relative to the file's
    copy) → where the module is, relative to the file (``relative``). The user applies them
    too: each copy replaces its module, and the migrated copy runs with them, as its user's
    would."""
    out: dict[str, str] = {}
    for d in report.get("documents", []):
        corrected = {m.get("placed") or m["relative"]: m["relative"] for m in d.get("modules", []) if m.get("written")}  # fmt: skip
        others = d.get("module_files") or {}
        beside = {v: k for k, v in others.items()} if isinstance(others, dict) and corrected else {}
        out.update({p: r for p, r in {**corrected, **beside}.items() if not p.startswith("..")})
    return out


def source_text(path: Path) -> str:
    """A file's text: a script in the encoding Python reads it in (its ``coding:`` line), a
    notebook as JSON's UTF-8."""
    if path.suffix == ".py":
        with tokenize.open(path) as handle:
            return handle.read()
    return path.read_text(encoding="utf-8")


def measure(
    entry: corpus.Entry,
    python: str,
    base_env: dict[str, str],
    extras_dir: Path | None,
    timeout: float,
    control_only: bool = False,
) -> FileResult:
    work = Path(tempfile.mkdtemp(prefix=f"realcode-{entry.name[:40]}-"))
    res = FileResult(
        entry.name,
        entry.kind,
        entry.split,
        entry.repo,
        entry.source_url,
        entry.license,
        entry.control,
        False,
    )
    try:
        target = lay_out(entry, work)
        env = shim_environ(base_env, work, extras_dir)
        t0 = time.perf_counter()
        res.first = run_file(target, entry.kind, python, env, timeout)
        res.seconds_published = time.perf_counter() - t0
        res.runs_as_published = res.first is None
        if res.runs_as_published or control_only:
            return res
        target = lay_out(entry, work, fresh=True)  # what the published run wrote is not kept
        out_dir = work / "migrated"
        t0 = time.perf_counter()
        rc, out, err = run_python(
            python,
            [
                "-m",
                "kerasmagic",
                "migrate",
                target.name,
                "-o",
                str(out_dir),
                "--json",
                "--cell-timeout",
                str(int(timeout)),
            ],
            target.parent,
            env,
            timeout * 4,
        )
        res.seconds_migrate = time.perf_counter() - t0
        res.migrate_exit = rc
        report: dict = {}
        try:
            report = json.loads(out)
            doc = (report.get("documents") or [{}])[0]
            res.migrate_status, res.migrate_message = doc.get("status", ""), doc.get("message", "")
            res.rule_ids = _rules(report)
            res.needs_install = _installs_advised(report)
        except json.JSONDecodeError:
            res.migrate_status = "no JSON report"
            res.migrate_message = parse_failure(err, target.name).short()
        migrated = out_dir / target.name
        if not migrated.is_file():
            res.final = res.first  # nothing written: the published copy is what is left
            return res
        original, new = source_text(target), source_text(migrated)
        res.changed = new != original
        target = lay_out(entry, work, fresh=True)  # nor what migrate's own run wrote
        runnable = target.with_name(f"{target.stem}_migrated{target.suffix}")
        shutil.copyfile(migrated, runnable)
        for placed, relative in modules_written(report).items():
            if (out_dir / placed).is_file():  # the user applies them too
                shutil.copyfile(out_dir / placed, target.parent / relative)
        t0 = time.perf_counter()
        res.final = run_file(runnable, entry.kind, python, env, timeout)
        res.seconds_migrated = time.perf_counter() - t0
        res.fixed = res.final is None
        res.wrong = judge(entry.kind, original, new, res.final)
        code = (nb_code(original), nb_code(new)) if entry.kind == "notebook" else ([original], [new])
        res.rewritten = [f"{k}={v}" for k, v in rewritten_values(*("\n".join(c) for c in code))]
        return res
    finally:
        if entry.split == "tuning" and os.environ.get("KERASMAGIC_REALCODE_KEEP"):
            print(f"kept {work}", file=sys.stderr)  # to study a tuning failure; never a sealed one
        else:
            shutil.rmtree(work, ignore_errors=True)


def judge(kind: str, original: str, new: str, final: Failure | None) -> list[str]:
    """Why the migrated copy is suspect (empty when it is not)."""
    why = []
    if kind == "notebook":
        before, after = nb_code(original), nb_code(new)
        changed = [
            i for i, cell in enumerate(after)
            if final is not None and final.code and final.code in cell and cell not in before
        ]  # fmt: skip
        for i in changed[:1]:
            # the failing line within the cell, when the traceback gave it: a line migrate
            # did not write is the published code's own failure, not a wrong change
            wrote = changed_lines_of(before[i], after[i]) if len(before) == len(after) else None
            if final.cell_line is None or wrote is None or final.cell_line in wrote:
                where = f" (line {final.cell_line})" if final.cell_line else ""
                why.append(f"fails in a cell migrate changed{where}: `{final.code[:80]}`")
    else:
        before, after = [original], [new]
        if final is not None and final.lineno in changed_lines_of(original, new):
            why.append(f"fails on line {final.lineno}, which migrate wrote")
    why += [
        f"drops {kw}={value}" for kw, value in dropped_values("\n".join(before), "\n".join(after))
    ]
    return why


def run_env(
    env_name: str,
    entries: list[corpus.Entry],
    *,
    jobs: int,
    timeout: float,
    control_only: bool,
    partial: Path | None,
) -> dict:
    python, environ = env_python(env_name)
    py_tag = "".join(versions(python, environ).get("python", "3.11").split(".")[:2])
    extras_dir = extras.ensure(corpus.files_dir().parent, python, py_tag)
    head = {"env": env_name, "versions": versions(python, environ), "control_only": control_only}
    started, done = time.perf_counter(), []

    def one(entry: corpus.Entry) -> FileResult:
        res = measure(entry, python, environ, extras_dir, timeout, control_only)
        done.append(res)
        state = (
            "runs"
            if res.runs_as_published
            else (
                "fixed" if res.fixed else f"fails: {(res.final or res.first).short()[:200]}"  # type: ignore[union-attr]
            )
        )
        if not res.runs_as_published and control_only:
            state = f"fails as published: {res.first.short()[:300]}"  # type: ignore[union-attr]
        flag = f" WRONG? {res.wrong}" if res.wrong else ""
        if res.split == "sealed" and not control_only:  # counted, never shown case by case
            state = "runs" if res.runs_as_published else ("fixed" if res.fixed else "fails")
            flag = " WRONG?" if res.wrong else ""
        print(
            f"[{env_name}] {res.name} ({res.split}): {state}{flag} "
            f"({res.seconds_published + res.seconds_migrate + res.seconds_migrated:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        if partial is not None:
            snap = {
                **head,
                "date": _now(),
                "seconds": round(time.perf_counter() - started, 1),
                "files": [asdict(r) for r in sorted(done, key=lambda r: r.name)],
            }
            partial.write_text(json.dumps([snap], indent=1))
        return res

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, entries))
    return {
        **head,
        "date": _now(),
        "seconds": round(time.perf_counter() - started, 1),
        "files": [asdict(r) for r in results],
    }


def author_error(entry: corpus.Entry, result: dict) -> str | None:
    """Where the file's own code fails in every version, when that is where the file stops after
    migrate (``tests/realcode/author_errors.py``): a name read where nothing binds it, a code
    cell that is no Python; else None."""
    if result["runs_as_published"] or result["fixed"] or not entry.file().is_file():
        return None
    text = entry.file().read_text(encoding="utf-8", errors="replace")
    sources = [author_errors.notebook_source(text) if entry.kind == "notebook" else text]
    sources += [
        entry.data_file(p).read_text(encoding="utf-8", errors="replace")
        for p in entry.data
        if p.endswith(".py") and entry.data_file(p).is_file()
    ]
    if entry.kind == "notebook":
        cell = author_errors.unparsable_cell(result.get("final"), text)
        if cell is not None:
            return f"a code cell that is no Python in any version (`{cell[:60]}`)"
        later = author_errors.bound_only_later(result.get("final"), text)
        if later is not None:
            return f"`{later}` is bound only in a later cell of the published notebook"
    name = author_errors.unbound_name(result.get("final"), sources)
    return f"`{name}` is bound nowhere in the published code" if name else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("envs", nargs="*")
    parser.add_argument("--only", nargs="*", help="only these manifest names")
    parser.add_argument("--split", choices=["tuning", "sealed", "all"], default="all")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run (per cell)")
    parser.add_argument("--control", action="store_true", help="run as published only")
    parser.add_argument("--json", help="save the full results here")
    parser.add_argument("--from-json", nargs="+", help="render saved results instead of running")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    if args.from_json:
        docs = realcode_render.merge(
            [d for f in args.from_json for d in json.loads(Path(f).read_text())]
        )
    else:
        entries = corpus.select(corpus.load(), args.split, args.only)
        missing = [e.name for e in entries if not e.file().is_file()]
        if missing:
            print(
                f"missing (scripts/realcode_materialise.py): {', '.join(missing)}", file=sys.stderr
            )
            entries = [e for e in entries if e.name not in missing]
        docs = []
        for name in args.envs or ["tf221-k3"]:
            partial = Path(f"{args.json}.{name}.partial") if args.json else None
            docs.append(
                run_env(
                    name,
                    entries,
                    jobs=args.jobs,
                    timeout=args.timeout,
                    control_only=args.control,
                    partial=partial,
                )
            )
            if args.json:
                Path(args.json).write_text(json.dumps(docs, indent=1))
    entries = {e.name: e for e in corpus.load()}
    listed = set(entries)
    for d in docs:  # a file taken out of the manifests since it was measured is not reported
        d["files"] = [f for f in d["files"] if f["name"] in listed]
        for f in d["files"]:  # a kept sealed row has no failure to read, a file not restored
            kept = f.get("author_error")  # on this machine no source: their column as kept
            readable = "final" in f and entries[f["name"]].file().is_file()
            f["author_error"] = author_error(entries[f["name"]], f) if readable else kept
    if args.json and docs:  # again, with the author column (realcode_keep keeps it)
        Path(args.json).write_text(json.dumps(docs, indent=1))
    if args.control:
        for d in docs:
            for f in d["files"]:
                got = "runs" if f["runs_as_published"] else "fails"
                print(f"{d['env']} {f['name']}: {got} (manifest control: {f['control']})")
        return 0
    Path(args.out).write_text(realcode_render.render(docs, len(listed)), encoding="utf-8")
    for d in docs:
        for split in corpus.SPLITS:
            s = realcode_render.summary(d, split)
            print(
                f"{d['env']} {split}: {s['breaking']}/{s['files']} break, {s['fixed']} fixed, "
                f"{s['wrong']} wrong"
            )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
