"""AppTest: the Compare & sensitivity page, scenario files in the sidebar, shareable links."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from sim import scenario_io
from sim.cli import main
from sim.compare import compare
from sim.kpis import COMPARE_KPIS
from sim.scenario import replace_path
from sim.sensitivity import heat_map, tornado
from sim.whatif import evaluate
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TODAY, POINTS = "whatif_today", "whatif_points_programme"


def _open(lang: str = "en", preset: str = TODAY, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["preset"] = preset
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _compare_page(at: AppTest) -> AppTest:
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    return at


FRAMES = {"compare_kpis": (0, 0), "compare_differs": (0, 1), "tornado_table": (1, 0)}
"""Where each table sits: (tab, index in the tab); AppTest does not expose dataframe keys."""


def _frame(at: AppTest, key: str):
    tab, index = FRAMES[key]
    return at.tabs[tab].dataframe[index].value


def _money(text: str) -> float:
    return float(text.replace("USD", "").replace(",", "").replace("+", "").replace(" ", ""))


@pytest.mark.parametrize("lang,title,npv",
                         [("en", "Compare scenarios and find the lever that matters", "NPV"),
                          ("zh", "比较情景，找出最关键的杠杆", "净现值")])
def test_compare_page_shows_the_clis_numbers_in_both_languages(lang, title, npv, capsys) -> None:
    at = _compare_page(_open(lang))
    assert at.title[0].value == title
    at.multiselect(key="compare_choice").set_value(["current", f"preset:{POINTS}",
                                                    "preset:whatif_vip_offers"]).run()
    assert not at.exception, at.exception
    table = _frame(at, "compare_kpis")
    assert table.shape == (len(COMPARE_KPIS), 1 + 3 + 2)
    row = table[table.iloc[:, 0] == npv].iloc[0]

    files = [str(ROOT / "scenarios" / f"{name}.toml")
             for name in (TODAY, POINTS, "whatif_vip_offers")]
    assert main(["compare", *files, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for column, label in zip(table.columns[1:4], report["scenarios"], strict=True):
        assert _money(row[column]) == pytest.approx(report["kpis"]["npv"][label]["value"], abs=0.5)
    delta_points = report["kpis"]["npv"][report["scenarios"][1]]["delta"]
    assert _money(row[table.columns[4]]) == pytest.approx(delta_points, abs=0.5)
    differs = _frame(at, "compare_differs")
    assert set(differs.iloc[:, 0]) == {"baseline.kind", "programmes.points.enabled",
                                       "programmes.recognition.enabled"}
    assert len(at.get("vega_lite_chart")) >= 3


def test_reference_choice_moves_the_deltas() -> None:
    at = _compare_page(_open())
    at.multiselect(key="compare_choice").set_value(["current", f"preset:{POINTS}"]).run()
    at.selectbox(key="compare_reference").set_value(f"preset:{POINTS}").run()
    table = _frame(at, "compare_kpis")
    expected = compare([scenario_io.load(ROOT / "scenarios" / f"{n}.toml")
                        for n in (TODAY, POINTS)], reference=1)
    npv = table[table.iloc[:, 0] == "NPV"].iloc[0]
    assert _money(npv.iloc[-1]) == pytest.approx(expected.kpi_table().query(
        "kpi == 'npv' and delta != 0")["delta"].iloc[0], abs=0.5)


def test_tornado_on_the_page_matches_the_cli(capsys) -> None:
    at = _compare_page(_open(preset="textbook_magazine"))
    shown = _frame(at, "tornado_table")
    assert main(["sensitivity", str(ROOT / "scenarios" / "textbook_magazine.toml"),
                 "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)["levers"]
    assert list(shown.iloc[:, 1]) == [row["field"] for row in cli]
    assert list(shown["NPV, lever lowered"]) == pytest.approx([row["npv_low"] for row in cli])
    assert list(shown["NPV, elasticity"].fillna(-999)) == pytest.approx(
        [-999 if row["npv_elasticity"] is None else row["npv_elasticity"] for row in cli])
    assert list(shown.iloc[0, :2]) == ["Renewal uplift (points)", "retention.uplift_points"]
    assert shown["Step"].iloc[0] == "±1 percentage point"
    assert shown["Step"].iloc[1] == "±10 %"


def test_heat_map_grid_follows_the_chosen_levers() -> None:
    at = _compare_page(_open(preset="textbook_magazine"))
    at.selectbox(key="heat_x").set_value("Renewal price").run()
    at.selectbox(key="heat_y").set_value("Discount rate").run()
    assert not at.exception, at.exception
    chart = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    assert chart["layer"][0]["encoding"]["x"]["title"] == "Renewal price"
    assert chart["layer"][0]["encoding"]["y"]["title"] == "Discount rate"
    shown = pa.ipc.open_stream(at.get("vega_lite_chart")[-1].proto.datasets[0].data.data
                               ).read_all().to_pandas()
    expected = heat_map(scenario_io.load(ROOT / "scenarios" / "textbook_magazine.toml"),
                        "pricing.renewal_price", "finance.discount_rate", 0.2, 5, "npv")
    assert sorted(shown["value"]) == pytest.approx(sorted(expected["value"]))


def test_an_invalid_upload_lists_every_problem_and_changes_nothing() -> None:
    at = _open()
    before = at.session_state["base_scenario"]
    bad = b'schema_version = 1\nname = "bad"\nhorizon_years = 0\n[pricing]\nrenewal_price = -1\n'
    at.sidebar.file_uploader(key="upload_toml").upload("bad.toml", bad, "application/toml").run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "`bad.toml` has 2 problem(s)" in errors
    listing = " ".join(m.value for m in at.sidebar.markdown)
    assert "horizon_years" in listing and "pricing.renewal_price" in listing
    assert "allowed" in listing
    assert at.session_state["base_scenario"] == before
    assert not [b for b in at.sidebar.button if b.key == "open_upload"]


def test_a_valid_upload_is_compared_and_can_be_opened() -> None:
    at = _open()              # the sidebar (an entrypoint widget) is lost by switch_page in AppTest
    upload = replace_path(scenario_io.load(ROOT / "scenarios" / f"{POINTS}.toml"),
                          "name", "Planner's upload")
    upload = replace_path(upload, "competition.intensity", 0.8)
    at.sidebar.file_uploader(key="upload_toml").upload(
        "mine.toml", scenario_io.dumps(upload).encode(), "application/toml").run()
    assert not at.exception, at.exception
    assert "is valid" in " ".join(s.value for s in at.sidebar.success)
    at.sidebar.button(key="open_upload").click().run()
    assert at.session_state["base_scenario"] == upload
    _compare_page(at)
    assert "upload:Planner's upload (mine.toml)" in at.multiselect(key="compare_choice").value
    at.multiselect(key="compare_choice").set_value(
        [f"preset:{POINTS}", "upload:Planner's upload (mine.toml)"]).run()
    differs = _frame(at, "compare_differs")
    assert set(differs.iloc[:, 0]) == {"competition.intensity"}


def test_too_large_upload_is_refused() -> None:
    at = _open()
    big = b"#" * (scenario_io.MAX_FILE_BYTES + 10)
    at.sidebar.file_uploader(key="upload_toml").upload("big.toml", big, "application/toml").run()
    assert "may be at most 256 KiB" in " ".join(e.value for e in at.sidebar.error)


def test_download_offers_the_current_scenario_as_toml() -> None:
    at = _open()
    buttons = [b for b in at.sidebar.get("download_button") if b.proto.label.startswith("Download")]
    assert len(buttons) == 1
    assert buttons[0].proto.label == "Download this scenario (TOML)"


def test_save_refuses_to_overwrite_without_the_tick(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CRMSIM_SAVE_DIR", str(tmp_path))
    monkeypatch.setenv("CRMSIM_ALLOW_SAVE", "1")
    (tmp_path / "kept.toml").write_text("# precious\n", encoding="utf-8")
    at = _open()
    at.sidebar.text_input(key="save_name").set_value("kept").run()
    at.sidebar.button(key="save_scenario").click().run()
    assert "already exists" in " ".join(w.value for w in at.sidebar.warning)
    assert (tmp_path / "kept.toml").read_text(encoding="utf-8") == "# precious\n"
    at.sidebar.checkbox(key="save_overwrite").check().run()
    at.sidebar.button(key="save_scenario").click().run()
    assert "Saved as kept.toml" in " ".join(s.value for s in at.sidebar.success)
    assert scenario_io.load(tmp_path / "kept.toml") == at.session_state["base_scenario"]
    at.sidebar.text_input(key="save_name").set_value("../escape").run()
    at.sidebar.button(key="save_scenario").click().run()
    assert "not a valid file name" in " ".join(e.value for e in at.sidebar.error)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.toml"]


def test_a_shared_link_reproduces_the_numbers() -> None:
    at = _open(params={"scenario": POINTS, "competition": "80", "service_quality": "4.25"})
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, at.exception
    current = at.session_state["current_scenario"].scenario
    assert current.competition.intensity == 0.8 and current.satisfaction.service_quality == 4.25
    assert at.session_state["base_scenario"].name == scenario_io.load(
        ROOT / "scenarios" / f"{POINTS}.toml").name
    assert dict(at.query_params) == {"scenario": POINTS, "competition": "80",
                                     "service_quality": "4.25"}
    loaded = scenario_io.load(ROOT / "scenarios" / f"{POINTS}.toml")
    linked = replace_path(replace_path(loaded, "competition.intensity", 0.8),
                          "satisfaction.service_quality", 4.25)
    expected = evaluate(linked).result.kpis["customers_end"]
    shown = next(m.value for m in at.metric if m.label.startswith("Customers after"))
    assert shown == f"{expected:,.0f}"


@pytest.mark.parametrize("lang,needle", [("en", "is not allowed"), ("zh", "不被允许")])
def test_bad_link_values_fall_back_with_a_notice(lang: str, needle: str) -> None:
    at = _open(lang, params={"scenario": TODAY, "competition": "nan", "uplift": "99",
                             "programme_kind": "bogus", "horizon": "abc"})
    notices = [w.value for w in at.sidebar.warning if needle in w.value]
    assert len(notices) == 4
    assert at.session_state["current_scenario"].scenario == at.session_state["base_scenario"]


def test_unknown_scenario_in_a_link_gives_a_notice() -> None:
    at = _open(params={"scenario": "../../etc/passwd"})
    assert any("not in the library" in w.value for w in at.sidebar.warning)
    assert at.session_state["base_scenario"].name


def test_tornado_figures_are_the_engines() -> None:
    scenario = scenario_io.load(ROOT / "scenarios" / "textbook_magazine.toml")
    frame = tornado(scenario, order="swing")
    assert frame.iloc[0]["field"] == "pricing.renewal_price"
