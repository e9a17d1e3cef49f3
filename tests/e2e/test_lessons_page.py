"""Browser: the Lessons page — arrow keys step through a lesson, ?present=1 hides the sidebar
and the lever panels, a participant's guess reaches the trainer; screenshots en/zh/present."""

from __future__ import annotations

from tests.e2e.conftest import assert_charts_drawn, screenshot, wait_for_app


def _step_text(page) -> str:
    return page.get_by_test_id("stProgress").inner_text()


def test_arrow_keys_step_through_a_lesson_in_presentation_mode(page, app_url):
    page.set_viewport_size({"width": 1440, "height": 1400})
    page.goto(f"{app_url}/lessons?present=1")
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    assert not page.get_by_test_id("stSidebar").is_visible()      # hidden by the style sheet
    assert "Step 1 of 3" in _step_text(page)
    assert page.get_by_test_id("stMetric").count() == 0              # not revealed yet
    page.keyboard.press("ArrowRight")                                # reveal
    wait_for_app(page)
    page.get_by_text("The engine says", exact=True).wait_for()
    assert_charts_drawn(page, 1)
    screenshot(page, "lessons_present_revealed_en")
    page.keyboard.press("ArrowRight")                                # next step
    wait_for_app(page)
    page.get_by_text("Step 2 of 3").wait_for()
    assert page.get_by_text("mercenaries").count() >= 1
    page.keyboard.press("ArrowLeft")                                 # back: step 1, revealed
    wait_for_app(page)
    page.get_by_text("Step 1 of 3").wait_for()
    page.keyboard.press("PageDown")                                  # a clicker's "next"
    wait_for_app(page)
    page.get_by_text("Step 2 of 3").wait_for()
    # the sidebar toggle is hidden: the page's own exit button brings the sidebar back
    page.locator(".st-key-present_exit button").click()
    wait_for_app(page)
    page.get_by_test_id("stSidebar").wait_for(state="visible")
    assert "present" not in page.url


def test_presentation_mode_hides_the_lever_panels(page, app_url):
    page.goto(f"{app_url}/loyalty")
    wait_for_app(page)
    levers = page.get_by_test_id("stExpander").filter(has=page.locator(".st-key-competition"))
    assert levers.is_visible()
    page.get_by_test_id("stSidebar").get_by_text("Presentation mode").click()
    wait_for_app(page)
    assert not levers.is_visible()
    assert not page.get_by_test_id("stSidebar").is_visible()
    assert "present=1" in page.url
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size >= 20


def test_presentation_mode_enlarges_the_charts_of_other_pages(page, app_url):
    """Charts on every page are drawn for a projector: taller, with larger axis and legend
    letters, and still within the page's width."""
    def measure() -> tuple[dict, float]:
        wait_for_app(page)
        chart = page.get_by_test_id("stVegaLiteChart").first
        chart.locator("svg text").first.wait_for(timeout=30_000)
        size = page.evaluate("""parseFloat(getComputedStyle(document.querySelector(
            '[data-testid=stVegaLiteChart] svg text')).fontSize)""")
        return chart.bounding_box(), size

    page.goto(f"{app_url}/dashboard")
    normal, normal_font = measure()
    page.goto(f"{app_url}/dashboard?present=1")
    presenting, presenting_font = measure()
    assert presenting["height"] >= 1.2 * normal["height"], (normal, presenting)
    assert presenting_font >= 15 > normal_font, (normal_font, presenting_font)
    width = page.evaluate("document.documentElement.clientWidth")
    assert presenting["x"] + presenting["width"] <= width + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def test_a_participant_guess_reaches_the_trainer(page, app_url, browser):
    page.set_viewport_size({"width": 1440, "height": 1400})
    page.goto(f"{app_url}/lessons")
    wait_for_app(page)
    page.get_by_role("button", name="Open a room").click()
    wait_for_app(page)
    link = page.get_by_test_id("stCode").inner_text().strip()
    assert "/lessons?room=" in link
    other = browser.new_context(viewport={"width": 390, "height": 844})   # a phone
    phone = other.new_page()
    try:
        phone.goto(link)
        wait_for_app(phone)
        phone.get_by_text("What share of new customers renew").wait_for()
        phone.get_by_role("button", name="Send my guess").click()
        wait_for_app(phone)
        phone.get_by_text("Your guess was received").wait_for()
        screenshot(phone, "lessons_participant_phone_en")
    finally:
        other.close()
    page.get_by_text("1 guess(es) received").wait_for(timeout=10_000)   # the poll shows it
    page.locator(".st-key-lesson_forward button").click()
    wait_for_app(page)
    page.get_by_test_id("stMetricLabel").filter(has_text="Room median").wait_for()
    assert_charts_drawn(page, 2)                      # the engine's sweep and the room's guesses
    screenshot(page, "lessons_room_revealed_en")


def test_lessons_page_in_chinese(page, app_url):
    page.set_viewport_size({"width": 1440, "height": 1400})
    page.goto(f"{app_url}/lessons")
    wait_for_app(page)
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="简体中文").click()
    wait_for_app(page)
    page.get_by_text("先预测，再揭晓").wait_for()
    screenshot(page, "lessons_zh")
    page.locator(".st-key-lesson_forward button").click()
    wait_for_app(page)
    page.get_by_text("模型结果", exact=True).wait_for()
    assert_charts_drawn(page, 1)
    screenshot(page, "lessons_revealed_zh")
