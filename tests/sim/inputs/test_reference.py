"""The configuration reference (``sim.inputs.reference``) has a row for every key of the
schema, with the unit, meaning, default and valid range the schema, the default
configuration and the validation give."""

import copy
import math
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.payback import CONFIG_DIR
from sim.inputs.distributions import parse
from sim.inputs.reference import configuration_reference
from sim.inputs.schema import MAX_MONTHS, SECTIONS, Config, Precision, input_metadata
from sim.inputs.validation import ConfigError, validate

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = {**SECTIONS, "precision": Precision}


@pytest.fixture(scope="module")
def markdown():
    return configuration_reference()


@pytest.fixture(scope="module")
def composed():
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        return OmegaConf.to_container(compose(config_name="config"), resolve=False)


def table_rows(markdown):
    """``{key: (unit, meaning, default, valid range)}`` of every table row, cells unescaped."""
    rows = {}
    for line in markdown.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 5, line
        key = cells[0].strip("`")
        assert key not in rows, f"{key}: two rows"
        rows[key] = tuple(cells[1:])
    return rows


def schema_keys():
    """Every key the schema declares: run-level, each section's, precision's, and the inputs'
    (``successor.*`` included)."""
    keys = [f.name for f in fields(Config) if f.name not in SECTIONS]
    keys += [f"{name}.{f.name}" for name, schema in SCHEMAS.items() for f in fields(schema)]
    keys += [key for key in input_metadata() if key not in keys]
    return keys


def schema_metadata(key):
    section, _, name = key.rpartition(".")
    if key in input_metadata():
        return input_metadata()[key]
    schema = SCHEMAS[section] if section else Config
    return schema.__dataclass_fields__[name].metadata


def missing_rows(markdown):
    rows = table_rows(markdown)
    return [key for key in schema_keys() if key not in rows]


def test_every_schema_key_has_a_row(markdown):
    keys = schema_keys()
    assert {"seed", "portfolio", "precision.savings", "pricing.as_of", "quality.bar", "finetune.successor",
            "successor.hosting_per_month", "workload.calls_per_month"} <= set(keys)
    assert missing_rows(markdown) == []


def test_a_row_taken_out_is_found_missing(markdown):
    # the check above can fail: without the seed's row or a successor price's, it names them
    cut = "\n".join(line for line in markdown.splitlines()
                    if not line.startswith(("| `seed` |", "| `successor.training` |")))
    assert missing_rows(cut) == ["seed", "successor.training"]


def test_a_field_without_metadata_is_refused(monkeypatch):
    # a key whose metadata is taken away cannot be written into the reference: its row would
    # have no unit, meaning or range
    monkeypatch.setattr(Config.__dataclass_fields__["seed"], "metadata", {})
    with pytest.raises(KeyError):
        configuration_reference()
    monkeypatch.setattr(SECTIONS["quality"].__dataclass_fields__["bar"], "metadata", {})
    with pytest.raises(KeyError):
        configuration_reference()


def test_every_field_has_a_description_and_every_key_a_unit_and_a_range():
    for field in fields(Config):
        assert field.metadata.get("description", "").strip(), field.name
    for key in schema_keys():
        meta = schema_metadata(key)
        assert meta.get("description", "").strip(), key
        assert isinstance(meta.get("unit"), str), key  # "" where the key counts nothing
        assert "domain" in meta or meta.get("valid", "").strip(), key


def test_every_run_level_key_has_metadata():
    run_level = [f for f in fields(Config) if f.name not in SECTIONS]
    for field in run_level:
        assert {"unit", "description", "valid"} <= set(field.metadata), field.name


