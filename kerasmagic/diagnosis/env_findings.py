"""Turn the probed environment into ranked, actionable findings for ``%keras_env``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kerasmagic.findings import Finding, ranked
from kerasmagic.knowledge.catalogue import entry, fill
from kerasmagic.knowledge.installs import fix_for

if TYPE_CHECKING:
    from kerasmagic.probes.distributions import Conflict, PackageState
    from kerasmagic.probes.interpreter import Interpreter
    from kerasmagic.probes.keras_setup import KerasSetup
    from kerasmagic.probes.shadowing import Shadow

BACKEND_DISTS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy"}


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _from_catalogue(entry_id: str, versions: dict[str, str], **fields: str) -> Finding:
    e = entry(entry_id)
    values = {**versions, **fields}
    return Finding(
        id=e.id,
        severity=e.severity,
        title=fill(e.title, values),
        cause=fill(e.cause, values),
        fix=fix_for(e, lambda text: fill(text, values)),
        versions={k: v for k, v in versions.items() if k in e.applies},
        references=[e.source],
    )


def stale_findings(packages: list[PackageState], interp: Interpreter) -> list[Finding]:
    out = []
    stale = [p for p in packages if p.stale]
    for p in stale:
        modules = stale_modules(p.module)
        out.append(
            Finding(
                id="installed-differs-from-imported",
                severity="error",
                title=f"{p.module} {p.imported_version} is running, but {p.installed} is installed",
                cause=(
                    f"{p.name} was upgraded or downgraded (to {p.installed}) after this process had "
                    f"imported {p.imported_version}. Python keeps the imported modules: {interp.here} "
                    f"still runs {p.imported_version}, and mixing it with newly imported modules fails "
                    f"in confusing ways. {len(modules)} modules of {p.module} loaded in this process "
                    "are stale (listed below)."
                ),
                details_label="stale modules",
                details=modules,
                fix=f"Restart the runtime ({interp.restart_hint}) so the installed version is used.",
                versions={
                    p.name: p.installed or "",
                    f"{p.module} (imported)": p.imported_version or "",
                },
                restart_needed=True,
            )
        )
    return out


def stale_modules(top: str) -> list[str]:
    """Names of the loaded modules of package ``top`` (the ones a restart would reload)."""
    import sys

    prefix = top + "."
    return sorted(m for m in list(sys.modules) if m == top or m.startswith(prefix))


def conflict_findings(conflicts: list[Conflict], interp: Interpreter) -> list[Finding]:
    out = []
    for c in conflicts:
        heavy = c.package in ("tensorflow", "tf-keras", "keras", "tensorflow-cpu", "tf-nightly")
        out.append(
            Finding(
                id="dependency-conflict",
                severity="error" if heavy else "warning",
                title=f"{c.package} {c.package_version} requires {c.fix_spec}, but {c.dependency} {c.installed} is installed",
                cause=(
                    f"The installed {c.dependency} {c.installed} is outside what {c.package} "
                    f"{c.package_version} declares ({c.fix_spec}). Usually a later `pip install` "
                    "of another package replaced it."
                ),
                fix="Install a version inside the declared range, then restart the runtime.",
                fix_code=interp.install_command(c.fix_spec),
                versions={c.package: c.package_version, c.dependency: c.installed or ""},
                restart_needed=True,
                # a generic check: a named cause of the same severity (keras3-over-old-tf) ranks
                # first, since it explains the set-up this conflict is a symptom of
                confidence=0.9,
            )
        )
    return out


def keras_findings(
    setup: KerasSetup, versions: dict[str, str], interp: Interpreter
) -> list[Finding]:
    out: list[Finding] = []
    tf = versions.get("tensorflow")
    keras = versions.get("keras")
    tf_keras = versions.get("tf-keras")
    legacy_on = setup.legacy_env in ("true", "True", "1")
    catalogue_versions = dict(versions)

    if tf and keras and entry("keras3-over-old-tf").applies_to(versions):
        wanted = (
            _declared_requirement("tensorflow", "keras")
            or f"keras>={_minor(tf)},<{_next_minor(tf)}"
        )
        f = _from_catalogue("keras3-over-old-tf", catalogue_versions, tf_requires=wanted)
        f.fix_code = interp.install_command(wanted)
        f.restart_needed = True
        out.append(f)

    if legacy_on and tf and not tf_keras and entry("legacy-keras-missing").applies_to(versions):
        f = _from_catalogue(
            "legacy-keras-missing",
            catalogue_versions,
            legacy_env=setup.legacy_env or "",
            tensorflow_minor=_minor(tf),
        )
        f.fix_code = interp.install_command(f"tf-keras~={_minor(tf)}.0")
        f.restart_needed = setup.tf_keras_accessed is True
        out.append(f)

    if (
        setup.legacy_env is not None
        and tf
        and entry("legacy-env-ignored-old-tf").applies_to(versions)
    ):
        out.append(_from_catalogue("legacy-env-ignored-old-tf", catalogue_versions))

    if tf and tf_keras and entry("tf-keras-version-mismatch").applies_to(versions):
        if _minor(tf) != _minor(tf_keras):
            f = _from_catalogue("tf-keras-version-mismatch", catalogue_versions, tf_keras=tf_keras)
            f.fix_code = interp.install_command(f"tf-keras~={_minor(tf)}.0")
            out.append(f)

    # The variable changed after TensorFlow read it: say which moment passed.
    if setup.tf_imported and setup.legacy_env_at_tf_import is not None:
        if setup.tf_keras_accessed and legacy_on != (setup.tf_keras_kind == "tf_keras"):
            # the same fact as the trap a cell falls into (one catalogue entry for both)
            f = _from_catalogue(
                "legacy-keras-env-too-late",
                catalogue_versions,
                value=str(setup.legacy_env),
                what="`tf.keras`",
                actual=f"{setup.tf_keras_module} ({setup.tf_keras_kind})",
                moment="`tf.keras` was already resolved, and `import tensorflow` ran with the "
                f"variable {'set' if setup.legacy_env_at_tf_import else 'unset'}",
            )
            f.fix = f"{f.fix} ({interp.restart_hint})"
            f.fix_code = entry("legacy-keras-env-too-late").fix_code
            f.restart_needed = True
            out.append(f)
        elif legacy_on != setup.legacy_env_at_tf_import:
            out.append(
                Finding(
                    id="legacy-env-split",
                    severity="warning",
                    title="TF_USE_LEGACY_KERAS changed after `import tensorflow`: tf.keras and `from tensorflow.keras import …` will disagree",
                    cause=(
                        "TensorFlow read the variable twice: at `import tensorflow` (it was "
                        f"{'set' if setup.legacy_env_at_tf_import else 'unset'} then) to route "
                        "`from tensorflow.keras… import …` statements, and it will read it again "
                        "at the first use of `tf.keras`. Set now, `tf.keras.X` and "
                        "`from tensorflow.keras import X` give objects of two different Keras."
                    ),
                    fix=f"Set the variable before `import tensorflow` and restart the runtime ({interp.restart_hint}).",
                    fix_code='import os\nos.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow as tf',
                    restart_needed=True,
                )
            )

    if (
        setup.keras_imported
        and setup.backend_env
        and setup.backend
        and setup.backend_source == "live"
    ):
        if setup.backend_env != setup.backend:
            out.append(
                Finding(
                    id="backend-env-too-late",
                    severity="warning",
                    title=f"KERAS_BACKEND={setup.backend_env} was set after `import keras`: the backend is {setup.backend}",
                    cause="Keras 3 reads KERAS_BACKEND once, when `keras` is first imported.",
                    fix=f"Set it before the first `import keras` and restart the runtime ({interp.restart_hint}).",
                    fix_code=f'import os\nos.environ["KERAS_BACKEND"] = "{setup.backend_env}"\nimport keras',
                    restart_needed=True,
                )
            )

    if keras and keras.startswith("3") and setup.backend in BACKEND_DISTS:
        dist = BACKEND_DISTS[setup.backend]
        if dist not in versions and not (dist == "tensorflow" and versions.get("tf-nightly")):
            f = _from_catalogue(
                "keras3-backend-missing",
                catalogue_versions,
                backend=setup.backend,
                backend_source=setup.backend_source,
            )
            installed = [b for b in ("jax", "torch", "tensorflow") if b in versions]
            if installed:
                f.fix_code = (
                    f'import os\nos.environ["KERAS_BACKEND"] = "{installed[0]}"\nimport keras'
                )
            else:
                f.fix_code = interp.install_command(dist)
            out.append(f)

    if tf and versions.get("numpy") and entry("numpy2-old-tf").applies_to(versions):
        f = _from_catalogue("numpy2-old-tf", catalogue_versions)
        f.fix_code = interp.install_command("numpy<2")
        f.restart_needed = True
        out.append(f)
    return out


def _declared_requirement(package: str, dependency: str) -> str | None:
    """``dependency<spec>`` as ``package``'s installed metadata declares it (None if absent)."""
    import importlib.metadata as md

    from packaging.requirements import InvalidRequirement, Requirement

    try:
        lines = md.requires(package) or []
    except Exception:
        return None
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.name.lower() == dependency and not req.extras and req.marker is None:
            return f"{req.name}{req.specifier}"
    return None


