"""The real-code harness's 'author' class: a NameError on a name the published code binds nowhere
, or bound only in a later cell of the notebook, and a code cell that is no Python
(tests/realcode/author_errors.py), and nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "realcode"
sys.path.insert(0, str(HERE))

from author_errors import bound_only_later, unbound_name, unparsable_cell  # noqa: E402


def failure(message: str, kind: str = "NameError") -> dict:
    return {"type": kind, "message": message}


MAIN = "import matplotlib.pyplot as plt\nfrom loss_plot import loss_plot\nloss_plot(h)\n"
HELPER = "def loss_plot(history):\n    plt.plot(history.history['loss'])\n"


def test_a_module_reading_a_name_it_never_binds_is_the_authors():
    assert unbound_name(failure("name 'plt' is not defined"), [MAIN, HELPER]) == "plt"


def test_a_notebook_reading_a_name_from_another_notebook_is_the_authors():
    cell = "%matplotlib inline\nY = to_categorical(y, nb_classes)\n"
    assert unbound_name(failure("name 'nb_classes' is not defined"), [cell]) == "nb_classes"


def test_a_name_the_code_binds_somewhere_is_not():
    # bound in a cell that may have failed, or removed by a change: not the author's
    source = "for epoch in range(3):\n    pass\nprint(epoch)\nimport numpy as np\nnp.ones(1)\n"
    assert unbound_name(failure("name 'np' is not defined"), [source]) is None


def test_names_a_star_import_or_pylab_could_bind_are_not():
    star = "from keras.layers import *\nMerge([a, b])\n"
    assert unbound_name(failure("name 'Merge' is not defined"), [star]) is None
    pylab = "%pylab inline\nplt.plot([1])\n"
    assert unbound_name(failure("name 'plt' is not defined"), [pylab]) is None


def test_other_errors_and_builtins_are_not():
    assert (
        unbound_name(failure("module 'keras' has no attribute 'x'", "AttributeError"), ["x"])
        is None
    )
    assert unbound_name(failure("name 'print' is not defined"), ["print(1)\n"]) is None
    assert unbound_name(None, ["a\n"]) is None


def notebook(*cells: str) -> str:
    import json

    return json.dumps({"cells": [{"cell_type": "code", "source": c} for c in cells]})


def test_prose_typed_into_a_code_cell_is_the_authors():
    prose = "Como se puede observar, el estimador Adam da una mejor precisión."
    text = notebook("%matplotlib inline\nimport numpy as np", prose)
    stop = {"type": "SyntaxError", "message": "invalid syntax", "code": prose}
    assert unparsable_cell(stop, text) == prose


def test_a_syntax_error_in_python_that_parses_elsewhere_is_not():
    # the published cell parses (magics left out): the SyntaxError came from a rewrite
    text = notebook("!pip install keras\nprint(1)")
    stop = {"type": "SyntaxError", "message": "invalid syntax", "code": "print(1)"}
    assert unparsable_cell(stop, text) is None
    assert unparsable_cell({"type": "NameError", "code": "print(1)"}, text) is None


def test_a_name_bound_only_in_a_later_cell_is_the_authors():
    text = notebook("import numpy as np", "Y_train.shape", "Y_train = np.eye(3)", "fit(Y_train)")
    stop = {"type": "NameError", "message": "name 'Y_train' is not defined", "code": "Y_train.shape"}
    assert bound_only_later(stop, text) == "Y_train"


def test_a_name_an_earlier_cell_binds_or_could_bind_is_not():
    # bound before (a change removed it), or bound by %run / a star import unseen: not the author's
    stop = {"type": "NameError", "message": "name 'np' is not defined", "code": "np.ones(1)"}
    assert bound_only_later(stop, notebook("import numpy as np", "np.ones(1)", "import numpy as np")) is None
    assert bound_only_later(stop, notebook("%run setup.py", "np.ones(1)", "import numpy as np")) is None
    assert bound_only_later(stop, notebook("from numpy import *", "np.ones(1)", "np = 1")) is None
    # bound nowhere later either: unbound_name decides that one
    assert bound_only_later(stop, notebook("x = 1", "np.ones(1)")) is None
    assert bound_only_later({**stop, "type": "AttributeError"}, notebook("np.ones(1)", "np = 1")) is None
