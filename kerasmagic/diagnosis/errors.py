"""Problems only the error itself reveals, and catalogue explanations matched to an exception.

Error-driven rewrites: a ``NameError`` for a usual alias (``tf``) gets its import; Keras 3's
"invalid filepath extension" gets ``.keras``; objects of two Keras packages mixed in one model
are taken from one package. Explanation-only entries (NumPy 2 ABI, protobuf, SciKeras …) become
findings whose fix is an install or a restart, with a corrected cell only where one works here.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.lint import Problem, _from_entry, _rules, root_of
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    node_text,
    quoted_like,
)
from kerasmagic.findings import Finding
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import load_catalogue
from kerasmagic.knowledge.installs import code_for, fix_for, satisfied


def error_driven_problems(
    cell: ParsedCell,
    exc: BaseException,
    error_type: str,
    message: str,
    line: int | None,
    namespace: dict | None,
) -> list[Problem]:
    out: list[Problem] = []
    for make in (
        _name_error_alias,
        _save_extension,
        _keras2_h5_reload,
        _savedmodel_reload,
        _array_inputs,
        _scikeras,
        _mixed_keras,
        _keyword_typo,
        _predict_classes,
        _dim_ordering,
        _class_not_instance,
    ):
        try:
            out += make(cell, exc, error_type, message, line, namespace)
        except Exception:
            continue
    return out


def _name_error_alias(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    if error_type != "NameError":
        return []
    match = re.search(r"name '([A-Za-z_]\w*)' is not defined", message)
    if not match:
        return []
    alias = match.group(1)
    for entry in _rules("module-alias"):
        target = entry.data.get("aliases", {}).get(alias)
        if not target or not live.top_exists(target.split(".")[0]):
            continue
        at = insertion_line(cell)
        if "." in target:
            parent, _, last = target.rpartition(".")
            statement = f"from {parent} import {last} as {alias}\n" if alias != last else ""
            if alias == "plt":
                statement = f"import {target} as {alias}\n"
        else:
            statement = f"import {target} as {alias}\n"
        edit = Edit(at, 0, at, 0, statement)
        return [_from_entry(entry.id, line or at, [edit], [alias], alias=alias, module=target)]
    return []


def _save_extension(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """Keras 3's file-name rules for ``save``/``save_weights``: the catalogue entry whose message
    matches says which methods, which extension, and which old suffixes it replaces."""
    if error_type != "ValueError" or cell.tree is None:
        return []
    out: list[Problem] = []
    for entry in _rules("save-extension"):
        pattern = entry.match.get("message")
        if not pattern or not re.search(pattern, message):
            continue
        data = entry.data
        saves, loads = tuple(data.get("saves", ())), tuple(data.get("loads", ()))
        extension, keep = data["extension"], tuple(data.get("keep", (data["extension"],)))
        replaces = tuple(data.get("replaces", ()))

        def renamed(value: str, extension: str = extension, replaces: tuple = replaces) -> str:
            value = value.rstrip("/")
            for old in replaces:
                if value.endswith(old):
                    value = value[: -len(old)]
            return value + extension

        edits: list[Edit] = []
        paths: set[str] = set()
        first = None
        for call, arg in _path_calls(cell, saves):
            if line is not None and not call.lineno <= line <= (call.end_lineno or call.lineno):
                continue
            if arg.value.endswith(keep):
                continue
            edit = node_edit(cell, arg, quoted_like(node_text(cell, arg), renamed(arg.value)))
            if edit is not None:
                edits.append(edit)
                paths.add(arg.value)
                first = first or call.lineno
        if not edits:
            if _calls(cell, saves):  # a path built at run time: explained, no certain rewrite
                out.append(_from_entry(entry.id, line or 1, [], list(saves)))
            continue
        for _call, arg in _path_calls(cell, loads):  # loading the same path back
            if arg.value in paths:
                edit = node_edit(cell, arg, quoted_like(node_text(cell, arg), renamed(arg.value)))
                if edit is not None:
                    edits.append(edit)
        out.append(_from_entry(entry.id, line or first or 1, edits, list(saves)))
    return out


def _calls(cell: ParsedCell, methods: tuple) -> bool:
    """The cell calls one of ``methods`` (attribute or plain name)."""
    return any(
        isinstance(call, ast.Call)
        and getattr(call.func, "attr", getattr(call.func, "id", None)) in methods
        for call in ast.walk(cell.tree)
    )


def _path_calls(cell: ParsedCell, methods: tuple) -> list[tuple[ast.Call, ast.Constant]]:
    """Calls of ``methods`` (attribute or plain name) whose file path is a string literal."""
    found = []
    for call in ast.walk(cell.tree):
        if not isinstance(call, ast.Call):
            continue
        name = getattr(call.func, "attr", getattr(call.func, "id", None))
        if name not in methods:
            continue
        arg = (
            call.args[0]
            if call.args
            else next((k.value for k in call.keywords if k.arg in ("filepath", "filename")), None)
        )
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.append((call, arg))
    return found


def _keras2_h5_reload(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """``load_model`` of a Keras 2 ``.h5`` file whose training config Keras 3 cannot rebuild:
    load it with ``compile=False`` and compile it again as the file records."""
    import os

    from kerasmagic.diagnosis.reload_fix import loaded_paths, reload_edits
    from kerasmagic.probes.saved_files import read_h5_model

    if cell.tree is None:
        return []
    out: list[Problem] = []
    for entry in _rules("keras2-h5-reload"):
        pattern = entry.match.get("message")
        if error_type not in entry.match.get("exception", []) or not re.search(pattern, message):
            continue
        for call, root, target, path in loaded_paths(cell, line, namespace):
            saved = read_h5_model(path)
            if saved is None or saved.keras_major != 2:
                continue
            fix = reload_edits(cell, call, root, target, saved) if target else None
            problem = _from_entry(
                entry.id,
                line or call.lineno,
                fix.edits if fix else [],
                ["load_model"],
                keras=live.versions().get("keras", "3"),
                saved_keras=saved.keras_version or "2",
                file=os.path.basename(saved.path),
            )
            if fix:
                problem.fix_code = fix.code
            out.append(problem)
            return out
    return out


def _savedmodel_reload(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """Keras 3 ``load_model`` of a SavedModel directory: a ``TFSMLayer`` on one of its real
    signatures when the cell only calls the model, else ``tf_keras``'s loader if installed."""
    from kerasmagic.diagnosis.savedmodel_fix import savedmodel_fix

    entries = _rules("savedmodel-reload")
    if not entries or cell.tree is None or error_type != "ValueError":
        return []
    entry = entries[0]
    if not re.search(entry.match.get("message", "$^"), message):
        return []
    fix = savedmodel_fix(cell, line, namespace)
    if fix is None:
        return []
    endpoints = ", ".join(f"`{e}`" for e in fix.endpoints) or "unknown (TensorFlow is not imported)"
    if fix.how == "TFSMLayer":
        how_fix = (
            "The cell only calls the model (`model(x)`): reload it as an inference-only layer on "
            "its `serve` endpoint (which returns the output tensor), in this Keras."
        )
    elif fix.how == "tf_keras":
        how_fix = (
            "The cell uses the model as a full Keras model (fit, predict, summary …): load it with "
            "`tf_keras` (Keras 2, installed here), which still reads SavedModels."
        )
    else:
        how_fix = (
            "For inference only, reload it as a layer: `keras.layers.TFSMLayer(path, "
            "call_endpoint=…)` and call it (`model(x)`; a signature such as `serving_default` "
            "returns a dict of named outputs); to fit or predict as before, "
            + (
                "load it with"
                if satisfied("tf-keras")
                else "install `tf_keras` (`%pip install tf-keras`) and load it with"
            )
            + " `tf_keras.models.load_model` "
            "(a SavedModel Keras 2 wrote, with `keras_metadata.pb`); or re-save the model as "
            "`.keras` where it was made."
        )
    problem = _from_entry(
        entry.id,
        line or 1,
        fix.edits,
        ["load_model"],
        keras=live.versions().get("keras", "3"),
        path=fix.path,
        endpoints=endpoints,
        how_fix=how_fix,
    )
    problem.fix_code = fix.code
    return [problem]