def _next_minor(version: str) -> str:
    parts = version.split(".")
    return f"{parts[0]}.{int(parts[1]) + 1}" if len(parts) > 1 and parts[1].isdigit() else version


def shadow_findings(shadows: list[Shadow], packages: list[PackageState]) -> list[Finding]:
    out = []
    for s in shadows:
        out.append(
            Finding(
                id="shadowing-file",
                severity="error",
                title=f"{s.path} shadows the installed `{s.module}`",
                cause=(
                    f"`import {s.module}` finds {s.path} first (it is on sys.path ahead of "
                    "site-packages), not the installed package."
                    + (" It is the module imported now." if s.imported else "")
                ),
                fix=f"Rename or delete {s.path} (and any __pycache__ next to it), then restart the runtime.",
                restart_needed=s.imported,
            )
        )
    for p in packages:
        if p.duplicated:
            where = ", ".join(f"{i.version} in {i.location}" for i in p.installs)
            out.append(
                Finding(
                    id="duplicate-installation",
                    severity="warning",
                    title=f"{p.name} is installed more than once on sys.path",
                    cause=f"Copies: {where}. The first one wins; pip may upgrade another one.",
                    fix="Uninstall the copies you do not use (run the uninstall once per copy).",
                )
            )
        if p.metadata_error:
            out.append(
                Finding(
                    id="broken-metadata",
                    severity="warning",
                    title=f"{p.name}: the installed metadata cannot be read",
                    cause=p.metadata_error,
                    fix=f"Reinstall {p.name}.",
                )
            )
    return out


