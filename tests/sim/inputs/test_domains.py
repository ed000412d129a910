"""Domains that keep the model finite: every input out of range is refused by key,
whatever is in range gives finite numbers, and whole numbers stay whole."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import ConfigError, validate
from sim.inputs.schema import input_metadata
from sim.io.netcdf import read_results
from tests.conftest import FT, configure, run_config


def refusal(**override):
    with pytest.raises(ConfigError) as error:
        validate(configure(**override))
    text = str(error.value)
    assert "\n" not in text
    return text


def payback(*args, run_dir):
    return subprocess.run(
        [sys.executable, "-m", "sim", "scenarios=200", "report=false", f"hydra.run.dir={run_dir}", *args],
        capture_output=True, text=True, timeout=300,
    )


def assert_refused_in_one_line(done, prefix):
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"payback: error: {prefix}"), done.stderr


def test_every_uncertain_input_has_a_finite_range():
    for key, meta in input_metadata().items():
        domain = meta["domain"]
        assert math.isfinite(domain.lower) and math.isfinite(domain.upper), key


# The repros of issue #14, item 1, each refused in one line naming the key.
@pytest.mark.parametrize("section, name, value, message", [
    # int64 overflow in the kernel turned off shutdowns and price cuts for every strategy
    ("finetune", "months_to_ship", 1e300, "1e+300 is not a whole number in [0, 1200]"),
    # behaved as 1 attempt
    ("finetune", "max_attempts", 1e300, "1e+300 is not a whole number in [1, 100]"),
    # int32 recorded -1294967296 attempts
    ("finetune", "max_attempts", 3e9, "3e+09 is not a whole number in [1, 100]"),
    # NaN through ceil: retrained every month
    ("finetune", "mean_months_between_retrains", 1e300, "1e+300 is not a number in [1e-09, 1e+06]"),
    # ZeroDivisionError in the kernel
    ("finetune", "retrain_interval_cv", 1e300, "1e+300 is not a number in [0, 10]"),
    # Infinity and NaN in summary.json
    ("pricing", "base_input", 1e300, "1e+300 is not a number in [0, 10000]"),
    # a crash in the plots
    ("workload", "growth_per_month", 1e300, "1e+300 is not a number in [-1, 1]"),
])
def test_the_repros_are_refused_naming_the_key_and_its_range(section, name, value, message):
    assert refusal(**{section: {name: value}}) == f"{section}.{name}: {message}"


def test_growth_is_bounded_by_the_horizon_it_compounds_over():
    # 0.5 a month is a hot launch over 24 months, and e^600 over 1,200
    validate(configure(workload={"growth_per_month": 0.5}, horizon_months=24))
    text = refusal(workload={"growth_per_month": 0.5}, horizon_months=1200)
    assert text.startswith("workload.growth_per_month: 0.5 is not a number in [-1, 0.192")
    assert "at horizon_months=1200" in text and "at most 1e+100" in text
    trend = refusal(market={"trend_per_year": 2.0}, horizon_months=1200)
    assert trend.startswith("market.trend_per_year: 2 is not a number in [-5, 1.15")


def test_a_distribution_mostly_inside_but_with_a_central_range_outside_is_refused():
    text = refusal(workload={"growth_per_month": "normal(p05=0.2, p95=0.9)"})
    assert text == ("workload.growth_per_month: normal(p05=0.2, p95=0.9)'s 99.9% quantile (1.21) is above 1,"
                    " the largest growth_per_month")
    months = refusal(finetune={"months_to_ship": "normal(p05=0, p95=3)"})
    assert months.startswith("finetune.months_to_ship: normal(p05=0, p95=3)'s 0.1% quantile (-1.32) is below 0,")


@pytest.mark.parametrize("key, value", [
    ("report", -1), ("save_paths", -1), ("report", 2), ("save_paths", "yes"), ("report", None),
])
def test_booleans_take_only_true_or_false(key, value):
    assert refusal(**{key: value}) == f"{key}: {value!r} is not true or false"


def test_reprice_on_retrain_takes_only_true_or_false():
    assert refusal(finetune={"reprice_on_retrain": 0}) == "finetune.reprice_on_retrain: 0 is not true or false"
    assert validate(configure(finetune={"reprice_on_retrain": False})).reprice_on_retrain is False


@pytest.mark.parametrize("override, message", [
    ({"seed": 2**63}, "seed: 9223372036854775808 is not a whole number in [0, 9223372036854775807]"),
    ({"scenarios": 10**10 + 1}, "scenarios: 10000000001 is not a whole number in [1, 10000000000]"),
    ({"horizon_months": 1201}, "horizon_months: 1201 is not a whole number in [1, 1200]"),
    ({"threads": 1025}, "threads: 1025 is not null or a whole number in [1, 1024]"),
    ({"kept_scenarios": 10**11}, "kept_scenarios: 100000000000 is not null or a whole number in [1, 10000000000]"),
    ({"discount_rate": 1.5}, "discount_rate: 1.5 is not a number in [0, 1]"),
    ({"discount_rate": math.inf}, "discount_rate: inf is not a number in [0, 1]"),
    ({"confidence": 0.0}, "confidence: 0.0 is not a number in (0, 1)"),
])
def test_run_level_keys_are_bounded(override, message):
    assert refusal(**override) == message


def test_the_largest_valid_seed_runs():
    settings, simulation = run_config(configure(seed=2**63 - 1, scenarios=3))
    assert settings.seed == 2**63 - 1 and np.isfinite(simulation.cost).all()


def test_inputs_at_their_bounds_give_finite_costs_over_the_longest_horizon():
    inputs = validate(configure(horizon_months=1200)).inputs
    growth, trend = inputs["workload.growth_per_month"], inputs["market.trend_per_year"]
    assert growth.domain.upper == pytest.approx(100 * math.log(10) / 1199)
    assert trend.domain.upper == pytest.approx(12 * 50 * math.log(10) / 1199)
    cfg = configure(
        horizon_months=1200, scenarios=20, discount_rate=0.0,
        workload={"calls_per_month": 1e12, "growth_per_month": growth.domain.upper, "volatility": 0.2,
                  "prompt_tokens": 1e8, "output_tokens": 1e8, "rag_prompt_tokens": 1e8,
                  "query_embedding_tokens": 1e8},
        pricing={"base_input": 1e4, "base_output": 1e4, "finetuned_input": 1e4, "finetuned_output": 1e4,
                 "embedding": 1e4, "training": 1e4, "hosting_per_month": 1e10},
        market={"trend_per_year": trend.domain.upper, "cuts_per_year": 1200, "cut_size": 0.0},
        finetune={"training_tokens": 1e13, "months_to_ship": 0, "max_attempts": 100, "success_probability": 0.0,
                  "mean_months_between_retrains": 1e6, "retrain_interval_cv": 10.0, "base_lifetime_months": 1e6},
        rag={"corpus_tokens": 1e15, "reindex_fraction_per_month": 100.0},
    )
    settings, simulation = run_config(cfg)
    assert np.isfinite(simulation.cost).all() and np.isfinite(simulation.cost_slope).all()
    assert (simulation.cost.max() > 1e150) and (simulation.attempts[:, FT] == 100).all()


def test_counts_are_int64_in_the_simulation_and_the_dataset():
    from sim.results.dataset import to_dataset

    settings, simulation = run_config(configure(scenarios=5))
    for name in ("payback", "retrains", "attempts", "shutdown_month", "exit_month"):
        assert getattr(simulation, name).dtype == np.int64, name
    results = to_dataset(settings, simulation)
    for name in ("retrains", "attempts", "exit_month"):
        assert results[name].dtype == np.int64, name


def compose_with(*overrides):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        return compose(config_name="config", overrides=list(overrides))


PRESETS = [f"{group}={path.stem}" for group in ("pricing", "workload", "stress")
           for path in sorted((Path(CONFIG_DIR) / group).glob("*.yaml"))]


@pytest.mark.parametrize("preset", ["default", *PRESETS])
def test_the_default_configuration_and_every_preset_validate(preset):
    overrides = [] if preset == "default" else [preset]
    validate(compose_with(*overrides), pricing_sheet=preset.partition("=")[2] if preset.startswith("pricing=") else None)


def test_every_stress_validates_over_the_longest_horizon():
    for preset in PRESETS:
        if preset.startswith("stress="):
            validate(compose_with(preset, "horizon_months=1200"))


# Through the command line: where the behaviour lives in the CLI and Hydra.
@pytest.mark.slow
def test_a_seed_beyond_int32_round_trips_through_results_nc(tmp_path):
    done = payback("seed=2147483648", run_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "summary.json").read_text())["seed"] == 2147483648
    assert int(read_results(tmp_path / "results.nc").attrs["seed"]) == 2147483648


@pytest.mark.slow
@pytest.mark.parametrize("override, prefix", [
    ("report=-1", "report: -1 is not true or false"),
    ("save_paths=-1", "save_paths: -1 is not true or false"),
    ("finetune.reprice_on_retrain=yes", "finetune.reprice_on_retrain: 'yes' is not true or false"),
    ("pricing=null", "pricing: no option 'null' (available: "),
    ("pricing=5", "pricing: no option '5' (available: "),
    ("stress=true", "stress: no option 'true' (available: "),
    ("finetune.max_attempts=3e9", "finetune.max_attempts: 3e+09 is not a whole number in [1, 100]"),
    ("seed=1e300", "seed: "),
])
def test_bad_values_on_the_command_line_end_in_one_line(tmp_path, override, prefix):
    # report=false comes first: report=-1 must be the value that counts
    done = subprocess.run(
        [sys.executable, "-m", "sim", "scenarios=200", "report=false", override, f"hydra.run.dir={tmp_path}"],
        capture_output=True, text=True, timeout=300,
    )
    assert_refused_in_one_line(done, prefix)
