"""A stress stays what it says: shell overrides of its keys are named, its correlations kept where they can be."""

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.payback import CONFIG_DIR
from sim.inputs.stresses import label_note, reconcile, warnings
from sim.inputs.validation import ConfigError, validate


def reconciled(*overrides):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    task = OmegaConf.to_container(cfg, resolve=False)
    hydra = task.pop("hydra")
    return reconcile(task, hydra["runtime"]["choices"], list(overrides))


def test_an_override_of_a_stress_key_is_named_with_the_stress_and_in_the_label():
    task, record = reconciled("stress=volume-collapse", "workload.growth_per_month=0.04", "workload.volatility=0.2")
    assert record == {"replaced": [{"override": "workload.growth_per_month=0.04", "key": "workload.growth_per_month",
                                    "stress": "volume-collapse", "stress_key": "workload.growth_per_month",
                                    "stress_value": "normal(p05=-0.12, p95=-0.03)"}], "dropped": []}
    assert warnings(record) == [
        "workload.growth_per_month=0.04 replaces what stress=volume-collapse sets (workload.growth_per_month:"
        " normal(p05=-0.12, p95=-0.03)): this run is not stress=volume-collapse as shipped, and its label says so"]
    assert label_note(record, "volume-collapse") == " (growth_per_month overridden)"
    assert task["workload"]["growth_per_month"] == 0.04  # the override still applies


def test_nothing_to_say_without_a_stress_or_without_an_override_of_its_keys():
    for overrides in (["workload.growth_per_month=0.04"], ["stress=volume-collapse", "workload.volatility=0.2"]):
        task, record = reconciled(*overrides)
        assert record == {"replaced": [], "dropped": []} and warnings(record) == []
        assert label_note(record, "volume-collapse") == ""


def test_volume_slump_with_a_fixed_growth_runs_without_its_correlation():
    task, record = reconciled("stress=volume-slump", "workload.growth_per_month=0.04")
    assert task["correlations"] == []
    assert record["dropped"] == [{"stress": "volume-slump", "rank": 0.7, "fixed": "workload.growth_per_month",
                                  "inputs": ["workload.calls_per_month", "workload.growth_per_month"],
                                  "override": "workload.growth_per_month=0.04"}]
    assert label_note(record, "volume-slump") == " (growth_per_month overridden; its correlation dropped)"
    assert "rank correlation 0.7 of workload.calls_per_month with workload.growth_per_month is dropped" \
        in warnings(record)[1]
    settings = validate(task)
    assert settings.correlation is None and settings.inputs["workload.growth_per_month"].is_fixed


def test_volume_slump_with_an_uncertain_growth_keeps_its_correlation():
    task, record = reconciled("stress=volume-slump", "workload.growth_per_month='normal(p05=0, p95=0.05)'")
    assert record["dropped"] == [] and len(record["replaced"]) == 1
    assert validate(task).correlation.pairs == (("workload.calls_per_month", "workload.growth_per_month", 0.7),)


def test_a_correlation_the_user_wrote_over_a_fixed_input_is_still_refused():
    task, record = reconciled("stress=volume-slump", "workload.growth_per_month=0.04",
                              "correlations=[{inputs:[workload.calls_per_month,workload.growth_per_month],rank:0.5}]")
    assert record["dropped"] == [] and {r["key"] for r in record["replaced"]} == {"workload.growth_per_month",
                                                                                 "correlations"}
    with pytest.raises(ConfigError, match="workload.growth_per_month is fixed"):
        validate(task)


def test_the_label_of_two_stresses_names_what_was_overridden_of_either():
    record = {"replaced": [{"override": "market.cuts_per_year=2", "key": "market.cuts_per_year", "stress": "price-war",
                            "stress_key": "market.cuts_per_year", "stress_value": "3.0"}], "dropped": []}
    assert label_note(record, "[price-war,volume-collapse]") == " (cuts_per_year overridden)"
    assert label_note(record, "volume-collapse") == ""
