"""Levers: widgets that show and edit one field of the current scenario, shared by every page.

The current scenario (``ui.state``) is the only place a lever's value lives. A
widget is drawn from it on every run (so after a scenario is picked, uploaded,
opened from a link or reset, every widget shows that scenario's value) and its
``on_change`` callback writes the new value back into it. A lever's range is the
schema's allowed range in display units, so no valid value is ever clamped:
what a file says is what the widgets show and what the pages run, download and
save. A lever that cannot act on the scenario (e.g. competition with table
retention) is drawn disabled with the reason (:mod:`sim.applicability`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st
from streamlit.errors import StreamlitAPIException

from sim.applicability import RUNNING_PROGRAMME_COST, inactive_reason
from sim.edits import (
    acquisition_years,
    programme_spend_bounds,
    programme_spend_percent,
    running_programme,
    with_acquisition_years,
    with_only_programme,
    with_programme_spend_percent,
)
from sim.programmes import PROGRAMME_KINDS
from sim.scenario import Baseline, Scenario, get_path, replace_path, spec_at
from sim.schema import ScenarioError
from ui import state
from ui.i18n import issue_text, t, widget_format

__all__ = ["Lever", "LEVERS", "Reruns", "lever", "render_lever", "edit_lever", "BASELINE_KEY",
           "baseline_code", "with_baseline_code", "render_baseline_picker", "apply_edit"]

LeverKind = Literal["slider", "number", "toggle", "choice"]


@dataclass(frozen=True)
class Lever:
    """One widget bound to a scenario field.

    Attributes:
        key: stable widget key (also the URL query-parameter name where shared).
        path: dotted scenario field path (its schema spec gives the range).
        label_key: catalog key of the label; ``<label_key>_help`` is its help text.
        kind: ``slider`` or ``number`` (numeric), ``toggle`` (a boolean field) or
            ``choice`` (a selectbox over ``choices``, labels ``<label_key>_<choice>``).
        step: widget step in display units (an ``int`` step makes an integer lever).
        scale: display value = field value × scale (100 for fractions shown as %).
        fmt: printf-style display format of the widget.
        getter, setter: custom mapping for levers that are not one field.
        bounds: display range of a custom lever (default: the schema range × scale).
        rule_path: field path whose applicability decides if the lever can act
            (default ``path``).
    """

    key: str
    path: str
    label_key: str
    kind: LeverKind
    step: float = 1.0
    scale: float = 1.0
    fmt: str = "%.2f"
    getter: Callable[[Scenario], Any] | None = None
    setter: Callable[[Scenario, Any], Scenario] | None = None
    choices: tuple[str, ...] = ()
    bounds: Callable[[Scenario], tuple[float, float]] | None = None
    rule_path: str | None = None

    @property
    def integer(self) -> bool:
        """True when the lever takes whole numbers."""
        return isinstance(self.step, int)

    def read(self, scenario: Scenario) -> Any:
        """Display value of this lever in ``scenario``."""
        raw = self.getter(scenario) if self.getter else get_path(scenario, self.path)
        if self.kind == "toggle":
            return bool(raw)
        if self.kind == "choice":
            return raw
        value = raw * self.scale
        return int(round(value)) if self.integer else float(round(value, 10))

    def limits(self, scenario: Scenario) -> tuple[float, float]:
        """Allowed display range in ``scenario`` (the schema's range × ``scale``)."""
        if self.bounds is not None:
            low, high = self.bounds(scenario)
        else:
            fs = spec_at(self.path)
            low, high = fs.minimum * self.scale, fs.maximum * self.scale
        return (int(low), int(high)) if self.integer else (float(low), float(high))

    def allows(self, scenario: Scenario, display_value: Any) -> bool:
        """True when ``display_value`` is one this lever can take in ``scenario``."""
        if self.kind == "choice":
            return display_value in self.choices
        if self.kind == "toggle":
            return isinstance(display_value, bool)
        low, high = self.limits(scenario)
        return low <= display_value <= high

    def write(self, scenario: Scenario, display_value: Any) -> Scenario:
        """Scenario with this lever set to ``display_value`` (display units, never clamped).

        Raises:
            ValueError: the value is outside :meth:`limits` (widgets cannot send one).
        """
        if not self.allows(scenario, display_value):
            raise ValueError(f"{self.key}: {display_value!r} is outside {self.limits(scenario)}")
        if self.kind == "toggle":
            return replace_path(scenario, self.path, bool(display_value))
        if self.setter:
            return self.setter(scenario, display_value)
        if self.kind == "choice":
            return replace_path(scenario, self.path, display_value)
        raw = display_value / self.scale
        current = get_path(scenario, self.path)
        raw = int(round(raw)) if isinstance(current, int) else float(raw)
        return replace_path(scenario, self.path, raw)

    def inactive_reason(self, scenario: Scenario) -> str | None:
        """Why this lever cannot act on ``scenario`` (a :mod:`sim.applicability` code)."""
        return inactive_reason(scenario, self.rule_path or self.path)


def _money(key: str, path: str, label_key: str | None = None, step: float = 0.1,
           fmt: str = "%.2f") -> Lever:
    return Lever(key, path, label_key or f"lever.{key}", "number", step, fmt=fmt)


LEVERS: tuple[Lever, ...] = (
    _money("first_year_price", "pricing.first_year_price"),
    _money("renewal_price", "pricing.renewal_price"),
    _money("variable_cost", "pricing.variable_cost"),
    _money("acquisition_cost", "pricing.acquisition_cost"),
    Lever("discount_rate", "finance.discount_rate", "lever.discount_rate", "slider", 0.5,
          scale=100.0, fmt="%.1f %%"),
    Lever("uplift", "retention.uplift_points", "lever.uplift", "slider", 0.5, fmt="%+.1f"),
    Lever("horizon", "horizon_years", "lever.horizon", "slider", 1, fmt="%d"),
    Lever("acq_years", "acquisition.years", "lever.acq_years", "number", 1, fmt="%d",
          getter=acquisition_years, setter=with_acquisition_years),
    _money("acq_budget", "acquisition.budget_per_year", "dashboard.lever_acq_budget",
           step=50_000.0, fmt="%.0f"),
    _money("retention_spend", "retention_spend.spend", "retention_spend.lever", step=0.5),
    Lever("crm_enabled", "crm_system.enabled", "dashboard.lever_crm", "toggle"),
    Lever("competition", "competition.intensity", "lever.competition", "slider", 5.0,
          scale=100.0, fmt="%.0f %%"),
    Lever("service_quality", "satisfaction.service_quality", "lever.service_quality", "slider",
          0.05, fmt="%.2f"),
    Lever("satisfaction_spread", "satisfaction.spread", "lever.satisfaction_spread", "slider",
          0.05, fmt="%.2f"),
    Lever("programme_kind", "programmes", "lever.programme_kind", "choice",
          choices=("none", *PROGRAMME_KINDS), getter=running_programme, setter=with_only_programme),
    Lever("programme_spend", "programmes", "lever.programme_spend", "number", 10.0,
          fmt="%.0f", getter=programme_spend_percent, setter=with_programme_spend_percent,
          bounds=programme_spend_bounds, rule_path=RUNNING_PROGRAMME_COST),
    *(Lever(f"prog_{kind}", f"programmes.{kind}.enabled", f"programme.{kind}", "toggle")
      for kind in PROGRAMME_KINDS),
)
_BY_KEY = {lv.key: lv for lv in LEVERS}
_ERROR_KEY = "lever_error"


def lever(key: str) -> Lever:
    """The lever with widget key ``key``."""
    return _BY_KEY[key]


def edit_lever(key: str, display_value: Any) -> str | None:
    """Write one lever's value into the current scenario; the problem text if refused.

    The edited scenario is validated as a whole (the same rules as a file), so the
    current scenario is always one that loads, runs and saves.
    """
    lv = _BY_KEY[key]
    try:
        return apply_edit(lv.write(state.current_scenario(), display_value))
    except ValueError as exc:
        return str(exc)


def apply_edit(edited: Scenario) -> str | None:
    """Make ``edited`` current if it is valid; otherwise the problems, and nothing changes."""
    try:
        state.set_current(state.validated(edited))
    except ScenarioError as exc:
        return "; ".join(issue_text(i) for i in exc.issues)
    return None


@dataclass(frozen=True)
class Reruns:
    """The fragments a lever move reruns.

    Attributes:
        page: the page's fragment of results (KPIs, charts, tables).
        status: the sidebar's status fragment, rerun only when the move flips the
            scenario between "as loaded" and "edited" (None: no sidebar).
        panel: the fragment holding the page's lever panel, or None when the levers sit
            in ``page``. A move then reruns ``page`` alone: the widget already shows its
            new value, so the panel is redrawn only when its look changes (a refusal to
            show or clear, another lever's value, range or availability, a value the
            scenario stores differently). Redrawing a dozen unchanged widgets cost the
            browser more than the results they sit above.
        panel_levers: the keys of the levers in ``panel``.
    """

    page: str
    status: str | None = None
    panel: str | None = None
    panel_levers: tuple[str, ...] = ()


def _panel_look(scenario: Scenario, keys: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    """What the panel's widgets show for ``scenario``: each lever's value, range and
    availability (a change of any of them needs the panel redrawn)."""
    look: dict[str, tuple[Any, ...]] = {}
    for key in keys:
        lv = _BY_KEY[key]
        numeric = lv.kind in ("slider", "number")
        look[key] = (lv.read(scenario), lv.limits(scenario) if numeric else None,
                     lv.inactive_reason(scenario))
    return look


def _panel_changed(reruns: Reruns, before: dict[str, tuple[Any, ...]], moved: str | None,
                   had_error: bool, problem: str | None) -> bool:
    """True when the move changed something the lever panel shows other than the moved
    widget's own new value (which the browser already shows)."""
    if problem or had_error:
        return True
    after = _panel_look(state.current_scenario(), reruns.panel_levers)
    for key, (value, limits, reason) in after.items():
        old_value, old_limits, old_reason = before[key]
        if limits != old_limits or reason != old_reason:
            return True
        if key == moved:
            if value != st.session_state.get(key):
                return True
        elif value != old_value:
            return True
    return False


def _after_edit(key: str, problem: str | None, reruns: Reruns | None, was_edited: bool,
                before: dict[str, tuple[Any, ...]] | None) -> None:
    """Remember the widget's refusal (shown under it), bring the URL up to date, and
    rerun what changed.

    Without a lever panel the move reruns the widget's own fragment (the page's), which
    starts at once; the sidebar's status fragment is rerun with it only when the edit
    state flips (its download reads the scenario when clicked). With a panel the move
    names the page's fragment (and the panel's or the status's only when they change):
    the keyed rerun replaces the panel's run before that run starts (Streamlit ends it
    as "early for rerun" having drawn nothing, then runs the named fragments).
    """
    from ui.share import sync_url  # ui.share reads the levers: imported when used

    had_error = st.session_state.get(_ERROR_KEY) is not None
    st.session_state[_ERROR_KEY] = (key, problem) if problem else None
    sync_url()
    if reruns is None:
        return
    flipped = state.is_edited() != was_edited
    targets = [reruns.page] if reruns.panel or flipped else []
    if flipped and reruns.status:
        targets.append(reruns.status)
    moved = key if key in reruns.panel_levers else None
    if reruns.panel and before is not None and \
            _panel_changed(reruns, before, moved, had_error, problem):
        targets.append(reruns.panel)
    if not targets:
        return
    try:
        st.rerun(targets)
    except StreamlitAPIException:
        # a fragment has not rendered (e.g. no sidebar): rerun the whole app
        st.rerun()


def _show_error(key: str, container: Any) -> None:
    """The refusal of the last edit of widget ``key``, if any, under it."""
    error = st.session_state.get(_ERROR_KEY)
    if error and error[0] == key:
        container.error(error[1], icon=":material/error:")


def _before_edit(reruns: Reruns | None) -> tuple[bool, dict[str, tuple[Any, ...]] | None]:
    """The edit state and the panel's look before a move (see :func:`_after_edit`)."""
    before = (_panel_look(state.current_scenario(), reruns.panel_levers)
              if reruns is not None and reruns.panel else None)
    return state.is_edited(), before


def _on_change(key: str, reruns: Reruns | None) -> None:
    was_edited, before = _before_edit(reruns)
    _after_edit(key, edit_lever(key, st.session_state[key]), reruns, was_edited, before)


def _show_widget_value(lv: Lever, value: Any) -> None:
    """Make the widget show ``value`` (before it is drawn in this run).

    Always written, never "only if different": a widget's id includes its page, so the
    key may still answer with the value of the same lever on the page the user came
    from while this page's widget has no state yet (it would start at its minimum).
    """
    st.session_state[lv.key] = value


def render_lever(key: str, container: Any = st, rerun: Reruns | None = None) -> Any:
    """Draw the widget of lever ``key`` showing the current scenario's value.

    Args:
        key: the lever's key.
        container: where to draw it (a column, an expander…).
        rerun: the fragments a move reruns (:class:`Reruns`); None: Streamlit's default
            rerun.
    """
    lv = _BY_KEY[key]
    scenario = state.current_scenario()
    value = lv.read(scenario)
    _show_widget_value(lv, value)
    reason = lv.inactive_reason(scenario)
    label = t(lv.label_key)
    common: dict[str, Any] = dict(key=lv.key, help=t(lv.label_key + "_help"),
                                  on_change=_on_change, args=(key, rerun),
                                  disabled=reason is not None)
    if lv.kind == "toggle":
        widget = container.toggle(label, **common)
    elif lv.kind == "choice":
        widget = container.selectbox(label, list(lv.choices),
                                     format_func=lambda c: t(f"{lv.label_key}_{c}"), **common)
    else:
        low, high = lv.limits(scenario)
        step = lv.step if lv.integer else float(lv.step)
        draw = container.slider if lv.kind == "slider" else container.number_input
        widget = draw(label, min_value=low, max_value=high, step=step, format=widget_format(lv.fmt),
                      **common)
    if reason is not None:
        container.caption(t(f"lever_off.{reason}"))
    _show_error(key, container)
    return widget


BASELINE_KEY = "baseline_choice"
"""Widget key of the "measured against" selector (the scenario's ``[baseline]``)."""


def baseline_code(scenario: Scenario) -> str:
    """The selector's code of the scenario's baseline: ``no_programme``, ``as_is`` or
    ``preset:<file id>``."""
    b = scenario.baseline
    return f"preset:{b.preset}" if b.kind == "preset" else b.kind


def with_baseline_code(scenario: Scenario, code: str) -> Scenario:
    """``scenario`` measured against the baseline ``code`` (see :func:`baseline_code`)."""
    kind, _, preset = code.partition(":")
    return replace_path(scenario, "baseline", Baseline(kind=kind, preset=preset))


def _baseline_label(code: str, names: dict[str, str]) -> str:
    kind, _, preset = code.partition(":")
    if kind != "preset":
        return t(f"baseline_pick.{kind}")
    loaded = t("baseline_pick.as_loaded") if preset == state.loaded_preset() else ""
    return t("baseline_pick.preset", name=names.get(preset, preset)) + loaded


def _on_baseline(reruns: Reruns | None) -> None:
    was_edited, before = _before_edit(reruns)
    edited = with_baseline_code(state.current_scenario(), st.session_state[BASELINE_KEY])
    _after_edit(BASELINE_KEY, apply_edit(edited), reruns, was_edited, before)


def render_baseline_picker(container: Any = st, rerun: Reruns | None = None) -> Any:
    """The "measured against" selector: the scenario's own ``[baseline]``, so what the
    page compares against travels with the scenario (download, save, CLI)."""
    scenario = state.current_scenario()
    names = state.preset_options()
    options = ["no_programme", *(f"preset:{pid}" for pid in names)]
    code = baseline_code(scenario)
    if code not in options:
        options.append(code)
    st.session_state[BASELINE_KEY] = code
    labels = {option: _baseline_label(option, names) for option in options}
    widget = container.selectbox(t("baseline_pick.label"), options, key=BASELINE_KEY,
                                 format_func=labels.__getitem__,
                                 help=t("baseline_pick.help"), on_change=_on_baseline,
                                 args=(rerun,))
    _show_error(BASELINE_KEY, container)
    return widget
