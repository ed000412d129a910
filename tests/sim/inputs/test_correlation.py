"""Rank correlations: achieved through the engine, marginals untouched, every bad pair refused."""


import numpy as np
import pytest
from scipy.stats import spearmanr

from sim.inputs.validation import ConfigError, validate
from tests.conftest import configure, run_config

CALLS, GROWTH = "workload.calls_per_month", "workload.growth_per_month"
PROMPT, SETUP = "workload.prompt_tokens", "finetune.setup_cost"
UNCERTAIN = {
    "workload": {
        "calls_per_month": "lognormal(p05=3e5, p95=5e6)",
        "growth_per_month": "normal(p05=0.0, p95=0.05)",
        "prompt_tokens": "pert(low=3000, mode=5000, high=9000)",
    },
    "finetune": {"setup_cost": "uniform(low=1000, high=3000)"},
}


def uncertain(correlations=(), **run):
    cfg = configure(**run)
    for section, values in UNCERTAIN.items():
        cfg[section] = {**cfg[section], **values}
    cfg["correlations"] = [{"inputs": [a, b], "rank": r} for a, b, r in correlations]
    return cfg


def spearman(simulation, a, b):
    keys = simulation.drawn_keys
    return spearmanr(simulation.drawn[:, keys.index(a)], simulation.drawn[:, keys.index(b)]).statistic


def test_achieved_rank_correlations_are_the_targets_within_0_02():
    pairs = [(CALLS, GROWTH, 0.6), (PROMPT, SETUP, -0.4), (CALLS, PROMPT, 0.3)]
    _, simulation = run_config(uncertain(pairs, scenarios=100_000))
    for a, b, rank in pairs:
        assert abs(spearman(simulation, a, b) - rank) < 0.02, (a, b)
    # a pair not given is held independent: identity elsewhere in the matrix
    assert abs(spearman(simulation, GROWTH, SETUP)) < 0.02


def test_marginals_are_unchanged_to_the_last_bit():
    from sim.simulation.sampling import REPLICATE

    # 20,000 scenarios: two full blocks and a partial one
    _, plain = run_config(uncertain(scenarios=20_000))
    _, correlated = run_config(uncertain([(CALLS, GROWTH, 0.8)], scenarios=20_000))
    assert plain.drawn_keys == correlated.drawn_keys
    for column, key in enumerate(plain.drawn_keys):
        before, after = plain.drawn[:, column], correlated.drawn[:, column]
        if key in (CALLS, GROWTH):  # reordered within each replicate, not redrawn
            for lo in range(0, 20_000, REPLICATE):
                assert np.array_equal(np.sort(before[lo : lo + REPLICATE]), np.sort(after[lo : lo + REPLICATE]))
            assert not np.array_equal(before, after)
        else:  # a new stream changes no other stream
            assert np.array_equal(before, after), key


def test_the_numbers_do_not_depend_on_the_thread_count():
    cfg = uncertain([(CALLS, GROWTH, 0.6), (PROMPT, SETUP, -0.5)], scenarios=40_000)
    _, one = run_config(cfg, threads=1)
    _, four = run_config(cfg, threads=4)
    for name in ("drawn", "cost", "payback", "beats"):
        assert np.array_equal(getattr(one, name), getattr(four, name)), name
    assert np.array_equal(one.totals.cost_sum, four.totals.cost_sum)


def test_without_correlations_each_input_is_drawn_from_its_own_stream_as_before():
    # Under plain sampling column j is its table's quantile of the block's stream 3 + j,
    # nothing reordered; the correlation stream is touched only when asked for.
    from kernels.layout import STATIC_FIELDS
    from kernels.tables import table_quantile
    from sim.simulation.sampling import _FIRST_STATIC_STREAM, _stream, block_seeds, draw_static
    from sim.simulation.tables import quantile_table

    settings, _ = run_config(uncertain(scenarios=10, seed=7))
    assert settings.correlation is None
    seed = block_seeds(7, 1)[0]
    static = draw_static(settings.inputs, settings.layout, seed, 1000, method="mc")
    for column, key in enumerate(STATIC_FIELDS):
        distribution = settings.inputs[key]
        if not distribution.is_fixed:
            nodes = quantile_table(distribution)
            uniforms = _stream(seed, _FIRST_STATIC_STREAM + column).random(1000)
            alone = distribution.domain.clip(np.array([table_quantile(nodes, u) for u in uniforms]))
            assert np.array_equal(static[:, column], alone), key


