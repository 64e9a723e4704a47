"""The options a TensorFlow 1 session was made with, read from the source: ``tf.Session(config=
config)``, what the code sets on ``config``, and the TensorFlow 2 calls that set the same options
(the catalogue's table of ``tf1-session-gpu-growth``), and which sessions set no option at all.
Shared by ``rules/tf1_session.py`` and ``rules/tf1_session_run.py``."""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import callee_name, walk

ENTRY = "tf1-session-gpu-growth"
GROWTH = (
    "for _gpu in {tf}.config.list_physical_devices('GPU'):\n"
    "{indent}    {tf}.config.experimental.set_memory_growth(_gpu, True)"
)


def session_config(session: ast.Call) -> str | None:
    """``config`` of ``tf.Session(config=config)`` (or ``tf.compat.v1.Session``)."""
    if callee_name(session) != "Session":
        return None
    given = next((k.value for k in session.keywords if k.arg == "config"), None)
    return given.id if isinstance(given, ast.Name) else None


def options_set(tree: ast.AST, config: str, namespace: dict | None = None) -> dict[str, str]:
    """The options the cell gives ``config``, with their values' source: the keywords of
    ``config = tf.ConfigProto(…)`` and the assignments ``config.gpu_options.allow_growth = True``
    (``?``: given positionally or unpacked, not read). Where the cell never binds ``config`` and
    ``namespace`` (the kernel's) holds a ``ConfigProto`` an earlier cell made, the fields it holds."""
    made_here = any(isinstance(n, ast.Name) and n.id == config and not isinstance(n.ctx, ast.Load) for n in walk(tree))  # fmt: skip
    held = (namespace or {}).get(config)
    if not made_here and type(held).__name__ == "ConfigProto":
        return message_options(held)
    found: dict[str, str] = {}
    for node in walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == config and isinstance(node.value, ast.Call):  # fmt: skip
                if getattr(node.value.func, "attr", None) == "ConfigProto":
                    for k in node.value.keywords:
                        found[k.arg or "**"] = ast.unparse(k.value) if k.arg else "?"
                    if node.value.args:
                        found["*"] = "?"
                continue
            chain = target
            while isinstance(chain, ast.Attribute):
                chain = chain.value
            if not (isinstance(chain, ast.Name) and chain.id == config) or chain is target:
                continue
            found[target.attr if isinstance(target, ast.Attribute) else "?"] = ast.unparse(
                node.value
            )
    return found


def message_options(config: object) -> dict[str, str]:
    """The options a live ``ConfigProto`` holds, as ``options_set`` reads them from source: its
    set fields (protobuf's ``ListFields``, nothing of the user's called), ``gpu_options``'s own
    fields by their names, a nested message other than those ``?`` (not read)."""
    out: dict[str, str] = {}
    for field, value in config.ListFields():  # type: ignore[attr-defined]
        if field.name == "gpu_options":
            out.update({f.name: "?" if hasattr(v, "ListFields") else repr(v) for f, v in value.ListFields()})
        elif field.name == "device_count":
            out[field.name] = repr(dict(value))
        else:
            out[field.name] = "?" if hasattr(value, "ListFields") else repr(value)
    return out


def tf2_calls(options: dict[str, str], tf: str, indent: str, gpus: int | None = None) -> str | None:
    """The TensorFlow 2 statements setting ``options`` (``options_set``), in their order; None
    when there are none or one has no TensorFlow 2 call (the catalogue's table) or is not read.
    ``gpus``: the GPUs the kernel sees (read live; None: unknown): with none, a GPU option other
    than memory growth (whose loop runs anywhere) sets nothing here and has no call."""
    from kerasmagic.knowledge.catalogue import entry

    data = entry(ENTRY).data
    table = data.get("options", {})
    counts = device_counts(options.get("device_count", "{}"))
    if counts is None:
        return None
    no_gpu = gpu_options_dropped(options, gpus)
    lines = []
    for option, value in options.items():
        if option == "device_count":
            calls = data["device_count"]  # "none": no device of the kind
            lines += [calls[kind if n else "none"].format(tf=tf, value=n) for kind, n in counts.items()]
        elif counts.get("GPU") == 0 and option in data.get("gpu_only", []):
            continue  # an option of the GPUs the config uses none of: nothing to set
        elif option in no_gpu:
            continue  # an option of GPUs this machine has none of: nothing to set here
        elif option == "allow_growth" and value == "True":
            lines.append(GROWTH.format(tf=tf, indent=indent))
        elif option in table and value != "?":
            lines.append(table[option].format(tf=tf, value=value))
        else:
            return None
    return f"\n{indent}".join(lines) or None


def device_counts(value: str) -> dict[str, int] | None:
    """``device_count={'GPU': 0}`` as the calls of the catalogue's table read it: ``{"GPU": 0}``
    (``"no GPU"`` as ``GPU`` 0); a CPU count of 1, TensorFlow 1's own, is left out. None when the
    value is not a literal of known device kinds, or asks for other than one CPU."""
    try:
        given = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(given, dict) or not all(isinstance(n, int) and n >= 0 for n in given.values()):
        return None
    if given.get("CPU", 1) != 1 or set(given) - {"CPU", "GPU"}:
        return None
    return {"GPU": given["GPU"]} if "GPU" in given else {}


