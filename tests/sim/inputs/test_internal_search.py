"""The internal-search workload preset and the example portfolio that uses it: each workload of
the portfolio composes and validates as a single run (that every number of both says where it
comes from: tests/sim/inputs/test_presets.py)."""

import re
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import validate
from sim.portfolio.spec import check_portfolio, workload_overrides

SEARCH = Path(CONFIG_DIR) / "workload" / "internal-search.yaml"
TEAM = Path(CONFIG_DIR) / "portfolio" / "example-team.yaml"


def test_the_digest_is_the_cached_prefix_of_every_prompt():
    preset = yaml.safe_load(SEARCH.read_text())
    # pert(low=40300, ...): a fixed 40,000-token prefix never longer than its prompt
    low = float(re.search(r"low=([0-9.]+)", preset["prompt_tokens"]).group(1))
    assert preset["prompt_prefix_tokens"] == 40000 <= low


def test_each_workload_of_the_example_team_validates_as_a_single_run():
    # each workload's overrides as the command line builds them (sim.portfolio.spec)
    shared, workloads = check_portfolio("example-team", yaml.safe_load(TEAM.read_text()))
    assert set(workloads) == {"support", "extraction", "search"}
    for name, workload in workloads.items():
        with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
            settings = validate(compose(config_name="config", overrides=workload_overrides(shared, workload, [])))
        assert settings.start == "2026-12", name
        assert workload["route"] is None or workload["route"] in [r.name for r in settings.routes], name
