"""The internal-search workload preset and the example portfolio that uses it: every number says
where it comes from, and each workload of the portfolio composes and validates as a single run."""

import re
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import validate

SEARCH = Path(CONFIG_DIR) / "workload" / "internal-search.yaml"
TEAM = Path(CONFIG_DIR) / "portfolio" / "example-team.yaml"


def test_every_number_says_where_it_comes_from():
    for path in (SEARCH, TEAM):
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#") or ":" not in line:
                continue
            value = line.split(":", 1)[1].split("#", 1)[0]
            if re.search(r"(?<![\w.-])[0-9]", value):  # a number, not a digit of a preset's name
                assert "#" in line, f"{path.name}: {line.strip()!r} has no comment (a source or 'assumption')"


def test_the_digest_is_the_cached_prefix_of_every_prompt():
    preset = yaml.safe_load(SEARCH.read_text())
    # pert(low=40300, ...): a fixed 40,000-token prefix never longer than its prompt
    low = float(re.search(r"low=([0-9.]+)", preset["prompt_tokens"]).group(1))
    assert preset["prompt_prefix_tokens"] == 40000 <= low


def override(key, value):
    """A dotted key of the file as a Hydra override: strings quoted, as the shell would."""
    return f"{key}='{value}'" if isinstance(value, str) else f"{key}={value}"


def test_each_workload_of_the_example_team_validates_as_a_single_run():
    team = yaml.safe_load(TEAM.read_text())
    shared = [override(key, value) for key, value in team["shared"].items()]
    assert set(team["workloads"]) == {"support", "extraction", "search"}
    for name, workload in team["workloads"].items():
        presets = [f"{group}={option}" for group, option in workload["presets"].items()]
        overrides = [override(key, value) for key, value in (workload.get("overrides") or {}).items()]
        with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
            settings = validate(compose(config_name="config", overrides=presets + shared + overrides))
        assert settings.start == "2026-12", name
        assert workload["route"] is None or workload["route"] in [r.name for r in settings.routes], name
