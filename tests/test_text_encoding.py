"""A text file that is not UTF-8, read without an encoding (rules/error_text_encoding.py): the
file's bytes are the evidence, the read gets the encoding its platform gave it when the code was
written (cp1252 where every byte decodes, else Latin-1; NumPy's ``loadtxt`` Latin-1), and the
corrected code reads the same characters."""

from __future__ import annotations

import pytest
from migrate_helpers import code_cells, migrate_notebook, rule_ids

import kerasmagic

TEXT = "It’s “quoted” — café\n" * 4


def _check(source: str):
    result = kerasmagic.check(source)
    assert result.error_type == "UnicodeDecodeError"
    return result


def test_a_file_object_bound_above_is_opened_in_the_windows_encoding(tmp_path) -> None:
    """The failing line reads ``f``; the ``open`` that bound it gets the encoding, and so does the
    cell's other read of the same file, which would fail next."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(TEXT.encode("cp1252"))
    source = (
        f"name = {str(corpus)!r}\n"
        "with open(name) as f:\n"
        "    text = f.read()\n"
        "again = open(name, 'r').read()\n"
        "print(len(set(text)), again == text)\n"
    )
    result = _check(source)
    assert [f.id for f in result.suggestions][:1] == ["text-file-encoding"]
    assert "with open(name, encoding='cp1252') as f:" in result.fixed_source
    assert "again = open(name, 'r', encoding='cp1252').read()" in result.fixed_source
    namespace: dict = {}
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    assert namespace["text"] == TEXT


def test_bytes_cp1252_leaves_undefined_are_read_as_latin_1(tmp_path) -> None:
    corpus = tmp_path / "odd.txt"
    corpus.write_bytes(b"caf\xe9 \x81 end\n")  # 0x81 has no cp1252 character
    result = _check(f"chars = sorted(set(open({str(corpus)!r}).read()))\n")
    assert f"open({str(corpus)!r}, encoding='latin-1')" in result.fixed_source


@pytest.mark.parametrize(
    "source",
    [
        "open(PATH, 'rb').read().decode('utf-8')\n",  # bytes decoded by the code itself
        "open(PATH, encoding='utf-8').read()\n",  # the code chose its encoding
    ],
)
def test_a_read_that_chose_its_encoding_is_left_as_it_is(tmp_path, source) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(TEXT.encode("cp1252"))
    result = _check(f"PATH = {str(corpus)!r}\n" + source)
    assert "text-file-encoding" not in [f.id for f in result.suggestions]


@pytest.mark.envs("tf221-k3", "colab", "tf215-k2", "tf221-legacy", "k3-jax", "tf215-broken-k3")
def test_numpy_loadtxt_of_an_earlier_cells_path_reads_latin_1_in_migrate(tmp_path) -> None:
    """NumPy before 1.23 read ``loadtxt`` files as Latin-1; the path is bound in an earlier cell."""
    table = tmp_path / "table.csv"
    table.write_bytes("1,2\n3,4\n# caf\xe9\n".encode("latin-1"))
    cells = [
        f"import numpy as np\nTABLE = {str(table)!r}\n",
        "data = np.loadtxt(TABLE, delimiter=',', comments='#')\nprint('rows', data.shape[0])\n",
    ]
    proc, doc = migrate_notebook(tmp_path, "table.ipynb", cells)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert "text-file-encoding" in rule_ids(doc)
    final = doc["cells"][1]["final"]
    assert "np.loadtxt(TABLE, delimiter=',', comments='#', encoding='latin-1')" in final
    outputs = code_cells(tmp_path / "out" / "table.ipynb")[-1].outputs
    assert "rows 2" in "".join(o.get("text", "") for o in outputs)
