"""Routes resolved, and every route that cannot be used refused in one line naming its key
(MODEL.md, "Routes", "Prompt caching", "The baseline's own calendar")."""

import pytest

from sim.inputs.validation import ConfigError, validate
from tests.conftest import configure, write_sheet

DEFAULT_ROUTES = {"prompt": {"kind": "prompt"}, "finetune": {"kind": "finetune"}, "rag": {"kind": "rag"}}


def refusal(cfg, conf_dir=None):
    """The one-line message of the ConfigError that ``cfg`` raises."""
    with pytest.raises(ConfigError) as refused:
        validate(cfg, **({} if conf_dir is None else {"conf_dir": conf_dir}))
    message = str(refused.value)
    assert "\n" not in message
    return message


def with_routes(**routes):
    return configure(routes={**DEFAULT_ROUTES, **routes})


@pytest.mark.parametrize("cfg, message", [
    (with_routes(lora={"kind": "lora"}), "routes.lora.kind: 'lora' is not one of prompt, finetune, rag"),
    # a list or mapping from the shell where a name goes: a refusal, not an internal error
    (with_routes(lora={"kind": ["finetune"]}), "routes.lora.kind: ['finetune'] is not one of prompt, finetune, rag"),
    (with_routes(lora={"kind": "finetune", "pricing": {"a": 1}}),
     "routes.lora.pricing: {'a': 1} is not the name of a sheet in conf/pricing/"),
    (with_routes(lora={"pricing": "pricing"}), "routes.lora.kind: missing (one of prompt, finetune, rag)"),
    (with_routes(lora={"kind": "finetune", "pricng": "x"}),
     "routes.lora.pricng: unknown key (a route takes kind, pricing, workload, finetune, rag, quality)"),
    (with_routes(lora="finetune"), "routes.lora: 'finetune' is not a route ({kind: prompt|finetune|rag, pricing:"),
    (with_routes(lora={"kind": "finetune", "finetune": 5}),
     "routes.lora.finetune: 5 is not a mapping of the route's own finetune inputs"),
    (with_routes(lora={"kind": "prompt", "rag": {"setup_cost": 1.0}}),
     "routes.lora.rag: a prompt route has no rag inputs of its own"),
    (with_routes(lora={"kind": "finetune", "finetune": {"setup_cots": 1.0}}),
     "routes.lora.finetune.setup_cots: not a key a finetune route sets (a typo?)"),
    (with_routes(**{"a.b": {"kind": "prompt"}}),
     "routes.a.b: a route's name is letters, digits, '_' and '-' (it names summary keys)"),
    (configure(routes={}), "routes: no route left; name at least one"),
    (configure(routes={"finetune": {"kind": "finetune"}, "rag": {"kind": "rag"}}), "routes: no prompt route;"),
    (configure(baseline="mine"), "baseline: 'mine' is not a route (routes: prompt, finetune, rag)"),
    (configure(baseline="rag"), "baseline: 'rag' is a rag route; the baseline is a prompt route"),
    (configure(routes={f"p{i}": {"kind": "prompt"} for i in range(9)}), "routes: 9 routes; at most 8"),
], ids=["unknown kind", "kind a list", "sheet a mapping", "no kind", "unknown key", "not a mapping", "section not a mapping", "section of another kind",
        "unknown input", "name with a dot", "no route left", "no prompt route", "baseline not a route",
        "baseline not prompting", "nine routes"])
def test_a_route_that_cannot_be_used_is_refused_naming_its_key(cfg, message):
    assert refusal(cfg).startswith(message)


def test_a_route_on_a_sheet_that_does_not_exist_is_refused_listing_the_sheets(tmp_path):
    conf_dir = write_sheet(tmp_path, "cheap", base_input=0.25)
    message = refusal(with_routes(lora={"kind": "finetune", "pricing": "nowhere"}), conf_dir)
    assert message == "routes.lora.pricing: no price sheet 'nowhere' in conf/pricing/ (available: cheap)"


