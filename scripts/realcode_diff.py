"""What a migration changed, for the real-code report: the lines it wrote, the code cells of a
notebook, and the keyword arguments whose values the migrated copy no longer has."""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import tomllib
from report_text import changed_lines

MAGIC = re.compile(r"^\s*[%!]")
CATALOGUE = Path(__file__).resolve().parent.parent / "kerasmagic" / "knowledge" / "catalogue"


def merge_modes() -> dict[str, tuple[str, ...]]:
    """Keras 1's ``merge``/``Merge`` modes and the function and layer each became (catalogue
    entry ``keras1-merge-function``): a ``mode=`` the rewrite turned into its callee."""
    doc = tomllib.loads((CATALOGUE / "errors.toml").read_text(encoding="utf-8"))
    for entry in doc.get("entry", []):
        if entry.get("id") == "keras1-merge-function":
            return {
                mode: tuple(v for k, v in spec.items() if k in ("function", "layer"))
                for mode, spec in entry.get("data", {}).get("modes", {}).items()
            }
    return {}


def no_effect_keywords() -> set[str]:
    """Keywords whose removal the catalogue says changes nothing the model computes (Keras 3's
    dropped queue/process options of ``fit`` and ``fused``): not a wrong change when dropped."""
    doc = tomllib.loads((CATALOGUE / "keras3_rules.toml").read_text(encoding="utf-8"))
    for entry in doc.get("entry", []):
        if entry.get("id") == "keras3-removed-keyword":
            data = entry.get("data", {})
            per_class = [
                w
                for table in (data.get("classes", {}), data.get("members", {}))
                for words in table.values()
                for w in words
            ]
            return {*data.get("methods", []), *data.get("layers", []), *per_class}
    return set()


def changes_nothing(value: str) -> bool:
    """Dropping a keyword of this value changes nothing: a literal zero (``decay=0.0``) or
    ``None``, which Keras's signatures read as "not given" (Keras 2's ``epsilon=None`` is
    ``backend.epsilon()``, 1e-07, the default of every Keras 3 optimizer)."""
    return value.strip() == "None" or _is_zero(value)


def _is_zero(value: str) -> bool:
    """A literal zero (``decay=0.0``): dropping it changes nothing."""
    try:
        number = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return False
    return isinstance(number, (int, float)) and not isinstance(number, bool) and number == 0


def _names_bound_to_zero(text: str) -> set[str]:
    """Names the source binds exactly once, to a literal zero (``decay_rate = 0.0``)."""
    tree = _tree(text)
    bound: Counter[str] = Counter()
    zero: set[str] = set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound[node.id] += 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and _is_zero(ast.unparse(node.value)):
                zero.add(target.id)
    return {name for name in zero if bound[name] == 1}


def _unshuffled_seeds(text: str) -> set[str]:
    """``random_state`` values of K-fold splitters (``KFold``, ``StratifiedKFold`` …) called
    with no ``shuffle`` or ``shuffle=False``."""
    tree = _tree(text)
    out: set[str] = set()
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Call) or not ast.unparse(node.func).endswith("KFold"):
            continue
        words = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        shuffle = words.get("shuffle")
        if "random_state" in words and (
            shuffle is None or (isinstance(shuffle, ast.Constant) and shuffle.value is False)
        ):
            out.add(_value_text(words["random_state"]))
    return out


def _tree(text: str) -> ast.AST | None:
    try:
        return ast.parse(_python(text))
    except SyntaxError:
        return None


def changed_lines_of(old: str, new: str) -> set[int]:
    return changed_lines(old, new)


def nb_code(text: str) -> list[str]:
    """The code cells' sources of a notebook's JSON text."""
    nb = json.loads(text)
    out = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            out.append("".join(src) if isinstance(src, list) else src)
    return out


def _python(text: str) -> str:
    """Source with IPython magics and shell lines blanked (so it parses)."""
    return "\n".join("" if MAGIC.match(ln) else ln for ln in text.splitlines())


def keyword_values(text: str, positional: bool = False) -> Counter[tuple[str, str]] | None:
    """``(keyword, value)`` of every call's keyword arguments; with ``positional``, also each
    positional argument as ``("", value)`` (a value moved into another call:
    ``SGD(lr=0.1, decay=1e-6)`` → ``SGD(learning_rate=InverseTimeDecay(0.1, …, decay_rate=1e-6))``)."""
    try:
        tree = ast.parse(_python(text))
    except SyntaxError:
        return None
    found: Counter[tuple[str, str]] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                # a call's own keywords are counted where it is visited, not as one value
                if kw.arg is not None and not isinstance(kw.value, ast.Call):
                    found[(kw.arg, _value_text(kw.value))] += 1
            for arg in node.args if positional else ():
                if not isinstance(arg, (ast.Call, ast.Starred)):
                    found[("", _value_text(arg))] += 1
            if positional:  # a value moved into a tuple is still passed: input_shape=(n,)
                for kw in node.keywords:
                    for elt in kw.value.elts if isinstance(kw.value, (ast.Tuple, ast.List)) else ():
                        found[("", _value_text(elt))] += 1
    return found


