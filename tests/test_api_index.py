"""The live index of public Keras names, against the real installs (no mocks)."""

from __future__ import annotations

import pytest
from conftest import run_python_json

PROBE = """
import json, sys
out = {}
try:
    import keras
except Exception as exc:
    print(json.dumps({"keras": None})); raise SystemExit
from kerasmagic.knowledge import api_index as ai
ix = ai.namespace_index("keras")
adam = [s.path for s in ai.find_public_symbol("Adam", roots=["keras"])]
out["keras"] = keras.__version__
out["adam"] = adam
out["real_adam"] = keras.optimizers.Adam.__name__
out["fuzzy_adam"] = ai.fuzzy_names("adam", roots=["keras"], module="keras.optimizers")
out["fuzzy_seq"] = ai.fuzzy_names("Sequental", roots=["keras"])
out["to_cat"] = [s.path for s in ai.find_public_symbol("to_categorical", near="keras.utils.np_utils")]
out["private"] = [s.path for syms in ix.by_name.values() for s in syms
                  if ".src." in s.path + "." or s.name.startswith("_") or ".python." in s.path]
out["modules_private"] = [m for m in ix.modules if ".src" in m or "._" in m]
# every indexed name resolves under its indexed path, followed attribute by attribute from the
# live root (not through the index's own module objects, which stay right when a path is wrong)
bad = []
paths = [s.path for syms in ix.by_name.values() for s in syms]
for path in paths:
    obj = keras
    try:
        for part in path.split(".")[1:]:
            obj = getattr(obj, part)
    except AttributeError:
        bad.append(path)
out["unresolvable"] = bad
out["paths"] = len(paths)
out["private_parts"] = [p for p in paths if set(p.split(".")[1:-1]) & set(ai.PRIVATE_PARTS)]
out["foreign_modules"] = sorted(p for p, m in ix.modules.items()
                                if m.__name__.split(".")[0] not in ("keras", "tf_keras", "tensorflow"))
out["kinds"] = {s.path: s.kind for s in ix.by_name.get("Adam", ()) + ix.by_name.get("optimizers", ())}
out["tf_imported_by_index"] = "tensorflow" in sys.modules
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def probe():
    data = run_python_json(PROBE)
    if data["keras"] is None:
        pytest.skip("keras is not importable in this environment")
    return data


def test_finds_adam_where_keras_has_it(probe):
    assert probe["adam"][0] == "keras.optimizers.Adam"
    assert probe["real_adam"] == "Adam"


def test_fuzzy_case_and_typos(probe):
    assert probe["fuzzy_adam"] == ["Adam"]
    assert probe["fuzzy_seq"][0] == "Sequential"


def test_moved_name_found_near_the_old_path(probe):
    assert probe["to_cat"][0] == "keras.utils.to_categorical"


def test_no_private_paths(probe):
    assert probe["private"] == []
    assert probe["modules_private"] == []
    assert probe["private_parts"] == []
    assert probe["foreign_modules"] == []


def test_ranking_the_modules_of_a_name():
    """Not legacy/experimental first, then the most leading parts shared with the old path, then
    fewer dots, then shorter."""
    from kerasmagic.knowledge.api_index import _module_score

    def ranked(near, *candidates):
        return sorted(candidates, key=lambda c: _module_score(c, near))

    assert ranked(None, "keras.optimizers.legacy", "keras.optimizers") == [
        "keras.optimizers", "keras.optimizers.legacy"
    ]  # fmt: skip
    assert ranked(None, "keras.legacy", "keras.optimizers") == ["keras.optimizers", "keras.legacy"]
    assert ranked("keras.utils.np_utils", "keras.ops", "keras.utils") == [
        "keras.utils",
        "keras.ops",
    ]
    assert ranked(None, "keras.a.b", "keras.bbbb") == ["keras.bbbb", "keras.a.b"]
    assert ranked(None, "keras.abc", "keras.ab") == ["keras.ab", "keras.abc"]


def test_typing_edits():
    from kerasmagic.knowledge.api_index import closest, edit_distance

    assert edit_distance("adma", "adam") == 1  # two neighbours swapped
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3 and edit_distance("abc", "") == 3
    assert closest("adma", ["adamax", "adam", "nadam"], n=1) == ["adam"]


def test_every_indexed_name_resolves_live(probe):
    """Each of the index's paths (all of them: hundreds) is a real attribute path."""
    assert probe["paths"] > 500  # 941 in Keras 2.15, about 1,500 in Keras 3
    assert probe["unresolvable"] == []


def test_each_name_has_its_kind(probe):
    assert probe["kinds"]["keras.optimizers.Adam"] == "class"
    assert probe["kinds"]["keras.optimizers"] == "module"


def test_index_does_not_import_tensorflow_by_itself():
    data = run_python_json(
        """
        import json, sys
        from kerasmagic.knowledge import api_index as ai
        roots = ai.available_roots()
        print(json.dumps({"roots": roots, "tf": "tensorflow" in sys.modules,
                          "keras": "keras" in sys.modules}))
        """
    )
    assert data == {"roots": [], "tf": False, "keras": False}


def test_tf_keras_namespace_only_once_tf_keras_was_used():
    data = run_python_json(
        """
        import json, sys
        try:
            import tensorflow as tf
        except ImportError:
            print(json.dumps(None)); raise SystemExit
        from kerasmagic.knowledge import api_index as ai
        before = ai.namespace_index("tensorflow.keras") is not None
        tf.keras.layers
        after = [s.path for s in ai.find_public_symbol("Dense", roots=["tensorflow.keras"])]
        print(json.dumps({"before": before, "after": after}))
        """
    )
    if data is None:
        pytest.skip("TensorFlow is not installed here")
    assert data["before"] is False
    assert data["after"][0] == "tensorflow.keras.layers.Dense"


def test_asking_which_namespaces_exist_builds_no_index():
    """``is_available`` says what ``namespace_index`` would (None or not) for every root, with
    and without tf.keras resolved, and walks no namespace: a rule that only needs to know which
    Keras the cell can reach (its ``Model`` classes) never pays for indexing them all."""
    data = run_python_json(
        """
        import json, sys
        from kerasmagic.knowledge import api_index as ai
        out = []
        for step in ("nothing", "keras", "tf.keras"):
            try:
                if step == "keras":
                    import keras
                if step == "tf.keras":
                    import tensorflow as tf
                    tf.keras.layers
            except ImportError:
                continue
            ai._CACHE.clear()
            said = {r: ai.is_available(r) for r in ai.ROOTS}
            built = sorted(r for r, _ in ai._CACHE)
            from kerasmagic.diagnosis.context import CellContext
            scope = CellContext.of("import keras\\nopt = keras.optimizers.Adam(lr=0.01)\\n").scope
            scope.model_classes()
            built += sorted(r for r, _ in ai._CACHE)  # the Keras the cell reaches: no index
            real = {r: ai.namespace_index(r) is not None for r in ai.ROOTS}
            out.append([step, said, real, built])
        print(json.dumps(out))
        """
    )
    for step, said, real, built in data:
        assert said == real, step
        assert built == [], step
