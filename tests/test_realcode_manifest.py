"""The real-code corpus's manifest loader, its hash split, and the shim's training wrapper
(no corpus file, no TensorFlow: seconds)."""

from __future__ import annotations

import hashlib
import inspect
import sys
from pathlib import Path

import pytest
from environments import MACHINERY_ENVS

HERE = Path(__file__).resolve().parent / "realcode"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "shim"))

import corpus  # noqa: E402
from _kmshim import training  # noqa: E402

# the corpus harness's own code: the same in every environment, but for the installed loaders
pytestmark = pytest.mark.envs(*MACHINERY_ENVS)

ENTRY = """
[[file]]
name = "{name}"
kind = "script"
repo = "someone/repo"
path = "{path}"
commit = "{commit}"
license = "MIT"
sha256 = "{sha}"
control = "runs"
"""


def entry(name: str = "repo__a", path: str = "a.py", **kw: str) -> str:
    fields = {"name": name, "path": path, "commit": "a" * 40, "sha": "b" * 64, **kw}
    return ENTRY.format(**fields)


def test_split_is_the_names_hash_mod_3() -> None:
    names = [f"repo__file{i}" for i in range(300)]
    for n in names:
        sealed = int(hashlib.sha256(n.encode()).hexdigest(), 16) % 3 == 0
        assert corpus.split_of(n) == ("sealed" if sealed else "tuning")
    share = sum(corpus.split_of(n) == "sealed" for n in names) / len(names)
    assert 0.25 < share < 0.42


def test_parse_reads_an_entry() -> None:
    (e,) = corpus.parse(entry() + 'data = ["d/x.csv"]\nnote = "n"\n', "c9")
    assert (e.name, e.kind, e.collector, e.data, e.filename) == (
        "repo__a",
        "script",
        "c9",
        ("d/x.csv",),
        "repo__a.py",
    )
    assert e.source_url == f"https://github.com/someone/repo/blob/{'a' * 40}/a.py"
    assert e.split == corpus.split_of("repo__a")


@pytest.mark.parametrize(
    "bad",
    [
        entry(commit="abc"),
        entry(sha="B" * 64),
        entry(name="no-double-underscore"),
        entry().replace('kind = "script"', 'kind = "video"'),
        entry().replace('control = "runs"', 'control = "maybe"'),
        entry().replace('license = "MIT"\n', ""),
        entry() + 'extra = "x"\n',
    ],
)
def test_parse_rejects_malformed_entries(bad: str) -> None:
    with pytest.raises(corpus.ManifestError):
        corpus.parse(bad, "c9")


def test_names_and_sources_are_unique(tmp_path: Path) -> None:
    (tmp_path / "c1.toml").write_text(entry("repo__a", "a.py"))
    (tmp_path / "c2.toml").write_text(entry("repo__b", "b.py"))
    assert [e.name for e in corpus.load(tmp_path)] == ["repo__a", "repo__b"]
    (tmp_path / "c3.toml").write_text(entry("Repo__A", "c.py"))
    with pytest.raises(corpus.ManifestError, match="twice"):
        corpus.load(tmp_path)
    (tmp_path / "c3.toml").write_text(entry("repo__c", "A.py"))
    with pytest.raises(corpus.ManifestError, match="twice"):
        corpus.load(tmp_path)


def test_select_by_split_and_name(tmp_path: Path) -> None:
    text = "".join(entry(f"repo__f{i}", f"f{i}.py") for i in range(12))
    (tmp_path / "c1.toml").write_text(text)
    entries = corpus.load(tmp_path)
    sealed = corpus.select(entries, "sealed")
    tuning = corpus.select(entries, "tuning")
    assert sorted(e.name for e in sealed + tuning) == sorted(e.name for e in entries)
    assert all(e.split == "sealed" for e in sealed) and all(e.split == "tuning" for e in tuning)
    assert [e.name for e in corpus.select(entries, "all", ["repo__f3"])] == ["repo__f3"]
    with pytest.raises(corpus.ManifestError):
        corpus.select(entries, "all", ["repo__nope"])


def test_the_committed_manifests_load() -> None:
    for e in corpus.load():
        assert e.split in corpus.SPLITS


