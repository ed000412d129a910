"""A portfolio added up scenario by scenario: closed forms, the shared market, independent
workloads, fixed routes (MODEL.md, "A portfolio of workloads")."""

import json

import numpy as np
import pytest
import xarray as xr

from sim.inputs.validation import ConfigError
from sim.results.member import MEMBER_FILE, choose_route
from sim.portfolio.runs import run_portfolio
from tests.conftest import configure
from tests.sim.simulation.test_tornado import CASE

CENT = 0.005


def workload(calls, **changes):
    """The tornado's closed-form case (fine-tuning 16,530 against prompting's 23,040 at 1e6
    calls a month) at ``calls`` a month: every input fixed, no discounting, 24 months."""
    cfg = configure(**CASE, **{"report": False, "cashflows": False, "tornado_step": 0, "scenarios": 8, **changes})
    cfg["workload"]["calls_per_month"] = calls
    return cfg


def test_two_fixed_workloads_add_up_to_the_closed_form(tmp_path):
    # 1e6 calls: fine-tuning 5,010 once and 480 a month = 16,530 against prompting's 960 a month
    # = 23,040; 1e5 calls: prompting 96 a month = 2,304, fine-tuning 5,010 + 48 x 24 = 6,162
    summary = run_portfolio({"large": workload(1_000_000), "small": workload(100_000)}, tmp_path, report=False)
    portfolio = summary["portfolio"]
    assert portfolio["routes"] == {"large": "finetune", "small": "prompt"}
    for statistic in ("mean", "p05", "p50", "p95"):
        assert portfolio["cost"][statistic] == pytest.approx(16_530 + 2_304, abs=CENT)
        assert portfolio["baseline_cost"][statistic] == pytest.approx(23_040 + 2_304, abs=CENT)
        assert portfolio["savings"][statistic] == pytest.approx(6_510, abs=CENT)
    assert portfolio["savings"]["cvar05"] == pytest.approx(6_510, abs=CENT)
    spend = portfolio["monthly_spend"]
    # month 1: training and setup 5,010 + 480 + 96; then 480 + 96 a month
    assert spend["p50"][0] == pytest.approx(5_010 + 480 + 96, abs=CENT)
    assert spend["p05"][1] == spend["p95"][1] == pytest.approx(576, abs=CENT)
    assert spend["baseline_p50"][1] == pytest.approx(960 + 96, abs=CENT)
    # the routed portfolio pulls ahead once 5,010 + 480 m < 960 m: from month 11 (5,010 / 480 = 10.4)
    assert portfolio["p_cheaper"]["p"] == [0.0] * 10 + [1.0] * 14
    assert portfolio["shares"] == {"large": 1.0, "small": 0.0}
    assert portfolio["evpi"] == pytest.approx(0.0, abs=CENT)
    assert summary["workloads"]["large"]["reason"].startswith("its recommendation: Fine-tune")
    assert summary["workloads"]["small"]["recommendation"]["route"] == "prompt"  # its own summary, kept whole
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["portfolio"]["cost"]["mean"] == pytest.approx(18_834, abs=CENT)
    rows = (tmp_path / "cashflows.csv").read_text().splitlines()
    assert rows[0] == "month,calendar_month,portfolio,p05,p50,p95,mean"
    assert rows[3].split(",")[2:] == ["routed", "576.00", "576.00", "576.00", "576.00"]


def test_a_fixed_route_is_honoured_and_an_unknown_one_refused(tmp_path):
    # the small workload fine-tuned by decree: 6,162 instead of 2,304
    summary = run_portfolio({"large": workload(1_000_000), "small": workload(100_000)}, tmp_path,
                            routes={"small": "finetune"}, report=False)
    assert summary["portfolio"]["cost"]["mean"] == pytest.approx(16_530 + 6_162, abs=CENT)
    assert summary["workloads"]["small"]["reason"] == "fixed by the portfolio"
    # its hindsight choice was prompting: the regret of the decree, 6,162 - 2,304, is the portfolio's EVPI
    assert summary["portfolio"]["evpi"] == pytest.approx(6_162 - 2_304, abs=CENT)
    own = summary["workloads"]["small"]
    with pytest.raises(ConfigError, match="'gold' is not a route of this workload"):
        choose_route(own, "gold")


MARKET_ONLY = dict(market={"trend_per_year": 0.0, "cuts_per_year": 3.0, "cut_size": "uniform(low=0.1, high=0.5)"})


def test_identical_workloads_on_the_shared_market_cost_twice_one_quantile_by_quantile(tmp_path):
    # prompting pays current prices x M_m and a fine-tune its go-live index: the price cuts
    # are the only uncertainty, and both workloads see the same ones in every scenario
    one = workload(1_000_000, **MARKET_ONLY, scenarios=4096)
    summary = run_portfolio({"a": one, "b": one}, tmp_path, report=False)
    a = xr.open_dataset(tmp_path / "workloads" / "a" / MEMBER_FILE).load()
    b = xr.open_dataset(tmp_path / "workloads" / "b" / MEMBER_FILE).load()
    np.testing.assert_array_equal(a.cost.values, b.cost.values)  # their own streams differ; nothing else is drawn
    single = a.cost.values[:, -1]
    assert np.quantile(single, 0.95) > np.quantile(single, 0.05) * 1.05  # the market does move the cost
    portfolio = summary["portfolio"]
    for statistic, level in (("p05", 0.05), ("p50", 0.50), ("p95", 0.95)):
        assert portfolio["cost"][statistic] == 2 * np.quantile(single, level)
    assert portfolio["cost"]["mean"] == pytest.approx(2 * single.mean(), rel=1e-12)


def test_independent_volumes_give_a_p95_below_the_sum_of_p95s(tmp_path):
    volume = {"calls_per_month": "lognormal(p05=2e5, p95=5e6)"}
    one = workload(1_000_000, scenarios=4096, sampling="mc")
    one["workload"].update(volume)
    summary = run_portfolio({"a": one, "b": one}, tmp_path, report=False)
    a = xr.open_dataset(tmp_path / "workloads" / "a" / MEMBER_FILE).load().cost.values[:, -1]
    b = xr.open_dataset(tmp_path / "workloads" / "b" / MEMBER_FILE).load().cost.values[:, -1]
    # drawn on each workload's own streams: independent, not the same draws twice
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.1
    p95 = summary["portfolio"]["cost"]["p95"]
    assert p95 < np.quantile(a, 0.95) + np.quantile(b, 0.95)
    np.testing.assert_allclose(p95, np.quantile(a + b, 0.95), rtol=1e-12)


def test_adding_a_workload_changes_no_other_workloads_numbers(tmp_path):
    one = workload(1_000_000, **MARKET_ONLY, scenarios=2048, sampling="mc")
    one["workload"]["calls_per_month"] = "lognormal(p05=2e5, p95=5e6)"
    run_portfolio({"a": one}, tmp_path / "alone", report=False)
    run_portfolio({"a": one, "z": one}, tmp_path / "with", report=False)
    alone = xr.open_dataset(tmp_path / "alone" / "workloads" / "a" / MEMBER_FILE).load()
    beside = xr.open_dataset(tmp_path / "with" / "workloads" / "a" / MEMBER_FILE).load()
    np.testing.assert_array_equal(alone.cost.values, beside.cost.values)
