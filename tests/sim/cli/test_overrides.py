"""An override replaces an uncertain input whole: from the shell, a preset or a stress."""

import shutil
import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import ConfigError, validate
from sim.cli.overrides import clear_before_mappings, route_added_twice
from sim.io.netcdf import read_results


def composed(*overrides, config_dir=CONFIG_DIR):
    with initialize_config_dir(version_base="1.3", config_dir=str(config_dir)):
        return validate(compose(config_name="config", overrides=list(overrides)))


def test_presets_write_distributions_that_a_mapping_replaces_whole():
    # the default setup cost is a PERT; a uniform mapping over it keeps no PERT key
    setup = composed("finetune.setup_cost={dist:uniform,low:1000,high:2000}").inputs["finetune.setup_cost"]
    assert (setup.family, setup.params) == ("uniform", (1000.0, 2000.0))
    # a lognormal mapping that forgets p95 is refused, not completed from the default
    with pytest.raises(ConfigError, match=r"^workload.calls_per_month: lognormal needs p05 and p95; p95 is missing$"):
        composed("workload.calls_per_month={dist:lognormal,p05:1e5}")


@pytest.mark.parametrize("override, family, params", [
    ("workload.calls_per_month='pert(1e5, 1e6, 5e6)'", "pert", (1e5, 1e6, 5e6)),
    ("workload.calls_per_month='pert(low=1e5, mode=1e6, high=5e6)'", "pert", (1e5, 1e6, 5e6)),
    ("workload.calls_per_month=250000", "fixed", (250000.0,)),
    ("workload.volatility='uniform(0.1, 0.3)'", "uniform", (0.1, 0.3)),
])
def test_the_compact_form_a_number_over_a_distribution_and_a_distribution_over_a_number(override, family, params):
    key = override.split("=")[0]
    distribution = composed(override).inputs[key]
    assert (distribution.family, distribution.params) == (family, params)


def test_a_stress_overlay_in_mapping_form_replaces_the_default_whole(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(CONFIG_DIR, conf)
    (conf / "stress" / "cheap-setup.yaml").write_text(
        "# @package _global_\nfinetune:\n  setup_cost: {dist: uniform, low: 100, high: 200}\n")
    setup = composed("stress=cheap-setup", config_dir=conf).inputs["finetune.setup_cost"]
    assert (setup.family, setup.params) == ("uniform", (100.0, 200.0))
    cut = composed("stress=price-war").inputs["market.cut_size"]
    assert (cut.family, cut.params) == ("pert", (0.2, 0.4, 0.7))


def test_mapping_overrides_are_cleared_first_and_sweeps_are_left_alone():
    argv = ["k={dist:uniform,low:1,high:2}", "-m", "s={a:1},{a:2}", "+x={a:1}", "hydra.run.dir=x", "n=3"]
    assert clear_before_mappings(argv) == ["k=null", *argv]


def payback(*args, run_dir):
    return subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", "scenarios=500", "report=false",
                           *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_shell_switches_a_family_in_each_form(tmp_path):
    forms = {
        "mapping": "finetune.setup_cost={dist:uniform,low:1000,high:2000}",
        "function": "finetune.setup_cost=uniform(1000, 2000)",
        "named": "finetune.setup_cost=uniform(low=1000, high=2000)",
    }
    for name, override in forms.items():
        done = payback(override, run_dir=tmp_path / name)
        assert done.returncode == 0, (name, done.stderr)
        drawn = read_results(tmp_path / name / "results.nc")["finetune.setup_cost"]
        assert drawn.attrs["distribution"] == "uniform(low=1000, high=2000)", name
        assert 1000 <= float(drawn.min()) and float(drawn.max()) <= 2000


@pytest.mark.slow
@pytest.mark.parametrize("override, message", [
    ("workload.calls_per_month={dist:lognormal,p05:1e5}", "lognormal needs p05 and p95; p95 is missing"),
    ("workload.calls_per_month=pert(1e5, 1e6)", "pert needs low and mode and high; high is missing"),
    ("workload.volatility={dist:[uniform],low:0.1,high:0.2}", "unknown distribution ['uniform']"),
    ("workload.volatility=[0.1,0.2]", "a list ([0.1, 0.2]) is not a number or a distribution"),
    ("workload.volatility=weibull(1, 2)", "Unknown function 'weibull' (distributions: uniform,"),
])
def test_the_shell_refuses_an_incomplete_or_foreign_value_in_one_line(tmp_path, override, message):
    done = payback(override, run_dir=tmp_path / "run")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"payback: error: {override.split('=')[0]}: ") and message in done.stderr


def test_the_shell_adds_a_route_with_its_own_inputs_and_removes_one():
    # '+routes.NAME={...}' failed in Hydra ("dict is not a subclass of Route") while the schema
    # typed each route as a dataclass
    settings = composed("+routes.lora={kind:finetune,pricing:openai-gpt-4.1-mini,finetune:{setup_cost:2000}}",
                        "~routes.rag", "+routes.cheap.kind=prompt", "+routes.cheap.pricing=openai-gpt-4o-mini",
                        "start=2026-12", "horizon_months=1")
    # (composed without Hydra's runtime choices, the group's sheet is "pricing")
    assert [(route.name, route.kind, route.sheet) for route in settings.routes] == [
        ("prompt", "prompt", "pricing"), ("finetune", "finetune", "pricing"),
        ("lora", "finetune", "openai-gpt-4.1-mini"), ("cheap", "prompt", "openai-gpt-4o-mini")]
    assert settings.inputs["routes.lora.finetune.setup_cost"].params == (2000.0,)


@pytest.mark.parametrize("argv, refused", [
    (["+routes.prompt={kind:prompt}"], "prompt"),
    (["+routes.lora={kind:finetune}", "+routes.lora={kind:rag}"], "lora"),
    (["routes=default", "+routes.rag={kind:rag,pricing:x}"], "rag"),
    (["+routes.lora={kind:finetune}"], None),
    (["~routes.prompt", "+routes.prompt={kind:prompt,pricing:x}"], None),  # removed, then added anew
    (["++routes.prompt={pricing:x}"], None),  # Hydra's "add or change", said as such
    (["+routes.prompt.workload.prompt_tokens=3000"], None),  # a key of the route, not a route
    (["routes=a,b", "+routes.prompt={kind:prompt}"], None),  # a sweep of presets: left to Hydra
], ids=["preset's", "added twice", "named preset", "new", "removed first", "++", "a key", "sweep"])
def test_a_route_added_under_a_name_the_run_has_is_refused(argv, refused):
    message = route_added_twice(argv)
    if refused is None:
        assert message is None
    else:
        assert message.startswith(f"routes.{refused}: the run already has a route named {refused!r}")