def test_two_routes_of_one_name_cannot_be_written(tmp_path):
    # A run's routes are a mapping: a name is a key, given once. YAML that repeats a key is
    # refused as it is read (OmegaConf's loader), so no preset can hold two routes of one name
    # (the command line refuses '+routes.NAME=' for a name already there: tests/sim/cli).
    from omegaconf import OmegaConf
    from yaml.constructor import ConstructorError

    preset = tmp_path / "twice.yaml"
    preset.write_text("routes:\n  prompt: {kind: prompt}\n  prompt: {kind: prompt, pricing: cheap}\n")
    with pytest.raises(ConstructorError, match="found duplicate key prompt"):
        OmegaConf.load(preset)


@pytest.mark.parametrize("workload, message", [
    ({"prompt_prefix_tokens": 2500},
     "workload.prompt_prefix_tokens: a prefix of 2500 tokens is longer than the prompt it is part of"
     " (workload.prompt_tokens = 2000) for routes.prompt"),
    ({"finetuned_prefix_tokens": {"dist": "uniform", "low": 100, "high": 300}},
     "workload.finetuned_prefix_tokens: a prefix of uniform(low=100, high=300) tokens is longer than the prompt"
     " it is part of (workload.finetuned_prompt_tokens = 200) for routes.finetune"),
    ({"rag_prefix_tokens": 600}, "workload.rag_prefix_tokens: a prefix of 600 tokens is longer"),
    ({"cache_hit_rate": 1.2}, "workload.cache_hit_rate: 1.2 is not a number in [0, 1]"),
    ({"cache_hit_rate": -0.1}, "workload.cache_hit_rate: -0.1 is not a number in [0, 1]"),
    ({"cache_hit_rate": {"dist": "uniform", "low": 0.5, "high": 1.5}}, "workload.cache_hit_rate: "),
], ids=["prompt prefix", "fine-tune prefix", "rag prefix", "hit rate above 1", "hit rate below 0",
        "hit rate drawn above 1"])
def test_a_cache_that_cannot_be_is_refused(workload, message):
    assert refusal(configure(workload=workload)).startswith(message)


def test_a_routes_own_prompt_is_held_to_its_prefix():
    # the route's own, shorter prompt against the shared prefix: 150 tokens of a 100-token prompt
    cfg = with_routes(short={"kind": "finetune", "workload": {"finetuned_prompt_tokens": 100}})
    cfg["workload"]["finetuned_prefix_tokens"] = 150
    assert refusal(cfg).startswith("workload.finetuned_prefix_tokens: a prefix of 150 tokens is longer than the"
                                   " prompt it is part of (routes.short.workload.finetuned_prompt_tokens = 100)")


def test_a_cached_price_above_its_uncached_one_is_refused_on_every_sheet_a_route_reads(tmp_path):
    assert refusal(configure(pricing={"base_cached_input": 0.6})) == (
        "pricing.base_cached_input: the cached-input price 0.6 is above the uncached 0.5 (routes.prompt)")
    assert refusal(configure(pricing={"finetuned_cached_input": 1.5})).startswith(
        "pricing.finetuned_cached_input: the cached-input price 1.5 is above the uncached 1 (routes.finetune)")
    conf_dir = write_sheet(tmp_path, "dear-cache", base_cached_input=0.9)
    assert refusal(with_routes(other={"kind": "rag", "pricing": "dear-cache"}), conf_dir).startswith(
        "sheets.dear-cache.base_cached_input: the cached-input price 0.9 is above the uncached 0.5 (routes.other)")
    # a base model's successor: its prices are the route's from the month after the end
    write_sheet(tmp_path, "next-gen", base_input=0.25, base_cached_input=0.3)
    cfg = configure(start="2027-01", pricing={"base_serving_until": "2027-06-15", "base_successor": "next-gen"})
    assert refusal(cfg, conf_dir).startswith(
        "sheets.next-gen.base_cached_input: the cached-input price 0.3 is above the uncached 0.25")
    # a fine-tune's successor: its prices are the route's after a migration
    write_sheet(tmp_path, "ft-next", finetuned_input=0.5, finetuned_cached_input=0.7)
    cfg = configure(finetune={"on_platform_exit": "migrate", "successor": "ft-next"})
    assert refusal(cfg, conf_dir).startswith(
        "sheets.ft-next.finetuned_cached_input: the cached-input price 0.7 is above the uncached 0.5")