def _runs(interp: Interpreter) -> str:
    """The words "this kernel runs /x/python" in IPython, "this Python is /x/python" elsewhere."""
    return f"{interp.here} {'runs' if interp.magic else 'is'} {interp.executable}"


def pip_findings(interp: Interpreter) -> list[Finding]:
    """`pip` on PATH that installs elsewhere, or whose Python only a run would tell (a shim)."""
    shim = f", a {interp.pip_shim} shim that runs {interp.pip_via}," if interp.pip_via else ""
    if interp.pip_mismatch:
        return [
            Finding(
                id="pip-other-python",
                severity="warning",
                title="`pip` on PATH installs into another Python than "
                + ("this kernel" if interp.magic else "this one"),
                cause=f"`pip` is {interp.pip_on_path}{shim} (for {interp.pip_python}); {_runs(interp)}. {interp.pip_typed} would change the other environment.",
                fix=interp.install_advice,
                fix_code=interp.install_command("PACKAGE"),
            )
        ]
    if interp.pip_shim and not interp.pip_python:
        kind = (
            "a shell script" if interp.pip_shim == "a shell script" else f"a {interp.pip_shim} shim"
        )
        return [
            Finding(
                id="pip-shim",
                severity="info",
                title=f"`pip` on PATH is {kind}: which Python it installs into is decided when it runs",
                cause=f"`pip` is {interp.pip_on_path}, {kind}"
                + (f" ({interp.pip_via})" if interp.pip_via else "")
                + f"; {_runs(interp)}, and {interp.pip_typed} may change another Python.",
                fix=interp.install_advice,
                fix_code=interp.install_command("PACKAGE"),
            )
        ]
    return []


def interpreter_findings(interp: Interpreter, versions: dict[str, str]) -> list[Finding]:
    out = []
    out += pip_findings(interp)
    if not any(k in versions for k in ("tensorflow", "keras", "tf-keras", "tf-nightly")):
        out.append(
            Finding(
                id="no-tensorflow-keras",
                severity="info",
                title="Neither TensorFlow nor Keras is installed in this interpreter",
                cause=f"{interp.executable} has no tensorflow, keras or tf-keras distribution.",
                fix=f"Install what you need into {interp.here}.",
                fix_code=interp.install_command("tensorflow"),
            )
        )
    if os.environ.get("TF_USE_LEGACY_KERAS") not in (
        None,
        "",
        "0",
        "false",
        "False",
        "1",
        "true",
        "True",
    ):
        out.append(
            Finding(
                id="legacy-env-unrecognised",
                severity="warning",
                title=f"TF_USE_LEGACY_KERAS={os.environ['TF_USE_LEGACY_KERAS']!r} is not a value TensorFlow accepts",
                cause="TensorFlow only treats 'true', 'True' and '1' as set.",
                fix='Use os.environ["TF_USE_LEGACY_KERAS"] = "1" (before importing tensorflow).',
            )
        )
    return out


# A specific finding that already explains a generic dependency conflict: (finding id, package, dep)
EXPLAINS_CONFLICT = {("keras3-over-old-tf", "tensorflow", "keras")}


def all_env_findings(*groups: list[Finding]) -> list[Finding]:
    """Every finding once, ranked; a generic conflict is dropped where a specific finding says it."""
    findings = [f for g in groups for f in g]
    explained = {(pkg, dep) for f in findings for fid, pkg, dep in EXPLAINS_CONFLICT if f.id == fid}
    kept = [
        f
        for f in findings
        if not (f.id == "dependency-conflict" and tuple(f.versions)[:2] in explained)
    ]
    return ranked(kept)
