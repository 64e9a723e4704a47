"""What the report scripts write about a failure and a change, shared by
``corpus_report.py`` and the real-code reports (``realcode_render.py``, ``realcode_diff.py``),
which ``corpus_report.py`` reads in turn: kept apart so that no report imports another back."""

from __future__ import annotations

import difflib
import re

SITE_PACKAGES = re.compile(r"/\S*?/site-packages/")  # environment paths out of messages


def changed_lines(old: str, new: str) -> set[int]:
    """1-based numbers of the lines of ``new`` that the change from ``old`` wrote."""
    out: set[int] = set()
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            out.update(range(j1 + 1, j2 + 1))
    return out


def _fail(f: dict | None) -> str:
    if not f:
        return ""
    f = {**f, "message": SITE_PACKAGES.sub("", f["message"])}
    where = ""
    if f.get("code"):
        at = f"line {f['lineno']}" if f.get("lineno") else "cell starting"
        where = f" ({at}: `{f['code'][:90]}`)"
    msg = f["message"].replace("|", "\\|").replace("`", "'")[:140]
    return f"{f['type']}: {msg}{where}".replace("\n", " ")
