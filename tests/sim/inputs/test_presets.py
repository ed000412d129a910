"""The routes presets: routes=december-2026 is the user's real choice of 2026-12-06 (issue #25)."""

import re
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import validate

DECEMBER = Path(CONFIG_DIR) / "routes" / "december-2026.yaml"
ASSISTANT = Path(CONFIG_DIR) / "workload" / "support-assistant.yaml"
SEARCH = Path(CONFIG_DIR) / "workload" / "internal-search.yaml"
TEAM = Path(CONFIG_DIR) / "portfolio" / "example-team.yaml"


def settings(*overrides):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        return validate(compose(config_name="config", overrides=list(overrides)))


def test_december_2026_is_the_five_routes_of_the_issue_on_their_sheets():
    run = settings("routes=december-2026", "workload=support-assistant", "start=2026-12")
    routes = {route.name: (route.kind, route.sheet) for route in run.routes}
    assert routes == {
        "prompt": ("prompt", "openai-gpt-4.1-mini"),
        "ft-openai": ("finetune", "openai-gpt-4.1-mini"),
        "ft-azure": ("finetune", "azure-openai-gpt-4.1-mini"),
        "lora-8b": ("finetune", "dedicated-lora-8b"),
        "rag": ("rag", "openai-gpt-4.1-mini"),
    }
    assert run.routes[run.baseline].name == "prompt"
    by_name = {route.name: route for route in run.routes}
    # the baseline and RAG move to gpt-6-luna after gpt-4.1-mini's shutdown of 2027-01-14 (month 2)
    for name in ("prompt", "rag"):
        assert [first for first, *_ in by_name[name].generations] == [1, 3]
    assert by_name["lora-8b"].capacity == 9_000_000  # the dedicated sheet's replica
    assert by_name["ft-openai"].capacity == by_name["ft-azure"].capacity == float("inf")  # billed per token
    # the LoRA's own inputs, the OpenAI and Azure fine-tunes' shared ones
    assert by_name["lora-8b"].key("setup_cost") == "routes.lora-8b.finetune.setup_cost"
    assert by_name["lora-8b"].key("success_probability") == "routes.lora-8b.finetune.success_probability"
    assert by_name["ft-openai"].key("setup_cost") == by_name["ft-azure"].key("setup_cost") == "finetune.setup_cost"
    # prompting gpt-4.1-mini with caching: the system prompt read from cache, at 0.10 against 0.40
    assert run.inputs["workload.prompt_prefix_tokens"].params == (2500.0,)
    assert not run.inputs["workload.cache_hit_rate"].is_fixed
    assert by_name["prompt"].key("base_cached_input") == "sheets.openai-gpt-4.1-mini.base_cached_input"


def test_december_2026_picks_routes_and_leaves_the_workload_to_its_group():
    # a routes preset that set workload keys would silently undo workload=...
    assert set(yaml.safe_load(DECEMBER.read_text())) == {"routes", "prompt"}
    alone = settings("routes=december-2026")  # the default workload: the same routes, no caching
    assert [route.name for route in alone.routes] == ["prompt", "ft-openai", "ft-azure", "lora-8b", "rag"]
    assert alone.inputs["workload.cache_hit_rate"].params == (0.0,)


def test_every_number_in_the_december_presets_and_the_example_portfolio_says_where_it_comes_from():
    for path in (DECEMBER, ASSISTANT, SEARCH, TEAM):
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#") or ":" not in line:
                continue
            value = line.split(":", 1)[1].split("#", 1)[0]
            if re.search(r"(?<![\w.-])[0-9]", value):  # a number, not a digit of a sheet's or preset's name
                assert "#" in line, f"{path.name}: {line.strip()!r} has no comment (a source or 'assumption')"
