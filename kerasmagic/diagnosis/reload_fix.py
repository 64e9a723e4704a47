"""The fix for a Keras 2 ``.h5`` model loaded by Keras 3: load it with ``compile=False`` and compile
it again with the optimizer, loss and metrics the file records, written for the live Keras.

Keras 3 cannot restore a Keras 2 training config faithfully: the optimizer comes back freshly
initialised (saved learning rate and state dropped, one absl line says so) or the loss/metric
cannot be deserialized at all. The file itself still says how the model was compiled.
"""

from __future__ import annotations

import ast
import inspect
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kerasmagic.diagnosis.decay_schedule import schedule_path
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    after_statement,
    insertion_line,
    node_edit,
    node_text,
    statement_of,
    walk,
)
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.saved_files import SavedH5Model

LOAD_FUNCTIONS = ("load_model",)
# roots of the public API a ``load_model`` may come from → the module its objects live in
KERAS_ROOTS = {"keras": "keras", "tensorflow.keras": "tensorflow.keras", "tf_keras": "tf_keras"}
SKIPPED_OPTIMIZER_KEYS = {"name", "is_legacy_optimizer"}
SKIPPED_LOSS_KEYS = {"name", "reduction", "dtype"}


@dataclass
class Recompile:
    """What the fix writes: the compile line, the edits, and what could not be carried over."""

    code: str
    edits: list[Edit]
    left_out: list[str]


def _number(value: Any) -> Any:
    """A float saved as float32 (0.009999999776482582) written as the user wrote it (0.01)."""
    if isinstance(value, float):
        return float(f"{value:.7g}")
    return value


def _live_module(root: str) -> Any:
    """The live Keras module a public root names (only if already imported: never imports)."""
    if root == "tensorflow.keras":
        tf = sys.modules.get("tensorflow")
        return getattr(tf, "keras", None) if tf is not None else None
    return sys.modules.get(root)


def _kwargs(
    klass: Any, config: dict[str, Any], skipped: set[str], keep: tuple[str, ...]
) -> str | None:
    """``k=v`` text for the config entries ``klass`` accepts and whose value is not its default
    (``keep`` always written); None if a needed value is not a plain literal (e.g. a schedule)."""
    try:
        parameters = inspect.signature(klass).parameters
    except (TypeError, ValueError):
        return None
    parts = []
    for key, value in config.items():
        if key in skipped or key not in parameters:
            continue
        value = _number(value)
        default = parameters[key].default
        if key not in keep and default is not inspect.Parameter.empty and value == default:
            continue
        if not isinstance(value, (int, float, str, bool, type(None))):
            return None  # a schedule or a nested object: not a literal to write
        parts.append(f"{key}={value!r}")
    return ", ".join(parts)


def _optimizer_kwargs(klass: Any, config: dict[str, Any], expr: str) -> str | None:
    """The saved optimizer's hyperparameters for the live ``klass``: Keras 2's renamed arguments
    under their new names (``lr`` → ``learning_rate``, the catalogue's ``optimizer-lr-renamed``),
    and a non-zero Keras 2 ``decay``, which the live optimizer has no argument for, kept as what it
    computed: the rate becomes the ``InverseTimeDecay`` schedule (``decay_schedule``)."""
    try:
        parameters = inspect.signature(klass).parameters
    except (TypeError, ValueError):
        return None
    renames = catalogue_entry("optimizer-lr-renamed").data.get("renames", {})
    config = {k if k in parameters else renames.get(k, k): v for k, v in config.items()}
    decay = config.pop("decay", 0) if "decay" not in parameters else 0
    if not decay:
        return _kwargs(klass, config, SKIPPED_OPTIMIZER_KEYS, ("learning_rate",))
    rate = _number(config.pop("learning_rate", None))
    rest = _kwargs(klass, config, SKIPPED_OPTIMIZER_KEYS, ())
    if not isinstance(rate, (int, float)) or not isinstance(decay, (int, float)) or rest is None:
        return None
    text = f"learning_rate={schedule_path(expr)}({rate!r}, decay_steps=1, decay_rate={_number(decay)!r})"
    return ", ".join(p for p in (text, rest) if p)


