"""Browser: every page in Chinese shows no stray English (issue 16, item 1).

A browser with locale zh-CN opens every page of the app (ui/entry.py ``app_pages``) with
the default scenario, and the lesson and what-if pages with shipped scenarios of theirs
(a lesson among them); on each it clicks through every tab, opens every expander and
collects the visible text of the main area and of the sidebar. Any word in Latin script outside
:data:`ALLOWED` fails the test, with the page and the text around the word.

The allow-list, and why each entry is there:

* currency codes (``USD``, ``CNY``, …): the scenario's own currency, shown as its code;
* the finance and CRM abbreviations Chinese business writing keeps in Latin: ``CLV``,
  ``NPV``, ``ROI``, ``IRR``, ``KPI``, ``RFM``, ``CRM``, ``TCO``, ``VIP``, ``CE``;
* the percentile names ``P10``/``P50``/``P90`` and the models ``sBG``, ``BG``/``NBD``,
  ``Gamma``, ``DEL``/``DERL`` (names of published models, as in the literature);
* file formats and units: ``TOML``, ``CSV``, ``PNG``, ``SVG``, ``Excel``, ``MB``, ``KiB``,
  ``UTF``, and file names (``sample.csv``); ``AIC`` (the information criterion);
* the authors of cited works (``Fader 与 Hardie 2007``), as Chinese academic writing keeps
  them, and ``Erlang`` (the queueing formula named after him);
* one-letter mathematical symbols (``第 t 年``, ``V = m + …``);
* scenario-file field names (``retention.model``): what the user types in the file; only
  the schema's own paths and section names, taken from the schema.
"""

from __future__ import annotations

import re

import pytest

from sim.scenario import full_example
from sim.schema import iter_fields
from tests.e2e.conftest import screenshot, sidebar_select, wait_for_app

PAGES = ["", "loyalty", "lessons", "dashboard", "roi", "compare", "your_data", "optimise",
         "service"]
SCENARIOS = [("loyalty", "lesson_false_loyalty"), ("loyalty", "lesson_top_box"),
             ("", "textbook_five_cohorts"), ("dashboard", "whatif_points_programme"),
             ("dashboard", "whatif_retention_spend"), ("optimise", "whatif_retention_spend")]

ALLOWED = {
    "USD", "CNY", "EUR", "GBP", "JPY",
    "CLV", "NPV", "ROI", "IRR", "KPI", "RFM", "CRM", "TCO", "VIP", "CE",
    "P10", "P50", "P90", "sBG", "BG", "NBD", "Gamma", "DEL", "DERL",
    "TOML", "CSV", "PNG", "SVG", "Excel", "MB", "KiB", "UTF", "AIC",
    "Fader", "Hardie", "Blattberg", "Deighton", "Pfeifer", "Gupta", "Lehmann", "Erlang",
}
FIELD_WORDS = {part for path, _spec, _value in iter_fields(full_example())
               for part in re.split(r"[.\[\]]", path) if part}
FILE_NAME = re.compile(r"[A-Za-z0-9_-]+\.(csv|toml)")
WORD = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def stray_words(text: str) -> list[str]:
    """Latin-script words of ``text`` that are neither allowed nor scenario field paths
    (a dotted path is allowed when every part is a field or section name)."""
    found = []
    for match in WORD.finditer(text):
        word = match.group()
        if word in ALLOWED or len(word) == 1 or FILE_NAME.fullmatch(word):
            continue
        parts = word.split(".")
        if len(parts) > 1 and all(p in FIELD_WORDS for p in parts):
            continue
        if "_" in word and word in FIELD_WORDS:
            continue
        found.append(word)
    return found


_TEXT_JS = """
(root) => {
  const skip = '[data-testid="stIconMaterial"], code, '
    + '[data-testid="stFileUploaderDropzone"]';
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest(skip)) continue;
    if (getComputedStyle(el).fontFamily.includes('Material')) continue;   // icon ligatures
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    out.push(node.textContent);
  }
  return out.join('\\n');
}
"""
"""The visible text nodes under an element, one a line: not icon ligatures
(``:material/…:`` icons are words drawn by an icon font), not code (field names and
values as typed in a file), not the file uploader's drop zone ("Drag and drop file
here", "Upload": Streamlit's built-in English, which no public API can translate yet,
streamlit/streamlit#13500; the uploader's own label above it is ours and is checked)."""