class Model:
    def fit(self, x=None, y=None, batch_size=None, epochs=1, initial_epoch=0, steps_per_epoch=None):
        return {
            "epochs": epochs,
            "steps_per_epoch": steps_per_epoch,
            "initial_epoch": initial_epoch,
        }


def test_training_wrapper_keeps_the_signature_and_shortens() -> None:
    fit = training.clamp(Model.fit)
    assert inspect.signature(fit) == inspect.signature(Model.fit)
    assert fit.__qualname__ == Model.fit.__qualname__
    m = Model()
    assert fit(m, 1, 2, 32, 50, steps_per_epoch=100) == {
        "epochs": 1,
        "steps_per_epoch": 2,
        "initial_epoch": 0,
    }
    assert fit(m, epochs=30, initial_epoch=4)["epochs"] == 5
    assert fit(m, steps_per_epoch=None)["steps_per_epoch"] is None


def test_training_wrapper_keeps_the_steps_of_a_prediction() -> None:
    class Predicts:
        def predict_generator(self, generator, steps=None):
            return steps

        def evaluate_generator(self, generator, steps=None):
            return steps

    # code pairs each prediction with a file name: all 12 are made; evaluation is capped
    assert training.clamp(Predicts.predict_generator)(Predicts(), iter(()), steps=12) == 12
    assert training.clamp(Predicts.evaluate_generator)(Predicts(), iter(()), steps=12) == 2


def test_training_wrapper_sets_steps_for_arrays() -> None:
    np = pytest.importorskip("numpy")  # the bare environment has no NumPy

    seen = {}

    class Arrays:
        def fit(self, x=None, y=None, batch_size=None, epochs=1, steps_per_epoch=None):
            seen.update(batch_size=batch_size, epochs=epochs, steps=steps_per_epoch)

    training.clamp(Arrays.fit)(Arrays(), np.zeros((60000, 3)), np.zeros(60000), epochs=9)
    assert seen == {"batch_size": 32, "epochs": 1, "steps": 2}


def test_training_wrapper_gives_the_history_the_epochs_asked_for() -> None:
    class History:
        def __init__(self, epochs: list[int]) -> None:
            self.epoch = epochs
            self.history = {"loss": [0.5 - 0.1 * e for e in epochs], "acc": [0.9] * len(epochs)}

    class Trains:
        def fit(self, x=None, epochs=1, initial_epoch=0):
            return History(list(range(initial_epoch, epochs)))

    history = training.clamp(Trains.fit)(Trains(), epochs=4)
    assert history.epoch == [0, 1, 2, 3]
    assert history.history == {"loss": [0.5] * 4, "acc": [0.9] * 4}
    resumed = training.clamp(Trains.fit)(Trains(), epochs=5, initial_epoch=2)
    assert resumed.epoch == [2, 3, 4] and len(resumed.history["loss"]) == 3
    # a fit not shortened keeps what it returned
    assert training.clamp(Trains.fit)(Trains(), epochs=1).history["loss"] == [0.5]


def test_training_wrapper_replays_the_cut_epochs_to_the_users_callbacks() -> None:
    class Callback:  # a user's subclass: defined outside Keras
        def on_train_begin(self, logs=None):
            self.acc, self.ended_with = [], None

        def on_epoch_begin(self, epoch, logs=None):
            pass

        def on_epoch_end(self, epoch, logs=None):
            self.acc.append((epoch, logs["acc"]))

        def on_train_end(self, logs=None):
            self.ended_with = len(self.acc)

    class Trains:  # runs its epochs through the callbacks, as Keras does
        def fit(self, x=None, epochs=1, initial_epoch=0, callbacks=None):
            for cb in callbacks:
                cb.on_train_begin()
            for epoch in range(initial_epoch, epochs):
                for cb in callbacks:
                    cb.on_epoch_begin(epoch)
                    cb.on_epoch_end(epoch, {"acc": 0.9})
            for cb in callbacks:
                cb.on_train_end()

    seen = Callback()
    training.clamp(Trains.fit)(Trains(), epochs=4, initial_epoch=1, callbacks=[seen])
    assert seen.acc == [(1, 0.9), (2, 0.9), (3, 0.9)]
    assert seen.ended_with == 3  # replayed before its on_train_end, as a full run has them
    assert "on_epoch_end" not in vars(seen)  # the class's hooks again after fit


