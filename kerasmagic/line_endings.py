"""A file's line endings kept line by line when kerasmagic writes its corrected source back.

The engine reads a source with Python's universal newlines (``\\r\\n`` and ``\\r`` are ``\\n``).
Written back, every line it did not change keeps the ending it had in the file, byte for byte
(a file that mixes ``\\n`` and ``\\r\\n`` stays mixed); a changed line takes the ending of the line
it replaces, a new line the file's most common ending.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


def split(text: str) -> list[tuple[str, str]]:
    """``text`` as (line, ending) pairs; the last line's ending is ``""`` when it has none."""
    pairs = [(m.group(1), m.group(2)) for m in _LINE.finditer(text)]
    if pairs and pairs[-1] == ("", ""):
        pairs.pop()  # the empty match after a final ending, or of an empty text
    return pairs


def universal(text: str) -> str:
    """``text`` with every ``\\r\\n`` and lone ``\\r`` made ``\\n``, as Python reads a source."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def restore(stored: str, text: str) -> str:
    """``text`` (``\\n`` endings) with the endings of ``stored``, the file as it was read."""
    old, new = split(stored), split(text)
    if all(e in ("\n", "") for _, e in old):
        return text
    counted = Counter(e for _, e in old if e)
    usual = counted.most_common(1)[0][0] if counted else "\n"
    plain = [(line, bool(end)) for line, end in old]
    wanted = [(line, bool(end)) for line, end in new]
    out: list[str] = []
    matcher = SequenceMatcher(None, plain, wanted, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k, (line, end) in enumerate(new[j1:j2]):
            if tag == "equal":
                out.append(line + old[i1 + k][1])
            elif not end:
                out.append(line)
            elif tag == "replace":
                out.append(line + (old[min(i1 + k, i2 - 1)][1] or usual))
            else:
                out.append(line + usual)
    return "".join(out)
