"""Views of an ``EnvReport``: text, HTML, Markdown (the bug-report snippet) and JSON."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import TYPE_CHECKING

from kerasmagic.render import base
from kerasmagic.render import html as h
from kerasmagic.render import markdown as md
from kerasmagic.render import optimizers as opt_view
from kerasmagic.render import text as t

if TYPE_CHECKING:
    from kerasmagic.report import EnvReport

KIND_WORDS = {
    "keras3": "Keras 3 (keras._tf_keras.keras)",
    "tf_keras": "tf_keras (Keras 2, the legacy package)",
    "keras2": "Keras 2 (bundled with TensorFlow ≤ 2.15)",
    "broken": "nothing: `tf.keras` will fail to import",
    "unknown": "an unrecognised module",
}


def _optimizers_command(report: EnvReport) -> str:
    """What shows every optimizer, from where the user types."""
    return "%keras_optimizers" if report.python.magic else "python -m kerasmagic optimizers"


def _package_rows(report: EnvReport) -> list[list[str]]:
    rows = []
    for p in report.packages:
        if p.imported:
            state = "RESTART NEEDED" if p.stale else "imported"
            imported = f"{p.imported_version or '?'}"
        else:
            state, imported = "not imported", ""
        rows.append(
            [p.name, p.installed or "(not installed)", imported, state, p.imported_file or ""]
        )
    return rows


def tf_keras_line(report: EnvReport) -> str:
    k = report.keras
    if k.tf_keras_kind is None:
        return "no TensorFlow installed"
    what = KIND_WORDS.get(k.tf_keras_kind, k.tf_keras_kind)
    if k.tf_keras_predicted:
        when = "not accessed yet; predicted from versions and TF_USE_LEGACY_KERAS"
        if not k.tf_imported:
            when = "TensorFlow not imported; predicted (use --probe to measure in a subprocess)"
        return f"{what} — {when}"
    return f"{what} — measured: {k.tf_keras_module}"


def _keras_rows(report: EnvReport) -> list[list[str]]:
    k = report.keras
    legacy = k.legacy_env if k.legacy_env is not None else "(unset)"
    if k.tf_imported and k.tf_keras_accessed:
        timing = "tf.keras already resolved: changing it now has no effect (restart needed)"
    elif k.tf_imported and k.legacy_env_at_tf_import is not None:
        timing = (
            "read at `import tensorflow` (was "
            f"{'set' if k.legacy_env_at_tf_import else 'unset'}) for `from tensorflow.keras` imports, "
            "and again at the first use of tf.keras (not yet): can still change tf.keras"
        )
    elif k.tf_imported:
        timing = "this TensorFlow has no lazy Keras loader"
    else:
        timing = "TensorFlow not imported: set it now, before `import tensorflow`"
    backend_timing = (
        "keras imported: fixed until restart" if k.keras_imported else "read at `import keras`"
    )
    rows = [
        ["tf.keras is", tf_keras_line(report)],
        ["TF_USE_LEGACY_KERAS", f"{legacy} — {timing}"],
        ["Keras backend", f"{k.backend or '-'} (from {k.backend_source}); {backend_timing}"],
        ["KERAS_BACKEND", k.backend_env or "(unset)"],
        [
            "keras.json",
            f"{k.keras_json or '(none)'}"
            + (f" backend={k.keras_json_backend}" if k.keras_json_backend else ""),
        ],
        [
            "GPUs",
            ", ".join(k.gpus) if k.gpus else (("none — " if k.gpus == [] else "") + k.gpu_note),
        ],
    ]
    return rows


def _python_rows(report: EnvReport) -> list[list[str]]:
    p = report.python
    return [
        ["Python", f"{p.version} ({p.implementation}) {p.executable}"],
        ["environment", f"{p.env_kind} at {p.prefix}"],
        ["host", p.host + (" (kernel)" if p.in_kernel else "")],
        [f"install into {p.here}", p.install_command("PACKAGE")],
        ["restart", p.restart_hint],
    ]


# What each fact of a fresh import (``probes.keras_setup.measure_fresh_import``) is called for
# a person; the JSON keeps the field names.
FRESH_LABELS = {
    "tensorflow": "TensorFlow",
    "tf_keras_kind": "tf.keras is",
    "tf_keras_module": "tf.keras module",
    "tf_keras_version": "tf.keras version",
    "gpus": "GPUs",
    "tensorflow_error": "import tensorflow failed",
    "keras": "Keras",
    "backend": "Keras backend",
    "keras_error": "import keras failed",
    "error": "the probe failed",
    "stderr": "its error output",
}


def _fresh_value(key: str, value: object) -> str:
    if key == "tf_keras_kind":
        return KIND_WORDS.get(str(value), str(value))
    if key == "gpus" and isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if value is None:
        return "-"
    return value if isinstance(value, str) else json.dumps(value)


def _fresh_rows(report: EnvReport) -> list[list[str]]:
    fresh = report.fresh_import or {}
    order = [k for k in FRESH_LABELS if k in fresh] + [k for k in fresh if k not in FRESH_LABELS]
    return [[FRESH_LABELS.get(k, k.replace("_", " ")), _fresh_value(k, fresh[k])] for k in order]


def env_to_text(report: EnvReport) -> str:
    counts = {
        s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")
    }
    out = [
        t.wrap(
            f"kerasmagic {report.kerasmagic_version} — TensorFlow/Keras report"
            f" ({report.generated_at})"
        ),
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)",
        "",
        t.pairs(_python_rows(report)),
        "",
        t.table(["package", "installed", "imported", "state", "file"], _package_rows(report)),
        "",
        t.pairs(_keras_rows(report)),
    ]
    if report.fresh_import is not None:
        out += [
            "",
            "A fresh import (measured in a subprocess of this interpreter):",
            t.pairs(_fresh_rows(report)),
        ]
    why = opt_view.unmeasured(report.optimizers) if report.optimizers is not None else None
    if why is not None:
        out += ["", t.wrap(f"Optimizers: {why}")]
    elif report.optimizers is not None:
        out += ["", f"Optimizers ({_optimizers_command(report)} for every name and the defaults):"]
        out.append(opt_view.optimizers_section_text(report.optimizers))
    if report.findings:
        out += ["", "Findings:"] + [t.finding(f) for f in report.findings]
    else:
        out += ["", "No problems found."]
    out += [t.wrap(f"kerasmagic problem: {p}", "  ", first="") for p in report.problems]
    return "\n".join(out)


def env_to_html(report: EnvReport) -> str:
    counts = {
        s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")
    }
    body = [
        f"<div>{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)</div>",
        "".join(h.finding(f) for f in report.findings) or "<div>No problems found.</div>",
        h.table(["", ""], _python_rows(report)),
        h.table(["package", "installed", "imported", "state", "file"], _package_rows(report)),
        h.table(["keras", ""], _keras_rows(report)),
    ]
    if report.fresh_import is not None:
        body.append(
            "<div>A fresh import (measured in a subprocess):</div>"
            + h.table(["", ""], _fresh_rows(report))
        )
    why = opt_view.unmeasured(report.optimizers) if report.optimizers is not None else None
    if why is not None:
        body.append(f"<div><b>Optimizers:</b> {h.prose(why)}</div>")
    elif report.optimizers is not None:
        body.append(
            f"<div>Optimizers (<code>{_optimizers_command(report)}</code> for every name and "
            "the defaults):</div>"
            + opt_view.optimizers_section_html(report.optimizers)
        )
    body += [f"<div><b>kerasmagic problem:</b> {h.esc(p)}</div>" for p in report.problems]
    with suppress(Exception):  # the copy block is extra: its failure must not cost the HTML
        body.append(h.copyable_markdown(env_to_markdown(report)))
    return h.wrap(
        f"kerasmagic {report.kerasmagic_version} — TensorFlow/Keras in this kernel", "".join(body)
    )


def env_to_markdown(report: EnvReport) -> str:
    """The bug-report snippet: Python, the TF/Keras packages, what tf.keras is, the findings."""
    p = report.python
    packages = [
        [name, installed, imported, state]
        for name, installed, imported, state, _ in _package_rows(report)
        if installed != "(not installed)" or imported
    ]
    keras = [row for row in _keras_rows(report) if row[0] != "keras.json" or row[1] != "(none)"]
    return md.join(
        f"**kerasmagic {report.kerasmagic_version}: TensorFlow/Keras report**",
        f"Python {p.version} ({p.implementation}, {p.env_kind}) on {p.host}",
        md.table(["package", "installed", "imported", "state"], packages),
        md.table(["setting", "here"], keras),
        md.section(
            "Fresh import (subprocess)", md.table(["fact", "measured"], _fresh_rows(report))
        ),
        md.section(
            "Findings",
            "\n".join(md.finding(f) for f in report.findings) or "No problems found.",
        ),
        "\n".join(f"kerasmagic problem: {x}" for x in report.problems),
    )


class EnvView(base.View):
    """An ``EnvReport`` with its views (``%keras_env``, ``kerasmagic.env_report()``)."""

    RENDERERS = {
        base.TEXT: env_to_text,
        base.HTML: env_to_html,
        base.MARKDOWN: env_to_markdown,
        base.JSON: base.report_json,
        base.REPORT_JSON: base.report_json,
    }
