"""Shareable links: the scenario and the headline levers live in the URL.

Opening ``…/dashboard?scenario=whatif_today&competition=80`` loads that preset
and sets those levers (display units, as on the widgets), so the link
reproduces the same numbers. A value that is not a number, not finite, out of
the lever's range or not one of its choices is ignored (the scenario's own
value stays) and a notice names it. As the user moves levers the URL follows:
it carries the preset and every shared lever that differs from the preset.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from sim.scenario import Scenario
from ui import state
from ui.i18n import t
from ui.levers import Lever, apply_edit, baseline_code, edit_lever, lever, with_baseline_code
from ui.text import md_text

__all__ = ["SHARED_LEVERS", "SCENARIO_PARAM", "read_url_once", "sync_url", "url_notices",
           "clear_notices", "parse_lever_value", "format_lever_value", "shared_params",
           "share_link"]

SCENARIO_PARAM = "scenario"
BASELINE_PARAM = "baseline"
"""``no_programme``, ``as_is`` or ``preset:<file id>``.

What the link's figures are measured against.
"""
KEPT_PARAMS = ("room", "present")
"""Link parameters of other features (a lesson room, presentation mode): kept as they are."""
SHARED_LEVERS = ("uplift", "discount_rate", "horizon", "renewal_price", "competition",
                 "service_quality", "programme_kind", "programme_spend", "acq_budget",
                 "retention_spend")
"""The headline levers that travel in links (widget keys = parameter names)."""
_READ_KEY = "url_read"
_NOTICE_KEY = "url_notices"


def parse_lever_value(lv: Lever, raw: str, scenario: Scenario) -> Any | None:
    """The lever value a URL parameter asks for, or None if ``scenario`` does not allow it."""
    if lv.kind == "choice":
        value: Any = raw
    elif lv.kind == "toggle":
        value = {"1": True, "true": True, "0": False, "false": False}.get(raw.lower())
    else:
        try:
            value = float(raw)
        except ValueError:
            return None
        if not math.isfinite(value):
            return None
        if lv.integer:
            if value != int(value):
                return None
            value = int(value)
    return value if value is not None and lv.allows(scenario, value) else None


def format_lever_value(value: Any) -> str:
    """A lever value as it appears in the URL (``2``, ``0.5``, ``points``, ``1``)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _allowed(lv: Lever, scenario: Scenario) -> str:
    if lv.kind == "choice":
        return ", ".join(lv.choices)
    if lv.kind == "toggle":
        return "0, 1"
    low, high = lv.limits(scenario)
    return f"{low:g} … {high:g}"


def read_url_once() -> None:
    """On a session's first run, apply the link's scenario and levers (before the page)."""
    if st.session_state.get(_READ_KEY):
        return
    st.session_state[_READ_KEY] = True
    params = st.query_params
    notices = []
    preset = params.get(SCENARIO_PARAM)
    if preset is not None:
        if preset in state.preset_options():
            st.session_state[state.PRESET_KEY] = preset
        else:
            notices.append(t("share.bad_scenario", value=md_text(preset, 60)))
    state.ensure_loaded()
    for key in SHARED_LEVERS:
        raw = params.get(key)
        if raw is None:
            continue
        lv = lever(key)
        current = state.current_scenario()
        if lv.inactive_reason(current) is not None:
            notices.append(t("share.inactive_value", name=t(lv.label_key)))
            continue
        value = parse_lever_value(lv, raw, current)
        if value is None:
            notices.append(t("share.bad_value", name=t(lv.label_key), value=md_text(raw, 40),
                             allowed=_allowed(lv, current)))
            continue
        problem = edit_lever(key, value)
        if problem:
            notices.append(t("share.refused_value", name=t(lv.label_key), value=md_text(raw, 40),
                             problem=problem))
    raw = params.get(BASELINE_PARAM)
    if raw is not None:
        kind, _, preset = raw.partition(":")
        known = (kind in ("no_programme", "as_is") and not preset) or (
            kind == "preset" and preset in state.preset_options())
        problem = (apply_edit(with_baseline_code(state.current_scenario(), raw)) if known
                   else t("share.bad_baseline", value=md_text(raw, 60)))
        if problem:
            notices.append(problem)
    st.session_state[_NOTICE_KEY] = notices


def clear_notices() -> None:
    """Forget the link notices (another scenario was picked)."""
    st.session_state[_NOTICE_KEY] = []


def url_notices() -> list[str]:
    """Notices about link parameters that were ignored."""
    return st.session_state.get(_NOTICE_KEY, [])


def shared_params() -> dict[str, str]:
    """The link's query parameters: the loaded preset and the shared levers that differ
    from it (display units, as on the widgets), and the baseline when it was changed."""
    base, current = state.base_scenario(), state.current_scenario()
    wanted: dict[str, str] = {}
    preset = state.loaded_preset()
    if preset is not None:
        wanted[SCENARIO_PARAM] = preset
    for key in SHARED_LEVERS:
        lv = lever(key)
        value = lv.read(current)
        if value != lv.read(base):
            wanted[key] = format_lever_value(value)
    if baseline_code(current) != baseline_code(base):
        wanted[BASELINE_PARAM] = baseline_code(current)
    return wanted


def share_link(page_url: str | None) -> str | None:
    """The shareable link of the scenario being shown: ``page_url`` (the page's address
    without its query, ``st.context.url``; a relative link when unknown) with
    :func:`shared_params`. None when the loaded scenario is not a library file (an upload,
    a fitted copy): a link carries only a library id and levers, so it would open another
    scenario."""
    if state.loaded_preset() is None:
        return None
    query = urlencode(shared_params())
    return f"{(page_url or '').split('?', 1)[0]}?{query}"


def sync_url() -> None:
    """Write the loaded preset and the shared levers that differ from it into the URL."""
    wanted = shared_params()
    wanted.update({k: st.query_params[k] for k in KEPT_PARAMS if k in st.query_params})
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)
