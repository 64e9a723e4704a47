"""Never advise installing what is installed (issue 19, item 4): every install advice of the
catalogue goes through ``kerasmagic.knowledge.installs``, which reads the installed distributions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_python_json
from environments import HAS_TF, here

from kerasmagic.diagnosis import live
from kerasmagic.knowledge.catalogue import load_catalogue
from kerasmagic.knowledge.installs import code_for, fix_for, satisfied
from kerasmagic.probes.distributions import version_of

# "install" as advice: "Install …", "install `x`", "%pip install x" (not "installed", "uninstall")
ADVICE = re.compile(r"(?<![A-Za-z])install(?![A-Za-z])", re.I)


def test_installed_and_satisfied_read_the_real_distributions():
    version = version_of("packaging")
    assert version and version_of("Packaging") == version
    assert satisfied("packaging") == version
    assert satisfied(f"packaging=={version}") == version
    assert satisfied("packaging<0.1") is None
    assert version_of("kerasmagic-no-such-distribution") is None
    assert satisfied("kerasmagic-no-such-distribution") is None
    assert satisfied("tf-keras~={no_such_placeholder}.0") is None  # unreadable: advice stays


def test_every_fix_that_advises_an_install_names_what_it_installs():
    for e in load_catalogue():
        if ADVICE.search(e.fix + " " + (e.fix_code or "")):
            assert e.install, f"{e.id}: its fix advises an install but has no `install`"
            assert e.fix_installed, f"{e.id}: no `fix_installed` for when it is installed"
        if e.fix_installed:
            assert not ADVICE.search(e.fix_installed), (e.id, e.fix_installed)


def _live_fill(text: str) -> str:
    """Fill an entry's placeholders with this environment's versions (as the engine does)."""
    values = {k.replace("-", "_"): v for k, v in live.versions().items()}
    values.update(backend="tensorflow", distribution="tf-keras", module="tf_keras")
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def test_every_install_advice_follows_what_is_installed_here():
    """Walk every catalogue entry's fix through the helper, in this environment: where what it
    would install is installed in a fitting version, no install advice is left."""
    walked = 0
    for e in load_catalogue():
        text = fix_for(e, _live_fill)
        code = code_for(e, _live_fill)
        if not e.install:
            continue
        walked += 1
        requirement = _live_fill(e.install)
        if satisfied(requirement):
            assert not ADVICE.search(text), (e.id, requirement, text)
            assert code is None, (e.id, code)
            assert satisfied(requirement) in text, (e.id, text)  # says which version is there
        else:
            assert ADVICE.search(text), (e.id, requirement, text)
    assert walked >= 10


LEGACY_CELL = "import tensorflow as tf\nopt = tf.keras.optimizers.legacy.Adam(learning_rate=0.01)\n"
DIAGNOSE = f"""
import json
from kerasmagic.diagnosis.engine import check
r = check({LEGACY_CELL!r})
print(json.dumps({{f.id: [f.fix, f.fix_code] for f in r.suggestions}}))
"""


@pytest.mark.envs("colab", "tf221-k3")
@pytest.mark.skipif(not here(HAS_TF, False), reason="needs TensorFlow")
def test_legacy_optimizer_advice_depends_on_tf_keras_being_installed():
    """Colab has tf_keras 2.20.1: the fix says so and gives the working step, not an install.
    tf221-k3 has no tf_keras: the fix gives the install line of the matching release."""
    fixes = run_python_json(DIAGNOSE, env={"TF_USE_LEGACY_KERAS": ""})
    fix, code = fixes["legacy-optimizers-keras3"]
    have = version_of("tf-keras")
    tf_minor = ".".join((version_of("tensorflow") or "").split(".")[:2])
    if have and satisfied(f"tf-keras~={tf_minor}.0"):
        assert not ADVICE.search(fix), fix
        assert f"tf_keras {have} is installed" in fix
        assert "TF_USE_LEGACY_KERAS" in fix and "import tf_keras" in fix
        assert code is None
    else:
        assert f'tf-keras~={tf_minor}.0"' in fix and ADVICE.search(fix), fix


def test_versions_follow_an_install_made_after_the_first_diagnosis(tmp_path: Path):
    """``%pip install scipy`` in the running kernel: the next diagnosis fills its findings with
    the version now installed, not the one read before (kept only while nothing is installed)."""
    out = run_python_json(
        f"""
        import importlib, json, sys
        from pathlib import Path
        site = Path({str(tmp_path)!r})
        sys.path.insert(0, str(site))
        from kerasmagic.diagnosis import live
        from kerasmagic.knowledge.installs import satisfied
        from kerasmagic.probes.distributions import version_of
        before = live.versions().get("scipy"), version_of("scipy"), satisfied("scipy>=99")
        info = site / "scipy-99.1.dist-info"; info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\\nName: scipy\\nVersion: 99.1\\n")
        importlib.invalidate_caches()
        after = live.versions().get("scipy"), version_of("SciPy"), satisfied("scipy>=99")
        print(json.dumps({{"before": before, "after": after}}))
        """
    )
    assert "99.1" not in out["before"]  # the live versions, the install advice, its requirement
    assert out["after"] == ["99.1", "99.1", "99.1"]
