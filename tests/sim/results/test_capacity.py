"""A dedicated route's replica: the share of scenario-months whose volume exceeds it."""

import math

import pytest
from scipy.stats import norm

from sim.results.dataset import to_dataset
from sim.results.summary import summarize
from tests.conftest import configure, run_config, write_sheet

REPLICA = 1_000_000  # calls a month one replica serves


def _summary(tmp_path, replica=REPLICA, **sections):
    conf = write_sheet(tmp_path, "dedicated", hosting_per_month=2000.0, finetuned_input=0.0, finetuned_output=0.0,
                       replica_calls_per_month=replica)
    routes = {"prompt": {"kind": "prompt"}, "lora": {"kind": "finetune", "pricing": "dedicated"}}
    settings, simulation = run_config(configure(routes=routes, **sections), conf_dir=conf)
    return summarize(to_dataset(settings, simulation))


@pytest.mark.parametrize("calls, share", [(900_000, 0.0), (1_100_000, 1.0)])
def test_a_fixed_volume_is_below_one_replica_in_every_month_or_above_it_in_every_month(tmp_path, calls, share):
    summary = _summary(tmp_path, workload={"calls_per_month": calls})
    assert summary["capacity"] == {"lora": {"replica_calls_per_month": REPLICA, "share_over": share}}


def test_a_lognormal_volume_without_growth_exceeds_the_replica_with_its_tail_probability(tmp_path):
    # V_1 lognormal with its 90% interval (2e5, 2e6), no growth nor shocks: every month of a
    # scenario has its V_1, so the share is P(V_1 > 1e6) = 1 - Phi(ln(1e6 / median) / sigma)
    low, high, n = 2e5, 2e6, 20_000
    median, sigma = math.sqrt(low * high), math.log(high / low) / (2 * norm.ppf(0.95))
    expected = 1 - norm.cdf(math.log(REPLICA / median) / sigma)
    summary = _summary(tmp_path, scenarios=n, sampling="mc", horizon_months=6,
                       workload={"calls_per_month": {"dist": "lognormal", "p05": low, "p95": high}})
    share = summary["capacity"]["lora"]["share_over"]
    # each scenario counts 6 equal months: the share is a proportion of n scenarios
    assert abs(share - expected) <= 5 * math.sqrt(expected * (1 - expected) / n), (share, expected)


def test_a_route_billed_per_token_has_no_capacity_line(tmp_path):
    assert _summary(tmp_path, replica=None)["capacity"] == {}
