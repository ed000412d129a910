"""The quality keys of a run's summary (MODEL.md, "Quality and the cost of errors"): closed forms
with every input fixed, P(win) equal to P(cheapest) with the defaults, P(acceptable) of an
uncertain rate against its closed form, and a recommendation among acceptable routes only."""

import pytest

from sim.results.contents import summary_problem
from sim.results.dataset import to_dataset
from sim.results.summary import summarize
from tests.conftest import configure, run_config
from tests.sim.simulation.test_quality import H, issue_case, pert_above


def summary_of(cfg):
    settings, simulation = run_config(cfg)
    summary = summarize(to_dataset(settings, simulation))
    names = [route.name for route in settings.routes]
    assert summary_problem(summary, names, [k for k in names if k != names[settings.baseline]]) is None
    return summary


@pytest.mark.parametrize("sampling", ["mc", "sobol"])
def test_with_the_defaults_p_win_is_p_cheapest_and_every_route_is_acceptable(sampling):
    summary = summary_of(configure(scenarios=2048, sampling=sampling,
                                   workload={"calls_per_month": {"dist": "lognormal", "p05": 3e4, "p95": 3e5}}))
    assert 0 < summary["p_cheapest"]["finetune"] < 1  # the volume decides: a real choice
    assert {k: summary["p_win"][k] for k in summary["p_cheapest"]} == summary["p_cheapest"]
    assert {k: summary["p_win_ci95"][k] for k in summary["p_cheapest"]} == summary["p_cheapest_ci95"]
    assert summary["p_win"]["none"] == 0.0
    assert summary["p_acceptable"] == {"prompt": 1.0, "finetune": 1.0, "rag": 1.0}
    assert summary["quality"] == {"bar": 0.0, "error_cost": "0"}
    assert all(v == {"mean": 0.0} for v in summary["error_cost"].values())
    assert "quality bar" not in summary["recommendation"]["reason"]


def test_the_issues_case_to_the_cent_with_its_winner_and_cost_per_resolved_call():
    summary = summary_of(issue_case(bar=0.93))
    assert summary["cost"]["finetune"]["mean"] == pytest.approx(616_530.0, abs=0.005)
    assert summary["p_acceptable"] == {"prompt": 0.0, "finetune": 1.0, "rag": 0.0}
    assert summary["p_win"] == {"prompt": 0.0, "finetune": 1.0, "rag": 0.0, "none": 0.0}
    # failed calls 24 x 1e6 x (0.10, 0.05, 0.08); their cost half of that in USD
    assert summary["failed_calls"]["finetune"]["mean"] == pytest.approx(1.2e6)
    assert summary["error_cost"]["rag"]["mean"] == pytest.approx(960_000.0)
    # 616,530 USD over 24 x 1e6 x 0.95 resolved calls; 1,223,040 over 24 x 1e6 x 0.90
    assert summary["cost_per_resolved_call"]["finetune"] == pytest.approx(616_530.0 / (H * 0.95e6))
    assert summary["cost_per_resolved_call"]["prompt"] == pytest.approx(1_223_040.0 / (H * 0.90e6))
    recommendation = summary["recommendation"]
    assert recommendation["strategy"] == "fine-tuning"
    assert recommendation["reason"].startswith("Chosen among the routes that meet the quality bar (a success rate of"
                                               " at least 93%) in at least 80% of scenarios (not prompting, RAG).")
    assert summary["quality"] == {"bar": 0.93, "error_cost": "0.5"}


def test_when_no_route_meets_the_bar_the_recommendation_says_so_first():
    summary = summary_of(issue_case(bar=0.99))
    assert summary["p_win"]["none"] == 1.0 and summary["p_win_ci95"]["none"][1] == 1.0
    recommendation = summary["recommendation"]
    assert recommendation["strategy"] == "not yet"
    assert recommendation["reason"].startswith("No route meets the quality bar (a success rate of at least 99%) in"
                                               " most scenarios: the likeliest, prompting, meets it in 0%.")


@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_p_acceptable_of_an_uncertain_rate_is_within_its_interval_of_the_closed_form(sampling):
    truth = pert_above(0.85, 0.93, 0.98, 0.9)
    summary = summary_of(configure(scenarios=8192, sampling=sampling, quality={
        "finetune": {"dist": "pert", "low": 0.85, "mode": 0.93, "high": 0.98}, "bar": 0.9}))
    low, high = summary["p_acceptable_ci95"]["finetune"]
    assert low <= truth <= high, (low, summary["p_acceptable"]["finetune"], high, truth)
    # the fine-tune is the cheapest whenever it is acceptable; else prompting (RAG is dearer)
    assert summary["p_win"]["finetune"] == summary["p_acceptable"]["finetune"]


def test_a_results_file_whose_quality_variables_are_damaged_is_refused_in_words():
    from sim.results.contents import results_problem

    settings, simulation = run_config(issue_case(bar=0.93))
    results = to_dataset(settings, simulation)
    assert results_problem(results, with_summary=False) is None
    assert results_problem(results.drop_vars("replicate_win"), with_summary=False) == "no variable 'replicate_win'"
    damaged = results.assign(error_cost=results.error_cost.isel(route=0))
    assert results_problem(damaged, with_summary=False) == "variable 'error_cost' has dims (scenario), not (scenario, route)"
