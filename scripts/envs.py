"""Build, list and use the real TF/Keras environments kerasmagic is tested in.

    python scripts/envs.py list
    python scripts/envs.py build [NAME ...]          # default: every environment
    python scripts/envs.py test [NAME ...] [-- PYTEST ARGS]
    python scripts/envs.py run NAME -- CMD ...       # run a command inside one environment

Environments live in ``.envs/<name>`` (or ``$KERASMAGIC_ENVS_DIR``), are made with ``uv`` and
carry kerasmagic in editable mode, so a change to the source is seen at once. They run on Python
3.11 (``$KERASMAGIC_ENVS_PYTHON``), except ``colab``: Colab runs Python 3.13, so ``colab`` is built
on a 3.13 interpreter found on this machine (``python3.13`` on PATH or pyenv's versions), on 3.11
where there is none. Every summary line names the Python an environment was built with.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVS_DIR = Path(os.environ.get("KERASMAGIC_ENVS_DIR", ROOT / ".envs"))
PYTHON = os.environ.get("KERASMAGIC_ENVS_PYTHON", "3.11")
# Set, it is every environment's Python, a preferred one included (see Environment.prefer_python).
PYTHON_FORCED = "KERASMAGIC_ENVS_PYTHON" in os.environ
# Resolve as of this instant (uv --exclude-newer), so a fresh clone gets the versions
# docs/compatibility.md was measured with. To follow new releases: move it, build, then
# regenerate the table (scripts/compat_table.py) and read its diff. "" resolves as of now.
EXCLUDE_NEWER = os.environ.get("KERASMAGIC_EXCLUDE_NEWER", "2026-11-22T00:00:00Z")
# Where uv is installed when it is not on PATH: a venv of its own (README, "Set-up from a fresh
# clone"), so the Python that runs this script gets nothing installed into it.
TOOLS = ENVS_DIR / ".tools"

# What every environment needs to run the test suite (kerasmagic's own deps come with `-e .`).
TEST_TOOLS = [
    "pytest>=7",
    "pytest-xdist>=3",
    "hypothesis>=6",
    "nbclient>=0.7",
    "nbformat>=5",
    "ipykernel>=6.17",
]
# The suite runs on every core of the machine, a test file per worker (a file's module fixtures,
# such as the trap or case runs, are measured once): most of its time is spent waiting for
# kernels and subprocesses that import TensorFlow. The files go out in the order the suite
# collects them, longest first (tests/conftest.py): --no-loadscope-reorder (pytest-xdist 3.6+,
# which EXCLUDE_NEWER resolves to 3.8) keeps xdist from ordering them by their number of tests.
PARALLEL_ARGS = ["-n", "auto", "--dist", "loadfile", "--no-loadscope-reorder"]

# Colab's runtime as published by googlecolab/backend-info (pip-freeze.txt, August 2026): kept
# once, with its source and date, in the package's data (``migrate --to colab`` reads it too).
COLAB_PINS = json.loads((ROOT / "kerasmagic" / "knowledge" / "runtimes.json").read_text())["colab"]["pins"]  # fmt: skip


@dataclass(frozen=True)
class Environment:
    """One named environment: what to install, in which steps, and the variables to run it with."""

    name: str
    description: str
    steps: tuple[tuple[str, ...], ...]
    env: dict[str, str] = field(default_factory=dict)
    install_self: bool = True  # editable kerasmagic + test tools; `colab` installs itself in a test
    # A Python version ("3.13") to build on where this machine has an interpreter of it, found
    # without the network (find_python); PYTHON where it has none.
    prefer_python: str | None = None

    @property
    def path(self) -> Path:
        return ENVS_DIR / self.name

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def spec(self) -> str:
        """What the environment is made of: a change means a rebuild."""
        steps = [list(s) for s in self.steps]
        return json.dumps(steps + [TEST_TOOLS] if self.install_self else steps)

    @property
    def has_xdist(self) -> bool:
        return any(self.path.glob("lib/python*/site-packages/xdist/__init__.py"))


ENVIRONMENTS: dict[str, Environment] = {
    e.name: e
    for e in [
        Environment(
            "tf221-k3",
            "TensorFlow 2.21 with Keras 3 (tf.keras is Keras 3)",
            # jupyterlab + notebook 7 + playwright: the optimizer widget and %%keras_check --fix
            # in a real browser (test_widgets_browser, test_check_fix_browser)
            (
                (
                    "tensorflow==2.21.*",
                    "ipywidgets>=8",
                    "jupyterlab>=4",
                    "notebook>=7",
                    "playwright>=1.40",
                ),
            ),
        ),
        Environment(
            "tf221-legacy",
            "TensorFlow 2.21 + tf-keras 2.21, TF_USE_LEGACY_KERAS=1",
            (("tensorflow==2.21.*", "tf-keras==2.21.*"),),
            env={"TF_USE_LEGACY_KERAS": "1"},
        ),
        Environment(
            "tf215-k2",
            "TensorFlow 2.15 with Keras 2.15 (new optimizers, legacy namespace)",
            (("tensorflow==2.15.*", "keras==2.15.*", "numpy<2"),),
        ),
        Environment(
            "tf215-broken-k3",
            "TensorFlow 2.15 with Keras 3 installed over it (`pip install -U keras`)",
            (("tensorflow==2.15.*", "numpy<2"), ("keras>=3", "numpy<2")),
        ),
        Environment(
            "k3-jax",
            "Keras 3 on JAX, no TensorFlow, KERAS_BACKEND=jax",
            (("keras>=3", "jax[cpu]"),),
            env={"KERAS_BACKEND": "jax"},
        ),
        Environment("bare", "IPython only: no TensorFlow, no Keras", (("ipython",),)),
        Environment(
            "colab",
            "Colab's pins: IPython 7.34, ipykernel 6.17, ipywidgets 7.7, TF 2.20, Keras 3.13, tf_keras",
            (tuple(COLAB_PINS),),
            # Colab's runtime is Python 3.13 (googlecolab/backend-info, August 2026)
            prefer_python="3.13",
        ),
    ]
}


def _uv() -> str:
    """uv from PATH, else from the tool venv ``TOOLS`` (made once, quietly, with venv and pip)."""
    uv = shutil.which("uv")
    if uv:
        return uv
    tool = TOOLS / "bin" / "uv"
    if not tool.exists():
        quiet = {
            **os.environ,
            "PIP_ROOT_USER_ACTION": "ignore",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        steps = [
            [sys.executable, "-m", "venv", str(TOOLS)],
            [str(TOOLS / "bin" / "python"), "-m", "pip", "install", "-q", "uv"],
        ]
        for step in steps:
            proc = subprocess.run(step, env=quiet, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(
                    f"envs.py needs uv (https://docs.astral.sh/uv/): it is not on PATH, and "
                    f"installing it into {TOOLS} failed ({' '.join(step)}):\n"
                    + (proc.stderr or proc.stdout).strip()[-2000:]
                )
        print(f"envs.py: uv was not on PATH; installed it into {TOOLS}", file=sys.stderr)
    return str(tool)


_VERSION_CODE = "import platform, sys; print(sys.executable); print(platform.python_version())"


def _python_candidates(version: str) -> list[str]:
    """Where a ``version`` interpreter may be, without the network: ``pythonX.Y`` on PATH (a
    pyenv shim there runs only for the selected versions, hence the next places), then pyenv's
    ``$PYENV_ROOT/versions/X.Y.Z`` and ``~/.pyenv/versions/X.Y.Z``, newest first (releases only:
    not ``3.13.0t``, free-threaded, for which there are no TensorFlow wheels, nor ``3.13-dev``)."""
    name = f"python{version}"
    found = [shutil.which(name)]
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    release = re.compile(re.escape(version) + r"(\.\d+)*")
    for root in dict.fromkeys(r for r in roots if r):
        dirs = [d for d in Path(root, "versions").glob(f"{version}*") if release.fullmatch(d.name)]
        for d in sorted(dirs, key=lambda d: _version_key(d.name), reverse=True):
            found.append(str(d / "bin" / name))
    return [c for c in dict.fromkeys(found) if c and Path(c).is_file()]


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text))


def find_python(version: str) -> tuple[str, str] | None:
    """(path, full version) of a working CPython ``version`` interpreter on this machine, verified
    by running it; None where there is none. Never downloads one."""
    for candidate in _python_candidates(version):
        try:
            proc = subprocess.run(
                [candidate, "-c", _VERSION_CODE], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            continue
        lines = proc.stdout.split()
        if proc.returncode == 0 and len(lines) == 2:
            executable, full = lines
            if full == version or full.startswith(version + "."):
                return executable, full
    return None


def interpreter(env: Environment) -> tuple[str, str | None]:
    """What ``uv venv --python`` gets for ``env`` (a path or a version request) and the version
    it is expected to have (None where it cannot be told beforehand)."""
    if env.prefer_python and not PYTHON_FORCED:
        found = find_python(env.prefer_python)
        if found:
            return found[0], found[1]
    return PYTHON, PYTHON if re.fullmatch(r"\d+\.\d+(\.\d+)?", PYTHON) else None


def built_python(env: Environment) -> str | None:
    """The Python version ``env`` was built with: its marker, else its ``pyvenv.cfg``."""
    marker = env.path / ".kerasmagic-env.json"
    try:
        python = json.loads(marker.read_text()).get("python")
    except (OSError, ValueError):
        python = None
    if python:
        return str(python)
    try:
        cfg = (env.path / "pyvenv.cfg").read_text()
    except OSError:
        return None
    m = re.search(r"^version(?:_info)?\s*=\s*(\d+\.\d+\.\d+)", cfg, re.M)
    return m.group(1) if m else None


def python_note(env: Environment) -> str:
    """``python 3.13.0`` for the summary lines: the Python ``env`` was built with, and the one
    its next build would take where that differs (or where it is not built yet)."""
    built = built_python(env) if (env.path / ".kerasmagic-env.json").exists() else None
    _, wanted = interpreter(env)
    if built and _same_python(built, wanted):
        return f"python {built}"
    if built:
        return f"python {built} ({wanted} at the next build)"
    return f"python {wanted or PYTHON} when built"


def _same_python(built: str | None, wanted: str | None) -> bool:
    """Whether a ``built`` version satisfies the ``wanted`` one ("3.13" or "3.13.0"); an unknown
    side counts as the same (an environment built before versions were recorded is kept)."""
    if not built or not wanted:
        return True
    return built == wanted or built.startswith(wanted + ".")


def _pip_install(env: Environment, *args: str) -> None:
    # --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (this machine, CI's), nothing
    # compiled on import is kept, and every process that imports TensorFlow compiled its ~2,000
    # modules again: 7.4 s instead of 2.8 s per `import tensorflow` (TF 2.21, measured 2026-11-30)
    cmd = [_uv(), "pip", "install", "-q", "--compile-bytecode", "--python", str(env.python)]
    if EXCLUDE_NEWER:
        cmd += ["--exclude-newer", EXCLUDE_NEWER]
    cmd += args
    subprocess.run(cmd, check=True)


def build(env: Environment, *, force: bool = False) -> dict[str, object]:
    """Create ``env`` if missing (or ``force``, or built on another Python than it would be now:
    ``colab`` built on 3.11 is rebuilt once a 3.13 is installed); return the time, disk and
    Python version it took."""
    marker = env.path / ".kerasmagic-env.json"
    spec = env.spec
    python, wanted = interpreter(env)
    if not force and marker.exists():
        old = json.loads(marker.read_text())
        built = built_python(env)
        # markers written before EXCLUDE_NEWER existed were resolved at the default cut-off
        if (
            old.get("spec") == spec
            and old.get("compile_bytecode")  # built before installs compiled their bytecode
            and old.get("exclude_newer", EXCLUDE_NEWER) == EXCLUDE_NEWER
            and _same_python(built, wanted)
        ):
            return {**old, "python": built} if built else old
    start = time.perf_counter()
    if env.path.exists():
        shutil.rmtree(env.path)
    venv = [_uv(), "venv", "-q", "--python", python]
    if python != PYTHON:  # the preferred interpreter found here, by its path: never a download
        venv[3:3] = ["--python-preference", "only-system"]
    subprocess.run([*venv, str(env.path)], check=True)
    for step in env.steps:
        _pip_install(env, *step)
    if env.install_self:
        if env.name == "colab":
            _pip_install(env, *COLAB_PINS, *TEST_TOOLS, "-e", str(ROOT))
        else:
            _pip_install(env, *TEST_TOOLS, "-e", f"{ROOT}[widgets]", *env.steps[-1])
    info = {
        "spec": spec,
        "exclude_newer": EXCLUDE_NEWER,
        "compile_bytecode": True,
        "python": built_python(env) or wanted,
        "seconds": round(time.perf_counter() - start, 1),
        "megabytes": round(_disk_usage(env.path) / 1e6),
    }
    marker.write_text(json.dumps(info))
    return info


def _disk_usage(path: Path) -> int:
    total = 0
    seen: set[int] = set()
    for p in path.rglob("*"):
        try:
            st = p.lstat()
        except OSError:
            continue
        if p.is_file() and not p.is_symlink() and st.st_ino not in seen:
            seen.add(st.st_ino)
            total += st.st_size
    return total


def run_env(env: Environment) -> dict[str, str]:
    """The process environment to run ``env`` with."""
    out = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "KERAS_BACKEND")}
    out.update(env.env)
    out["KERASMAGIC_ENV"] = env.name
    out["VIRTUAL_ENV"] = str(env.path)
    out["PATH"] = f"{env.path / 'bin'}{os.pathsep}{out.get('PATH', '')}"
    out.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    out.setdefault("CUDA_VISIBLE_DEVICES", "")
    return out


def test(env: Environment, pytest_args: list[str]) -> tuple[int, str, float]:
    """Run the suite in ``env``; return (exit code, pytest's summary line, seconds)."""
    start = time.perf_counter()
    parallel = (
        PARALLEL_ARGS if env.has_xdist and not {"-n", "--numprocesses"} & set(pytest_args) else []
    )
    cmd = [str(env.python), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *parallel]
    cmd += pytest_args
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=run_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    last = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        if line.strip():
            last = line.strip()
    code = proc.wait()
    return code, last.strip("= "), time.perf_counter() - start


def _select(names: list[str]) -> list[Environment]:
    unknown = [n for n in names if n not in ENVIRONMENTS]
    if unknown:
        raise SystemExit(f"unknown environment(s): {', '.join(unknown)}; see `envs.py list`")
    return [ENVIRONMENTS[n] for n in names] if names else list(ENVIRONMENTS.values())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["list", "build", "test", "run", "path"])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    envs = _select(args.names)

    if args.command == "list":
        for e in envs:
            state = "built" if (e.path / ".kerasmagic-env.json").exists() else "not built"
            print(f"{e.name:16} {state:10} {e.description}  [{python_note(e)}]")
        return 0
    if args.command == "path":
        for e in envs:
            print(e.python)
        return 0
    if args.command == "build":
        for e in envs:
            info = build(e, force=args.force)
            python = f"python {info['python']}" if info.get("python") else "python ?"
            print(
                f"built {e.name:16} {info['seconds']:>7}s {info['megabytes']:>6} MB  {python}",
                flush=True,
            )
        return 0
    if args.command == "run":
        if len(envs) != 1 or not extra:
            raise SystemExit("usage: envs.py run NAME -- CMD ...")
        build(envs[0])
        return subprocess.call(extra, cwd=ROOT, env=run_env(envs[0]))
    # test: the next environment is built while this one's suite runs (a build mostly waits on
    # downloads and the disk, the suite on the CPU: from a bare machine that hides most builds).
    # All of them: `bare` first, built in seconds, so the first TensorFlow download overlaps a suite
    if not args.names:
        envs.sort(key=lambda e: e.name != "bare")
    results = []
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as builder:
        upcoming = [builder.submit(build, e, force=args.force) for e in envs[:1]]
        for i, e in enumerate(envs):
            t0 = time.perf_counter()
            built = upcoming.pop(0)
            if i + 1 < len(envs):
                upcoming.append(builder.submit(build, envs[i + 1], force=args.force))
            try:
                info = built.result()
            except subprocess.CalledProcessError as exc:
                failed = f"build failed: {exc}"
                results.append((e.name, 2, failed, time.perf_counter() - t0, 0, "python ?"))
                continue
            code, summary, _ = test(e, extra)  # seconds below: waiting for its build + tests
            python = f"python {info['python']}" if info.get("python") else "python ?"
            mb = info.get("megabytes", 0)
            results.append((e.name, code, summary, time.perf_counter() - t0, mb, python))
            # said as each environment ends: a run cut short (CI's time limit) still shows where
            # its time went
            status = "PASS" if code == 0 else "FAIL"
            done = time.perf_counter() - start
            print(f"== {e.name}: {status} in {results[-1][3]:.0f}s ({done:.0f}s so far) ==", flush=True)
    print("\n== environment summary ==")
    for name, code, summary, secs, mb, python in results:
        status = "PASS" if code == 0 else "FAIL"
        print(f"{status} {name:16} {secs:6.0f}s {mb:>6} MB  {python:14} {summary}")
    passed = sum(r[1] == 0 for r in results)
    total = time.perf_counter() - start
    print(f"== {passed}/{len(results)} environments passed in {total:.0f}s ==")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
