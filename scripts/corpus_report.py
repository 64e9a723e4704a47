"""Run the corpus of real Keras-2-era scripts and notebooks (tests/corpus/) in real environments,
let kerasmagic fix what fails, and write docs/corpus_fix_rates.md.

    python3 scripts/corpus_report.py [ENV ...] [--scripts NAME ...] [--rounds 8] [--jobs 2]
                                     [--timeout 600] [--migrate auto|on|off] [--no-notebooks]
                                     [--out docs/corpus_fix_rates.md] [--json results.json]
    python3 scripts/corpus_report.py --from-json k3.json colab.json k2.json   # render saved results

Default environments: tf221-k3 and colab, with tf215-k2 (where every corpus file must run) as the
control. For each script and environment: copy it into a fresh temporary directory and run
``python FILE`` there. When it fails, iterate ``python -m kerasmagic check FILE --fix --json``
followed by ``python FILE`` until the script runs, kerasmagic offers no fix, or the round limit is
hit. Each round records the rule ids kerasmagic reported (suggestions and traps) and the error the
script stops on after the fix. A fix is *wrong* when the fixed script fails the same way (same
exception, message and code line) as before it, or fails on a line the fix wrote and no later
round makes it run.

Notebooks run with ``python -m kerasmagic migrate`` when that subcommand exists (``--migrate``,
``auto`` by default) and the migrated copy is re-executed with plain nbclient; otherwise they run
with plain nbclient only, to report whether and where they fail.

At most ``--jobs`` (default 2: a 2-core machine) scripts run at the same time. Nothing in the
generated document is written by hand. It also counts the real-code corpus's tuning and sealed
parts (issue 29) from their kept runs (``docs/realcode_runs/``, ``scripts/realcode_report.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from report_text import SITE_PACKAGES, _fail, changed_lines

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SCRIPTS_DIR = CORPUS / "scripts"
NOTEBOOKS_DIR = CORPUS / "notebooks"
DEFAULT_ENVS = ("tf221-k3", "colab", "tf215-k2")
CONTROL_ENV = "tf215-k2"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SOURCE_LINE = re.compile(r"^# source: (https://github\.com/\S+)$", re.M)
LICENSE_LINE = re.compile(r"^# license: (.+)$", re.M)
FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')
EXC_LINE = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)):?\s?(?P<msg>.*)$"
)


@dataclass
class Failure:
    """Where and how a run stopped: exception type, first message line, the code line in the file."""

    type: str
    message: str
    lineno: int | None
    code: str
    cell_line: int | None = None  # a notebook's failing line within its cell, when known

    def same_as(self, other: Failure | None) -> bool:
        return (
            other is not None
            and self.type == other.type
            and self.message == other.message
            and self.code == other.code
        )

    def short(self) -> str:
        where = f" — line {self.lineno}: `{self.code}`" if self.code else ""
        return f"{self.type}: {self.message[:160]}{where}"


@dataclass
class Round:
    ids: list[str]
    offered: bool
    check_ok: bool | None
    after: Failure | None = None
    runs: bool = False
    wrong: str = ""
    seconds: float = 0.0


@dataclass
class ScriptResult:
    name: str
    source: str
    license: str
    runs_as_published: bool
    first: Failure | None
    rounds: list[Round] = field(default_factory=list)
    fixed: bool = False
    wrong: bool = False
    stop: str = ""  # why the loop ended
    final: Failure | None = None
    seconds: float = 0.0


@dataclass
class NotebookResult:
    name: str
    source: str
    mode: str  # "nbclient" or "migrate"
    runs_as_published: bool
    first: Failure | None
    migrated_runs: bool | None = None
    final: Failure | None = None
    wrong: bool = False
    seconds: float = 0.0


# ---------------------------------------------------------------- reading the corpus


def corpus_scripts(names: Iterable[str] | None = None) -> list[Path]:
    files = sorted(SCRIPTS_DIR.glob("*.py"))
    if names:
        wanted = set(names)
        files = [f for f in files if f.stem in wanted]
    return files


def corpus_notebooks(names: Iterable[str] | None = None) -> list[Path]:
    files = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    if names:
        wanted = set(names)
        files = [f for f in files if f.stem in wanted]
    return files


def header(text: str) -> tuple[str, str]:
    """The ``# source:`` address and ``# license:`` of a corpus file ('' when missing)."""
    src = SOURCE_LINE.search(text)
    lic = LICENSE_LINE.search(text)
    return (src.group(1) if src else "", lic.group(1).strip() if lic else "")


