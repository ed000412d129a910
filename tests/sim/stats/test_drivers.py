"""Drivers: the groups, the effect's interval and its coverage, what is not listed."""

import numpy as np
import pytest

from sim.inputs.schema import input_metadata
from sim.stats.drivers import MIN_PER_TENTH, _tails, difference_interval, irrelevant_inputs, rank, relevant

META = {key: {"description": key, "unit": "1"} for key in ("noise", "decisive")}


def test_the_input_that_decides_the_answer_ranks_first_and_noise_is_not_ranked():
    n = 10_000
    rng = np.random.default_rng(0)
    decisive = np.arange(n, dtype=float)
    noise = rng.random(n)
    wins = decisive >= n / 2  # the challenger wins exactly in the top half of `decisive`
    savings = decisive - n / 2
    drivers = rank({"noise": noise, "decisive": decisive}, wins, savings, set(), META)
    top = drivers["ranked"][0]
    assert [r["input"] for r in drivers["ranked"]] == ["decisive"]
    assert [r["input"] for r in drivers["no_detectable_effect"]] == ["noise"]
    assert top["p_low"] == 0.0 and top["p_high"] == 1.0 and top["effect"] == 1.0
    # lowest tenth: savings -5000..-4001, median -4500.5; highest: 4000..4999, median 4499.5
    assert top["savings_low"] == -4500.5 and top["savings_high"] == 4499.5
    assert (top["low_tenth_up_to"], top["high_tenth_from"]) == (999.0, 9000.0)
    assert top["ci95"][0] > 0.99


def test_the_effects_interval_covers_a_zero_effect_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    covered = 0
    replications = 400
    for _ in range(replications):
        wins = rng.random(2000) < 0.3  # independent of the input
        drivers = rank({"noise": rng.random(2000)}, wins, np.zeros(2000), set(), META)
        row = (drivers["ranked"] + drivers["no_detectable_effect"])[0]
        covered += row["ci95"][0] <= 0 <= row["ci95"][1]
    # binomial(400, 0.95) lies in [371, 389] with probability > 0.99
    assert 371 <= covered <= 389, covered


def test_newcombe_interval_of_a_worked_example():
    # Newcombe (1998), table II, example (a): 56/70 - 48/80 = 0.2000, 95% CI 0.0524 to 0.3339
    low, high = difference_interval(56 / 70, 48 / 80, 70, 80)
    assert low == pytest.approx(0.0524, abs=5e-5) and high == pytest.approx(0.3339, abs=5e-5)


def test_too_few_scenarios_skip_the_drivers_with_a_reason():
    n = 10 * MIN_PER_TENTH - 1
    drivers = rank({"noise": np.arange(n, dtype=float)}, np.zeros(n, bool), np.zeros(n), set(), META)
    assert drivers["ranked"] == [] and drivers["no_detectable_effect"] == []
    assert "at least 100 scenarios in each tenth" in drivers["skipped"]


def test_inputs_that_cannot_enter_a_comparison_are_not_listed_for_it():
    keys = input_metadata()
    finetune_irrelevant = {k for k in keys if not relevant(k, "finetune")}
    rag_irrelevant = {k for k in keys if not relevant(k, "rag")}
    assert {"workload.rag_prompt_tokens", "workload.query_embedding_tokens", "pricing.embedding",
            "rag.corpus_tokens", "rag.setup_cost"} <= finetune_irrelevant
    assert not any(k.startswith(("finetune.", "successor.")) for k in keys if relevant(k, "rag"))
    assert {"workload.finetuned_prompt_tokens", "pricing.finetuned_input", "pricing.training",
            "pricing.hosting_per_month"} <= rag_irrelevant
    # what prompting itself pays for matters to both comparisons
    shared = {"workload.calls_per_month", "workload.prompt_tokens", "workload.output_tokens", "pricing.base_input",
              "market.cuts_per_year", "workload.shutdown_per_year"}
    assert not shared & (finetune_irrelevant | rag_irrelevant)


def test_driver_groups_are_the_ends_of_a_stable_sort_ties_included():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        values = rng.integers(0, 5, n).astype(float)  # whole-month inputs tie a lot
        k = int(rng.integers(1, n + 1))
        order = np.argsort(values, kind="stable")
        low, high = _tails(values, k)
        assert sorted(low) == sorted(order[:k])
        assert sorted(high) == sorted(order[-k:])


