"""Browser: a file's or a link's text is shown as typed — no link, no image, no markup.

Issue 11, point 5: ``?scenario=[Sign in again](https://example.com/phish)`` showed a live
link inside the app's own warning, and a description with an image made every viewer's
browser fetch it. Checked in Chromium, because only the browser shows what Streamlit's
Markdown renderer makes of a string.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

from sim import scenario_io
from sim.library import load_preset
from sim.scenario import replace_path
from tests.e2e.conftest import screenshot, wait_for_app

NAME = "[Sign in](https://example.com/p) **bold** :red[red] $x^2$"
DESCRIPTION = "![x](https://example.com/x.png) <img src=https://example.com/y.png>\n# Not a heading"


def _no_markup(locator) -> None:
    assert locator.locator("a[href*='example.com']").count() == 0
    assert locator.locator("img[src*='example.com']").count() == 0
    assert locator.locator("strong, h1, .katex").count() == 0


def test_a_link_parameter_is_text_in_the_notice(page, app_url):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{app_url}/?scenario={quote('[Sign in again](https://example.com/phish)')}")
    wait_for_app(page)
    warning = page.get_by_test_id("stSidebar").get_by_test_id("stAlert").filter(
        has_text="not in the library").first
    assert "[Sign in again](https://example.com/phish)" in warning.inner_text()
    _no_markup(warning)
    assert not [u for u in requested if urlparse(u).hostname == "example.com"]


def test_an_uploaded_name_and_description_are_text(page, app_url, tmp_path):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    scenario = replace_path(replace_path(load_preset("textbook_magazine"), "name", NAME),
                            "description", DESCRIPTION)
    path = tmp_path / "nasty.toml"
    path.write_text(scenario_io.dumps(scenario), encoding="utf-8")
    page.goto(app_url)
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stExpander").filter(has_text="Scenario files").first.click()
    sidebar.locator("input[type=file]").set_input_files(str(path))
    wait_for_app(page)
    sidebar.get_by_role("button", name="Open it as the current scenario").click()
    wait_for_app(page)
    sidebar.get_by_test_id("stText").filter(has_text=NAME).first.wait_for(timeout=15_000)
    about = sidebar.get_by_test_id("stExpander").filter(has_text="About this scenario").first
    about.click()
    page.wait_for_timeout(500)
    text = about.inner_text()
    assert "![x](https://example.com/x.png)" in text and "# Not a heading" in text
    _no_markup(sidebar)
    assert not [u for u in requested if urlparse(u).hostname == "example.com"]
    screenshot(page, "user_text_sidebar")
