"""Replacement code for a call, from a catalogue template and the call's argument sources.

A ``backend-replace`` entry (``knowledge/catalogue/keras3_backend.toml``) gives, per function, the
Keras 2 parameters (``params``, Python syntax; a default is the code to use when the call leaves the
argument out) and a template of the Keras 3 code:

``{x}``        the source of argument ``x`` (or its default); wrapped in parentheses when it is
               not an atom and the template does more than pass it on (``{x}.shape``, ``0.2 * {x}``)
``{name?}``    ``, name=<source>`` when the call gave ``name``, else nothing
``{name?kw}``  the same, written as keyword ``kw``
``{{`` ``}}``  literal braces

Nothing is guessed: an argument the template does not use, an unknown keyword, ``*args`` or
``**kwargs``, a missing required argument, or a non-trivial argument the template would evaluate
twice all give ``None`` (no replacement).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w+)(\?(\w*))?\}")
ATOMS = (
    ast.Name,
    ast.Attribute,
    ast.Call,
    ast.Subscript,
    ast.Constant,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.JoinedStr,
)
SIMPLE = (ast.Name, ast.Attribute, ast.Constant)


def parse_params(params: str) -> list[tuple[str, str | None]]:
    """``"x, dtype=None"`` -> ``[("x", None), ("dtype", "None")]`` (name, default source)."""
    tree = ast.parse(f"def _({params}):\n pass")
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    if fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs or fn.args.posonlyargs:
        raise ValueError(f"params must be plain parameters: {params!r}")
    names = [a.arg for a in fn.args.args]
    defaults: list[str | None] = [None] * (len(names) - len(fn.args.defaults))
    defaults += [ast.unparse(d) for d in fn.args.defaults]
    return list(zip(names, defaults))


def _expression(source: str) -> ast.expr | None:
    try:
        return ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None


def _is_atom(source: str) -> bool:
    node = _expression(source)
    if node is None:
        return False
    if isinstance(node, ATOMS):
        return not (isinstance(node, ast.Constant) and source.strip().startswith("-"))
    text = source.strip()
    return isinstance(node, ast.Tuple) and text.startswith("(") and text.endswith(")")


def _stands_alone(template: str, start: int, end: int) -> bool:
    """Is the placeholder at ``template[start:end]`` a whole argument or element?"""
    before = template[:start].rstrip()[-1:]
    after = template[end:].lstrip()[:1]
    return before in ("(", ",", "[", "=") and after in (")", ",", "]")


def render_call(
    template: str, params: str, args: Sequence[str], keywords: Mapping[str, str]
) -> str | None:
    """The template filled with the sources of the call's arguments, or None (see the module)."""
    spec = parse_params(params)
    names = [name for name, _ in spec]
    if len(args) > len(spec):
        return None
    bound: dict[str, str] = dict(zip(names, args))
    for name, source in keywords.items():
        if name not in names or name in bound:
            return None
        bound[name] = source
    defaults = dict(spec)
    uses = [m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1)]
    if set(bound) - set(uses):
        return None  # an argument the Keras 3 code would silently drop
    out: list[str] = []
    pos = 0
    for m in PLACEHOLDER.finditer(template):
        out.append(template[pos : m.start()])
        pos = m.end()
        token, name, optional, keyword = m.group(0), m.group(1), m.group(2), m.group(3)
        if token in ("{{", "}}"):
            out.append(token[0])
            continue
        if name not in defaults:
            raise ValueError(f"template uses {{{name}}}, not a parameter of {params!r}")
        if optional:
            if name in bound:
                out.append(f", {keyword or name}={bound[name].strip()}")
            continue
        source = bound.get(name, defaults[name])
        if source is None:
            return None  # a required argument the call does not give
        source = source.strip()
        node = _expression(source)
        if node is None:
            return None
        if uses.count(name) > 1 and not isinstance(node, SIMPLE):
            return None  # would evaluate the expression twice
        if not _stands_alone(template, m.start(), m.end()) and not _is_atom(source):
            source = f"({source})"
        out.append(source)
    out.append(template[pos:])
    text = "".join(out)
    return text if _expression(text) is not None else None