def _loss(saved: SavedH5Model, expr: str, module: Any) -> str | None:
    loss = saved.loss
    if isinstance(loss, str):
        return repr(loss)
    if isinstance(loss, dict) and isinstance(loss.get("class_name"), str):
        klass = getattr(getattr(module, "losses", None), loss["class_name"], None)
        if klass is None:
            return None
        kwargs = _kwargs(klass, loss.get("config") or {}, SKIPPED_LOSS_KEYS, ())
        return None if kwargs is None else f"{expr}.losses.{loss['class_name']}({kwargs})"
    return None


def _metrics(saved: SavedH5Model) -> tuple[list[str], list[str]]:
    """(metric names to write, metrics that could not be carried over)."""
    items: list[Any] = []
    for item in saved.metrics or []:
        items.extend(item if isinstance(item, list) else [item])  # Keras 2 nests per output
    names, left = [], []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            config = item.get("config") or {}
            fn = config.get("fn")
            if isinstance(fn, str):  # MeanMetricWrapper("mae") records its function's name
                names.append(fn)
            else:
                left.append(str(config.get("name") or item.get("class_name")))
    return names, left


def compile_line(saved: SavedH5Model, target: str, expr: str, module: Any) -> Recompile | None:
    """``target.compile(...)`` restoring the saved optimizer (class and hyperparameters), loss
    and metrics with the live ``module`` (spelled ``expr`` in the cell)."""
    if not saved.compiled or module is None:
        return None
    klass = getattr(getattr(module, "optimizers", None), saved.optimizer_class or "", None)
    if klass is None:
        return None
    kwargs = _optimizer_kwargs(klass, saved.optimizer_config, expr)
    loss = _loss(saved, expr, module)
    if kwargs is None or loss is None:
        return None
    metrics, left = _metrics(saved)
    code = f"{target}.compile(optimizer={expr}.optimizers.{saved.optimizer_class}({kwargs}), loss={loss}"
    if metrics:
        code += f", metrics={metrics!r}"
    return Recompile(code + ")", [], left)


