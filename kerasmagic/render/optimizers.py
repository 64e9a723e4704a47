"""Views of an ``OptimizerReport``: text, HTML (differing defaults highlighted), Markdown, JSON."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import TYPE_CHECKING

from kerasmagic.render import base
from kerasmagic.render import html as h
from kerasmagic.render import markdown as md
from kerasmagic.render import text as t

if TYPE_CHECKING:
    from kerasmagic.probes.optimizer_report import OptimizerReport, OptimizerResolution, Way

KERAS_WORDS = {"keras3": "Keras 3", "tf_keras": "tf_keras", "keras2": "Keras 2"}
MAX_ERROR = 160


def keras_label(kind: str | None, version: str | None) -> str:
    if not kind:
        return ""
    return f"{KERAS_WORDS.get(kind, kind)} {version or ''}".strip()


def short(text: str | None, limit: int = MAX_ERROR) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def namespace_rows(report: OptimizerReport) -> list[list[str]]:
    rows = []
    for ns in report.namespaces:
        if ns.available:
            rows.append([ns.name, f"{keras_label(ns.keras, ns.version)} ({ns.module})"])
        else:
            rows.append([ns.name, f"not used: {ns.note}"])
    return rows


def way_result(way: Way, limit: int = MAX_ERROR) -> str:
    """What one way gives, as one line: the group and class, or the exception and where."""
    if way.ok:
        return f"[{way.group}] {way.class_path}"
    where = {"lookup": "looking it up", "construct": "constructing it", "call": "calling it"}
    when = where.get(way.failed_at or "", way.failed_at or "")
    return f"✖ {way.error_type} when {when}: {short(way.error, limit)}"


def way_rows(opt: OptimizerResolution, limit: int = MAX_ERROR) -> list[list[str]]:
    return [[w.code, way_result(w, limit), keras_label(w.keras, w.keras_version)] for w in opt.ways]


def group_columns(opt: OptimizerResolution) -> list[Way]:
    """One representative way per class (same class, same defaults)."""
    seen: dict[str, Way] = {}
    for way in opt.ways:
        if way.group and way.group not in seen and way.defaults:
            seen[way.group] = way
    return list(seen.values())


def default_rows(opt: OptimizerResolution) -> tuple[list[str], list[list[str]], list[bool]]:
    """(headers, rows, differs) of the defaults side by side, one column per class."""
    columns = group_columns(opt)
    headers = ["argument"] + [f"[{w.group}] {w.class_path.rsplit('.', 1)[-1]}" for w in columns]
    keys: list[str] = []
    for way in columns:
        keys += [k for k in way.defaults if k not in keys]
    rows, differs = [], []
    for key in keys:
        cells = [json.dumps(w.defaults[key]) if key in w.defaults else "—" for w in columns]
        rows.append([key, *cells])
        differs.append(key in opt.differing)
    return headers, rows, differs


def source_row(opt: OptimizerResolution) -> list[str]:
    return ["(from)"] + [
        "get_config()" if w.defaults_source == "get_config" else "signature (construction failed)"
        for w in group_columns(opt)
    ]


def habit_rows(opt: OptimizerResolution) -> list[list[str]]:
    rows = []
    for way in group_columns(opt):
        for habit in way.habits:
            said = habit.detail
            if habit.warnings:
                said += f" (warned: {short(habit.warnings[0], 100)})"
            rows.append(
                [
                    f"[{way.group}]",
                    f"{habit.argument}={habit.value}",
                    habit.outcome,
                    short(said, 200),
                    habit.maps_to,
                ]
            )
    return rows


HABIT_HEADERS = ["class", "habit", "here", "what happens", "use instead"]
WAY_HEADERS = ["way of asking", "gives", "Keras"]


def header_lines(report: OptimizerReport) -> list[str]:
    lines = [
        f"kerasmagic — how optimizer names resolve here (measured in the {report.measured_in})"
    ]
    if report.note:
        lines.append(t.wrap(report.note))
    return lines


def classes_line(groups: dict[str, list[str]]) -> str:
    return f"{len(groups)} different classes: " + "; ".join(
        f"[{g}] = {', '.join(codes)}" for g, codes in groups.items()
    )


def optimizer_to_text(opt: OptimizerResolution) -> str:
    out = [f"{opt.name} ({opt.class_name})", t.table(WAY_HEADERS, way_rows(opt, 100))]
    groups = opt.groups()
    if len(groups) > 1:
        out.append(t.wrap(classes_line(groups), "  ", first=""))
    headers, rows, differs = default_rows(opt)
    if rows:
        marked = [[("* " if d else "  ") + r[0], *r[1:]] for r, d in zip(rows, differs)]
        out += ["defaults (* differs):", t.table(headers, [source_row(opt), *marked])]
    habits = habit_rows(opt)
    if habits:
        out += ["old habits:", t.table(HABIT_HEADERS, habits)]
    return "\n".join(out)


def optimizers_to_text(report: OptimizerReport) -> str:
    out = header_lines(report)
    out += ["", t.pairs(namespace_rows(report))]
    if report.model is not None:
        out += ["", "The model's optimizer:", t.pairs(model_rows(report))]
    for opt in report.optimizers:
        out += ["", optimizer_to_text(opt)]
    out += [t.wrap(f"kerasmagic problem: {p}", "  ", first="") for p in report.problems]
    return "\n".join(out)


def optimizer_ways_html(opt: OptimizerResolution) -> str:
    """The ways of asking, each with the class it gives (group letter) or its exception."""
    rows = []
    for w in opt.ways:
        result = h.esc(way_result(w, 400))
        if not w.ok:
            result = f'<span style="color:#c62828">{result}</span>'
        label = h.esc(keras_label(w.keras, w.keras_version))
        rows.append([f"<code>{h.esc(w.code)}</code>", result, label])
    groups = opt.groups()
    summary = f"<div>{h.esc(classes_line(groups))}</div>" if len(groups) > 1 else ""
    return h.table(WAY_HEADERS, rows, raw=True) + summary


def optimizer_to_html(opt: OptimizerResolution) -> str:
    """One optimizer: ways table, defaults side by side (differences highlighted), habits."""
    parts = [f"<h5 style='margin:6px 0 2px 0'>{h.esc(opt.name)} ({h.esc(opt.class_name)})</h5>"]
    parts.append(optimizer_ways_html(opt))
    parts.append(defaults_html(opt))
    habits = habit_rows(opt)
    if habits:
        parts.append("<div>Old habits:</div>" + h.table(HABIT_HEADERS, habits))
    return "".join(parts)


def _of(kind: str | None, version: str | None) -> str:
    """`` (Keras 3 3.15.1)`` after a class's path; `` (not a Keras class)`` for any other."""
    return f" ({keras_label(kind, version)})" if kind else " (not a Keras class)"