def _visible_text(page) -> str:
    """The main area, the sidebar and any dialog Streamlit opened (e.g. "Page not found")."""
    texts = [page.get_by_test_id("stMain").evaluate(_TEXT_JS),
             page.get_by_test_id("stSidebar").evaluate(_TEXT_JS)]
    dialogs = page.get_by_role("dialog")
    texts += [dialogs.nth(i).evaluate(_TEXT_JS) for i in range(dialogs.count())]
    return "\n".join(texts)


def _open_expanders(page) -> None:
    """Open every visible, closed expander (its text is then visible too)."""
    page.evaluate("""() => document.querySelectorAll(
        "[data-testid='stExpander'] details:not([open]) > summary").forEach(s => {
            if (s.checkVisibility()) s.click(); })""")
    page.wait_for_timeout(500)


def _walk(page, url: str) -> dict[str, list[str]]:
    """``{word: [context, …]}`` of every stray word on the page at ``url``: every tab,
    every expander open."""
    page.goto(url)
    wait_for_app(page, timeout=60_000)
    _open_expanders(page)
    texts = [_visible_text(page)]
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        page.wait_for_timeout(600)
        wait_for_app(page, timeout=60_000)
        _open_expanders(page)
        texts.append(_visible_text(page))
    found: dict[str, list[str]] = {}
    for text in texts:
        for line in text.splitlines():
            for word in stray_words(line):
                found.setdefault(word, []).append(line.strip()[:120])
    return found


def test_the_word_rule() -> None:
    assert stray_words("净现值 USD 1,234，CLV 与 P90") == []
    assert stray_words("请设置 retention.model 或 market.size") == []
    assert stray_words("Drag and drop file here") == ["Drag", "and", "drop", "file", "here"]
    assert stray_words("retention.bogus") == ["retention.bogus"]


@pytest.fixture()
def zh_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1100})
    page = context.new_page()
    yield page
    context.close()


def test_every_page_in_chinese_has_no_stray_english(zh_page, app_url) -> None:
    urls = [f"{app_url}/{p}" for p in PAGES]
    urls += [f"{app_url}/{p}?scenario={s}" for p, s in SCENARIOS]
    report = []
    for url in urls:
        found = _walk(zh_page, url)
        assert zh_page.get_by_test_id("stException").count() == 0, url
        name = url.rsplit("/", 1)[1].replace("?scenario=", "_") or "home"
        if name in ("home", "loyalty_lesson_top_box", "compare"):
            screenshot(zh_page, f"zh_walk_{name}")
        for word, contexts in found.items():
            report.append(f"{url.removeprefix(app_url)}: {word!r} in “{contexts[0]}”")
    assert not report, (f"{len(report)} stray English word(s) on the Chinese pages:\n"
                        + "\n".join(report[:200]))


def test_switching_language_keeps_the_scenario_and_its_edits(page, app_url) -> None:
    """The picker shows names in the page's language; after a switch Streamlit reads back
    the old language's label, which must neither fail ("a preset id of 1-60 letters")
    nor reload the file over the user's edits."""
    page.goto(app_url)
    wait_for_app(page)
    price = page.get_by_test_id("stNumberInput").filter(has_text="Renewal price").first
    price.get_by_role("spinbutton").fill("99")
    price.get_by_role("spinbutton").press("Enter")
    wait_for_app(page)
    sidebar_select(page, "Language", "简体中文")
    page.get_by_test_id("stSidebarNav").get_by_text("高管决策看板").click()
    wait_for_app(page)
    page.get_by_role("heading", name="高管情景分析看板").wait_for(timeout=20_000)
    assert page.get_by_test_id("stException").count() == 0
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_text("教材案例：杂志出版商（一个客户群）").count() >= 1
    assert sidebar.get_by_text("已修改：杠杆与载入的文件不同").count() == 1     # edits kept