def _value_text(node: ast.expr) -> str:
    """A value's source, a number written as its float (``1`` and ``1.0`` are one value)."""
    number = node.operand if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else node
    if isinstance(number, ast.Constant) and type(number.value) in (int, float):
        value = float(number.value)
        return repr(-value if number is not node else value)
    return ast.unparse(node)


def dropped_values(old: str, new: str) -> list[tuple[str, str]]:
    """``(keyword, value)`` of calls in ``old`` whose value is passed fewer times in ``new``
    under any keyword (``lr=0.01`` → ``learning_rate=0.01`` keeps it; dropping ``decay=1e-6``
    does not). A keyword the catalogue says has no effect, or a value that changes nothing, is not
    counted."""
    harmless = no_effect_keywords()
    before, after = keyword_values(old), keyword_values(new, positional=True)
    if before is None or after is None:
        return []
    values_after = Counter(v for (_k, v), n in after.items() for _ in range(n))
    values_before = Counter(v for (_k, v), n in before.items() for _ in range(n))
    values_before.update(
        v
        for (_k, v), n in (keyword_values(old, positional=True) or Counter()).items()
        if not _k
        for _ in range(n)
    )
    keywords_before = Counter(k for (k, _v), n in before.items() for _ in range(n))
    keywords_after = Counter(k for (k, _v), n in after.items() if k for _ in range(n))
    per_batch = _divided_by_a_batch(before, after)  # Keras 2.0's own samples → steps
    values_after.update(v for _k, v in per_batch)
    modes = merge_modes()
    out = []
    zeros, unshuffled = _names_bound_to_zero(old), _unshuffled_seeds(old)
    for (kw, value), _n in sorted(before.items()):
        if kw in harmless or kw in NAMES_ONLY or changes_nothing(value) or value in zeros:
            continue
        if (kw, value) in per_batch:
            continue
        if kw == "random_state" and value in unshuffled:
            continue  # a splitter's seed without shuffle: ignored before scikit-learn 0.24
        callees = modes.get(value.strip("'\"")) if kw == "mode" else None
        if callees and any(re.search(rf"\b{c}\(", new) for c in callees):
            continue  # Keras 1's merge mode, now the callee (`multiply(…)`, `Concatenate(…)`)
        renamed = VALUE_RENAMES.get((kw, value.replace('"', "'")))
        if renamed and any((k, v.replace('"', "'")) == renamed for k, v in after):
            continue  # Keras 1's keyword and value, under their Keras 2 spellings
        if values_after[value] < values_before[value] and (kw, value) not in after:
            if keywords_after[kw] >= keywords_before[kw] and kw not in RENAMED_AWAY:
                continue  # the keyword is still passed, its value rewritten: rewritten_values
            out.append((kw, value))
    return out


# Keras 1 keywords counting samples that Keras 2.0 turned into ones counting batches, dividing by
# the generator's batch size (keras 2.0.0 legacy/interfaces.py,
# generator_methods_args_preprocessor)
SAMPLES_TO_STEPS = {"samples_per_epoch": "steps_per_epoch"}


def _divided_by_a_batch(before: Counter, after: Counter) -> set[tuple[str, str]]:
    """``(keyword, value)`` of ``before`` counting samples whose value is passed in ``after`` as
    the keyword counting batches, divided (``samples_per_epoch=400`` → ``steps_per_epoch=400 //
    gen.batch_size``, as Keras 2.0 converted it)."""
    out = set()
    for kw, value in before:
        steps = SAMPLES_TO_STEPS.get(kw)
        for k, v in after if steps else ():
            try:
                node = ast.parse(v, mode="eval").body
            except SyntaxError:
                continue
            divided = isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv)
            if k == steps and divided and _value_text(node.left) == value:
                out.add((kw, value))
    return out


# keywords that name a variable, layer or op and change nothing it computes (Keras 1's
# ``initializations.normal(shape, name=name)`` as ``RandomNormal(stddev=…)(shape)``)
NAMES_ONLY = {"name"}

# Keras 1 keywords whose values Keras 2 spelt anew (keras 2.0.0 legacy/interfaces.py,
# value_conversions): the same setting, not a dropped value
VALUE_RENAMES = {
    ("dim_ordering", "'th'"): ("data_format", "'channels_first'"),
    ("dim_ordering", "'tf'"): ("data_format", "'channels_last'"),
    # keras 2.2-2.15 load_img (utils/image_utils.py): `if grayscale: color_mode = "grayscale"`
    ("grayscale", "True"): ("color_mode", "'grayscale'"),
}

# keywords Keras 3 renamed: still passed under the old name means nothing, so a rewrite is judged
# by the value (``lr=0.01`` → ``learning_rate=0.01`` keeps it)
RENAMED_AWAY = {"lr"}


def rewritten_values(old: str, new: str) -> list[tuple[str, str]]:
    """``(keyword, value)`` of calls in ``old`` whose keyword is still passed in ``new`` with
    another value (a file suffix, a metric's old name, ``y`` → ``y.toarray()``): deliberate
    rewrites, listed for review, not counted as dropped."""
    before, after = keyword_values(old), keyword_values(new, positional=True)
    if before is None or after is None:
        return []
    values_after = Counter(v for (_k, v), n in after.items() for _ in range(n))
    return [
        (kw, value)
        for (kw, value), _n in sorted(before.items())
        if not values_after[value] and (kw, value) not in dropped_values(old, new)
    ]
