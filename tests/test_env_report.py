"""%keras_env / `python -m kerasmagic env`: facts compared with what each real environment holds."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ENV_NAME, run_python, run_python_json
from environments import HAS_KERAS, HAS_TF, TF_KERAS_IS, here

from kerasmagic.render.base import REPORT_JSON

HEAVY = ("tensorflow", "keras", "tf_keras", "jax", "torch", "ipywidgets")


def cli_env(*args: str, cwd: str | None = None, env: dict[str, str] | None = None) -> dict:
    full = dict(os.environ, **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "env", "--json", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_import_kerasmagic_imports_no_heavy_module():
    proc = run_python(
        "import kerasmagic, kerasmagic.extension", env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert proc.returncode == 0, proc.stderr
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if "|" in line
    }
    assert "kerasmagic" in imported
    assert not imported & set(HEAVY), imported & set(HEAVY)


def test_loading_the_extension_imports_no_heavy_module():
    out = run_python_json(
        """
        import json, sys
        from IPython.testing.globalipapp import start_ipython
        shell = start_ipython()
        before = set(sys.modules)
        shell.run_line_magic("load_ext", "kerasmagic")
        new = sorted({m.split(".")[0] for m in set(sys.modules) - before})
        print(json.dumps(new))
        """
    )
    assert not set(out) & set(HEAVY), out


def test_env_json_matches_installed_metadata():
    report = cli_env()
    assert report["python"]["executable"] == sys.executable
    assert report["python"]["version"].startswith(f"{sys.version_info[0]}.{sys.version_info[1]}")
    by_name = {p["name"]: p for p in report["packages"]}
    for name in ("tensorflow", "keras", "tf-keras", "jax", "numpy", "protobuf", "ipython"):
        try:
            version = md.version(name)
        except md.PackageNotFoundError:
            assert name not in by_name or not by_name[name]["installed"]
            continue
        assert by_name[name]["installed"] == version
        assert by_name[name]["imported"] is False  # the CLI imports nothing it reports on
    assert set(report) >= {
        "python",
        "packages",
        "keras",
        "conflicts",
        "shadows",
        "findings",
        "env_vars",
    }
    for finding in report["findings"]:
        assert finding["severity"] in ("error", "warning", "info")
        assert finding["title"] and (finding["fix"] or finding["fix_code"])


def test_version_lookup_agrees_with_importlib_metadata(tmp_path: Path):
    """``version_of`` finds a distribution by one listing of each ``sys.path`` folder; it must
    give ``importlib.metadata.version``'s answer for every installed distribution, for names that
    are not installed, for a copy that shadows another one later on the path, and where a zip
    file on the path makes it use importlib's own search."""
    for folder, version in (("early", "9.0"), ("late", "1.0")):
        info = tmp_path / folder / f"km_shadowed-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: km-shadowed\nVersion: {version}\n"
        )
    out = run_python_json(
        f"""
        import importlib.metadata as md, json, sys, zipfile
        sys.path[:0] = [{str(tmp_path / "early")!r}]
        sys.path.append({str(tmp_path / "late")!r})
        from kerasmagic.probes import distributions as D

        def reference(name):
            try:
                return md.version(name)
            except md.PackageNotFoundError:
                return None

        names = [d.metadata["Name"] for d in md.distributions()]
        names += ["km-not-installed", "KM_Shadowed", "tensorflow-cpu", "tf_keras", "Tf.Keras"]
        differ = [n for n in names if D.version_of(n) != reference(n)]
        zipped = {str(tmp_path / "lib.zip")!r}
        with zipfile.ZipFile(zipped, "w") as z:
            z.writestr("kmzip-2.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: kmzip\\nVersion: 2.0\\n")
        sys.path.append(zipped)
        print(json.dumps({{"n": len(names), "differ": differ, "shadowed": D.version_of("km-shadowed"),
                          "zip": D.version_of("kmzip"), "listed": D._metadata_folders() is None}}))
        """
    )
    assert out["n"] > 5 and out["differ"] == []
    assert out["shadowed"] == "9.0"  # the first along sys.path, as importlib finds it
    assert out["zip"] == "2.0" and out["listed"] is True


