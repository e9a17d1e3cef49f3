"""Levers: widgets bound to scenario fields, shared by every page.

A lever maps one widget key to one scenario field (dotted path) with a display
scale (fractions are shown as percentages). Lever values live in
``st.session_state["lever_values"]`` (widgets copy into it when they change), so
they survive pages that do not draw the widget; :func:`apply_levers` builds the
edited scenario from the loaded one, :func:`reset_levers` puts a scenario's
values back (when a scenario is loaded). Ranges are those of the scenario schema,
narrowed where a slider needs a practical span.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from sim.programmes import PROGRAMME_KINDS
from sim.scenario import Acquisition, Scenario, get_path, replace_path
from ui.i18n import t

__all__ = ["Lever", "LEVERS", "LEVER_VALUES", "lever", "lever_values", "reset_levers",
           "set_lever_value", "apply_levers", "render_lever"]


@dataclass(frozen=True)
class Lever:
    """One widget bound to a scenario field.

    Attributes:
        key: stable widget key (also the URL query-parameter name where shared).
        path: dotted scenario field path.
        label_key: catalog key of the label; ``<label_key>_help`` is its help text.
        minimum, maximum, step: widget range in *display* units.
        scale: display value = field value × scale (100 for fractions shown as %).
        kind: ``slider``, ``number``, ``toggle`` (a boolean field; range ignored) or
            ``choice`` (a selectbox over ``choices``, labels from ``<label_key>_<choice>``).
        fmt: printf-style display format of the widget.
        getter, setter: custom mapping for levers that are not one field.
    """

    key: str
    path: str
    label_key: str
    minimum: float
    maximum: float
    step: float
    scale: float = 1.0
    kind: str = "number"
    fmt: str = "%.2f"
    getter: Callable[[Scenario], Any] | None = None
    setter: Callable[[Scenario, Any], Scenario] | None = None
    choices: tuple[str, ...] = ()

    def read(self, scenario: Scenario) -> float:
        """Display value of this lever in ``scenario``."""
        raw = self.getter(scenario) if self.getter else get_path(scenario, self.path)
        if self.kind == "toggle":
            return bool(raw)
        if self.kind == "choice":
            return raw
        value = raw * self.scale
        return int(round(value)) if isinstance(self.step, int) else float(round(value, 10))

    def write(self, scenario: Scenario, display_value: float) -> Scenario:
        """Scenario with this lever set to ``display_value`` (clamped to its range)."""
        if self.kind == "choice":
            return self.setter(scenario, display_value) if self.setter else replace_path(
                scenario, self.path, display_value)
        if self.kind == "toggle":
            return replace_path(scenario, self.path, bool(display_value))
        value = min(max(display_value, self.minimum), self.maximum)
        if self.setter:
            return self.setter(scenario, value)
        raw = value / self.scale
        current = get_path(scenario, self.path)
        if isinstance(current, int):
            raw = int(round(raw))
        elif isinstance(current, float):
            raw = float(raw)
        return replace_path(scenario, self.path, raw)


def _acquisition_years(s: Scenario) -> int:
    if s.acquisition.mode in ("constant", "paid"):
        return s.acquisition.years
    return sum(1 for v in s.acquisition.new_per_year(s.horizon_years) if v > 0)


def _set_acquisition_years(s: Scenario, years: float) -> Scenario:
    """Acquire for ``years`` years: a list becomes a constant of its first non-zero year."""
    if int(years) == _acquisition_years(s):
        return s
    if s.acquisition.mode in ("constant", "paid"):
        return replace_path(s, "acquisition.years", int(years))
    per_year = s.acquisition.new_per_year(s.horizon_years)
    first = next((v for v in per_year if v > 0), s.acquisition.constant)
    return replace_path(s, "acquisition", Acquisition(mode="constant", constant=first,
                                                      years=int(years)))


def _running_programme(s: Scenario) -> str:
    """The first enabled programme kind, or ``none``."""
    return next((kind for kind, p in s.programmes.items() if p.enabled), "none")


def _run_only(s: Scenario, kind: str) -> Scenario:
    """Enable programme ``kind`` alone (``none``: no programme)."""
    if kind == _running_programme(s) and sum(p.enabled for _, p in s.programmes.items()) <= 1:
        return s
    for name, _programme in s.programmes.items():
        s = replace_path(s, f"programmes.{name}.enabled", name == kind)
    return s


def _programme_spend(s: Scenario) -> float:
    """Spend per member of the running programmes, % of their reference spend (100 if none)."""
    running = [p for _, p in s.programmes.items() if p.enabled]
    if not running:
        return 100.0
    return running[0].cost_per_member_year / running[0].reference_cost_per_member * 100.0


def _set_programme_spend(s: Scenario, percent: float) -> Scenario:
    if abs(percent - _programme_spend(s)) < 1e-9:
        return s
    for name, p in s.programmes.items():
        if p.enabled:
            s = replace_path(s, f"programmes.{name}.cost_per_member_year",
                             p.reference_cost_per_member * percent / 100.0)
    return s


def _money(key: str, path: str, maximum: float = 10_000.0, step: float = 0.1) -> Lever:
    return Lever(key, path, f"lever.{key}", 0.0, maximum, step, fmt="%.2f")


LEVERS: tuple[Lever, ...] = (
    _money("first_year_price", "pricing.first_year_price"),
    _money("renewal_price", "pricing.renewal_price"),
    _money("variable_cost", "pricing.variable_cost"),
    _money("acquisition_cost", "pricing.acquisition_cost"),
    Lever("discount_rate", "finance.discount_rate", "lever.discount_rate", 0.0, 50.0, 0.5,
          scale=100.0, kind="slider", fmt="%.1f %%"),
    Lever("uplift", "retention.uplift_points", "lever.uplift", -10.0, 10.0, 0.5,
          kind="slider", fmt="%+.1f"),
    Lever("horizon", "horizon_years", "lever.horizon", 1, 30, 1, kind="slider", fmt="%d"),
    Lever("acq_years", "acquisition.years", "lever.acq_years", 1, 30, 1, kind="slider",
          fmt="%d", getter=_acquisition_years, setter=_set_acquisition_years),
    Lever("acq_budget", "acquisition.budget_per_year", "dashboard.lever_acq_budget", 0.0,
          5_000_000.0, 50_000.0, kind="slider", fmt="localized"),
    Lever("crm_enabled", "crm_system.enabled", "dashboard.lever_crm", 0, 1, 1, kind="toggle"),
    Lever("competition", "competition.intensity", "lever.competition", 0.0, 100.0, 5.0,
          scale=100.0, kind="slider", fmt="%.0f %%"),
    Lever("service_quality", "satisfaction.service_quality", "lever.service_quality", 1.0, 5.0,
          0.05, kind="slider", fmt="%.2f"),
    Lever("satisfaction_spread", "satisfaction.spread", "lever.satisfaction_spread", 0.0, 2.0,
          0.05, kind="slider", fmt="%.2f"),
    Lever("programme_kind", "programmes", "lever.programme_kind", 0, 0, 0, kind="choice",
          choices=("none", *PROGRAMME_KINDS), getter=_running_programme, setter=_run_only),
    Lever("programme_spend", "programmes", "lever.programme_spend", 0.0, 300.0, 10.0,
          kind="slider", fmt="%.0f %%", getter=_programme_spend, setter=_set_programme_spend),
    *(Lever(f"prog_{kind}", f"programmes.{kind}.enabled", f"programme.{kind}", 0, 1, 1,
            kind="toggle") for kind in PROGRAMME_KINDS),
)
_BY_KEY = {lv.key: lv for lv in LEVERS}

def lever(key: str) -> Lever:
    """The lever with widget key ``key``."""
    return _BY_KEY[key]


LEVER_VALUES = "lever_values"
"""Session key of ``{lever key: display value}``: the levers' values, kept apart from the
widgets' own state (which Streamlit drops on pages that do not draw the widget)."""