def notebook_header(path: Path) -> tuple[str, str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = next((c for c in nb["cells"] if c["cell_type"] == "code"), None)
    text = "".join(first["source"]) if first else ""
    return header(text)


# ---------------------------------------------------------------- running things


def parse_failure(stderr: str, filename: str, source: str | None = None) -> Failure:
    """The last traceback of ``stderr``: its exception and the deepest frame in ``filename``."""
    lines = stderr.splitlines()
    start = max(
        (i for i, ln in enumerate(lines) if ln.startswith("Traceback (most recent call")),
        default=-1,
    )
    block = lines[start:] if start >= 0 else lines
    lineno: int | None = None
    code = ""
    for i, ln in enumerate(block):
        m = FRAME.match(ln)
        if m and Path(m.group("file")).name == filename:
            lineno = int(m.group("line"))
            code = (
                block[i + 1].strip() if i + 1 < len(block) and not FRAME.match(block[i + 1]) else ""
            )
    if source is not None and lineno is not None and not code:
        src_lines = source.splitlines()
        if 0 < lineno <= len(src_lines):
            code = src_lines[lineno - 1].strip()
    etype, msg = "", ""
    for k in range(len(block) - 1, -1, -1):
        m = EXC_LINE.match(block[k].strip())
        if m and not block[k].startswith(" "):
            etype, msg = m.group("type"), SITE_PACKAGES.sub("", m.group("msg").strip())
            if msg.startswith("Exception encountered when calling"):
                # Keras 3 wraps a layer's error: the cause is the next line of the message
                cause = next(
                    (ANSI.sub("", ln).strip() for ln in block[k + 1 :] if ANSI.sub("", ln).strip()),
                    "",
                )
                msg = f"{msg} {cause}".strip()
            break
    tail = [ln for ln in block if ln.strip()]
    if etype and msg.rstrip().endswith(":") and tail:
        # TF's multi-line errors ("in user code:") end with the real message on the last line
        msg = SITE_PACKAGES.sub("", tail[-1].strip())
    if not etype:
        etype, msg = "Failure", (tail[-1].strip() if tail else "no output")
    return Failure(etype.rsplit(".", 1)[-1], msg, lineno, code)


def run_python(
    python: str, args: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> tuple[int, str, str]:
    try:
        proc = subprocess.run(
            [python, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
        return proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return -9, out, err + f"\nTimeoutExpired: the run took more than {timeout:.0f} s"


def rule_ids(doc: dict) -> list[str]:
    ids = [s.get("id", "") for s in doc.get("suggestions", [])]
    ids += [t.get("id", "") for t in doc.get("traps", [])]
    return [i for i in dict.fromkeys(ids) if i]


def run_script(
    path: Path, python: str, env: dict[str, str], *, rounds: int, timeout: float
) -> ScriptResult:
    text = path.read_text(encoding="utf-8")
    source, lic = header(text)
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f"corpus-{path.stem}-"))
    try:
        target = work / path.name
        shutil.copy2(path, target)
        rc, _out, err = run_python(python, [path.name], work, env, timeout)
        if rc == 0:
            return ScriptResult(
                path.stem, source, lic, True, None, seconds=time.perf_counter() - start
            )
        first = parse_failure(err, path.name, text)
        result = ScriptResult(path.stem, source, lic, False, first, final=first)
        before, current = first, text
        suspect = False  # a round failed on a line its fix wrote
        for _ in range(rounds):
            t0 = time.perf_counter()
            rc, out, err = run_python(
                python,
                ["-m", "kerasmagic", "check", path.name, "--fix", "--json"],
                work,
                env,
                timeout,
            )
            try:
                doc = json.loads(out)
            except json.JSONDecodeError:
                result.rounds.append(
                    Round(
                        [],
                        False,
                        None,
                        parse_failure(err, path.name),
                        seconds=time.perf_counter() - t0,
                    )
                )
                result.stop = "kerasmagic check gave no JSON"
                break
            fixed_source = doc.get("fixed_source")
            rnd = Round(rule_ids(doc), fixed_source is not None, bool(doc.get("ok")))
            result.rounds.append(rnd)
            if fixed_source is None or fixed_source == current:
                rnd.seconds = time.perf_counter() - t0
                result.stop = (
                    "kerasmagic check saw no failure"
                    if doc.get("ok") and not doc.get("traps")
                    else "no fix offered"
                )
                break
            new = target.read_text(encoding="utf-8")
            rc, _out, err = run_python(python, [path.name], work, env, timeout)
            rnd.seconds = time.perf_counter() - t0
            if rc == 0:
                rnd.runs = True
                result.fixed, result.final, result.stop = True, None, "runs"
                break
            after = parse_failure(err, path.name, new)
            rnd.after = after
            result.final = after
            if after.same_as(before):
                rnd.wrong = "fails the same way as before the fix"
                result.wrong, result.stop = True, "wrong fix"
                break
            if after.lineno is not None and after.lineno in changed_lines(current, new):
                # a new failure on a line the fix wrote: wrong, unless a later round makes the
                # script run (the line was right and the error lies elsewhere, e.g. `fit` renamed
                # from `fit_generator`, then the model's targets)
                rnd.wrong = f"fails on line {after.lineno}, which the fix wrote"
                suspect = True
            before, current = after, new
        else:
            result.stop = f"round limit ({rounds})"
        if suspect and not result.fixed:
            result.wrong, result.stop = True, "wrong fix"
        result.seconds = time.perf_counter() - start
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


NB_RUNNER = r"""
import json, sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
path, timeout = sys.argv[1], float(sys.argv[2])
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": "."}})
try:
    client.execute()
    print(json.dumps({"ok": True}))
except CellExecutionError as exc:
    cell = next((c for c in nb.cells if c.get("cell_type") == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    err = next((o for o in (cell or {}).get("outputs", []) if o.get("output_type") == "error"), {})
    import re
    frames = []  # (cell, line) of each traceback entry in a cell: IPython 8+ "Cell In[3], line 5"; IPython 7 "<ipython-input-3-…>" or ipykernel 6's "/tmp/ipykernel_7/123.py", with "----> 5"
    for entry in err.get("traceback", []):
        text = re.sub(r"\x1b\[[0-9;]*m", "", entry)
        new = re.search(r"Cell In\[(\d+)\], line (\d+)", text)
        old = re.search(r"<ipython-input-\d+-[0-9a-f]+>|\S*ipykernel_\d+[/\\]\d+\.py", text) if new is None else None
        arrow = re.search(r"^-+> *(\d+)", text, re.M) if old is not None else None
        if new is not None or arrow is not None:
            frames.append((new.group(1), new.group(2)) if new is not None else (old.group(0), arrow.group(1)))
    line = next((int(n) for i, n in reversed(frames) if i == frames[0][0]), None) if frames else None
    print(json.dumps({"ok": False, "ename": err.get("ename", type(exc).__name__), "evalue": err.get("evalue", str(exc))[:500],
                      "cell": "".join(cell.source) if cell else "", "line": line}))
"""


def _nb_failure(doc: dict) -> Failure:
    src = doc.get("cell", "")
    return Failure(
        doc.get("ename", "Failure"),
        doc.get("evalue", "").splitlines()[0] if doc.get("evalue") else "",
        None,
        next((ln.strip() for ln in src.splitlines() if ln.strip() and not ln.startswith("#")), ""),
        doc.get("line") if isinstance(doc.get("line"), int) else None,
    )


def run_notebook_plain(
    path: Path, python: str, env: dict[str, str], timeout: float, work: Path
) -> dict:
    rc, out, err = run_python(
        python, ["-c", NB_RUNNER, path.name, str(timeout)], work, env, timeout * 4
    )
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        f = parse_failure(err, path.name)
        return {"ok": False, "ename": f.type, "evalue": f.message, "cell": ""}


def migrate_available(python: str, env: dict[str, str]) -> bool:
    rc, out, err = run_python(python, ["-m", "kerasmagic", "migrate", "--help"], ROOT, env, 120)
    return rc == 0 and "migrate" in (out + err)


def run_notebook(
    path: Path, python: str, env: dict[str, str], *, timeout: float, migrate: bool
) -> NotebookResult:
    source, _lic = notebook_header(path)
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f"corpus-nb-{path.stem}-"))
    try:
        shutil.copy2(path, work / path.name)
        doc = run_notebook_plain(work / path.name, python, env, timeout, work)
        res = NotebookResult(
            path.stem,
            source,
            "migrate" if migrate else "nbclient",
            bool(doc.get("ok")),
            None if doc.get("ok") else _nb_failure(doc),
        )
        if not res.runs_as_published and migrate:
            out_dir = work / "migrated"
            rc, out, err = run_python(
                python,
                ["-m", "kerasmagic", "migrate", path.name, "-o", str(out_dir)],
                work,
                env,
                timeout * 4,
            )
            migrated = out_dir / path.name
            if migrated.exists():
                shutil.copy2(migrated, work / f"migrated_{path.name}")
                doc2 = run_notebook_plain(
                    work / f"migrated_{path.name}", python, env, timeout, work
                )
                res.migrated_runs = bool(doc2.get("ok"))
                res.final = None if doc2.get("ok") else _nb_failure(doc2)
                res.wrong = bool(res.final and res.final.same_as(res.first))
            else:
                res.migrated_runs = False
                res.final = parse_failure(err, path.name)
        res.seconds = time.perf_counter() - start
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def versions(python: str, env: dict[str, str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, platform\n"
        "out={'python': platform.python_version()}\n"
        "for d in ('tensorflow','keras','tf_keras','numpy','kerasmagic'):\n"
        "    try: out[d]=m.version(d)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    rc, out, _err = run_python(python, ["-c", code], ROOT, env, 120)
    return json.loads(out) if rc == 0 else {}


def run_corpus(
    env_name: str,
    python: str,
    environ: dict[str, str],
    *,
    scripts: Iterable[str] | None = None,
    notebooks: bool = True,
    run_scripts: bool = True,
    rounds: int = 8,
    jobs: int = 2,
    timeout: float = 600,
    migrate: str = "auto",
    progress: bool = True,
    partial: Path | None = None,
) -> dict:
    """Run the corpus in one environment (``python`` with ``environ``); return its JSON document.

    ``partial``: a file rewritten with the results so far after each script, so that a run cut
    short still leaves what it measured (``--from-json`` renders it)."""
    names = list(scripts) if scripts else None
    files = corpus_scripts(names) if run_scripts else []
    use_migrate = migrate == "on" or (migrate == "auto" and migrate_available(python, environ))
    started = time.perf_counter()

    done: list[ScriptResult] = []
    head = {"env": env_name, "versions": versions(python, environ), "rounds_limit": rounds}

    def one(path: Path) -> ScriptResult:
        res = run_script(path, python, environ, rounds=rounds, timeout=timeout)
        done.append(res)
        if partial is not None:
            snapshot = {
                **head,
                "date": _now(),
                "migrate": use_migrate,
                "notebooks": [],
                "seconds": round(time.perf_counter() - started, 1),
                "scripts": [asdict(r) for r in sorted(done, key=lambda r: r.name)],
            }
            partial.write_text(json.dumps([snapshot], indent=1))
        if progress:
            state = "runs" if res.runs_as_published else ("fixed" if res.fixed else res.stop)
            if res.final and not res.fixed:
                state += f" — {res.final.short()}"
            print(
                f"[{env_name}] {res.name}: {state} ({len(res.rounds)} rounds, {res.seconds:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        return res

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, files))
    nb_results: list[NotebookResult] = []
    if notebooks:
        nb_files = corpus_notebooks(names)

        def one_nb(path: Path) -> NotebookResult:
            res = run_notebook(path, python, environ, timeout=timeout, migrate=use_migrate)
            if progress:
                after = {None: "", True: ", runs after migrate", False: ", fails after migrate"}
                print(
                    f"[{env_name}] notebook {res.name}: "
                    f"{'runs' if res.runs_as_published else 'fails'}{after[res.migrated_runs]}",
                    file=sys.stderr,
                    flush=True,
                )
            return res

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            nb_results = list(pool.map(one_nb, nb_files))
    return {
        **head,
        "date": _now(),
        "migrate": use_migrate,
        "seconds": round(time.perf_counter() - started, 1),
        "scripts": [asdict(r) for r in results],
        "notebooks": [asdict(r) for r in nb_results],
    }


# ---------------------------------------------------------------- the document


def merge_docs(docs: list[dict]) -> list[dict]:
    """One document per environment: runs of parts of the corpus in the same environment joined
    (a script measured twice keeps its later result)."""
    merged: dict[str, dict] = {}
    for d in docs:
        if d["env"] not in merged:
            merged[d["env"]] = {
                **d,
                "scripts": list(d["scripts"]),
                "notebooks": list(d["notebooks"]),
            }
            continue
        m = merged[d["env"]]
        for key in ("scripts", "notebooks"):
            rows = {r["name"]: r for r in m[key]}
            rows.update({r["name"]: r for r in d[key]})
            m[key] = sorted(rows.values(), key=lambda r: r["name"])
        m["seconds"] = m["seconds"] + d["seconds"]
        m["date"] = max(m["date"], d["date"])
        m["migrate"] = m.get("migrate") or d.get("migrate")
    return list(merged.values())


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def summary(doc: dict) -> dict[str, int]:
    scripts = doc["scripts"]
    failing = [s for s in scripts if not s["runs_as_published"]]
    nbs = doc.get("notebooks", [])
    return {
        "scripts": len(scripts),
        "failing": len(failing),
        "fixed": sum(s["fixed"] for s in failing),
        "wrong": sum(s["wrong"] for s in failing),
        "no_fix": sum(1 for s in failing if not s["fixed"] and not s["wrong"]),
        "notebooks": len(nbs),
        "nb_failing": sum(1 for n in nbs if not n["runs_as_published"]),
        "nb_fixed": sum(1 for n in nbs if not n["runs_as_published"] and n.get("migrated_runs")),
        "nb_wrong": sum(1 for n in nbs if n.get("wrong")),
    }


def _rate(a: int, b: int) -> str:
    return f"{a / b:.0%}" if b else "—"


def error_kind(f: dict) -> str:
    """A grouping key for an error: its type and message with names, numbers and quotes folded."""
    msg = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "…", SITE_PACKAGES.sub("", f["message"]))
    msg = re.sub(r"\d+(\.\d+)?", "N", msg)
    return f"{f['type']}: {msg[:90]}"


