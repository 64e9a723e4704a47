"""``%keras_env``: the live kernel's TensorFlow/Keras report."""

from __future__ import annotations

import json
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from kerasmagic.magics.arguments import parse_line


@magics_class
class EnvMagics(Magics):
    """Magics reporting on the TensorFlow/Keras set-up of this kernel."""

    @magic_arguments()
    @argument("--json", action="store_true", help="print the report as JSON")
    @argument(
        "--probe",
        action="store_true",
        help="import TensorFlow/Keras in a subprocess of this interpreter to measure a fresh import",
    )
    @argument("-o", "--object", action="store_true", help="also return the report object")
    @line_magic
    def keras_env(self, line: str = "") -> Any:
        """Report this kernel's TensorFlow/Keras: versions installed vs imported, what tf.keras
        is, backend, variables and when they take effect, conflicts, shadowing files; ranked
        findings with fixes. Never imports TensorFlow into the kernel (``--probe`` uses a
        subprocess)."""
        args = parse_line(self.keras_env, line)
        from kerasmagic.magics.show import show
        from kerasmagic.render.env import EnvView
        from kerasmagic.report import build_env_report

        report = EnvView(build_env_report(probe=args.probe, shell=self.shell))
        if args.json:
            print(json.dumps(report.to_json(), indent=2))
        else:
            show(report)
        return report if args.object else None


MAGICS = EnvMagics