@pytest.mark.slow
def test_at_100k_scenarios_a_planted_input_without_effect_is_not_ranked(tmp_path):
    from sim.pipeline import run
    from tests.conftest import configure

    cfg = configure(
        scenarios=100_000, report=False,
        workload={"calls_per_month": "lognormal(p05=2e4, p95=3e5)", "prompt_tokens": "pert(1000, 2000, 4000)"},
        # drift and deprecation never come within the horizon: the retrain cost is never paid
        finetune={"retrain_cost": "uniform(1000, 50000)", "setup_cost": "pert(200, 600, 3000)"},
        rag={"setup_cost": "uniform(100, 900)"},
    )
    summary = run(cfg, tmp_path, progress=False)
    finetune = summary["drivers"]["finetune"]
    ranked = [d["input"] for d in finetune["ranked"]]
    assert ranked[0] == "workload.calls_per_month" and "finetune.setup_cost" in ranked
    assert "finetune.retrain_cost" in [d["input"] for d in finetune["no_detectable_effect"]]
    listed = ranked + [d["input"] for d in finetune["no_detectable_effect"]]
    assert "rag.setup_cost" not in listed  # cannot enter fine-tuning's comparison
    rag = summary["drivers"]["rag"]
    assert "rag.setup_cost" in [d["input"] for d in rag["ranked"]]
    assert not any(d["input"].startswith("finetune.") for d in rag["ranked"] + rag["no_detectable_effect"])


def test_the_default_routes_leave_out_what_the_three_strategy_model_left_out():
    # the routes' own input lists give the same comparisons as the fixed lists of before routes
    from sim.inputs.validation import validate
    from tests.conftest import configure

    settings = validate(configure())
    route_inputs = {route.name: route.inputs for route in settings.routes}
    keys = set().union(*route_inputs.values())  # an input no route reads is fixed, never ranked
    for challenger in ("finetune", "rag"):
        legacy = {k for k in keys if not relevant(k, challenger)}
        # issue 25's and 26's inputs the fixed lists never knew (each route's own success rate)
        caching = {"finetune": {"workload.rag_prefix_tokens", "quality.rag"},
                   "rag": {"workload.finetuned_prefix_tokens", "pricing.finetuned_cached_input",
                           "quality.finetune"}}[challenger]
        assert irrelevant_inputs(route_inputs, challenger, "prompt") == (legacy | caching) & keys, challenger


def test_a_second_fine_tune_routes_own_inputs_do_not_enter_the_first_ones_comparison():
    route_inputs = {"prompt": {"workload.prompt_tokens", "pricing.base_input"},
                    "finetune": {"workload.finetuned_prompt_tokens", "finetune.setup_cost"},
                    "lora": {"workload.finetuned_prompt_tokens", "routes.lora.finetune.setup_cost",
                             "sheets.dedicated-lora-8b.hosting_per_month"}}
    assert irrelevant_inputs(route_inputs, "finetune", "prompt") == {
        "routes.lora.finetune.setup_cost", "sheets.dedicated-lora-8b.hosting_per_month"}
    assert irrelevant_inputs(route_inputs, "lora", "prompt") == {"finetune.setup_cost"}


def test_tenths_shared_across_challengers_give_the_same_ranking():
    rng = np.random.default_rng(3)
    n = 5_000
    inputs = {"workload.calls_per_month": rng.lognormal(13, 1, n), "rag.setup_cost": rng.uniform(1e3, 5e4, n)}
    metadata = {key: {"description": key, "unit": "x"} for key in inputs}
    savings = 1e-4 * inputs["workload.calls_per_month"] - 0.5 * inputs["rag.setup_cost"] / 1e3 + rng.normal(0, 5, n)
    tails = {}
    first = rank(inputs, savings > 0, savings, set(), metadata, tails)
    assert set(tails) == set(inputs)  # each input's tenths, found once
    again = rank(inputs, savings > 0, savings, set(), metadata, tails)
    assert again == first == rank(inputs, savings > 0, savings, set(), metadata) and first["scenarios"] == n


def test_a_large_run_splits_its_first_rows_into_tenths(monkeypatch, finished_run):
    from sim.io.netcdf import read_results
    from sim.results import summary as summary_module

    results = read_results(finished_run / "results.nc")  # 500 saved rows of the 2,000
    monkeypatch.setattr(summary_module, "DRIVER_SCENARIOS", 300)
    monkeypatch.setattr("sim.stats.drivers.MIN_PER_TENTH", 10)
    drivers = summary_module.summarize(results)["drivers"]
    assert {d["scenarios"] for d in drivers.values()} == {300}
