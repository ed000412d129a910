"""The command line end to end, through a subprocess as a user runs it."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml

from sim.cli.payback import sweep_job_settings
from sim.inputs.validation import validate
from sim.io.netcdf import read_results
from sim.io.files import write_json
from tests.conftest import (
    BASE,
    configure,
    FINETUNED_MONTHLY,
    PROMPT_MONTHLY,
    RAG_FIRST_MONTH_FIXED,
    RAG_LATER_FIXED,
    RAG_MONTHLY,
)

H = BASE["horizon_months"]


def overrides_for(config, prefix=""):
    """Hydra overrides that set every key of ``config``."""
    items = []
    for key, value in config.items():
        if isinstance(value, dict):
            items += overrides_for(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            items.append(f"{prefix}{key}='{value}'")
        elif value is None:
            items.append(f"{prefix}{key}=null")
        else:
            items.append(f"{prefix}{key}={value}")
    return items


def payback(*args, run_dir):
    return subprocess.run(
        [sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", *args],
        capture_output=True, text=True, timeout=300,
    )


@pytest.mark.slow
def test_fixed_run_writes_a_summary_equal_to_the_closed_forms(tmp_path):
    run_dir = tmp_path / "run"
    done = payback(*overrides_for(BASE | {"scenarios": 1000}), run_dir=run_dir)
    assert done.returncode == 0, done.stderr
    assert "P(fine-tuning beats prompting within 24 months) = 100.0% [99.6%, 100.0%]" in done.stdout
    # every input fixed: the cheapest route, named as an action, in the log and at the top of report.md
    sheet = "dedicated-lora-8b"  # the pricing group's default, whose prices BASE sets key by key
    assert f"recommendation: Fine-tune on {sheet} (the cheapest in 100.0% [99.6%, 100.0%] of scenarios;" in done.stdout
    assert (run_dir / "report.md").read_text().startswith(f"# payback report\n\n## Fine-tune on {sheet}\n")

    summary = json.loads((run_dir / "summary.json").read_text())
    expected = {
        "prompt": PROMPT_MONTHLY * H,
        "finetune": 610.0 + PROMPT_MONTHLY + (FINETUNED_MONTHLY + 20.0) * (H - 1),
        "rag": RAG_FIRST_MONTH_FIXED + PROMPT_MONTHLY + (RAG_MONTHLY + RAG_LATER_FIXED) * (H - 1),
    }
    for strategy, cost in expected.items():
        for statistic in ("mean", "p05", "p50", "p95"):
            assert summary["cost"][strategy][statistic] == pytest.approx(cost, abs=0.005)
    assert summary["payback_month"]["finetune"] == {"p10": 12, "p50": 12, "p90": 12, "never": 0.0}
    assert summary["payback_month"]["rag"] == {"p10": 16, "p50": 16, "p90": 16, "never": 0.0}
    assert summary["p_beats_prompt"]["finetune"]["estimate"] == 1.0
    low, high = summary["p_beats_prompt"]["finetune"]["ci95"]
    assert high == 1.0 and low == pytest.approx(1000 / (1000 + 1.959963984540054**2))
    assert summary["retrains"]["mean"] == 0.0
    assert (summary["scenarios"], summary["horizon_months"], summary["seed"]) == (1000, H, BASE["seed"])

    results = read_results(run_dir / "results.nc")
    sizes = dict(results.sizes)
    # the budget by fiscal year: 24 months from a January start span 2 calendar years, from any other month 3
    assert sizes.pop("fiscal_year") == (2 if results.attrs["start"].endswith("-01") else 3)
    assert sizes == {"scenario": 1000, "route": 3, "versus": 3, "challenger": 2, "finetune_route": 1,
                     "month": H, "quantile": 5, "replicate": 1, "total": 8, "statistic": 4}
    assert results.cost.attrs["units"] == "USD" and "description" in results.cost.attrs
    assert "horizon_months: 24" in results.attrs["config"]
    np.testing.assert_array_equal(results.p_beats_prompt.sel(challenger="finetune").values,
                                  [0.0] * 11 + [1.0] * 13)
    np.testing.assert_array_equal(results.p_paid_back.sel(challenger="rag").values, [0.0] * 15 + [1.0] * 9)
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".partial")]


@pytest.mark.slow
def test_the_sourced_quality_preset_runs_end_to_end_with_its_quality_keys(tmp_path):
    done = payback("quality=support-escalation", "scenarios=2048", "report=false", "start=2026-12",
                   run_dir=tmp_path / "run")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["quality"] == {"bar": 0.85, "error_cost": "pert(low=8, mode=13.5, high=20)"}
    assert 0 < summary["p_acceptable"]["prompt"] < 1 and summary["error_cost"]["finetune"]["mean"] > 0
    assert sum(summary["p_win"].values()) == pytest.approx(1.0)
    assert summary["recommendation"]["reason"].startswith("Chosen among the routes that meet the quality bar")
    results = read_results(tmp_path / "run" / "results.nc")
    assert results["quality.prompt"].attrs["distribution"] == "normal(p05=0.8, p95=0.9)"


@pytest.mark.slow
def test_default_configuration_runs_and_draws_its_uncertain_inputs(tmp_path):
    done = payback("scenarios=3000", run_dir=tmp_path / "run")
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path / "run" / "results.nc")
    drawn = results["workload.calls_per_month"]
    assert drawn.attrs["distribution"].startswith("lognormal(") and drawn.std() > 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert 0 < summary["p_beats_prompt"]["finetune"]["estimate"] < 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "override, fragment",
    [
        ("workload.calls_per_mnth=5", "workload.calls_per_mnth: unknown key"),
        ("workload.calls_per_month={dist:lognormal,p05:9e5,p95:1e5}", "p05 (900000) must be below p95 (100000)"),
        ("finetune.setup_cost={dist:pert,low:9,mode:5,high:1}", "needs low <= mode <= high"),
        ("pricing.base_input=-0.4", "pricing.base_input: -0.4 is not a number in [0, 10000]"),
        ("workload.output_tokens=-1", "workload.output_tokens: -1 is not a number in [0, 1e+08]"),
        ("finetune.success_probability=1.5", "finetune.success_probability: 1.5 is not a number in [0, 1]"),
        ("horizon_months=0", "horizon_months: 0 is not a whole number in [1, 1200]"),
        ("scenarios=0", "scenarios: 0 is not a whole number in [1, 10000000000]"),
        ("market.cut_size={dist:beta,low:0,high:1}", "unknown distribution 'beta'"),
        ("scenarios=many", "scenarios: Value 'many'"),
        ("pricing=nonexistent", "pricing: no option 'nonexistent'"),
        ("quality.bar=1.5", "quality.bar: 1.5 is not a number in [0, 1]"),
        ("quality.error_cost=-2", "quality.error_cost: -2 is not a number in [0, 1e+06]"),
        ("fiscal_year_start=13", "fiscal_year_start: 13 is not a whole number in [1, 12]"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, override, fragment):
    done = payback(override, run_dir=tmp_path / "run")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "run" / "results.nc").exists()


# Routes refused end to end (MODEL.md, "Routes"; each refusal's wording is tested at the
# validation level in tests/sim/inputs/test_routing.py): one line naming the key, exit 2, no
# traceback, nothing in the run directory.
@pytest.mark.parametrize("overrides, line", [
    (["+routes.lora={kind:lora}"], "routes.lora.kind: 'lora' is not one of prompt, finetune, rag"),
    (["+routes.lora={kind:finetune,pricing:no-such-sheet}"], "routes.lora.pricing: no price sheet 'no-such-sheet'"
     " in conf/pricing/ (available: azure-openai-gpt-4.1-mini, "),
    (["baseline=lora"], "baseline: 'lora' is not a route (routes: prompt, finetune, rag)"),
    (["~routes.prompt", "~routes.finetune", "~routes.rag"], "routes: no route left; name at least one"),
    (["+routes.prompt={kind:prompt,pricing:openai-gpt-4o-mini}"],
     "routes.prompt: the run already has a route named 'prompt' (routes: prompt, finetune, rag); '+routes.prompt='"
     " would change it, not add another"),
    (["workload.prompt_prefix_tokens=20000"], "workload.prompt_prefix_tokens: a prefix of 20000 tokens is longer"
     " than the prompt it is part of (workload.prompt_tokens = pert(low=3000, mode=5000, high=9000)) for routes.prompt"),
    (["workload.cache_hit_rate=1.5"], "workload.cache_hit_rate: 1.5 is not a number in [0, 1]"),
    (["pricing.base_cached_input=0.5"],
     "pricing.base_cached_input: the cached-input price 0.5 is above the uncached 0.18 (routes.prompt)"),
    (["pricing=openai-gpt-4.1-mini", "pricing.base_successor=openai-gpt-4.1-mini", "start=2026-12"],
     "routes.prompt.pricing (openai-gpt-4.1-mini).base_successor: 'openai-gpt-4.1-mini' comes back to a sheet of"
     " the chain (openai-gpt-4.1-mini -> openai-gpt-4.1-mini)"),
    (["pricing=openai-gpt-4.1-mini", "pricing.base_successor=null", "start=2026-12"],
     "routes.prompt.pricing (openai-gpt-4.1-mini).base_serving_until: its base model serves until 2027-01-14,"
     " inside the horizon, and the sheet names no base_successor"),
], ids=["unknown kind", "no such sheet", "baseline not a route", "no route left", "a name twice", "prefix too long",
        "hit rate", "cached above uncached", "successor loop", "retiring without successor"])
def test_a_route_refused_end_to_end(tmp_path, overrides, line):
    # (not from tmp_path: a relative PYTHONPATH=. would import another checkout's sim there)
    done = subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={tmp_path / 'run'}", *overrides],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"payback: error: {line}") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []  # no run directory


def test_a_routes_preset_that_names_a_route_twice_is_refused_as_not_yaml(tmp_path):
    (tmp_path / "mine" / "routes").mkdir(parents=True)
    (tmp_path / "mine" / "routes" / "twice.yaml").write_text(
        "# @package _global_\nroutes:\n  prompt: {kind: prompt}\n  prompt: {kind: prompt, pricing: openai-gpt-4o-mini}\n")
    done = subprocess.run([sys.executable, "-m", "sim", f"--config-dir={tmp_path / 'mine'}",
                           f"hydra.run.dir={tmp_path / 'run'}", "routes=twice"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.strip().endswith("twice.yaml, line 4: not YAML (found duplicate key prompt)")
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_run_terminated_while_writing_leaves_no_partial_file(tmp_path):
    import signal
    import time

    run_dir = tmp_path / "run"
    stderr = tmp_path / "stderr.txt"
    # faulthandler: a run that does not end is made to print where each thread stands
    with open(stderr, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", "scenarios=400000",
             "horizon_months=36", "save_paths=true"],
            stdout=subprocess.DEVNULL, stderr=errors, env={**os.environ, "PYTHONFAULTHANDLER": "1"},
        )
    try:
        deadline = time.monotonic() + 240
        while not list(run_dir.glob(".results.nc.*.partial")):
            assert process.poll() is None, "the run ended before it was caught writing"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            process.wait(timeout=30)
            pytest.fail("the run did not end within 60 s of SIGTERM:\n" + stderr.read_text())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 128 + signal.SIGTERM, stderr.read_text()
    assert sorted(p.name for p in run_dir.iterdir()) == [".hydra", ".payback.lock", "payback.log"]


@pytest.mark.slow
def test_help_says_what_the_tool_answers_and_lists_the_presets(tmp_path):
    done = payback("--help", run_dir=tmp_path / "run")
    assert done.returncode == 0
    assert done.stdout.startswith("payback: how likely is fine-tuning (or RAG) to be cheaper than prompting")
    assert ("stress: drift-storm, finetune-flop, none, platform-exit, price-war, short-base-lifetime,"
            " volume-collapse") in done.stdout
    assert "check each price sheet's as_of and source" in done.stdout


# Runs the CLI and says, on exit, which heavy libraries it had imported.
_IMPORTS_ON_EXIT = """
import atexit, sys
heavy = ("numba", "xarray", "pandas", "scipy", "matplotlib")
atexit.register(lambda: print("IMPORTED", sorted({m.split(".")[0] for m in sys.modules} & set(heavy)), file=sys.stderr))
sys.argv = ["payback", *sys.argv[1:]]
from sim.cli.payback import main
main()
"""


@pytest.mark.parametrize("argv", [
    ["--help"], ["--cfg", "job"], ["scenarios=oops"], ["nosuchkey=1"], ["workload=nope"], ["horizon_months=0"],
    ["workload.calls_per_month=lognormal(p05=9, p95=1)"],
])
def test_help_and_refusals_answer_without_numba_scipy_xarray_or_matplotlib(tmp_path, argv):
    done = subprocess.run([sys.executable, "-c", _IMPORTS_ON_EXIT, f"hydra.run.dir={tmp_path}", *argv],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == (0 if argv[0].startswith("--") else 2), done.stderr
    assert "IMPORTED []" in done.stderr


@pytest.mark.parametrize("argv, probe", [
    (["scenarios=1000", "-m", "seed=1,2"], False),
    (["hydra.mode=MULTIRUN"], True),
    (["+hydra.mode=RUN"], True),
    (["-cn", "other"], True),
    (["--config-dir=/elsewhere"], True),
])
def test_hydra_probes_the_mode_only_when_the_command_line_can_set_it(argv, probe):
    from sim.cli.payback import needs_mode_probe

    assert needs_mode_probe(argv) is probe


@pytest.mark.slow
def test_the_provider_calendar_end_to_end_and_the_resolved_start_is_recorded_for_a_replay(tmp_path):
    from omegaconf import OmegaConf

    from sim.inputs.calendar import current_month

    before = current_month()
    run_dir = tmp_path / "run"
    done = payback("scenarios=2000", "pricing=openai-gpt-4.1-mini", "finetune.on_platform_exit=migrate",
                   "finetune.successor=azure-openai-gpt-4.1-mini", run_dir=run_dir)
    assert done.returncode == 0, done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["start"] in (before, current_month())
    recorded = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    assert recorded.start == summary["start"] and recorded.pricing.sheet == "openai-gpt-4.1-mini"
    assert recorded.hydra.job.name == "payback"  # a replay names its log and directories as a run does
    assert summary["platform_exit"]["fraction"] > 0.5 and summary["migrations"]["mean"] > 0.5
    assert {e["sheet"] for e in summary["calendar"]["events"]} == {"openai-gpt-4.1-mini", "azure-openai-gpt-4.1-mini"}
    results = read_results(run_dir / "results.nc")
    assert set(np.unique(results.exit_month.values)) <= {-1, *range(1, H + 1)}
    assert results.migrated.values.mean() == pytest.approx(summary["migrations"]["mean"])
    report = (run_dir / "report.md").read_text()
    assert "## Provider calendar" in report and "last training jobs 2027-01-06" in report

    # a replay from the run's own configuration starts in the same month, whenever it is made
    replay = subprocess.run(
        [sys.executable, "-m", "sim", "--config-path", str(run_dir / ".hydra"), "--config-name", "config",
         f"hydra.run.dir={tmp_path / 'replay'}", "hydra.output_subdir=null"],
        capture_output=True, text=True, timeout=300,
    )
    assert replay.returncode == 0, replay.stderr
    again = json.loads((tmp_path / "replay" / "summary.json").read_text())
    assert again["start"] == summary["start"] and again["p_beats_prompt"] == summary["p_beats_prompt"]
    assert again["calendar"]["events"] == summary["calendar"]["events"]  # the sheet keeps its name
    itself = subprocess.run(
        [sys.executable, "-m", "sim", "--config-path", str(run_dir / ".hydra"), "--config-name", "config",
         f"hydra.run.dir={tmp_path / 'itself'}", "finetune.successor=openai-gpt-4.1-mini"],
        capture_output=True, text=True, timeout=300,
    )
    assert itself.returncode == 2 and "'openai-gpt-4.1-mini' is the run's own price sheet" in itself.stderr


@pytest.mark.parametrize("args, message", [
    (["start=2026-13"], "start: '2026-13' is not a calendar month YYYY-MM"),
    (["pricing.finetune_training_until=2027-02-31"], "pricing.finetune_training_until: '2027-02-31' is not an ISO date"),
    (["finetune.on_platform_exit=migrate"], "finetune.successor: required with finetune.on_platform_exit=migrate"),
    (["finetune.on_platform_exit=migrate", "finetune.successor=dedicated-lora-8b"],
     "finetune.successor: 'dedicated-lora-8b' is the run's own price sheet"),
])
def test_calendar_refusals_on_the_command_line(tmp_path, args, message):
    done = payback(*args, run_dir=tmp_path / "run")
    assert done.returncode == 2
    assert done.stderr.strip() == f"payback: error: {message}" or done.stderr.strip().startswith(f"payback: error: {message}")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value, message", [
    ("-1", "saved_scenarios: -1 is not null or a whole number in [0, 10000000000]"),
    ("1.5", "saved_scenarios: Value '1.5' of type 'float' could not be converted to Integer"),
    ("abc", "saved_scenarios: Value 'abc' of type 'str' could not be converted to Integer"),
])
def test_saved_scenarios_is_refused_in_one_line_naming_it(tmp_path, value, message):
    done = payback(f"saved_scenarios={value}", run_dir=tmp_path / "run")
    assert done.returncode == 2 and done.stderr.strip() == f"payback: error: {message}", done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("overrides, saved", [
    (["scenarios=10", "workload.calls_per_month=1e6"], 0),  # not asked: none
    (["saved_scenarios=7"], 7),
    (["scenarios=10", "+saved_scenarios=7"], 7),
    (["saved_scenarios=null"], None),
])
def test_a_sweep_job_saves_no_row_unless_its_overrides_name_saved_scenarios(overrides, saved):
    asked = [o for o in overrides if "saved_scenarios" in o]
    value = yaml.safe_load(asked[0].partition("=")[2]) if asked else 32_768  # as composed
    settings = sweep_job_settings(validate(configure(saved_scenarios=value)), overrides)
    assert settings.saved_scenarios == saved == settings.resolved["saved_scenarios"]


def test_a_refused_input_leaves_nothing_on_disk_and_keeps_what_was_there(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("kept")
    for run_dir in (tmp_path / "outputs" / "2026-11-29" / "10-00-00", mine):
        done = payback("scenarios=-1", run_dir=run_dir)
        assert done.returncode == 2 and "scenarios: -1 is not a whole number in [1, 10000000000]" in done.stderr
    assert not (tmp_path / "outputs" / "2026-11-29").exists()
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_a_preset_that_is_not_yaml_is_refused_in_one_line(tmp_path):
    (tmp_path / "mine" / "pricing").mkdir(parents=True)
    (tmp_path / "mine" / "pricing" / "broken.yaml").write_text("base_input: [0.4\nfoo: : :\n")
    done = subprocess.run([sys.executable, "-m", "sim", f"--config-dir={tmp_path / 'mine'}",
                           f"hydra.run.dir={tmp_path / 'run'}", "pricing=broken"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "broken.yaml, line 2: not YAML" in done.stderr


def _start(run_dir, *args):
    import subprocess as sp

    return sp.Popen([sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", *args],
                    stdout=sp.DEVNULL, stderr=sp.PIPE, text=True)


def _wait_for_kernel(process, run_dir):
    import time

    deadline = time.monotonic() + 30
    while not (run_dir / "payback.log").exists():  # Hydra opens the log just before the job
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(1.5)  # imports and the kernel's compilation, then blocks


@pytest.mark.slow
@pytest.mark.parametrize("signum", [2, 15])  # SIGINT (Ctrl-C), SIGTERM
def test_a_signal_in_the_kernel_stops_the_run_in_one_line_with_nothing_written(tmp_path, signum):
    import time

    run_dir = tmp_path / "run"
    process = _start(run_dir, "scenarios=3000000", "report=false")
    _wait_for_kernel(process, run_dir)
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 128 + signum
    assert time.monotonic() - sent < 2
    assert stderr.strip() == "payback: interrupted; nothing written"
    assert sorted(p.name for p in run_dir.iterdir()) == [".hydra", ".payback.lock", "payback.log"]


@pytest.mark.slow
def test_ctrl_c_stops_inside_a_long_block(tmp_path):
    # one block of 8,192 scenarios over 1,200 months with a price cut every month: a few
    # seconds inside the kernel, which cannot be interrupted; the main thread can
    import time

    run_dir = tmp_path / "run"
    process = _start(run_dir, "scenarios=8192", "horizon_months=1200", "market.cuts_per_year=1200", "threads=1",
                     "report=false")
    _wait_for_kernel(process, run_dir)
    assert process.poll() is None, "the block ended before the signal: make it longer"
    sent = time.monotonic()
    process.send_signal(2)
    _, stderr = process.communicate(timeout=5)
    assert process.returncode == 130 and stderr.strip() == "payback: interrupted; nothing written"
    assert time.monotonic() - sent < 1.0
    assert not (run_dir / "summary.json").exists()


def test_a_stop_a_library_turned_into_its_own_error_is_still_one_line(tmp_path):
    # Under load Ctrl-C sometimes met a library that caught payback's Interrupted and
    # raised its own error: Hydra's job runner printed "Error executing job with
    # overrides: [...]" before payback's line. Here the run records the stop, as the
    # handler does, and raises a RuntimeError, as such a library does.
    script = (
        "import sys, types\n"
        "from sim.io import signals\n"
        "def run(*args, **kwargs):\n"
        "    signals.stop_publishing(130)\n"
        "    raise RuntimeError('NetCDF: HDF error')\n"
        "sys.modules['sim.pipeline'] = types.SimpleNamespace(run=run)\n"
        "from sim.cli.payback import main\n"
        "sys.argv[0] = 'payback'\n"
        "main()\n"
    )
    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", script, f"hydra.run.dir={run_dir}", "scenarios=2000"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (130, "payback: interrupted; nothing written\n")


@pytest.mark.slow
def test_a_run_interrupted_while_writing_publishes_nothing(tmp_path):
    import time

    run_dir = tmp_path / "run"
    process = _start(run_dir, "scenarios=400000", "horizon_months=36", "save_paths=true", "report=false")
    deadline = time.monotonic() + 120
    while not list(run_dir.glob(".results.nc.*.partial")):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(2)
    try:
        # the promise is that nothing is published, not how soon: writing 350 MB of paths,
        # a fresh clone's whole suite once took over 10 s to stop
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # not left running into the next test
            process.kill()
            process.communicate()
    assert process.returncode == 130 and stderr.strip() == "payback: interrupted; nothing written"
    assert sorted(p.name for p in run_dir.iterdir()) == [".hydra", ".payback.lock", "payback.log"]


@pytest.mark.slow
def test_a_second_run_into_a_finished_directory_is_refused_and_overwrite_replaces_it_whole(tmp_path):
    run_dir = tmp_path / "run"
    assert payback("scenarios=2000", "report=false", "seed=1", run_dir=run_dir).returncode == 0
    first = (run_dir / ".hydra" / "config.yaml").read_text()
    (run_dir / "notes.txt").write_text("mine")
    (run_dir / ".summary.json.999999999.partial").write_text("left by kill -9")

    again = payback("scenarios=2000", "report=false", "seed=2", run_dir=run_dir)
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert "holds a finished run (summary.json)" in again.stderr and "overwrite=true" in again.stderr
    assert (run_dir / ".hydra" / "config.yaml").read_text() == first  # Hydra wrote nothing
    assert json.loads((run_dir / "summary.json").read_text())["seed"] == 1

    refused = payback("scenarios=-5", "overwrite=true", run_dir=run_dir)  # a bad input costs nothing
    assert refused.returncode == 2 and "scenarios: -5 is not a whole number" in refused.stderr
    assert json.loads((run_dir / "summary.json").read_text())["seed"] == 1

    replaced = payback("scenarios=2000", "seed=2", "overwrite=true", run_dir=run_dir)
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads((run_dir / "summary.json").read_text())["seed"] == 2
    assert "seed: 2" in (run_dir / ".hydra" / "config.yaml").read_text()
    assert "seed=1" not in (run_dir / "payback.log").read_text()
    assert (run_dir / "notes.txt").read_text() == "mine"
    assert not list(run_dir.glob("*.partial")) and not list(run_dir.glob(".*.partial"))


@pytest.mark.slow
def test_a_run_into_a_directory_in_use_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    process = _start(run_dir, "scenarios=3000000", "report=false")
    try:
        _wait_for_kernel(process, run_dir)
        second = payback("scenarios=1000", run_dir=run_dir)
        assert second.returncode == 2
        assert second.stderr.strip() == f"payback: error: hydra.run.dir: {run_dir} is in use by another run (process {process.pid})"
    finally:
        process.send_signal(15)
        process.communicate(timeout=10)


@pytest.mark.parametrize("args, fragment", [
    (["hydra.run.dir="], "hydra.run.dir: empty"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["pricing=../../../elsewhere/x"], "pricing: '../../../elsewhere/x' is a path"),
    (["stress=[none,../x]"], "stress: '[none,../x]' is a path"),
    (["--multirun", "seed=1,2", "hydra.output_subdir=null"], "hydra.output_subdir: null in a --multirun"),
    (["overwrite=maybe"], "overwrite"),
    # "internal error" (exit 1): Hydra's ValueError, and Path.exists' OSError on a long name
    (["=5"], "'=5': no key before '=' (an override is KEY=VALUE)"),
    ([f"hydra.run.dir={'x' * 300}"], f"hydra.run.dir: cannot use {'x' * 300} (File name too long)"),
    # shown raw in the run's label, command line and report
    (["hydra.job.name=a\x1b[2Jb"], "hydra.job.name: holds the control character U+001B"),
    (["pricing.source=\u202eevil"], "pricing.source: holds the bidirectional control U+202E"),
], ids=["empty run dir", "unknown flag", "preset path", "stress path", "output_subdir", "overwrite", "no key",
        "long name", "ESC", "RLO"])
def test_refusals_of_the_command_line_are_one_line(tmp_path, args, fragment):
    done = subprocess.run([sys.executable, "-m", "sim", *args, f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("payback: error: ") and fragment in lines[0], done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_run_directory_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "run").write_text("mine")
    done = payback("scenarios=1000", run_dir=tmp_path / "run")
    assert done.returncode == 2
    assert done.stderr.strip() == f"payback: error: hydra.run.dir: {tmp_path / 'run'} is a file, not a directory"
    assert (tmp_path / "run").read_text() == "mine"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["results.nc", "summary.json", "report.md", "report.html"])
def test_a_full_disk_is_one_line_naming_the_file_and_leaves_no_partial_or_mix(tmp_path, name):
    # no tmpfs to fill here: the rename of one file fails as on a full disk
    script = (
        "import errno, os, sys\n"
        "from sim.io import files as storage\n"
        "real = os.replace\n"
        "def replace(source, target):\n"
        f"    if str(target).endswith({name!r}):\n"
        "        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
        "    real(source, target)\n"
        "storage.os = type(sys)('os_with_a_full_disk')\n"
        "storage.os.__dict__.update(os.__dict__, replace=replace)\n"
        "from sim.cli.payback import main\n"
        "sys.argv[0] = 'payback'\n"
        "main()\n"
    )
    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", script, f"hydra.run.dir={run_dir}", "scenarios=2000"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip() == f"payback: error: {run_dir / name}: cannot write (No space left on device)"
    assert sorted(p.name for p in run_dir.iterdir()) == [".hydra", ".payback.lock", "payback.log"]


def test_a_non_finite_number_in_a_summary_is_refused_naming_the_key(tmp_path):
    from sim.io.files import WriteError

    with pytest.raises(WriteError, match=r"^summary.json: a number is not finite \(cost.rag.mean\)$"):
        write_json({"cost": {"prompt": {"mean": 1.0}, "rag": {"mean": float("nan")}}}, tmp_path / "summary.json")
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_kept(tmp_path):
    # the lock's open followed the link and truncated its target
    from sim.cli.payback import LockRefused, lock_directory

    (tmp_path / "mine.txt").write_text("my notes\n")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".payback.lock").symlink_to(tmp_path / "mine.txt")
    with pytest.raises(LockRefused, match=r"\.payback\.lock is a symbolic link; payback writes nothing through a link"):
        lock_directory(tmp_path / "run", "hydra.run.dir", "another run")
    assert (tmp_path / "mine.txt").read_text() == "my notes\n"


def test_a_link_in_a_run_directory_is_refused_or_with_overwrite_replaced_never_followed(tmp_path, capsys):
    # Hydra's log and the run's pictures went through links into the user's files
    from sim.cli.payback import claim_run_dir

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "kept.png").write_bytes(b"mine")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "plots").symlink_to(mine, target_is_directory=True)
    with pytest.raises(SystemExit) as stop:
        claim_run_dir(run_dir)
    assert stop.value.code == 2
    assert capsys.readouterr().err == (f"payback: error: hydra.run.dir: {run_dir / 'plots'} is a symbolic link, which"
                                       " the run would write through, out of its directory; remove it, or add"
                                       " overwrite=true to replace it (its target is not touched)\n")
    assert claim_run_dir(run_dir, overwrite=True) == run_dir
    assert sorted(p.name for p in run_dir.iterdir()) == [".payback.lock"]
    assert [p.name for p in mine.iterdir()] == ["kept.png"]


def test_a_report_the_user_keeps_in_a_run_directory_is_refused_not_replaced(tmp_path, capsys):
    # a directory holding the user's report.md and plots/, and no run: they were overwritten
    from sim.cli.payback import claim_run_dir

    run_dir = tmp_path / "run"
    (run_dir / "plots").mkdir(parents=True)
    (run_dir / "report.md").write_text("mine\n")
    (run_dir / "plots" / "line_crossing.png").write_bytes(b"mine")
    (run_dir / "notes.txt").write_text("mine\n")
    with pytest.raises(SystemExit) as stop:
        claim_run_dir(run_dir)
    assert stop.value.code == 2
    assert capsys.readouterr().err == (f"payback: error: hydra.run.dir: {run_dir} holds report.md, which the run"
                                       " would replace; name another directory, or add overwrite=true to replace it\n")
    assert (run_dir / "report.md").read_text() == "mine\n"
    (run_dir / "report.md").unlink()
    with pytest.raises(SystemExit):  # the pictures alone too
        claim_run_dir(run_dir)
    assert "holds plots/line_crossing.png" in capsys.readouterr().err
    assert claim_run_dir(run_dir, overwrite=True) == run_dir  # asked for: replaced
    assert sorted(p.name for p in run_dir.iterdir()) == [".payback.lock", "notes.txt"]


@pytest.mark.slow
@pytest.mark.parametrize("stdout", ["closed", "a pipe whose reader left"])
def test_a_run_whose_stdout_is_gone_ends_without_a_traceback(tmp_path, stdout):
    # `payback ... >&-`: an AttributeError traceback after the run (sys.stdout is None);
    # `payback ... | head -1`: a "--- Logging error ---" traceback for every later line
    command = [sys.executable, "-m", "sim", f"hydra.run.dir={tmp_path / 'run'}", "scenarios=2000", "report=false"]
    if stdout == "closed":
        done = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *command], capture_output=True, text=True,
                              timeout=300)
        code, stderr = done.returncode, done.stderr
    else:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process.stdout.readline()  # the first line, as head -1 reads it, then the reader leaves
        process.stdout.close()
        stderr = process.stderr.read()
        process.stderr.close()
        code = process.wait(timeout=300)
    assert code == 0 and "Traceback" not in stderr and "Logging error" not in stderr, stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["scenarios"] == 2000
