"""A keyword its library's own documentation says was renamed (rules/documented_renames.py): the
call is rewritten to the new name only on that evidence, and the corrected cell runs."""

from __future__ import annotations

import sys
import textwrap

import pytest

from kerasmagic.diagnosis.engine import diagnose

LIBRARY = '''
class Encoder:
    """One-hot encoder of a library that renamed an argument.

    Parameters
    ----------
    sparse_output : bool, default=True
        Whether to return a sparse matrix.

        .. versionadded:: 1.2
           `sparse` was renamed to `sparse_output`
    """

    def __init__(self, handle_unknown="error", sparse_output=True):
        self.sparse_output = sparse_output


def scale(values, *, copy_input=True):
    """Scale values. ``copy`` was renamed to ``copy_input`` in 2.0."""
    return values


def clip(values, *, upper=1.0):
    """Clip values. `limit` was renamed to `ceiling`."""
    return values
'''


@pytest.fixture
def library(tmp_path, monkeypatch):
    (tmp_path / "renamedlib.py").write_text(textwrap.dedent(LIBRARY), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("renamedlib", None)


def _diagnose(source: str):
    namespace: dict = {"__name__": "__main__"}
    with pytest.raises(TypeError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    return diagnose(source, raised.value, namespace=namespace), namespace


@pytest.mark.parametrize(
    "source, rewritten",
    [
        (
            "from renamedlib import Encoder\nenc = Encoder(handle_unknown='ignore', sparse=False)\n",
            "enc = Encoder(handle_unknown='ignore', sparse_output=False)",
        ),
        (
            "import renamedlib as rl\nout = rl.scale([1], copy=False)\n",
            "rl.scale([1], copy_input=False)",
        ),
    ],
)
def test_the_documented_new_name_replaces_the_old_and_the_cell_runs(library, source, rewritten):
    result, _ = _diagnose(source)
    assert [f.id for f in result.suggestions][:1] == ["documented-keyword-rename"]
    assert rewritten in result.fixed_source
    exec(compile(result.fixed_source, "<fixed>", "exec"), {"__name__": "__main__"})
    cause = result.suggestions[0].cause
    assert "renamed to" in cause  # the library's own sentence is quoted as the evidence


def test_an_earlier_cells_import_counts(library):
    import renamedlib

    namespace = {"__name__": "__main__", "Encoder": renamedlib.Encoder}
    source = "enc = Encoder(sparse=False)\n"
    with pytest.raises(TypeError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    result = diagnose(source, raised.value, namespace=namespace)
    assert result.fixed_source == "enc = Encoder(sparse_output=False)\n"


def test_no_rename_without_the_evidence(library):
    # the documentation names a new name the signature does not take: no rewrite
    result, _ = _diagnose("import renamedlib\nrenamedlib.clip([1], limit=2)\n")
    assert "documented-keyword-rename" not in [f.id for f in result.suggestions]
    # a function of the user's own: its docstring is not a library's word
    source = (
        "def mine(x, new=1):\n    '''`old` was renamed to `new`.'''\n    return x\nmine(1, old=2)\n"
    )
    result, _ = _diagnose(source)
    assert "documented-keyword-rename" not in [f.id for f in result.suggestions]


@pytest.fixture
def sklearn_stand_in(stand_in_package):
    """A stand-in for scikit-learn (no test environment installs it; the real-code corpus runs
    the real one, 1.7): a TSNE whose docstring no longer tells of its renamed argument."""
    stand_in_package(
        "sklearn",
        {
            "__init__.py": "__version__ = '1.7.1'\n",
            "manifold/__init__.py": "from sklearn.manifold._t_sne import TSNE\n",
            "manifold/_t_sne.py": "class TSNE:\n"
            "    '''T-distributed Stochastic Neighbor Embedding.'''\n"
            "    def __init__(self, n_components=2, *, perplexity=30.0, max_iter=None):\n"
            "        self.max_iter = max_iter\n",
        },
    )


def test_a_rename_only_the_release_notes_tell_of_is_made_from_the_catalogue(sklearn_stand_in):
    """scikit-learn 1.5 renamed ``TSNE(n_iter=)`` to ``max_iter=`` and 1.7 removed it; the table
    of its release notes (``released-keyword-rename-scikit-learn``) is the evidence."""
    source = "from sklearn import manifold\nembedder = manifold.TSNE(2, perplexity=5, n_iter=300)\n"
    result, _ = _diagnose(source)
    assert [f.id for f in result.suggestions][:1] == ["released-keyword-rename-scikit-learn"]
    assert "manifold.TSNE(2, perplexity=5, max_iter=300)" in result.fixed_source
    namespace: dict = {"__name__": "__main__"}
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    assert namespace["embedder"].max_iter == 300
    assert "scikit-learn 1.7.1" in result.suggestions[0].title


@pytest.mark.envs("colab")
def test_a_keyword_refused_by_what_the_call_draws_is_renamed_from_the_release_notes() -> None:
    """Matplotlib 3.1 removed ``hist(normed=)`` for ``density=``; the call passes it on to its
    bars, which refuse it with an AttributeError (Colab's environment has Matplotlib)."""
    import kerasmagic

    source = (
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\n"
        "counts, edges, bars = ax.hist([0.1, 0.2, 0.2, 0.9], bins=2, normed=1, alpha=0.5)\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "AttributeError"
    assert [s.id for s in result.suggestions] == ["released-keyword-rename-matplotlib"]
    assert "ax.hist([0.1, 0.2, 0.2, 0.9], bins=2, density=1, alpha=0.5)" in (
        result.fixed_source or ""
    )
    namespace: dict = {}
    exec(compile(result.fixed_source or "", "<fixed>", "exec"), namespace)
    assert (
        abs(sum(namespace["counts"] * (namespace["edges"][1:] - namespace["edges"][:-1])) - 1.0)
        < 1e-9
    )