def model_rows(report: OptimizerReport) -> list[list[str]]:
    m = report.model
    if m is None:
        return []
    rows = [["model", f"{m.variable}: {m.model_class}{_of(m.model_keras, m.model_keras_version)}"]]
    if m.compiled:
        same = {
            True: "yes",
            False: "NO: the optimizer is of another Keras than the model",
            None: "?",
        }
        rows += [
            ["optimizer", f"{m.class_path}{_of(m.keras, m.keras_version)}"],
            ["same Keras as the model", same[m.same_keras]],
            ["config", json.dumps(m.config)],
        ]
    if m.note:
        rows.append(["note", m.note])
    return rows


def model_html(report: OptimizerReport) -> str:
    rows = model_rows(report)
    return h.wrap("The model's optimizer", h.table(["", ""], rows)) if rows else ""


def optimizers_header_html(report: OptimizerReport) -> str:
    body = [f"<div>{h.esc(line)}</div>" for line in header_lines(report)[1:]]
    body.append(h.table(["Keras", "here"], namespace_rows(report)))
    body += [f"<div><b>kerasmagic problem:</b> {h.esc(p)}</div>" for p in report.problems]
    return h.wrap(header_lines(report)[0], "".join(body))


def defaults_html(opt: OptimizerResolution) -> str:
    headers, rows, differs = default_rows(opt)
    if not rows:
        return ""
    body = [[h.esc(c) for c in source_row(opt)]]
    for row, differ in zip(rows, differs):
        cls = ' class="km-diff-cell"' if differ else ""
        body.append([f"<span{cls}>{h.esc(c)}</span>" for c in row])
    title = "Defaults side by side" + (
        f" — differ: {', '.join(opt.differing)}" if opt.differing else " — identical"
    )
    return f"<div>{h.esc(title)}</div>" + h.table(headers, body, raw=True)


