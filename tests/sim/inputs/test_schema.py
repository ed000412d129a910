"""The schema and its validation: presets compose, every bad value is refused by key."""

import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from kernels.layout import STATIC_FIELDS
from sim.cli.payback import CONFIG_DIR
from sim.inputs.schema import EVENT_FIELDS, input_metadata
from sim.inputs.validation import ConfigError, validate
from tests.conftest import configure, write_sheet


def compose_with(*overrides):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        return compose(config_name="config", overrides=list(overrides))


def test_every_kernel_input_has_a_schema_field_with_unit_and_description():
    metadata = input_metadata()
    newer = {"workload.prompt_prefix_tokens", "workload.finetuned_prefix_tokens", "workload.rag_prefix_tokens",
             "workload.cache_hit_rate", "pricing.base_cached_input", "pricing.finetuned_cached_input",
             "prompt.migration_cost", "quality.prompt", "quality.finetune", "quality.rag",
             "quality.error_cost"}  # columns a run adds beyond STATIC_FIELDS (sim.inputs.static)
    assert set(metadata) == set(STATIC_FIELDS) | set(EVENT_FIELDS) | newer
    assert all(meta["unit"] and meta["description"] for meta in metadata.values())
    settings = validate(compose_with())
    assert set(settings.layout.keys) == set(metadata) - set(EVENT_FIELDS) - {
        "pricing.base_cached_input"}  # absent from the default sheet: prompts to the 8B model billed uncached


