"""AppTest: one scenario state — widgets follow the scenario being shown, nothing is clamped.

Issue 10, points 1, 2 and 5: after another scenario is picked (or a file opened) the lever
widgets showed the previous scenario's values, and the first lever touched applied all of
them; a valid file's values outside a slider's span were clamped on opening; levers that
cannot act on the loaded scenario were offered anyway.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from sim import scenario_io
from sim.cohort import run_cohort
from sim.library import load_preset
from sim.report import run_report
from sim.scenario import replace_path
from tests.conftest import ROOT
from ui.levers import lever

APP = str(ROOT / "app.py")
CLV_LEVERS = ("first_year_price", "renewal_price", "variable_cost", "acquisition_cost",
              "uplift", "discount_rate", "horizon", "acq_years")


def _open(preset: str = "textbook_magazine", lang: str = "en", page: str | None = None
          ) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _widget(at: AppTest, key: str):
    return at.get_by_key(key)


def _full(at: AppTest) -> AppTest:
    """Rerun the whole app: a lever move reruns only its fragments, so AppTest's tree then
    lacks the sidebar and the lever panel that a browser keeps showing."""
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _usd(value: float) -> str:
    return f"{'-' if value < 0 else ''}USD {abs(value):,.2f}"


def test_picking_another_scenario_redraws_every_lever_and_one_step_applies_one_step() -> None:
    at = _open()
    at.slider(key="uplift").set_value(2.0).run()              # an edit on the textbook case
    _full(at).number_input(key="renewal_price").set_value(80.0).run()
    _full(at).selectbox(key="preset").set_value("baseline").run()
    assert not at.exception, at.exception
    baseline = load_preset("baseline")
    assert at.session_state["current_scenario"].scenario == baseline
    for key in CLV_LEVERS:
        assert _widget(at, key).value == lever(key).read(baseline), key
    at.slider(key="uplift").set_value(0.5).run()               # one +0.5 step
    expected = replace_path(baseline, "retention.uplift_points", 0.5)
    assert at.session_state["current_scenario"].scenario == expected
    assert _metric(at, "Value after acquisition cost") == _usd(
        run_cohort(expected).kpis["clv_net"])


def test_switch_scenario_then_one_step_on_the_dashboard_moves_only_that_field() -> None:
    at = _open("textbook_magazine")
    at.number_input(key="renewal_price").set_value(99.0).run()      # an edit before switching
    _full(at).selectbox(key="preset").set_value("whatif_competitor_enters").run()
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, at.exception
    loaded = load_preset("whatif_competitor_enters")
    assert at.number_input(key="renewal_price").value == loaded.pricing.renewal_price
    at.number_input(key="renewal_price").increment().run()
    assert not at.exception, at.exception
    expected = replace_path(loaded, "pricing.renewal_price", loaded.pricing.renewal_price + 0.1)
    assert at.session_state["current_scenario"].scenario == expected
    report = run_report(expected, replications=0)
    shown = next(m.value for m in at.metric if m.label.startswith("Customers after"))
    assert shown == f"{report['kpis']['customers_end']:,.0f}"


def _upload_and_open(at: AppTest, scenario) -> AppTest:
    at.sidebar.file_uploader(key="upload_toml").upload(
        "wide.toml", scenario_io.dumps(scenario).encode(), "application/toml").run()
    at.sidebar.button(key="open_upload").click().run()
    assert not at.exception, at.exception
    return at


def test_a_valid_file_outside_the_old_slider_spans_opens_unchanged() -> None:
    wide = load_preset("textbook_magazine")
    wide = replace_path(wide, "horizon_years", 40)
    wide = replace_path(wide, "pricing.renewal_price", 20_000.0)
    wide = replace_path(wide, "finance.discount_rate", 0.6)
    wide = replace_path(wide, "name", "Wide values")
    at = _upload_and_open(_open(), wide)
    assert at.session_state["base_scenario"] == wide
    assert at.session_state["current_scenario"].scenario == wide          # nothing clamped
    assert at.slider(key="horizon").value == 40
    assert at.number_input(key="renewal_price").value == 20_000.0
    assert at.slider(key="discount_rate").value == 60.0
    assert "Edited" not in " ".join(w.value for w in at.sidebar.warning)
    # What would be downloaded or saved is the file as it was.
    current = at.session_state["current_scenario"].scenario
    assert scenario_io.loads(scenario_io.dumps(current)) == wide
    shown = _metric(at, "Value after acquisition cost")
    assert shown == _usd(run_cohort(wide).kpis["clv_net"])


def test_every_shipped_scenario_opens_with_its_own_values_unedited() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        at = _open(path.stem)
        scenario = scenario_io.load(path)
        assert at.session_state["current_scenario"].scenario == scenario, path.stem
        assert "Edited" not in " ".join(w.value for w in at.sidebar.warning), path.stem


@pytest.mark.parametrize("lang,needle", [("en", "No effect:"), ("zh", "此处无效")])
def test_a_lever_that_cannot_act_is_disabled_with_its_reason(lang: str, needle: str) -> None:
    at = _open("textbook_magazine", lang, page="pages/dashboard.py")
    competition = at.slider(key="competition")
    assert competition.disabled
    assert any(needle in c.value for c in at.caption)
    assert at.selectbox(key="programme_kind").disabled
    at = _open("whatif_today", lang, page="pages/dashboard.py")
    assert not at.slider(key="competition").disabled


def test_reset_puts_the_loaded_scenario_back_into_every_widget() -> None:
    at = _open()
    at.slider(key="uplift").set_value(3.0).run()
    _full(at).slider(key="horizon").set_value(12).run()
    assert "Edited" in " ".join(w.value for w in _full(at).sidebar.warning)
    at.sidebar.button(key="reset_levers").click().run()
    book = load_preset("textbook_magazine")
    assert at.session_state["current_scenario"].scenario == book
    assert at.slider(key="uplift").value == 0.0 and at.slider(key="horizon").value == 10


def test_the_same_scenario_from_two_paths_shows_the_same_roi_and_payback() -> None:
    """Issue 10, point 3: the points programme at competition 90 % showed ROI −5.9 % from
    whatif_points_programme and −257.6 % from whatif_competitor_enters."""
    shown = []
    for preset, key, value in (("whatif_points_programme", "competition", 90.0),
                               ("whatif_competitor_enters", "programme_kind", "points")):
        at = _open(preset, page="pages/dashboard.py")
        widget = at.slider(key=key) if key == "competition" else at.selectbox(key=key)
        widget.set_value(value).run()
        assert not at.exception, at.exception
        tiles = {m.label: (m.value, m.delta) for m in at.metric}
        shown.append({label: tiles[label] for label in tiles
                      if label.startswith(("ROI", "Payback", "Discounted payback", "NPV"))})
    assert len(shown[0]) == 4 and shown[0] == shown[1]
    roi = next(v for label, v in shown[0].items() if label.startswith("ROI"))
    assert roi[0] == "-5.9 %"


@pytest.mark.parametrize("preset,page", [("textbook_magazine", None),
                                         ("lesson_false_loyalty", "pages/loyalty.py"),
                                         ("whatif_crm_system", "pages/dashboard.py")])
def test_an_unedited_scenario_shows_no_zero_deltas(preset: str, page: str | None) -> None:
    """Issue 10, point 6: an unedited page showed green "↑ +USD 0.00" / "↑ 0.00" deltas."""
    at = _open(preset, page=page)
    digits = {m.label: re.sub(r"\D", "", m.delta or "") for m in at.metric}
    zero_like = [label for label, shown in digits.items()   # a number whose digits are all 0
                 if shown and set(shown) <= {"0"}]
    assert not zero_like
    if page is None:                       # an edit still shows its delta
        at.slider(key="uplift").set_value(2.0).run()
        assert _metric_delta(at, "Value after acquisition cost") == "+USD 5.05"


def _metric_delta(at: AppTest, label: str) -> str:
    return next(m.delta for m in at.metric if m.label == label)
