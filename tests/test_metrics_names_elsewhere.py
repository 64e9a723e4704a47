"""``model.metrics_names`` read where a value is made, and that value used on a later line or in
a later cell (rules/error_metrics_names.py): ``results = dict(zip(model.metrics_names, scores))``
then ``results['accuracy']`` (KeyError: Keras 3 lists ``['loss', 'compile_metrics']``), or
``names = model.metrics_names`` then ``names[2]`` (IndexError). The names are changed where the
value is made: in the cell itself, or bound again at the top of the corrected cell by
``%%keras_check`` when a cell before made it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cell_helpers import keras3
from migrate_helpers import migrated_cells

from kerasmagic.diagnosis.engine import diagnose

SETUP = (
    "import numpy as np\nimport keras\n"
    "x = np.random.rand(64, 8).astype('float32')\ny = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)\n"
    "net = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation='softmax')])\n"
    "net.compile('adam', 'categorical_crossentropy', metrics=['accuracy', 'mae'])\n"
    "net.fit(x, y, epochs=1, verbose=0)"
)
SCORED = "scores = net.evaluate(x, y, verbose=0)\nresults = dict(zip(net.metrics_names, scores))"
READ = "print('accuracy %.3f, mae %.3f' % (results['accuracy'], results['mae']))"


@keras3
def test_a_dict_of_the_names_made_a_cell_before_is_made_again_with_evaluates_names():
    namespace: dict = {}
    for cell in (SETUP, SCORED):
        exec(compile(cell, "<cell>", "exec"), namespace)
    with pytest.raises(KeyError, match="accuracy") as raised:
        exec(compile(READ, "<read>", "exec"), namespace)
    result = diagnose(READ, raised.value, namespace=namespace, earlier=(SETUP, SCORED))
    assert "keras3-metrics-names" in [s.id for s in result.suggestions]
    fixed = result.fixed_source
    assert fixed.startswith(
        'results = dict(zip([m.name for group in net.metrics for m in getattr(group, "metrics", [group])], scores))\n'  # fmt: skip
    ), fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["results"]["accuracy"] == namespace["scores"][1]


@keras3
def test_the_same_in_one_cell_is_changed_on_the_line_that_makes_the_dict():
    cell = SCORED + "\n" + READ
    namespace: dict = {}
    exec(compile(SETUP, "<cell>", "exec"), namespace)
    with pytest.raises(KeyError) as raised:
        exec(compile(cell, "<cell>", "exec"), namespace)
    fixed = diagnose(cell, raised.value, namespace=namespace, earlier=(SETUP,)).fixed_source
    assert fixed.splitlines()[1].startswith("results = dict(zip([m.name for group in net.metrics"), fixed  # fmt: skip
    assert fixed.splitlines()[2] == READ


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_changes_the_dict_on_its_line_when_the_cell_fails_later(tmp_path: Path) -> None:
    # (made in a cell that ran, the names are rewritten after it ran: keras3-metrics-names-grouped)
    finals, shown = migrated_cells(tmp_path, "names.ipynb", [SETUP, SCORED + "\n" + READ])
    assert finals[1].startswith("scores = net.evaluate(x, y, verbose=0)\nresults = dict(zip([m.name for group in net.metrics"), finals[1]  # fmt: skip
    assert finals[1].endswith(READ)
    assert "accuracy 0." in shown and "mae 0." in shown, shown


@keras3
def test_an_old_metric_name_held_by_a_name_made_cells_before_is_renamed_there():
    """``.index(wanted)`` where ``wanted = 'acc'`` (Keras 2.2's name) was set cells before:
    the name gets the metric's Keras 3 name where it is made (``%%keras_check``: bound again at
    the top of the corrected cell), beside the model's names in ``evaluate``'s order."""
    settings = "wanted = 'acc'"
    read = "print(wanted, scores[net.metrics_names.index(wanted)])"
    namespace: dict = {}
    for cell in (settings, SETUP, SCORED):
        exec(compile(cell, "<cell>", "exec"), namespace)
    with pytest.raises(ValueError, match="'acc' is not in list") as raised:
        exec(compile(read, "<read>", "exec"), namespace)
    result = diagnose(read, raised.value, namespace=namespace, earlier=(settings, SETUP, SCORED))
    assert "keras3-metrics-names" in [s.id for s in result.suggestions]
    fixed = result.fixed_source
    assert "wanted = 'accuracy'" in fixed, fixed
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["wanted"] == "accuracy"
