"""Levers: widgets bound to scenario fields, shared by every page.

A lever maps one widget key to one scenario field (dotted path) with a display
scale (fractions are shown as percentages). The widget's value lives in
``st.session_state[key]``; :func:`apply_levers` builds the edited scenario
from the loaded one, :func:`reset_levers` puts a scenario's values back into the
widgets (when a scenario is loaded). Ranges are those of the scenario schema,
narrowed where a slider needs a practical span.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from sim.scenario import Acquisition, Scenario, get_path, replace_path
from ui.i18n import t

__all__ = ["Lever", "LEVERS", "lever", "reset_levers", "apply_levers", "render_lever",
           "keep_lever_state"]


@dataclass(frozen=True)
class Lever:
    """One widget bound to a scenario field.

    Attributes:
        key: stable widget key (also the URL query-parameter name where shared).
        path: dotted scenario field path.
        label_key: catalog key of the label; ``<label_key>_help`` is its help text.
        minimum, maximum, step: widget range in *display* units.
        scale: display value = field value × scale (100 for fractions shown as %).
        kind: ``slider`` or ``number``.
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
    getter: Callable[[Scenario], float] | None = None
    setter: Callable[[Scenario, float], Scenario] | None = None

    def read(self, scenario: Scenario) -> float:
        """Display value of this lever in ``scenario``."""
        raw = self.getter(scenario) if self.getter else get_path(scenario, self.path)
        value = raw * self.scale
        return int(round(value)) if isinstance(self.step, int) else float(round(value, 10))

    def write(self, scenario: Scenario, display_value: float) -> Scenario:
        """Scenario with this lever set to ``display_value`` (clamped to its range)."""
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
    per_year = s.acquisition.new_per_year(s.horizon_years)
    return sum(1 for v in per_year if v > 0)


def _set_acquisition_years(s: Scenario, years: float) -> Scenario:
    if int(years) == _acquisition_years(s):
        return s
    per_year = s.acquisition.new_per_year(s.horizon_years)
    first = next((v for v in per_year if v > 0), s.acquisition.constant)
    return replace_path(s, "acquisition", Acquisition(mode="constant", constant=first,
                                                      years=int(years)))


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
)
_BY_KEY = {lv.key: lv for lv in LEVERS}

def lever(key: str) -> Lever:
    """The lever with widget key ``key``."""
    return _BY_KEY[key]


def reset_levers(scenario: Scenario) -> None:
    """Put ``scenario``'s values into every lever widget (called when a scenario is loaded)."""
    for lv in LEVERS:
        st.session_state[lv.key] = min(max(lv.read(scenario), lv.minimum), lv.maximum)


def keep_lever_state() -> None:
    """Keep lever values when a page that does not show them runs (Streamlit drops the
    state of widgets that are not rendered; re-assigning it keeps it)."""
    for lv in LEVERS:
        if lv.key in st.session_state:
            st.session_state[lv.key] = st.session_state[lv.key]


def apply_levers(base: Scenario) -> Scenario:
    """``base`` with every lever whose widget value differs from it applied."""
    scenario = base
    for lv in LEVERS:
        if lv.key in st.session_state and st.session_state[lv.key] != lv.read(base):
            scenario = lv.write(scenario, st.session_state[lv.key])
    return scenario


def render_lever(key: str, container: Any = st, on_change: Callable[[], None] | None = None) -> Any:
    """Draw the widget of lever ``key`` (its value comes from session state)."""
    lv = _BY_KEY[key]
    label = t(lv.label_key)
    help_text = t(lv.label_key + "_help")
    common = dict(min_value=lv.minimum, max_value=lv.maximum, step=lv.step, key=lv.key,
                  help=help_text, format=lv.fmt, on_change=on_change)
    if lv.kind == "slider":
        return container.slider(label, **common)
    return container.number_input(label, **common)
