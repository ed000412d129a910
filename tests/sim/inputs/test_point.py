"""point=true: every distribution at its median, one scenario; the closed form of the medians."""

import numpy as np
import pytest

from sim.inputs.point import median
from sim.inputs.validation import ConfigError, validate
from sim.simulation.engine import simulate
from tests.conftest import configure
from tests.sim.simulation.test_tornado import CASE

# Each median is the closed form's value (2,000 tokens, 0.4 and 1.6 USD per 1M, 5,000 USD, 1e6
# calls): symmetric laws about it, and a lognormal whose 90% interval is [x/2, 2x].
UNCERTAIN = dict(
    routes=CASE["routes"],
    workload={**CASE["workload"], "prompt_tokens": "triangular(low=1000, mode=2000, high=3000)",
              "calls_per_month": "normal(p05=8e5, p95=1.2e6)"},
    pricing={**CASE["pricing"], "base_input": "pert(low=0.3, mode=0.4, high=0.5)",
             "base_output": "lognormal(p05=0.8, p95=3.2)"},
    finetune={**CASE["finetune"], "setup_cost": "uniform(low=4000, high=6000)"},
)


def test_a_point_run_is_one_scenario_at_the_medians_and_gives_their_closed_form():
    settings = validate(configure(**UNCERTAIN, point=True, scenarios=1000))
    assert settings.point and settings.scenarios == 1 and settings.correlation is None
    assert all(distribution.is_fixed for distribution in settings.inputs.values())
    assert settings.inputs["workload.prompt_tokens"].params == (2000.0,)
    assert settings.inputs["finetune.setup_cost"].params == (5000.0,)
    assert settings.inputs["pricing.base_output"].params[0] == pytest.approx(1.6, rel=1e-12)
    simulation = simulate(settings, progress=False)
    np.testing.assert_allclose(simulation.cost, [[23_040.0, 16_530.0]], rtol=0, atol=0.005)


def test_a_skewed_pert_takes_its_median_not_its_mode():
    settings = validate(configure(**UNCERTAIN))
    pert = settings.inputs["pricing.base_input"]
    assert median(pert) == pytest.approx(0.4)  # symmetric
    skewed = validate(configure(pricing={"base_input": "pert(low=0, mode=1, high=10)"})).inputs["pricing.base_input"]
    # the beta(1 + 4 x 0.1, 1 + 4 x 0.9) = beta(1.4, 4.6) on [0, 10]: its median, above the mode
    from scipy import stats
    assert median(skewed) == pytest.approx(10 * stats.beta(1.4, 4.6).median(), rel=1e-12)
    assert median(skewed) > 1


def test_a_point_run_with_precision_targets_is_refused_in_one_line():
    with pytest.raises(ConfigError, match=r"^point: true runs one scenario at the medians; precision targets"):
        validate(configure(**UNCERTAIN, point=True, precision={"p_beats": 0.01, "savings": None}))
    with pytest.raises(ConfigError, match=r"^point: 'yes' is not true or false$"):
        validate(configure(**UNCERTAIN, point="yes"))
