"""Does a fix survive the same problem written another way? A probe of generalisation that reads
no corpus file: the case corpus's broken cells (``tests/cases/*.toml``), each respelled the way
published notebooks write them, and migrated for real.

    python3 scripts/respell_cases.py [--env tf221-k3] [--sample N] [--offset K] [--cases NAME ...] [--json OUT]

For each case that fails in the environment and has a ``fix`` (not ``isolated``/``restart``/
``fixed_then``), in a fresh temporary folder:

- ``as written``: a notebook of one cell, the case's source;
- ``respelled`` (``--variant settings``): a notebook whose first cell binds every literal keyword
  value of a call (``Adam(lr=0.01)`` → ``lr_1 = 0.01`` in the first cell, ``Adam(lr=lr_1)``),
  and then one cell per top-level statement of the case, the values read from that earlier
  cell; (``--variant function``) the case as a script's ``main()``: imports at the top, the rest
  in ``def main():``, called at the end; (``--variant unpacked``) each call's literal keywords
  as ``**dict`` made in a first cell; (``--variant tensorflow``) Keras imported through
  TensorFlow (``from tensorflow import keras``, ``from tensorflow.keras.layers import …``) in a
  first cell of imports, the rest in a second; (``--variant star``) every ``from keras.x import
  a, b`` as ``from keras.x import *``; (``--variant dotted``) ``import keras`` and each use
  spelt ``keras.x.a``; (``--variant arguments``) each literal keyword value an argparse option's
  default, read as ``args.name``; (``--variant class``) those values as attributes an experiment
  class sets in ``__init__``, the body its ``run()``; (``--variant config``) those values as
  entries of a settings dict made in a first cell, read as ``CONFIG['name']``; (``--variant
  parameters``) the case as ``main()`` whose parameters' defaults are those values; (``--variant
  passed``) the same, the values given where ``main`` is called; (``--variant loop``) the case as
  one round of a loop over those values, as a search over settings is written; (``--variant
  looplist``) the same loop over a list of rows a first cell makes; (``--variant
  modules``) each ``from keras.x import a`` as ``from keras import x``, the uses spelt ``x.a``;
  (``--variant helper``) the imports in a first cell, the rest a function defined in a second and
  called in a third with the literal keyword values, as a notebook's helper is; (``--variant
  guarded``) every statement but the imports in a script's ``if __name__ == '__main__':`` block,
  which first sets the literal keyword values to names; (``--variant globals``) those names set
  in a first cell, the body a function defined in a later one reading them, called in the last;
  (``--variant named``) each call given straight to another call (an optimizer, a callback, a
  layer) made first and bound to a name; (``--variant tfdotted``) Keras reached through
  TensorFlow and spelt out (``tf.keras.layers.Dense``), as tf.keras 2 code is written;
  (``--variant device``) every statement but the imports under ``with tf.device('/cpu:0'):``;
  (``--variant wrapped``) each call of several arguments laid out one argument per line, each
  with a comment; (``--variant tuple``) the literal keyword values bound by one tuple assignment in
  a first cell; (``--variant tabs``) the case as ``main()``, indented with tabs;
  (``--variant cfgclass``) those values as class attributes of a settings class
  made in a first cell, read as ``CFG.name``; (``--variant assigned``) every ``from keras.x import a``
  as ``import keras`` and ``a = keras.x.a``; (``--variant values``) ``settings`` for every
  literal: the positional ones too (paths, layer sizes) and the string keys read from containers.

Both run through ``python -m kerasmagic migrate NB --check --json`` in the environment's Python
with this checkout's kerasmagic. A case whose cell migrates to running as written and not when
respelled is a fix that matched the shape it was written in: the table lists those first. The
sample is taken by a hash of the case's name, so a rerun takes the same cases.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
sys.path.insert(0, str(CASES))

import case_runner  # noqa: E402  (tests/cases/case_runner.py: the corpus's loader)

RUNNING = ("migrated", "would-change", "unchanged")


def literal(node: ast.expr) -> bool:
    """A number, a string, a bool or None, negated or in a tuple/list of such."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    return isinstance(node, (ast.Tuple, ast.List)) and bool(node.elts) and all(map(literal, node.elts))


def spans(source: str) -> Callable[[ast.AST], tuple[int, int]]:
    """The character span of a node of ``source``."""
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))

    def span(node: ast.AST) -> tuple[int, int]:
        return (offsets[node.lineno - 1] + node.col_offset, offsets[node.end_lineno - 1] + node.end_col_offset)  # type: ignore[attr-defined, operator]

    return span


