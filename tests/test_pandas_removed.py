"""pandas methods a Keras-2-era notebook prepares its data and logs its training with, removed
by pandas 1.0 and 2.0 (``as_matrix``, ``.ix``, ``append``, ``read_csv(squeeze=True)``): the
corrected cell writes what pandas's deprecation named, decided from the live objects
(rules/error_pandas_removed.py). Only Colab's environment has pandas."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.envs("colab")


def _run_corrected(source: str, rounds: int = 4) -> tuple[dict, list[str]]:
    import kerasmagic

    seen: list[str] = []
    for _ in range(rounds):
        result = kerasmagic.check(source)
        if result.error_type is None:
            break
        seen += [s.id for s in result.suggestions]
        assert result.fixed_source is not None, (result.error_message, seen)
        source = result.fixed_source
    namespace: dict = {}
    exec(compile(source, "<fixed>", "exec"), namespace)
    return namespace, seen


def test_features_and_labels_come_out_of_the_frame_as_before(tmp_path: Path, monkeypatch) -> None:
    import numpy as np

    monkeypatch.chdir(tmp_path)
    (tmp_path / "labels.csv").write_text("label\n0\n1\n1\n")
    source = (
        "import pandas\n"
        "table = pandas.DataFrame({'w': [1.0, 2.0, 3.0], 'h': [4.0, 5.0, 6.0], 'kind': ['a', 'b', 'a']},\n"  # fmt: skip
        "                         index=[10, 20, 30])\n"
        "features = table.iloc[:, 0:2].as_matrix()\n"
        "widths = table.as_matrix(columns=['w'])\n"
        "middle = table.ix[20, 'h']\n"
        "labels = pandas.read_csv('labels.csv', squeeze=True)\n"
    )
    namespace, seen = _run_corrected(source)
    assert set(seen) == {"pandas-removed-api"}
    np.testing.assert_array_equal(namespace["features"], [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    np.testing.assert_array_equal(namespace["widths"], [[1.0], [2.0], [3.0]])
    assert namespace["middle"] == 5.0  # an integer index: .ix read the label 20, not position 20
    assert list(namespace["labels"]) == [0, 1, 1] and namespace["labels"].ndim == 1


def test_a_training_log_grows_one_row_per_epoch_and_a_list_append_is_left_alone() -> None:
    source = (
        "import pandas as pd\n"
        "history_rows = []\n"
        "log = pd.DataFrame(columns=['epoch', 'loss'])\n"
        "for epoch in range(3):\n"
        "    history_rows.append(epoch)\n"
        "    row = pd.Series({'epoch': epoch, 'loss': 0.5 ** epoch})\n"
        "    snapshot = row.to_frame().T\n"
        "    log = log.append(row, ignore_index=True); history_rows.append(snapshot)\n"
    )
    namespace, seen = _run_corrected(source)
    assert seen == ["pandas-removed-api"]
    rows = namespace["history_rows"]  # the list's appends, untouched
    assert rows[0::2] == [0, 1, 2] and [len(frame) for frame in rows[1::2]] == [1, 1, 1]
    assert list(namespace["log"]["loss"]) == [1.0, 0.5, 0.25]
    assert list(namespace["log"].index) == [0, 1, 2]


def test_methods_pandas_renamed_are_called_by_their_other_name() -> None:
    source = (
        "import pandas as pd\n"
        "frame = pd.DataFrame({'age': [20.0, None, 40.0], 'fare': [7.0, 8.0, 9.0]})\n"
        "means = {}\n"
        "for column, values in frame.iteritems():\n"
        "    means[column] = values.valid().mean()\n"
        "rising = frame['fare'].is_monotonic\n"
    )
    namespace, seen = _run_corrected(source)
    assert set(seen) == {"pandas-removed-api"}
    assert namespace["means"] == {"age": 30.0, "fare": 8.0}
    assert namespace["rising"] is True


def test_a_column_reshaped_and_one_cell_read_and_written_as_pandas_said() -> None:
    source = (
        "import pandas as pd\n"
        "frame = pd.DataFrame({'price': [3.0, 4.0, 5.0]}, index=['a', 'b', 'c'])\n"
        "prices = frame['price'].reshape(-1, 1)\n"
        "frame.set_value('b', 'price', 40.0)\n"
        "second = frame.get_value('b', 'price')\n"
    )
    namespace, seen = _run_corrected(source)
    assert set(seen) == {"pandas-removed-api"}
    assert namespace["prices"].shape == (3, 1) and namespace["second"] == 40.0


def test_a_reader_skipping_bad_lines_skips_the_same_ones(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tweets.csv").write_text("text,label\ngood day,1\nbad, line, here,0\nfine,0\n")
    source = (
        "import pandas as pd\n"
        "warned = pd.read_csv('tweets.csv', error_bad_lines=False)\n"
        "quiet = pd.read_csv('tweets.csv', error_bad_lines=False, warn_bad_lines=False)\n"
    )
    namespace, seen = _run_corrected(source)
    assert set(seen) == {"pandas-removed-api"}
    assert list(namespace["warned"]["text"]) == list(namespace["quiet"]["text"]) == ["good day", "fine"]  # fmt: skip
