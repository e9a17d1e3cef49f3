"""Presentation of the Optimise page: the equity test's inputs bound to the scenario, the
cached optimiser with its progress bar, apply and undo, and the tables' text.

The equity test's inputs are the current scenario's ``[equity_test]`` fields: each widget
is drawn from the scenario on every run and writes back into it (validated as a file is,
so a refused value leaves the scenario as it was and says why). "Apply" makes an optimum
the current scenario's levers and keeps the scenario before it for "Undo" (session state
holds scenarios, which are parameters; results live in the bounded cache).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from sim.equity_test import EquityTest, EquityTestResult
from sim.optimise import OptimiseResult, Plan, optimise, programme_spend_per_customer
from sim.programmes import PROGRAMME_KINDS
from sim.scenario import Scenario, spec_at
from sim.schema import Issue, ScenarioError
from ui import state
from ui.i18n import (
    fmt_money,
    fmt_money_short,
    fmt_number,
    fmt_pct,
    issue_text,
    local_text,
    t,
)
from ui.kpi_format import run_problem_text
from ui.levers import apply_edit
from ui.text import md_text

__all__ = ["EQUITY_INPUTS", "EquityInput", "render_equity_inputs", "equity_problems",
           "equity_issue_text", "add_equity_section", "remove_equity_section",
           "cached_optimise", "REQUEST_KEY", "UNDO_KEY", "request", "set_request",
           "apply_scenario", "undo", "undo_pending", "equity_optimum_section",
           "portfolio_label", "lever_table", "portfolio_frame", "reference_text", "note_text",
           "equity_table", "money", "short_number", "plan_cell", "apply_equity", "SurfaceAxes",
           "surface_axes",
           "optimise_problem_text"]

REQUEST_KEY = "optimise_request"
"""Session key of the last search asked for: ``(scenario, budget or None)``."""
UNDO_KEY = "optimise_undo"
"""Session key of ``(scenario before the last Apply, what was applied)``."""
_ERROR_KEY = "optimise_input_error"


@dataclass(frozen=True)
class EquityInput:
    """One input of the equity test: widget key, field, display scale (100: a fraction
    shown as %), widget step and format."""

    key: str
    field: str
    scale: float
    step: float
    fmt: str

    @property
    def path(self) -> str:
        """The scenario field path."""
        return f"equity_test.{self.field}"

    def limits(self) -> tuple[float, float]:
        """The schema's range in display units (no valid value is clamped)."""
        fs = spec_at(self.path)
        assert fs.minimum is not None and fs.maximum is not None
        return float(fs.minimum) * self.scale, float(fs.maximum) * self.scale


EQUITY_INPUTS: tuple[EquityInput, ...] = (
    EquityInput("eq_margin", "margin", 1.0, 1.0, "%.2f"),
    EquityInput("eq_discount_rate", "discount_rate", 100.0, 0.5, "%.2f"),
    EquityInput("eq_acquisition_ceiling", "acquisition_ceiling", 100.0, 1.0, "%.2f"),
    EquityInput("eq_acquisition_spend", "acquisition_spend", 1.0, 1.0, "%.2f"),
    EquityInput("eq_acquisition_rate", "acquisition_rate", 100.0, 1.0, "%.2f"),
    EquityInput("eq_retention_ceiling", "retention_ceiling", 100.0, 1.0, "%.2f"),
    EquityInput("eq_retention_spend", "retention_spend", 1.0, 1.0, "%.2f"),
    EquityInput("eq_retention_rate", "retention_rate", 100.0, 1.0, "%.2f"),
)
_BY_KEY = {i.key: i for i in EQUITY_INPUTS}


def equity_issue_text(issue: Issue) -> str:
    """A problem of the equity test in the current language: its own rules (a rate of 0,
    a ceiling not above the rate, no spend, no margin) by field, others as validation."""
    field = issue.path.rsplit(".", 1)[-1]
    if issue.path.startswith("equity_test.") and issue.code == "rule":
        kind = ("rate" if field.endswith("_rate") else "ceiling" if field.endswith("_ceiling")
                else "spend" if field.endswith("_spend") else field)
        key = f"optimise.rule_{kind}"
        if kind in ("rate", "ceiling", "spend", "margin"):
            return t(key, field=t(f"optimise.field_{field}"))
    return issue_text(issue)


