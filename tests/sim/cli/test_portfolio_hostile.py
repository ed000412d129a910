"""``payback portfolio=NAME`` given hostile input: every bad file or argument is refused in
one line naming the workload and key, exit code 2, nothing written; a portfolio whose
workload's part was deleted or damaged after its job finished is finished by a resume."""

import json
import subprocess
import sys

import pytest
import yaml

from sim.inputs.validation import ConfigError
from sim.portfolio.spec import check_portfolio
from tests.sim.cli.test_portfolio import FIXED, payback, write_portfolio


def write_text(conf_dir, name, text):
    (conf_dir / "portfolio").mkdir(parents=True, exist_ok=True)
    (conf_dir / "portfolio" / f"{name}.yaml").write_text(text)
    return conf_dir


def refused(done, run_dir, line):
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"payback: error: {line}") and done.stderr.count("\n") == 1, done.stderr
    assert not run_dir.exists()


# already refused well; kept so that they stay so. What only the command line meets (Hydra's
# loading and composing, each workload's validation and routes) runs through it; what the file's
# own check refuses (sim.portfolio.spec.check_portfolio) runs in this process, the same line.
TEXTS = [
    ("", "portfolio bad: workloads: empty"),
    ("workloads: {a: [\n", "{conf}/portfolio/bad.yaml, line 2: not YAML"),
    # a file of one value was an internal error (OSError from OmegaConf.load, exit 1)
    ("5\n", "{conf}/portfolio/bad.yaml: one int, not a mapping of keys to values"),
    ("true\n", "{conf}/portfolio/bad.yaml: one bool, not a mapping of keys to values"),
    ("workloads:\n  a: {overrides: {workload.calls_per_mnth: 5}}\n",
     "portfolio bad: workload a: workload.calls_per_mnth: unknown key (a typo?)"),
    ("shared: {scenarioz: 5}\nworkloads:\n  a: {}\n", "portfolio bad: workload a: scenarioz: unknown key (a typo?)"),
    ("workloads:\n  a: {overrides: {workload.calls_per_month: many}}\n",
     "portfolio bad: workload a: workload.calls_per_month: 'many' is not a number or a distribution"),
    ("workloads:\n  a: {overrides: {workload.calls_per_month: 'pert(low=1, mode=2'}}\n",
     "portfolio bad: workload a: workload.calls_per_month: 'pert(low=1, mode=2' is not a number"),
    ("shared: {scenarios: 0}\nworkloads:\n  a: {}\n", "portfolio bad: workload a: scenarios: 0 is not a whole number"),
    ("shared: {horizon_months: 0}\nworkloads:\n  a: {}\n",
     "portfolio bad: workload a: horizon_months: 0 is not a whole number"),
    ("workloads:\n  a: {route: Prompt}\n", "portfolio bad: workload a: route: 'Prompt' is not one of its routes"),
    # this wrote sweep_plan.json, then was an internal error (exit 1): a Hydra key is the multirun's
    ("shared: {hydra.job.chdir: true}\nworkloads:\n  a: {}\n",
     "portfolio bad: shared.hydra.job.chdir: a Hydra setting, not a workload's key"),
]
FILE_TEXTS = [
    ("- a\n- b\n", "portfolio bad: not a mapping of shared: and workloads:"),
    ("workloads:\n  - a\n  - b\n", "portfolio bad: workloads: is not a mapping"),
    ("workloads:\n  a: support-bot\n", "portfolio bad: workload a: not a mapping of presets, overrides and route"),
    ("workloads:\n  a: {presets: {nogroup: x}}\n", "portfolio bad: workload a: presets.nogroup: not a group"),
    ("workloads:\n  a: {presets: {workload: ../x}}\n",
     "portfolio bad: workload a: presets.workload: '../x' is not an option's name"),
    ('workloads:\n  "a b": {}\n', "portfolio bad: workload 'a b': a name of letters"),
    ('workloads:\n  "café": {}\n', "portfolio bad: workload 'café': a name of letters"),
    ('workloads:\n  "a\\tb": {}\n', "portfolio bad: workload 'a\\tb': a name of letters"),
    ("workloads:\n  " + "a" * 500 + ": {}\n", "portfolio bad: workload 'aaaa"),
    ("workloads:\n  a: {route: 5}\n", "portfolio bad: workload a: route: 5 is not a route's name or null"),
    # these two were internal errors (exit 1) or a message about Hydra's grammar
    ("workloads:\n  a: {overrides: {'': 5}}\n", "portfolio bad: workload a: overrides.'': not a dotted key"),
    ("shared: {'workload.calls_per_month=5,6': 5}\nworkloads:\n  a: {}\n",
     "portfolio bad: shared.'workload.calls_per_month=5,6': not a dotted key"),
    # these two wrote sweep_plan.json, then were internal errors (exit 1)
    ("workloads:\n  a: {overrides: {hydra.runtime.output_dir: /tmp/elsewhere}}\n",
     "portfolio bad: workload a: overrides.hydra.runtime.output_dir: a Hydra setting, not a workload's key"),
    ("workloads:\n  a: {overrides: {hydra/launcher: joblib}}\n",
     "portfolio bad: workload a: overrides.hydra/launcher: a Hydra setting, not a workload's key"),
]