def test_a_stress_preset_can_set_correlations():
    from tests.sim.inputs.test_schema import compose_with

    settings = validate(compose_with("stress=volume-slump"))
    assert settings.correlation.pairs == ((CALLS, GROWTH, 0.7),)
    assert validate(compose_with()).correlation is None


def entry(a, b, rank):
    return {"inputs": [a, b], "rank": rank}


@pytest.mark.parametrize(
    "correlations, key, message",
    [
        ([entry(CALLS, "workload.calls", 0.5)], "correlations[0]", "no uncertain input 'workload.calls'"),
        ([entry(CALLS, GROWTH, 0.5), entry("workload.output_tokens", CALLS, 0.5)], "correlations[1]",
         "workload.output_tokens is fixed (250); only a distribution can be correlated"),
        ([entry("market.cut_size", CALLS, 0.5)], "correlations[0]", "market.cut_size is drawn per event"),
        ([entry(CALLS, "finetune.base_lifetime_months", 0.5)], "correlations[0]",
         "finetune.base_lifetime_months is drawn per event"),
        ([entry(CALLS, CALLS, 0.5)], "correlations[0]", "workload.calls_per_month is paired with itself"),
        ([entry(CALLS, GROWTH, 1.0)], "correlations[0]", "rank: 1.0 is not a number in (-1, 1)"),
        ([entry(CALLS, GROWTH, -1)], "correlations[0]", "rank: -1 is not a number in (-1, 1)"),
        ([entry(CALLS, GROWTH, "high")], "correlations[0]", "rank: 'high' is not a number in (-1, 1)"),
        ([entry(CALLS, GROWTH, float("nan"))], "correlations[0]", "rank: nan is not a number in (-1, 1)"),
        ([entry(CALLS, GROWTH, True)], "correlations[0]", "rank: True is not a number in (-1, 1)"),
        ([entry(CALLS, GROWTH, 0.9), entry(GROWTH, PROMPT, 0.9), entry(CALLS, PROMPT, -0.9)], "correlations",
         "not positive definite"),
        ([entry(CALLS, GROWTH, 0.5), entry(GROWTH, CALLS, 0.4)], "correlations[1]",
         "already paired in correlations[0]"),
        ([[CALLS, GROWTH, 0.5]], "correlations[0]", "is not a mapping {inputs: [KEY_A, KEY_B], rank: r}"),
        ([{"inputs": [CALLS, GROWTH]}], "correlations[0]", "is not a mapping"),
        ([{"rank": 0.5}], "correlations[0]", "is not a mapping"),
        ([{"inputs": [CALLS, GROWTH], "rank": 0.5, "method": "copula"}], "correlations[0]", "is not a mapping"),
        ([{"inputs": [CALLS, GROWTH, PROMPT], "rank": 0.5}], "correlations[0]", "is not a list of two input keys"),
        ([{"inputs": CALLS, "rank": 0.5}], "correlations[0]", "is not a list of two input keys"),
        ({"inputs": [CALLS, GROWTH], "rank": 0.5}, "correlations", "is not a list"),
    ],
)
def test_bad_correlations_are_refused_with_one_line_naming_the_entry(correlations, key, message):
    cfg = uncertain()
    cfg["correlations"] = correlations
    with pytest.raises(ConfigError) as error:
        validate(cfg)
    text = str(error.value)
    assert text.startswith(f"{key}: ") and message in text and "\n" not in text


@pytest.mark.parametrize("scenarios", [1, 2, 3, 8194])
def test_tiny_blocks_are_reordered_without_error(scenarios):
    _, simulation = run_config(uncertain([(CALLS, GROWTH, 0.9), (PROMPT, SETUP, 0.5)], scenarios=scenarios))
    assert np.isfinite(simulation.cost).all()