def later_rewritten(ctx: CellContext, tf: str) -> bool:
    """Does a cell that only imports ``set_session`` leave its calls to the cells after it
    (``migrate`` holds them), each one giving a session whose options all have a TensorFlow 2
    call (the calls those cells get instead, the import going here)? The session and its config
    may be made in any of those cells up to the call's."""
    calls = 0
    statements: list[ast.stmt] = []
    for source in ctx.later:
        tree = parsed_source(source).tree
        statements += tree.body if isinstance(tree, ast.Module) else []
        later = ast.Module(body=list(statements), type_ignores=[])  # the later cells up to this one
        for call in walk(tree) if tree is not None else ():
            func = getattr(call, "func", None)
            if not (isinstance(call, ast.Call) and isinstance(func, ast.Name) and func.id == "set_session"):  # fmt: skip
                continue
            session = call.args[0] if len(call.args) == 1 else None
            if isinstance(session, ast.Name):  # `sess = tf.Session(config=config)` in that cell
                session = next(
                    (n.value for n in walk(later) if isinstance(n, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == session.id for t in n.targets)),
                    None,
                )  # fmt: skip
            config = session_config(session) if isinstance(session, ast.Call) else None
            if config is None or tf2_calls(options_set(later, config, ctx.namespace), tf, "") is None:
                return False
            calls += 1
    return calls > 0


def gone_get_session(ctx: CellContext, call: ast.Call) -> bool:
    """``K.get_session(…)`` of a Keras backend that no longer has it (not tf_keras, not Keras 2)."""
    if callee_name(call) != "get_session" or not ctx.scope.refers_to_keras(call.func):
        return False
    return ctx.scope.callee(call.func) is None


def no_option_session(ctx: CellContext, session: ast.Call | None) -> bool:
    """A session that sets nothing TensorFlow 2 does not run with: ``tf.Session()`` (or
    ``InteractiveSession``) made with no option, or with only the in-process target ``''``
    (``tf.Session('')``, the target's default); or the session Keras held, ``K.get_session()`` of a
    backend that no longer has it (code that gave Keras a session of its own and then its old one
    back: TensorFlow 2 has neither, and runs with the defaults)."""
    name = callee_name(session) if session is not None else None
    if session is None or name == "get_session":
        return session is not None and not session.args and not session.keywords and gone_get_session(ctx, session)  # fmt: skip
    if name not in ("Session", "InteractiveSession") or len(session.args) > 1:
        return False
    given = [*session.args, *(kw.value for kw in session.keywords if kw.arg == "target")]
    if len(given) != len(session.args) + len(session.keywords):
        return False  # a graph or a config: an option
    return all(isinstance(v, ast.Constant) and v.value == "" for v in given)


def held_sessions(ctx: CellContext, tree: ast.AST, *, fresh: bool = False) -> list[ast.Assign]:
    """``old = K.get_session()`` statements (a backend that no longer has it) whose name is read
    only to be given back to ``set_session(old)``, in this cell and the cells after it that
    ``migrate`` holds: what the code kept to restore, which TensorFlow 2 has no use for. A name read
    in any other way, or a later cell that does not parse, keeps its statement. ``fresh``: also
    ``sess = tf.Session(…)`` read only so (the caller reads its options)."""
    held = {}
    for stmt in walk(tree):
        value = stmt.value if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        target = stmt.targets[0] if value is not None else None  # type: ignore[union-attr]
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
            continue
        kept = not value.args and gone_get_session(ctx, value)
        if kept or (fresh and callee_name(value) in ("Session", "InteractiveSession")):
            held[target.id] = stmt
    if not held:
        return []
    trees = [tree]
    for source in ctx.later:
        later = parsed_source(source).tree
        if later is None:
            return []
        trees.append(later)
    for later in trees:
        given_back = {id(a) for n in walk(later) if isinstance(n, ast.Call) and callee_name(n) == "set_session" for a in n.args}  # fmt: skip
        for node in walk(later):
            if isinstance(node, ast.Name) and node.id in held and isinstance(node.ctx, ast.Load) and id(node) not in given_back:  # fmt: skip
                held.pop(node.id)
    return list(held.values())


def gpus_here() -> int | None:
    """The GPUs the kernel's TensorFlow sees (listing them initialises no device, as the
    memory-growth loop itself lists them first); None without TensorFlow loaded."""
    config = getattr(sys.modules.get("tensorflow"), "config", None)
    try:
        return len(config.list_physical_devices("GPU")) if config is not None else None
    except Exception:  # an odd install: unknown
        return None


def gpu_options_dropped(options: dict[str, str], gpus: int | None) -> list[str]:
    """The GPU options that set nothing because this machine has no GPU (``gpus``, read live):
    all but memory growth, whose loop runs anywhere; none where the config itself asks for no
    GPU (``tf2_calls`` leaves every GPU option out then)."""
    from kerasmagic.knowledge.catalogue import entry

    only = entry(ENTRY).data.get("gpu_only", [])
    if gpus != 0 or device_counts(options.get("device_count", "{}")) == {"GPU": 0}:
        return []
    return [o for o in options if o in only and o != "allow_growth"]
