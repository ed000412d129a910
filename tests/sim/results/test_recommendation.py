"""The recommendation as an action (issue #27): its wording per route kind, the lean below
confidence, the stakes read from the summary's own numbers, what settles it, and the warning
when a default the user never set is among the two inputs worth most to know."""

import pytest

from sim.report.formats import usd
from sim.report.memo import log_lines, memo_lines
from sim.results.recommendation import action_phrase, recommendation_action, settle_sentence, stakes_sentence
from sim.stats.analysis import recommend

ROUTES = {"prompt": {"kind": "prompt", "sheet": "openai-gpt-4.1-mini"},
          "ft-azure": {"kind": "finetune", "sheet": "azure-openai-gpt-4.1-mini"},
          "rag": {"kind": "rag", "sheet": "openai-gpt-4.1-mini"}}
LABELS = {"prompt": "prompting", "ft-azure": "ft-azure", "rag": "RAG"}


def summary_of(mean_cost, p_cheaper, p_cheapest, confidence=0.8, **extra):
    """A summary with the keys the recommendation reads; savings against prompting follow from the
    means, their 5% and 95% quantiles are the mean -/+ 1,000."""
    names = list(ROUTES)
    savings = {k: {"mean": mean_cost["prompt"] - mean_cost[k], "p05": mean_cost["prompt"] - mean_cost[k] - 1000.0,
                   "p95": mean_cost["prompt"] - mean_cost[k] + 1000.0} for k in names[1:]}
    summary = {"routes": ROUTES, "baseline": "prompt", "confidence": confidence, "horizon_months": 24,
               "cost": {k: {"mean": v} for k, v in mean_cost.items()}, "savings_vs_prompt": savings,
               "p_cheapest": p_cheapest, "p_cheapest_ci95": {k: [max(0, p - 0.01), min(1, p + 0.01)]
                                                            for k, p in p_cheapest.items()}, **extra}
    decided = recommend([mean_cost[k] for k in names], p_cheaper, [LABELS[k] for k in names], confidence)
    return summary, decided


def test_each_kind_reads_as_an_imperative():
    assert action_phrase("prompt", "prompt", "openai-gpt-4.1-mini", "prompt") == "Keep prompting"
    assert action_phrase("rag", "rag", "openai-gpt-4.1-mini", "prompt") == "Build RAG"
    assert action_phrase("finetune", "finetune", "dedicated-lora-8b", "prompt") == "Fine-tune on dedicated-lora-8b"
    assert (action_phrase("ft-azure", "finetune", "azure-openai-gpt-4.1-mini", "prompt")
            == "Fine-tune on azure-openai-gpt-4.1-mini (route ft-azure)")
    assert (action_phrase("luna", "prompt", "openai-gpt-6-luna", "prompt")
            == "Switch to prompting on openai-gpt-6-luna (route luna)")


def test_a_confident_challenger_is_the_action_with_its_odds_and_stakes():
    # RAG costs 20,000 against prompting's 30,000 and the fine-tune's 26,000; it is cheaper than each in 90%
    p_cheaper = [[0, 0.3, 0.1], [0.7, 0, 0.1], [0.9, 0.9, 0]]
    summary, decided = summary_of({"prompt": 30_000.0, "ft-azure": 26_000.0, "rag": 20_000.0}, p_cheaper,
                                  {"prompt": 0.05, "ft-azure": 0.07, "rag": 0.88})
    rec = recommendation_action(summary, decided)
    assert (rec["route"], rec["confident"], rec["action"], rec["strategy"]) == ("rag", True, "Build RAG", "RAG")
    assert rec["probability"] == 0.88 and rec["p_cheaper_than_each"] == 0.9
    assert rec["stakes"] == {"baseline_cost": 30_000.0, "savings": 10_000.0, "savings_p05": 9_000.0,
                             "runner_up": {"route": "ft-azure", "savings": 4_000.0, "savings_p95": 5_000.0}}
    assert stakes_sentence({**summary, "recommendation": rec}, rec, usd) == (
        "Prompting costs $30k expected over 24 months (discounted); RAG would save $10k on average and saves at"
        " least $9k in 95% of scenarios; the runner-up, ft-azure, would save $4k on average (in the best 5% of"
        " scenarios it saves $5k or more).")
    # confidence is held against P(cheaper than each other route), 90%, not P(cheapest), 88%: both said
    summary["recommendation"] = rec
    assert log_lines(summary)[0] == ("recommendation: Build RAG (the cheapest in 88.0% [87.0%, 89.0%] of scenarios;"
                                     " cheaper than each other route in at least 90.0%; meets the 80% asked)")


