"""Add published files to a real-code manifest from a fetched snapshot: the exact bytes of one
commit go to ``.realcode/files/<name>``, the entry (commit, sha256, license guessed from the
repository's LICENSE file at that commit: check it) is appended to
``tests/realcode/manifest/<collector>.toml``.

    python3 scripts/realcode_add.py c1 OWNER/NAME PATH ... [--short SHORT] [--commit C]
                                    [--control runs|keras-api-error] [--data PATH ...]

The commit is the newest one that touched PATH in the snapshot unless --commit says otherwise.
Then check the control: python3 scripts/realcode_report.py tf215-k2 --control --only NAME"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "realcode"))
sys.path.insert(0, str(ROOT / "scripts"))

import corpus  # noqa: E402
from realcode_materialise import MIRROR, git_dir, git_show  # noqa: E402

LICENSES = (
    ("MIT License", "MIT"),
    ("Permission is hereby granted, free of charge", "MIT"),
    ("Apache License", "Apache-2.0"),
    ("GNU GENERAL PUBLIC LICENSE", "GPL"),
    ("BSD", "BSD"),
    ("Creative Commons", "CC"),
    ("Unlicense", "Unlicense"),
)


def git(gdir: Path, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={gdir}", *args], capture_output=True, text=True, check=True
    ).stdout


def license_of(gdir: Path, commit: str) -> str:
    names = git(gdir, "ls-tree", "--name-only", commit).split("\n")
    for n in names:
        if re.match(r"(?i)^(licen[cs]e|copying)(\.\w+)?$", n):
            text = (git_show(gdir, commit, n) or b"").decode("utf-8", "replace")
            for marker, spdx in LICENSES:
                if marker.lower() in text.lower():
                    return spdx
            return f"see {n}"
    return "none stated"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("collector")
    p.add_argument("repo")
    p.add_argument("paths", nargs="+")
    p.add_argument("--short", help="repository short name in the slug (default: its name)")
    p.add_argument("--commit")
    p.add_argument("--control", default="runs", choices=corpus.CONTROLS)
    p.add_argument("--data", nargs="*", default=[])
    p.add_argument("--note", default="")
    args = p.parse_args(argv)
    gdir = git_dir(MIRROR, args.repo)
    if gdir is None:
        print(f"no snapshot of {args.repo} in {MIRROR}: fetch it first", file=sys.stderr)
        return 1
    manifest = corpus.MANIFEST_DIR / f"{args.collector}.toml"
    known = {e.name for e in corpus.load()}
    short = slug(args.short or args.repo.split("/")[1])
    for path in args.paths:
        commit = args.commit or git(gdir, "log", "-1", "--format=%H", "HEAD", "--", path).strip()
        blob = git_show(gdir, commit, path)
        if not commit or blob is None:
            print(f"{path}: not in {args.repo} at {commit or 'any commit'}", file=sys.stderr)
            continue
        stem = slug(Path(path).stem)
        name = f"{short}__{stem}"
        if name in known:
            name = f"{short}__{slug(str(Path(path).with_suffix('')).replace('/', '_'))}"
        if name in known:
            print(f"{name}: already listed", file=sys.stderr)
            continue
        kind = "notebook" if path.endswith(".ipynb") else "script"
        dest = corpus.files_dir() / (name + corpus.KINDS[kind])
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(blob)
        data = "".join(f'"{d}", ' for d in args.data).rstrip(", ")
        entry = (
            f'\n[[file]]\nname = "{name}"\nkind = "{kind}"\nrepo = "{args.repo}"\n'
            f'path = "{path}"\ncommit = "{commit}"\nlicense = "{license_of(gdir, commit)}"\n'
            f'sha256 = "{hashlib.sha256(blob).hexdigest()}"\n'
            + (f"data = [{data}]\n" if args.data else "")
            + f'control = "{args.control}"\n'
            + (f'note = "{args.note}"\n' if args.note else "")
        )
        with manifest.open("a", encoding="utf-8") as f:
            f.write(entry)
        known.add(name)
        print(f"{name} ({corpus.split_of(name)}) <- {args.repo}@{commit[:10]}:{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
