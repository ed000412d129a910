"""Where each input came from: the command line, a chosen preset or stress, or the defaults."""

import shutil

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.payback import CONFIG_DIR, describe_run
from sim.inputs.provenance import defaults_among, input_sources, preset_keys
from sim.inputs.validation import validate


def sources(*overrides, config_dir=CONFIG_DIR):
    """The sources a run of ``overrides`` records, with its run_info as the command line builds it."""
    with initialize_config_dir(version_base="1.3", config_dir=str(config_dir)):
        cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    info = describe_run(cfg.hydra)
    task = OmegaConf.to_container(cfg, resolve=False)
    task.pop("hydra")
    return input_sources(validate(task, pricing_sheet=info["choices"]["pricing"]), info)


def test_an_override_a_preset_a_stress_and_a_default():
    found = sources("workload=support-assistant", "stress=volume-collapse", "workload.volatility=0.2")
    assert found["workload.volatility"] == {"value": 0.2, "source": "override", "by": "workload.volatility=0.2"}
    assert found["workload.calls_per_month"] == {"value": "lognormal(p05=2.2e+06, p95=2.8e+06)", "source": "preset",
                                                "by": "workload=support-assistant"}
    # the stress comes after the workload in the defaults list: its keys are its own
    assert found["workload.growth_per_month"]["by"] == "stress=volume-collapse"
    assert found["workload.shutdown_per_year"] == {"value": 0.6, "source": "preset", "by": "stress=volume-collapse"}
    assert found["rag.setup_cost"] == {"value": "pert(low=10000, mode=25000, high=60000)", "source": "default"}
    assert found["pricing.hosting_per_month"] == {"value": 2913.0, "source": "default"}
    assert found["start"]["source"] == "default" and found["finetune.on_platform_exit"]["value"] == "prompt"


def test_the_default_option_named_on_the_command_line_is_still_a_default():
    found = sources("workload=support-bot", "stress=none")
    assert {entry["source"] for entry in found.values()} == {"default"}


def test_a_routes_preset_names_sheets_and_route_inputs_and_the_shell_overrides_one():
    found = sources("routes=december-2026", "workload=support-assistant", "start=2026-12",
                    "routes.lora-8b.finetune.setup_cost='pert(20000, 40000, 90000)'")
    assert found["routes.lora-8b.finetune.setup_cost"]["source"] == "override"
    assert found["routes.lora-8b.finetune.success_probability"] == {
        "value": "uniform(low=0.4, high=0.85)", "source": "preset", "by": "routes=december-2026"}
    assert found["sheets.openai-gpt-4.1-mini.base_input"] == {"value": 0.4, "source": "preset",
                                                               "by": "routes=december-2026"}
    # lora-8b names the pricing group's own default sheet: the preset chose it
    assert found["pricing.hosting_per_month"] == {"value": 2913.0, "source": "preset", "by": "routes=december-2026"}
    assert found["prompt.migration_cost"]["by"] == "routes=december-2026"
    assert found["finetune.setup_cost"]["source"] == "default"  # the OpenAI and Azure fine-tunes' own
    assert found["start"] == {"value": "2026-12", "source": "override", "by": "start=2026-12"}


def test_a_preset_without_a_package_header_sets_keys_under_its_group(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(CONFIG_DIR, conf)
    bot = (conf / "workload" / "support-bot.yaml").read_text()
    (conf / "workload" / "mine.yaml").write_text(bot.replace('calls_per_month: "lognormal(p05=300000, p95=5000000)"',
                                                             "calls_per_month: 50000"))
    (conf / "stress" / "cheap.yaml").write_text("# @package _global_\nrag:\n  setup_cost: 1000\n")
    keys = preset_keys({"workload": "mine", "stress": "cheap", "rag": "default"}, [conf])
    assert keys["workload.calls_per_month"] == keys["workload.volatility"] == "workload=mine"
    assert "calls_per_month" not in keys and keys["rag.setup_cost"] == "stress=cheap" and "rag.corpus_tokens" not in keys
    found = sources("workload=mine", "stress=cheap", config_dir=conf)
    assert found["workload.calls_per_month"] == {"value": 50000.0, "source": "preset", "by": "workload=mine"}
    assert found["workload.cache_hit_rate"]["source"] == "default"  # the schema's, which mine does not set
    assert found["rag.setup_cost"]["by"] == "stress=cheap"


def test_a_run_started_from_python_does_not_know_its_sources():
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        settings = validate(compose(config_name="config", overrides=["rag.setup_cost=1000"]))
    found = input_sources(settings, None)
    assert found["rag.setup_cost"] == {"value": 1000.0, "source": "unknown"}


def test_defaults_among_names_only_what_the_user_never_set():
    inputs = {"rag.setup_cost": {"value": "pert(low=10000, mode=25000, high=60000)", "source": "default"},
              "workload.calls_per_month": {"value": 1e6, "source": "override"},
              "finetune.setup_cost": {"value": 1.0, "source": "preset", "by": "stress=x"},
              "market.cut_size": {"value": 0.3, "source": "unknown"}}
    keys = ["workload.calls_per_month", "rag.setup_cost", "finetune.setup_cost", "market.cut_size", "no.such"]
    assert defaults_among({"inputs": inputs, "headline": "..."}, keys) == ["rag.setup_cost"]
    assert defaults_among(inputs, list(reversed(keys))) == ["rag.setup_cost"]
    assert defaults_among({"headline": "a run before sources"}, keys) == []


def test_two_stresses_at_once_each_name_their_own_keys():
    found = sources("stress=[price-war,volume-collapse]", "market.cuts_per_year=2")
    assert found["market.cut_size"] == {"value": "pert(low=0.2, mode=0.4, high=0.7)", "source": "preset",
                                        "by": "stress=price-war"}
    assert found["workload.shutdown_per_year"]["by"] == "stress=volume-collapse"
    assert found["market.cuts_per_year"]["source"] == "override"
