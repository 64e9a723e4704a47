"""Render an exported notebook page in headless Chromium and save a screenshot of it.

    python scripts/envs.py run tf221-legacy -- python scripts/run_notebook.py \\
        notebooks/01_importing_optimizers.ipynb --ipynb /tmp/workshop-01.ipynb
    python scripts/envs.py run tf221-k3 -- python scripts/screenshot_notebook.py \\
        /tmp/workshop-01.ipynb --out docs/workshop-01.png --section "2. " --height 2200

PAGE is an HTML page (``run_notebook.py --html``) or an executed notebook, exported here with
nbconvert as a static page (widgets show their own HTML view; see ``run_notebook.static_copy``).
Needs ``playwright`` (``pip install playwright``; no browser download: it drives the system
Chromium, ``--chromium``, default ``/usr/bin/chromium``). The page is loaded offline: requests
that leave the file (the CDN scripts nbconvert links) are refused, as a reader without network
would see it. ``--section TEXT`` starts the picture at the first heading that starts with TEXT;
the picture is ``--width`` CSS pixels wide and at most ``--height`` high.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def screenshot(
    page_path: Path,
    out: Path,
    *,
    section: str | None = None,
    width: int = 1100,
    height: int = 2200,
    chromium: str = "/usr/bin/chromium",
) -> dict[str, float]:
    """Save a PNG of ``page_path`` (from ``section`` on); return where on the page it was taken."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file:") else route.abort()
            ),
        )
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        total = float(page.evaluate("document.documentElement.scrollHeight"))
        top = 0.0
        if section:
            top = page.evaluate(
                """(prefix) => {
                    const h = [...document.querySelectorAll('h1,h2,h3')]
                        .find(e => e.textContent.trim().startsWith(prefix));
                    return h ? h.getBoundingClientRect().top + window.scrollY - 12 : null;
                }""",
                section,
            )
            if top is None:
                browser.close()
                raise SystemExit(f"no heading starting with {section!r} in {page_path}")
        clip_height = min(float(height), total - top)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(out),
            full_page=True,
            clip={"x": 0, "y": top, "width": width, "height": clip_height},
        )
        browser.close()
    return {"page_height": total, "top": top, "height": clip_height}


def exported_page(notebook: Path) -> Path:
    """An executed notebook as the static HTML page ``run_notebook.py --html`` writes."""
    import importlib.util
    import tempfile

    import nbformat

    spec = importlib.util.spec_from_file_location(
        "run_notebook", Path(__file__).with_name("run_notebook.py")
    )
    assert spec and spec.loader
    run_notebook = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_notebook", run_notebook)  # its dataclasses look themselves up
    spec.loader.exec_module(run_notebook)
    nb = nbformat.read(notebook, as_version=4)
    run = run_notebook.NotebookRun(notebook, nb, [], 0.0)
    out = Path(tempfile.mkdtemp()) / (notebook.stem + ".html")
    out.write_text(run_notebook.to_html(run), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path, help="an HTML page or an executed .ipynb")
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--section", help="start at the first heading starting with this text")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=2200, help="most CSS pixels to keep")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    page = exported_page(args.page) if args.page.suffix == ".ipynb" else args.page
    where = screenshot(
        page,
        args.out,
        section=args.section,
        width=args.width,
        height=args.height,
        chromium=args.chromium,
    )
    print(
        f"wrote {args.out}: {args.width}x{where['height']:.0f} from y={where['top']:.0f} "
        f"of a {where['page_height']:.0f} px page",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
