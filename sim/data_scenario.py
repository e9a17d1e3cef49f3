"""A scenario from the user's data: "Use in a scenario" (issue 13, item 4).

What a fit or a log says is written into a copy of a base scenario (the one loaded, by
default) and the copy is validated as a file would be:

* **retention** (:func:`retention_from_fit`, :func:`retention_from_table`): an sBG fit
  becomes the scenario's ``sbg`` model (its α, β); a beta-discrete-Weibull fit becomes a
  ``table`` of its renewal rates by tenure year 1 … horizon (the last one holds after);
  a survivor table without a fit becomes the ``table`` of its pooled renewal rates
  (survivors at age k / survivors at age k−1, over the cohorts observed at age k). The
  uplift is set to 0 (the fit's survival, nothing added), the churn timing stays the
  base's. Retention other than ``satisfaction`` runs no loyalty programme (the schema's
  rule), so the base's programmes are switched off and the baseline is "no programme":
  the fitted scenario is today's business, measured against itself.
* from a **transaction log** (:func:`log_economics`): **acquisition per year** (customers
  by calendar year of their first purchase, year 1 = the log's first year, as a ``list``;
  a last year cut short by the observation date is annualised) and the **revenue per
  customer-year** (a customer's purchases in one tenure year, counted for the years after
  which the customer bought again, i.e. a whole year as a customer): tenure year 1 gives
  the first-year price, later years the renewal price. The variable cost stays the base's
  unless given, so the average margin per customer-year is revenue minus that cost.

Tenure years are counted from each customer's first purchase by the calendar (a purchase
on 2021-03-05 is in tenure year 2 of a customer who first bought on 2020-03-05).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from sim.datafile import SurvivorTable
from sim.lifetime_value import MIN_DISCOUNT, discounted_expected_lifetime
from sim.locale import translate
from sim.retention_fit import RetentionFit
from sim.scenario import Scenario, replace_path, scenario_from_dict, scenario_to_dict
from sim.schema import TEXT_LANGUAGES, BilingualText, Issue, ScenarioError, localized_text
from sim.transactions import TransactionLog

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["LogEconomics", "log_economics", "retention_from_fit", "retention_from_table",
           "pooled_renewal", "pooled_survival", "fit_lifetime", "fit_clv", "fitted_name",
           "unfitted_name", "fitted_names", "fitted_scenario", "MAX_NAME"]

MAX_NAME = 120
"""Longest scenario name (the schema's limit)."""
_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class LogEconomics:
    """What a transaction log says about acquisition and spend.

    Attributes:
        first_year: calendar year of the first purchase in the log.
        acquired_per_year: new customers in each calendar year from ``first_year`` to the
            observation date's year (the last one annualised when cut short).
        last_year_share: the share of its last calendar year the log covers (1: complete).
        first_year_revenue: mean spend of a customer in tenure year 1 (currency per
            customer-year), over the customers who bought again in tenure year 2.
        renewal_revenue: mean spend per customer-year in tenure years 2 on, over the
            customer-years after which the customer bought again; NaN when there is none.
        first_years: customer-years behind ``first_year_revenue``.
        renewal_years: customer-years behind ``renewal_revenue``.
        customers: customers in the log (up to the observation date).
        observation_date: the date the log is read at.
    """

    first_year: int
    acquired_per_year: tuple[float, ...]
    last_year_share: float
    first_year_revenue: float
    renewal_revenue: float
    first_years: int
    renewal_years: int
    customers: int
    observation_date: date

    @property
    def revenue_per_customer_year(self) -> float:
        """Mean spend per whole customer-year, all tenure years (currency)."""
        years = self.first_years + self.renewal_years
        if years == 0:
            return float("nan")
        renewal = 0.0 if self.renewal_years == 0 else self.renewal_revenue * self.renewal_years
        return (self.first_year_revenue * self.first_years + renewal) / years

    def margin_per_customer_year(self, variable_cost: float) -> float:
        """Mean margin per whole customer-year: revenue minus ``variable_cost`` (currency)."""
        return self.revenue_per_customer_year - variable_cost


def _day(value: str | date | datetime | pd.Timestamp) -> int:
    return int(pd.Timestamp(value).normalize().value // _DAY_NS)


def log_economics(log: TransactionLog,
                  as_of: str | date | datetime | pd.Timestamp | None = None) -> LogEconomics:
    """Acquisition per year and spend per customer-year of a log (see the module).

    Args:
        log: the transaction log (:func:`sim.transactions.read_transactions`).
        as_of: observation date (purchases after it are ignored); default: the last purchase.

    Raises:
        ScenarioError: nobody bought again in tenure year 2 and no tenure year 1 is complete
            (path ``date``): the log says nothing of a customer-year's spend.
    """
    codes = log.purchases["customer"].cat.codes.to_numpy(dtype=np.int64)
    days = log.purchases["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    amounts = log.purchases["amount"].to_numpy(dtype=float)
    end = int(days.max()) if as_of is None else _day(as_of)
    keep = days <= end
    codes, days, amounts = codes[keep], days[keep], amounts[keep]
    if len(codes) == 0:
        raise ScenarioError([Issue("as_of", "range", got=str(pd.Timestamp(end * _DAY_NS).date()),
                                   allowed_key=_A + "ds_as_of")])
    # Rows are sorted by customer, then date: each customer's first row is its first purchase.
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    counts = np.diff(np.r_[starts, len(codes)])
    first_day = np.repeat(days[starts], counts)
    as_days = days.astype("datetime64[D]")
    first_dates = first_day.astype("datetime64[D]")
    months = (as_days.astype("datetime64[M]").astype(np.int64)
              - first_dates.astype("datetime64[M]").astype(np.int64))
    day_of_month = (as_days - as_days.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64)
    first_dom = (first_dates - first_dates.astype("datetime64[M]").astype("datetime64[D]")
                 ).astype(np.int64)
    tenure = (months - (day_of_month < first_dom)) // 12                  # 0 = tenure year 1

    # Spend per (customer, tenure year); a customer-year is whole when a later one follows.
    customer = np.repeat(np.arange(len(starts)), counts)
    frame = pd.DataFrame({"customer": customer, "tenure": tenure, "amount": amounts})
    years = frame.groupby(["customer", "tenure"], sort=True)["amount"].sum().reset_index()
    later = years["customer"].shift(-1) == years["customer"]
    whole = years[later.to_numpy(dtype=bool)]
    first_whole = whole[whole["tenure"] == 0]["amount"]
    renew_whole = whole[whole["tenure"] > 0]["amount"]
    if first_whole.empty:
        raise ScenarioError([Issue("date", "rule", allowed_key=_A + "ds_bought_again",
                                   got_key=_F + "ds_nobody")])

    # Acquisition by calendar year of the first purchase.
    first_years = days[starts].astype("datetime64[D]").astype("datetime64[Y]").astype(
        np.int64) + 1970
    last = pd.Timestamp(end * _DAY_NS)
    start_year, end_year = int(first_years.min()), int(last.year)
    per_year = np.bincount(first_years - start_year, minlength=end_year - start_year + 1)
    year_days = 366 if last.is_leap_year else 365
    share = last.day_of_year / year_days
    acquired = per_year.astype(float)
    if share < 1:
        acquired[-1] = acquired[-1] / share
    return LogEconomics(
        first_year=start_year, acquired_per_year=tuple(float(v) for v in acquired),
        last_year_share=float(share), first_year_revenue=float(first_whole.mean()),
        renewal_revenue=float(renew_whole.mean()) if len(renew_whole) else float("nan"),
        first_years=len(first_whole), renewal_years=len(renew_whole), customers=len(starts),
        observation_date=last.date())


def pooled_renewal(table: SurvivorTable) -> np.ndarray:
    """Renewal rate at each age k = 1 … periods: survivors at k / survivors at k−1, summed
    over the cohorts observed at age k (fractions; 0 once nobody is left)."""
    longest = table.periods
    alive, before = np.zeros(longest), np.zeros(longest)
    for counts in table.survivors:
        values = np.asarray(counts, dtype=float)
        n = len(values) - 1
        alive[:n] += values[1:]
        before[:n] += values[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > 0, alive / before, 0.0)


def pooled_survival(table: SurvivorTable) -> np.ndarray:
    """Share of the customers still active at each age k = 0 … periods: survivors at age k
    over the starting customers of the cohorts observed at age k (fractions; 1 at age 0)."""
    alive, start = np.zeros(table.periods + 1), np.zeros(table.periods + 1)
    for counts in table.survivors:
        values = np.asarray(counts, dtype=float)
        alive[:len(values)] += values
        start[:len(values)] += values[0]
    return alive / start


_SERIES_TOL = 1e-12
_SERIES_MAX = 10_000_000


def fit_lifetime(fit: RetentionFit, discount: float) -> float:
    """Discounted expected lifetime (DEL, periods of the fit: the first counts 1) of a new
    customer under the fitted model, over the whole life: Σ_{t≥0} S(t)/(1+d)^t.

    sBG: the closed form (:func:`sim.lifetime_value.discounted_expected_lifetime`);
    beta-discrete-Weibull: the series, summed until the bound on the rest (the last term
    × v/(1−v), S falling) is below 1e-12 of the sum. Without discounting its tail falls as
    t^(−cα): ``inf`` when cα ≤ 1 (no finite lifetime), NaN when the sum is finite but not
    within 1e-12 after 10⁷ periods.

    Raises:
        ValueError: ``discount`` negative or between 0 and
            :data:`sim.lifetime_value.MIN_DISCOUNT`.
    """
    if not (discount == 0 or discount >= MIN_DISCOUNT):
        raise ValueError(f"discount must be 0 or at least {MIN_DISCOUNT}, got {discount}")
    if fit.model == "sbg":
        return discounted_expected_lifetime(fit.params["alpha"], fit.params["beta"], discount)
    if discount == 0 and fit.params["c"] * fit.params["alpha"] <= 1:
        return float("inf")
    v = 1.0 / (1.0 + discount)
    total, start, block = 0.0, 0, 4096
    while start < _SERIES_MAX:
        t = np.arange(start, start + block, dtype=float)
        terms = fit.survival(t) * v ** t
        total += float(terms.sum())
        last = float(terms[-1])
        rest = last * v / (1 - v) if v < 1 else (last * _SERIES_MAX)
        if rest <= _SERIES_TOL * total:
            return total
        start += block
        block = min(block * 2, 1 << 20)
    return float("nan")


def retention_from_fit(fit: RetentionFit, years: int) -> dict[str, Any]:
    """Retention fields (``retention.*``) of a fit: ``sbg`` with its α, β; a ``bdw`` fit as a
    ``table`` of its renewal rates for tenure years 1 … ``years`` (1 … 100)."""
    if fit.model == "sbg":
        return {"model": "sbg", "sbg_alpha": float(fit.params["alpha"]),
                "sbg_beta": float(fit.params["beta"]), "uplift_points": 0.0}
    rates = fit.renewal(np.arange(1, max(1, min(years, 100)) + 1))
    return {"model": "table", "by_tenure_year": tuple(float(r) for r in rates),
            "uplift_points": 0.0}


def retention_from_table(table: SurvivorTable) -> dict[str, Any]:
    """Retention fields of a survivor table: a ``table`` of its pooled renewal rates
    (:func:`pooled_renewal`, at most 100 tenure years)."""
    rates = pooled_renewal(table)[:100]
    return {"model": "table", "by_tenure_year": tuple(float(r) for r in rates),
            "uplift_points": 0.0}


def _fitted_suffix(lang: str) -> str:
    """``" — fitted from "`` in ``lang`` (catalog ``scenario_text.fitted_from``)."""
    return translate("scenario_text.fitted_from", lang)


def unfitted_name(name: str) -> str:
    """``name`` without a ``" — fitted from …"`` (or ``"——拟合自 …"``) it ends with (a fit
    of a fitted scenario is named after the scenario it started from, not after a chain of
    fits)."""
    for lang in TEXT_LANGUAGES:
        head, found, _ = name.rpartition(_fitted_suffix(lang))
        if found and head:
            return head
    return name


def fitted_name(base_name: str, source: str, lang: str = "en") -> str:
    """``"<base> — fitted from <source>"`` (in ``lang``) within :data:`MAX_NAME` characters
    (the base name, without an earlier fit's suffix, is shortened first, then the source)."""
    base_name = unfitted_name(base_name)
    tail = f"{_fitted_suffix(lang)}{source}"
    if len(tail) > MAX_NAME // 2:
        tail = tail[:MAX_NAME // 2 - 1] + "…"
    room = MAX_NAME - len(tail)
    head = base_name if len(base_name) <= room else base_name[:room - 1] + "…"
    return head + tail


def fitted_names(base_name: str | BilingualText, source: str) -> BilingualText:
    """The fitted scenario's name in both languages (:func:`fitted_name` of the base's name
    in each language)."""
    return BilingualText(**{lang: fitted_name(localized_text(base_name, lang), source, lang)
                            for lang in TEXT_LANGUAGES})


def _describe(fit: RetentionFit | None, table: SurvivorTable | None,
              economics: LogEconomics | None, source: str, base: Scenario,
              lang: str = "en") -> str:
    """What the fit wrote into the scenario, in ``lang`` (catalog ``scenario_text.fit_*``;
    numbers as written for a file, the same in both languages)."""
    def text(key: str, **params: Any) -> str:
        return translate(f"scenario_text.fit_{key}", lang, **params)

    base_name = unfitted_name(localized_text(base.name, lang))
    parts = [text("intro", source=source, base=repr(base_name) if lang == "en" else base_name)]
    if fit is not None:
        params = ", ".join(f"{k} = {v:.4g}" for k, v in fit.params.items())
        parts.append(text("retention", model=fit.model, params=params,
                          ll=f"{fit.log_likelihood:.2f}", cohorts=fit.cohorts,
                          customers=f"{fit.customers:,.0f}"))
    elif table is not None:
        parts.append(text("table", n=len(table.labels)))
    if economics is not None:
        parts.append(text("log", date=economics.observation_date,
                          customers=f"{economics.customers:,}", first_year=economics.first_year,
                          first=f"{economics.first_year_revenue:.2f}",
                          renewal=f"{economics.renewal_revenue:.2f}"))
    parts.append(text("off"))
    return (" " if lang == "en" else "").join(parts)


def fitted_scenario(base: Scenario, source: str, *, fit: RetentionFit | None = None,
                    table: SurvivorTable | None = None, economics: LogEconomics | None = None,
                    variable_cost: float | None = None,
                    name: str | BilingualText | None = None) -> Scenario:
    """A copy of ``base`` with what the data say written into it, validated (see the module).

    Args:
        base: the scenario to start from (every field the data do not give is its).
        source: the data file's name (for the scenario's name and description).
        fit: a retention fit (takes precedence over ``table``).
        table: a survivor table, used for retention when there is no ``fit``.
        economics: a log's acquisition and spend; None keeps the base's.
        variable_cost: variable cost per customer-year; None keeps the base's.
        name: the new scenario's name; default :func:`fitted_names` (both languages).

    Raises:
        ScenarioError: the result is not a valid scenario (every problem listed, e.g. an α
            outside the schema's range), or neither a fit, a table nor a log was given.
    """
    if fit is None and table is None and economics is None:
        raise ScenarioError([Issue("retention", "rule", allowed_key=_A + "ds_source",
                                   got_key=_F + "ds_none_given")])
    scenario = base
    retention = None
    if fit is not None:
        retention = retention_from_fit(fit, base.horizon_years)
    elif table is not None:
        retention = retention_from_table(table)
    if retention is not None:
        scenario = dataclasses.replace(
            scenario, retention=dataclasses.replace(scenario.retention, **retention))
        for kind, programme in scenario.programmes.items():
            if programme.enabled:
                scenario = replace_path(scenario, f"programmes.{kind}",
                                        dataclasses.replace(programme, enabled=False))
        scenario = replace_path(scenario, "baseline",
                                dataclasses.replace(scenario.baseline, kind="no_programme"))
    if economics is not None:
        per_year = economics.acquired_per_year[:100]
        scenario = replace_path(scenario, "acquisition",
                                dataclasses.replace(scenario.acquisition, mode="list",
                                                    per_year=tuple(per_year)))
        first = economics.first_year_revenue
        renewal = economics.renewal_revenue if math.isfinite(economics.renewal_revenue) else first
        scenario = replace_path(scenario, "pricing.first_year_price", float(first))
        scenario = replace_path(scenario, "pricing.renewal_price", float(renewal))
    if variable_cost is not None:
        scenario = replace_path(scenario, "pricing.variable_cost", float(variable_cost))
    scenario = dataclasses.replace(
        scenario, name=name or fitted_names(base.name, source),
        description=BilingualText(**{lang: _describe(fit, table, economics, source, base,
                                                      lang)[:4000]
                                     for lang in TEXT_LANGUAGES}))
    return scenario_from_dict(scenario_to_dict(scenario))


def fit_clv(fit: RetentionFit, margin: float, discount: float) -> float:
    """Whole-life CLV of a new customer: ``margin`` (currency per period, at each period's
    start while active) × :func:`fit_lifetime`."""
    return margin * fit_lifetime(fit, discount)
