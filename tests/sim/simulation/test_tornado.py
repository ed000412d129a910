"""The tornado of the fixed inputs against the closed forms of the quality tests' base case.

Prompting: (2,000 x 0.4 + 100 x 1.6) / 1e6 x 1e6 calls = 960 USD a month, 23,040 over 24
months. The fine-tune, live from month 1: 5,000 setup + 2M x 5.0 / 1e6 = 10 of training once
and (200 x 0.8 + 100 x 3.2) = 480 a month: 16,530. Savings 6,510 USD (no discounting).
"""

import pytest

from sim.inputs.validation import ConfigError, validate
from sim.simulation.tornado import readers, sides, tornado
from tests.conftest import configure

CENT = 0.005
H = 24
TWO_ROUTES = {"prompt": {"kind": "prompt"}, "finetune": {"kind": "finetune"}}
CASE = dict(
    routes=TWO_ROUTES,
    workload={"calls_per_month": 1_000_000, "prompt_tokens": 2000, "finetuned_prompt_tokens": 200,
              "output_tokens": 100},
    pricing={"base_input": 0.4, "base_output": 1.6, "finetuned_input": 0.8, "finetuned_output": 3.2,
             "training": 5.0, "hosting_per_month": 0.0},
    finetune={"training_tokens": 2_000_000, "setup_cost": 5000.0, "months_to_ship": 0,
              "maintenance_per_month": 0.0, "max_attempts": 3},
)
SAVINGS = 23_040.0 - 16_530.0


def rows_of(cfg):
    found = tornado(validate(cfg), 4)
    return found, {row["input"]: row for row in found["rows"]["finetune"]}


def test_each_fixed_input_moves_the_savings_by_its_closed_form_to_the_cent():
    found, rows = rows_of(configure(**CASE))
    assert found["savings"]["finetune"] == pytest.approx(SAVINGS, abs=CENT)
    assert found["step"] == 0.2 and found["scenarios"] == 4
    # setup 5,000 -> 4,000 / 6,000: the savings move by 1,000 each way
    setup = rows["finetune.setup_cost"]
    assert (setup["value"], setup["low"], setup["high"]) == (5000.0, 4000.0, 6000.0)
    assert setup["savings_low"] == pytest.approx(SAVINGS + 1000, abs=CENT)
    assert setup["savings_high"] == pytest.approx(SAVINGS - 1000, abs=CENT)
    # a price is linear: the fine-tuned input price 0.8 -> 0.64 / 0.96 moves 200 tokens x 1e6
    # calls x 0.16 / 1e6 = 32 USD a month, 768 over 24 months
    price = rows["pricing.finetuned_input"]
    assert price["savings_low"] == pytest.approx(SAVINGS + 768, abs=CENT)
    assert price["savings_high"] == pytest.approx(SAVINGS - 768, abs=CENT)
    # the baseline's price moves the baseline: 2,000 x 0.08 = 160 a month, 3,840 over 24
    base = rows["pricing.base_input"]
    assert base["savings_low"] == pytest.approx(SAVINGS - 3840, abs=CENT)
    assert base["savings_high"] == pytest.approx(SAVINGS + 3840, abs=CENT)
    # a shared input: savings = 480 x 24 x V / 1e6 - 5,010
    volume = rows["workload.calls_per_month"]
    assert volume["savings_low"] == pytest.approx(11_520 * 0.8 - 5010, abs=CENT)
    assert volume["savings_high"] == pytest.approx(11_520 * 1.2 - 5010, abs=CENT)
    # sorted by the width of the bar, widest first
    widths = [abs(row["savings_high"] - row["savings_low"]) for row in found["rows"]["finetune"]]
    assert widths == sorted(widths, reverse=True)
    assert next(iter(rows)) == "pricing.base_input"


def test_whole_numbers_round_and_zeros_are_skipped():
    found, rows = rows_of(configure(**CASE))
    # 3 attempts: 2.4 and 3.6 round to 2 and 4 (every attempt succeeds: no effect)
    attempts = rows["finetune.max_attempts"]
    assert (attempts["low"], attempts["high"]) == (2.0, 4.0)
    assert attempts["savings_low"] == attempts["savings_high"] == pytest.approx(SAVINGS, abs=CENT)
    # months_to_ship 0 and hosting 0: nothing to move; retrain_months 1: 0.8 and 1.2 round back to 1
    for key in ("finetune.months_to_ship", "pricing.hosting_per_month", "finetune.retrain_months"):
        assert key not in rows
    settings = validate(configure(**CASE))
    assert sides(settings.inputs["finetune.retrain_months"], 0.2) is None
    assert sides(settings.inputs["finetune.retrain_months"], 0.6) == (1.0, 0.0, 2.0)  # 0.4 and 1.6 round
    # an uncertain input is not the tornado's
    assert "finetune.setup_cost" not in readers(validate(configure(**{**CASE, "finetune": {
        **CASE["finetune"], "setup_cost": "uniform(low=4000, high=6000)"}})))


def test_a_rate_at_its_upper_bound_keeps_its_value_on_that_side():
    _, rows = rows_of(configure(**CASE))
    rate = rows["quality.finetune"]  # 1: at most 1
    assert (rate["low"], rate["high"]) == (0.8, 1.0)
    assert rate["savings_high"] == pytest.approx(SAVINGS, abs=CENT)


def test_the_step_is_a_setting_and_zero_turns_it_off():
    _, rows = rows_of(configure(**CASE, tornado_step=0.5))
    setup = rows["finetune.setup_cost"]
    assert (setup["low"], setup["high"]) == (2500.0, 7500.0)
    assert setup["savings_low"] == pytest.approx(SAVINGS + 2500, abs=CENT)
    assert tornado(validate(configure(**CASE, tornado_step=0)), 4) is None


@pytest.mark.parametrize("step", [-0.1, 1, 1.5, True, "big"])
def test_a_bad_step_is_refused_in_one_line(step):
    with pytest.raises(ConfigError, match=r"^tornado_step: ") as error:
        validate(configure(**CASE, tornado_step=step))
    assert "\n" not in str(error.value)
    if not isinstance(step, (bool, str)):  # the others the schema's float type refuses first
        assert str(error.value) == f"tornado_step: {float(step)!r} is not 0 (no tornado) or a share in (0, 1), e.g. 0.2 for ±20%"


@pytest.mark.parametrize("sampling", ["mc", "lhs", "sobol", "auto"])
def test_the_first_scenarios_of_a_longer_run_are_the_tornados_scenarios(sampling):
    # the tornado re-runs the first TORNADO_SCENARIOS scenarios on the run's seed: they must be
    # the run's own (block seeds spawned whatever the block count), or its sides are noise
    from sim.simulation.engine import simulate
    from sim.simulation.tornado import TORNADO_SCENARIOS

    cfg = configure(**{**CASE, "finetune": {**CASE["finetune"], "setup_cost": "uniform(low=4000, high=6000)"},
                       "workload": {**CASE["workload"], "calls_per_month": "lognormal(p05=5e5, p95=2e6)"}},
                    sampling=sampling, seed=7)
    longer = simulate(validate({**cfg, "scenarios": TORNADO_SCENARIOS + 1000}), progress=False)
    first = simulate(validate({**cfg, "scenarios": TORNADO_SCENARIOS}), progress=False)
    assert (longer.cost[:TORNADO_SCENARIOS] == first.cost).all()
    assert (longer.drawn[:TORNADO_SCENARIOS] == first.drawn).all()