def test_conflicts_are_those_a_full_parse_of_every_requirement_finds(tmp_path: Path):
    """``requirement_conflicts`` skips a ``Requires-Dist`` line whose dependency is not installed
    without parsing it; its answer must be the one of parsing every line of every installed
    distribution with ``packaging``, here and for a distribution with tricky lines (odd spelling
    of the name, extras, markers, a violated pin, a dependency that is not installed)."""
    info = tmp_path / "km_needy-1.0.dist-info"
    info.mkdir()
    lines = [
        "Name: km-needy",
        "Version: 1.0",
        "Requires-Dist: IPython (<1.0)",
        "Requires-Dist: PACKAGING[extra-x]<1; python_version >= '3'",
        "Requires-Dist:  prompt_toolkit<1",
        "Requires-Dist: pytest<1; extra == 'test'",
        "Requires-Dist: km-never-installed>=1",
        "Requires-Dist: ipython<1; sys_platform == 'nowhere'",
    ]
    (info / "METADATA").write_text("Metadata-Version: 2.1\n" + "\n".join(lines) + "\n\nText.\n")
    out = run_python_json(
        f"""
        import importlib.metadata as md, json, sys
        sys.path.append({str(tmp_path)!r})
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
        from packaging.version import Version
        from kerasmagic.probes import distributions as D

        versions = D.installed_versions()
        names = sorted(versions)

        def reference():
            found = []
            for pkg in names:
                for line in D._requires(pkg):
                    try:
                        req = Requirement(line)
                        if req.marker is not None and not req.marker.evaluate({{"extra": ""}}):
                            continue
                    except Exception:  # unparsable: kerasmagic skips it too
                        continue
                    have = versions.get(canonicalize_name(req.name))
                    if have is not None and not req.specifier.contains(Version(have), prereleases=True):
                        found.append([pkg, canonicalize_name(req.name), have])
            return found

        mine = [[c.package, c.dependency, c.installed] for c in D.requirement_conflicts(names)]
        print(json.dumps({{"n": len(names), "mine": mine, "reference": reference()}}))
        """
    )
    assert out["n"] > 5
    assert out["mine"] == out["reference"]
    needy = {dep for pkg, dep, _ in out["mine"] if pkg == "km-needy"}
    assert needy == {"ipython", "packaging", "prompt-toolkit"}


def test_tf_keras_prediction_matches_a_real_import():
    report = cli_env("--probe")
    expected = here(TF_KERAS_IS, "unknown")
    assert report["keras"]["tf_keras_kind"] == (
        expected if ENV_NAME != "local" else report["keras"]["tf_keras_kind"]
    )
    fresh = report["fresh_import"]
    if HAS_TF.get(ENV_NAME):
        measured = run_python_json(
            """
            import json, tensorflow as tf
            print(json.dumps({"name": tf.keras.__name__, "file": tf.keras.__file__}))
            """
        )
        assert fresh["tf_keras_module"] == measured["name"]
        # what was predicted without importing equals what a fresh import gives
        assert fresh["tf_keras_kind"] == report["keras"]["tf_keras_kind"]
    elif ENV_NAME != "local":
        assert "tensorflow" not in fresh


@pytest.mark.envs("tf215-broken-k3")
def test_keras3_over_tf215_is_reported_with_the_pip_line():
    report = cli_env()
    ids = [f["id"] for f in report["findings"]]
    assert "keras3-over-old-tf" in ids
    # the generic conflict is listed once, explained by the specific finding above
    assert [(c["package"], c["dependency"]) for c in report["conflicts"]] == [
        ("tensorflow", "keras")
    ]
    assert "dependency-conflict" not in ids
    over = next(f for f in report["findings"] if f["id"] == "keras3-over-old-tf")
    requirement = next(r for r in md.requires("tensorflow") if r.startswith("keras"))
    assert over["severity"] == "error"
    assert "keras" in over["fix_code"] and "2.16" in over["fix_code"], over["fix_code"]
    assert "2.16" in requirement  # the fix follows TensorFlow's own declared range
    assert over["versions"] == {
        "tensorflow": md.version("tensorflow"),
        "keras": md.version("keras"),
    }