def equity_problems(problems: list[Issue]) -> str:
    """Several problems, one sentence each."""
    return " ".join(equity_issue_text(i) for i in problems)


def _on_equity_change(key: str) -> None:
    entry = _BY_KEY[key]
    current = state.current_scenario()
    section = current.equity_test or EquityTest()
    value = float(st.session_state[key]) / entry.scale
    edited = dataclasses.replace(current, equity_test=dataclasses.replace(
        section, **{entry.field: value}))
    problem = _apply(edited)
    st.session_state[_ERROR_KEY] = (key, problem) if problem else None


def _apply(edited: Scenario) -> str | None:
    """Make ``edited`` current if valid; the problems in the current language if not."""
    try:
        state.set_current(state.validated(edited))
    except ScenarioError as exc:             # shown; nothing changes
        return equity_problems(list(exc.issues))
    return None


def render_equity_inputs(section: EquityTest) -> None:
    """The eight inputs of ``section`` (the current scenario's), in three columns."""
    columns = st.columns(3)
    groups = ((EQUITY_INPUTS[0], EQUITY_INPUTS[1]), EQUITY_INPUTS[2:5], EQUITY_INPUTS[5:])
    for col, group in zip(columns, groups, strict=True):
        for entry in group:
            st.session_state[entry.key] = float(round(getattr(section, entry.field)
                                                      * entry.scale, 10))
            low, high = entry.limits()
            col.number_input(t(f"optimise.field_{entry.field}"), min_value=low,
                             max_value=high, step=entry.step, format=entry.fmt, key=entry.key,
                             help=t(f"optimise.field_{entry.field}_help"),
                             on_change=_on_equity_change, args=(entry.key,))
    error = st.session_state.get(_ERROR_KEY)
    if error:
        st.error(error[1], icon=":material/error:")


def add_equity_section() -> None:
    """Callback: give the current scenario the example ``[equity_test]`` section."""
    _apply(dataclasses.replace(state.current_scenario(), equity_test=EquityTest()))


def remove_equity_section() -> None:
    """Callback: drop the current scenario's ``[equity_test]`` section."""
    st.session_state[_ERROR_KEY] = None
    _apply(dataclasses.replace(state.current_scenario(), equity_test=None))


def equity_optimum_section(result: EquityTestResult) -> EquityTest | None:
    """The section with the optimum as its observed plan (same curves: the optimum lies on
    them), or None at a corner (a rate of 0 cannot be an observed point)."""
    if not (result.interior_acquisition and result.interior_retention):
        return None
    o = result.optimum
    return dataclasses.replace(result.test, acquisition_spend=o.acquisition_spend,
                               acquisition_rate=o.acquisition_rate,
                               retention_spend=o.retention_spend,
                               retention_rate=o.retention_rate)


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=state.BY_CONTENT)
def cached_optimise(scenario: Scenario, budget: float | None) -> OptimiseResult:
    """:func:`sim.optimise.optimise` with a progress bar, cached on the scenario's content
    and the budget (8 entries). The bar is drawn and emptied inside, so a cache hit replays
    an empty element."""
    bar = st.progress(0.0, text=t("optimise.stage_screen"))

    def report(fraction: float, stage: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"optimise.stage_{stage}"))

    found = optimise(scenario, budget, progress=report)
    bar.empty()
    return found


def request() -> tuple[Scenario, float | None] | None:
    """The last search asked for in this session."""
    return st.session_state.get(REQUEST_KEY)


def set_request(scenario: Scenario, budget: float | None) -> None:
    """Remember a search (the result itself stays in the cache)."""
    st.session_state[REQUEST_KEY] = (scenario, budget)


def apply_scenario(edited: Scenario, what: str) -> str | None:
    """Make ``edited`` current (validated), keeping the current one for :func:`undo`;
    the problems if it is refused."""
    before = state.current_scenario()
    problem = apply_edit(edited)
    if problem is None:
        st.session_state[UNDO_KEY] = (before, what)
    return problem


