"""Screenshots of every page in English and Chinese for the README: ``python docs/screenshots.py``.

Starts ``streamlit run app.py`` on a free loopback port, opens every page that
``ui.entry.app_pages`` declares (read from its source, so a page added there is
photographed without touching this script) in a headless Chromium (Debian's
``chromium``, through Playwright) at 1440 px wide, once with the browser locale
``en-US`` and once with ``zh-CN`` (the app picks its language from the locale),
waits until the script has finished and every chart has drawn, and saves
``docs/screenshots/<page>_<lang>.png``.

Each image is the top of the page, at most ``MAX_HEIGHT`` pixels tall, reduced to a
256-colour palette (Pillow), so the committed files stay small (about 100-300 KB).

Options: ``--pages clv compare`` (url paths) and ``--langs en`` restrict the set;
``--width`` changes the viewport width; ``--out`` the folder.
"""

from __future__ import annotations

import argparse
import ast
import io
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))

from bench._browser import streamlit_server  # noqa: E402  (the benches' server start)

LOCALES = {"en": "en-US", "zh": "zh-CN"}
WIDTH = 1440
VIEW_HEIGHT = 900
MAX_HEIGHT = 2400
"""Tallest image saved (px): the top of long pages, which holds the levers, KPIs and charts."""
SCENARIOS = {"clv": "textbook_five_cohorts", "loyalty": "lesson_false_loyalty",
             "dashboard": "whatif_points_programme", "roi": "whatif_crm_system",
             "compare": "whatif_points_programme", "optimise": "whatif_today",
             "service": "lesson_satisfied_defect"}
"""The scenario each page is shown with (its ``?scenario=`` link); other pages: the default."""
BUTTONS = {"optimise": ("eq_add",), "service": ("svc_run",)}
"""Buttons pressed (by widget key) before the picture, so the page shows its results; a
button that is not there (renamed, removed) is skipped with a warning."""


def app_page_paths(entry: Path = ROOT / "ui" / "entry.py") -> list[tuple[str, str]]:
    """``(url path, script)`` of each page in navigation order, read from the ``st.Page(...)``
    calls of ``ui/entry.py``; hidden pages that repeat a script (aliases) are left out."""
    pages: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(entry.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"):
            continue
        kwargs = {k.arg: k.value for k in node.keywords}
        script = ast.literal_eval(node.args[0])
        hidden = "visibility" in kwargs and ast.literal_eval(kwargs["visibility"]) == "hidden"
        url = ast.literal_eval(kwargs["url_path"]) if "url_path" in kwargs else Path(script).stem
        if hidden and any(s == script for _, s in pages):
            continue
        default = "default" in kwargs and ast.literal_eval(kwargs["default"]) is True
        pages.append(("" if default else url, script))
    return pages


def wait_for_page(page, timeout: float = 60_000) -> None:
    """Until the script has run and every chart on the page has drawn its marks."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                           timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout)
    try:
        page.wait_for_function(
            """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
                     .every(el => el.getBoundingClientRect().height === 0
                                  || el.querySelector('canvas, svg.marks'))""",
            timeout=timeout / 2)
    except PlaywrightTimeout:
        print(f"warning: {page.url}: a chart did not draw", flush=True)
    page.wait_for_timeout(1200)                 # Vega's transitions, fonts


def press(page, keys: tuple[str, ...]) -> None:
    """Click each button of ``keys`` (Streamlit marks a widget's box ``st-key-<key>``)."""
    for key in keys:
        button = page.locator(f".st-key-{key} button")
        if button.count() == 0 or not button.first.is_visible():
            print(f"warning: {page.url}: no button {key} in view", flush=True)
            continue
        button.first.click()
        page.wait_for_timeout(500)
        wait_for_page(page, timeout=180_000)


def save_png(raw: bytes, path: Path) -> int:
    """Write ``raw`` (a PNG) as a 256-colour PNG; returns its size in bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(raw)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=True)
    return path.stat().st_size


def _name(url_path: str, script: str) -> str:
    return url_path or Path(script).stem


def take(url: str, out: Path, langs: list[str], only: list[str] | None, width: int) -> list[Path]:
    """Photograph every page in every language; returns the files written."""
    from playwright.sync_api import sync_playwright

    pages = [(u, s) for u, s in app_page_paths() if not only or _name(u, s) in only]
    written: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium") or shutil.which("chromium-browser"),
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            for lang in langs:
                context = browser.new_context(viewport={"width": width, "height": VIEW_HEIGHT},
                                              locale=LOCALES[lang], device_scale_factor=1)
                page = context.new_page()
                for url_path, script in pages:
                    name = _name(url_path, script)
                    query = f"?scenario={SCENARIOS[name]}" if name in SCENARIOS else ""
                    page.goto(f"{url}/{url_path}{query}")
                    wait_for_page(page)
                    press(page, BUTTONS.get(name, ()))
                    if page.get_by_test_id("stException").count():
                        print(f"warning: {url_path or script} ({lang}) shows an exception")
                    height = min(MAX_HEIGHT, page.evaluate(
                        "() => document.querySelector(\"[data-testid='stMain']\")?.scrollHeight"
                        " || document.body.scrollHeight"))
                    page.set_viewport_size({"width": width, "height": max(VIEW_HEIGHT, height)})
                    wait_for_page(page)
                    raw = page.screenshot(clip={"x": 0, "y": 0, "width": width,
                                                "height": max(VIEW_HEIGHT, height)})
                    page.set_viewport_size({"width": width, "height": VIEW_HEIGHT})
                    path = out / f"{name}_{lang}.png"
                    size = save_png(raw, path)
                    print(f"{path}: {size // 1024} KB", flush=True)
                    written.append(path)
                context.close()
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="url paths of the pages (default: all)")
    parser.add_argument("--langs", nargs="*", default=list(LOCALES), choices=list(LOCALES))
    parser.add_argument("--width", type=int, default=WIDTH, help="viewport width (px)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with streamlit_server(ROOT) as server:
        url = server.url
        take(url, args.out, args.langs, args.pages, args.width)
    return 0


if __name__ == "__main__":
    sys.exit(main())