def test_units_meanings_and_stated_ranges_are_the_schema_metadata(markdown):
    rows = table_rows(markdown)
    for key in schema_keys():
        meta = schema_metadata(key)
        unit, meaning, _, valid = rows[key]
        assert (unit, meaning) == (meta["unit"], meta["description"]), key
        if "domain" not in meta:
            assert valid == meta["valid"], key
            continue
        domain = meta["domain"]
        interval = f"[{domain.lower:g}, {domain.upper:g}{')' if domain.upper_open else ']'}"
        assert valid.startswith(f"{'whole number' if domain.integer else 'number'} in {interval}"), (key, valid)
        assert meta.get("valid", "") in valid, key
        if math.isfinite(domain.log_budget):  # the bound at the longest horizon, stated
            at_longest = domain.log_budget / ((MAX_MONTHS - 1) / domain.months_per_unit)
            assert f"({at_longest:.3g} at 1,200 months)" in valid, (key, valid)
    # the growth's and the trend's, by hand: ln(1e100) / 1199 and 12 ln(1e50) / 1199
    assert "(0.192 at 1,200 months)" in rows["workload.growth_per_month"][3]
    assert "(1.15 at 1,200 months)" in rows["market.trend_per_year"][3]


def test_defaults_are_those_of_the_composed_configuration(markdown, composed):
    rows = table_rows(markdown)
    inputs = input_metadata()
    for key in schema_keys():
        default = rows[key][2]
        if key.startswith("successor."):
            assert default == "from `finetune.successor`'s sheet"
            continue
        node = composed
        for part in key.split("."):
            node = node[part]
        if key in inputs:
            if node is None:  # a cached price the sheet does not give
                assert default.startswith("null"), key
                continue
            # the cell read back as a configuration value gives the same distribution
            shown = parse(key, yaml.safe_load(default.strip("`")), inputs[key]["domain"])
            expected = parse(key, node, inputs[key]["domain"])
            assert (shown.family, shown.params) == (expected.family, expected.params), key
        else:
            shown = yaml.safe_load(default.strip("`"))
            assert (str(shown) if isinstance(node, str) else shown) == node, key
    # by hand, from conf/config.yaml and its default presets
    assert rows["scenarios"][2] == "`100000`" and rows["discount_rate"][2] == "`0.08`"
    assert rows["start"][2] == "`null`" and rows["correlations"][2] == "`[]`"
    assert rows["workload.calls_per_month"][2] == "`lognormal(p05=300000, p95=5e+06)`"
    assert rows["pricing.hosting_per_month"][2] == "`2913`"
    assert rows["finetune.reprice_on_retrain"][2] == "`true`"


def _number(text):
    # "2^63 - 1", "10^10", "1e-05", "86400"
    power = re.fullmatch(r"(\d+)\^(\d+)(?: - (\d+))?", text)
    if power:
        return int(power[1]) ** int(power[2]) - int(power[3] or 0)
    value = float(text)
    return int(value) if value.is_integer() and "e" not in text and "." not in text else value


def _with(composed, key, value, **also):
    plain = copy.deepcopy(composed)
    for dotted, given in {key: value, **also}.items():
        node = plain
        *path, leaf = dotted.split(".")
        for part in path:
            node = node[part]
        node[leaf] = given
    return plain


def _refused(plain, key):
    # the message names the key (a sheet's price as the route that pays it names it)
    with pytest.raises(ConfigError, match=re.escape(key.rpartition(".")[2])):
        validate(plain)


RANGES_IN_WORDS = {
    "start", "correlations", "precision", "routes", "baseline", "portfolio", "pricing.finetune_training_until",
    "pricing.finetune_serving_until", "pricing.base_serving_until", "pricing.base_successor", "pricing.as_of",
    "pricing.source", "pricing.sheet", "finetune.successor",
}


def _plain_keys():
    return [key for key in schema_keys() if key not in input_metadata()]