def optimizers_to_html(report: OptimizerReport) -> str:
    body = [f"<div>{h.esc(line)}</div>" for line in header_lines(report)[1:]]
    body.append(h.table(["Keras", "here"], namespace_rows(report)))
    rows = model_rows(report)
    if rows:
        body.append("<div>The model's optimizer:</div>" + h.table(["", ""], rows))
    body += [optimizer_to_html(o) for o in report.optimizers]
    body += [f"<div><b>kerasmagic problem:</b> {h.esc(p)}</div>" for p in report.problems]
    with suppress(Exception):  # the copy block is extra: its failure must not cost the HTML
        body.append(h.copyable_markdown(optimizers_to_markdown(report)))
    return h.wrap(header_lines(report)[0], "".join(body))


def unmeasured(report: OptimizerReport) -> str | None:
    """Why nothing could be measured here (a sentence, not a table of one row); None when the
    report has optimizers to show."""
    if report.optimizers and any(ns.available for ns in report.namespaces):
        return None
    why = report.note or "; ".join(f"{n.name}: {n.note}" for n in report.namespaces)
    return why or "no Keras in use here"


def section_rows(report: OptimizerReport) -> list[list[str]]:
    """Compact rows for a section of another report (``%keras_env``): one per way of asking,
    then the habits per class; [] when nothing could be measured here (``unmeasured``)."""
    if unmeasured(report) is not None:
        return []
    rows = []
    for opt in report.optimizers:
        rows += [[w.code, way_result(w, 120)] for w in opt.ways]
        # habit_rows already labels the class "[A]"
        rows += [
            [f"{g} {arg}", f"{outcome}: {said}"] for g, arg, outcome, said, _ in habit_rows(opt)
        ]
    return rows


def optimizers_section_text(report: OptimizerReport) -> str:
    """The section's rows, or the one sentence saying why nothing was measured."""
    why = unmeasured(report)
    return t.wrap(why) if why is not None else t.pairs(section_rows(report))


def optimizers_section_html(report: OptimizerReport) -> str:
    why = unmeasured(report)
    if why is not None:
        return f"<div>{h.prose(why)}</div>"
    rows = [[f"<code>{h.esc(a)}</code>", h.prose(b)] for a, b in section_rows(report)]
    return h.table(["way of asking", "gives"], rows, raw=True)


def optimizer_to_markdown(opt: OptimizerResolution) -> str:
    headers, rows, _ = default_rows(opt)
    groups = opt.groups()
    return md.join(
        f"### {opt.name} ({opt.class_name})",
        md.table(WAY_HEADERS, way_rows(opt)),
        classes_line(groups) if len(groups) > 1 else "",
        md.table(headers, [source_row(opt), *rows]) if rows else "",
        md.table(HABIT_HEADERS, habit_rows(opt)),
    )


def optimizers_to_markdown(report: OptimizerReport) -> str:
    """The bug-report snippet: which Keras each name is, then every way of asking and what it
    gives, the defaults and the old habits, per optimizer."""
    return md.join(
        f"**{header_lines(report)[0]}**",
        *header_lines(report)[1:],
        md.table(["Keras", "here"], namespace_rows(report)),
        md.table(["model's optimizer", ""], model_rows(report)),
        *[optimizer_to_markdown(o) for o in report.optimizers],
        "\n".join(f"kerasmagic problem: {p}" for p in report.problems),
    )


class OptimizerView(base.View):
    """An ``OptimizerReport`` with its views (``%keras_optimizers --html/--text``, the CLI; the
    widget adds its own view on top of these)."""

    RENDERERS = {
        base.TEXT: optimizers_to_text,
        base.HTML: optimizers_to_html,
        base.MARKDOWN: optimizers_to_markdown,
        base.JSON: base.report_json,
        base.REPORT_JSON: base.report_json,
    }
