"""Strip outputs and execution counts from notebooks, so stored notebooks carry code and prose only.

    python scripts/strip_notebooks.py [NOTEBOOK ...]    # default: notebooks/*.ipynb
    python scripts/strip_notebooks.py --check [...]     # exit 1 and list notebooks not stripped

Cell ``tags`` (and Colab's ``id``) are kept; every other cell metadata key, widget state and the
interpreter's ``language_info.version`` are dropped. Plain ``json``: no Jupyter package needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEPT_CELL_METADATA = ("tags", "id")
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info", "colab", "accelerator")


def stripped(nb: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``nb`` without outputs, execution counts or volatile metadata."""
    nb = json.loads(json.dumps(nb))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        meta = cell.get("metadata", {})
        cell["metadata"] = {k: meta[k] for k in KEPT_CELL_METADATA if k in meta}
        if "attachments" in cell and not cell["attachments"]:
            del cell["attachments"]
    meta = nb.get("metadata", {})
    kept = {k: meta[k] for k in KEPT_NOTEBOOK_METADATA if k in meta}
    if "language_info" in kept:
        kept["language_info"] = {"name": kept["language_info"].get("name", "python")}
    nb["metadata"] = kept
    return nb


def dumps(nb: dict[str, Any]) -> str:
    """The notebook as nbformat writes it (indent 1, sorted keys, trailing newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def default_paths() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; fail if not stripped")
    args = parser.parse_args(argv)
    dirty = []
    for path in args.notebooks or default_paths():
        text = path.read_text(encoding="utf-8")
        clean = dumps(stripped(json.loads(text)))
        if clean == text:
            continue
        dirty.append(path)
        if not args.check:
            path.write_text(clean, encoding="utf-8")
    verb = "not stripped" if args.check else "stripped"
    for path in dirty:
        print(f"{verb}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