@pytest.mark.parametrize("key", _plain_keys())
def test_stated_range_is_what_validation_enforces(key, markdown, composed):
    valid = table_rows(markdown)[key][3]
    interval = re.match(r"(null or )?(?:a|a finite) (whole )?number (?:in ([\[(])(\S+), ([^\])]+)([\])])|(>=?) (\S+))",
                        valid.removeprefix("0, or "))
    if valid.startswith("true or false"):
        for good in (True, False):
            validate(_with(composed, key, good))
        _refused(_with(composed, key, 1), key)
        return
    if re.fullmatch(r"(`\w+`, )*`\w+` or `\w+`", valid):
        needs = {"finetune.successor": "serverless-lora-8b"} if key == "finetune.on_platform_exit" else {}
        for choice in re.findall(r"`(\w+)`", valid):
            validate(_with(composed, key, choice, **needs))
        _refused(_with(composed, key, "no-such-choice"), key)
        return
    if interval is None:
        # a range only words can state: probed in test_ranges_in_words_are_what_validation_enforces
        # where it can be (a sheet's text and a preset's name cannot be out of range)
        assert key in RANGES_IN_WORDS, f"{key}: not an interval, a choice or true/false: {valid}"
        return
    optional, whole = bool(interval[1]), bool(interval[2])
    if interval[7] is not None:  # ">= lower" or "> lower"
        lower, upper, lower_open, upper_open = _number(interval[8]), math.inf, interval[7] == ">", True
    else:
        lower, upper = _number(interval[4]), _number(interval[5])
        lower_open, upper_open = interval[3] == "(", interval[6] == ")"
    step = 1 if whole else 1e-6 * max(1.0, abs(upper) if math.isfinite(upper) else abs(lower))
    if optional:
        validate(_with(composed, key, None))
    else:
        _refused(_with(composed, key, None), key)
    validate(_with(composed, key, lower + step if lower_open else lower))
    if valid.startswith("0, or "):  # tornado_step: 0 (no tornado) besides the interval
        validate(_with(composed, key, 0))
        _refused(_with(composed, key, -step), key)
    else:
        _refused(_with(composed, key, lower if lower_open else lower - step), key)
    if math.isfinite(upper):
        validate(_with(composed, key, upper - step if upper_open else upper))
        _refused(_with(composed, key, upper if upper_open else upper + step), key)
    else:
        _refused(_with(composed, key, math.inf), key)
    if whole:
        _refused(_with(composed, key, lower + 0.5), key)


def test_each_section_names_the_presets_that_set_it(markdown):
    # read independently of the generator: a preset of group G sets section G, or, under
    # "# @package _global_", the sections named by its top-level keys
    sections = {block.split("\n", 1)[0]: block for block in markdown.split("\n## ")[1:]}
    title = {name: next(t for t in sections if t.endswith(f"`{name}.*`")) for name in SCHEMAS}
    title[""] = "Run-level keys"
    expected = 0
    for path in sorted((ROOT / "conf").glob("*/*.yaml")):
        group = path.parent.name
        if group in ("hydra", "portfolio"):
            continue
        text = path.read_text()
        content = yaml.safe_load(text) or {}
        tops = set(content) if "# @package _global_" in text else ({group} if content else set())
        for top in tops:
            section = top if top in SCHEMAS else ""
            preset_line = next(line for line in sections[title[section]].splitlines() if line.startswith("Set by"))
            assert f"`{group}={path.stem}`" in preset_line, (path, section)
            expected += 1
    assert expected >= 25  # every group's presets were found
    assert "`stress=volume-slump` (correlations)" in sections["Run-level keys"]


def test_route_and_portfolio_keys_have_rows(markdown):
    rows = table_rows(markdown)
    from sim.inputs.routing import OWN_WORKLOAD
    from sim.inputs.schema import WORKLOAD_FIELDS

    assert {"routes.NAME.kind", "routes.NAME.pricing", "routes.NAME.quality.rag",
            "routes.NAME.finetune.on_platform_exit", "routes.NAME.rag.corpus_tokens"} <= set(rows)
    for names in OWN_WORKLOAD.values():
        assert {f"routes.NAME.workload.{name}" for name in names} <= set(rows)
    assert {"portfolio.shared.KEY", "portfolio.workloads.NAME", "portfolio.workloads.NAME.presets.GROUP",
            "portfolio.workloads.NAME.overrides.KEY", "portfolio.workloads.NAME.route"} <= set(rows)
    assert WORKLOAD_FIELDS == ("presets", "overrides", "route")  # a new field of a workload needs its row
    # a key of another kind is not offered: a prompt route takes no finetuned_prompt_tokens
    assert rows["routes.NAME.workload.finetuned_prompt_tokens"][3].endswith("; finetune routes only")