def parsed(source: str) -> tuple[ast.Module, Callable[[ast.AST], tuple[int, int]], set[str]] | None:
    """``(the tree, its spans, the names it uses)`` of ``source``; None when it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return tree, spans(source), {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def fresh(stem: str, taken: set[str]) -> str:
    """``stem_1``, ``stem_2`` …: the first not in ``taken`` (added to it)."""
    n = 1
    while f"{stem}_{n}" in taken:
        n += 1
    taken.add(f"{stem}_{n}")
    return f"{stem}_{n}"


def settings_then_statements(settings: list[str], text: str) -> list[str] | None:
    """A first cell of ``settings``, then one cell per top-level statement of ``text``."""
    try:
        body = ast.parse(text).body
    except SyntaxError:
        return None
    lines = text.splitlines(keepends=True)
    cells = ["".join(settings)]
    for stmt in body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        cells.append("".join(lines[first - 1 : stmt.end_lineno]))
    return cells


def hoisted(source: str, read: Callable[[str], str], *, outside_classes: bool = False, every: bool = False) -> tuple[str, list[tuple[str, str]]] | None:  # fmt: skip
    """Every literal keyword value of a call replaced by ``read(name)`` (``lr=0.01`` →
    ``lr=read('lr_1')``): the new text and each ``(name, value text)``; None when there is none
    or it does not parse. ``outside_classes``: not in the case's own classes (their ``self``).
    ``every``: the positional literals too (:func:`positional_literals`) and the string keys read
    from containers (``history.history['acc']``)."""
    found = parsed(source)
    if found is None:
        return None
    tree, span, taken = found
    classes = [span(c) for c in ast.walk(tree) if isinstance(c, ast.ClassDef)] if outside_classes else []  # fmt: skip
    edits: list[tuple[int, int, str]] = []
    values: list[tuple[str, str]] = []
    for node, stem in literal_sites(tree, every):
        start, end = span(node)
        if any(a <= start < b for a, b in classes):
            continue
        name = fresh(stem, taken)
        values.append((name, source[start:end]))
        edits.append((start, end, read(name)))
    if not edits:
        return None
    text = source
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text, values


def literal_sites(tree: ast.AST, every: bool) -> list[tuple[ast.expr, str]]:
    """``(literal, name stem)`` of each literal keyword value of a call; with ``every`` also the
    positional ones (:func:`positional_literals`) and the string keys of subscripts, outside
    f-strings; in source order."""
    sites: list[tuple[ast.expr, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            sites += [(kw.value, kw.arg) for kw in node.keywords if kw.arg is not None and literal(kw.value)]
            sites += [(a, "arg") for a in positional_literals(node)] if every else []
        elif every and isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            sites += [(node.slice, "key")] if isinstance(node.slice.value, str) else []
    inside = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)}
    return sorted([s for s in sites if id(s[0]) not in inside], key=lambda s: (s[0].lineno, s[0].col_offset))  # type: ignore[attr-defined]


def positional_literals(call: ast.Call) -> list[ast.expr]:
    """A call's positional literals worth a name: strings (a path, a name), and any literal given
    to a class (``Dense(10)``, ``Conv2D(32, (3, 3))``: a capitalised callee); the numbers given to
    functions (``np.random.rand(8, 3)``) stay, as people write them."""
    callee = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    return [
        a
        for a in call.args
        if literal(a) and (callee[:1].isupper() or (isinstance(a, ast.Constant) and isinstance(a.value, str)))
    ]


def respelled(source: str, every: bool = False) -> list[str] | None:
    """The cells of the respelled notebook (None when nothing was hoisted or it does not parse);
    ``every``: every literal, positional ones and string keys too (``hoisted``)."""
    found = hoisted(source, lambda name: name, every=every)
    if found is None:
        return None
    text, values = found
    return settings_then_statements([f"{name} = {value}\n" for name, value in values], text)


def named_in_cells(source: str) -> list[str] | None:
    """``named_objects``, then each top-level statement in a cell of its own: the optimizer, the
    callbacks and the layers made and bound cells before the call that takes them (None when
    nothing was moved or it does not parse)."""
    named = named_objects(source)
    return one_per_cell(named[0]) if named else None


def one_per_cell(source: str) -> list[str] | None:
    """Each top-level statement of the case in a cell of its own, as notebooks are written, the
    values where they were (None when it does not parse or is one statement)."""
    cells = settings_then_statements([], source)
    return cells[1:] if cells is not None and len(cells) > 2 else None


def in_function(source: str) -> list[str] | None:
    """The case as a script's ``main()``: its imports stay at the top, every other top-level
    statement goes into ``def main():``, called at the end (one cell; None when it does not
    parse or has nothing but imports)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = source.splitlines(keepends=True)
    imports, body = [], []
    for stmt in tree.body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        text = "".join(lines[first - 1 : stmt.end_lineno])
        (imports if isinstance(stmt, (ast.Import, ast.ImportFrom)) else body).append(text)
    if not body:
        return None
    indented = "".join("    " + line if line.strip() else line for text in body for line in text.splitlines(keepends=True))  # fmt: skip
    return ["".join(imports) + "\n\ndef main():\n" + indented.rstrip("\n") + "\n\n\nmain()\n"]