def realcode_parts() -> list[str]:
    """The real-code corpus's tuning and sealed parts (issue 29), as its kept runs count them."""
    import realcode_render  # reads this module: imported once it is loaded

    spec = importlib.util.spec_from_file_location(  # its manifests; `corpus` is tests/corpus too
        "realcode_corpus", ROOT / "tests" / "realcode" / "corpus.py"
    )
    manifests = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))  # type: ignore[union-attr]
    spec.loader.exec_module(manifests)  # type: ignore[union-attr]
    kept = ROOT / "docs" / "realcode_runs"
    docs = realcode_render.kept_docs(kept, {e.name for e in manifests.load()})
    return [
        "",
        "## Published code it never saw: tuning and sealed parts",
        "",
        "The real-code corpus (tests/realcode/README.md): published files run unedited, one "
        "`migrate`, then the migrated copy run plainly; split by a hash of each file's name into "
        "a tuning part (rules are written from its failures) and a sealed part (counted, never "
        "studied). Counted from the kept runs (`docs/realcode_runs/`); the tuning part file by "
        "file, and what each column means, in [realcode_fix_rates.md](realcode_fix_rates.md).",
        "",
        *realcode_render.summary_table(docs),
    ]


def render(docs: list[dict]) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    all_scripts = {s["name"]: s for d in docs for s in d["scripts"]}
    out = [
        "# kerasmagic on real Keras-2-era scripts and notebooks",
        "",
        f"Generated by `python3 scripts/corpus_report.py` on {now}; do not edit by hand.",
        "",
        f"The corpus (`tests/corpus/`): {len(all_scripts)} scripts rebuilt from published Keras-2-era code "
        "(each names its source and revision), data loading replaced by synthetic arrays, sizes cut so each "
        f"runs in seconds; every one runs in `{CONTROL_ENV}` (TF 2.15 + Keras 2.15). In each environment a "
        "script runs as `python FILE` in a fresh directory; when it fails, `python -m kerasmagic check FILE "
        "--fix --json` and a new run alternate until it runs, no fix is offered, or the round limit is hit.",
        "",
        "- **failing**: scripts that fail as published; **fixed**: run to the end after kerasmagic's fixes; "
        "**rate** = fixed / failing",
        "- **wrong**: a fix after which the script fails the same way as before it, or fails on a line "
        "the fix wrote and no later round makes it run (must be 0)",
        "",
        "## Summary",
        "",
        "| environment | versions | scripts | failing | fixed | rate | wrong | no fix | notebooks failing "
        "| notebooks fixed | run with |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for d in docs:
        s = summary(d)
        vers = ", ".join(f"{k} {v}" for k, v in d["versions"].items())
        nb_mode = "migrate + nbclient" if d.get("migrate") else "nbclient (no `migrate` yet)"
        nb_fixed = str(s["nb_fixed"]) if d.get("migrate") else "—"
        nb_cell = f"{s['nb_failing']} / {s['notebooks']}" if s["notebooks"] else "not run"
        out.append(
            f"| {d['env']} | {vers} | {s['scripts']} | {s['failing']} | {s['fixed']} "
            f"| {_rate(s['fixed'], s['failing'])} | {s['wrong']} | {s['no_fix']} "
            f"| {nb_cell} | {nb_fixed} | {nb_mode} |"
        )
    out += [
        "",
        "Measured on "
        + ", ".join(f"{d['env']} {d['date']} ({d['seconds']:.0f} s)" for d in docs)
        + ".",
        *realcode_parts(),
    ]
    for d in docs:
        out += [
            "",
            f"## {d['env']}",
            "",
            "| script | as published | rounds | rule ids per round | result | stops on |",
            "|---|---|---|---|---|---|",
        ]
        for s in d["scripts"]:
            if s["runs_as_published"]:
                out.append(f"| `{s['name']}` | runs | 0 | | runs | |")
                continue
            ids = "; ".join(
                f"{i + 1}: {', '.join(r['ids']) or '—'}" for i, r in enumerate(s["rounds"])
            )
            state = "**fixed**" if s["fixed"] else ("**WRONG FIX**" if s["wrong"] else s["stop"])
            stop = _fail(s["final"]) if not s["fixed"] else ""
            out.append(
                f"| `{s['name']}` | fails: {_fail(s['first'])} | {len(s['rounds'])} | {ids} | {state} | {stop} |"
            )
        if d.get("notebooks"):
            out += ["", "| notebook | as published | after migrate |", "|---|---|---|"]
            for n in d["notebooks"]:
                pub = "runs" if n["runs_as_published"] else "fails: " + _fail(n["first"])
                mig = (
                    ""
                    if n["runs_as_published"]
                    else (
                        "not run (no `migrate` yet)"
                        if n["migrated_runs"] is None
                        else ("runs" if n["migrated_runs"] else "fails: " + _fail(n["final"]))
                    )
                )
                out.append(f"| `{n['name']}` | {pub} | {mig} |")
    # where kerasmagic stops, grouped: the lead's to-do list
    for d in docs:
        if d["env"] == CONTROL_ENV:
            continue
        stuck = [
            s for s in d["scripts"] if not s["runs_as_published"] and not s["fixed"] and s["final"]
        ]
        if not stuck:
            continue
        out += ["", f"## Where the scripts still stop in {d['env']}, by kind", ""]
        groups: dict[str, list[dict]] = {}
        for s in stuck:
            groups.setdefault(error_kind(s["final"]), []).append(s)
        for kind, rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            out.append(f"- **{kind}** ({len(rows)})")
            for s in rows:
                f = s["final"]
                msg = SITE_PACKAGES.sub("", f["message"])[:160]
                out.append(f"  - `{s['name']}` line {f['lineno']}: `{f['code'][:110]}` — {msg}")
    out += ["", "## Sources", "", "| script | source | license |", "|---|---|---|"]
    for name, s in sorted(all_scripts.items()):
        out.append(f"| `{name}` | {s['source']} | {s['license']} |")
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- command line


def env_python(name: str) -> tuple[str, dict[str, str]]:
    sys.path.insert(0, str(ROOT / "scripts"))
    import envs  # noqa: E402  (scripts/envs.py)

    env = envs.ENVIRONMENTS[name]
    return str(env.python), envs.run_env(env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("envs", nargs="*", default=list(DEFAULT_ENVS))
    parser.add_argument("--scripts", nargs="*", help="only these corpus files (stems)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run")
    parser.add_argument("--migrate", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--no-notebooks", action="store_true")
    parser.add_argument("--no-scripts", action="store_true", help="run the notebooks only")
    parser.add_argument("--out", default=str(ROOT / "docs" / "corpus_fix_rates.md"))
    parser.add_argument("--json", help="also save the raw results here")
    parser.add_argument(
        "--from-json",
        nargs="+",
        help="render saved results (one or more --json files) instead of running",
    )
    args = parser.parse_args(argv)

    if args.from_json:
        docs = merge_docs([d for f in args.from_json for d in json.loads(Path(f).read_text())])
    else:
        docs = []
        for name in args.envs:
            python, environ = env_python(name)
            if not Path(python).exists():
                print(
                    f"{name}: not built (python3 scripts/envs.py build {name}), skipped",
                    file=sys.stderr,
                )
                continue
            docs.append(
                run_corpus(
                    name,
                    python,
                    environ,
                    scripts=args.scripts,
                    notebooks=not args.no_notebooks,
                    run_scripts=not args.no_scripts,
                    rounds=args.rounds,
                    jobs=args.jobs,
                    timeout=args.timeout,
                    migrate=args.migrate,
                    partial=Path(f"{args.json}.{name}.partial") if args.json else None,
                )
            )
            if args.json:  # after each environment, so a long run keeps what it measured
                Path(args.json).write_text(json.dumps(docs, indent=1))
    Path(args.out).write_text(render(docs), encoding="utf-8")
    for d in docs:
        s = summary(d)
        print(
            f"{d['env']}: {s['failing']}/{s['scripts']} scripts fail as published, {s['fixed']} fixed, "
            f"{s['wrong']} wrong; notebooks failing {s['nb_failing']}/{s['notebooks']}"
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
