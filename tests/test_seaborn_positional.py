"""seaborn plots given their data variables by position, as seaborn before 0.12 took them
(rules/error_seaborn_positional.py): each value is passed by the name it had in seaborn 0.10's
order. Against Colab's seaborn 0.13."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.envs("colab")


def _fixed(source: str) -> tuple[str, list[str]]:
    import kerasmagic

    result = kerasmagic.check(source)
    assert result.error_type == "TypeError", result.error_message
    return result.fixed_source or "", [s.id for s in result.suggestions]


def test_labels_and_counts_and_a_regression_plot_take_their_old_names(monkeypatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    plt.close("all")  # the bars are drawn on the current axes: a fresh figure
    fixed, seen = _fixed(
        "import seaborn as sb\nimport pandas as pd\n"
        "counts = pd.Series([5, 3, 8], index=['cat', 'dog', 'fox'])\n"
        "ax = sb.barplot(counts.index, counts.values, palette='Blues_d')\n"
    )
    assert seen == ["seaborn-positional-variables"]
    assert "ax = sb.barplot(x=counts.index, y=counts.values, palette='Blues_d')" in fixed, fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert [t.get_text() for t in namespace["ax"].get_xticklabels()] == ["cat", "dog", "fox"]
    fixed, _ = _fixed(
        "import seaborn as sb\nimport pandas as pd\n"
        "frame = pd.DataFrame({'epoch': [1, 2, 3, 4], 'loss': [0.9, 0.5, 0.4, 0.3]})\n"
        "grid = sb.lmplot('epoch', 'loss', frame, height=2)\n"
    )
    assert "grid = sb.lmplot(x='epoch', y='loss', data=frame, height=2)" in fixed, fixed
    exec(compile(fixed, "<fixed>", "exec"), {})
