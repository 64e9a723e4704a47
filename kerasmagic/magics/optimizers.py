"""``%keras_optimizers``: how optimizer names resolve in this kernel, side by side."""

from __future__ import annotations

import json
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from kerasmagic.magics.arguments import parse_line


@magics_class
class OptimizerMagics(Magics):
    """Magics comparing the ways of asking for an optimizer."""

    @magic_arguments()
    @argument("names", nargs="*", help="optimizer names (default: every one the live Keras has)")
    @argument(
        "--model", metavar="VAR", help="also show the optimizer the compiled model VAR carries"
    )
    @argument("--json", action="store_true", help="print the result as JSON")
    @argument(
        "--probe",
        action="store_true",
        help="measure a fresh import in a subprocess of this interpreter, not in this kernel",
    )
    @argument("--text", action="store_true", help="plain text, even in a notebook")
    @argument("--html", action="store_true", help="static HTML instead of the widget")
    @argument("-o", "--object", action="store_true", help="also return the report object")
    @line_magic
    def keras_optimizers(self, line: str = "") -> Any:
        """What ``'adam'``, ``tf.keras.optimizers.Adam``, ``keras.optimizers.Adam``,
        ``….legacy.Adam`` … resolve to here (class and Keras, or the exact error), the defaults
        side by side and what ``lr=``/``decay=`` do, in this kernel: every installed Keras is
        imported and the optimizers built here, which starts TensorFlow's runtime here if it had
        not started (said in one line); ``--probe`` measures a fresh import in a subprocess
        instead, leaving this kernel as it was."""
        args = parse_line(self.keras_optimizers, line)
        from kerasmagic.probes.optimizers import model_optimizer, resolve_optimizers

        names = list(args.names) or None
        model = None
        if args.model:
            if args.model not in self.shell.user_ns:
                raise UsageError(f"%keras_optimizers: no variable named {args.model!r}")
            model = model_optimizer(self.shell.user_ns[args.model], args.model)
            if names is None and model.class_name:
                names = [model.class_name.lower()]
        report = resolve_optimizers(names, probe=args.probe)
        report.model = model
        self._show(report, args)
        if not args.object:
            return None
        from kerasmagic.render.optimizers import OptimizerView

        return OptimizerView(report)

    def _show(self, report: Any, args: Any) -> None:
        from IPython.display import HTML, display

        from kerasmagic.render.optimizers import OptimizerView

        view = OptimizerView(report)
        if args.json:
            print(json.dumps(view.to_json(), indent=2))
        elif args.text:
            print(str(view))
        elif args.html:
            display(HTML(view.to_html()))
        else:
            from kerasmagic.render.widgets import display_optimizers

            display_optimizers(report, self.shell)


MAGICS = OptimizerMagics
