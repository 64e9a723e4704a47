"""Write kerasmagic/diagnosis/rule_manifest.py from the rule registry.

    python3 scripts/rule_manifest.py           # write it
    python3 scripts/rule_manifest.py --check   # exit 1 when it differs from the registry

The manifest tells the engine, without importing a rule module, whether one of its rules could
apply to a cell (moments, kind, ``needs=``, ``errors=``). Run this after adding or changing a
rule's ``@rule(...)``; tests/test_rules_architecture.py fails until then.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kerasmagic.diagnosis import rules  # noqa: E402

TARGET = ROOT / "kerasmagic" / "diagnosis" / "rule_manifest.py"

HEADER = '''"""Which rules each rule module registers: moments, kind, ``needs=`` patterns, ``errors=``.

Generated from the registry by ``python3 scripts/rule_manifest.py``; do not edit.
``tests/test_rules_architecture.py`` fails when it differs from the registry. The engine reads it
to import a rule module only when one of its rules could apply to the cell.
"""

# module: [(moments, kind, needs, errors), ...] in the order the module registers its rules
MANIFEST: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]]] = {
'''


def _literal(value: object) -> str:
    """``value`` (strings and tuples of them) as Python source, formatted as ruff formats it."""
    if isinstance(value, str):
        return json.dumps(value)
    items = [_literal(v) for v in value]  # type: ignore[union-attr]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def render(manifest: dict) -> str:
    """The manifest module's text for ``manifest`` (``rules.manifest()``)."""
    lines = [HEADER]
    for module, entries in manifest.items():
        lines.append(f"    {_literal(module)}: [\n")
        lines.extend(f"        {_literal(entry)},\n" for entry in entries)
        lines.append("    ],\n")
    lines.append("}\n")
    return "".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is up to date")
    args = parser.parse_args()
    manifest = rules.manifest()
    if args.check:
        written = importlib.import_module("kerasmagic.diagnosis.rule_manifest").MANIFEST
        same = written == manifest
        print("up to date" if same else f"{TARGET} is out of date: run {__file__}")
        return 0 if same else 1
    TARGET.write_text(render(manifest))
    ruff = shutil.which("ruff")
    if ruff:  # its long lines folded as the project's formatter folds them
        subprocess.run([ruff, "format", "-q", str(TARGET)], check=False)
    print(f"wrote {TARGET.relative_to(ROOT)}: {sum(map(len, manifest.values()))} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
