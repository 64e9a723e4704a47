"""Error rules that explain without rewriting: catalogue entries whose exception, message,
source pattern and version range fit the error (NumPy 2 ABI, protobuf, SciKeras, Keras 3 over an
old TensorFlow …), and a package that is not installed at all."""

from __future__ import annotations

import os
import re
import sys

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.missing_module import IDS as MISSING_IDS
from kerasmagic.diagnosis.missing_module import missing_module_problem
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import Entry, fill, load_catalogue
from kerasmagic.knowledge.installs import code_for, fix_for
from kerasmagic.probes.keras_setup import keras_backend

# environment entries (environment.toml) whose match is specific enough to explain a cell's error
# a `{name}` of an entry's text that neither the rule's facts nor the versions filled
UNFILLED = re.compile(r"\{[a-z_]+\}")
ENVIRONMENT_ERRORS = ("keras3-over-old-tf", "keras3-backend-missing", "legacy-keras-missing")


@rule("catalogue-explanation", when=(ERROR,), family="explanations")
def catalogue_explanations(ctx: CellContext) -> list[Problem]:
    """Explanation entries (no rewrite rule) whose match and version range fit this error."""
    exc, message, source = ctx.exc, ctx.message, ctx.source
    versions = ctx.versions
    names = {c.__name__ for c in type(exc).__mro__} if isinstance(exc, BaseException) else set()
    out: list[Problem] = []
    for entry in _explaining_entries():
        wanted = entry.match.get("exception")
        if wanted:
            wanted_list = [wanted] if isinstance(wanted, str) else list(wanted)
            if not names.intersection(wanted_list):
                continue
        keras_cell = entry.id == "keras3-over-old-tf" and re.search(r"\b(keras|tf)\b", source)
        # only the cell, not the message, ties it to Keras: true here, but maybe not the cause
        secondary = bool(keras_cell) and not re.search(entry.match.get("message", "$^"), message)
        try:
            if (
                entry.match.get("message")
                and not re.search(entry.match["message"], message)
                and not keras_cell
            ):
                continue
            if entry.match.get("source") and not re.search(entry.match["source"], source, re.M):
                continue
        except re.error:
            continue
        if entry.applies and not entry.applies_to(versions):
            continue
        if (
            entry.match.get("missing") == "backend"
            and getattr(exc, "name", None) != keras_backend()
        ):
            continue  # a missing package that is not the configured backend
        if not _env_matches(entry.match.get("env", {})):
            continue
        problem = _explanation(entry, ctx, confidence=0.35 if secondary else 0.5)
        if not UNFILLED.search(" ".join((problem.title, problem.cause, problem.fix))):
            out.append(problem)  # an entry whose words need its rule's facts explains nothing
    return out


def _explaining_entries() -> tuple[Entry, ...]:
    """The catalogue entries that may explain an exception by themselves."""
    return tuple(
        entry
        for entry in load_catalogue()
        if entry.kind == "error"
        and entry.id not in (*MISSING_IDS, "import-blocked")
        # %keras_env's entries need its probes; only these explain an exception
        and (entry.file == "errors.toml" or entry.id in ENVIRONMENT_ERRORS)
        and entry.data.get("rule") in (None, "", "none")
        and entry.match
    )


def _explanation(entry: Entry, ctx: CellContext, *, confidence: float) -> Problem:
    versions = ctx.versions
    values: dict[str, object] = dict(versions)
    values.setdefault("keras", versions.get("keras", "?"))
    values["tensorflow_minor"] = ".".join(versions.get("tensorflow", "?").split(".")[:2])
    values["tf_requires"] = "Keras 2"
    attr = re.search(r"has no attribute '(\w+)'|import name '(\w+)'", ctx.message)
    values["name"] = next((g for g in attr.groups() if g), "?") if attr else "?"
    values["legacy_env"] = os.environ.get("TF_USE_LEGACY_KERAS", "")
    values["backend"] = keras_backend()
    values["backend_source"] = "KERAS_BACKEND or ~/.keras/keras.json"
    fix = fix_for(entry, lambda text: fill(text, values))
    return Problem(
        id=entry.id,
        line=ctx.line or 1,
        title=fill(entry.title, values),
        cause=fill(entry.cause, values),
        fix=fix,
        fix_code=code_for(entry, lambda text: fill(text, values)),
        references=[entry.source],
        certain=False,
        confidence=confidence,
        restart_needed="restart" in fix.lower(),
        explanation=True,
    )


@rule("package-not-installed", when=(ERROR,), family="imports", errors=("ModuleNotFoundError",))
def package_not_installed(ctx: CellContext) -> list[Problem]:
    """``No module named 'x'`` for a top-level package that is not installed: install the
    distribution known to provide it into THIS kernel, or use the near name of a misspelt one
    (never an install of the name as written: ``diagnosis/missing_module.py``). Shown only when
    nothing else explains the error (``to_findings.ONLY_ALONE``)."""
    name = getattr(ctx.exc, "name", None)
    if not isinstance(name, str) or not name:
        return []
    top = name.split(".")[0]
    if top in sys.modules or live.top_exists(top):
        return []
    problem = missing_module_problem(top, ctx.line or 1)
    if problem is None:
        return []
    problem.confidence, problem.explanation = 0.4, True
    return [problem]


def _env_matches(wanted: dict) -> bool:
    """Every ``{VARIABLE: regex}`` of an entry's ``match.env`` holds in this process."""
    return all(re.search(rx, os.environ.get(var, "")) for var, rx in wanted.items())