def test_below_confidence_the_lean_keeps_the_baseline_and_names_what_settles_it():
    # the fine-tune is cheapest on average but cheaper than prompting in only 60%
    p_cheaper = [[0, 0.4, 0.9], [0.6, 0, 0.95], [0.1, 0.05, 0]]
    information = {"inputs": {"finetune.success_probability": {"evppi": 900.0, "ci95": [800.0, 1000.0]},
                              "rag.setup_cost": {"evppi": 50.0, "ci95": [0.0, 80.0]}},
                   "groups": {"fine-tune pilot": {"inputs": ["finetune.success_probability"], "evppi": 1200.0,
                                                  "ci95": [1000.0, 1400.0]}}}
    inputs = {"finetune.success_probability": {"value": "uniform(low=0.6, high=0.95)", "source": "default"},
              "rag.setup_cost": {"value": 4000, "source": "override"}}
    thresholds = {"finetune.success_probability": [{"value": 0.71, "from": "prompt", "to": "ft-azure"}]}
    summary, decided = summary_of({"prompt": 30_000.0, "ft-azure": 29_000.0, "rag": 35_000.0}, p_cheaper,
                                  {"prompt": 0.4, "ft-azure": 0.58, "rag": 0.02}, value_of_information=information,
                                  inputs=inputs, thresholds=thresholds)
    rec = recommendation_action(summary, decided)
    assert (rec["route"], rec["confident"], rec["strategy"]) == ("ft-azure", False, "not yet")
    assert rec["action"] == ("Keep prompting for now; run the fine-tune pilot first, then decide whether to fine-tune"
                             " on azure-openai-gpt-4.1-mini (route ft-azure)")
    assert rec["settle"] == {"input": "fine-tune pilot", "evppi": 1200.0, "ci95": [1000.0, 1400.0],
                             "inputs": ["finetune.success_probability"]}
    # the input worth most to know is a default nobody set: said, with its value
    assert rec["warnings"] == ["finetune.success_probability = uniform(low=0.6, high=0.95) is a default you never"
                               " set, and among the two inputs that would change this answer most: set it to your"
                               " own estimate."]
    summary["recommendation"] = rec
    assert settle_sentence(summary, rec, usd) == (
        "A fine-tune pilot (measuring finetune.success_probability) is worth $1.2k [$1k, $1.4k] before choosing"
        " (EVPPI): up to that much is worth spending on it; at finetune.success_probability = 0.71 the cheapest route on average changes from prompting to ft-azure.")
    memo = memo_lines(summary, LABELS)
    assert memo[0] == f"## {rec['action']}" and any(line.startswith("**To settle it.**") for line in memo)
    assert any("Check this input" in line for line in memo)
    assert log_lines(summary)[0].startswith(f"recommendation: {rec['action']} (the cheapest in 58.0% [57.0%, 59.0%]")


def test_information_worth_less_than_a_cent_on_the_dollar_settles_nothing():
    p_cheaper = [[0, 0.7, 0.7], [0.3, 0, 0.5], [0.3, 0.5, 0]]
    information = {"inputs": {"rag.setup_cost": {"evppi": 299.0, "ci95": None}}}
    summary, decided = summary_of({"prompt": 30_000.0, "ft-azure": 31_000.0, "rag": 32_000.0}, p_cheaper,
                                  {"prompt": 0.7, "ft-azure": 0.15, "rag": 0.15}, value_of_information=information)
    rec = recommendation_action(summary, decided)
    # the lean is the baseline itself: keep it; 299 USD is under 1% of its 30,000
    assert (rec["route"], rec["action"], rec["settle"]) == ("prompt", "Keep prompting", None)
    assert rec["stakes"]["savings"] == 0.0 and rec["stakes"]["runner_up"]["route"] == "ft-azure"