def lever_values() -> dict[str, Any]:
    """The current display value of every lever (``{key: value}``)."""
    return st.session_state.setdefault(LEVER_VALUES, {})


def _clamp(lv: Lever, value: Any) -> Any:
    if lv.kind == "toggle":
        return bool(value)
    if lv.kind == "choice":
        return value if value in lv.choices else lv.choices[0]
    return min(max(value, lv.minimum), lv.maximum)


def reset_levers(scenario: Scenario) -> None:
    """Put ``scenario``'s values into every lever (called when a scenario is loaded)."""
    st.session_state[LEVER_VALUES] = {lv.key: _clamp(lv, lv.read(scenario)) for lv in LEVERS}
    for lv in LEVERS:
        st.session_state.pop(lv.key, None)     # the widget re-initialises from the value


def set_lever_value(key: str, value: Any) -> None:
    """Set one lever programmatically (e.g. from a shared link), clamped to its range."""
    lv = _BY_KEY[key]
    lever_values()[key] = _clamp(lv, value)
    st.session_state.pop(key, None)


def apply_levers(base: Scenario) -> Scenario:
    """``base`` with every lever whose value differs from it applied."""
    scenario = base
    values = lever_values()
    for lv in LEVERS:
        if lv.key in values and values[lv.key] != lv.read(base):
            scenario = lv.write(scenario, values[lv.key])
    return scenario


def _sync_programme_levers(key: str) -> None:
    """Keep the dashboard's programme selector and the per-programme toggles in agreement."""
    values = lever_values()
    if key == "programme_kind":
        for kind in PROGRAMME_KINDS:
            values[f"prog_{kind}"] = values[key] == kind
            st.session_state.pop(f"prog_{kind}", None)
    elif key.startswith("prog_"):
        values["programme_kind"] = next((k for k in PROGRAMME_KINDS if values.get(f"prog_{k}")),
                                        "none")
        st.session_state.pop("programme_kind", None)


def _remember(key: str, rerun: tuple[str, ...]) -> None:
    lever_values()[key] = st.session_state[key]
    _sync_programme_levers(key)
    if rerun:
        try:
            st.rerun(list(rerun))
        except StreamlitAPIException:
            pass        # a fragment has not rendered (e.g. no sidebar): rerun the whole app


def render_lever(key: str, container: Any = st, rerun: tuple[str, ...] = ()) -> Any:
    """Draw the widget of lever ``key``, showing and updating its stored value.

    Args:
        key: the lever's key.
        container: where to draw it (a column, an expander…).
        rerun: keys of the fragments to rerun when it changes (the page's fragment and
            the sidebar status); empty: Streamlit's default rerun.
    """
    lv = _BY_KEY[key]
    label = t(lv.label_key)
    help_text = t(lv.label_key + "_help")
    stored = lever_values().get(key)
    callback = dict(key=lv.key, help=help_text, on_change=_remember, args=(key, rerun))
    if lv.kind == "toggle":
        return container.toggle(label, value=bool(stored), **callback)
    if lv.kind == "choice":
        options = list(lv.choices)
        return container.selectbox(label, options, index=options.index(stored)
                                   if stored in options else 0,
                                   format_func=lambda c: t(f"{lv.label_key}_{c}"), **callback)
    common = dict(min_value=lv.minimum, max_value=lv.maximum, step=lv.step, format=lv.fmt,
                  **callback)
    if stored is not None:
        common["value"] = stored
    if lv.kind == "slider":
        return container.slider(label, **common)
    return container.number_input(label, **common)