def _array_inputs(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """Keras 3 refuses Python lists of numbers as model data: wrap them in ``np.asarray``."""
    from kerasmagic.diagnosis.array_inputs import array_edits

    for entry in _rules("array-inputs"):
        if error_type != "ValueError" or not re.search(entry.match.get("message", "$^"), message):
            continue
        edits, lines = array_edits(cell, namespace)
        if line is not None and line not in lines:
            edits = []  # the failing call's data is not a provable list: explain only
        keras = live.versions().get("keras", "3")
        return [
            _from_entry(
                entry.id, line or (lines[0] if lines else 1), edits, ["x", "y"], keras=keras
            )
        ]
    return []


def _scikeras(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    if "scikit_learn" not in cell.source or cell.tree is None:
        return []
    entry = next(e for e in load_catalogue() if e.id == "scikit-learn-wrappers")
    module = entry.data.get("replacement_module", "scikeras.wrappers")
    installed = live.top_exists(module.split(".")[0])
    edits: list[Edit] = []
    for node in ast.walk(cell.tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and "wrappers.scikit_learn" in node.module
        ):
            names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
            edit = node_edit(cell, node, f"from {module} import {names}")
            if edit is not None:
                edits.append(edit)
    problem = _from_entry(entry.id, line or 1, edits if installed else [], ["scikit_learn"])
    problem.certain = installed and bool(edits) and "build_fn" not in cell.source
    return [problem]


KEYWORD_MESSAGES = (
    r"Keyword argument not understood:'?,?\s*'?(\w+)",
    r"unexpected keyword argument '(\w+)'",
    r"Unrecognized keyword arguments[^:]*:\s*\[?\{?'(\w+)'",
    r"Invalid keyword argument\(s\)[^:]*:\s*\{?'(\w+)'",
)


def _keyword_typo(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """``Dense(10, activaton='relu')``: the keyword the error names, closest to one the live
    callable accepts (its own and its base classes' explicit parameters)."""
    if error_type not in ("TypeError", "ValueError") or cell.tree is None:
        return []
    wrong = next((m.group(1) for p in KEYWORD_MESSAGES if (m := re.search(p, message))), None)
    if not wrong:
        return []
    from kerasmagic.diagnosis.lint import Analyzer

    analyzer = Analyzer(cell, namespace)
    analyzer._collect_bindings()
    for call in ast.walk(cell.tree):
        if not isinstance(call, ast.Call) or (line is not None and call.lineno > line):
            continue
        kw = next((k for k in call.keywords if k.arg == wrong), None)
        if kw is None:
            continue
        callee = analyzer._callee(call.func)
        if callee is None or not live.is_keras_object(callee[0]):
            continue
        accepted: set[str] = set()
        for klass in getattr(callee[0], "__mro__", [callee[0]]):
            params = live.parameters(klass.__init__ if isinstance(klass, type) else klass)
            if params:
                accepted |= params[0]
        accepted -= {"self", "args", "kwargs"}
        close = api_index.closest(wrong, sorted(accepted), n=1, cutoff=0.75)
        given = {k.arg for k in call.keywords}
        if not close or close[0] in given:
            return []
        edit = analyzer._rename_keyword_edit(kw, close[0])
        if edit is None:
            return []
        name = callee[1].rsplit(".", 1)[-1]
        return [
            Problem(
                id="keyword-typo",
                line=kw.lineno,
                title=f"`{name}` has no argument `{wrong}`; did you mean `{close[0]}`?",
                cause=f"The live signature of `{callee[1]}` (and its base classes) accepts "
                f"`{close[0]}`, not `{wrong}`.",
                fix=f"Spell it `{close[0]}`.",
                edits=[edit],
                names=[wrong],
            )
        ]
    return []


def _predict_classes(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """``model.predict_classes(x)`` on a live model of the namespace: the replacement its output
    layer calls for (softmax → argmax, one sigmoid unit → threshold 0.5)."""
    if error_type != "AttributeError" or cell.tree is None or not namespace:
        return []
    if not re.search(r"has no attribute '(predict_classes|predict_proba)'", message):
        return []
    edits: list[Edit] = []
    for call in ast.walk(cell.tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not isinstance(func, ast.Attribute) or func.attr not in (
            "predict_classes",
            "predict_proba",
        ):
            continue
        if not isinstance(func.value, ast.Name):
            return []
        model = namespace.get(func.value.id)
        if model is None or not live.is_keras_object(type(model)) or not hasattr(model, "predict"):
            return []
        args = ", ".join(filter(None, (node_text(cell, a) for a in [*call.args, *call.keywords])))
        predict = f"{func.value.id}.predict({args})"
        if func.attr == "predict_proba":
            text = predict
        else:
            try:
                last = model.layers[-1]
                activation = getattr(getattr(last, "activation", None), "__name__", "")
                units = int(model.outputs[0].shape[-1])
            except Exception:
                return []
            if activation == "softmax" or (units > 1 and activation != "sigmoid"):
                text = f"{predict}.argmax(axis=-1)"
            elif activation == "sigmoid" and units == 1:
                text = f'({predict} > 0.5).astype("int32")'
            else:
                return []
        edit = node_edit(cell, call, text)
        if edit is None:
            return []
        edits.append(edit)
    if not edits:
        return []
    return [_from_entry("predict-classes-removed", line or 1, edits, ["predict_classes"])]


DIM_ORDERING = {"th": "channels_first", "tf": "channels_last"}


def _dim_ordering(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """``K.set_image_dim_ordering('th')`` → ``K.set_image_data_format('channels_first')`` when
    the backend module the call uses has ``set_image_data_format`` here."""
    if error_type != "AttributeError" or "set_image_dim_ordering" not in message:
        return []
    if cell.tree is None:
        return []
    from kerasmagic.diagnosis.lint import Analyzer

    analyzer = Analyzer(cell, namespace)
    analyzer._collect_bindings()
    edits: list[Edit] = []
    for call in ast.walk(cell.tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not isinstance(func, ast.Attribute) or func.attr != "set_image_dim_ordering":
            continue
        arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if not (isinstance(arg, ast.Constant) and arg.value in DIM_ORDERING):
            return []
        target = ast.Attribute(value=func.value, attr="set_image_data_format", ctx=ast.Load())
        if analyzer._callee(target) is None:
            return []
        value = node_text(cell, func.value)
        edit = node_edit(cell, call, f"{value}.set_image_data_format({DIM_ORDERING[arg.value]!r})")
        if value is None or edit is None:
            return []
        edits.append(edit)
    if not edits:
        return []
    return [_from_entry("image-dim-ordering-removed", line or 1, edits, ["set_image_dim_ordering"])]


def _class_not_instance(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """``compile(optimizer=Adam)``: the class where an instance belongs. Called with no
    arguments when the live class needs none."""
    entry = next((e for e in _rules("instantiate-class")), None)
    if entry is None or cell.tree is None or error_type != "ValueError":
        return []
    match = re.search(entry.match.get("message", "$^"), message)
    if not match:
        return []
    keyword = entry.data.get("keywords", {}).get(match.group(1))
    if not keyword:
        return []
    from kerasmagic.diagnosis.lint import Analyzer

    analyzer = Analyzer(cell, namespace)
    analyzer._collect_bindings()
    edits: list[Edit] = []
    names: list[str] = []
    for call in ast.walk(cell.tree):
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "compile"):
            continue
        value = next((k.value for k in call.keywords if k.arg == keyword), None)
        if value is None and keyword == "optimizer" and call.args:
            value = call.args[0]
        if not isinstance(value, (ast.Name, ast.Attribute)):
            continue
        found = analyzer._callee(value)
        obj = found[0] if found else None
        if obj is None and isinstance(value, ast.Name) and namespace:
            obj = namespace.get(value.id)
        if not isinstance(obj, type) or not live.is_keras_object(obj):
            continue
        if not _needs_no_arguments(obj):
            continue
        text = node_text(cell, value)
        edit = node_edit(cell, value, f"{text}()") if text else None
        if edit is not None:
            edits.append(edit)
            names.append(text)
    if not edits:
        return []
    return [_from_entry(entry.id, line or 1, edits, names, name=names[0], what=keyword)]


def _needs_no_arguments(klass: type) -> bool:
    """Can ``klass()`` be called without arguments (every parameter has a default)?"""
    import inspect

    try:
        signature = inspect.signature(klass)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in signature.parameters.values()
    )


def _mixed_keras(cell, exc, error_type, message, line, namespace) -> list[Problem]:
    """A model of one Keras package given objects of another: take them all from ``tf.keras``
    (when the cell builds its model with ``tf.keras``) or all from ``keras``."""
    entry = next(e for e in load_catalogue() if e.id == "mixed-keras-objects")
    if not re.search(entry.match.get("message", "$^"), message) or cell.tree is None:
        return []
    if re.search(r"identifier: <class ", message):
        return []  # a class where an instance belongs, not an object of another package
    if "tensorflow" not in sys.modules or "keras" not in sys.modules:
        return []
    tf = sys.modules["tensorflow"]
    tf_keras = getattr(tf, "keras", None)
    keras = sys.modules["keras"]
    same = getattr(tf_keras, "Model", None) is getattr(keras, "Model", False)
    # the cell names the separate tf_keras package (Keras 2) beside this Keras
    named_tf_keras = "tf_keras" in sys.modules and re.search(r"\btf_keras\b", cell.source)
    if same and "tensorflow.python.keras" not in cell.source and not named_tf_keras:
        return []  # tf.keras is this same Keras: the mix comes from elsewhere
    if not re.search(
        r"tensorflow\.keras|tf\.keras|tensorflow\.python\.keras|\btf_keras\b", cell.source
    ):
        return []  # the cell uses one package only
    edits: list[Edit] = []
    movable = True  # every import of the other package can be moved to tensorflow.keras
    for node in ast.walk(cell.tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            root = root_of(node.module)
            if root == "keras" or node.module.startswith("tensorflow.python.keras"):
                rest = node.module.split(".", 1)[1] if "." in node.module else ""
                if node.module.startswith("tensorflow.python.keras"):
                    rest = node.module[len("tensorflow.python.keras") + 1 :]
                new = "tensorflow.keras" + (f".{rest}" if rest else "")
                status, mod = live.module_status(new)
                if status != live.OK or not all(
                    a.name == "*" or live.has_attr(mod, new, a.name) for a in node.names
                ):
                    movable = False
                    break
                text = node_text(cell, node) or ""
                edit = node_edit(cell, node, text.replace(node.module, new, 1))
                if edit:
                    edits.append(edit)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "keras" and not alias.asname:
                    edit = node_edit(cell, node, "from tensorflow import keras")
                    if edit and len(node.names) == 1:
                        edits.append(edit)
    if not movable:
        edits = []  # explained without a rewrite: no certain one exists here
    problem = _from_entry(
        entry.id,
        line or 1,
        edits,
        ["keras"],
        tf_keras_kind=_which_keras(tf_keras, tf),
        keras=getattr(keras, "__version__", "?"),
    )
    if "tensorflow.python.keras" in cell.source:
        problem.cause = (
            "This cell imports from `tensorflow.python.keras`, the private Keras 2 copy inside "
            f"TensorFlow {getattr(tf, '__version__', '?')}, while `tf.keras` here is "
            f"{_which_keras(tf_keras, tf)}: a model of one cannot take optimizers, layers or "
            "tensors of the other, and private paths change without notice."
        )
    if same and named_tf_keras:  # tf.keras is this Keras; the other one is tf_keras itself
        version = getattr(sys.modules["tf_keras"], "__version__", "")
        problem.edits = []
        problem.cause = (
            f"This cell uses the separate `tf_keras` package ({version}, Keras 2) while `keras` "
            f"here is Keras {getattr(keras, '__version__', '?')}: a model of one package cannot "
            "take optimizers, layers or tensors of the other."
        )
    return [problem]


def _which_keras(tf_keras: Any, tf: Any) -> str:
    """What ``tf.keras`` is here, in words: Keras 3, tf_keras (Keras 2), or TF's bundled Keras 2."""
    name = getattr(tf_keras, "__name__", "") or ""
    version = getattr(tf_keras, "__version__", "") or ""
    if name.startswith("tf_keras"):
        return f"tf_keras {version} (Keras 2)".replace("  ", " ")
    if name.startswith("tensorflow.python.keras"):
        return f"the Keras 2 inside TensorFlow {getattr(tf, '__version__', '?')}"
    return f"Keras {version}".strip() if version else "another Keras"


# environment entries (environment.toml) whose match is specific enough to explain a cell's error
ENVIRONMENT_ERRORS = ("keras3-over-old-tf", "keras3-backend-missing", "legacy-keras-missing")


def catalogue_findings(
    source: str, exc: BaseException, error_type: str, message: str, exclude: set[str]
) -> list[Finding]:
    """Explanation entries (no rewrite rule) whose match and version range fit this error."""
    versions = live.versions()
    names = {c.__name__ for c in type(exc).__mro__} if isinstance(exc, BaseException) else set()
    out: list[Finding] = []
    for entry in load_catalogue():
        if entry.kind != "error" or entry.id in exclude:
            continue
        if entry.id == "package-not-installed":
            found = _not_installed(entry, exc, error_type, exclude)
            if found is not None:
                out.append(found)
            continue
        if entry.file != "errors.toml" and entry.id not in ENVIRONMENT_ERRORS:
            continue  # %keras_env's entries need its probes; only these explain an exception
        if entry.data.get("rule") and entry.data.get("rule") not in ("none",):
            continue
        if not entry.match:
            continue
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
        if entry.match.get("missing") == "backend" and getattr(exc, "name", None) != _backend():
            continue  # a missing package that is not the configured backend
        if not _env_matches(entry.match.get("env", {})):
            continue
        values: dict[str, Any] = dict(versions)
        values.setdefault("keras", versions.get("keras", "?"))
        values["tensorflow_minor"] = ".".join(versions.get("tensorflow", "?").split(".")[:2])
        values["tf_requires"] = "Keras 2"
        attr = re.search(r"has no attribute '(\w+)'|import name '(\w+)'", message)
        values["name"] = next((g for g in attr.groups() if g), "?") if attr else "?"
        values["legacy_env"] = __import__("os").environ.get("TF_USE_LEGACY_KERAS", "")
        values["backend"] = _backend()
        values["backend_source"] = "KERAS_BACKEND or ~/.keras/keras.json"

        def fill(text: str, values: dict[str, Any] = values) -> str:
            for key, value in values.items():
                text = text.replace("{" + key.replace("-", "_") + "}", str(value))
                text = text.replace("{" + key + "}", str(value))
            return text

        out.append(
            Finding(
                id=entry.id,
                severity=entry.severity,
                title=fill(entry.title),
                cause=fill(entry.cause),
                fix=fix_for(entry, fill),
                fix_code=code_for(entry, fill),
                fixed_source=None,
                confidence=0.35 if secondary else 0.5,
                versions=live.shown_versions(),
                references=[entry.source],
                restart_needed="restart" in fix_for(entry, fill).lower(),
            )
        )
    return out


def _env_matches(wanted: dict) -> bool:
    """Every ``{VARIABLE: regex}`` of an entry's ``match.env`` holds in this process."""
    import os

    return all(re.search(rx, os.environ.get(var, "")) for var, rx in wanted.items())


def _backend() -> str:
    """Keras 3's configured backend: the live one if Keras is imported, else the variable."""
    import os

    keras = sys.modules.get("keras")
    try:
        live_backend = keras.config.backend() if keras is not None else None
    except Exception:
        live_backend = None
    return live_backend or os.environ.get("KERAS_BACKEND") or "tensorflow"


def _not_installed(
    entry: Any, exc: BaseException, error_type: str, exclude: set[str]
) -> Finding | None:
    """``No module named 'x'`` for a top-level package that is not installed (and no other
    finding explained it): install it into THIS kernel with ``%pip``."""
    if error_type != "ModuleNotFoundError" or exclude - {"package-not-installed"}:
        return None
    name = getattr(exc, "name", None)
    if not isinstance(name, str) or not name:
        return None
    top = name.split(".")[0]
    if top in sys.modules or live.top_exists(top):
        return None
    distribution = entry.data.get("distributions", {}).get(top, top.replace("_", "-"))
    values = {"module": top, "distribution": distribution, "python": sys.executable}

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    return Finding(
        id=entry.id,
        severity=entry.severity,
        title=fill(entry.title),
        cause=fill(entry.cause),
        fix=fix_for(entry, fill),
        fix_code=code_for(entry, fill, f"%pip install {distribution}"),
        confidence=0.4,
        versions=live.shown_versions(),
        references=[entry.source],
    )
