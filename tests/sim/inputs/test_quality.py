"""The quality inputs (MODEL.md, "Quality and the cost of errors"): parsed, read by each route
by kind or as its own, and every value that cannot be used refused in one line naming its key."""

import pytest
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import ConfigError, validate
from tests.conftest import configure

DEFAULT_ROUTES = {"prompt": {"kind": "prompt"}, "finetune": {"kind": "finetune"}, "rag": {"kind": "rag"}}


def refusal(cfg):
    with pytest.raises(ConfigError) as refused:
        validate(cfg)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_each_route_reads_its_kinds_rate_or_its_own_and_the_shared_error_cost():
    routes = {**DEFAULT_ROUTES, "lora": {"kind": "finetune", "quality": {"finetune": "pert(low=0.85, mode=0.93, high=0.98)"}}}
    settings = validate(configure(routes=routes, quality={"finetune": 0.95, "error_cost": 0.5, "bar": 0.9}))
    keys = {route.name: (route.key("quality"), route.key("error_cost")) for route in settings.routes}
    assert keys == {"prompt": ("quality.prompt", "quality.error_cost"),
                    "finetune": ("quality.finetune", "quality.error_cost"),
                    "rag": ("quality.rag", "quality.error_cost"),
                    "lora": ("routes.lora.quality.finetune", "quality.error_cost")}
    assert settings.inputs["routes.lora.quality.finetune"].describe() == "pert(low=0.85, mode=0.93, high=0.98)"
    assert settings.quality_bar == 0.9


def test_the_defaults_are_the_model_without_quality():
    settings = validate(configure())
    assert [settings.inputs[f"quality.{k}"].describe() for k in ("prompt", "finetune", "rag", "error_cost")] == [
        "1", "1", "1", "0"]
    assert settings.quality_bar == 0.0


def test_the_sourced_preset_composes_and_validates():
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["quality=support-escalation"])
    settings = validate(cfg)
    assert not settings.inputs["quality.finetune"].is_fixed and not settings.inputs["quality.error_cost"].is_fixed
    assert 0 < settings.quality_bar < 1


@pytest.mark.parametrize("cfg, message", [
    (configure(quality={"prompt": 1.2}), "quality.prompt: 1.2 is not a number in [0, 1]"),
    (configure(quality={"finetune": -0.1}), "quality.finetune: -0.1 is not a number in [0, 1]"),
    (configure(quality={"rag": "normal(p05=0.9, p95=0.99)"}), "quality.rag: normal(p05=0.9, p95=0.99)'s 99.9% quantile"),
    (configure(quality={"error_cost": -1}), "quality.error_cost: -1 is not a number in [0, 1e+06]"),
    (configure(quality={"bar": 1.5}), "quality.bar: 1.5 is not a number in [0, 1]"),
    (configure(quality={"bar": -0.01}), "quality.bar: -0.01 is not a number in [0, 1]"),
    (configure(quality={"bar": True}), "quality.bar: True is not a number in [0, 1]"),
    (configure(routes={**DEFAULT_ROUTES, "lora": {"kind": "finetune", "quality": {"finetune": 1.5}}}),
     "routes.lora.quality.finetune: 1.5 is not a number in [0, 1]"),
    (configure(routes={**DEFAULT_ROUTES, "lora": {"kind": "finetune", "quality": {"prompt": 0.9}}}),
     "routes.lora.quality.prompt: not a key a finetune route sets (its own success rate, quality.finetune;"),
    (configure(routes={**DEFAULT_ROUTES, "lora": {"kind": "finetune", "quality": {"error_cost": 9}}}),
     "routes.lora.quality.error_cost: not a key a finetune route sets"),
    (configure(routes={**DEFAULT_ROUTES, "none": {"kind": "finetune"}}),
     "routes.none: 'none' names no route in summary.json (p_win.none: no route acceptable)"),
    (configure(routes={**DEFAULT_ROUTES, "lora": {"kind": "finetune", "quality": 0.9}}),
     "routes.lora.quality: 0.9 is not a mapping of the route's own quality inputs"),
])
def test_bad_quality_is_refused_in_one_line_naming_the_key(cfg, message):
    assert message in refusal(cfg)
