"""Property-based tests over the configuration space and the override syntax.

Every generated input must end in finite, strict-JSON numbers or in a one-line
refusal naming a key; never a traceback and never a hang. Examples are derandomized
(the same ones on every run and machine) and few enough for CI.
"""

import json
import math
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.inputs.validation import ConfigError, validate

from sim.inputs.schema import input_metadata
from sim.inputs.distributions import FAMILY_PARAMETERS
from sim.pipeline import run
from sim.io.text import UNSHOWABLE
from tests.conftest import configure

SECONDS_PER_EXAMPLE = 60
INPUT_KEYS = sorted(k for k in input_metadata() if not k.startswith("successor."))
RUN_KEYS = ("seed", "scenarios", "horizon_months", "discount_rate", "confidence", "threads",
            "kept_scenarios", "save_paths", "report")

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10, max_value=10),
    st.floats(min_value=0, max_value=1e7),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, 1, -1, 0.5, 1e300, -1e300, 2.5, 1e-300]),
)
families = st.sampled_from(sorted(FAMILY_PARAMETERS))


@st.composite
def distributions(draw):
    family = draw(families)
    params = {name: draw(numbers) for name in FAMILY_PARAMETERS[family]}
    if draw(st.booleans()):
        params.pop(draw(st.sampled_from(sorted(params))))  # a parameter forgotten
    if draw(st.booleans()):
        return {"dist": family, **params}
    return f"{family}({', '.join(f'{k}={v}' for k, v in params.items())})"


values = st.one_of(numbers, distributions(), st.text(max_size=12), st.none(), st.booleans(),
                   st.lists(numbers, max_size=3))
run_values = {
    "seed": st.one_of(st.integers(min_value=-5, max_value=2**70), numbers),
    "scenarios": st.one_of(st.integers(min_value=-3, max_value=300), st.sampled_from([0, 2.5, "many"])),
    "horizon_months": st.one_of(st.integers(min_value=-2, max_value=240), st.sampled_from([1.5, 1e300])),
    "discount_rate": numbers,
    "confidence": numbers,
    "threads": st.one_of(st.none(), st.integers(min_value=-2, max_value=10**6)),
    "kept_scenarios": st.one_of(st.none(), st.integers(min_value=-2, max_value=400)),
    "save_paths": st.one_of(st.booleans(), st.sampled_from([-1, 0, "yes", None])),
    "report": st.sampled_from([False]),  # pictures have their own tests; keep examples fast
}


@contextmanager
def time_bound(seconds):
    def expire(signum, frame):
        raise TimeoutError(f"an example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def strict_json_numbers(path):
    def refuse(constant):
        raise ValueError(f"{path.name} holds {constant}: not strict JSON")

    data = json.loads(path.read_text(), parse_constant=refuse)

    def walk(node):
        if isinstance(node, dict):
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, float):
            assert math.isfinite(node)

    walk(data)
    return data


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(inputs=st.dictionaries(st.sampled_from(INPUT_KEYS), values, max_size=3),
       run_keys=st.fixed_dictionaries({}, optional=run_values))
def test_any_configuration_ends_in_finite_numbers_or_a_one_line_refusal(inputs, run_keys, tmp_path):
    cfg = configure(**{"scenarios": 200, **run_keys})
    for key, value in inputs.items():
        section, name = key.split(".")
        cfg.setdefault(section, {})[name] = value
    with time_bound(SECONDS_PER_EXAMPLE):
        try:
            settings_ = validate(cfg)
        except ConfigError as refusal:
            message = str(refusal)
            assert "\n" not in message and message.split(":")[0].strip(), message
            return
        run_dir = Path(tempfile.mkdtemp(dir=tmp_path))
        run(settings_, run_dir, progress=False)
    strict_json_numbers(run_dir / "summary.json")


override_keys = st.sampled_from([*INPUT_KEYS, "seed", "scenarios", "horizon_months", "start",
                                 "pricing.finetune_training_until", "finetune.on_platform_exit", "stress",
                                 "pricing", "threads", "", "pricing.source", "pricing.as_of", "finetune.successor",
                                 "memory_limit_gb"])