def test_training_wrapper_lets_the_original_raise_its_own_error() -> None:
    with pytest.raises(TypeError) as plain:
        Model.fit(Model(), nb_epoch=3)
    with pytest.raises(TypeError) as wrapped:
        training.clamp(Model.fit)(Model(), nb_epoch=3)
    assert str(wrapped.value) == str(plain.value)


@pytest.mark.envs("tf221-k3", "tf215-k2")  # Keras 3's loader, and Keras 2's
def test_sequence_loaders_read_old_keywords_as_the_installed_loader_does() -> None:
    """Keras 2 and tf_keras read Keras 1's ``nb_words`` and refuse any other keyword; Keras 3's
    ``load_data(**kwargs)`` reads nothing from them (the words are then not capped)."""
    pytest.importorskip("numpy")  # the bare environment has no NumPy
    from importlib import metadata

    from _kmshim import datasets

    def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, **kwargs):
        raise AssertionError("the shim answers instead")

    try:
        keras3 = int(metadata.version("keras").split(".")[0]) >= 3
    except metadata.PackageNotFoundError:
        keras3 = False
    for module, reads in (("tf_keras.src.datasets.imdb", True), ("keras.src.datasets.imdb", not keras3)):  # fmt: skip
        load_data.__module__ = module
        args = {"num_words": None, "skip_top": 0, "maxlen": None, "kwargs": {"nb_words": 50}}
        (x, _y), _ = datasets.imdb(load_data, dict(args))
        assert (max(max(s) for s in x) < 50) is reads, module
        extra = {**args, "kwargs": {"test_split": 0.2}}
        if reads:
            with pytest.raises(TypeError, match="test_split"):
                datasets.imdb(load_data, extra)
        else:
            datasets.imdb(load_data, extra)


def test_wrong_check_sees_a_dropped_value_not_a_renamed_keyword() -> None:
    sys.path.insert(0, str(HERE.parent.parent / "scripts"))
    from realcode_diff import dropped_values

    before = "m.compile(optimizer=SGD(lr=0.05, decay=1e-6), loss='mse')\nDense(output_dim=3)"
    renamed = "m.compile(optimizer=SGD(learning_rate=0.05, decay=1e-6), loss='mse')\nDense(units=3)"
    dropped = "m.compile(optimizer=SGD(learning_rate=0.05), loss='mse')\nDense(units=3)"
    assert dropped_values(before, renamed) == []
    assert dropped_values(before, dropped) == [("decay", "1e-06")]
    keras1 = "Convolution2D(32, 3, 3, input_shape=(1, 28, 28), dim_ordering='th')"
    keras2 = "Convolution2D(32, (3, 3), input_shape=(1, 28, 28), data_format='channels_first')"
    assert dropped_values(keras1, keras2) == []
    assert dropped_values(keras1, "Convolution2D(32, (3, 3), input_shape=(1, 28, 28))") == [
        ("dim_ordering", "'th'")
    ]
    # load_img's grayscale=True was color_mode='grayscale' (Keras 2.2-2.15); dropped, it is lost
    gray = "im = load_img(p, grayscale=True)"
    assert dropped_values(gray, "im = load_img(p, color_mode='grayscale')") == []
    assert dropped_values(gray, "im = load_img(p)") == [("grayscale", "True")]
    # the same number written as a float (Keras 3 wants a float rate) is the same value
    assert dropped_values("SGD(lr=1, momentum=-1)", "SGD(learning_rate=1.0, momentum=-1.0)") == []
    # None is Keras's "not given" (Keras 2's epsilon=None is backend.epsilon(), Keras 3's default)
    assert dropped_values("Adam(lr=0.1, epsilon=None)", "Adam(learning_rate=0.1)") == []
    assert dropped_values("Adam(epsilon=1e-4)", "Adam()") == [("epsilon", "0.0001")]
    # a name bound once to zero is a zero decay; bound twice, it may be another value
    zero = "decay_rate = 0.0\nSGD(lr=0.1, decay=decay_rate)"
    assert dropped_values(zero, "decay_rate = 0.0\nSGD(learning_rate=0.1)") == []
    twice = "d = 0.0\nd = 1e-3\nSGD(lr=0.1, decay=d)"
    assert dropped_values(twice, "d = 0.0\nd = 1e-3\nSGD(learning_rate=0.1)") == [("decay", "d")]
    # a K-fold splitter's seed without shuffle (ignored before scikit-learn 0.24), not another's
    folds = "KFold(n_splits=3, random_state=seed)\ntrain_test_split(x, random_state=seed)"
    assert dropped_values(folds, "KFold(n_splits=3)\ntrain_test_split(x, random_state=seed)") == []
    split = "train_test_split(x, random_state=7)"
    assert dropped_values(split, "train_test_split(x)") == [("random_state", "7.0")]
    # a value moved into a tuple is still passed (Embedding's input_length as its input_shape)
    assert (
        dropped_values("Embedding(9, 4, input_length=n)", "Embedding(9, 4, input_shape=(n,))") == []
    )
    # Keras 1's samples per epoch as batches, divided by the generator's batch size (Keras 2.0's
    # own conversion), beside a count of validation batches kept as it was
    old = "m.fit_generator(g, samples_per_epoch=400, nb_val_samples=400)"
    divided = "m.fit(g, steps_per_epoch=400 // g.batch_size, validation_steps=400)"
    assert dropped_values(old, divided) == []
    assert ("samples_per_epoch", "400.0") in dropped_values(old, "m.fit(g, validation_steps=400)")


