"""Issue 32, item 9: the CLI as typed says what it takes and what went wrong, in the words of the
command at hand — ``check --help`` shows ``-- ARGS``, ``env --jsn`` is the ``env`` command's
usage error (did you mean --json?), ``optimizers adamm`` a usage error with the near name — and
the save_weights fix of ``model.ckpt`` replaces the suffix (``model.weights.h5``)."""

from __future__ import annotations

import json

import pytest
from environments import CLI_ENVS, KERAS_MAJOR, here
from migrate_helpers import kerasmagic_cli as _cli

TOP_LEVEL_USAGE = "{env,check,optimizers,migrate}"


@pytest.mark.envs(*CLI_ENVS)
def test_check_help_shows_the_scripts_own_arguments():
    proc = _cli("check", "--help")
    assert proc.returncode == 0, proc.stderr
    usage = proc.stdout.split("\n\n", 1)[0]
    assert "file [-- ARGS ...]" in " ".join(usage.split()), proc.stdout
    assert "-- ARGS" in proc.stdout.split("positional arguments:", 1)[1], proc.stdout
    assert "(as in: python FILE ARGS)" in " ".join(proc.stdout.split())


@pytest.mark.envs(*CLI_ENVS)
def test_check_passes_the_arguments_after_the_separator_and_refuses_them_before(tmp_path):
    script = tmp_path / "argv.py"
    script.write_text("import sys\nprint('ARGV', sys.argv[1:])\n")
    ran = _cli("check", str(script), "--", "data.csv", "--json")
    assert ran.returncode == 0 and "ARGV ['data.csv', '--json']" in ran.stdout, ran.stderr
    refused = _cli("check", str(script), "data.csv")
    assert refused.returncode == 2 and "ARGV" not in refused.stdout
    assert refused.stderr.startswith("usage: python -m kerasmagic check"), refused.stderr
    assert f"go after `--`: check {script} -- data.csv" in refused.stderr


@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.parametrize(
    "argv, command, near",
    [
        (["env", "--jsn"], "env", "--json"),
        (["env", "--prboe"], "env", "--probe"),
        (["check", "x.py", "--lnt"], "check", "--lint"),
        (["optimizers", "--jsno"], "optimizers", "--json"),
    ],
)
def test_an_unknown_option_is_the_commands_own_usage_error(argv, command, near):
    proc = _cli(*argv)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"usage: python -m kerasmagic {command} "), proc.stderr
    assert TOP_LEVEL_USAGE not in proc.stderr, proc.stderr
    assert f"python -m kerasmagic {command}: error: unrecognized arguments: {argv[-1]}" in (
        proc.stderr
    )
    assert f"(did you mean {near}?)" in proc.stderr, proc.stderr


@pytest.mark.envs(*CLI_ENVS, "tf215-k2")  # and Keras 2's names
@pytest.mark.parametrize("typo, near", [("adamm", "adam"), ("sgdd", "sgd"), ("RMSpro", "rmsprop")])
def test_an_optimizer_name_no_keras_has_is_a_usage_error_with_the_near_name(typo, near):
    proc = _cli("optimizers", typo)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert proc.stdout == ""
    assert f"no optimizer is named {typo!r}; did you mean {near}?" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_real_optimizer_names_are_measured_even_where_this_keras_lacks_one():
    """``lamb`` is a Keras 3 optimizer: where the Keras here lacks it, the report says so."""
    proc = _cli("optimizers", "adam", "lamb", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [o["name"] for o in json.loads(proc.stdout)["optimizers"]] in ([], ["adam", "lamb"])


@pytest.mark.envs(*CLI_ENVS)
@pytest.mark.skipif(here(KERAS_MAJOR) != 3, reason="Keras 3 refuses a .ckpt weights file name")
@pytest.mark.parametrize("suffix", [".ckpt", ".keras"])
def test_the_save_weights_fix_replaces_the_old_suffix(tmp_path, suffix):
    script = tmp_path / "train.py"
    name = f"model{suffix}"
    script.write_text(
        "import keras\n"
        "model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])\n"
        f"model.save_weights({name!r})\n"
        f"model.load_weights({name!r})\n"
    )
    proc = _cli("check", str(script), "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-3000:]
    fixed = json.loads(proc.stdout)["fixed_source"]
    assert fixed is not None, proc.stdout[-3000:]
    assert "model.save_weights('model.weights.h5')" in fixed, fixed
    assert "model.load_weights('model.weights.h5')" in fixed, fixed
    assert f"{suffix}.weights.h5" not in fixed
