"""Keep a notebook's package installs from running during a migration.

``!pip install tensorflow==1.15`` in an old notebook would change the very environment the
notebook is being migrated to (and needs the network): kerasmagic installs nothing. Such lines
run as ``pass`` placeholders of the same line (so positions stay the same) and are put back,
byte for byte, in the migrated cell.

The policy, since migrate runs the notebook's own code and cannot see every spelling of an
install: the forms IPython writes are blocked — ``!pip install``, ``%pip``/``%conda install``,
their ``get_ipython().system(...)`` / ``.run_line_magic('pip', ...)`` spellings (scripts exported
from notebooks) and install lines inside a ``%%bash``/``%%sh`` cell; a cell that runs other shell
commands (``!``, ``%%bash``, ``os.system``, ``subprocess``) is named in the report
(:func:`shell_notes`), because what such a command does is not kerasmagic's to see.
"""

from __future__ import annotations

import re

INSTALL_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:[!%]|\w+\s*=\s*!)\s*"
    r"(?:\S*python[\d.]*\s+-m\s+|\{[^}]*\}\s+-m\s+|sudo\s+)?"
    r"(?:pip[\d.]*|uv\s+pip|conda|mamba|micromamba|apt|apt-get|yum|brew)\s+(?:-\S+\s+)*install\b"
)
_INSTALLER = (
    r"(?:\S*python[\d.]*\s+-m\s+|\{[^}]*\}\s+-m\s+|sudo\s+)?"
    r"(?:pip[\d.]*|uv\s+pip|conda|mamba|micromamba|apt|apt-get|yum|brew)\s+(?:-\S+\s+)*install\b"
)
# get_ipython().system("pip install …"), .getoutput(…), .run_line_magic("pip", "install …")
IPYTHON_INSTALL_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:\w+\s*=\s*)?get_ipython\(\)\s*\.\s*"
    r"(?:system|getoutput|run_line_magic)\(\s*[rfbu]*['\"]"
    r"(?:(?:pip[\d.]*|conda|mamba)['\"]\s*,\s*[rfbu]*['\"]\s*(?:-\S+\s+)*install\b|\s*"
    + _INSTALLER
    + ")"
)
SHELL_CELL = re.compile(r"^\s*%%(?:bash|sh|script\s+(?:ba|z)?sh)\b")
SHELL_INSTALL_LINE = re.compile(r"^(?P<indent>[ \t]*)" + _INSTALLER)
PLACEHOLDER = "pass  # kerasmagic-migrate: install line {n} not run"
SHELL_PLACEHOLDER = ":  # kerasmagic-migrate: install line {n} not run"
SHELL_COMMAND = re.compile(
    r"^[ \t]*(?:\w+\s*=\s*)?!|^[ \t]*%(?:%bash|%sh|%script|%system|sx|system)\b"
    r"|\bos\.(?:system|popen)\(|\bsubprocess\.\w+\(|get_ipython\(\)\s*\.\s*(?:system|getoutput)\(",
    re.MULTILINE,
)


def neutralize(source: str) -> tuple[str, dict[str, str]]:
    """``(source to run, placeholder line → original line)``; unchanged when nothing installs.
    A continued line (``\\`` at its end) is replaced with its continuation."""
    lines = source.split("\n")
    originals: dict[str, str] = {}
    shell = bool(SHELL_CELL.match(lines[0]))
    patterns = (SHELL_INSTALL_LINE,) if shell else (INSTALL_LINE, IPYTHON_INSTALL_LINE)
    template = SHELL_PLACEHOLDER if shell else PLACEHOLDER
    i = 1 if shell else 0
    while i < len(lines):
        match = next((m for p in patterns if (m := p.match(lines[i]))), None)
        if match:
            end = i
            while lines[end].rstrip().endswith("\\") and end + 1 < len(lines):
                end += 1
            placeholder = match.group("indent") + template.format(n=len(originals) + 1)
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


def shell_notes(source: str) -> list[str]:
    """One line for a cell (``source`` as it ran, installs blocked) that runs shell commands."""
    if not SHELL_COMMAND.search(source):
        return []
    return [
        "this cell runs shell commands (`!`, `%%bash`, `os.system`, `subprocess`): migrate ran "
        "them as the notebook does, and blocks only the package installs it can see"
    ]