def apply_equity(section: EquityTest | None) -> None:
    """Callback: the current scenario with ``section`` as its ``[equity_test]`` (undoable)."""
    if section is not None:
        apply_scenario(dataclasses.replace(state.current_scenario(), equity_test=section),
                       "equity")


def optimise_problem_text(exc: ScenarioError) -> str:
    """Why the optimiser did not run: a bad budget (named), or what
    :func:`ui.kpi_format.run_problem_text` says (work budget, baseline)."""
    if exc.issues and exc.issues[0].path == "budget":
        return t("optimise.bad_budget", problems="; ".join(issue_text(i) for i in exc.issues))
    return run_problem_text(exc)


def undo_pending() -> str | None:
    """What the last Apply applied (``model`` or ``equity``), if it can be undone."""
    held = st.session_state.get(UNDO_KEY)
    return None if held is None else held[1]


def undo() -> None:
    """Restore the scenario from before the last Apply."""
    held = st.session_state.pop(UNDO_KEY, None)
    if held is not None:
        state.set_current(held[0])


def money(value: float | None, currency: str) -> str:
    """Large money for reading (``USD 16.2 M``)."""
    return fmt_money_short(value, currency)


def short_number(value: float | None) -> str:
    """Large money without its currency code, in the language's units (``16.2 M``)."""
    return fmt_money_short(value, "").strip()


def portfolio_label(kinds: tuple[str, ...]) -> str:
    """A portfolio's short name: ``Points + Affinity`` or ``No programme``."""
    return " + ".join(t(f"optimise.short_{k}") for k in kinds) or t("optimise.no_programme")


def plan_cell(plan: Plan | None, kind: str) -> str:
    """One programme's cell of a plan column: off, or on with its enrolment."""
    if plan is None:
        return ""
    shares = dict(plan.enrolment)
    if kind not in shares:
        return t("optimise.off")
    return t("optimise.on_enrolled", share=fmt_pct(shares[kind], 1))


def lever_table(result: OptimiseResult) -> pd.DataFrame:
    """Levers, NPV gain and spend of the loaded plan, the optimum and the runner-up."""
    cur = result.scenario.currency
    columns = {t("optimise.col_current"): result.current,
               t("optimise.col_optimum"): result.optimum,
               t("optimise.col_runner_up"): result.runner_up}
    rows: list[dict[str, Any]] = []
    if result.budget_lever:
        rows.append({t("optimise.col_lever"): t("optimise.row_budget"),
                     **{name: "" if c is None else fmt_money(c.plan.budget_per_year, cur, 0)
                        for name, c in columns.items()}})
    if result.current.plan.retention_spend is not None:
        rows.append({t("optimise.col_lever"): t("retention_spend.lever"),
                     **{name: "" if c is None or c.plan.retention_spend is None
                        else fmt_money(c.plan.retention_spend, cur, 2)
                        for name, c in columns.items()}})
    if len(result.portfolios_searched) > 1:
        for kind in PROGRAMME_KINDS:
            rows.append({t("optimise.col_lever"): t(f"programme.{kind}"),
                         **{name: plan_cell(None if c is None else c.plan, kind)
                            for name, c in columns.items()}})
    rows.append({t("optimise.col_lever"): t("optimise.row_gain"),
                 **{name: "" if c is None else fmt_money(c.npv_gain, cur, 0)
                    for name, c in columns.items()}})
    rows.append({t("optimise.col_lever"): t("optimise.row_spend"),
                 **{name: "" if c is None or c.spend_per_year is None
                    else fmt_money(c.spend_per_year, cur, 0) for name, c in columns.items()}})
    return pd.DataFrame(rows)


def portfolio_frame(result: OptimiseResult, top: int = 12) -> pd.DataFrame:
    """The best NPV gain of the ``top`` best portfolios (translated names and kinds)."""
    rows = []
    for c in result.best_by_portfolio[:top]:
        kind = ("optimum" if c.plan.programmes == result.optimum.plan.programmes else
                "runner_up" if result.runner_up is not None
                and c.plan.programmes == result.runner_up.plan.programmes else "other")
        rows.append({"portfolio": portfolio_label(c.plan.programmes),
                     "npv_gain": c.npv_gain, "kind": t(f"optimise.bar_{kind}")})
    return pd.DataFrame(rows, columns=["portfolio", "npv_gain", "kind"])


