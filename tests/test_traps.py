"""Silent traps: reproduced for real in each environment, reported where they happen, silent where
they do not, and every fix removes the finding and runs.

The scenarios live in scripts/trap_table.py (the same runs generate docs/traps.md). Whether a trap
happened is measured apart from kerasmagic (learning rate in use, module of an object …); the
detection must agree with that measurement in every environment.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import pytest
from conftest import ENV_NAME

ROOT = Path(__file__).resolve().parent.parent
TF_ENVS = ("tf215-k2", "tf221-legacy", "tf221-k3", "colab", "tf215-broken-k3")
MATRIX = (*TF_ENVS, "k3-jax")
# Where the suite measures the scenarios: TF 2.15 with Keras 3 installed over it meets every
# scenario with Keras 3 as tf221-k3 does (docs/traps.md: the two columns are the same), and
# scripts/trap_table.py still measures it; that environment's suite is for what differs there
# (the report of a broken install). Its 23 scenarios, a process each where state needs it, were
# the longest item of its suite.
MEASURED = tuple(e for e in MATRIX if e != "tf215-broken-k3")


def _load(name: str, path: Path):
    """The module at ``path`` (a script or the corpus's runner, not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


TABLE = _load("trap_table", ROOT / "scripts" / "trap_table.py")

# Where each scenario silently happens: the measured facts (docs/traps.md, MEASURED_FACTS):
# Keras 2.11+ / tf_keras ignore lr, Keras 3 ignores decay, tf_keras exists only in some envs …
OCCURS = {
    "lr on the new optimizer": {"tf215-k2", "tf221-legacy"},
    "lr through compile": {"tf215-k2", "tf221-legacy"},
    "lr on the legacy optimizer (honoured)": set(),
    "decay on the optimizer": {"tf221-k3", "colab", "tf215-broken-k3"},
    "TF_USE_LEGACY_KERAS after the first tf.keras use": {
        "tf215-k2",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
    },
    "TF_USE_LEGACY_KERAS after import tensorflow, then from tensorflow.keras import": {
        "tf215-k2",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
    },
    "KERAS_BACKEND after import keras": {
        "tf221-legacy",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
        "k3-jax",
    },
    "private tensorflow.python.keras import": set(TF_ENVS),
    "tf.keras.preprocessing.image.ImageDataGenerator": {"tf221-k3", "colab", "tf215-broken-k3"},
    "tf.keras model with a keras callback": {"tf221-legacy"},
    "weights of a new optimizer loaded under a legacy one": {"tf215-k2", "tf221-legacy"},
    # `import keras` is Keras 3 everywhere but tf215-k2 (measured: lr back at 0.001)
    # Keras 3 (every `import keras` but tf215-k2's) extracts into a folder of its own
    # Keras 3's optimizers have no `lr` (tf.keras is Keras 3 there): the guard skips the schedule
    "hasattr(optimizer, 'lr') guard in a schedule callback": {"tf221-k3", "colab", "tf215-broken-k3"},
    # the same classes: `optimizer.lr = …` is a new attribute there (measured: 0.01 kept)
    "optimizer.lr = value on a compiled model": {"tf221-k3", "colab", "tf215-broken-k3"},
    # every `keras` here (2.15 and 3) takes (filters, kernel_size, strides): Keras 1's sizes stride
    "Keras 1's Convolution2D(filters, rows, cols) on an input large enough": set(MATRIX),
    # Keras 3 matches the targets' rank for its losses, not for a metric function of the user's
    "metric function of the notebook's own with 1-D targets": {"tf221-k3", "colab", "tf215-broken-k3"},
    # Keras 3 reads `trainable` at every step (any backend); Keras 2 fixed it at compile
    "model frozen after its own compile (the Keras 2 GAN recipe)": {
        "tf221-legacy",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
        "k3-jax",
    },
    # TensorFlow refuses the name as a scope when the model trains; JAX opens no such scope
    "model named with a space, trained cells later": {
        "tf215-k2",
        "tf221-legacy",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
    },
    # since Keras 2.3 (every environment) `metrics=['accuracy']` logs `accuracy`
    "callback reading logs.get('acc') of a model compiled with 'accuracy'": set(MATRIX),
    # the same since Keras 2.3: the callback warns that `val_acc` is not in the logs, reads nothing
    "monitor='val_acc' of a model compiled with metrics=['accuracy'], made a cell earlier": set(MATRIX),
    # Keras 3 (`import keras` everywhere but tf215-k2's) tracks only keras.Variable; no TF in k3-jax
    "layer weights kept in tf.Variable": {"tf221-legacy", "tf221-k3", "colab", "tf215-broken-k3"},
    "get_file of an archive": {"tf221-legacy", "tf221-k3", "colab", "tf215-broken-k3", "k3-jax"},
    # Keras 3 (`import keras` everywhere but tf215-k2's) takes epsilon= into **kwargs, unread
    "epsilon= of ReduceLROnPlateau, Keras 2's other name for min_delta=": {
        "tf221-legacy",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
        "k3-jax",
    },
    # Keras 3 (`import keras` everywhere but tf215-k2's) lists the compiled metrics as one object
    "model.metrics_names[1] printed beside evaluate's scores[1]": {
        "tf221-legacy",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
        "k3-jax",
    },
    "a model resumed from the .h5 a ModelCheckpoint of the same run writes": {
        "tf221-legacy",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
        "k3-jax",
    },
    "Keras 2 .h5 model loaded by Keras 3": {
        "tf221-legacy",
        "tf221-k3",
        "colab",
        "tf215-broken-k3",
        "k3-jax",
    },
}
NO_LINT = {  # after the run only
    "callback-logs-get-old-key",  # lint reports it as callback-acc-key, with the same rename
    "keras1-conv-kernel-strides-silent",  # lint: keras1-conv-kernel-positional, the same rewrite
    "optimizer-checkpoint-generation",
    "metric-one-dimensional-targets",
    "trainable-set-after-compile",
    "tf-variable-untracked-by-keras3",
    "tf-scope-name-made",  # reads the live Keras callable the cell called
    "keras2-keyword-alias-ignored",  # the same: the signature of the callable, live
    "callback-monitor-key-missing",  # Keras's warning while training; lint says callback-acc-key
    "keras3-metrics-names-grouped",  # the live model's metric objects, once it trained
    "h5-resume-after-save",  # the file the run wrote, on disk
}


@pytest.fixture(scope="module")
def rows():
    if ENV_NAME not in MEASURED:
        pytest.skip(f"the trap scenarios are measured in {', '.join(MEASURED)}; this is {ENV_NAME}")
    return TABLE.measure(sys.executable)


def _row(rows, name: str, variant: str = "trap"):
    return next((r for r in rows if r["name"] == name and r["variant"] == variant), None)


def test_every_scenario_has_a_measured_expectation():
    assert {s.name for s in TABLE.SCENARIOS} == set(OCCURS)
    from kerasmagic.knowledge.catalogue import load_catalogue

    ids = {e.id for e in load_catalogue() if e.file == "traps.toml"}
    assert {s.trap for s in TABLE.SCENARIOS} == ids  # every catalogued trap is reproduced


@pytest.mark.envs(*MEASURED)
def test_trap_happens_exactly_where_measured(rows):
    for s in TABLE.SCENARIOS:
        row = _row(rows, s.name)
        happened = bool(row["ok"] and row["truth"])
        assert happened == (ENV_NAME in OCCURS[s.name]), (s.name, row)


@pytest.mark.envs(*MEASURED)
def test_detected_where_it_happens_silent_where_not(rows):
    for s in TABLE.SCENARIOS:
        row = _row(rows, s.name)
        assert row["internal"] is None, (s.name, row["internal"])
        if not row["ok"]:
            assert not row["found"], (s.name, row)
            continue
        assert row["found"] == row["truth"], (s.name, ENV_NAME, row)
        assert not row["other_traps"], (s.name, row["other_traps"])  # no false alarm of another
        if row["found"]:
            f = row["finding"]
            assert f["title"] and f["cause"] and f["fix"] and f["verify"] and f["references"]
            assert "{" not in f["title"], f["title"]  # every placeholder filled


@pytest.mark.envs(*MEASURED)
def test_lint_flags_the_same_cells_before_running(rows):
    for s in TABLE.SCENARIOS:
        row = _row(rows, s.name)
        if s.trap in NO_LINT or not row["ok"]:
            continue
        assert (s.trap in row["lint"]) == bool(row["truth"]), (s.name, ENV_NAME, row["lint"])


@pytest.mark.envs(*MEASURED)
def test_each_fix_removes_the_finding_and_runs(rows):
    checked = 0
    for s in TABLE.SCENARIOS:
        row = _row(rows, s.name)
        if not row["found"]:
            continue
        fixed = _row(rows, s.name, "fixed")
        assert fixed is not None, s.name
        if s.trap == "legacy-keras-env-too-late" and "tf-keras" not in row["finding"]["versions"]:
            # without tf_keras the variable set in time breaks tf.keras: the fix says so
            assert "tf_keras is not installed" in row["finding"]["fix"]
            assert not (fixed["ok"] and fixed["truth"] is False), fixed  # no tf_keras, no fix
            continue
        if s.trap == "keras-backend-env-too-late" and not fixed["ok"]:
            # the other backend cannot load here (numpy's needs scipy): the variable did act
            assert fixed["error"].startswith("ModuleNotFoundError"), fixed
            continue
        assert fixed["ok"], (s.name, fixed["error"])
        assert not fixed["found"] and fixed["truth"] is False, (s.name, fixed)
        checked += 1
    if ENV_NAME in ("tf215-k2", "tf221-k3", "colab"):
        assert checked >= 3


@pytest.mark.envs("tf215-k2", "tf221-legacy")
def test_lr_fix_is_the_exact_rewrite(rows):
    row = _row(rows, "lr on the new optimizer")
    assert row["finding"]["fixed_source"] == (
        "import tensorflow as tf\nopt = tf.keras.optimizers.Adam(learning_rate=0.01)\n"
    )
    assert row["finding"]["fix_code"] == "learning_rate=0.01"
    assert "0.001" in row["finding"]["title"]  # the rate it really trains at


@pytest.mark.envs("tf221-k3", "colab")
def test_decay_fix_is_an_inverse_time_schedule(rows):
    fixed = _row(rows, "decay on the optimizer")["finding"]["fixed_source"]
    assert (
        "tf.keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=0.5)"
        in (fixed)
    )


@pytest.mark.envs("tf215-k2", "tf221-k3", "colab")
def test_env_var_finding_names_the_moment_that_passed(rows):
    late = _row(rows, "TF_USE_LEGACY_KERAS after the first tf.keras use")["finding"]
    assert "before this cell" in late["cause"] and "`tf.keras`" in late["cause"]
    assert late["restart_needed"] is True
    routed = _row(
        rows, "TF_USE_LEGACY_KERAS after import tensorflow, then from tensorflow.keras import"
    )
    assert "`import tensorflow` ran before this cell" in routed["finding"]["cause"]


# -- the capture itself (any environment) ---------------------------------------------------------
def test_capture_records_warnings_and_still_shows_them():
    from kerasmagic.diagnosis.capture import capture_cell_output

    shown = []
    previous = warnings.showwarning
    warnings.showwarning = lambda *a, **k: shown.append(str(a[0]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = lambda *a, **k: shown.append(str(a[0]))
            with capture_cell_output() as captured:
                warnings.warn("Argument `decay` is no longer supported", UserWarning, stacklevel=1)
            after = warnings.showwarning
    finally:
        warnings.showwarning = previous
    assert [w.message for w in captured.warnings] == ["Argument `decay` is no longer supported"]
    assert shown == ["Argument `decay` is no longer supported"]  # the user's display still ran
    assert after is not None and getattr(after, "__name__", "") != "showwarning"


def test_capture_records_tf_log_lines_without_hiding_them(capsys):
    from kerasmagic.diagnosis.capture import capture_cell_output

    logger = logging.getLogger("absl.kerasmagic_test")  # a child: the real absl logger untouched
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []  # no handler anywhere: logging's lastResort prints to stderr
    try:
        with capture_cell_output() as captured:
            logger.warning("`lr` is deprecated in Keras optimizer")
            logging.getLogger("someone.else").warning("not ours")
    finally:
        root.handlers = saved
    assert [r.message for r in captured.logs] == ["`lr` is deprecated in Keras optimizer"]
    err = capsys.readouterr().err
    assert "`lr` is deprecated in Keras optimizer" in err and "not ours" in err
    assert all(not isinstance(h, type(root)) for h in root.handlers)


def test_capture_notes_the_moment_the_cell_started(monkeypatch):
    from kerasmagic.diagnosis.capture import capture_cell_output

    monkeypatch.setenv("KERAS_BACKEND", "jax")
    with capture_cell_output() as captured:
        pass
    assert captured.before.env["KERAS_BACKEND"] == "jax"
    assert captured.before.keras_imported == (sys.modules.get("keras") is not None)


def test_clean_cell_has_no_trap_and_imports_nothing():
    from kerasmagic.diagnosis.capture import capture_cell_output
    from kerasmagic.diagnosis.traps import inspect_after_run, lint_traps

    before = set(sys.modules)
    ns = {f"v{i}": i for i in range(1000)}
    with capture_cell_output() as captured:
        exec("total = sum(range(10))", ns)
    assert inspect_after_run("total = sum(range(10))", ns, captured) == []
    assert lint_traps("total = sum(range(10))") == []
    assert not {m for m in set(sys.modules) - before if m.split(".")[0] in ("tensorflow", "keras")}


def _trap_sources() -> list[str]:
    """Every trap scenario's cells, the cases that name a catalogued trap, and a fixed third of
    the other cases (by a hash of the name: the same sample on every run). The two paths share
    their rules; the whole case corpus through both took a minute per environment."""
    from kerasmagic.knowledge.catalogue import load_catalogue

    traps = {e.id for e in load_catalogue() if e.kind == "trap"}
    cases = _load("case_runner", ROOT / "tests" / "cases" / "case_runner.py").load_cases()
    chosen = [c for c in cases if traps & set(c.get("expect_ids", [])) or zlib.crc32(c["name"].encode()) % 3 == 0]  # fmt: skip
    return [c["source"] for c in chosen] + [cell for s in TABLE.SCENARIOS for cell in s.cells]


def test_lint_traps_is_what_the_whole_lint_says_about_traps():
    """``lint_traps`` takes the short path (no static-error rules unless a trap has a fix to
    verify): every case and trap scenario gets the traps, fixes included, of the full lint."""
    from kerasmagic.diagnosis.engine import lint
    from kerasmagic.diagnosis.traps import lint_traps

    def seen(findings):
        return [(f.id, f.title, f.fixed_source, f.fix_code) for f in findings]

    def own(findings):  # the whole lint also says the traps its corrected cell brings
        # (to_findings.brought_traps); lint_traps builds no corrected cell: the cell's own
        from kerasmagic.diagnosis.to_findings import BROUGHT

        return [f for f in findings if not f.cause.startswith(BROUGHT)]

    sources = _trap_sources()
    flagged = 0
    for source in sources:
        whole = seen(own(lint(source).traps))
        assert seen(lint_traps(source)) == whole, source
        flagged += bool(whole)
    if ENV_NAME in MATRIX:  # without Keras no trap can happen: equal, and empty
        assert flagged >= (5 if ENV_NAME in TF_ENVS else 1), (
            f"only {flagged} of {len(sources)} cells have a trap here ({ENV_NAME})"
        )


@pytest.mark.parametrize("source", ["", "lr=", "os.environ[", "%env TF_USE_LEGACY_KERAS", "\x00"])
def test_lint_traps_takes_anything(source):
    from kerasmagic.diagnosis.traps import inspect_after_run, lint_traps

    assert isinstance(lint_traps(source), list)
    assert isinstance(inspect_after_run(source, {"x": object()}, object()), list)


# -- through the real magic and the CLI ----------------------------------------------------------
SGD_CELL = "from tensorflow.keras.optimizers import SGD\nopt = SGD(lr=0.1, momentum=0.9)\n"


@pytest.mark.envs("tf215-k2", "tf221-legacy")
def test_keras_check_reports_the_trap_of_a_cell_that_ran(ipshell, capsys):
    ipshell.run_cell("%%keras_check --json\n" + SGD_CELL, store_history=False)
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert data["ok"] is True
    trap = data["traps"][0]
    assert trap["id"] == "optimizer-lr-ignored" and "0.01" in trap["title"]
    assert "SGD(learning_rate=0.1, momentum=0.9)" in data["fixed_source"]
    assert abs(float(ipshell.user_ns["opt"].learning_rate) - 0.01) < 1e-6  # really ignored


@pytest.mark.envs("tf215-k2", "tf221-legacy")
def test_global_mode_reports_the_trap_after_a_plain_cell(ipshell, capsys):
    ipshell.run_line_magic("keras_check", "on")
    try:
        ipshell.run_cell(SGD_CELL, store_history=False)
        text = "".join(capsys.readouterr())
        ipshell.run_cell("plain = 1", store_history=False)
        quiet = "".join(capsys.readouterr())
    finally:
        ipshell.run_line_magic("keras_check", "off")
    assert "lr=0.1" in text and "learning_rate" in text
    assert "kerasmagic" not in quiet.replace("cell checking off", "")


@pytest.mark.envs("tf215-k2", "tf221-legacy")
def test_cli_json_has_the_traps_key_with_stable_ids(tmp_path):
    path = tmp_path / "cell.py"
    path.write_text("import tensorflow as tf\nopt = tf.keras.optimizers.Adam(lr=0.01)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    data = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert [t["id"] for t in data["traps"]] == ["optimizer-lr-ignored"]
    assert proc.returncode == 1  # an error-severity trap fails the check, scripts can gate on it


@pytest.mark.parametrize(
    "module, name",
    [("text", "Tokenizer"), ("sequence", "TimeseriesGenerator"), ("image", "ImageDataGenerator")],
)
def test_the_legacy_shims_verify_line_names_the_module_it_was_found_in(module: str, name: str):
    """Issue 32, item 6: the shim finding's verify line named `keras.preprocessing.image` for
    every shim (`Tokenizer` is in `preprocessing.text`): it names the module of the import."""
    from kerasmagic.diagnosis.engine import lint

    if ENV_NAME not in ("tf221-k3", "colab", "tf215-broken-k3"):
        pytest.skip("tf.keras is Keras 3 with its legacy shims in tf221-k3, colab, tf215-broken-k3")
    source = (
        f"import tensorflow as tf\nfrom tensorflow.keras.preprocessing.{module} import {name}\n"
        f"made = {name}\n"
    )
    shims = [f for f in lint(source).traps if f.id == "keras3-legacy-shim"]
    assert shims, [f.id for f in lint(source).traps]
    assert f"from keras.preprocessing.{module} import {name}" in shims[0].verify
