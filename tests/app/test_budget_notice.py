"""AppTest: the dashboard shows the work budget's notice (Monte Carlo not run) in both languages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import sim.budget as budget
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.mark.parametrize("lang,text", [("en", "Monte Carlo was not run"),
                                       ("zh", "未运行蒙特卡洛模拟")])
def test_dashboard_says_when_monte_carlo_is_over_the_budget(monkeypatch, lang: str,
                                                            text: str) -> None:
    monkeypatch.setattr(budget, "_MC_SECONDS_PER_CUSTOMER", 1.0)   # every customer: 1 s
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["preset"] = "whatif_crm_system"
    at.run()
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert any(text in w and "monte_carlo.replications" in w for w in warnings), warnings
    assert not any("budget." in w for w in warnings)       # no untranslated key


def test_dashboard_shows_no_notice_for_a_run_within_the_budget() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["preset"] = "whatif_crm_system"
    at.run()
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, at.exception
    assert not any("Monte Carlo was not run" in w.value for w in at.warning)


def test_notice_texts_of_the_cli_and_both_catalogs_agree() -> None:
    """The CLI's English notices (sim.budget) and the app's en/zh catalogs hold the same
    codes with the same placeholders, so a notice reads the same everywhere."""
    import string

    from ui.i18n import load_catalog

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for code in budget.NOTICE_CODES:
        cli = fields(budget._NOTICE_TEXT[code])
        for lang in ("en", "zh"):
            assert fields(load_catalog(lang)[f"budget.{code}"]) == cli, (code, lang)
