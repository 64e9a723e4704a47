"""A TensorFlow 1 session handed to Keras and read again cells later (rules/tf1_session.py).

``sess = tf.Session(); K.set_session(sess)`` in the first cell, then classes given ``sess`` to run
their own graph (an actor-critic agent's ``self.sess.run(...)``). TensorFlow 2 has no session for
Keras, but the session line must stay: removing it with the hand-over made the later cell fail
on a name the migration had deleted ("name 'sess' is not defined"), a failure of its own making.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import migrate_notebook, rule_ids

CELLS = [
    "import tensorflow as tf\nimport keras.backend as K\nsess = tf.Session()\nK.set_session(sess)",
    "class Agent:\n    def __init__(self, session):\n        self.session = session",
    "agent = Agent(sess)\nprint(type(agent.session).__name__)",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_session_read_by_a_later_cell_is_never_deleted(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "session_read_later.ipynb", CELLS)
    assert "tf1-session-gpu-growth" not in rule_ids(doc)
    assert "sess = tf" in doc["cells"][0]["final"], doc["cells"][0]["final"]
    assert "name 'sess' is not defined" not in str(doc), doc["message"]
