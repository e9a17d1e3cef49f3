"""Purchase models for non-contractual customers: BG/NBD and Gamma-Gamma (DOMAIN.md §10).

- **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive,
  a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after each purchase they
  drop out with probability p ~ Beta(a, b). Data per customer, in one time unit: frequency
  ``x`` (repeat purchases: purchases after the first), recency ``t_x`` (time from the first
  to the last purchase) and age ``T`` (time from the first purchase to the end of the
  calibration period). Fitted by maximum likelihood on the log-parameters with the analytic
  log-likelihood (eq. 6 of the paper, written with ``gammaln``/``betaln`` and a log-sum-exp)
  and its analytic gradient.
- **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013 note 025;
  Colombo & Jiang 1999): spend per purchase is Gamma(p, ν), ν ~ Gamma(q, γ) across customers,
  independent of the purchase process. Fitted on repeat buyers: ``x`` and the mean ``z̄`` of
  their repeat purchases (the first purchase left out, as in the papers).

Oracle (tests/unit/test_purchase_models.py): the CDNOW sample of 2,357 customers in weeks,
r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = -9,582.4; Gamma-Gamma on its 946 repeat
buyers p = 6.25, q = 3.74, γ = 15.44.

A search that does not converge (a parameter running to the edge of 1e-6 .. 1e6, an optimiser
failure) raises :class:`PurchaseFitError` (a :class:`sim.datafile.DataFileError`) instead of
returning numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from sim.datafile import DataFileError, read_csv_bytes
from sim.schema import Issue
from sim.transactions import (
    IssueCollector,
    TransactionLog,
    codes_issue,
    missing_column,
    no_rows,
    parse_day,
    parse_numbers,
    purchase_facts,
)

_A = "messages.allowed."
_F = "messages.found."

__all__ = [
    "TIME_UNITS", "TimeUnit", "SUMMARY_COLUMNS", "BGNBD", "BGNBDFit", "GammaGamma",
    "GammaGammaFit", "summary_from_log", "read_summary", "check_summary",
    "bgnbd_log_likelihood", "fit_bgnbd", "gamma_gamma_log_likelihood", "fit_gamma_gamma",
    "customer_predictions", "simulate_bgnbd", "PurchaseFitError",
]

TimeUnit = Literal["day", "week", "month"]
TIME_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
"""Length of each time unit in days (a month is a twelfth of 365.25 days)."""

SUMMARY_COLUMNS: tuple[str, ...] = ("customer_id", "frequency", "recency", "T",
                                    "monetary_value")
"""Columns of a per-customer summary file (``monetary_value`` optional)."""

_LOG_BOUND = float(np.log(1e6))
"""The search runs over log-parameters in [-ln 1e6, ln 1e6]; ending within 1e-3 of that edge
is reported as non-convergence (a parameter running away to 0 or infinity)."""


def _day(value: str | date | datetime | pd.Timestamp, what: str) -> pd.Timestamp:
    return parse_day(value, what)


def summary_from_log(log: TransactionLog,
                     calibration_end: str | date | datetime | pd.Timestamp | None = None,
                     time_unit: TimeUnit = "week") -> pd.DataFrame:
    """The (x, t_x, T, monetary) table of the customers who bought by ``calibration_end``.

    Purchases are days with a purchase (:mod:`sim.transactions`); purchases after
    ``calibration_end`` (default: the log's last purchase) are left out.

    Returns:
        index ``customer``; ``frequency`` (x, repeat purchases), ``recency`` (t_x) and ``T``
        in ``time_unit``\\ s (``T`` from the first purchase to ``calibration_end``), and
        ``monetary_value``: the mean amount of the repeat purchases (currency; 0 when x = 0).

    Raises:
        DataFileError: ``calibration_end`` not a date or before every purchase; an unknown
            time unit.
    """
    if time_unit not in TIME_UNITS:
        raise DataFileError([codes_issue("time_unit", "choice", tuple(TIME_UNITS),
                                         repr(time_unit))])
    facts = purchase_facts(log, calibration_end)
    end = (log.purchases["date"].max() if calibration_end is None
           else _day(calibration_end, "calibration_end"))
    unit = TIME_UNITS[time_unit]
    first = facts["first_purchase"]
    x = facts["purchases"].to_numpy() - 1
    repeat_spend = facts["spend"].to_numpy() - facts["first_spend"].to_numpy()
    monetary = np.divide(repeat_spend, x, out=np.zeros(len(x)), where=x > 0)
    return pd.DataFrame({
        "frequency": x,
        "recency": (facts["last_purchase"] - first).dt.days.to_numpy() / unit,
        "T": (end - first).dt.days.to_numpy() / unit,
        "monetary_value": np.maximum(monetary, 0.0),
    }, index=facts.index)


def check_summary(frame: pd.DataFrame, first_row: int = 2) -> pd.DataFrame:
    """Check a per-customer summary (columns of :data:`SUMMARY_COLUMNS`, text or numbers) and
    return it typed, indexed by ``customer_id``.

    Every row must have: a customer id, given once; ``frequency`` a whole number >= 0;
    ``T`` >= 0; ``0 <= recency <= T`` (recency is the time from the first to the last
    purchase, not the time since the last one); ``recency = 0`` when ``frequency = 0``;
    ``monetary_value`` (if present) >= 0.

    Raises:
        DataFileError: every problem, naming the row and column.
    """
    required = SUMMARY_COLUMNS[:4]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError([missing_column(c, frame) for c in missing])
    if frame.empty:
        raise DataFileError([no_rows()])
    issues = IssueCollector()
    ids = frame["customer_id"].astype(str).str.strip().where(frame["customer_id"].notna(), "")
    issues.add_rows((ids == "").to_numpy(dtype=bool), "customer_id", "type",
                    _A + "customer_id", ids, first_row)
    issues.add_rows((ids.duplicated() & (ids != "")).to_numpy(dtype=bool), "customer_id",
                    "rule", _A + "pm_one_row", ids, first_row)
    columns = ["frequency", "recency", "T"] + (["monetary_value"]
                                               if "monetary_value" in frame.columns else [])
    values: dict[str, np.ndarray] = {}
    for column in columns:
        numbers, bad = parse_numbers(frame[column])
        issues.add_rows(bad, column, "type", _A + "pm_number", frame[column], first_row)
        values[column] = numbers
        numbers = np.where(bad, 0.0, numbers)
        if column == "frequency":
            issues.add_rows(~bad & ((numbers < 0) | (numbers != np.round(numbers))), column,
                            "range", _A + "pm_frequency", frame[column], first_row)
        elif column != "recency":
            issues.add_rows(~bad & (numbers < 0), column, "range", _A + "zero_or_more",
                            frame[column], first_row)
    x, t_x, age = (np.nan_to_num(values[c], nan=0.0) for c in ("frequency", "recency", "T"))
    issues.add_rows((t_x < 0) | (t_x > age * (1 + 1e-9) + 1e-9), "recency", "range",
                    _A + "pm_recency", frame["recency"], first_row)
    issues.add_rows((x == 0) & (t_x != 0), "recency", "rule",
                    _A + "pm_recency_zero", frame["recency"], first_row)
    issues.raise_if_any()
    out = pd.DataFrame({c: values[c] for c in columns},
                       index=pd.Index(ids.to_numpy(dtype=object), name="customer_id"))
    out["frequency"] = out["frequency"].astype(np.int64)
    return out


def read_summary(data: bytes) -> pd.DataFrame:
    """Read a per-customer summary CSV (``customer_id,frequency,recency,T`` and optional
    ``monetary_value``; times in one unit, the caller's) and check it (:func:`check_summary`).

    Raises:
        DataFileError: size cap, not CSV, empty, a column missing, or a bad row.
    """
    return check_summary(read_csv_bytes(data, required=SUMMARY_COLUMNS[:4]))


def _as_arrays(*columns: Any) -> list[np.ndarray]:
    arrays = [np.asarray(c, dtype=float).ravel() for c in columns]
    if len({len(a) for a in arrays}) != 1:
        raise ValueError("frequency, recency and T must have the same length")
    return arrays


@dataclass(frozen=True)
class BGNBD:
    """BG/NBD parameters: purchase rate λ ~ Gamma(shape ``r``, rate ``alpha``, in the data's
    time unit), dropout probability after each purchase p ~ Beta(``a``, ``b``)."""

    r: float
    alpha: float
    a: float
    b: float

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Each customer's log-likelihood (:func:`bgnbd_log_likelihood`)."""
        return bgnbd_log_likelihood(self, frequency, recency, T)

    def _alive_term(self, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
        """ln[a / (b + x - 1) ((α + T) / (α + t_x))^(r + x)] for x > 0, -inf for x = 0."""
        out = np.full(x.shape, -np.inf)
        rep = x > 0
        xr = x[rep]
        out[rep] = (np.log(self.a) - np.log(self.b + xr - 1)
                    + (self.r + xr) * (np.log(self.alpha + age[rep])
                                       - np.log(self.alpha + t_x[rep])))
        return out

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(still alive at T | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((α+T)/(α+t_x))^(r+x))
        (1 for a customer with no repeat purchase)."""
        x, t_x, age = _as_arrays(frequency, recency, T)
        return expit(-self._alive_term(x, t_x, age))

    def expected_purchases(self, t: float, frequency: Any, recency: Any,
                           T: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` time units (T, T + t] given x, t_x, T (FHL 2005
        eq. 10): P(alive) x (a+b+x-1)/(a-1) x [1 - ((α+T)/(α+T+t))^(r+x)
        2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]."""
        x, t_x, age = _as_arrays(frequency, recency, T)
        a = self.a if abs(self.a - 1) > 1e-9 else 1 + 1e-9      # the formula's a = 1 limit
        z = t / (self.alpha + age + t)
        ratio = np.exp((self.r + x) * (np.log(self.alpha + age)
                                       - np.log(self.alpha + age + t)))
        bracket = 1 - ratio * hyp2f1(self.r + x, self.b + x, a + self.b + x - 1, z)
        return (a + self.b + x - 1) / (a - 1) * bracket * expit(-self._alive_term(x, t_x, age))

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected repeat purchases of a customer in their first ``t`` time units after the
        first purchase (FHL 2005 eq. 9): (a+b-1)/(a-1) [1 - (α/(α+t))^r 2F1(r, b; a+b-1;
        t/(α+t))]."""
        t = np.asarray(t, dtype=float)
        a = self.a if abs(self.a - 1) > 1e-9 else 1 + 1e-9
        ratio = (self.alpha / (self.alpha + t)) ** self.r
        return (a + self.b - 1) / (a - 1) * (
            1 - ratio * hyp2f1(self.r, self.b, a + self.b - 1, t / (self.alpha + t)))


@dataclass(frozen=True)
class BGNBDFit:
    """A fitted BG/NBD: ``model``, the total ``log_likelihood``, ``customers`` fitted and the
    optimiser's ``iterations``."""

    model: BGNBD
    log_likelihood: float
    customers: int
    iterations: int


def _bgnbd_terms(logp: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray,
                 gradient: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-row log-likelihood and (optionally) its gradient in the log-parameters.

    The special functions depend on the parameters and x only, so they are evaluated once per
    distinct x (a few dozen values), then spread to the rows: a fit of 20,000 customers costs
    a few logs and exps per customer and evaluation.
    """
    r, alpha, a, b = np.exp(logp)
    xs, at = np.unique(x, return_inverse=True)
    rep_s = xs > 0
    base = betaln(a, b)
    lead = (gammaln(r + xs) - gammaln(r) + r * np.log(alpha))[at]
    b3 = (betaln(a, b + xs) - base)[at]
    b4_s = np.full(xs.shape, -np.inf)
    b4_s[rep_s] = betaln(a + 1, b + xs[rep_s] - 1) - base
    rep = rep_s[at]
    log_age = np.log(alpha + age)
    log_tx = np.where(rep, np.log(alpha + np.where(rep, t_x, age)), log_age)
    c3 = b3 - (r + x) * log_age
    c4 = b4_s[at] - (r + x) * log_tx
    tail = np.logaddexp(c3, c4)
    ll = lead + tail
    if not gradient:
        return ll, None
    w3 = np.exp(c3 - tail)
    w4 = np.exp(c4 - tail)
    ab = digamma(a + b)
    abx = digamma(a + b + xs)
    b_x1 = np.zeros(xs.shape)
    b_x1[rep_s] = digamma(b + xs[rep_s] - 1)
    d_a3 = (ab - abx)[at]
    d_a4 = (digamma(a + 1) - abx - digamma(a) + ab)[at]
    d_b3 = (digamma(b + xs) - abx - digamma(b) + ab)[at]
    d_b4 = (b_x1 - abx - digamma(b) + ab)[at]
    d_r = ((digamma(r + xs) - digamma(r))[at] + np.log(alpha)
           - w3 * log_age - w4 * log_tx)
    d_alpha = (r / alpha - (r + x) * (w3 / (alpha + age) + w4 * np.exp(-log_tx)))
    d_a = w3 * d_a3 + w4 * d_a4
    d_b = w3 * d_b3 + w4 * d_b4
    grad = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, grad


def bgnbd_log_likelihood(params: BGNBD | Sequence[float], frequency: Any, recency: Any,
                         T: Any) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood (FHL 2005 eq. 6), computed in logs:
    ln Γ(r+x) - ln Γ(r) + r ln α + ln[B(a, b+x)/B(a, b) (α+T)^-(r+x)
    + [x > 0] B(a+1, b+x-1)/B(a, b) (α+t_x)^-(r+x)]."""
    p = params if isinstance(params, BGNBD) else BGNBD(*map(float, params))
    x, t_x, age = _as_arrays(frequency, recency, T)
    return _bgnbd_terms(np.log([p.r, p.alpha, p.a, p.b]), x, t_x, age, gradient=False)[0]


def _compressed(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how many customers share each (the fit's weights)."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


class PurchaseFitError(DataFileError):
    """A purchase-model fit that did not converge (reported instead of numbers)."""


def _not_converged(model: str, why: str, **params: str) -> PurchaseFitError:
    """The search did not converge; ``why`` is a ``messages.found.*`` key name filled with
    ``params``."""
    return PurchaseFitError([Issue(model, "rule", allowed_key=_A + "pm_fittable",
                                   got_key=_F + "pm_not_converged",
                                   params=tuple(params.items()),
                                   keyed_params=(("why", _F + why),))])


def _maximise(objective: Any, start: np.ndarray, model: str,
              names: tuple[str, ...]) -> tuple[np.ndarray, float, int]:
    """Minimise ``objective`` (value and gradient of the mean negative log-likelihood) over
    log-parameters; raise on non-convergence."""
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    best = None
    for attempt in (start, start + 0.5):      # a second start if the first one fails
        result = minimize(objective, attempt, jac=True, method="L-BFGS-B", bounds=bounds,
                          options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
        if np.all(np.isfinite(result.x)) and np.isfinite(result.fun) and (
                best is None or result.fun < best.fun):
            best = result
        if best is not None and best.success:
            break
    if best is None or not np.isfinite(best.fun):
        raise _not_converged(model, "pm_ll_not_finite")
    if not best.success:
        raise _not_converged(model, "pm_message", message=str(best.message)[:120])
    at_edge = [n for n, v in zip(names, best.x, strict=True) if abs(v) > _LOG_BOUND - 1e-3]
    if at_edge:
        raise _not_converged(model, "pm_edge", names=", ".join(at_edge))
    return best.x, float(best.fun), int(best.nit)


def fit_bgnbd(frequency: Any, recency: Any, T: Any) -> BGNBDFit:
    """Fit BG/NBD by maximum likelihood to per-customer x, t_x, T (one time unit).

    Customers with the same (x, t_x, T) are fitted once with their count as a weight.

    Raises:
        DataFileError: no customers, values out of range (x < 0, t_x outside 0..T), no repeat
            purchase at all, or a search that did not converge.
    """
    x, t_x, age = _as_arrays(frequency, recency, T)
    _check_inputs(x, t_x, age)
    (ux, ut, uT), weights = _compressed(x, t_x, age)
    n = float(weights.sum())

    def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _bgnbd_terms(logp, ux, ut, uT, gradient=True)
        assert grad is not None
        return -float(np.sum(weights * ll)) / n, -np.sum(grad * weights, axis=1) / n

    rate = x.sum() / max(age.sum(), 1e-12)
    start = np.log([1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0])
    logp, value, iterations = _maximise(objective, start, "bgnbd", ("r", "alpha", "a", "b"))
    r, alpha, a, b = np.exp(logp)
    return BGNBDFit(BGNBD(float(r), float(alpha), float(a), float(b)), -value * n, len(x),
                    iterations)


def _check_inputs(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> None:
    issues = []
    if len(x) == 0:
        issues.append(Issue("frequency", "length", allowed_key=_A + "pm_one_customer",
                            got_key="validation.found.data_none"))
    for name, values in (("frequency", x), ("recency", t_x), ("T", age)):
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            issues.append(Issue(name, "range", allowed_key=_A + "pm_finite",
                                got_key=_F + "pm_bad_value"))
    if np.any(t_x > age * (1 + 1e-9) + 1e-9):
        issues.append(Issue("recency", "range", allowed_key=_A + "pm_recency_t",
                            got_key=_F + "pm_beyond_t"))
    if not issues and not np.any(x > 0):
        issues.append(Issue("frequency", "rule", allowed_key=_A + "pm_repeat_buyers",
                            got_key=_F + "pm_no_repeat"))
    if issues:
        raise DataFileError(issues)


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma spend model: spend per purchase ~ Gamma(shape ``p``, rate ν),
    ν ~ Gamma(shape ``q``, rate ``gamma``); money in the data's currency."""

    p: float
    q: float
    gamma: float

    @property
    def mean_spend(self) -> float:
        """Population mean spend per purchase, p γ / (q - 1) (NaN if q <= 1: no finite mean)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")

    def expected_spend(self, frequency: Any, monetary: Any) -> np.ndarray:
        """E[spend per purchase | x, z̄] = p (γ + x z̄) / (p x + q - 1): a weighted average of
        the population mean and the customer's own mean z̄ (the population mean for x = 0)."""
        x = np.asarray(frequency, dtype=float)
        z = np.where(x > 0, np.asarray(monetary, dtype=float), 0.0)
        if self.q <= 1:
            return np.full(np.broadcast(x, z).shape, np.nan)
        return self.p * (self.gamma + x * z) / (self.p * x + self.q - 1)


@dataclass(frozen=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma: ``model``, total ``log_likelihood``, ``customers`` fitted (repeat
    buyers with a positive mean spend) and ``excluded`` (repeat buyers with a zero mean)."""

    model: GammaGamma
    log_likelihood: float
    customers: int
    excluded: int


def _gg_terms(logp: np.ndarray, x: np.ndarray, z: np.ndarray,
              gradient: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-row log density and (optionally) its gradient in the log-parameters; special
    functions once per distinct x."""
    p, q, g = np.exp(logp)
    xs, at = np.unique(x, return_inverse=True)
    pxs = p * xs
    px = pxs[at]
    log_sum = np.log(g + x * z)
    log_z, log_x = np.log(z), np.log(x)
    ll = ((gammaln(pxs + q) - gammaln(pxs))[at] - gammaln(q) + q * np.log(g)
          + (px - 1) * log_z + px * log_x - (px + q) * log_sum)
    if not gradient:
        return ll, None
    d_p = x * ((digamma(pxs + q) - digamma(pxs))[at] + log_z + log_x - log_sum)
    d_q = digamma(pxs + q)[at] - digamma(q) + np.log(g) - log_sum
    d_g = q / g - (px + q) / (g + x * z)
    return ll, np.stack([d_p * p, d_q * q, d_g * g])


def gamma_gamma_log_likelihood(params: GammaGamma | Sequence[float], frequency: Any,
                               monetary: Any) -> np.ndarray:
    """Each repeat buyer's log density of their mean spend z̄ over x purchases (Fader & Hardie
    2013 eq. 1a): ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln z̄ + px ln x
    - (px+q) ln(γ + x z̄). Needs x >= 1 and z̄ > 0."""
    m = params if isinstance(params, GammaGamma) else GammaGamma(*map(float, params))
    x, z = (np.asarray(v, dtype=float).ravel() for v in (frequency, monetary))
    return _gg_terms(np.log([m.p, m.q, m.gamma]), x, z, gradient=False)[0]


def fit_gamma_gamma(frequency: Any, monetary: Any) -> GammaGammaFit:
    """Fit Gamma-Gamma by maximum likelihood to the repeat buyers (x >= 1) among the given
    customers; those with a mean spend of 0 are left out (counted in ``excluded``).

    Raises:
        DataFileError: negative or non-finite spends, fewer than 2 repeat buyers with a
            positive spend, or a search that did not converge.
    """
    x, z = (np.asarray(v, dtype=float).ravel() for v in (frequency, monetary))
    if len(x) != len(z):
        raise ValueError("frequency and monetary must have the same length")
    if not np.all(np.isfinite(z)) or np.any(z < 0):
        raise DataFileError([Issue("monetary_value", "range",
                                   allowed_key=_A + "pm_finite_amounts",
                                   got_key=_F + "pm_bad_value")])
    repeat = x > 0
    used = repeat & (z > 0)
    if used.sum() < 2:
        raise DataFileError([Issue("monetary_value", "rule", got=f"{int(used.sum())}",
                                   allowed_key=_A + "pm_two_spenders")])
    (ux, uz), weights = _compressed(x[used], z[used])
    n = float(weights.sum())

    def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _gg_terms(logp, ux, uz, gradient=True)
        assert grad is not None
        return -float(np.sum(weights * ll)) / n, -np.sum(grad * weights, axis=1) / n

    start = np.log([1.0, 2.0, float(np.mean(z[used]))])
    logp, value, _ = _maximise(objective, start, "gamma_gamma", ("p", "q", "gamma"))
    p, q, g = np.exp(logp)
    return GammaGammaFit(GammaGamma(float(p), float(q), float(g)), -value * n,
                         int(used.sum()), int((repeat & ~used).sum()))


def simulate_bgnbd(model: BGNBD, T: Any, rng: np.random.Generator) -> pd.DataFrame:
    """Customers drawn from the BG/NBD process, each observed for ``T`` time units after their
    first purchase (an array, one age per customer): columns ``frequency``, ``recency``, ``T``.

    Each customer draws λ ~ Gamma(r, 1/α) and p ~ Beta(a, b), buys at the gaps of a Poisson
    process of rate λ and, after each repeat purchase, drops out with probability p.
    Vectorised over customers (one step per purchase number).
    """
    age = np.asarray(T, dtype=float).ravel()
    n = len(age)
    lam = rng.gamma(model.r, 1.0 / model.alpha, n)
    drop = rng.beta(model.a, model.b, n)
    now = np.zeros(n)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    going = np.ones(n, dtype=bool)
    while going.any():
        idx = np.flatnonzero(going)
        now[idx] += rng.exponential(1.0, len(idx)) / np.maximum(lam[idx], 1e-300)
        bought = now[idx] <= age[idx]
        buyers = idx[bought]
        x[buyers] += 1
        t_x[buyers] = now[buyers]
        going[idx[~bought]] = False
        going[buyers[rng.random(len(buyers)) < drop[buyers]]] = False
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": age})


def customer_predictions(summary: pd.DataFrame, bgnbd: BGNBD, horizon: float,
                         gamma_gamma: GammaGamma | None = None) -> pd.DataFrame:
    """Per customer of ``summary`` (columns ``frequency``, ``recency``, ``T`` and, for spend,
    ``monetary_value``): ``p_alive``, ``expected_purchases`` in the next ``horizon`` time units
    and, with ``gamma_gamma``, ``expected_spend`` per purchase (currency) and
    ``expected_value`` = purchases x spend (undiscounted)."""
    x, t_x, age = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    out = pd.DataFrame({"p_alive": bgnbd.p_alive(x, t_x, age),
                        "expected_purchases": bgnbd.expected_purchases(horizon, x, t_x, age)},
                       index=summary.index)
    if gamma_gamma is not None and "monetary_value" in summary.columns:
        spend = gamma_gamma.expected_spend(x, summary["monetary_value"].to_numpy(dtype=float))
        out["expected_spend"] = spend
        out["expected_value"] = out["expected_purchases"] * spend
    return out