def test_a_base_model_that_ends_inside_the_horizon_needs_a_successor_named_in_one_line(tmp_path):
    # start 2027-01, 24 months: 2027-06-15 is in month 6
    cfg = configure(start="2027-01", pricing={"base_serving_until": "2027-06-15"})
    assert refusal(cfg) == (
        "routes.prompt.pricing (pricing).base_serving_until: its base model serves until 2027-06-15, inside the horizon, and"
        " the sheet names no base_successor: the model cannot guess the price of what comes next; name one (a"
        " sheet in conf/pricing/) or shorten horizon_months")
    # a route on another sheet, and a successor's own end
    conf_dir = write_sheet(tmp_path, "old", base_serving_until="2027-03-31")
    message = refusal(with_routes(old={"kind": "rag", "pricing": "old"}), conf_dir)
    assert message.startswith("routes.old.pricing (old).base_serving_until: its base model serves until 2027-03-31")
    write_sheet(tmp_path, "bridge", base_serving_until="2028-01-31")
    cfg = configure(start="2027-01", pricing={"base_serving_until": "2027-06-15", "base_successor": "bridge"})
    assert "serves until 2028-01-31, inside the horizon" in refusal(cfg, conf_dir)
    # an end past the horizon, or a fine-tune route on the sheet, needs none
    validate(configure(start="2027-01", pricing={"base_serving_until": "2028-12-31"}))
    validate(configure(start="2027-01", routes={"prompt": {"kind": "prompt"},
                                                 "old-ft": {"kind": "finetune", "pricing": "old"}}), conf_dir=conf_dir)


def test_a_successor_chain_that_comes_back_is_refused(tmp_path):
    write_sheet(tmp_path, "b", base_serving_until="2027-09-30", base_successor="c")
    write_sheet(tmp_path, "c", base_serving_until="2027-12-31", base_successor="b")
    cfg = configure(start="2027-01", pricing={"base_serving_until": "2027-06-15", "base_successor": "b"})
    assert refusal(cfg, tmp_path) == ("routes.prompt.pricing (c).base_successor: 'b' comes back to a sheet of the chain"
                                      " (pricing -> b -> c -> b)")
    # to itself
    write_sheet(tmp_path, "self", base_serving_until="2027-03-31", base_successor="self")
    message = refusal(with_routes(own={"kind": "prompt", "pricing": "self"}), tmp_path)
    assert message == "routes.own.pricing (self).base_successor: 'self' comes back to a sheet of the chain (self -> self)"


def test_routes_resolve_to_their_sheets_and_keys(tmp_path):
    conf_dir = write_sheet(tmp_path, "lora", hosting_per_month=100.0, replica_calls_per_month=80_000)
    settings = validate(with_routes(lora={"kind": "finetune", "pricing": "lora",
                                          "finetune": {"setup_cost": 100.0, "on_platform_exit": "prompt"}}),
                        conf_dir=conf_dir)
    lora = settings.routes[3]
    assert [route.name for route in settings.routes] == ["prompt", "finetune", "rag", "lora"]
    assert (lora.kind, lora.sheet, lora.capacity, settings.baseline) == ("finetune", "lora", 80_000.0, 0)
    assert lora.key("setup_cost") == "routes.lora.finetune.setup_cost"
    assert lora.key("hosting_per_month") == "sheets.lora.hosting_per_month"
    assert lora.key("training_tokens") == "finetune.training_tokens"  # shared: not set by the route
    # a cached price the sheet does not give: its uncached one
    assert lora.key("finetuned_cached_input") == "sheets.lora.finetuned_input"