@pytest.mark.envs("tf221-k3", "tf221-legacy", "tf215-k2", "colab")
def test_legacy_variable_timing_is_measured_not_guessed():
    """Set after `import tensorflow`: the report says the two moments; then compare with reality."""
    out = run_python_json(
        """
        import json, os
        os.environ.pop("TF_USE_LEGACY_KERAS", None)
        import tensorflow as tf
        from kerasmagic.report import build_env_report
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        before = build_env_report()
        try:
            name, file = tf.keras.__name__, tf.keras.__file__
        except Exception as exc:
            name, file = f"{type(exc).__name__}: {exc}", None
        after = build_env_report()
        print(json.dumps({
            "before": [f.id for f in before.findings], "before_kind": before.keras.tf_keras_kind,
            "accessed_before": before.keras.tf_keras_accessed,
            "after_kind": after.keras.tf_keras_kind, "after_accessed": after.keras.tf_keras_accessed,
            "name": name, "file": file, "has_tf_keras": __import__("importlib").util.find_spec("tf_keras") is not None,
        }))
        """,
        env={"TF_USE_LEGACY_KERAS": ""},
    )
    assert out["accessed_before"] is False
    assert "legacy-env-split" in out["before"]
    if out["has_tf_keras"]:
        assert out["name"].startswith("tf_keras")  # still effective: read at first access
        assert out["before_kind"] == "tf_keras" == out["after_kind"]
        assert out["after_accessed"] is True
    else:  # TF 2.15 honours the variable too, and then needs the missing tf_keras package
        assert out["before_kind"] == "broken"
        assert out["name"].startswith("ImportError") and "Keras cannot be imported" in out["name"]


def test_shadowing_file_in_working_directory_is_reported(tmp_path: Path):
    (tmp_path / "keras.py").write_text("raise ImportError('this is not keras')\n")
    report = cli_env(cwd=str(tmp_path))
    shadows = [f for f in report["findings"] if f["id"] == "shadowing-file"]
    if not here(HAS_KERAS, True):  # nothing installed to hide: no shadow (issue 18, item 11)
        assert not shadows, shadows
        return
    assert shadows and str(tmp_path / "keras.py") in shadows[0]["title"]


def _fake_dist(root: Path, name: str, version: str, metadata: str | None = None) -> None:
    """A real (tiny) installed distribution: a module plus its .dist-info, as pip lays it out."""
    (root / f"{name}.py").write_text(f"__version__ = {version!r}\n")
    info = root / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        metadata
        if metadata is not None
        else f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    )


def test_installed_vs_imported_drift_after_upgrade(tmp_path: Path):
    out = run_python_json(
        f"""
        import json, shutil, sys
        from pathlib import Path
        root = Path({str(tmp_path)!r})
        sys.path.insert(0, str(root))
        (root / "kmdrift.py").write_text("__version__ = '1.0'\\n")
        info = root / "kmdrift-1.0.dist-info"; info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\\nName: kmdrift\\nVersion: 1.0\\n")
        import kmdrift
        from kerasmagic.probes.distributions import package_states
        before = package_states({{"kmdrift": "kmdrift"}})[0]
        # the upgrade, as pip does it: new files, new dist-info, the old module still imported
        shutil.rmtree(info); (root / "kmdrift.py").write_text("__version__ = '2.0'\\n")
        info2 = root / "kmdrift-2.0.dist-info"; info2.mkdir()
        (info2 / "METADATA").write_text("Metadata-Version: 2.1\\nName: kmdrift\\nVersion: 2.0\\n")
        import importlib; importlib.invalidate_caches()
        after = package_states({{"kmdrift": "kmdrift"}})[0]
        from kerasmagic.diagnosis.env_findings import stale_findings
        from kerasmagic.probes.interpreter import interpreter_facts
        f = stale_findings([after], interpreter_facts())
        print(json.dumps([before.stale, after.stale, after.installed, after.imported_version,
                          [x.fix for x in f]]))
        """
    )
    assert out[0] is False and out[1] is True
    assert out[2:4] == ["2.0", "1.0"]
    assert out[4] and "Restart" in out[4][0] or "restart" in out[4][0].lower()


