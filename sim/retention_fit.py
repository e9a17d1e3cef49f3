"""Retention fitted from the user's data: sBG and beta-discrete-Weibull by maximum likelihood.

Input is a survivor table (:class:`sim.datafile.SurvivorTable`): one cohort
(``period,customers``) or several (``cohort,period,customers``, period = age), each
observed for as long as it has been (right-censored), read by :func:`read_survivor_csv`.

Models (DOMAIN.md §10), ages t = 0, 1, … in the table's period (a year for a yearly table):

* ``sbg`` (Fader & Hardie 2007): churn probability θ ~ Beta(α, β) per customer, constant
  over time; S(t) = B(α, β+t)/B(α, β) (:func:`sim.retention.sbg_survival`), renewal
  r(t) = (β+t−1)/(α+β+t−1) (:func:`sim.retention.sbg_retention`).
* ``bdw`` (beta-discrete-Weibull, Fader, Hardie, Liu & Souza 2018): S(t) = E[(1−θ)^(t^c)]
  = B(α, β+t^c)/B(α, β), i.e. the sBG survival at t^c; c = 1 is the sBG, c < 1 makes
  each customer's churn fall with tenure, c > 1 rise.

Log-likelihood of a cohort n₀ ≥ n₁ ≥ … ≥ n_k: Σ_t (n_{t−1} − n_t) ln P(T=t) + n_k ln S(k),
P(T=t) = S(t−1) − S(t); cohorts add their terms (each censored at its own last age).

:func:`fit_retention` maximises it over (ln α, ln β[, ln c]) with scipy's BFGS (central-
difference gradient, all stencil points in one vectorised evaluation) from several starts:
for the sBG the α, β that reproduce the first two renewal rates and two spreads around the
first period's churn; for ``bdw`` the sBG optimum with c = 1, ½ and 2. Standard errors and
90 % intervals are Wald intervals on the log scale (inverse of the numerical Hessian of −LL
in the log parameters), mapped back with exp (``interval_method = "wald_log"``): always
positive, asymmetric on the natural scale.

**Non-convergence raises** :class:`RetentionFitError` (a :class:`sim.datafile.DataFileError`
with one issue at path ``fit``, reported like bad input): a fit converges when the optimum is
finite and inside the search box (α, β in [1e-4, 1e5], c in [0.01, 100]), the gradient of
−LL per customer is below 1e-5 there and the Hessian is positive definite. It does not when a
parameter runs to its bound, the likelihood has no clear maximum, or the survivors fall by
the same share every period: no spread in churn between customers, so α, β → ∞ (α + β above
1000 with a log-likelihood within 1 of constant retention's) and constant retention fits as
well (the message says so and gives its rate). Nobody lost, or nobody kept, is refused too.
A returned :class:`RetentionFit` therefore always has ``converged = True``: no number of a
failed fit reaches anything downstream.

Holdout (``holdout = k``): the fit uses each cohort's ages 0..k only; :class:`Holdout`
compares its projection n₀·S(t) for the later ages with the actual counts, beside the
constant-retention (geometric) fit's n₀·r^t on the same k periods, which under-projects
a heterogeneous cohort (Fader & Hardie 2007: the survivors' retention rises with tenure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import xlogy
from scipy.stats import norm

from sim.datafile import MAX_DATA_BYTES, DataFileError, SurvivorTable, cell_path, read_csv_bytes
from sim.report import clean_number, records
from sim.retention import sbg_retention, sbg_survival
from sim.schema import Issue

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["MODELS", "INTERVAL_LEVEL", "SINGLE_COHORT", "RetentionFitError", "RetentionFit",
           "ConstantFit", "Holdout", "read_survivor_csv", "fit_retention", "fit_constant"]

Model = Literal["sbg", "bdw"]
MODELS: tuple[str, ...] = ("sbg", "bdw")
"""Retention models :func:`fit_retention` fits."""
INTERVAL_LEVEL = 0.90
"""Coverage of the reported intervals."""
SINGLE_COHORT = "all"
"""Cohort label of a one-cohort file (``period,customers``)."""

_BOUNDS = {"alpha": (1e-4, 1e5), "beta": (1e-4, 1e5), "c": (1e-2, 1e2)}
"""Search box of each parameter; an optimum on its edge is reported as not converged."""
_EDGE = 1e-3
"""How close (in ln units) to a bound counts as on it."""
_HESSIAN_STEP = 1e-3
"""Central-difference step of the Hessian, in ln units."""
_NO_SPREAD = 1e3
"""α + β above which, with a log-likelihood within 1 of constant retention's, the fit is
taken to run to the geometric limit (α, β → ∞; the spread of θ is then under 2 points)."""
_GRADIENT_STEP = 1e-5
"""Central-difference step of the optimiser's gradient, in ln units."""


