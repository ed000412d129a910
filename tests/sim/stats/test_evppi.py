"""The value of partial information (MODEL.md, "Outputs"): EVPPI and thresholds against closed
forms on the closed-form case of tests/sim/simulation/test_quality.py, and the estimator on
arrays whose answer is known."""

import json

import numpy as np
import pytest

from sim.results.dataset import to_dataset
from sim.results.summary import summarize
from sim.stats.evppi import Costs, evppi, expected_regret, line_thresholds, thresholds
from tests.conftest import configure, run_config
from tests.sim.simulation.test_quality import ISSUE_CASE

NAMES = ["prompt", "finetune", "rag"]
# The case without quality: prompting 960 USD a month, 23,040 over 24 months at 1e6 calls; the
# fine-tune 5,010 once and 480 a month, 16,530; RAG priced out. Prompting costs 0.02304 USD and
# the fine-tune 0.01152 per call/month of month-1 volume: they cross at 5,010 / (24 x 480e-6).
BREAK_EVEN = 5_010.0 / (24 * 480e-6)  # 434,895.83 calls/month


def pilot_case(scenarios, **sections):
    case = {key: dict(value) for key, value in ISSUE_CASE.items() if key != "quality"}
    case["rag"]["setup_cost"] = 1e9
    for key, value in sections.items():
        case[key] = {**case.get(key, {}), **value}
    return configure(scenarios=scenarios, **case)


def run(cfg):
    settings, simulation = run_config(cfg)
    return to_dataset(settings, simulation)


def costs_of(results):
    return results.cost.transpose("scenario", "route").sel(route=NAMES).values


def test_a_pilot_of_the_success_probability_is_worth_its_closed_form():
    # p ~ U(0.2, 1), one attempt: a failed fine-tune pays its 5,010 and prompts, 28,050, so
    # E[C_ft | p] = 28,050 - 11,520 p against prompting's 23,040; the fine-tune is chosen
    # (E[p] = 0.6: 21,138). EVPPI = E[max(0, 5,010 - 11,520 p)]
    #   = (5,010 - 11,520 x 0.2)^2 / (2 x 11,520 x 0.8) = 397.27;
    # EVPI = P(fail) x 5,010 = 0.4 x 5,010 = 2,004.
    results = run(pilot_case(20_000, finetune={"success_probability": "uniform(low=0.2, high=1)", "max_attempts": 1},
                             rag={"setup_cost": "uniform(low=1e9, high=2e9)"}))
    costs = costs_of(results)
    assert set(np.round(costs[:, 1], 2)) == {16_530.0, 28_050.0}
    closed = (5_010.0 - 11_520.0 * 0.2) ** 2 / (2 * 11_520.0 * 0.8)
    assert closed == pytest.approx(397.27, abs=0.005)
    value = evppi(costs, results["finetune.success_probability"].values)
    low, high = value["ci95"]
    assert low <= closed <= high and high - low < 100.0
    evpi = expected_regret(costs)
    assert evpi == pytest.approx(2_004.0, rel=0.03)
    # RAG's setup cost, priced out whatever its value, cannot change the choice: exactly 0
    assert evppi(costs, results["rag.setup_cost"].values)["evppi"] == 0.0
    # the fine-tune's expected cost is linear in p: it meets prompting's at p = 5,010 / 11,520;
    # the spline's level between two deciles rests on 2,000 costs of spread about 5,000 USD,
    # about 110 USD or 0.01 in p at 11,520 USD a unit of p
    (found,) = thresholds(costs, results["finetune.success_probability"].values, NAMES)
    assert found["from"] == "prompt" and found["to"] == "finetune"
    assert found["value"] == pytest.approx(5_010.0 / 11_520.0, abs=0.03)


