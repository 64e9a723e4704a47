"""``EnvReport``: everything ``%keras_env`` knows, as one object (its views: ``render.env``).

Diagnosis layer: it builds the report from the probes and ``diagnosis.env_findings``, the env
counterpart of ``diagnosis.engine.check``, and never imports ``render``.

Structure (also the JSON of ``python -m kerasmagic env --json``): ``python`` (interpreter facts and
the install command for this kernel), ``packages`` (installed vs imported per package), ``keras``
(what ``tf.keras`` is, backend, variables and their timing, GPUs), ``conflicts``, ``shadows``,
``findings`` (ranked: error → warning → info), ``optimizers`` (how ``adam`` resolves through each
Keras in use here: see ``kerasmagic.probes.optimizers``), ``fresh_import`` (``--probe`` only).
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Any

from kerasmagic.findings import Finding, plain
from kerasmagic.probes.distributions import Conflict, PackageState
from kerasmagic.probes.interpreter import Interpreter
from kerasmagic.probes.keras_setup import KerasSetup
from kerasmagic.probes.shadowing import Shadow

ENV_VARS = (
    "TF_USE_LEGACY_KERAS",
    "KERAS_BACKEND",
    "KERAS_HOME",
    "TF_CPP_MIN_LOG_LEVEL",
    "CUDA_VISIBLE_DEVICES",
    "TF_ENABLE_ONEDNN_OPTS",
)


@dataclass
class EnvReport:
    """The live kernel's TF/Keras set-up and what is wrong with it."""

    python: Interpreter
    packages: list[PackageState]
    keras: KerasSetup
    conflicts: list[Conflict]
    shadows: list[Shadow]
    findings: list[Finding]
    env_vars: dict[str, str | None]
    versions: dict[str, str]
    generated_at: str
    kerasmagic_version: str
    fresh_import: dict[str, Any] | None = None
    optimizers: Any = None  # kerasmagic.probes.optimizers.OptimizerReport, or None
    problems: list[str] = field(default_factory=list)  # kerasmagic's own failures, said plainly

    def to_dict(self) -> dict[str, Any]:
        python = plain(self.python)
        python["install_command"] = self.python.install_command("PACKAGE")
        python["restart_hint"] = self.python.restart_hint
        return {
            "kerasmagic": self.kerasmagic_version,
            "generated_at": self.generated_at,
            "python": python,
            "packages": [
                {**plain(p), "stale": p.stale, "duplicated": p.duplicated} for p in self.packages
            ],
            "keras": plain(self.keras),
            "env_vars": self.env_vars,
            "conflicts": [{**plain(c), "fix_spec": c.fix_spec} for c in self.conflicts],
            "shadows": [plain(s) for s in self.shadows],
            "findings": [f.to_dict() for f in self.findings],
            "fresh_import": self.fresh_import,
            "optimizers": self.optimizers.to_dict() if self.optimizers is not None else None,
            "problems": self.problems,
        }


def build_env_report(
    *, probe: bool = False, shell: Any = None, working_folder: str | None = None
) -> EnvReport:
    """Probe the running interpreter (never importing TensorFlow here) and rank the findings.
    ``working_folder``: searched first for files that shadow a package (the CLI's folder)."""
    from kerasmagic.probes import path_state

    with path_state.held():  # nothing is installed while the report is read
        return _env_report(probe, shell, working_folder)


def _env_report(probe: bool, shell: Any, working_folder: str | None) -> EnvReport:
    from kerasmagic._version import __version__
    from kerasmagic.diagnosis import env_findings as ef
    from kerasmagic.probes.distributions import package_states
    from kerasmagic.probes.interpreter import interpreter_facts
    from kerasmagic.probes.keras_setup import keras_setup
    from kerasmagic.probes.shadowing import find_shadows

    problems: list[str] = []
    interp = interpreter_facts(shell)
    packages = package_states()
    versions = {p.name: p.installed for p in packages if p.installed}
    conflicts = _conflicts(problems)
    setup = keras_setup(versions)
    shadows = find_shadows(working_folder=working_folder)
    fresh = None
    if probe:
        from kerasmagic.probes.subprocess_probe import ProbeFailed, run_probe, timeout_setting

        problems += [note for note in timeout_setting()[1:] if note]
        try:
            fresh = run_probe("kerasmagic.probes.keras_setup", "measure_fresh_import")
        except ProbeFailed as exc:
            fresh = {"error": str(exc), "stderr": exc.stderr}
            if exc.timed_out:  # the optimizer probe would import the same and hang as long
                problems.append(f"{exc}; the optimizer probe was not started")
                probe = False
    optimizers = _optimizer_section(probe, problems)
    findings = ef.all_env_findings(
        ef.stale_findings(packages, interp),
        ef.conflict_findings(conflicts, interp),
        ef.keras_findings(setup, versions, interp),
        ef.shadow_findings(shadows, packages),
        ef.interpreter_findings(interp, versions),
    )
    return EnvReport(
        python=interp,
        packages=packages,
        keras=setup,
        conflicts=conflicts,
        shadows=shadows,
        findings=findings,
        env_vars={k: os.environ.get(k) for k in ENV_VARS},
        versions=versions,
        generated_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        kerasmagic_version=__version__,
        fresh_import=fresh,
        optimizers=optimizers,
        problems=problems,
    )


def _conflicts(problems: list[str]) -> list:
    from kerasmagic.probes.distributions import requirement_conflicts

    try:
        return requirement_conflicts()
    except Exception as exc:  # never let one broken distribution stop the report
        problems.append(f"could not list installed distributions: {type(exc).__name__}: {exc}")
        return []


def _optimizer_section(probe: bool, problems: list[str]) -> Any:
    """How ``adam`` resolves here (in this kernel's Keras modules; a fresh import with ``probe``)."""
    try:
        from kerasmagic.probes.optimizers import env_section

        return env_section(probe=probe)
    except Exception as exc:  # the rest of the report stands without this section
        problems.append(f"could not resolve the optimizers: {type(exc).__name__}: {exc}")
        return None