def test_report_read_again_sees_a_new_install_and_a_new_local_file(tmp_path: Path):
    """What the report keeps between calls (installed versions, requirements, local files) is
    read again once an install or a new file changes a folder on ``sys.path``."""
    site = tmp_path / "site"
    work = tmp_path / "work"
    site.mkdir()
    work.mkdir()
    out = run_python_json(
        f"""
        import json, os, sys
        from pathlib import Path
        os.chdir({str(work)!r}); sys.path.insert(0, ""); sys.path.insert(1, {str(site)!r})
        from kerasmagic.probes.distributions import installed_versions, requirement_conflicts
        from kerasmagic.probes.shadowing import find_shadows
        seen = [("kmnew" in installed_versions(), len(requirement_conflicts(["kmnew"])),
                 [s.module for s in find_shadows(("kmnew",))])]
        info = Path({str(site)!r}) / "kmnew-1.0.dist-info"; info.mkdir()
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\\nName: kmnew\\nVersion: 1.0\\nRequires-Dist: kmdep>=2\\n")
        dep = Path({str(site)!r}) / "kmdep-1.0.dist-info"; dep.mkdir()
        (dep / "METADATA").write_text("Metadata-Version: 2.1\\nName: kmdep\\nVersion: 1.0\\n")
        (Path({str(site)!r}) / "kmnew.py").write_text("")
        Path("kmnew.py").write_text("")
        seen.append(("kmnew" in installed_versions(), len(requirement_conflicts(["kmnew"])),
                     [s.module for s in find_shadows(("kmnew",))]))
        print(json.dumps(seen))
        """
    )
    assert out == [[False, 0, []], [True, 1, ["kmnew"]]]


def test_corrupt_metadata_is_survived(tmp_path: Path):
    _fake_dist(tmp_path, "kmbroken", "1.0", metadata="this is not metadata\x00")
    out = run_python_json(
        f"""
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from kerasmagic.probes.distributions import package_states, installed_versions
        from kerasmagic.report import build_env_report
        states = package_states({{"kmbroken": "kmbroken"}})
        build_env_report()
        print(json.dumps([(s.installed, s.metadata_error) for s in states]))
        """
    )
    assert all(installed is None or error is None for installed, error in out)


def test_tensorflow_whose_import_raises_is_reported_by_probe(tmp_path: Path):
    pkg = tmp_path / "tensorflow"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "raise RuntimeError('DLL load failed: simulated broken build')\n"
    )
    report = cli_env("--probe", env={"PYTHONPATH": str(tmp_path)})
    assert "RuntimeError" in report["fresh_import"].get("tensorflow_error", "")
    shadowing = any(f["id"] == "shadowing-file" for f in report["findings"])
    assert shadowing is bool(here(HAS_TF, True))  # a shadow only where it hides a real TF


