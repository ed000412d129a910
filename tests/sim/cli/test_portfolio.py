"""``payback portfolio=NAME`` end to end: its workloads as a multirun's jobs, added up; bad
portfolios refused in one line before anything is written."""

import json
import subprocess
import sys

import pytest
import yaml

from sim.cli.payback import sweep_job_settings
from sim.inputs.validation import validate
from tests.conftest import BASE, FINETUNED_MONTHLY, PROMPT_MONTHLY, configure

H = BASE["horizon_months"]
CENT = 0.005


def dotted(config, prefix=""):
    """``config`` as a mapping of dotted keys, as a portfolio's ``shared:`` takes them."""
    out = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out.update(dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def write_portfolio(conf_dir, name, content):
    (conf_dir / "portfolio").mkdir(parents=True, exist_ok=True)
    (conf_dir / "portfolio" / f"{name}.yaml").write_text(yaml.safe_dump(content, sort_keys=False))
    return conf_dir


def payback(conf_dir, *args, run_dir):
    flags = [a for a in args if a == "-m"]
    args = [a for a in args if a != "-m"]
    return subprocess.run([sys.executable, "-m", "sim", *flags, f"--config-dir={conf_dir}", f"hydra.run.dir={run_dir}",
                           *args],
                          capture_output=True, text=True, timeout=300)


FIXED = {"shared": {**dotted(BASE), "scenarios": 16, "report": False, "tornado_step": 0},
         "workloads": {"large": {"overrides": {"workload.calls_per_month": 100_000}, "route": None},
                       "small": {"overrides": {"workload.calls_per_month": 10_000}}}}


@pytest.mark.slow
def test_a_fixed_portfolio_through_the_command_line_gives_the_closed_form(tmp_path):
    # BASE (tests/conftest.py): at 1e5 calls a month fine-tuning costs 610 + 150 + (70 + 20) x 23 =
    # 2,830 against prompting's 150 x 24 = 3,600; at 1e4 prompting costs 15 x 24 = 360 and a
    # fine-tune 610 + 15 + 27 x 23 = 1,246
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    done = payback(conf, "portfolio=fixed", run_dir=tmp_path / "run")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    portfolio = summary["portfolio"]
    assert portfolio["routes"] == {"large": "finetune", "small": "prompt"}
    large = 610.0 + PROMPT_MONTHLY + (FINETUNED_MONTHLY + 20.0) * (H - 1)
    assert portfolio["cost"]["p95"] == pytest.approx(large + 360.0, abs=CENT)
    assert portfolio["baseline_cost"]["mean"] == pytest.approx(PROMPT_MONTHLY * H + 360.0, abs=CENT)
    assert portfolio["savings"]["p05"] == pytest.approx(PROMPT_MONTHLY * H - large, abs=CENT)
    assert portfolio["monthly_spend"]["p50"][:2] == [pytest.approx(610 + 150 + 15, abs=CENT),
                                                     pytest.approx(90 + 15, abs=CENT)]
    # each workload is a job of the multirun, with its own whole run and summary
    assert summary["workloads"]["large"]["scenarios"] == 16
    assert json.loads((tmp_path / "run" / "0" / "summary.json").read_text())["portfolio_member"] == {
        "workload": "large", "route": "finetune", "reason": summary["workloads"]["large"]["reason"]}
    assert "portfolio fixed: 2 workloads routed cost $3.19k against $3.96k" in done.stdout + done.stderr
    assert (tmp_path / "run" / "cashflows.csv").is_file() and (tmp_path / "run" / "portfolio.nc").is_file()


@pytest.mark.slow
def test_a_route_fixed_from_the_shell_and_a_sweep_of_portfolios(tmp_path):
    conf = write_portfolio(tmp_path / "conf", "fixed", FIXED)
    done = payback(conf, "-m", "portfolio=fixed", "portfolio.workloads.large.route=prompt", "seed=1,2",
                   "hydra.sweep.dir=" + str(tmp_path / "sweep"), run_dir=tmp_path / "unused")
    assert done.returncode == 0, done.stderr
    for point in (0, 1):
        summary = json.loads((tmp_path / "sweep" / f"portfolio-{point}" / "summary.json").read_text())
        assert summary["portfolio"]["routes"] == {"large": "prompt", "small": "prompt"}
        assert summary["portfolio"]["savings"]["mean"] == pytest.approx(0.0, abs=CENT)
        assert summary["overrides"] == [f"seed={point + 1}"]
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir() if p.name.isdigit()) == ["0", "1", "2", "3"]


# the file's own structure is checked in tests/sim/portfolio/test_spec.py; here what only the
# command line meets: Hydra's composition, each workload's validation, their routes
BAD = [
    ({"workloads": {"a": {"presets": {"workload": "nope"}}}},
     "portfolio bad: workload a: workload: no option 'nope'"),
    ({"workloads": {"a": {"route": "gold"}}},
     "portfolio bad: workload a: route: 'gold' is not one of its routes (prompt, finetune, rag)"),
    ({"shared": {"routes.extra.kind": "prompt"}, "workloads": {"a": {}}},
     "portfolio bad: shared.routes.extra.kind: a key of each workload, not of the portfolio"),
    ({"workloads": {"a": {"overrides": {"workload.calls_per_month": -5}}}},
     "portfolio bad: workload a: workload.calls_per_month: -5 is not a number"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("content", "line"), BAD)
def test_a_bad_portfolio_is_refused_in_one_line_and_nothing_is_written(tmp_path, content, line):
    conf = write_portfolio(tmp_path / "conf", "bad", content)
    done = payback(conf, "portfolio=bad", run_dir=tmp_path / "run")
    assert done.returncode == 2
    assert done.stderr.startswith(f"payback: error: {line}") and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_two_workloads_of_one_name_are_refused(tmp_path):
    (tmp_path / "conf" / "portfolio").mkdir(parents=True)
    (tmp_path / "conf" / "portfolio" / "twice.yaml").write_text("workloads:\n  a: {}\n  a: {}\n")
    done = payback(tmp_path / "conf", "portfolio=twice", run_dir=tmp_path / "run")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "twice.yaml, line 3: not YAML (found duplicate key a)" in done.stderr
    assert not (tmp_path / "run").exists()



def test_a_workloads_job_runs_no_tornado_unless_its_overrides_name_tornado_step():
    settings = validate(configure(tornado_step=0.3))
    assert sweep_job_settings(settings, [], portfolio_member=True).tornado_step == 0.0
    assert sweep_job_settings(settings, ["tornado_step=0.3"], portfolio_member=True).tornado_step == 0.3
    assert sweep_job_settings(settings, []).tornado_step == 0.3  # a plain sweep job keeps it
    assert sweep_job_settings(settings, [], portfolio_member=True).resolved["tornado_step"] == 0.0