def test_with_volume_alone_uncertain_its_evppi_is_the_evpi_and_its_threshold_the_break_even():
    results = run(pilot_case(2_000, workload={"calls_per_month": "lognormal(p05=2e5, p95=1e6)"}))
    costs = costs_of(results)
    volume = results["workload.calls_per_month"].values
    evpi = expected_regret(costs)
    assert evpi > 100.0
    # every cost is a line in the volume: knowing it is knowing everything
    assert evppi(costs, volume)["evppi"] == pytest.approx(evpi, rel=1e-9)
    fixed = results.cost_fixed.transpose("scenario", "route").sel(route=NAMES).values
    slope = results.cost_slope.transpose("scenario", "route").sel(route=NAMES).values
    (crossing,) = line_thresholds(fixed, slope, volume, NAMES)
    assert crossing == {"value": pytest.approx(BREAK_EVEN, rel=1e-6), "from": "prompt", "to": "finetune"}
    summary = summarize(results)
    assert summary["thresholds"]["workload.calls_per_month"] == [crossing]
    assert summary["value_of_information"]["inputs"]["workload.calls_per_month"]["evppi"] == pytest.approx(
        evpi, rel=1e-9)


def test_a_linear_truth_is_fitted_exactly():
    x = np.linspace(0.0, 10.0, 1_001).astype(np.float32)
    costs = np.column_stack([100.0 + 30.0 * x.astype(np.float64), np.full(len(x), 250.0)])
    # the first is cheaper below x = 5: knowing x saves E[max(0, 30 x - 150) or ...] = the EVPI
    value = evppi(costs, x)
    assert value["evppi"] == pytest.approx(expected_regret(costs), rel=1e-9)
    (found,) = thresholds(costs, x, ["a", "b"])
    assert found == {"value": pytest.approx(5.0, rel=1e-9), "from": "a", "to": "b"}


def test_an_input_unrelated_to_the_costs_is_worth_about_nothing_and_never_more_than_the_evpi():
    rng = np.random.default_rng(7)
    n = 20_000
    costs = np.column_stack([rng.normal(100.0, 30.0, n), rng.normal(101.0, 30.0, n)])
    noise = rng.normal(size=n)
    value = evppi(costs, noise)
    evpi = expected_regret(costs)
    assert 0.0 <= value["evppi"] <= evpi
    assert value["evppi"] < 0.05 * evpi and value["ci95"][0] == 0.0
    # a group of the noise and the input that decides is worth what that input is
    decides = costs[:, 0] - costs[:, 1]
    alone = evppi(costs, decides)["evppi"]
    assert alone == pytest.approx(evpi, rel=0.01)
    assert evppi(costs, np.column_stack([decides, noise]))["evppi"] == pytest.approx(alone, rel=0.01)


def test_a_fixed_input_or_a_single_route_is_worth_nothing():
    rng = np.random.default_rng(3)
    costs = rng.normal(100.0, 10.0, (500, 2))
    assert evppi(costs, np.full(500, 4.0)) == {"evppi": 0.0, "ci95": [0.0, 0.0]}
    assert evppi(costs[:, :1], rng.normal(size=500)) == {"evppi": 0.0, "ci95": [0.0, 0.0]}
    assert thresholds(costs, np.full(500, 4.0), ["a", "b"]) == []
    # too few scenarios for batches: an estimate without an interval
    assert Costs(costs[:60]).evppi(costs[:60, 0])["ci95"] is None


def test_the_summary_gives_every_drawn_input_its_evppi_within_the_evpi(finished_run):
    summary = json.loads((finished_run / "summary.json").read_text())
    information = summary["value_of_information"]
    evpi = summary["evpi"]
    assert information["evpi"] == evpi and information["evpi_ci95"] == summary["evpi_ci95"]
    assert "finetune.success_probability" in information["inputs"]
    for value in information["inputs"].values():
        assert 0.0 <= value["evppi"] <= evpi
    pilot = information["groups"]["fine-tune pilot"]
    assert pilot["inputs"] == ["finetune.success_probability"] and 0.0 <= pilot["evppi"] <= evpi
    for key, found in summary["thresholds"].items():
        assert key in information["inputs"] and found
        assert all(set(entry) == {"value", "from", "to"} and entry["from"] in summary["routes"] for entry in found)