@pytest.mark.parametrize("preset", sorted(p.stem for p in (Path(CONFIG_DIR) / "pricing").glob("*.yaml")))
def test_pricing_presets_validate_and_carry_date_and_source(preset):
    settings = validate(compose_with(f"pricing={preset}"))
    pricing = settings.resolved["pricing"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", pricing["as_of"])
    assert len(pricing["source"]) > 20


def test_issue_price_sheets_are_the_presets_numbers():
    def sheet(preset):
        return validate(compose_with(f"pricing={preset}")).resolved["pricing"]

    mini41, mini4o = sheet("openai-gpt-4.1-mini"), sheet("openai-gpt-4o-mini")
    assert (mini41["training"], mini41["finetuned_input"], mini41["finetuned_output"]) == (5.0, 0.8, 3.2)
    assert (mini41["base_input"], mini41["base_output"]) == (0.4, 1.6)
    assert (mini4o["training"], mini4o["finetuned_input"], mini4o["finetuned_output"]) == (3.0, 0.3, 1.2)
    assert (mini4o["base_input"], mini4o["base_output"]) == (0.15, 0.6)
    assert sheet("azure-openai-gpt-4.1-mini")["hosting_per_month"] == pytest.approx(1.70 * 730, abs=1)
    lora = sheet("serverless-lora-8b")
    assert lora["training"] == 0.5 and lora["finetuned_input"] == lora["base_input"]
    # issue #25: cached prices and the baseline's own calendar (OpenAI's notice of 2026-10-14)
    assert (mini41["base_cached_input"], mini41["finetuned_cached_input"]) == (0.1, 0.2)
    assert (mini41["base_serving_until"], mini41["base_successor"]) == ("2027-01-14", "openai-gpt-6-luna")
    luna = sheet("openai-gpt-6-luna")
    assert (luna["base_input"], luna["base_output"], luna["base_cached_input"]) == (0.1, 0.5, 0.01)
    assert sheet("dedicated-lora-8b")["replica_calls_per_month"] == 9_000_000


@pytest.mark.parametrize("preset", sorted(p.stem for p in (Path(CONFIG_DIR) / "workload").glob("*.yaml")))
def test_workload_presets_validate_and_say_whom_they_describe(preset):
    validate(compose_with(f"workload={preset}"))
    first_line = (Path(CONFIG_DIR) / "workload" / f"{preset}.yaml").read_text().splitlines()[0]
    assert first_line.startswith("# ") and len(first_line) > 40


def test_distribution_mapping_from_the_shell():
    settings = validate(compose_with("workload.calls_per_month={dist:lognormal,p05:5e4,p95:2e6}"))
    distribution = settings.inputs["workload.calls_per_month"]
    assert distribution.family == "lognormal" and distribution.params == (5e4, 2e6)
    fixed = validate(compose_with("workload.calls_per_month=200000")).inputs["workload.calls_per_month"]
    assert fixed.is_fixed and fixed.params == (200000.0,)


@pytest.mark.parametrize(
    "override, key, message",
    [
        ({"scenarios": 0}, "scenarios", "is not a whole number in [1, 10000000000]"),
        ({"horizon_months": 0}, "horizon_months", "is not a whole number in [1, 1200]"),
        ({"seed": -1}, "seed", "is not a whole number in [0, 9223372036854775807]"),
        ({"discount_rate": -0.1}, "discount_rate", "is not a number in [0, 1]"),
        ({"confidence": 1.0}, "confidence", "is not a number in (0, 1)"),
        ({"threads": 0}, "threads", "is not null or a whole number in [1, 1024]"),
        ({"kept_scenarios": 0}, "kept_scenarios", "is not null or a whole number in [1, 10000000000]"),
        ({"saved_scenarios": -1}, "saved_scenarios", "-1 is not null or a whole number in [0, 10000000000]"),
        ({"saved_scenarios": 10**10 + 1}, "saved_scenarios", "is not null or a whole number in [0, 10000000000]"),
        ({"saved_scenarios": 1.5}, "saved_scenarios", "1.5"),
        ({"pricing": {"base_input": -0.4}}, "pricing.base_input", "-0.4 is not a number in [0, 10000]"),
        ({"workload": {"prompt_tokens": -5}}, "workload.prompt_tokens", "-5 is not a number in [0, 1e+08]"),
        ({"workload": {"calls_per_month": -1}}, "workload.calls_per_month", "-1 is not a number in [0, 1e+12]"),
        ({"finetune": {"setup_cost": -1}}, "finetune.setup_cost", "-1 is not a number in [0, 1e+12]"),
        ({"finetune": {"success_probability": 1.2}}, "finetune.success_probability", "in [0, 1]"),
        ({"workload": {"shutdown_per_year": -0.1}}, "workload.shutdown_per_year", "in [0, 1]"),
        ({"finetune": {"max_attempts": 0}}, "finetune.max_attempts", "0 is not a whole number in [1, 100]"),
        ({"finetune": {"max_attempts": 2.5}}, "finetune.max_attempts", "2.5 is not a whole number in [1, 100]"),
        ({"finetune": {"months_to_ship": 1.5}}, "finetune.months_to_ship", "1.5 is not a whole number in [0, 1200]"),
        ({"market": {"cut_size": 1.0}}, "market.cut_size", "in [0, 1)"),
        (
            {"workload": {"calls_per_month": {"dist": "lognormal", "p05": 9, "p95": 1}}},
            "workload.calls_per_month", "p05 (9) must be below p95 (1)",
        ),
        (
            {"finetune": {"setup_cost": {"dist": "pert", "low": 9, "mode": 5, "high": 1}}},
            "finetune.setup_cost", "needs low <= mode <= high",
        ),
        ({"rag": {"setup_cost": {"dist": "weibull", "low": 1}}}, "rag.setup_cost", "unknown distribution"),
        ({"workload": {"calls_per_mnth": 5}}, "workload.calls_per_mnth", "unknown key"),
        ({"scenarioz": 5}, "scenarioz", "unknown key"),
        ({"pricing": {"base_input": "???"}}, "pricing.base_input", "missing value"),
    ],
)
def test_bad_values_are_refused_with_one_line_naming_the_key(override, key, message):
    with pytest.raises(ConfigError) as error:
        validate(configure(**override))
    text = str(error.value)
    assert text.startswith(f"{key}: ") and message in text and "\n" not in text


def test_saved_scenarios_defaults_to_32768_and_takes_none_every_kept_row_or_a_count():
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        assert validate(compose(config_name="config")).saved_scenarios == 32_768
    for value in (0, None, 5, 10**10):
        assert validate(configure(saved_scenarios=value)).saved_scenarios == value


MIGRATE = {"on_platform_exit": "migrate"}


@pytest.mark.parametrize(
    "override, key, message",
    [
        ({"start": "2026-13"}, "start", "is not a calendar month YYYY-MM"),
        ({"start": "Dec 2026"}, "start", "is not a calendar month YYYY-MM"),
        ({"start": 202612}, "start", "is not a calendar month YYYY-MM"),
        ({"start": "0000-01"}, "start", "from 1900-01 to 2999-12"),
        ({"start": "\uff12\uff10\uff12\uff16-\uff11\uff12"}, "start", "is not a calendar month YYYY-MM"),
        ({"pricing": {"finetune_training_until": "2027-W01-1"}}, "pricing.finetune_training_until", "not an ISO date"),
        ({"pricing": {"finetune_training_until": "2027-02-30"}}, "pricing.finetune_training_until", "not an ISO date"),
        ({"pricing": {"finetune_serving_until": "next year"}}, "pricing.finetune_serving_until", "not an ISO date"),
        ({"pricing": {"finetune_training_until": "2027-03-01", "finetune_serving_until": "2027-02-01"}},
         "pricing.finetune_serving_until", "is before pricing.finetune_training_until"),
        ({"finetune": {"on_platform_exit": "retire"}}, "finetune.on_platform_exit", "not one of prompt, migrate"),
        ({"finetune": MIGRATE}, "finetune.successor", "required with finetune.on_platform_exit=migrate"),
        ({"finetune": {**MIGRATE, "successor": "no-such-sheet"}}, "finetune.successor", "no price sheet 'no-such-sheet'"),
        ({"finetune": {**MIGRATE, "successor": "../workload/support-bot"}}, "finetune.successor", "no price sheet"),
        ({"finetune": {**MIGRATE, "successor": "openai-gpt-4.1-mini"}}, "finetune.successor", "the run's own price sheet"),
    ],
)
def test_calendar_inputs_are_refused_with_one_line_naming_the_key(override, key, message):
    with pytest.raises(ConfigError) as error:
        validate(configure(**override), pricing_sheet="openai-gpt-4.1-mini")
    text = str(error.value)
    assert text.startswith(f"{key}: ") and message in text and "\n" not in text


def test_a_damaged_successor_sheet_is_refused_naming_it(tmp_path):
    (tmp_path / "pricing").mkdir()
    (tmp_path / "pricing" / "broken.yaml").write_text("base_input: 0.4\nbase_outptu: 1\n")
    with pytest.raises(ConfigError, match=r"^finetune.successor \(broken.yaml\): base_outptu: unknown key"):
        validate(configure(finetune={**MIGRATE, "successor": "broken"}), conf_dir=tmp_path)


def test_start_defaults_to_this_month_and_dates_fall_in_months_counted_from_it():
    settings = validate(configure())
    assert re.fullmatch(r"\d{4}-\d{2}", settings.start) and settings.resolved["start"] == settings.start
    dated = validate(configure(start="2026-12", pricing={"finetune_training_until": "2027-01-06",
                                                         "finetune_serving_until": "2027-01-14"}))
    # January 2027 is month 2 from December 2026; no successor: its entries stay past the horizon
    assert dated.calendar.tolist() == [2, 2, 25, 25]
    before = validate(configure(start="2027-02", pricing={"finetune_training_until": "2027-01-06"}))
    assert before.calendar.tolist() == [0, 25, 25, 25]  # a date before start is month 0: never


def test_training_never_outlasts_serving():
    settings = validate(configure(start="2027-01", pricing={"finetune_serving_until": "2027-04-30"}))
    assert settings.calendar.tolist()[:2] == [4, 4]


def test_stress_platform_exit_dates_an_exit_inside_the_horizon_whatever_the_start():
    for start in ("2026-12", "2031-07"):
        settings = validate(compose_with("stress=platform-exit", f"start={start}"), pricing_sheet="serverless-lora-8b")
        training, serving = settings.calendar.tolist()[:2]
        assert 1 <= training <= serving <= settings.horizon_months and settings.migrate_on_exit


def test_an_empty_date_is_no_announced_end():
    settings = validate(configure(start="2027-01", pricing={"finetune_training_until": "", "finetune_serving_until": None}))
    assert settings.calendar.tolist() == [25, 25, 25, 25]


def test_a_successor_that_is_not_yaml_is_refused_naming_it(tmp_path):
    (tmp_path / "pricing").mkdir()
    (tmp_path / "pricing" / "broken.yaml").write_text("base_input: [0.4\nfoo: : :\n")
    with pytest.raises(ConfigError, match=r"^finetune.successor \(broken.yaml\): not YAML \("):
        validate(configure(finetune={**MIGRATE, "successor": "broken"}), conf_dir=tmp_path)


def test_a_successors_after_start_dates_count_from_the_runs_start(tmp_path):
    write_sheet(tmp_path, "later", finetune_training_until="${after_start:3}", finetune_serving_until="${after_start:5}")
    settings = validate(configure(start="2026-12", finetune={**MIGRATE, "successor": "later"}), conf_dir=tmp_path)
    later = settings.sheets[1]
    assert (str(later.training_until), str(later.serving_until)) == ("2027-02-28", "2027-04-30")
    assert settings.calendar.tolist()[2:] == [3, 5]


REFUSED_TEXT = "which would act on a terminal or reorder the text of report.md and report.html instead of being read"


@pytest.mark.parametrize("changes, message", [
    # a successor is checked whatever on_platform_exit is (it was, with migrate only)
    ({"finetune": {"successor": "nope"}}, "finetune.successor: no price sheet 'nope' in conf/pricing/ (available: "),
    ({"finetune": {"successor": "../workload/support-bot"}},
     "finetune.successor: no price sheet '../workload/support-bot' in conf/pricing/"),
    ({"pricing": {"as_of": ""}}, "pricing.as_of: '' is not a date YYYY-MM-DD (the day the prices were read)"),
    ({"pricing": {"as_of": "2026-02-30"}}, "pricing.as_of: '2026-02-30' is not a date YYYY-MM-DD"),
    ({"pricing": {"as_of": "Nov 2026"}}, "pricing.as_of: 'Nov 2026' is not a date YYYY-MM-DD"),
    ({"pricing": {"source": "list \x1b[31mprice"}}, f"pricing.source: holds the control character U+001B, {REFUSED_TEXT}"),
    ({"pricing": {"source": "ring \x07"}}, "pricing.source: holds the control character U+0007"),
    ({"pricing": {"source": "x \x9b y"}}, "pricing.source: holds the control character U+009B"),
    ({"pricing": {"source": "invoice \u202egnp.exe"}}, "pricing.source: holds the bidirectional control U+202E"),
    ({"pricing": {"as_of": "2026-11-28\u2066"}}, "pricing.as_of: holds the bidirectional control U+2066"),
], ids=["successor nope", "successor a path", "as_of empty", "as_of no such day", "as_of not ISO", "ESC", "BEL", "C1",
        "RLO", "LRI"])
def test_text_and_a_successor_are_refused_whatever_the_other_keys_say(changes, message):
    # accepted: a successor misspelt under prompt, "as of ****", ESC and U+202E raw in report.md
    with pytest.raises(ConfigError) as refused:
        validate(configure(**changes))
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_successor_sheet_is_checked_as_the_run_sheet_is(tmp_path):
    write_sheet(tmp_path, "next", source="moved \x1b[2J")
    with pytest.raises(ConfigError, match=r"^finetune\.successor \(next\.yaml\)\.source: holds the control character"
                                          r" U\+001B"):
        validate(configure(finetune={"on_platform_exit": "migrate", "successor": "next"}), conf_dir=tmp_path)
    write_sheet(tmp_path, "next", as_of="")
    with pytest.raises(ConfigError, match=r"^finetune\.successor \(next\.yaml\)\.as_of: '' is not a date"):
        validate(configure(finetune={"successor": "next"}), conf_dir=tmp_path)  # under prompt too