class RetentionFitError(DataFileError):
    """A retention fit that did not converge (or cannot be made on these data): one
    :class:`sim.schema.Issue` with path ``fit`` saying why and what would fit."""


# ---------------------------------------------------------------------------- reading CSV

def read_survivor_csv(data: bytes, max_bytes: int = MAX_DATA_BYTES) -> SurvivorTable:
    """A survivor table from CSV bytes.

    Columns ``period,customers`` (one cohort, labelled :data:`SINGLE_COHORT`) or
    ``cohort,period,customers`` (several; cohorts in order of first appearance, rows in any
    order). ``period`` is the age: whole numbers 0, 1, … with no gap and no repeat in each
    cohort, 0 = the starting count; ``customers`` the customers still active (0 or more,
    more than 0 at period 0, never more than at the period before), each cohort observed for
    at least periods 0 and 1.

    Raises:
        DataFileError: every problem found, each naming its cell (``customers[row 5]``: rows
            as a spreadsheet shows them, the header is row 1) or cohort
            (``period[cohort 2019]``) and what is expected; also a file over the size cap,
            not CSV, empty, or with a missing or unexpected column; over ``max_bytes``.
    """
    frame = read_csv_bytes(data, required=("period", "customers"), max_bytes=max_bytes)
    several = "cohort" in frame.columns
    expected = ("cohort", "period", "customers") if several else ("period", "customers")
    extra = [c for c in frame.columns if c not in expected]
    if extra:
        raise DataFileError([Issue(c, "unknown", allowed_key=_A + "rf_columns") for c in extra])
    rows = np.arange(len(frame)) + 2
    issues: list[tuple[int, Issue]] = []
    period = pd.to_numeric(frame["period"], errors="coerce").to_numpy(dtype=float)
    customers = pd.to_numeric(frame["customers"], errors="coerce").to_numpy(dtype=float)
    bad_period = ~(np.isfinite(period) & (period >= 0) & (period == np.floor(period)))
    for i in np.flatnonzero(bad_period):
        issues.append((rows[i], Issue(cell_path("period", int(rows[i])), "type",
                                      got=repr(frame["period"].iat[i]),
                                      allowed_key=_A + "rf_period")))
    for i in np.flatnonzero(~np.isfinite(customers)):
        issues.append((rows[i], Issue(cell_path("customers", int(rows[i])), "type",
                                      got=repr(frame["customers"].iat[i]),
                                      allowed_key=_A + "rf_customers")))
    for i in np.flatnonzero(np.isfinite(customers) & (customers < 0)):
        issues.append((rows[i], Issue(cell_path("customers", int(rows[i])), "range",
                                      got=f"{customers[i]:g}",
                                      allowed_key="validation.allowed.data_non_negative")))
    labels = (frame["cohort"].astype(str).str.strip().to_numpy() if several
              else np.full(len(frame), SINGLE_COHORT, dtype=object))
    for i in np.flatnonzero(labels == ""):
        issues.append((rows[i], Issue(cell_path("cohort", int(rows[i])), "type", got="''",
                                      allowed_key=_A + "rf_cohort")))
    if issues:
        raise DataFileError([issue for _, issue in sorted(issues, key=lambda x: x[0])])

    order = list(dict.fromkeys(labels))
    cohort_issues: list[Issue] = []
    survivors = []
    for label in order:
        where = np.flatnonzero(labels == label)
        where = where[np.argsort(period[where], kind="stable")]
        ages, counts, at_rows = period[where].astype(np.int64), customers[where], rows[where]
        name = f"period[cohort {label}]"
        repeat = np.flatnonzero(np.diff(ages) == 0) + 1
        for j in repeat:
            first = at_rows[np.flatnonzero(ages == ages[j])[0]]
            issues.append((at_rows[j], Issue(cell_path("period", int(at_rows[j])), "rule",
                                             allowed_key=_A + "rf_period_once",
                                             got_key=_F + "rf_again",
                                             params=(("period", str(ages[j])),
                                                     ("cohort", str(label)),
                                                     ("row", str(first))))))
        if len(repeat):
            continue
        missing = sorted(set(range(int(ages[-1]) + 1)) - set(ages.tolist()))
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
            cohort_issues.append(Issue(name, "rule", allowed_key=_A + "rf_consecutive",
                                       got_key=_F + "rf_missing", params=(("periods", shown),)))
            continue
        if len(ages) < 2:
            cohort_issues.append(Issue(name, "rule", allowed_key=_A + "rf_two_periods",
                                       got_key=_F + "rf_only_zero"))
            continue
        if counts[0] <= 0:
            issues.append((at_rows[0], Issue(cell_path("customers", int(at_rows[0])), "range",
                                             got="0",
                                             allowed_key="validation.allowed.data_first_positive"
                                             )))
        for j in np.flatnonzero(np.diff(counts) > 0) + 1:
            issues.append((at_rows[j], Issue(
                cell_path("customers", int(at_rows[j])), "rule",
                allowed_key=_A + "rf_not_rising", got_key=_F + "rf_rise",
                params=(("before", f"{counts[j - 1]:g}"), ("period", str(ages[j] - 1)),
                        ("cohort", str(label)), ("after", f"{counts[j]:g}")))))
        survivors.append(counts)
    found = [issue for _, issue in sorted(issues, key=lambda x: x[0])] + cohort_issues
    if found:
        raise DataFileError(found)
    return SurvivorTable(labels=tuple(order), survivors=tuple(survivors))