def test_magic_json_usage_and_unload(ipshell, capsys):
    ipshell.run_line_magic("keras_env", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["python"]["executable"] == sys.executable
    ipshell.run_line_magic("load_ext", "kerasmagic")  # twice: harmless
    assert "keras_env" in ipshell.magics_manager.magics["line"]
    result = ipshell.run_cell("%keras_env --no-such-flag")
    assert result.error_in_exec is None or type(result.error_in_exec).__name__ == "UsageError"
    report = ipshell.run_line_magic("keras_env", "-o")
    assert report.to_dict()["python"]["executable"] == sys.executable
    ipshell.run_line_magic("unload_ext", "kerasmagic")
    for kind in ("line", "cell"):
        assert not any(n.startswith("keras_") for n in ipshell.magics_manager.magics[kind])
    ipshell.run_line_magic("load_ext", "kerasmagic")


def test_report_views_carry_the_same_findings():
    from kerasmagic.render.env import EnvView
    from kerasmagic.report import build_env_report

    report = build_env_report()
    bundle = EnvView(report)._repr_mimebundle_()
    assert set(bundle) >= {"text/plain", "text/html", "text/markdown", REPORT_JSON}
    for f in report.findings:
        assert f.title in bundle["text/plain"]
        assert f.id in bundle["text/html"]
        assert f.id in bundle["text/markdown"]
    assert bundle[REPORT_JSON]["findings"] == json.loads(
        json.dumps([f.to_dict() for f in report.findings])
    )
    assert textwrap.dedent(bundle["text/plain"]).startswith("kerasmagic")


@pytest.mark.envs("tf215-broken-k3")
def test_the_root_cause_ranks_before_a_generic_conflict():
    """Issue 19, item 8: Keras 3 over TF 2.15 is the cause; a dependency conflict of TensorFlow's
    (ml-dtypes outside its declared range, as a later install leaves it) ranks after it."""
    from packaging.requirements import Requirement

    from kerasmagic.diagnosis import env_findings as ef
    from kerasmagic.probes.distributions import Conflict, installed_versions
    from kerasmagic.probes.interpreter import interpreter_facts
    from kerasmagic.probes.keras_setup import keras_setup

    versions = installed_versions()
    interp = interpreter_facts(None)
    declared = next(
        r for r in md.requires("tensorflow") or [] if Requirement(r).name == "ml-dtypes"
    )
    outside = "99.0"  # any version outside TensorFlow's declared range
    assert outside not in Requirement(declared).specifier
    conflict = Conflict("tensorflow", versions["tensorflow"], declared, "ml-dtypes", outside)
    # the order build_env_report passes its groups in: conflicts before the Keras findings
    findings = ef.all_env_findings(
        ef.conflict_findings([conflict], interp),
        ef.keras_findings(keras_setup(versions), versions, interp),
    )
    ids = [f.id for f in findings]
    assert ids[0] == "keras3-over-old-tf", ids
    assert "dependency-conflict" in ids


@pytest.mark.envs("tf215-broken-k3")
def test_probe_output_has_no_internal_names():
    """Issue 19, item 8: ``--probe`` says what a fresh import gives in words (no field names such
    as ``tf_keras_module``), and the optimizer section labels a class once (``[A]``)."""
    proc = run_python(
        "import kerasmagic\nprint(str(kerasmagic.env_report(probe=True)))", timeout=900
    )
    text = proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "did not run" not in text, text  # the probe measured
    assert "Keras 3" in text.split("A fresh import", 1)[1]
    for internal in ("tf_keras_module", "tf_keras_kind", "tf_keras_version", "keras3 ", "[["):
        assert internal not in text, internal


def test_one_backend_for_the_report_and_the_diagnosis(tmp_path: Path):
    """``~/.keras/keras.json`` names the backend before Keras is imported: the env report and
    the rules (``keras_backend``) read it from the one probe, and agree; ``KERAS_BACKEND`` wins
    over it; once Keras is imported, the live backend is what both say."""
    home = tmp_path / "keras-home"
    home.mkdir()
    (home / "keras.json").write_text('{"backend": "jax"}')
    code = """
        import json, os, sys
        os.environ.pop("KERAS_BACKEND", None)
        from kerasmagic.probes import keras_setup
        out = {"before": [keras_setup.keras_backend(), keras_setup.configured_backend()]}
        os.environ["KERAS_BACKEND"] = "torch"
        out["variable"] = keras_setup.configured_backend()
        print(json.dumps(out))
        """
    data = run_python_json(code, env={"KERAS_HOME": str(home)})
    assert data["before"] == ["jax", ["jax", "keras.json"]]
    assert data["variable"] == ["torch", "KERAS_BACKEND"]
    if here(HAS_KERAS):
        live = run_python_json(
            """
            import json, keras
            from kerasmagic.probes import keras_setup
            from kerasmagic.probes.keras_setup import keras_setup as setup
            print(json.dumps([keras_setup.configured_backend(), keras.backend.backend(),
                              setup({"keras": keras.__version__}).backend]))
            """
        )
        assert live[0] == [live[1], "live"] and live[2] == live[1]