def test_wrong_check_ignores_what_the_catalogue_says_has_no_effect() -> None:
    sys.path.insert(0, str(HERE.parent.parent / "scripts"))
    from realcode_diff import dropped_values

    before = (
        "m.fit_generator(g, steps_per_epoch=5, workers=4)\nSGD(lr=0.1, decay=0.0)\nf(x, decay=1e-3)"
    )
    after = "m.fit(g, steps_per_epoch=5)\nSGD(learning_rate=0.1)\nf(x)"
    assert dropped_values(before, after) == [("decay", "0.001")]


def test_wrong_check_follows_a_value_moved_into_a_schedule() -> None:
    sys.path.insert(0, str(HERE.parent.parent / "scripts"))
    from realcode_diff import dropped_values

    before = "sgd = SGD(lr=0.1, decay=1e-6, momentum=0.9)"
    kept = (
        "sgd = SGD(learning_rate=schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1e-6),"
        " momentum=0.9)"
    )
    assert dropped_values(before, kept) == []
    assert dropped_values(before, "sgd = SGD(momentum=0.9)") == [("decay", "1e-06"), ("lr", "0.1")]


def test_wrong_check_reads_a_merge_mode_turned_into_its_function() -> None:
    """Keras 1's ``merge(…, mode='mul')`` → ``multiply(…)``: the mode is the callee now; a mode
    whose function the new code does not call is still a dropped value. A dropped ``name=`` is
    none (a name changes nothing the code computes)."""
    sys.path.insert(0, str(HERE.parent.parent / "scripts"))
    from realcode_diff import dropped_values

    before = "x = merge([a, b], mode='mul')"
    assert dropped_values(before, "x = multiply([a, b])") == []
    assert dropped_values(before, "x = add([a, b])") == [("mode", "'mul'")]
    # a name changes nothing the code computes
    assert (
        dropped_values(
            "w = normal(shape, scale=0.01, name=n)", "w = RandomNormal(stddev=0.01)(shape)"
        )
        == []
    )


def test_a_kept_flag_of_a_value_that_changes_nothing_is_not_open() -> None:
    sys.path.insert(0, str(HERE.parent.parent / "scripts"))
    from realcode_render import open_flags

    row = {"name": "x__y", "split": "sealed"}
    assert open_flags({**row, "wrong": ["drops epsilon=None"]}) == []
    kept = ["drops epsilon=0.0001", "fails on line 3, which migrate wrote", "drops x=None y"]
    assert open_flags({**row, "wrong": kept}) == kept


def test_reviewed_flags_are_of_tuning_files_with_a_reason() -> None:
    import tomllib

    names = {e.name: e.split for e in corpus.load()}
    flags = tomllib.loads((HERE / "reviewed.toml").read_text(encoding="utf-8"))["flag"]
    for flag in flags:
        assert names.get(flag["file"]) == "tuning", flag["file"]  # a sealed file is never studied
        assert flag["flag"].strip() and len(flag["reason"]) > 40, flag