# ---------------------------------------------------------------------------- likelihood

@dataclass(frozen=True)
class _Counts:
    """Sufficient statistics of a survivor table at ages t = 1..K (customers, summed over
    cohorts): ``lost[t-1]`` lost at age t, ``censored[t-1]`` still active at their cohort's
    last observed age t, ``at_risk[t-1]`` active at age t−1 (for the geometric fit)."""

    lost: np.ndarray
    censored: np.ndarray
    at_risk: np.ndarray


def _counts(table: SurvivorTable, last_age: int | None = None) -> _Counts:
    """:class:`_Counts` of ``table``, each cohort cut at ``last_age`` when given."""
    cut = [np.asarray(s, dtype=float)[: None if last_age is None else last_age + 1]
           for s in table.survivors]
    k = max(len(s) for s in cut) - 1
    lost, censored, at_risk = np.zeros(k), np.zeros(k), np.zeros(k)
    for s in cut:
        n = len(s) - 1
        lost[:n] += s[:-1] - s[1:]
        at_risk[:n] += s[:-1]
        censored[n - 1] += s[-1]
    return _Counts(lost, censored, at_risk)


def _survival(model: str, params: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """S(t) of the model (fractions): :func:`sim.retention.sbg_survival` at t (sBG) or at
    t^c (beta-discrete-Weibull)."""
    t = np.asarray(t, dtype=float)
    if model == "bdw":
        t = t ** params["c"]
    return np.asarray(sbg_survival(params["alpha"], params["beta"], t))


def _names(model: str) -> tuple[str, ...]:
    return ("alpha", "beta", "c") if model == "bdw" else ("alpha", "beta")


def _params(model: str, x: np.ndarray) -> dict[str, float]:
    """Parameters by name from their logs ``x``."""
    return {name: float(np.exp(v)) for name, v in zip(_names(model), x, strict=True)}


def _log_likelihood(model: str, x: np.ndarray, counts: _Counts) -> np.ndarray:
    """LL = Σ_t lost_t ln P(T=t) + censored_t ln S(t) at P points at once.

    Args:
        x: (P, 2) or (P, 3) log parameters (ln α, ln β[, ln c]).

    Returns:
        (P,) log-likelihoods, −inf where the model gives observed counts probability 0.
    """
    x = np.atleast_2d(x)
    ages = np.arange(len(counts.lost) + 1, dtype=float)[None, :]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        params = {n: np.exp(x[:, i:i + 1]) for i, n in enumerate(_names(model))}
        log_s = np.log(_survival(model, params, ages))
        # ln P(T=t) = ln S(t−1) + ln(1 − S(t)/S(t−1)), without the cancellation of S(t−1) − S(t)
        log_p = log_s[:, :-1] + np.log(-np.expm1(log_s[:, 1:] - log_s[:, :-1]))
        terms = (np.where(counts.lost > 0, counts.lost * log_p, 0.0)
                 + np.where(counts.censored > 0, counts.censored * log_s[:, 1:], 0.0))
        total = terms.sum(axis=1)
    return np.where(np.isfinite(total), total, -np.inf)


def _stencil(x: np.ndarray, h: float, second: bool) -> np.ndarray:
    """Points around x: x, x ± h·e_i and, with ``second``, x ± h·e_i ± h·e_j (i < j)."""
    eye = np.eye(len(x)) * h
    points = [x] + [x + s * eye[i] for i in range(len(x)) for s in (1, -1)]
    if second:
        points += [x + si * eye[i] + sj * eye[j] for i in range(len(x))
                   for j in range(i + 1, len(x)) for si, sj in ((1, 1), (1, -1), (-1, 1),
                                                                 (-1, -1))]
    return np.array(points)


def _gradient(values: np.ndarray, n: int, h: float) -> np.ndarray:
    return (values[1:2 * n + 1:2] - values[2:2 * n + 2:2]) / (2 * h)


def _hessian(values: np.ndarray, n: int, h: float) -> np.ndarray:
    """Central-difference Hessian from the values at :func:`_stencil` (``second``)."""
    out = np.empty((n, n))
    for i in range(n):
        out[i, i] = (values[1 + 2 * i] - 2 * values[0] + values[2 + 2 * i]) / h**2
    k = 2 * n + 1
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = (values[k] - values[k + 1] - values[k + 2]
                                     + values[k + 3]) / (4 * h**2)
            k += 4
    return out


# ---------------------------------------------------------------------------- results

@dataclass(frozen=True)
class ConstantFit:
    """Constant retention (geometric lifetimes) fitted by maximum likelihood: r = 1 −
    customers lost / customer-periods at risk.

    Attributes:
        retention: r, the renewal rate every period (fraction).
        log_likelihood, aic: of the same data as the sBG (AIC = 2·1 − 2·LL).
    """

    retention: float
    log_likelihood: float
    aic: float

    def survival(self, t: np.ndarray | int) -> np.ndarray:
        """S(t) = r^t (fractions)."""
        return np.asarray(self.retention ** np.asarray(t, dtype=float))


@dataclass(frozen=True)
class Holdout:
    """A fit on each cohort's first k periods against the periods after them.

    Attributes:
        calibration_periods: k (ages 0..k fitted).
        table: one row per cohort and held-out age: ``cohort, period, actual`` (customers),
            ``projected`` (the fitted model: n₀·S(t)), ``projected_constant`` (constant
            retention fitted on the same periods: n₀·r^t).
        constant: the constant-retention fit on the calibration periods.
    """

    calibration_periods: int
    table: pd.DataFrame
    constant: ConstantFit

    def errors(self) -> dict[str, float]:
        """Mean absolute percentage error of each projection over the held-out rows with
        customers (percent), and the summed projections against the summed actuals."""
        rows = self.table[self.table["actual"] > 0]

        def mape(column: str) -> float:
            if rows.empty:
                return float("nan")
            return float((abs(rows[column] - rows["actual"]) / rows["actual"]).mean() * 100)

        return {"mape": mape("projected"), "mape_constant": mape("projected_constant"),
                "actual_total": float(self.table["actual"].sum()),
                "projected_total": float(self.table["projected"].sum()),
                "projected_constant_total": float(self.table["projected_constant"].sum())}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``calibration_periods``, ``constant_retention``,
        ``constant_log_likelihood``, ``errors`` (:meth:`errors`), ``rows`` (:attr:`table`)."""
        return {"calibration_periods": self.calibration_periods,
                "constant_retention": clean_number(self.constant.retention),
                "constant_log_likelihood": clean_number(self.constant.log_likelihood),
                "errors": {k: clean_number(v) for k, v in self.errors().items()},
                "rows": records(self.table)}


@dataclass(frozen=True)
class RetentionFit:
    """A converged maximum-likelihood retention fit (see the module).

    Attributes:
        model: ``sbg`` or ``bdw``.
        params: ``alpha``, ``beta`` (Beta shapes of the churn probability) and, for ``bdw``,
            ``c`` (the Weibull shape: churn falls with tenure below 1, rises above).
        log_likelihood: at the estimate (natural log).
        aic: 2·(number of parameters) − 2·LL.
        standard_errors: per parameter, by the delta method from the log scale
            (value × standard error of its log).
        intervals: per parameter, the :data:`INTERVAL_LEVEL` interval
            exp(ln θ̂ ± z·se(ln θ̂)), as ``(low, high)``.
        interval_level: 0.90.
        interval_method: ``wald_log`` (inverse Hessian of −LL in the log parameters).
        converged: True (a fit that does not converge raises :class:`RetentionFitError`).
        message: the optimiser's message.
        customers: customers at period 0, all cohorts fitted.
        cohorts: cohorts fitted.
        periods: the longest fitted cohort's periods after period 0.
        holdout: the holdout check, or None.
    """

    model: str
    params: dict[str, float]
    log_likelihood: float
    aic: float
    standard_errors: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    converged: bool
    message: str
    customers: float
    cohorts: int
    periods: int
    interval_level: float = INTERVAL_LEVEL
    interval_method: str = "wald_log"
    holdout: Holdout | None = field(default=None)

    def survival(self, t: np.ndarray | int | None = None) -> np.ndarray:
        """S(t), the share of a cohort still active at age t ≥ 0 (fractions); t defaults to
        0..periods."""
        ages = np.arange(self.periods + 1) if t is None else np.asarray(t, dtype=float)
        if np.any(ages < 0):
            raise ValueError("survival(t) needs ages t >= 0")
        return _survival(self.model, self.params, ages)

    def renewal(self, t: np.ndarray | int | None = None) -> np.ndarray:
        """r(t) = S(t)/S(t−1), the share of the customers active at age t−1 who are still
        active at age t (fractions), for t ≥ 1; t defaults to 1..periods."""
        ages = np.arange(1, self.periods + 1) if t is None else np.asarray(t, dtype=float)
        if np.any(ages < 1):
            raise ValueError("renewal(t) needs ages t >= 1")
        if self.model == "sbg":
            return np.asarray(sbg_retention(self.params["alpha"], self.params["beta"], ages))
        return self.survival(ages) / self.survival(ages - 1)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``model``, ``params``, ``log_likelihood``, ``aic``, ``intervals``
        (``{name: [low, high]}``), ``interval_level``, ``interval_method``,
        ``standard_errors``, ``converged``, ``message``, ``customers``, ``cohorts``,
        ``periods`` and ``holdout`` (:meth:`Holdout.as_dict` or null)."""
        return {"model": self.model,
                "params": {k: clean_number(v) for k, v in self.params.items()},
                "log_likelihood": clean_number(self.log_likelihood),
                "aic": clean_number(self.aic),
                "intervals": {k: [clean_number(lo), clean_number(hi)]
                              for k, (lo, hi) in self.intervals.items()},
                "interval_level": self.interval_level,
                "interval_method": self.interval_method,
                "standard_errors": {k: clean_number(v) for k, v in self.standard_errors.items()},
                "converged": self.converged, "message": self.message,
                "customers": self.customers, "cohorts": self.cohorts, "periods": self.periods,
                "holdout": None if self.holdout is None else self.holdout.as_dict()}


# ---------------------------------------------------------------------------- fitting

def _fail(why: str, expected: str, **params: str) -> RetentionFitError:
    """The fit cannot be made: ``why`` and ``expected`` are ``messages.found.*`` and
    ``messages.allowed.*`` key names, filled with ``params``."""
    return RetentionFitError([Issue("fit", "rule", allowed_key=_A + expected,
                                    got_key=_F + why, params=tuple(params.items()))])


def fit_constant(table: SurvivorTable, last_age: int | None = None) -> ConstantFit:
    """Constant retention fitted to ``table`` (each cohort cut at ``last_age`` when given):
    r = 1 − Σ lost / Σ at risk, the geometric lifetime's maximum-likelihood estimate."""
    counts = _counts(table, last_age)
    lost, exposed = float(counts.lost.sum()), float(counts.at_risk.sum())
    r = 1.0 - lost / exposed
    ll = float(xlogy(lost, 1.0 - r) + xlogy(exposed - lost, r))
    return ConstantFit(retention=r, log_likelihood=ll, aic=2.0 - 2.0 * ll)


def _starts(model: str, counts: _Counts, sbg: np.ndarray | None) -> list[np.ndarray]:
    """Starting points (log scale). sBG: the α, β that reproduce the first two renewal
    rates exactly (r₁ = β/(α+β), r₂ = (β+1)/(α+β+1)) when they rise, and the first period's
    churn share as the mean of θ at α+β = 1 and 10. ``bdw``: the sBG optimum ``sbg`` with
    c = 1, ½ and 2."""
    if model == "bdw" and sbg is not None:
        return [np.append(sbg, np.log(c)) for c in (1.0, 0.5, 2.0)]
    share = float(np.clip(counts.lost[0] / counts.at_risk[0], 1e-3, 1 - 1e-3))
    starts = [np.log([share * s, (1 - share) * s]) for s in (1.0, 10.0)]
    if len(counts.lost) > 1 and counts.at_risk[1] > 0:
        r1, r2 = 1 - share, 1 - counts.lost[1] / counts.at_risk[1]
        if r1 < r2 < 1:
            beta = (1 - r2) / (r2 / r1 - 1)
            starts.insert(0, np.log([beta * (1 - r1) / r1, beta]))
    return starts


def _maximise(model: str, counts: _Counts, sbg: np.ndarray | None
              ) -> tuple[np.ndarray, str]:
    """The best of BFGS runs from :func:`_starts` on −LL per customer, in log parameters
    (a steep penalty outside the search box keeps the search finite); its message."""
    low, high = np.log(np.array([_BOUNDS[n] for n in _names(model)])).T
    n = len(low)
    scale = float(counts.lost.sum() + counts.censored.sum())

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        points = _stencil(x, _GRADIENT_STEP, second=False)
        inside = np.clip(points, low, high)
        values = (-_log_likelihood(model, inside, counts) / scale
                  + 1e3 * ((points - inside) ** 2).sum(axis=1))
        values = np.where(np.isfinite(values), values, 1e300)
        return float(values[0]), _gradient(values, n, _GRADIENT_STEP)

    best = None
    for x0 in _starts(model, counts, sbg):
        res = minimize(objective, np.clip(x0, low + 0.1, high - 0.1), jac=True,
                       method="BFGS", options={"gtol": 1e-7, "maxiter": 500})
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    return np.asarray(best.x), str(best.message)


def fit_retention(table: SurvivorTable, model: Model = "sbg",
                  holdout: int | None = None) -> RetentionFit:
    """Fit ``model`` (``sbg`` or ``bdw``) to ``table`` by maximum likelihood (see the module).

    Args:
        table: survivors by age, one or more cohorts (right-censored).
        model: ``sbg`` or ``bdw``.
        holdout: k: fit each cohort's ages 0..k only and compare the projection of the
            later ages with the actual counts (:attr:`RetentionFit.holdout`); 1 ≤ k <
            ``table.periods``.

    Raises:
        ValueError: an unknown model.
        DataFileError: ``holdout`` out of range for the table (path ``holdout``).
        RetentionFitError: the fit did not converge, or nobody was lost (see the module).
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if holdout is not None and not 1 <= holdout < table.periods:
        raise DataFileError([Issue("holdout", "range", got=str(holdout),
                                   allowed_key=_A + "rf_holdout",
                                   params=(("last", str(table.periods - 1)),
                                           ("periods", str(table.periods))))])
    counts = _counts(table, holdout)
    if counts.lost.sum() <= 0:
        raise _fail("rf_none_lost", "rf_some_leave")
    constant = fit_constant(table, holdout)
    if constant.retention <= 0:
        raise _fail("rf_none_renewed", "rf_some_stay")
    sbg = _maximise("sbg", counts, None)[0] if model == "bdw" else None
    x, message = _maximise(model, counts, sbg)
    names = _names(model)
    n = len(names)
    values = -_log_likelihood(model, _stencil(x, _HESSIAN_STEP, second=True), counts)
    ll = float(-values[0])
    scale = float(counts.lost.sum() + counts.censored.sum())
    gradient = _gradient(values, n, _HESSIAN_STEP) / scale
    hess = _hessian(values, n, _HESSIAN_STEP)
    no_spread = ll - constant.log_likelihood < 1.0
    expected = "rf_use_constant" if no_spread else "rf_lost_and_kept"
    shown = {"retention": f"{constant.retention * 100:.1f}", "model": model}
    low, high = np.log(np.array([_BOUNDS[name] for name in names])).T
    for name, value, lo, hi in zip(names, x, low, high, strict=True):
        if value - lo < _EDGE or hi - value < _EDGE:
            edge = _BOUNDS[name][0] if value - lo < _EDGE else _BOUNDS[name][1]
            raise _fail("rf_bound", expected, name=name, edge=f"{edge:g}", **shown)
    if not np.isfinite(ll) or not np.all(np.isfinite(hess)):
        raise _fail("rf_not_finite", expected, message=str(message), **shown)
    eig = np.linalg.eigvalsh(hess)
    if not np.all(eig > 0) or np.max(np.abs(gradient)) > 1e-5:
        raise _fail("rf_no_maximum", expected, message=str(message), **shown)
    params = _params(model, x)
    if no_spread and params["alpha"] + params["beta"] > _NO_SPREAD:
        raise _fail("rf_infinite", expected, sum=f"{params['alpha'] + params['beta']:.3g}",
                    **shown)
    se_log = np.sqrt(np.diag(np.linalg.inv(hess)))
    z = float(norm.ppf(0.5 + INTERVAL_LEVEL / 2))
    return RetentionFit(
        model=model, params=params, log_likelihood=ll, aic=2.0 * n - 2.0 * ll,
        standard_errors={k: params[k] * float(s) for k, s in zip(names, se_log, strict=True)},
        intervals={k: (float(np.exp(v - z * s)), float(np.exp(v + z * s)))
                   for k, v, s in zip(names, x, se_log, strict=True)},
        converged=True, message=message,
        customers=float(sum(s[0] for s in table.survivors)), cohorts=len(table.survivors),
        periods=len(counts.lost),
        holdout=None if holdout is None else _holdout(table, model, params, holdout, constant))


def _holdout(table: SurvivorTable, model: str, params: dict[str, float], k: int,
             constant: ConstantFit) -> Holdout:
    rows = []
    for label, counts in zip(table.labels, table.survivors, strict=True):
        ages = np.arange(k + 1, len(counts))
        if not len(ages):
            continue
        n0 = float(counts[0])
        rows.append(pd.DataFrame({"cohort": label, "period": ages,
                                  "actual": np.asarray(counts, dtype=float)[ages],
                                  "projected": n0 * _survival(model, params, ages),
                                  "projected_constant": n0 * constant.survival(ages)}))
    frame = pd.concat(rows, ignore_index=True)
    return Holdout(calibration_periods=k, table=frame, constant=constant)