@pytest.mark.parametrize(("text", "line"), FILE_TEXTS)
def test_a_hostile_portfolio_file_is_refused_by_its_own_check(text, line):
    with pytest.raises(ConfigError) as refused_here:
        check_portfolio("bad", yaml.safe_load(text))
    assert str(refused_here.value).startswith(line) and "\n" not in str(refused_here.value)


@pytest.mark.slow
@pytest.mark.parametrize(("text", "line"), TEXTS)
def test_a_hostile_portfolio_file_is_refused_in_one_line(tmp_path, text, line):
    conf = write_text(tmp_path / "conf", "bad", text)
    done = payback(conf, "portfolio=bad", run_dir=tmp_path / "run")
    refused(done, tmp_path / "run", line.format(conf=conf))


@pytest.mark.slow
@pytest.mark.parametrize("arguments", [["seed=1,2"], ["seed=range(1,3)"]])
def test_a_sweep_without_m_is_refused_not_run_as_a_sweep_of_portfolios(tmp_path, arguments):
    # a single run refuses seed=1,2 without -m; a portfolio quietly wrote portfolio-0/ and portfolio-1/
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    done = payback(conf, "portfolio=fixed", *arguments, run_dir=tmp_path / "run")
    refused(done, tmp_path / "run", f"{arguments[0]}: a sweep of portfolios needs -m")


def resume(sweep_dir):
    return subprocess.run([sys.executable, "-m", "sim.sweep", str(sweep_dir), "--resume"],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_a_resume_runs_again_a_workload_whose_part_was_lost(tmp_path, damage):
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    run = tmp_path / "run"
    assert payback(conf, "portfolio=fixed", run_dir=run).returncode == 0
    member = run / "0" / "portfolio_member.nc"
    for name in ("summary.json", "portfolio.nc", "cashflows.csv"):  # as if it was stopped while adding up
        (run / name).unlink()
    if damage == "delete":
        member.unlink()
    else:
        member.write_bytes(b"\x89HDF\r\n" + bytes(range(256)) * 4)
    done = resume(run)
    assert done.returncode == 0, done.stderr
    assert "resuming 1 of 2 jobs (1 damaged): 0" in done.stderr + done.stdout
    portfolio = json.loads((run / "summary.json").read_text())["portfolio"]
    assert portfolio["routes"] == {"large": "finetune", "small": "prompt"}


@pytest.mark.slow
def test_a_run_directory_in_the_way_is_refused_naming_the_key_the_user_gave(tmp_path):
    # payback portfolio=NAME writes into hydra.run.dir; the line named hydra.sweep.dir, which was never typed
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    (tmp_path / "file").write_text("x")
    done = payback(conf, "portfolio=fixed", run_dir=tmp_path / "file")
    refused(done, tmp_path / "nothing", f"hydra.run.dir: {tmp_path / 'file'} is a file, not a directory")


@pytest.mark.slow
@pytest.mark.parametrize("command", [["sim.report"], ["sim.compare", "{run}/0"]])
def test_the_report_and_compare_pointed_at_a_portfolio_say_where_its_runs_are(tmp_path, command):
    # what a portfolio's directory holds that a run's does not: portfolio.nc, and numbered job directories
    run = tmp_path / "run"
    for job in ("0", "1"):
        (run / job).mkdir(parents=True)
    (run / "portfolio.nc").write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", command[0], str(run), *(a.format(run=run) for a in command[1:])],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr == (f"payback: error: {run}: a portfolio's directory, not a run's; each workload's run is a"
                           " numbered directory in it (0, 1)\n")


