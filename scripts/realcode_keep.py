"""Keep the real-code harness's results in git, so that a later stop on a new machine can render
``docs/realcode_fix_rates.md`` from every measurement, not only its own (``/work/runs`` does not
survive a new machine). A sealed file's row keeps only what the report counts (split, kind,
whether it broke, was fixed, was flagged, needs an install, is the author's): its failure is
never written down, so nobody studies it.

    python3 scripts/realcode_keep.py RESULT.json [...]     # -> docs/realcode_runs/RESULT.json
    python3 scripts/realcode_report.py --from-json docs/realcode_runs/*.json   # render them all
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "docs" / "realcode_runs"
# what the report counts of a sealed file (scripts/realcode_render.py ``summary``)
SEALED_FIELDS = ("name", "kind", "split", "repo", "source", "license", "control", "runs_as_published", "fixed", "changed",
                 "needs_install", "author_error")  # fmt: skip


def kept_row(row: dict) -> dict:
    """A tuning row as measured; a sealed row with its counts only (``wrong`` as a flag)."""
    if row.get("split") != "sealed":
        return row
    out = {k: row[k] for k in SEALED_FIELDS if k in row}
    out["wrong"] = ["flagged"] if row.get("wrong") else []
    return out


def main(paths: list[str]) -> int:
    KEPT.mkdir(parents=True, exist_ok=True)
    for path in paths:
        docs = json.loads(Path(path).read_text())
        for doc in docs:
            doc["files"] = [kept_row(r) for r in doc["files"]]
        target = KEPT / Path(path).name
        target.write_text(json.dumps(docs, indent=1, sort_keys=True) + "\n")
        print(f"kept {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
