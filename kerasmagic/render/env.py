"""Views of an ``EnvReport``: text, HTML and the MIME bundle notebooks display."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kerasmagic.render import html as h
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
        ["install into this kernel", p.install_command("PACKAGE")],
        ["restart", p.restart_hint],
    ]


def _fresh_rows(report: EnvReport) -> list[list[str]]:
    return [
        [k, json.dumps(v) if not isinstance(v, str) else v]
        for k, v in (report.fresh_import or {}).items()
    ]


def env_to_text(report: EnvReport) -> str:
    counts = {
        s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")
    }
    out = [
        f"kerasmagic {report.kerasmagic_version} — TensorFlow/Keras report ({report.generated_at})",
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
    if report.optimizers is not None:
        from kerasmagic.render.optimizers import optimizers_section_text

        out += ["", "Optimizers (%keras_optimizers for every name and the defaults):"]
        out.append(optimizers_section_text(report.optimizers))
    if report.findings:
        out += ["", "Findings:"] + [t.finding(f) for f in report.findings]
    else:
        out += ["", "No problems found."]
    out += [f"kerasmagic problem: {p}" for p in report.problems]
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
    if report.optimizers is not None:
        from kerasmagic.render.optimizers import optimizers_section_html

        body.append(
            "<div>Optimizers (<code>%keras_optimizers</code> for every name and the defaults):</div>"
            + optimizers_section_html(report.optimizers)
        )
    body += [f"<div><b>kerasmagic problem:</b> {h.esc(p)}</div>" for p in report.problems]
    return h.wrap(
        f"kerasmagic {report.kerasmagic_version} — TensorFlow/Keras in this kernel", "".join(body)
    )


def env_mimebundle(report: EnvReport) -> dict[str, Any]:
    """text/plain, text/html and application/json of one report; a failing view degrades to text."""
    bundle: dict[str, Any] = {"text/plain": env_to_text(report)}
    try:
        bundle["text/html"] = env_to_html(report)
    except Exception as exc:  # a broken view must not hide the report
        bundle["text/plain"] += f"\n(kerasmagic: HTML view failed: {type(exc).__name__}: {exc})"
    bundle["application/json"] = json.loads(json.dumps(report.to_dict(), default=str))
    return bundle
