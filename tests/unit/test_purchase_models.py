"""sim.purchase_models: BG/NBD and Gamma-Gamma against the published CDNOW estimates.

Oracles (tests/data/README.md gives the data's source):

- Fader, Hardie & Lee (2005), "Counting your customers the easy way", CDNOW sample of 2,357
  customers, 39-week calibration, weeks: r = 0.243, α = 4.414, a = 0.793, b = 2.426,
  LL = -9,582.4 (to more digits, as CLVTools reports: 0.2425945, 4.4136019, 0.7929199,
  2.4258881, -9,582.429);
- Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", the 946 repeat buyers:
  p = 6.25, q = 3.74, γ = 15.44.

Plus parameter recovery and the law of total expectation on data simulated from the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.datafile import DataFileError
from sim.purchase_models import (
    BGNBD,
    GammaGamma,
    PurchaseFitError,
    _bgnbd_terms,
    _gg_terms,
    bgnbd_log_likelihood,
    check_summary,
    customer_predictions,
    fit_bgnbd,
    fit_gamma_gamma,
    read_summary,
    simulate_bgnbd,
    summary_from_log,
)
from sim.transactions import read_transactions
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return read_summary((DATA / "cdnow_summary.csv").read_bytes())


@pytest.fixture(scope="module")
def cdnow_log():
    return read_transactions((DATA / "cdnow_sample_transactions.csv").read_bytes(),
                             "customer_id", "date", "amount", date_format="%Y%m%d")


def _params(fit) -> dict[str, float]:
    m = fit.model
    return {"r": m.r, "alpha": m.alpha, "a": m.a, "b": m.b}


def test_bgnbd_reproduces_the_published_cdnow_fit(cdnow: pd.DataFrame) -> None:
    assert len(cdnow) == 2357 and int((cdnow["frequency"] > 0).sum()) == 946
    fit = fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for name, value in PUBLISHED_BGNBD.items():
        assert _params(fit)[name] == pytest.approx(value, abs=5e-4), name
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert fit.customers == 2357


def test_bgnbd_from_the_transaction_log(cdnow_log, cdnow: pd.DataFrame) -> None:
    summary = summary_from_log(cdnow_log, "1997-09-30", "week")
    # the shipped summary is this table rounded to 2 decimals
    assert list(summary.index) == list(cdnow.index.str.zfill(4))
    assert (summary["frequency"].to_numpy() == cdnow["frequency"].to_numpy()).all()
    for column in ("recency", "T", "monetary_value"):
        assert np.abs(summary[column].to_numpy() - cdnow[column].to_numpy()).max() <= 0.0051
    fit = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    precise = {"r": 0.2425945, "alpha": 4.4136019, "a": 0.7929199, "b": 2.4258881}
    for name, value in precise.items():
        assert _params(fit)[name] == pytest.approx(value, rel=5e-5), name
        assert round(_params(fit)[name], 3) == PUBLISHED_BGNBD[name]
    assert fit.log_likelihood == pytest.approx(-9582.429, abs=1e-3)
    gg = fit_gamma_gamma(summary["frequency"], summary["monetary_value"])
    m = gg.model
    assert (round(m.p, 2), round(m.q, 2), round(m.gamma, 2)) == (6.25, 3.74, 15.44)


def test_gamma_gamma_reproduces_the_published_cdnow_fit(cdnow: pd.DataFrame) -> None:
    fit = fit_gamma_gamma(cdnow["frequency"], cdnow["monetary_value"])
    assert fit.customers == 946 and fit.excluded == 0
    got = {"p": fit.model.p, "q": fit.model.q, "gamma": fit.model.gamma}
    for name, value in PUBLISHED_GG.items():
        assert got[name] == pytest.approx(value, abs=0.01), name
    assert np.isfinite(fit.log_likelihood) and fit.log_likelihood < 0
    # the population mean spend p γ / (q - 1) and the shrinkage of a customer's own mean
    gg = GammaGamma(**PUBLISHED_GG)
    assert gg.mean_spend == pytest.approx(6.25 * 15.44 / 2.74)
    own = gg.expected_spend(2, 100.0)
    assert gg.mean_spend < own < 100 and own == pytest.approx(6.25 * (15.44 + 200) / 15.24)
    assert gg.expected_spend(0, 0.0) == pytest.approx(gg.mean_spend)


def test_analytic_gradients_match_finite_differences(cdnow: pd.DataFrame) -> None:
    x = cdnow["frequency"].to_numpy(dtype=float)
    t_x, age = cdnow["recency"].to_numpy(), cdnow["T"].to_numpy()
    logp = np.log([0.3, 5.0, 0.9, 2.0])
    grad = _bgnbd_terms(logp, x, t_x, age, gradient=True)[1].sum(axis=1)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6
        numeric = (_bgnbd_terms(logp + step, x, t_x, age, False)[0].sum()
                   - _bgnbd_terms(logp - step, x, t_x, age, False)[0].sum()) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-5)
    rep = x > 0
    z = cdnow["monetary_value"].to_numpy()[rep]
    logp = np.log([2.0, 3.0, 10.0])
    grad = _gg_terms(logp, x[rep], z, gradient=True)[1].sum(axis=1)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-6
        numeric = (_gg_terms(logp + step, x[rep], z, False)[0].sum()
                   - _gg_terms(logp - step, x[rep], z, False)[0].sum()) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-5)


def test_log_likelihood_is_stable_for_heavy_buyers() -> None:
    model = BGNBD(0.243, 4.414, 0.793, 2.426)
    ll = bgnbd_log_likelihood(model, [0, 1, 300, 5000], [0, 10, 38, 38.8], [39, 39, 39, 39])
    assert np.all(np.isfinite(ll))
    # BG/NBD's known trait: a very heavy buyer silent a little while looks gone (finite, no
    # overflow): ((α+T)/(α+t_x))^(r+x) = (43.414/43.214)^5000 ~ e^23
    alive = model.p_alive([5000, 5000], [38.8, 39], [39, 39])
    assert 0 < alive[0] < 1e-5 and alive[1] == pytest.approx(1 / (1 + 0.793 / 5001.426))


def test_p_alive_and_expected_purchases() -> None:
    model = BGNBD(0.243, 4.414, 0.793, 2.426)
    # no repeat purchase: certainly alive (BG/NBD drops out only after a purchase)
    assert model.p_alive([0, 0], [0, 0], [10, 39]).tolist() == [1.0, 1.0]
    # P(alive) is the share of the likelihood's "still alive" term
    x, t_x, age = np.array([1.0, 2, 7]), np.array([1.71, 30.43, 29.43]), np.full(3, 38.86)
    logp = np.log([model.r, model.alpha, model.a, model.b])
    from scipy.special import betaln

    alive = (betaln(model.a, model.b + x) - (model.r + x) * np.log(model.alpha + age))
    gone = (betaln(model.a + 1, model.b + x - 1) - (model.r + x) * np.log(model.alpha + t_x))
    assert model.p_alive(x, t_x, age) == pytest.approx(1 / (1 + np.exp(gone - alive)))
    assert np.all(np.isfinite(_bgnbd_terms(logp, x, t_x, age, False)[0]))
    # long silence after frequent buying: less likely alive than a recent buyer
    assert model.p_alive([7], [10], [38.86])[0] < model.p_alive([7], [38], [38.86])[0]
    # a customer just acquired expects what a new customer expects
    assert model.expected_purchases(39, [0], [0], [0])[0] == pytest.approx(
        model.expected_purchases_new(39.0))
    # CDNOW customer 1 (x = 2, t_x = 30.43, T = 38.86), the next 39 weeks
    assert model.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(1.226,
                                                                                    abs=1e-3)


def test_expected_purchases_agree_with_simulation() -> None:
    rng = np.random.default_rng(11)
    model = BGNBD(0.5, 8.0, 0.7, 2.5)
    sims = simulate_bgnbd(model, np.full(200_000, 30.0), rng)
    se = sims["frequency"].std() / np.sqrt(len(sims))
    assert abs(sims["frequency"].mean() - model.expected_purchases_new(30.0)) < 4 * se
    # law of total expectation: the conditional forecasts of a population drawn from the
    # model add up to the unconditional growth E[X(T + t)] - E[X(T)]
    ages = rng.uniform(20, 60, 100_000)
    base = simulate_bgnbd(model, ages, rng)
    forecast = model.expected_purchases(20.0, base["frequency"], base["recency"], base["T"])
    growth = model.expected_purchases_new(ages + 20.0) - model.expected_purchases_new(ages)
    assert forecast.mean() == pytest.approx(growth.mean(), rel=0.03)


def test_parameters_recovered_from_simulated_data() -> None:
    rng = np.random.default_rng(2024)
    truth = BGNBD(0.5, 8.0, 0.7, 2.5)
    sims = simulate_bgnbd(truth, rng.uniform(20, 80, 20_000), rng)
    fit = fit_bgnbd(sims["frequency"], sims["recency"], sims["T"])
    assert fit.model.r == pytest.approx(0.5, rel=0.1)
    assert fit.model.alpha == pytest.approx(8.0, rel=0.1)
    assert fit.model.a == pytest.approx(0.7, rel=0.2)
    assert fit.model.b == pytest.approx(2.5, rel=0.25)
    truth_ll = bgnbd_log_likelihood(truth, sims["frequency"], sims["recency"], sims["T"]).sum()
    assert fit.log_likelihood >= truth_ll                    # the maximum is a maximum


def test_customer_predictions(cdnow: pd.DataFrame) -> None:
    model = BGNBD(0.243, 4.414, 0.793, 2.426)
    out = customer_predictions(cdnow.head(5), model, 39.0, GammaGamma(6.25, 3.74, 15.44))
    assert list(out.columns) == ["p_alive", "expected_purchases", "expected_spend",
                                 "expected_value"]
    assert out.loc["1", "expected_purchases"] == pytest.approx(1.226, abs=1e-3)
    assert out.loc["3", "p_alive"] == 1.0
    assert (out["expected_value"] == out["expected_purchases"] * out["expected_spend"]).all()


def test_non_convergence_is_reported_not_returned() -> None:
    # everyone buys steadily to the end: no sign of dropout, b runs away
    x = np.full(500, 40.0)
    with pytest.raises(PurchaseFitError) as excinfo:
        fit_bgnbd(x, np.full(500, 49.9), np.full(500, 50.0))
    assert "did not converge" in str(excinfo.value)
    assert isinstance(excinfo.value, DataFileError)
    with pytest.raises(DataFileError) as excinfo:
        fit_bgnbd([0, 0, 0], [0, 0, 0], [5, 6, 7])
    assert excinfo.value.issues[0].path == "frequency" and "repeat" in str(excinfo.value)
    with pytest.raises(DataFileError):
        fit_gamma_gamma([0, 1, 0], [0, 5.0, 0])              # one repeat buyer only


def _summary_issues(text: str) -> list[tuple[str, str]]:
    with pytest.raises(DataFileError) as excinfo:
        read_summary(text.encode())
    return [(i.path, i.code) for i in excinfo.value.issues]


def test_summary_bad_input_names_the_row() -> None:
    assert _summary_issues("customer_id,freq,recency,T\n1,0,0,5\n") == [("frequency", "column")]
    assert _summary_issues("customer_id,frequency,recency,T\n") == [("file", "length")]
    assert _summary_issues(
        "customer_id,frequency,recency,T,monetary_value\n"
        "1,2,3,10,5\n"          # fine
        "2,-1,0,10,0\n"         # negative frequency
        "3,1.5,2,10,4\n"        # not whole
        "4,2,12,10,4\n"         # recency beyond T
        "5,0,3,10,0\n"          # recency without repeat purchases
        "6,1,x,10,3\n"          # not a number
        "7,1,2,10,-3\n"         # negative spend
        "1,1,1,10,1\n"          # customer twice
    ) == [("frequency[row 3]", "range"), ("frequency[row 4]", "range"),
          ("recency[row 5]", "range"), ("recency[row 6]", "rule"), ("recency[row 7]", "type"),
          ("monetary_value[row 8]", "range"), ("customer_id[row 9]", "rule")]
    ok = check_summary(pd.DataFrame({"customer_id": ["a"], "frequency": [1], "recency": [2.0],
                                     "T": [3.0]}))
    assert ok.loc["a", "frequency"] == 1 and "monetary_value" not in ok.columns


def test_summary_from_log_definitions() -> None:
    log = read_transactions(b"id,date,amount\n"
                            b"a,2024-01-01,10\na,2024-01-15,30\na,2024-01-29,50\n"
                            b"b,2024-01-08,5\nc,2024-03-01,9\n", "id", "date", "amount")
    weeks = summary_from_log(log, "2024-02-26", "week")
    assert list(weeks.index) == ["a", "b"]                   # c bought after calibration
    assert weeks.loc["a"].to_dict() == {"frequency": 2, "recency": 4.0, "T": 8.0,
                                        "monetary_value": 40.0}   # repeat purchases only
    assert weeks.loc["b"].to_dict() == {"frequency": 0, "recency": 0.0, "T": 7.0,
                                        "monetary_value": 0.0}
    days = summary_from_log(log, "2024-02-26", "day")
    assert days.loc["a", "T"] == 56.0
    months = summary_from_log(log, None, "month")            # default end: last purchase
    assert months.loc["a", "T"] == pytest.approx(60 / (365.25 / 12))
    with pytest.raises(DataFileError):
        summary_from_log(log, "2024-02-26", "fortnight")     # type: ignore[arg-type]