def test_no_acceptable_route_recommends_none():
    decided = {"strategy": "not yet", "probability": 0.0,
               "reason": "No route meets the quality bar (a success rate of at least 99%) in most scenarios: ..."}
    summary, _ = summary_of({"prompt": 30_000.0, "ft-azure": 29_000.0, "rag": 35_000.0},
                            [[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]], {"prompt": 0.4, "ft-azure": 0.4, "rag": 0.2})
    rec = recommendation_action(summary, decided)
    assert rec["route"] is None and rec["probability"] == 0.0
    assert rec["action"].startswith("Keep prompting for now: no route meets the quality bar")


@pytest.mark.parametrize("p05, said", [(-2_500.0, "but in 5% of scenarios it costs $2.5k or more above the baseline"),
                                       (500.0, "and saves at least $500 in 95% of scenarios")])
def test_the_downside_reads_as_its_sign(p05, said):
    p_cheaper = [[0, 0.1, 0.1], [0.9, 0, 0.9], [0.9, 0.1, 0]]
    summary, decided = summary_of({"prompt": 30_000.0, "ft-azure": 20_000.0, "rag": 25_000.0}, p_cheaper,
                                  {"prompt": 0.05, "ft-azure": 0.85, "rag": 0.1})
    summary["savings_vs_prompt"]["ft-azure"]["p05"] = p05
    rec = recommendation_action(summary, decided)
    assert said in stakes_sentence(summary, rec, usd)


def test_what_would_change_it_names_thresholds_by_value_and_fixed_inputs_that_cross_zero():
    from sim.report.memo import change_sentences

    summary = {
        "value_of_information": {"inputs": {"workload.calls_per_month": {"evppi": 900.0},
                                            "rag.setup_cost": {"evppi": 100.0}}},
        "thresholds": {"rag.setup_cost": [{"value": 52_000.0, "from": "rag", "to": "prompt"}],
                       "workload.calls_per_month": [{"value": 434_895.83, "from": "prompt", "to": "finetune"}]},
        "drivers": {"finetune": {"fixed_inputs": [
            {"input": "pricing.base_input", "value": 0.4, "low": 0.32, "high": 0.48, "savings_low": -1500.0,
             "savings_high": 2500.0},
            {"input": "pricing.training", "value": 5.0, "low": 4.0, "high": 6.0, "savings_low": -10.0,
             "savings_high": 12.0}]},
            "rag": {"fixed_inputs": [{"input": "pricing.embedding", "value": 0.02, "low": 0.016, "high": 0.024,
                                      "savings_low": -900.0, "savings_high": -800.0}]}},
    }
    summary["drivers"]["finetune"]["fixed_inputs_basis"] = {"step": 0.2, "scenarios": 16_384, "savings": 500.0}
    labels = {"prompt": "prompting", "finetune": "fine-tuning", "rag": "RAG"}
    assert change_sentences(summary, labels) == [
        "as workload.calls_per_month rises, the cheapest route on average changes at 434,896 from prompting to"
        " fine-tuning",
        "as rag.setup_cost rises, the cheapest route on average changes at 52,000 from RAG to prompting",
        # the first fixed input that carries the savings across zero, per route; RAG's stays below
        "pricing.base_input at 0.32 to 0.48 (±20% of 0.4) moves fine-tuning's expected savings from -$1,500 to"
        " $2,500",
    ]


def test_a_baseline_below_the_quality_bar_is_kept_only_as_a_stopgap_and_says_so():
    p_cheaper = [[0, 0.4, 0.9], [0.6, 0, 0.95], [0.1, 0.05, 0]]
    summary, decided = summary_of({"prompt": 30_000.0, "ft-azure": 29_000.0, "rag": 35_000.0}, p_cheaper,
                                  {"prompt": 0.4, "ft-azure": 0.58, "rag": 0.02}, quality={"bar": 0.85},
                                  p_acceptable={"prompt": 0.3, "ft-azure": 0.9, "rag": 0.95})
    rec = recommendation_action(summary, decided)
    assert rec["action"].startswith("Keep prompting (below the quality bar) for now; run a pilot first")
