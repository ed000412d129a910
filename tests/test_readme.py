"""The README's configuration reference lists every input with its unit and default."""

from pathlib import Path

from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.schema import SECTIONS, Config, input_metadata
from sim.inputs.validation import validate
from sim.inputs.distributions import parse

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_uncertain_input_is_in_the_reference_with_unit_meaning_and_default():
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        settings = validate(compose(config_name="config"))
    for key, meta in input_metadata().items():
        section, name = key.split(".")
        if section == "successor":  # no default: the prices of the sheet finetune.successor names
            default = "from `finetune.successor`'s sheet"
        elif settings.resolved[section][name] is None:  # a cached price the sheet does not give
            default = "absent: the uncached price"
        else:
            default = parse(key, settings.resolved[section][name], meta["domain"]).describe()
        row = f"| `{key}` | {meta['unit']} | {meta['description']} | {default} |"
        assert row in README, row


def test_every_schema_key_that_is_not_an_input_is_in_the_reference():
    inputs = input_metadata()
    for section, schema in SECTIONS.items():
        for name in schema.__dataclass_fields__:
            if f"{section}.{name}" not in inputs:
                assert f"`{section}.{name}`" in README, f"{section}.{name}"


def test_every_run_level_key_is_in_the_reference():
    for name in Config.__dataclass_fields__:
        if name not in ("workload", "pricing", "market", "finetune", "rag", "prompt", "quality"):
            assert f"| `{name}` |" in README, name


def test_every_uncertain_input_states_its_valid_range_in_the_reference():
    for key, meta in input_metadata().items():
        # the reference's row (unit, meaning, default, range), not a key quoted elsewhere
        # (the comparison's example lists the inputs that differ in a table of its own)
        row = next(line for line in README.splitlines() if line.startswith(f"| `{key}` |") and line.count(" | ") >= 4)
        assert row.split(" | ")[4].startswith(meta["domain"].describe().removeprefix("a ")), row
