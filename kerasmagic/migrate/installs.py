"""Keep a notebook's package installs from running during a migration.

``!pip install tensorflow==1.15`` in an old notebook would change the very environment the
notebook is being migrated to (and needs the network): kerasmagic installs nothing. Such lines
run as ``pass`` placeholders of the same line (so positions stay the same) and are put back,
byte for byte, in the migrated cell.
"""

from __future__ import annotations

import re

INSTALL_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:[!%]|\w+\s*=\s*!)\s*"
    r"(?:\S*python[\d.]*\s+-m\s+|\{[^}]*\}\s+-m\s+|sudo\s+)?"
    r"(?:pip[\d.]*|uv\s+pip|conda|mamba|micromamba|apt|apt-get|yum|brew)\s+(?:-\S+\s+)*install\b"
)
PLACEHOLDER = "pass  # kerasmagic-migrate: install line {n} not run"


def neutralize(source: str) -> tuple[str, dict[str, str]]:
    """``(source to run, placeholder line → original line)``; unchanged when nothing installs.
    A continued line (``\\`` at its end) is replaced with its continuation."""
    lines = source.split("\n")
    originals: dict[str, str] = {}
    i = 0
    while i < len(lines):
        match = INSTALL_LINE.match(lines[i])
        if match:
            end = i
            while lines[end].rstrip().endswith("\\") and end + 1 < len(lines):
                end += 1
            placeholder = match.group("indent") + PLACEHOLDER.format(n=len(originals) + 1)
            originals[placeholder] = "\n".join(lines[i : end + 1])
            lines[i : end + 1] = [placeholder] + [""] * (end - i)
            i = end + 1
        else:
            i += 1
    return "\n".join(lines), originals


def restore(source: str, originals: dict[str, str]) -> str | None:
    """Put the original install lines back into ``source`` (a rewrite of the neutralized text);
    None if a placeholder was edited away (the rewrite is then not applied)."""
    if not originals:
        return source
    lines = source.split("\n")
    out: list[str] = []
    found = 0
    skip = 0
    for line in lines:
        if skip:
            skip -= 1
            if line == "":
                continue
        if line in originals:
            original = originals[line]
            out.append(original)
            found += 1
            skip = original.count("\n")
        else:
            out.append(line)
    return "\n".join(out) if found == len(originals) else None


def notes(originals: dict[str, str]) -> list[str]:
    """One line per install that was not run, for the report."""
    return [
        f"`{line.strip()}` was not run: kerasmagic installs nothing (check that it does not pin "
        "the old versions this migration moves away from)"
        for line in originals.values()
    ]
