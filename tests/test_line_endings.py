"""``kerasmagic.line_endings``: a corrected source written back keeps, byte for byte, the ending
of every line the fix did not change (issue 32, item 13) — in every environment."""

from __future__ import annotations

import pytest

from kerasmagic.line_endings import restore, split, universal

MIXED = "import os\r\nfrom keras.optimizers import adam\nx = 1\r\nopt = adam(0.1)\r\nprint(x)"


def test_split_keeps_each_ending() -> None:
    assert split(MIXED) == [
        ("import os", "\r\n"),
        ("from keras.optimizers import adam", "\n"),
        ("x = 1", "\r\n"),
        ("opt = adam(0.1)", "\r\n"),
        ("print(x)", ""),
    ]
    assert split("") == [] and split("a\n") == [("a", "\n")] and split("\r\r") == [("", "\r")] * 2
    assert "".join(line + end for line, end in split(MIXED)) == MIXED


def test_universal_reads_as_python_does() -> None:
    assert universal("a\r\nb\rc\n") == "a\nb\nc\n"


def test_unchanged_lines_keep_their_endings_and_changed_ones_those_they_replace() -> None:
    fixed = universal(MIXED).replace("adam", "Adam")
    assert restore(MIXED, fixed) == MIXED.replace("adam", "Adam")
    assert restore(MIXED, universal(MIXED)) == MIXED


def test_an_inserted_line_takes_the_most_common_ending() -> None:
    fixed = "import os\nimport keras\nfrom keras.optimizers import adam\nx = 1\nopt = adam(0.1)\nprint(x)"  # fmt: skip
    assert restore(MIXED, fixed) == MIXED.replace("import os\r\n", "import os\r\nimport keras\r\n")


def test_a_removed_line_leaves_the_others_as_they_were() -> None:
    fixed = universal(MIXED).replace("x = 1\n", "")
    assert restore(MIXED, fixed) == MIXED.replace("x = 1\r\n", "")


@pytest.mark.parametrize("stored", ["a\nb\n", "a\r\nb\r\n", "a\rb\r", "a\r\nb"])
def test_a_file_of_one_ending_stays_so(stored: str) -> None:
    ending = split(stored)[0][1]
    assert restore(stored, "a\nB\nc\n") == f"a{ending}B{ending}c{ending}"
