"""The summary's sentences: what they say follows from the numbers beside them."""

import math

from sim.results.summary import ENOUGH, small_run_note


def test_the_small_run_note_scales_the_runs_own_interval_to_the_scenarios_it_advises():
    # ±0.5 points at 8,192 scenarios: at 100,000, sqrt(8,192 / 100,000) as wide, ±0.14
    summary = {"scenarios": 8192, "p_beats_prompt": {"finetune": {"ci95": [0.10, 0.11]},
                                                     "rag": {"ci95": [0.20, 0.205]}}}
    note = small_run_note(summary)
    assert "about ±0.5 points (95%)" in note
    assert f"scenarios={ENOUGH} or more (about ±{100 * 0.005 * math.sqrt(8192 / ENOUGH):.2g} points" in note
    assert "±0.14 points" in note
    assert small_run_note({**summary, "scenarios": 10_000}) is None


def test_a_run_of_one_route_has_no_probability_to_call_rough():
    assert small_run_note({"scenarios": 2000, "p_beats_prompt": {}}) is None


def test_the_label_shows_an_override_as_the_user_meant_it_not_hydras_escapes():
    import json

    import xarray as xr

    from sim.results.summary import run_label

    run = {"presets": {"pricing": "dedicated-lora-8b"},
           "overrides": [r"workload.prompt_tokens=pert\(low\=4000\,mode\=5000\,high\=6500\)", "scenarios=5000"]}
    results = xr.Dataset(attrs={"run": json.dumps(run), "scenarios": 5000, "horizon_months": 24, "start": "2026-12"})
    assert run_label(results)["label"] == ("5,000 scenarios, 24 months from 2026-12 | pricing=dedicated-lora-8b"
                                           " | workload.prompt_tokens=pert(low=4000,mode=5000,high=6500)")


def test_a_small_run_whose_probabilities_are_all_certain_does_not_quote_a_zero_width():
    summary = {"scenarios": 2000, "p_beats_prompt": {"finetune": {"ci95": [0.0, 0.0]}}}
    assert small_run_note(summary) == ("Only 2,000 scenarios: quantiles, CVaR and drivers are rough."
                                       f" Run scenarios={ENOUGH} or more before you decide.")