def test_headings_start_at_level_two_and_importing_costs_nothing(markdown):
    assert not re.search(r"^# ", markdown, re.MULTILINE)
    assert re.search(r"^## Run-level keys$", markdown, re.MULTILINE)
    # the default presets, as conf/config.yaml's defaults list picks them
    assert "`pricing=dedicated-lora-8b`, `workload=support-bot`, `market=default`" in markdown
    assert "`stress=none`, `portfolio=null`" in markdown
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, sim.inputs.reference; print(' '.join(sorted(sys.modules)))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert not {"numpy", "hydra", "omegaconf", "yaml", "sim.inputs.schema"} & set(loaded)


def test_ranges_in_words_are_what_validation_enforces(markdown, composed):
    rows = table_rows(markdown)
    first, last = re.search(r"from (\d{4}-\d{2}) to (\d{4}-\d{2})", rows["start"][3]).groups()
    for month in (first, last):
        validate(_with(composed, "start", month))
    for month in ("1899-12", "3000-01", "2026-13"):
        _refused(_with(composed, "start", month), "start")
    assert "a date `YYYY-MM-DD`" in rows["pricing.as_of"][3]
    validate(_with(composed, "pricing.as_of", "2026-02-28"))
    for day in ("2026-02", "2026-02-30"):
        _refused(_with(composed, "pricing.as_of", day), "pricing.as_of")
    assert "not before `finetune_training_until`" in rows["pricing.finetune_serving_until"][3]
    validate(_with(composed, "pricing.finetune_training_until", "2027-01-31",
                   **{"pricing.finetune_serving_until": "2027-01-31"}))
    _refused(_with(composed, "pricing.finetune_training_until", "2027-01-31",
                   **{"pricing.finetune_serving_until": "2027-01-30"}), "finetune_serving_until")
    assert rows["baseline"][3] == "null or the name of a prompt route"
    validate(_with(composed, "baseline", "prompt"))
    for name in ("finetune", "no-such-route"):
        _refused(_with(composed, "baseline", name), "baseline")
    assert "other than the run's own" in rows["finetune.successor"][3]
    with pytest.raises(ConfigError, match="finetune.successor"):
        validate(_with(composed, "finetune.successor", "dedicated-lora-8b"), pricing_sheet="dedicated-lora-8b")
    _refused(_with(composed, "finetune.successor", "no-such-sheet"), "finetune.successor")
    assert rows["routes"][3].startswith("1 to 8 routes, at least one of kind prompt")
    eight = {f"r{i}": {"kind": ("prompt", "finetune", "rag")[i % 3]} for i in range(8)}
    validate(_with(composed, "routes", eight))
    _refused(_with(composed, "routes", {**eight, "r8": {"kind": "rag"}}), "routes")
    _refused(_with(composed, "routes", {"f": {"kind": "finetune"}}), "routes")
    _refused(_with(composed, "routes", {"none": {"kind": "prompt"}}), "routes.none")
    assert "r a number in (-1, 1)" in rows["correlations"][3]
    pair = {"inputs": ["workload.calls_per_month", "workload.growth_per_month"]}
    validate(_with(composed, "correlations", [{**pair, "rank": 0.99}]))
    for rank in (1, -1):
        _refused(_with(composed, "correlations", [{**pair, "rank": rank}]), "correlations")
    _refused(_with(composed, "correlations", [{"inputs": ["market.cut_size", "workload.calls_per_month"],
                                               "rank": 0.5}]), "cut_size")
