"""The README's configuration reference lists every input with its unit and default."""

from pathlib import Path

from hydra import compose, initialize_config_dir

from sim.cli import CONFIG_DIR
from sim.config import Config, input_metadata, validate

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_uncertain_input_is_in_the_reference_with_unit_meaning_and_default():
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        settings = validate(compose(config_name="config"))
    for key, meta in input_metadata().items():
        row = f"| `{key}` | {meta['unit']} | {meta['description']} | {settings.inputs[key].describe()} |"
        assert row in README, row


def test_every_run_level_key_is_in_the_reference():
    for name in Config.__dataclass_fields__:
        if name not in ("workload", "pricing", "market", "finetune", "rag"):
            assert f"| `{name}` |" in README, name