def keras_alias(cell: ParsedCell, root: str, namespace: dict | None = None) -> str | None:
    """How the cell spells the Keras module ``root`` (``keras``, ``tf.keras`` …), if it binds it,
    or reads a name an earlier cell bound to it (``namespace``: ``from tensorflow import keras``
    cells before counts as the cell's own import)."""
    if cell.tree is None:
        return None
    for node in walk(cell.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == root:
                    return alias.asname or alias.name
                if root == "tensorflow.keras" and alias.name == "tensorflow":
                    return f"{alias.asname or 'tensorflow'}.keras"
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                if f"{node.module}.{alias.name}" == root:
                    return alias.asname or alias.name
    for name, path in sorted(_namespace_modules(cell, namespace).items()):
        if path == root:
            return name
        if root == "tensorflow.keras" and path == "tensorflow":
            return f"{name}.keras"
    return None


def _no_compile_edit(cell: ParsedCell, call: ast.Call) -> Edit | None:
    """``load_model(path)`` → ``load_model(path, compile=False)``."""
    for kw in call.keywords:
        if kw.arg == "compile":
            return node_edit(cell, kw.value, "False")
    text = node_text(cell, call)
    if not text or not text.endswith(")"):
        return None
    head = text[:-1].rstrip()
    sep = "" if head.endswith("(") else (" " if head.endswith(",") else ", ")
    return node_edit(cell, call, f"{head}{sep}compile=False)")


def keras_module_spelling(
    cell: ParsedCell, root: str, namespace: dict | None = None
) -> tuple[str, str | None]:
    """How the cell names the Keras module ``root`` a load came from (``keras_alias``), and,
    when it binds none (it imported only the function), the name to use and the import that
    binds it: ``("keras", "from tensorflow import keras\\n")``."""
    expr = keras_alias(cell, root, namespace)
    if expr is not None:
        return expr, None
    if root == "tf_keras":
        return "tf_keras", "import tf_keras\n"
    if root == "keras":
        return "keras", "import keras\n"
    return "keras", f"from {root.rpartition('.')[0]} import keras\n"


def reload_edits(
    cell: ParsedCell, call: ast.Call, root: str, target: str, saved: SavedH5Model
) -> Recompile | None:
    """The edits loading ``saved`` with ``compile=False`` and compiling ``target`` again."""
    module = _live_module(root)
    expr, statement = keras_module_spelling(cell, root)
    import_edit = None
    if statement is not None:
        at = insertion_line(cell)
        import_edit = Edit(at, 0, at, 0, statement)
    recompile = compile_line(saved, target, expr, module)
    statement_node = statement_of(cell.tree, call)
    no_compile = _no_compile_edit(cell, call)
    if recompile is None or statement_node is None or no_compile is None:
        return None
    end = statement_node.end_lineno or statement_node.lineno
    if any(n in cell.frozen_lines for n in range(statement_node.lineno, end + 1)):
        return None
    insert = after_statement(cell, statement_node, recompile.code)
    recompile.edits = [e for e in (import_edit, no_compile, insert) if e is not None]
    return recompile


def keras_root(resolved: str) -> str | None:
    """``keras.models.load_model`` → ``keras``; ``tensorflow.keras.saving.load_model`` →
    ``tensorflow.keras``; None when it is no Keras ``load_model``."""
    if not resolved.endswith(tuple("." + f for f in LOAD_FUNCTIONS)):
        return None
    for root in sorted(KERAS_ROOTS, key=len, reverse=True):
        if resolved.startswith(root + "."):
            return KERAS_ROOTS[root]
    return None


def _imported_names(cell: ParsedCell) -> dict[str, str]:
    """Names the cell's imports bind → the dotted path they stand for."""
    names: dict[str, str] = {}
    for node in walk(cell.tree) if cell.tree is not None else ():
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _assigned_name(cell: ParsedCell, call: ast.Call) -> str | None:
    """``model`` in ``model = load_model(…)``."""
    for node in walk(cell.tree) if cell.tree is not None else ():
        if (
            isinstance(node, ast.Assign)
            and node.value is call
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            return node.targets[0].id
    return None


def load_calls(
    cell: ParsedCell, namespace: dict | None = None
) -> list[tuple[ast.Call, str, str | None]]:
    """Every Keras ``load_model(…)`` of the cell: (call, Keras root, name bound to its result).
    A module an earlier cell bound (``namespace``: ``tf``) counts as the cell's own import."""
    names = {**_namespace_modules(cell, namespace), **_imported_names(cell)}
    found = []
    for node in walk(cell.tree) if cell.tree is not None else ():
        if not isinstance(node, ast.Call):
            continue
        from kerasmagic.diagnosis.cell_facts import dotted

        text = dotted(node.func)
        if not text:
            continue
        head, _, rest = text.partition(".")
        resolved = names.get(head, head) + (f".{rest}" if rest else "")
        resolved = resolved.replace("tensorflow.compat.v2.", "tensorflow.", 1)
        root = keras_root(resolved)
        if root is not None:
            found.append((node, root, _assigned_name(cell, node)))
    return found


def _namespace_modules(cell: ParsedCell, namespace: dict | None) -> dict[str, str]:
    """Name → public path of each module or function of ``namespace`` the cell reads: a
    ``load_model`` an earlier cell imported (a script's imports are in its first block)."""
    if not namespace or cell.tree is None:
        return {}
    from kerasmagic.diagnosis.public_paths import public_path

    read = {n.id for n in walk(cell.tree) if isinstance(n, ast.Name)}
    out = {}
    for name in read:
        value = namespace.get(name)
        kinds = (types.ModuleType, types.FunctionType)
        path = public_path(value) if isinstance(value, kinds) else None
        if path:
            out[name] = path
    return out


def loaded_paths(
    cell: ParsedCell,
    line: int | None,
    namespace: dict | None,
    read: Callable[[ast.expr], Any] | None = None,
) -> Iterator[tuple[ast.Call, str, str | None, Any]]:
    """``(call, Keras root, bound name, path)`` of each ``load_model`` on ``line`` (every one
    when None) whose first argument is a literal or a name with a value in ``namespace``, or
    any other expression ``read`` gives the value of (``live_strings.string_value``: an
    f-string of names, ``os.path.join``)."""
    for call, root, target in load_calls(cell, namespace):
        if line is not None and not call.lineno <= line <= (call.end_lineno or call.lineno):
            continue
        if not call.args:
            continue
        arg = call.args[0]
        path = arg.value if isinstance(arg, ast.Constant) else None
        if isinstance(arg, ast.Name) and namespace is not None:
            path = namespace.get(arg.id)
        if path is None and read is not None:
            path = read(arg)
        if path is not None:
            yield call, root, target, path
