"""python -m kerasmagic: the magics outside IPython, for scripts and CI.

python -m kerasmagic env [--json] [--probe]
python -m kerasmagic check FILE [--json] [--fix] [--lint] [-- ARGS]  (runs FILE as `python FILE ARGS`)
python -m kerasmagic optimizers [NAME ...] [--json] [--probe]
python -m kerasmagic migrate PATH ... (see python -m kerasmagic migrate --help)
"""

from __future__ import annotations

import os
import sys

# `python -m` puts the current folder first on sys.path, to find a package there. kerasmagic is
# found already; a user's `enum.py` or `logging.py` in that folder must not stand in for the
# standard library's in kerasmagic's own imports (`check FILE` puts the script's folder first
# itself while the script runs, as `python FILE` does).
if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == os.getcwd():
    del sys.path[0]

import argparse  # noqa: E402
import difflib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager, redirect_stdout  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, NoReturn  # noqa: E402


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each command's own (which reports that command's errors)."""
    parser = argparse.ArgumentParser(
        prog="python -m kerasmagic", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    env = sub.add_parser("env", help="report this interpreter's TensorFlow/Keras set-up")
    env.add_argument("--json", action="store_true", help="print JSON")
    env.add_argument("--probe", action="store_true", help="import TF/Keras to measure them")

    check = sub.add_parser("check", help="run a Python file, explain a TF/Keras failure, fix it")
    check.add_argument("file", help="a .py file ('-' reads standard input)")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.add_argument("--fix", action="store_true", help="write the corrected source to FILE: whole or not at all (exit 2 when it cannot), each unchanged line's ending kept")  # fmt: skip
    check.add_argument("--lint", "--no-run", action="store_true", help="analyse without running")
    # split off by main() before parsing: listed here so that usage and --help show it
    check.add_argument(
        "script_args", nargs="*", metavar="-- ARGS", help="the script's own arguments, after "
        "-- (as in: python FILE ARGS)",
    )  # fmt: skip

    opt = sub.add_parser("optimizers", help="how optimizer names resolve in this interpreter")
    opt.add_argument("names", nargs="*", help="optimizer names (default: all the live Keras has)")
    opt.add_argument("--json", action="store_true", help="print JSON")
    opt.add_argument("--probe", action="store_true", help="import TF/Keras to measure them")
    migrate = sub.add_parser("migrate", help="migrate old notebooks/scripts, verifying by running them")  # fmt: skip
    return parser, {"env": env, "check": check, "optimizers": opt, "migrate": migrate}


def _refuse_unknown(command: argparse.ArgumentParser, extra: list[str]) -> NoReturn:
    """The command's own usage and error for arguments it does not take, with the near option
    (``env --jsn``: did you mean --json?)."""
    usage = command.format_usage().split(command.prog, 1)[-1]  # the options, not `python -m`
    options = sorted(set(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", usage)))
    near = [
        f"{word} (did you mean {close[0]}?)" if close else word
        for word in extra
        for close in [difflib.get_close_matches(word, options, n=1) if word.startswith("-") else []]
    ]
    command.error(f"unrecognized arguments: {' '.join(near)}")


def _emit(data: dict, as_json: bool, text: str) -> None:
    if as_json:
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send this process's standard output to standard error (Python's ``sys.stdout`` and file
    descriptor 1, which extension modules write to), then put it back."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _env(args: argparse.Namespace) -> int:
    from kerasmagic.diagnosis.script_words import for_a_terminal
    from kerasmagic.render.env import EnvView
    from kerasmagic.report import build_env_report

    # Outside IPython "the live kernel" is this process: importing here disturbs nobody.
    # A keras.py in the folder it was run in hides Keras from `python` and kernels started there,
    # though `python -m` took that folder off this process's own path.
    report = build_env_report(probe=args.probe, working_folder=os.getcwd())
    for_a_terminal(report.findings)  # a terminal has no kernel, runtime or `!pip`
    _emit(report.to_dict(), args.json, str(EnvView(report)))
    return 0


def _check(args: argparse.Namespace) -> int:
    from kerasmagic.diagnosis.engine import check
    from kerasmagic.diagnosis.script_words import for_a_script
    from kerasmagic.render.check import CheckView
    from kerasmagic.script import (
        ScriptSource,
        as_main_script,
        exit_status,
        folder_searched_last,
        main_module,
        print_user_traceback,
        read_script,
        write_script,
    )

    path = None if args.file == "-" else Path(args.file)
    try:
        script = ScriptSource(sys.stdin.read()) if path is None else read_script(path)
    except (OSError, SyntaxError) as exc:
        print(f"kerasmagic: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    filename = "<stdin>" if path is None else os.path.abspath(args.file)

    raised: list[BaseException] = []

    def shown(exc: BaseException) -> None:
        raised.append(exc)
        print_user_traceback(exc, filename)

    main = main_module(args.file)

    def run() -> Any:
        with folder_searched_last(args.file):
            return check(
                script.text,
                run=not args.lint,
                filename=filename,
                namespace=main.__dict__,
                on_error=shown,
                executing=lambda: as_main_script(args.file, list(args.script_args), main),
            )

    if args.json:  # standard output carries the JSON only: what the cell prints goes to stderr
        with _stdout_to_stderr():
            result = run()
    else:
        result = run()
    for_a_script(result)  # a terminal has no cell, kernel or `!pip`
    _emit(result.to_dict(), args.json, str(CheckView(result)))
    if args.fix and path is not None and result.fixed_source is not None:
        try:
            write_script(path, result.fixed_source, script)
        except OSError as exc:
            reason = exc.strerror or exc
            print(f"kerasmagic: cannot write {path} ({reason}); it is unchanged", file=sys.stderr)
            return 2
        print(f"kerasmagic: wrote the corrected source to {path}", file=sys.stderr)
    status = exit_status(raised[-1] if raised else None)
    if status:  # the script's own sys.exit(N), as `python FILE` exits
        return status
    failed = (status is None and not result.ok) or any(t.severity == "error" for t in result.traps)
    return 1 if failed else 0


def _optimizers(args: argparse.Namespace) -> int:
    from kerasmagic.probes.optimizers import resolve_optimizers
    from kerasmagic.render.optimizers import OptimizerView

    report = resolve_optimizers(args.names or None, probe=True)
    if args.names:  # a name no Keras has is a typo: the usage error says so
        from kerasmagic.knowledge.optimizer_names import unknown_optimizers

        unknown = unknown_optimizers(args.names, report.resolved())
        if unknown:
            for name, near in unknown.items():
                hint = f"; did you mean {near[0]}?" if near else ""
                print(f"python -m kerasmagic optimizers: error: no optimizer is named {name!r}{hint}", file=sys.stderr)  # fmt: skip
            return 2
    _emit(report.to_dict(), args.json, str(OptimizerView(report)))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["migrate"]:  # its own parser and options
        from kerasmagic.migrate.cli import main as migrate

        return migrate(argv[1:])
    script_args: list[str] = []
    if "--" in argv:  # check FILE -- ARGS: the script's own arguments, as `python FILE ARGS`
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1 :]
    parser, commands = _parsers()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _refuse_unknown(commands[args.command], extra)
    if args.command == "check" and args.script_args:
        commands["check"].error(
            f"the script's own arguments go after `--`: check {args.file} -- "
            + " ".join(args.script_args)
        )
    args.script_args = script_args
    handler = {"env": _env, "check": _check, "optimizers": _optimizers}[args.command]
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