def tab_indented(source: str) -> list[str] | None:
    """The case as ``main()`` (``function``), every level of its indentation a tab, as many
    published scripts are written (None where the tabs would change a string's text)."""
    cells = in_function(source)
    if cells is None:
        return None
    text = re.sub(r"^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), cells[0], flags=re.M)
    try:
        same = ast.dump(ast.parse(text)) == ast.dump(ast.parse(cells[0]))
    except SyntaxError:
        return None
    return [text] if same else None


def unpacked(source: str) -> list[str] | None:
    """Each call's literal keyword arguments given as ``**name`` of a dict a first cell makes
    (``Adam(lr=0.01, decay=1e-6)`` → ``adam_kw_1 = {'lr': 0.01, 'decay': 1e-6}``,
    ``Adam(**adam_kw_1)``), then one cell per top-level statement; None when no call has one."""
    found = parsed(source)
    if found is None:
        return None
    tree, span, taken = found
    edits: list[tuple[int, int, str]] = []
    settings: list[str] = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or any(kw.arg is None for kw in call.keywords):
            continue
        hoisted = [kw for kw in call.keywords if literal(kw.value)]
        if not hoisted:
            continue
        stem = getattr(call.func, "attr", None) or getattr(call.func, "id", None) or "call"
        name = fresh(f"{stem.lower()}_kw", taken)
        items = ", ".join(f"{kw.arg!r}: {source[slice(*span(kw.value))]}" for kw in hoisted)
        settings.append(f"{name} = {{{items}}}\n")
        for kw in hoisted:  # each keyword goes, with the comma before it
            start, end = span(kw)
            edits.append((start, end, ""))
        last = max(span(a)[1] for a in [*call.args, *call.keywords]) if call.args or call.keywords else None
        edits.append((last, last, f", **{name}") if last is not None else (span(call)[1] - 1, span(call)[1] - 1, f"**{name}"))
    if not edits:
        return None
    text = source
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    text = re.sub(r",(\s*,)+", ",", text)  # the commas of the keywords taken out
    text = re.sub(r"\(\s*,\s*", "(", text)
    return settings_then_statements(settings, text)


def through_tensorflow(source: str) -> list[str] | None:
    """The case's Keras imported through TensorFlow, in a first cell of imports, the rest in a
    second (most tutorials' layout): ``import keras`` → ``from tensorflow import keras``, ``from
    keras.x import y`` → ``from tensorflow.keras.x import y``, ``import keras.x as k`` → ``from
    tensorflow.keras import x as k`` (None when it does not parse or imports no Keras)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = source.splitlines(keepends=True)
    imports, body, changed = [], [], False
    for stmt in tree.body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        text = "".join(lines[first - 1 : stmt.end_lineno])
        if isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] == "keras" and not stmt.level:  # fmt: skip
            names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in stmt.names)
            text, changed = f"from tensorflow.{stmt.module} import {names}\n", True
        elif isinstance(stmt, ast.Import) and any(a.name.split(".")[0] == "keras" for a in stmt.names):
            out = []
            for a in stmt.names:
                head, _, tail = a.name.rpartition(".")
                if a.name == "keras":
                    out.append(f"from tensorflow import keras{f' as {a.asname}' if a.asname else ''}\n")
                elif a.name.startswith("keras.") and a.asname:
                    out.append(f"from tensorflow.{head} import {tail} as {a.asname}\n")
                else:
                    out.append(f"import {a.name}" + (f" as {a.asname}" if a.asname else "") + "\n")
            text, changed = "".join(out), True
        (imports if isinstance(stmt, (ast.Import, ast.ImportFrom)) else body).append(text)
    if not changed or not body:
        return None
    return ["".join(imports), "".join(body)]


def star_imports(source: str) -> list[str] | None:
    """Every ``from keras… import a, b`` (and ``tensorflow.keras…``) as ``from keras… import *``,
    as older scripts import layers, in one cell (None when it does not parse or has none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines, out, changed = source.splitlines(keepends=True), [], False
    for stmt in tree.body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        text = "".join(lines[first - 1 : stmt.end_lineno])
        module = stmt.module or "" if isinstance(stmt, ast.ImportFrom) else ""
        top = module.split(".")[0]
        if module and not stmt.level and (top == "keras" or module.startswith("tensorflow.keras")):  # type: ignore[attr-defined]  # fmt: skip
            if not any(a.asname for a in stmt.names):  # type: ignore[attr-defined]
                text, changed = f"from {module} import *\n", True
        out.append(text)
    return ["".join(out)] if changed else None


def dotted(source: str, *, through_module: bool = False) -> list[str] | None:
    """Every ``from keras.x import a`` (and ``tensorflow.keras.x``) as ``import keras`` (``import
    tensorflow as tf``), each use of ``a`` spelt out as ``keras.x.a`` (``tf.keras.x.a``), as many
    scripts reach Keras; a name the case also binds elsewhere keeps its import (one cell; None
    when it does not parse or nothing was spelt out). ``through_module``: the module imported by
    its last name instead (``from keras import optimizers`` … ``optimizers.Adam``), as tutorials
    write ``layers.Dense``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    stored |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in (*n.posonlyargs, *n.args, *n.kwonlyargs)}  # fmt: skip
    stored |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    span = spans(source)
    spelt: dict[str, str] = {}  # bound name → its dotted path
    edits: list[tuple[int, int, str]] = []
    heads: list[str] = []
    for stmt in tree.body:
        module = stmt.module or "" if isinstance(stmt, ast.ImportFrom) and not stmt.level else ""
        parent, _, last = module.rpartition(".")
        if through_module and "keras" in module.split(".") and parent and last not in stored:
            root, head = last, f"from {parent} import {last}\n"
        elif through_module:
            continue
        elif module.split(".")[0] == "keras":
            root, head = module, "import keras\n"
        elif module.startswith("tensorflow.keras"):
            root, head = "tf" + module[len("tensorflow"):], "import tensorflow as tf\n"
        else:
            continue
        kept = []
        for a in stmt.names:  # type: ignore[attr-defined]
            bound = a.asname or a.name
            if a.name == "*" or bound in stored or bound in ("keras", "tf", root):
                kept.append(a.name + (f" as {a.asname}" if a.asname else ""))
            else:
                spelt[bound] = f"{root}.{a.name}"
        if len(kept) == len(stmt.names):  # type: ignore[attr-defined]
            continue
        start, end = span(stmt)
        text = head if head not in heads else ""
        heads.append(head)
        if kept:
            text += f"from {module} import {', '.join(kept)}\n"
        edits.append((start, end, text.rstrip("\n")))
    if not spelt:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in spelt:
            edits.append((*span(node), spelt[node.id]))
    text = source
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return [text]


def through_tensorflow_dotted(source: str) -> list[str] | None:
    """The case's Keras reached through TensorFlow and spelt out, as tf.keras 2 code is written:
    ``from keras.x import a`` → ``import tensorflow as tf``, each use ``tf.keras.x.a`` (one cell;
    None when it does not parse, imports no Keras or nothing was spelt out)."""
    cells = through_tensorflow(source)
    return dotted("".join(cells)) if cells is not None else None


def from_arguments(source: str) -> list[str] | None:
    """Each literal keyword value as a command-line option's default, read as ``args.name``
    (``parser.add_argument('--lr_1', default=0.01)`` … ``Adam(lr=args.lr_1)``), as scripts take
    their settings; one cell, the parser first (None when nothing was moved)."""
    found = hoisted(source, lambda name: f"args.{name}")
    if found is None:
        return None
    text, values = found
    options = "".join(f"parser.add_argument('--{name}', default={value})\n" for name, value in values)
    return ["import argparse\nparser = argparse.ArgumentParser()\n" + options + "args = parser.parse_args([])\n" + text]  # fmt: skip


def in_class(source: str) -> list[str] | None:
    """The case as an experiment class: its literal keyword values set as attributes in
    ``__init__`` (``self.lr_1 = 0.01``) and read as ``self.lr_1``, every other top-level
    statement in its ``run()``, called at the end; imports stay at the top (one cell; None when
    no value was moved)."""
    found = hoisted_body(source, lambda name: f"self.{name}")
    if found is None:
        return None
    head, body, values = found
    settings = [f"        self.{name} = {value}\n" for name, value in values]
    run = "".join("    " + line if line.strip() else line for line in body.splitlines(keepends=True))
    cls = "class Experiment:\n    def __init__(self):\n" + "".join(settings) + "\n    def run(self):\n" + run + "\n"
    return [head + "\n\n" + cls + "\n\nExperiment().run()\n"]


def from_config(source: str) -> list[str] | None:
    """Each literal keyword value as an entry of a settings dict made in a first cell
    (``CONFIG = {'lr_1': 0.01}`` … ``Adam(lr=CONFIG['lr_1'])``), as notebooks keep their
    hyperparameters; then one cell per top-level statement (None when nothing was moved)."""
    found = hoisted(source, lambda name: f"CONFIG[{name!r}]")
    if found is None:
        return None
    text, values = found
    entries = "".join(f"    {name!r}: {value},\n" for name, value in values)
    return settings_then_statements(["CONFIG = {\n" + entries + "}\n"], text)


def in_one_tuple(source: str) -> list[str] | None:
    """Each literal keyword value bound by one tuple assignment in a first cell (``lr_1, epochs_1
    = 0.01, 10`` … ``Adam(lr=lr_1)``), as scripts set their hyperparameters on one line; then one
    cell per top-level statement (None when nothing was moved)."""
    found = hoisted(source, lambda name: name)
    if found is None:
        return None
    text, values = found
    names = ", ".join(name for name, _ in values)
    items = ", ".join(value for _, value in values)
    return settings_then_statements([f"{names} = {items}\n"], text)


def in_settings_class(source: str) -> list[str] | None:
    """Each literal keyword value as a class attribute of a settings class made in a first cell
    (``class CFG: lr_1 = 0.01`` … ``Adam(lr=CFG.lr_1)``), as competition notebooks keep theirs;
    then one cell per top-level statement (None when nothing was moved)."""
    found = hoisted(source, lambda name: f"CFG.{name}", outside_classes=True)
    if found is None:
        return None
    text, values = found
    entries = "".join(f"    {name} = {value}\n" for name, value in values)
    return settings_then_statements(["class CFG:\n" + entries], text)


def as_parameters(source: str, *, passed: bool = False) -> list[str] | None:
    """The case as ``main()`` (``in_function``) whose literal keyword values are its parameters'
    defaults (``def main(lr_1=0.01):`` … ``Adam(lr=lr_1)``), as scripts write a model builder;
    ``passed``: parameters without defaults, the values given where it is called
    (``main(lr_1=0.01)``). One cell; None when nothing was moved."""
    found = hoisted_body(source, lambda name: name)
    if found is None:
        return None
    head, body, values = found
    params = ", ".join(name if passed else f"{name}={value}" for name, value in values)
    call = ", ".join(f"{name}={value}" for name, value in values) if passed else ""
    return [f"{head}\n\ndef main({params}):\n{body}\n\n\nmain({call})\n"]


def hoisted_body(source: str, read: Callable[[str], str]) -> tuple[str, str, list[tuple[str, str]]] | None:  # fmt: skip
    """``hoisted`` outside the case's classes, then split as ``in_function`` splits it: ``(the
    imports, the rest indented one level, each (name, value text))``; None when nothing moved."""
    found = hoisted(source, read, outside_classes=True)
    if found is None:
        return None
    text, values = found
    (as_main,) = in_function(text) or [None]
    if as_main is None:
        return None
    head, _, body = as_main.partition("\n\ndef main():\n")
    return head, body.rsplit("\n\n\nmain()\n", 1)[0], values


def in_a_loop(source: str) -> list[str] | None:
    """The case as one round of a search over settings: its literal keyword values the loop's
    variables (``for lr_1, loss_1 in [(0.01, 'mse')]:``), every other top-level statement its
    body; imports stay at the top (one cell; None when nothing was moved)."""
    found = loop_parts(source)
    if found is None:
        return None
    head, targets, row, body = found
    return [f"{head}\n\nfor {targets}, in [({row},)]:\n{body}\n"]


def in_a_loop_over_a_list(source: str) -> list[str] | None:
    """``in_a_loop`` with the rows in a list a first cell makes (``SEARCH = [(0.01, 'mse')]``),
    the loop over its name in a second, as a search over settings set up once is written."""
    found = loop_parts(source)
    if found is None:
        return None
    head, targets, row, body = found
    return [f"{head}\n\nSEARCH = [({row},)]\n", f"for {targets}, in SEARCH:\n{body}\n"]


def loop_parts(source: str) -> tuple[str, str, str, str] | None:
    """``(imports, the loop's targets, its one row, its body)`` of the case as a loop over its
    literal keyword values (``hoisted_body``)."""
    found = hoisted_body(source, lambda name: name)
    if found is None:
        return None
    head, body, values = found
    return head, ", ".join(n for n, _ in values), ", ".join(v for _, v in values), body


def body_with_values(source: str) -> tuple[str, str, list[tuple[str, str]]] | None:
    """``hoisted_body`` with names read as they are; a case with no literal keyword value as
    ``in_function`` splits it, with no values (None when it does not parse or is only imports)."""
    found = hoisted_body(source, lambda name: name)
    if found is not None:
        return found
    (as_main,) = in_function(source) or [None]
    if as_main is None:
        return None
    head, _, rest = as_main.partition("\n\ndef main():\n")
    return head, rest.rsplit("\n\n\nmain()\n", 1)[0], []


def in_an_earlier_cell(source: str) -> list[str] | None:
    """The case as a notebook's helper: its imports in a first cell, the rest the body of
    ``def main(lr_1, …):`` in a second, called in a third with the literal keyword values
    (``main(lr_1=0.01)``), so the error is raised in a cell other than the one that failed and
    the values come from the calling cell (None when it does not parse or is only imports)."""
    found = body_with_values(source)
    if found is None:
        return None
    head, body, values = found
    params = ", ".join(name for name, _ in values)
    call = ", ".join(f"{name}={value}" for name, value in values)
    return [cell for cell in (head, f"def main({params}):\n{body}\n", f"main({call})\n") if cell.strip()]


def under_main_guard(source: str) -> list[str] | None:
    """The case as a script's ``if __name__ == '__main__':`` block: its imports stay at the top,
    the block sets each literal keyword value to a name first (``lr_1 = 0.01``), then runs every
    other top-level statement, reading them (one cell; None when it does not parse or is only
    imports)."""
    found = body_with_values(source)
    if found is None:
        return None
    head, body, values = found
    settings = "".join(f"    {name} = {value}\n" for name, value in values)
    return [f"{head}\n\nif __name__ == '__main__':\n{settings}{body}\n"]


def reading_globals(source: str) -> list[str] | None:
    """The case as a notebook's ``train()``: a first cell sets each literal keyword value to a
    name (``lr_1 = 0.01``), a second holds the imports, a third defines ``def main():`` whose body
    reads those globals, a fourth calls it (None when nothing was moved)."""
    found = hoisted_body(source, lambda name: name)
    if found is None:
        return None
    head, body, values = found
    settings = "".join(f"{name} = {value}\n" for name, value in values)
    return [cell for cell in (settings, head, f"def main():\n{body}\n", "main()\n") if cell.strip()]


def named_objects(source: str) -> list[str] | None:
    """Each call given straight to another call as an argument (``compile(optimizer=Adam(lr=0.01))``,
    ``fit(callbacks=[EarlyStopping(...)])``, ``model.add(Dense(3))``) made first, bound to a name,
    on its own line before the statement (``adam_1 = Adam(lr=0.01)`` … ``optimizer=adam_1``), as
    code that keeps its optimizer or callbacks in names writes it; top-level statements only (one
    cell; None when nothing was moved or it does not parse)."""
    found = parsed(source)
    if found is None:
        return None
    tree, span, taken = found
    edits: list[tuple[int, int, str]] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With, ast.Try)):  # fmt: skip
            continue
        moved: list[tuple[int, int]] = []
        lines: list[str] = []
        for call in ast.walk(stmt):
            if not isinstance(call, ast.Call):
                continue
            given = [*call.args, *(kw.value for kw in call.keywords)]
            given += [e for g in list(given) if isinstance(g, (ast.List, ast.Tuple)) for e in g.elts]
            for arg in given:
                if not isinstance(arg, ast.Call) or isinstance(arg.func, ast.Attribute) and arg.func.attr in ("astype", "reshape"):  # fmt: skip
                    continue
                start, end = span(arg)
                if any(a <= start < b for a, b in moved) or any(isinstance(n, (ast.Lambda, ast.NamedExpr)) for n in ast.walk(arg)):  # fmt: skip
                    continue
                stem = getattr(arg.func, "id", None) or getattr(arg.func, "attr", "value")
                name = fresh(stem.lower(), taken)
                moved.append((start, end))
                lines.append(f"{name} = {source[start:end]}\n")
                edits.append((start, end, name))
        if lines:
            first, _ = span(stmt)
            edits.append((first, first, "".join(lines)))
    return edited(source, edits)


def edited(source: str, edits: list[tuple[int, int, str]]) -> list[str] | None:
    """``source`` with ``edits`` (``(start, end, new text)``) made, as one cell; None when there
    is none or the result does not parse."""
    if not edits:
        return None
    text = source
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    try:
        ast.parse(text)
    except SyntaxError:
        return None
    return [text]


def under_device(source: str) -> list[str] | None:
    """The case's statements under ``with tf.device("/cpu:0"):``, as GPU-era scripts pin their
    work to a device: its imports stay at the top (``import tensorflow as tf`` added where ``tf``
    is not bound), every other statement indented in the block (one cell; None when it does not
    parse or is only imports)."""
    (as_main,) = in_function(source) or [None]
    if as_main is None:
        return None
    head, _, body = as_main.partition("\n\ndef main():\n")
    body = body.rsplit("\n\n\nmain()\n", 1)[0]
    tf = "" if re.search(r"^import tensorflow as tf$", head, re.M) else "import tensorflow as tf\n"
    return [f"{head}{tf}\n\nwith tf.device('/cpu:0'):\n{body}\n"]


def wrapped(source: str) -> list[str] | None:
    """Each call of two or more arguments on one line laid out one argument per line, each with a
    comment after it, the closing parenthesis on a line of its own (as tutorials annotate their
    layers and ``compile``); top-level statements and function bodies alike (one cell; None when
    no call was laid out or it does not parse)."""
    found = parsed(source)
    if found is None:
        return None
    tree, span, _ = found
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for call in ast.walk(tree):
        given = [*call.args, *call.keywords] if isinstance(call, ast.Call) else []
        if len(given) < 2 or call.lineno != call.end_lineno or any(isinstance(g, ast.Starred) for g in call.args):  # type: ignore[attr-defined]  # fmt: skip
            continue
        start, end = span(call)
        if any(a <= start < b or a < end <= b for a, b in taken):
            continue  # inside (or around) a call already laid out: one layout per line
        line = lines[call.lineno - 1]  # type: ignore[attr-defined]
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        first = span(given[0])[0]
        parts = [source[slice(*span(g))] for g in given]
        text = source[start:first] + "\n" + "".join(f"{indent}{part},  # {i + 1}\n" for i, part in enumerate(parts)) + indent[:-4] + ")"  # fmt: skip
        edits.append((start, end, text))
        taken.append((start, end))
    return edited(source, edits)


def aliased(source: str) -> list[str] | None:
    """Every name a top-level Keras or TensorFlow import binds under its own name bound under
    another (``from keras.optimizers import Adam`` → ``… import Adam as Adam_1``, ``import keras``
    → ``import keras as keras_1``), each use renamed, as authors shorten or tell apart their
    imports; a name the case also binds elsewhere keeps its import (one cell; None when nothing
    was renamed or it does not parse)."""
    found = parsed(source)
    if found is None:
        return None
    tree, span, taken = found
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    stored |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in (*n.posonlyargs, *n.args, *n.kwonlyargs)}  # fmt: skip
    stored |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    stored |= {name for n in ast.walk(tree) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
    renamed: dict[str, str] = {}
    edits: list[tuple[int, int, str]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            module, plain = "", [a for a in stmt.names if a.name in ("keras", "tensorflow") and not a.asname]
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level and (stmt.module or "").split(".")[0] in ("keras", "tensorflow"):  # fmt: skip
            module, plain = stmt.module or "", [a for a in stmt.names if a.name != "*" and not a.asname]
        else:
            continue
        plain = [a for a in plain if a.name not in stored and a.name not in renamed]
        if not plain:
            continue
        for a in plain:
            renamed[a.name] = fresh(a.name, taken)
        parts = [f"{a.name} as {renamed[a.name] if a in plain else a.asname}" if a in plain or a.asname else a.name for a in stmt.names]  # fmt: skip
        edits.append((*span(stmt), f"from {module} import {', '.join(parts)}" if module else f"import {', '.join(parts)}"))  # fmt: skip
    edits += [(*span(n), renamed[n.id]) for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in renamed]  # fmt: skip
    return edited(source, edits) if renamed else None


def assigned(source: str) -> list[str] | None:
    """Every top-level ``from keras.x import a as b`` (and ``tensorflow.keras.x``) as the package's
    import and an assignment of the member (``import keras`` then ``b = keras.x.a``), as
    ``K = keras.backend`` is written in tf.keras 2 notebooks (one cell; None when nothing was
    respelled or it does not parse)."""
    found = parsed(source)
    if found is None:
        return None
    tree, span, _ = found
    edits: list[tuple[int, int, str]] = []
    for stmt in tree.body:
        module = stmt.module or "" if isinstance(stmt, ast.ImportFrom) and not stmt.level else ""
        top = module.split(".")[0]
        if top not in ("keras", "tensorflow") or any(a.name == "*" for a in stmt.names):  # type: ignore[attr-defined]
            continue
        lines = [f"import {top}"] + [f"{a.asname or a.name} = {module}.{a.name}" for a in stmt.names]  # type: ignore[attr-defined]
        edits.append((*span(stmt), "\n".join(lines)))
    return edited(source, edits) if edits else None


VARIANTS = {"settings": respelled, "function": in_function, "tabs": tab_indented, "unpacked": unpacked, "tensorflow": through_tensorflow, "star": star_imports, "dotted": dotted, "arguments": from_arguments, "class": in_class, "config": from_config, "parameters": as_parameters, "passed": lambda source: as_parameters(source, passed=True), "loop": in_a_loop, "looplist": in_a_loop_over_a_list, "modules": lambda source: dotted(source, through_module=True), "helper": in_an_earlier_cell, "guarded": under_main_guard, "globals": reading_globals, "named": named_objects, "tfdotted": through_tensorflow_dotted, "device": under_device, "wrapped": wrapped, "aliased": aliased, "cells": one_per_cell, "tuple": in_one_tuple, "cfgclass": in_settings_class, "assigned": assigned, "values": lambda source: respelled(source, every=True), "namedcells": named_in_cells}  # fmt: skip


def notebook(path: Path, cells: list[str]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}  # fmt: skip
    nb.cells = [nbformat.v4.new_code_cell(c.rstrip("\n")) for c in cells]
    nbformat.write(nb, str(path))


def migrate(python: Path, cells: list[str], timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="respell-") as tmp:
        path = Path(tmp) / "case.ipynb"
        notebook(path, cells)
        env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
        start = time.perf_counter()
        proc = subprocess.run(
            [str(python), "-m", "kerasmagic", "migrate", path.name, "--check", "--json", "--cell-timeout", str(timeout)],  # fmt: skip
            capture_output=True, text=True, cwd=tmp, env=env,
        )  # fmt: skip
    try:
        (doc,) = json.loads(proc.stdout)["documents"]
    except (ValueError, KeyError) as exc:
        return {"status": f"no report ({type(exc).__name__})", "error": proc.stderr[-300:]}
    failing = [c for c in doc["cells"] if c["status"] in ("failed", "timeout", "kernel-died")]
    return {
        "status": doc["status"],
        "stopped_at": doc["stopped_at"],
        "rules": sorted({r["id"] for c in doc["cells"] for ch in c["changes"] for r in ch["rules"]}),
        "error": (failing[0]["error"] or "").splitlines()[0][:200] if failing and failing[0]["error"] else None,
        "seconds": round(time.perf_counter() - start, 1),
    }


def chosen(env: str, sample: int | None, names: list[str] | None, offset: int = 0) -> list[dict]:
    cases = [
        c
        for c in case_runner.load_cases()
        if case_runner.applies(c, env)
        and env in c.get("fails_in", [])
        and c.get("fix")
        and not (c.get("isolated") or c.get("restart") or c.get("fixed_then"))
        and not str(c["source"]).lstrip().startswith(("%", "!"))
    ]
    if names:
        return [c for c in cases if c["name"] in names]
    cases = [c for c in cases if respelled(c["source"]) is not None]
    cases.sort(key=lambda c: hashlib.sha256(c["name"].encode()).hexdigest())
    return cases[offset : offset + sample] if sample else cases[offset:]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="tf221-k3")
    p.add_argument("--sample", type=int, default=30)
    p.add_argument("--offset", type=int, default=0, help="skip the first OFFSET cases of the sample's order")
    p.add_argument("--cases", nargs="*")
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--json", type=Path)
    p.add_argument("--respelled-only", action="store_true",
                   help="migrate only the respelled notebooks (the cases' own runs are known)")
    p.add_argument("--from-json", type=Path, nargs="*", help="print the summary of earlier runs' JSON instead of running")
    p.add_argument("--variant", choices=sorted(VARIANTS), default="settings",
                   help="settings: values in a first cell, one statement per cell; function: the body in a main(); unpacked: keywords as **dict; tensorflow: Keras imported through TensorFlow in a first cell; star: from keras.x import *; dotted: keras.x.a spelt out at each use; arguments: values as argparse defaults; class: values as attributes of an experiment class, the body its run()")
    args = p.parse_args()
    if args.from_json:
        for path in args.from_json:
            print(f"{path.name}: " + summary(json.loads(path.read_text(encoding="utf-8")), args.env))
        return 0
    python = ROOT / ".envs" / args.env / "bin" / "python"
    rows = []
    for case in chosen(args.env, args.sample, args.cases, args.offset):
        cells = VARIANTS[args.variant](case["source"])
        written = {"status": "not run (--respelled-only)"} if args.respelled_only else migrate(python, [case["source"]], args.timeout)  # fmt: skip
        row = {"case": case["name"], "as_written": written}
        row["respelled"] = migrate(python, cells, args.timeout) if cells else {"status": "nothing to respell"}
        rows.append(row)
        print(f"{row['case']}: {row['as_written']['status']} / {row['respelled']['status']} {row['respelled'].get('error') or ''}", file=sys.stderr, flush=True)  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(summary(rows, args.env))
    return 0


def summary(rows: list[dict], env: str) -> str:
    """The counts, then each case whose fix held as written and not respelled."""
    rows = [r for r in rows if r["respelled"]["status"] != "nothing to respell"]  # not a probe
    lost = [r for r in rows if r["as_written"]["status"] in RUNNING and r["respelled"]["status"] not in RUNNING]
    lines = [f"{len(rows)} cases ({env}): to running as written {sum(r['as_written']['status'] in RUNNING for r in rows)}, "
             f"respelled {sum(r['respelled']['status'] in RUNNING for r in rows)}; lost by respelling: {len(lost)}"]  # fmt: skip
    lines += [f"- {r['case']}: {r['respelled'].get('error')}" for r in lost]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
