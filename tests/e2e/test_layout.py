"""Browser: every page fits its screen at 1440, 1920 and 390 px wide (issue 16, item 5).

Each page of the app (``ui/entry.py``'s pages, as ``docs/screenshots.py`` reads them)
is opened at each width; the test fails on horizontal overflow: the page itself
scrolling sideways, a chart wider than its box, a metric tile whose label or value is
cut (``scrollWidth > clientWidth``), and, at 1440 and 1920 px, a table scrolling
sideways (on a phone a wide table scrolls inside its own box, as data grids do). With
six scenarios on Compare, each overlay's plot area (its grid, as Vega draws it in SVG)
must stay at least :data:`MIN_PLOT_HEIGHT` tall.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.e2e.conftest import ROOT, screenshot, wait_for_app

MIN_PLOT_HEIGHT = 250

_spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
assert _spec is not None and _spec.loader is not None
shots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shots)
PAGES = [(shots._name(url, script), url) for url, script in shots.app_page_paths()]

OVERFLOWS = """(tables) => {
  const cut = (el) => el.scrollWidth > el.clientWidth + 1;
  const name = (el) => {
    const box = el.closest('[data-testid=stMetric], [data-testid=stDataFrame], '
      + '[data-testid=stTable], [data-testid=stVegaLiteChart], [data-testid=stHtml]');
    const keyed = el.closest('[class*="st-key-"]');
    const key = keyed ? [...keyed.classList].find(c => c.startsWith('st-key-')) : '';
    return (box ? box.dataset.testid : el.tagName) + ' ' + key + ': '
      + (box || el).innerText.slice(0, 60).replace(/\\s+/g, ' ')
      + ' (' + el.scrollWidth + ' > ' + el.clientWidth + ')';
  };
  const shown = (el) => el.getBoundingClientRect().width > 0;
  const found = [];
  const root = document.scrollingElement;
  if (cut(root)) found.push('page scrolls sideways: ' + root.scrollWidth);
  const main = document.querySelector('[data-testid=stMain]');
  if (main && cut(main)) found.push('main scrolls sideways: ' + main.scrollWidth);
  for (const el of document.querySelectorAll('[data-testid=stMetric] *')) {
    if (shown(el) && cut(el) && getComputedStyle(el).overflowX !== 'visible') found.push(name(el));
  }
  for (const el of document.querySelectorAll('[data-testid=stVegaLiteChart]')) {
    if (shown(el) && cut(el)) found.push(name(el));
  }
  if (tables) {
    for (const el of document.querySelectorAll(
        '[data-testid=stDataFrame] .dvn-scroller, [data-testid=stTable], .numtable-box')) {
      if (shown(el) && cut(el)) found.push(name(el));
    }
  }
  return [...new Set(found)];
}"""

PLOT_HEIGHTS = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
  .filter(el => el.getBoundingClientRect().width > 0)
  .map(el => {
    const grids = [...el.querySelectorAll('g.role-axis-grid')].map(g => g.getBBox().height);
    return grids.length ? Math.max(...grids) : null;
  })"""


def _open(page, url: str, path: str, name: str) -> None:
    query = f"?scenario={shots.SCENARIOS[name]}" if name in shots.SCENARIOS else ""
    page.goto(f"{url}/{path}{query}")
    wait_for_app(page, timeout=90_000)
    shots.wait_for_page(page)


@pytest.mark.parametrize("width,lang", [(1440, "en"), (1920, "en"), (390, "en"), (1440, "zh")])
def test_no_page_overflows_sideways(browser, app_url, width: int, lang: str) -> None:
    """Chinese headers and labels run longer than English ones (the 4→5 table was cut)."""
    context = browser.new_context(viewport={"width": width, "height": 1000},
                                  locale=shots.LOCALES[lang])
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for name, path in PAGES:
        _open(page, app_url, path, name)
        assert page.get_by_test_id("stException").count() == 0, name
        found = page.evaluate(OVERFLOWS, width >= 1000)
        if found:
            problems[name] = found
            screenshot(page, f"layout_{name}_{width}_{lang}")
    context.close()
    assert not problems, f"overflow at {width} px ({lang}): {problems}"


def _choose_six(page) -> None:
    box = page.get_by_test_id("stMultiSelect").first
    tags = box.locator("[data-tag]")
    for _ in range(6):
        if tags.count() >= 6:
            break
        field = box.get_by_test_id("stMultiSelectTagsContainer").last
        size = field.bounding_box()
        assert size is not None
        field.click(position={"x": size["width"] - 8, "y": size["height"] / 2})
        page.get_by_role("option").first.click()
        wait_for_app(page, timeout=90_000)
        page.keyboard.press("Escape")
    assert tags.count() == 6


@pytest.mark.parametrize("width", [1440, 390])
def test_six_scenarios_keep_every_plot_readable(page, app_url, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    _open(page, app_url, "compare", "compare")
    _choose_six(page)
    shots.wait_for_page(page)
    heights = page.evaluate(PLOT_HEIGHTS)
    screenshot(page, f"compare_six_{width}")
    overlays = heights[:3]                                  # the Compare tab's three charts
    assert len(overlays) == 3 and all(h is not None for h in overlays), heights
    assert min(overlays) >= MIN_PLOT_HEIGHT, f"plot areas {overlays} px at {width} px"
    assert page.evaluate(OVERFLOWS, width >= 1000) == []