def reference_text(result: OptimiseResult) -> str:
    """What every gain of ``result`` is measured against, in the current language."""
    kind = result.scenario.baseline.kind
    return t(f"optimise.reference_{kind}", preset=md_text(local_text(result.reference.name)))


def note_text(code: str) -> str:
    """One of :attr:`sim.optimise.OptimiseResult.notes` in the current language."""
    name, _, kind = code.partition(":")
    if kind:
        return t(f"optimise.note_{name}", programme=t(f"programme.{kind}"))
    return t(f"optimise.note_{name}")


def equity_table(result: EquityTestResult, currency: str) -> pd.DataFrame:
    """The observed plan beside the optimum, for reading (currency and percentages)."""
    c, o = result.current, result.optimum

    def cash(value: float | None) -> str:
        return fmt_money(value, currency) if value is not None else t("optimise.undefined")

    def ratio(value: float | None) -> str:
        return (t("optimise.times", value=fmt_number(value, 2)) if value is not None
                else t("optimise.undefined"))

    rows = [("eq_row_a_spend", cash(c.acquisition_spend), cash(o.acquisition_spend)),
            ("eq_row_a_rate", fmt_pct(c.acquisition_rate), fmt_pct(o.acquisition_rate)),
            ("eq_row_r_spend", cash(c.retention_spend), cash(o.retention_spend)),
            ("eq_row_r_rate", fmt_pct(c.retention_rate), fmt_pct(o.retention_rate)),
            ("eq_row_value", cash(c.customer_value), cash(o.customer_value)),
            ("eq_row_equity", cash(c.equity_per_prospect), cash(o.equity_per_prospect)),
            ("eq_row_avg_a", cash(c.average_acquisition_cost), cash(o.average_acquisition_cost)),
            ("eq_row_avg_r", cash(c.average_retention_cost), cash(o.average_retention_cost)),
            ("eq_row_ratio", ratio(c.average_cost_ratio), ratio(o.average_cost_ratio))]
    return pd.DataFrame({t("optimise.col_quantity"): [t(f"optimise.{r[0]}") for r in rows],
                         t("optimise.col_observed"): [r[1] for r in rows],
                         t("optimise.col_optimum"): [r[2] for r in rows]})


@dataclass(frozen=True)
class SurfaceAxes:
    """The y axis of the optimiser's NPV surface and where the two plans sit on it.

    Attributes:
        column: the surface column on the y axis (``retention_spend`` with the retention
            lever, else ``spend_per_customer`` when the programmes' nominal spend per
            customer rises with the enrolment scale, else ``scale``).
        title: its axis title (current language).
        optimum, current: the y of the optimum and of the loaded plan.
        current_on_surface: the loaded plan runs what the surface holds fixed.
    """

    column: str
    title: str
    optimum: float
    current: float
    current_on_surface: bool


def surface_axes(result: OptimiseResult, asked: Scenario) -> SurfaceAxes:
    """The y axis of :attr:`OptimiseResult.surface` for ``result`` (``asked``: the
    scenario the optimiser was given)."""
    currency, surface = result.scenario.currency, result.surface
    o, now = result.optimum.plan, result.current.plan
    if o.retention_spend is not None and now.retention_spend is not None:
        return SurfaceAxes("retention_spend", t("retention_spend.axis", currency=currency),
                           o.retention_spend, now.retention_spend,
                           now.programmes == o.programmes)
    spend = surface.drop_duplicates("scale").sort_values("scale")["spend_per_customer"]
    by_spend = bool(spend.is_monotonic_increasing and spend.nunique() == len(spend))
    column = "spend_per_customer" if by_spend else "scale"
    title = (t("optimise.axis_programme_spend", currency=currency) if by_spend
             else t("optimise.axis_scale"))
    y_opt = float(surface.loc[(surface["scale"] - 1.0).abs().idxmin(), column])
    y_cur = (programme_spend_per_customer(asked) if by_spend
             else 1.0 if now.programmes else 0.0)
    return SurfaceAxes(column, title, y_opt, y_cur, now.programmes in (o.programmes, ()))