@pytest.mark.slow
@pytest.mark.parametrize("flags", [[], ["-m"]])
def test_a_sweep_over_the_portfolio_itself_is_refused(tmp_path, flags):
    # with -m it ran each point as a single run of the default workload: two runs, no portfolio
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    write_portfolio(conf, "other", FIXED)
    done = payback(conf, *flags, "portfolio=fixed,other", f"hydra.sweep.dir={tmp_path / 'run'}",
                   run_dir=tmp_path / "run")
    refused(done, tmp_path / "run", "portfolio=fixed,other: one portfolio a command, its own keys not swept; run each on its own")


@pytest.mark.slow
@pytest.mark.parametrize("flags", [[], ["-m"]])
def test_a_sweep_of_a_workloads_route_is_refused(tmp_path, flags):
    # with -m it was left out of every job: both workloads took their own recommendation, one portfolio
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    done = payback(conf, *flags, "portfolio=fixed", "portfolio.workloads.large.route=prompt,finetune",
                   f"hydra.sweep.dir={tmp_path / 'run'}", run_dir=tmp_path / "run")
    refused(done, tmp_path / "run", "portfolio.workloads.large.route=prompt,finetune: one portfolio a command")


@pytest.mark.slow
def test_a_route_fixed_from_the_shell_for_a_workload_whose_entry_leaves_route_out(tmp_path):
    # docs/sweeps.md: portfolio.workloads.NAME.route=R fixes a route; FIXED's small has no route: key, and
    # the line was "portfolio.workloads.small.route: unknown key (a typo?)"
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    done = payback(conf, "portfolio=fixed", "portfolio.workloads.small.route=finetune", run_dir=tmp_path / "run")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["portfolio"]["routes"] == {
        "large": "finetune", "small": "finetune"}
    # a name the file does not hold is not made a workload
    done = payback(conf, "portfolio=fixed", "portfolio.workloads.smal.route=prompt", run_dir=tmp_path / "typo")
    refused(done, tmp_path / "typo", "portfolio.workloads.smal.route: portfolio fixed has no workload smal (large, small)")


@pytest.mark.slow
def test_a_resume_adds_up_a_portfolio_stopped_while_adding_up(tmp_path):
    # every job done, the portfolio's files not written (SIGINT while adding up): the resume wrote a
    # sweep's aggregate (sweep.csv, sweep.nc) and no portfolio
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    run = tmp_path / "run"
    assert payback(conf, "portfolio=fixed", run_dir=run).returncode == 0
    for name in ("summary.json", "portfolio.nc", "cashflows.csv"):
        (run / name).unlink()
    done = resume(run)
    assert done.returncode == 0, done.stderr
    assert json.loads((run / "summary.json").read_text())["portfolio"]["routes"] == {"large": "finetune",
                                                                                       "small": "prompt"}
    assert not (run / "sweep.csv").exists()