override_values = st.one_of(
    st.sampled_from(["1", "-1", "0", "1e300", "nan", "inf", "null", "true", "[]", "[1,2]", "{}", "''",
                     "{dist:pert,low:1,mode:2,high:3}", "{dist:uniform,low:1}", "pert(1,2,3)", "lognormal(1e5)",
                     "2026-12", "2027-02-30", "migrate", "price-war", "../x", "${oops}", "a=b", "{a:{b:c}}",
                     "a\x1b[2Jb", "\u202egnp", "1e-9", "nope"]),
    st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=10),
)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(overrides=st.lists(st.tuples(override_keys, override_values), min_size=1, max_size=2))
def test_any_command_line_ends_in_exit_0_or_a_one_line_refusal(overrides, tmp_path):
    run_dir = Path(tempfile.mkdtemp(dir=tmp_path)) / "run"  # a new directory per example
    argv = [f"{key}={value}" for key, value in overrides]
    done = subprocess.run(
        [sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", "scenarios=200", "report=false", *argv],
        capture_output=True, text=True, timeout=SECONDS_PER_EXAMPLE,
    )
    assert "Traceback" not in done.stderr, (argv, done.stderr)
    if done.returncode == 0:
        strict_json_numbers(run_dir / "summary.json")
    else:
        assert done.returncode == 2, (argv, done.returncode, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("payback: error: "), (argv, done.stderr)
        assert not run_dir.exists() or not any(run_dir.iterdir()), (argv, sorted(run_dir.iterdir()))



# ---------------------------------------------------------------- the other command lines
#
# sim.report.document, sim.compare.comparison, sim.sweep.aggregate (and --resume) and sim.prices.sheet, each called as its
# command line does (its main with the arguments), on generated arguments and on damaged
# copies of a finished run, sweep or plan: every example ends in the command's work
# (exit 0, or 1 for a sweep listing failed jobs) or in one line `payback: error: ...` and
# exit 2; an exception escaping main (a traceback on the shell) fails the example.

# No shrinking: an example here takes up to a few seconds, and a failing one is
# printed as generated, which says enough.
FEW = settings(max_examples=12, deadline=None, derandomize=True, database=None,
               phases=(Phase.explicit, Phase.reuse, Phase.generate),
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def outcome(main, argv, capsys):
    """Call ``main(argv)``; return its exit code and stderr, checked for the one-line rule."""
    capsys.readouterr()
    with time_bound(SECONDS_PER_EXAMPLE):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    code = 0 if code is None else code
    err = capsys.readouterr().err
    assert "Traceback" not in err, (argv, err)
    assert not UNSHOWABLE.search(err.replace("\n", "")), (argv, err)  # nothing a terminal would act on
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("payback: error: "), (argv, err)
    else:
        assert code in (0, 1), (argv, code, err)
    return code, err


odd_arguments = st.sampled_from(["", "-", "--", "--bogus", "-h5", "x" * 300, "a\x1bb", "\u202e", ".", "..", "=5",
                                 "/dev/null", "/nonexistent/run", "results.nc"])


def _damaged_results(results, damage):
    """``results`` (a run's Dataset) with one ``damage``: (kind, what, value)."""
    kind, what, value = damage
    results = results.copy()
    results.attrs = dict(results.attrs)
    if kind == "drop variable":
        return results.drop_vars(what)
    if kind == "attribute":
        if value is None:
            del results.attrs[what]
        else:
            results.attrs[what] = value
        return results
    summary = json.loads(results.attrs["summary"])  # kind == "summary": one key of it given another value
    node, *path = what.split(".")
    target = summary
    for part in [node, *path][:-1]:
        target = target.get(part, {}) if isinstance(target, dict) else {}
    if isinstance(target, dict):
        if value is None:
            target.pop(what.split(".")[-1], None)
        else:
            target[what.split(".")[-1]] = value
    results.attrs["summary"] = json.dumps(summary)
    return results


@st.composite
def results_damages(draw, results):
    kind = draw(st.sampled_from(["drop variable", "attribute", "summary"]))
    if kind == "drop variable":
        return kind, draw(st.sampled_from(sorted(str(v) for v in results.data_vars))), None
    value = draw(st.one_of(st.none(), st.sampled_from(["", "x", "{}", "[]", "null", "-1", 1e300, -1, 0])))
    if kind == "attribute":
        return kind, draw(st.sampled_from(sorted(results.attrs))), value
    summary = json.loads(results.attrs["summary"])
    keys = sorted({f"{k}.{sub}" if isinstance(v, dict) else k for k, v in summary.items()
                   for sub in (v if isinstance(v, dict) else [None])})
    return kind, draw(st.sampled_from(keys)).removesuffix(".None"), draw(st.one_of(
        st.none(), st.sampled_from(["x", [], {}, 1e300, -1, [1, 2], True])))


@pytest.fixture(scope="module")
def finished_results(finished_run):
    from sim.io.netcdf import read_results

    return read_results(finished_run / "results.nc")


@pytest.mark.slow
@FEW
@given(data=st.data())
def test_sim_report_on_a_damaged_results_file_redraws_or_refuses_in_one_line(data, finished_results, tmp_path,
                                                                          capsys):
    from sim.cli.report import main
    from sim.io.netcdf import write_dataset

    damage = data.draw(results_damages(finished_results))
    run_dir = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        write_dataset(_damaged_results(finished_results, damage), run_dir / "results.nc")
    except Exception:  # noqa: BLE001 (damage that NetCDF cannot even hold is not a file anyone has)
        return
    code, _ = outcome(main, [str(run_dir)], capsys)
    assert code in (0, 2), damage
    assert not list(run_dir.rglob("*.partial"))


@pytest.mark.slow
@FEW
@given(argv=st.lists(st.one_of(odd_arguments, st.sampled_from(["RUN", "FILE", "DAMAGED"])), max_size=3),
       cut=st.integers(min_value=0, max_value=20_000))
def test_sim_report_arguments_end_in_a_report_or_a_one_line_refusal(argv, cut, finished_run, tmp_path, capsys):
    from sim.cli.report import main

    where = Path(tempfile.mkdtemp(dir=tmp_path))
    (where / "damaged").mkdir()
    (where / "damaged" / "results.nc").write_bytes((finished_run / "results.nc").read_bytes()[:cut])
    (where / "file").write_text("x")
    places = {"RUN": None, "FILE": str(where / "file"), "DAMAGED": str(where / "damaged")}
    if "RUN" in argv:
        shutil.copytree(finished_run, where / "run")
        places["RUN"] = str(where / "run")
    outcome(main, [places.get(arg, arg) for arg in argv], capsys)


run_places = st.sampled_from(["RUN", "RUN", "DAMAGED", "FILE", "MISSING"])


@pytest.mark.slow
@FEW
@given(a=st.one_of(run_places, odd_arguments), b=st.one_of(run_places, odd_arguments),
       extra=st.lists(st.one_of(odd_arguments, st.sampled_from(["--out", "OUT", "--overwrite", "FILE"])), max_size=2),
       damage=st.data())
def test_sim_compare_arguments_and_damaged_runs_end_in_a_comparison_or_a_one_line_refusal(
        a, b, extra, damage, finished_run, finished_results, tmp_path, capsys):
    from sim.cli.compare import main
    from sim.io.netcdf import write_dataset

    where = Path(tempfile.mkdtemp(dir=tmp_path))
    (where / "damaged").mkdir()
    try:
        write_dataset(_damaged_results(finished_results, damage.draw(results_damages(finished_results))),
                      where / "damaged" / "results.nc")
    except Exception:  # noqa: BLE001 (as above)
        pass
    (where / "file").write_text("x")
    places = {"RUN": str(finished_run), "DAMAGED": str(where / "damaged"), "OUT": str(where / "out"),
              "FILE": str(where / "file"), "MISSING": str(where / "missing")}
    argv = [places.get(arg, arg) for arg in (a, b, *extra)]
    if "--out" not in argv:  # never into the current directory
        argv += ["--out", str(where / "out")]
    outcome(main, argv, capsys)
    assert not list(where.rglob("*.partial"))


def _sweep(directory, summary):
    """A sweep of three finished jobs (seed=1, 2, 3) and its plan, as the aggregate reads it."""
    plan = {"version": 1, "started": "2026-12-06T00:00:00+00:00", "subdir": "${hydra.job.num}",
            "config_name": "config", "config_dirs": [], "hydra_overrides": [],
            "jobs": [{"job": n, "overrides": [f"seed={n + 1}"]} for n in range(3)],
            "sessions": [{"started": 0.0, "done_before": 0}]}
    for job in range(3):
        (directory / str(job) / ".hydra").mkdir(parents=True)
        (directory / str(job) / ".hydra" / "overrides.yaml").write_text(f"- seed={job + 1}\n")
        (directory / str(job) / "summary.json").write_text(json.dumps(summary))
    (directory / "sweep_plan.json").write_text(json.dumps(plan))
    return plan


odd_values = st.sampled_from([None, "x", "", [], {}, [1, 2], -1, 1e300, True, {"a": 1}])
sweep_damages = st.one_of(
    st.tuples(st.just("summary"), st.sampled_from(["p_beats_prompt", "savings_vs_prompt", "payback_month", "evpi",
                                                   "recommendation", "p_cheapest", "horizon_months", "confidence",
                                                   "p_beats_prompt.finetune", "savings_vs_prompt.rag",
                                                   "p_beats_prompt.finetune.ci95", "recommendation.strategy"]),
              odd_values),
    st.tuples(st.just("plan"), st.sampled_from(["version", "jobs", "sessions", "subdir", "hydra_overrides",
                                                "config_dirs", "config_name"]), odd_values),
    st.tuples(st.just("file"), st.sampled_from(["1/summary.json", "1/.hydra/overrides.yaml", "sweep_plan.json",
                                                "1/failure.json"]),
              st.sampled_from(["", "{", "[]", "null", "- 1\n- 2\n", "a: [", "{\"error\": 3}", "x" * 10])),
    st.tuples(st.just("in the place of job 1"), st.sampled_from(["a file", "a link", "nothing"]), st.none()),
)


def _damage_sweep(directory, plan, damage):
    kind, what, value = damage
    if kind in ("summary", "plan"):
        path = directory / ("1/summary.json" if kind == "summary" else "sweep_plan.json")
        data = json.loads(path.read_text())
        *parents, last = what.split(".")
        node = data
        for part in parents:
            node = node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
        path.write_text(json.dumps(data))
    elif kind == "file":
        (directory / what).write_text(value)
    else:
        shutil.rmtree(directory / "1")
        if what == "a file":
            (directory / "1").write_text("mine\n")
        elif what == "a link":
            (directory / "1").symlink_to(directory.parent, target_is_directory=True)


@pytest.mark.slow
@settings(FEW, max_examples=25)
@given(damage=sweep_damages, resume=st.booleans(), where=st.one_of(st.just("SWEEP"), st.just("SWEEP"), odd_arguments))
def test_sim_sweep_on_a_damaged_sweep_aggregates_or_refuses_in_one_line(damage, resume, where, finished_run, tmp_path,
                                                                       capsys, monkeypatch):
    # with --resume, sim.cli.payback.main (the multirun of the missing jobs) is replaced by a stub:
    # what is fuzzed is the resume's reading of the plan and the jobs before it launches
    from hydra.core.plugins import Plugins

    from sim.cli import payback as cli

    from sim.sweep import plan as plans
    from sim.cli.sweep import main

    sweep_dir = Path(tempfile.mkdtemp(dir=tmp_path)) / "sweep"
    plan = _sweep(sweep_dir, json.loads((finished_run / "summary.json").read_text()))
    _damage_sweep(sweep_dir, plan, damage)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "argv", list(sys.argv))
        patch.setattr(plans, "_resuming", [])
        patch.setattr(Plugins, "instantiate_sweeper", Plugins.instantiate_sweeper)
        patch.setattr(cli, "main", lambda: None)
        argv = [str(sweep_dir) if where == "SWEEP" else where, *(["--resume"] if resume else [])]
        code, err = outcome(main, argv, capsys)
    if code == 1:
        assert all(line.startswith("job ") for line in err.strip().splitlines()), err
    assert not list(sweep_dir.rglob("*.partial"))


numbers_as_text = st.sampled_from(["1e300", "-1", "nan", "inf", "0", "1.5", "abc", "", "1e-300", "2e10"])
dates_as_text = st.sampled_from(["2027-01-01", "2027-13-01", "", "2027-02-30", "2026-1-1", "x"])


@pytest.mark.slow
@settings(FEW, max_examples=25)
@given(model=st.one_of(st.sampled_from(["gpt-4.1-mini", "gpt-4o-mini", "gpt-4.1-nano", "nope", "ft:gpt-4o-mini"]),
                       odd_arguments),
       flags=st.lists(st.one_of(
           st.tuples(st.sampled_from(["--training", "--hosting", "--embedding"]), numbers_as_text),
           st.tuples(st.sampled_from(["--training-until", "--serving-until"]), dates_as_text),
           st.tuples(st.just("--provider"), st.sampled_from(["openai", "azure", "opnai", "", "a\x1bb"])),
           st.tuples(st.just("--name"), st.sampled_from(["sheet", "../x", "a\x1bb", "", ".yaml", "x" * 300])),
           st.tuples(st.just("--force"),), st.tuples(odd_arguments,)), max_size=4))
def test_sim_prices_arguments_end_in_a_sheet_payback_runs_with_or_a_one_line_refusal(model, flags, tmp_path, capsys):
    pytest.importorskip("genai_prices")
    from sim.prices.sheet import check_sheet
    from sim.cli.prices import main

    out = Path(tempfile.mkdtemp(dir=tmp_path))
    argv = [model, *(part for flag in flags for part in flag), "--out-dir", str(out)]
    code, _ = outcome(main, argv, capsys)
    written = list(out.iterdir())
    if code == 0:  # a sheet that payback then refuses was written before
        assert len(written) == 1
        check_sheet(yaml.safe_load(written[0].read_text()))
    else:
        assert written == [] and code == 2, (argv, code)
