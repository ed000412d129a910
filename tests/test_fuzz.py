"""Property-based tests over the configuration space and the override syntax.

Every generated input must end in finite, strict-JSON numbers or in a one-line
refusal naming a key; never a traceback and never a hang. Examples are derandomized
(the same ones on every run and machine) and few enough for CI.
"""

import json
import math
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import ConfigError, input_metadata, validate
from sim.distributions import FAMILY_PARAMETERS
from sim.run import run
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
        cfg[section][name] = value
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
                                 "pricing", "threads"])
override_values = st.one_of(
    st.sampled_from(["1", "-1", "0", "1e300", "nan", "inf", "null", "true", "[]", "[1,2]", "{}", "''",
                     "{dist:pert,low:1,mode:2,high:3}", "{dist:uniform,low:1}", "pert(1,2,3)", "lognormal(1e5)",
                     "2026-12", "2027-02-30", "migrate", "price-war", "../x", "${oops}", "a=b", "{a:{b:c}}"]),
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

