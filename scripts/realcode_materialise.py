"""Check that every file of the real-code corpus (tests/realcode/manifest/*.toml) is in
``.realcode/files`` with its manifest sha256, and restore missing ones (and their data files)
from a snapshot fetched with the search tool (``/work/.mirror/<owner>+<name>/repo``, read with
``git show COMMIT:PATH``); report what is still missing.

    python3 scripts/realcode_materialise.py [--only NAME ...] [--mirror /work/.mirror] [--check]

Exit 1 when a file is still missing or has other bytes than the manifest says. ``--check``
restores nothing."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "realcode"))

import corpus  # noqa: E402  (tests/realcode/corpus.py)

MIRROR = Path("/work/.mirror")


def git_dir(mirror: Path, repo: str) -> Path | None:
    base = mirror / repo.replace("/", "+")
    for cand in (base / "repo", base / "repo" / ".git", base, base / ".git"):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
    return None


def git_show(gdir: Path, commit: str, path: str) -> bytes | None:
    proc = subprocess.run(
        ["git", f"--git-dir={gdir}", "show", f"{commit}:{path}"], capture_output=True
    )
    return proc.stdout if proc.returncode == 0 else None


def materialise(entry: corpus.Entry, base: Path, mirror: Path, restore: bool = True) -> list[str]:
    """Problems left for ``entry`` ([] when its file and data files are in place)."""
    problems: list[str] = []
    target = entry.file(base)
    gdir = git_dir(mirror, entry.repo) if restore else None
    if not target.is_file() and gdir is not None:
        blob = git_show(gdir, entry.commit, entry.path)
        if blob is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob)
    if not target.is_file():
        why = "" if gdir or not restore else f" (no snapshot of {entry.repo}: fetch it)"
        problems.append(f"missing {target}{why}")
    elif corpus.sha256_file(target) != entry.sha256:
        problems.append(f"{target}: sha256 differs from the manifest's")
    for path in entry.data:
        dest = entry.data_file(path, base)
        if not dest.is_file() and gdir is not None:
            blob = git_show(gdir, entry.commit, path)
            if blob is not None:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(blob)
        if not dest.is_file():
            problems.append(f"missing data file {dest}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="only these names")
    parser.add_argument("--mirror", default=str(MIRROR))
    parser.add_argument("--check", action="store_true", help="restore nothing, only check")
    args = parser.parse_args(argv)
    entries = corpus.select(corpus.load(), "all", args.only)
    base = corpus.files_dir()
    bad = 0
    for e in entries:
        problems = materialise(e, base, Path(args.mirror), restore=not args.check)
        for p in problems:
            print(f"{e.name}: {p}")
        bad += bool(problems)
    print(f"{len(entries) - bad} of {len(entries)} corpus files in place in {base}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
