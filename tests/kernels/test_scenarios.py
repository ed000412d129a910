"""The kernel against MODEL.md's closed forms, every input fixed, case by case.

Monthly amounts are derived in tests/conftest.py; each test states its own sums.
"""

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import kernels
from kernels.layout import DRAW_SPEC_LEN
from kernels.variates import draw, draw_gamma, draw_wald, fill_draws, fill_environment, months_until
from tests.conftest import (
    CHALLENGERS,
    FINETUNED_MONTHLY,
    FT,
    PROMPT_MONTHLY,
    RAG_FIRST_MONTH_FIXED,
    RAG_LATER_FIXED,
    RAG,
    RAG_MONTHLY,
    TRAINING_RUN,
    configure,
    run_config,
    write_sheet,
)

CENT = 0.005
H = 24
FIRST_ATTEMPT = TRAINING_RUN + 560.0
MAINTENANCE = 20.0


def first_month_where(cumulative_a, cumulative_b, compare):
    """1-based first month where compare(a, b) holds, -1 if none."""
    hits = [m + 1 for m in range(len(cumulative_a)) if compare(cumulative_a[m], cumulative_b[m])]
    return hits[0] if hits else -1


def assert_costs(simulation, prompt, finetune, rag):
    """Every scenario's horizon costs equal the closed forms to the cent."""
    expected = np.array([prompt, finetune, rag])
    np.testing.assert_allclose(simulation.cost, np.broadcast_to(expected, simulation.cost.shape), rtol=0, atol=CENT)


def test_plain_case_costs_payback_and_monthly_counts():
    settings, sim = run_config(configure(save_paths=True))
    months = np.arange(1, H + 1)
    prompt = PROMPT_MONTHLY * months
    # month 1: first attempt and prompting; from month 2 live: fine-tuned usage + maintenance
    finetune = FIRST_ATTEMPT + PROMPT_MONTHLY + (FINETUNED_MONTHLY + MAINTENANCE) * (months - 1)
    # month 1: build the index and prompt; from month 2 the RAG prompt and the monthly fixed costs
    rag = RAG_FIRST_MONTH_FIXED + PROMPT_MONTHLY + (RAG_MONTHLY + RAG_LATER_FIXED) * (months - 1)
    assert_costs(sim, prompt[-1], finetune[-1], rag[-1])
    np.testing.assert_allclose(sim.paths[0], np.stack([prompt, finetune, rag]), atol=CENT)

    # 760 + 90 (m - 1) <= 150 m first at m = 12; 502 + 125.7 (m - 1) <= 150 m first at m = 16
    assert first_month_where(finetune, prompt, lambda a, b: a <= b) == 12
    assert first_month_where(rag, prompt, lambda a, b: a <= b) == 16
    assert (sim.payback[:, CHALLENGERS] == [12, 16]).all()
    n = settings.scenarios
    assert sim.beats[FT].tolist() == [0] * 11 + [n] * 13
    assert sim.beats[RAG].tolist() == [0] * 15 + [n] * 9
    assert (sim.retrains[:, FT] == 0).all() and (sim.attempts[:, FT] == 1).all() and not sim.failed.any()
    # cost = A + V_1 * B, A holding exactly the volume-free part
    np.testing.assert_allclose(
        sim.cost_fixed[0], [0.0, FIRST_ATTEMPT + MAINTENANCE * (H - 1), RAG_FIRST_MONTH_FIXED + RAG_LATER_FIXED * (H - 1)], atol=CENT
    )
    np.testing.assert_allclose(sim.cost_fixed + 100_000 * sim.cost_slope, sim.cost, rtol=1e-12)


@pytest.mark.parametrize("months_to_ship", [0, 3])
def test_shipping_delay_serves_by_prompting_until_go_live(months_to_ship):
    s = months_to_ship
    _, sim = run_config(configure(finetune={"months_to_ship": s}, rag={"months_to_ship": s}))
    live_months = H - s
    finetune = FIRST_ATTEMPT + PROMPT_MONTHLY * s + (FINETUNED_MONTHLY + MAINTENANCE) * live_months
    rag = (
        RAG_FIRST_MONTH_FIXED + RAG_LATER_FIXED * (H - 1)
        + PROMPT_MONTHLY * s + RAG_MONTHLY * (H - s)
    )
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, rag)


def test_failed_attempts_are_sunk_and_the_strategy_keeps_prompting():
    _, sim = run_config(
        configure(finetune={"success_probability": 0.0, "max_attempts": 2, "months_to_ship": 2})
    )
    # attempts at months 1 and 3; the repeat costs training plus retrain_cost; no maintenance
    finetune = PROMPT_MONTHLY * H + FIRST_ATTEMPT + TRAINING_RUN + 1000.0
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert sim.failed[:, FT].all() and (sim.attempts[:, FT] == 2).all()
    assert (sim.payback[:, FT] == -1).all() and (sim.beats[FT] == 0).all()


@pytest.mark.parametrize(
    "drift, lifetime",
    [(5.0, 1000.0), (1000.0, 5.0), (4.2, 1000.0)],
    ids=["drift-trigger", "base-deprecation", "ceil-of-drift-time"],
)
def test_deterministic_retrain_cycles(drift, lifetime):
    _, sim = run_config(
        configure(
            finetune={"mean_months_between_retrains": drift, "base_lifetime_months": lifetime}
        )
    )
    # live at 2; each cycle: retrain at a + ceil(5) = a + 5, one month prompting, live again
    retrain_months = [7, 13, 19]
    prompting_months = 1 + len(retrain_months)
    finetune = (
        FIRST_ATTEMPT
        + (TRAINING_RUN + 1000.0) * len(retrain_months)
        + MAINTENANCE * (H - 1)
        + PROMPT_MONTHLY * prompting_months
        + FINETUNED_MONTHLY * (H - prompting_months)
    )
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert (sim.retrains[:, FT] == 3).all()


@pytest.mark.parametrize("reprice_on_retrain", [True, False])
def test_pinned_against_repriced_prices_under_a_trend(reprice_on_retrain):
    trend = -0.12
    _, sim = run_config(
        configure(
            market={"trend_per_year": trend},
            finetune={"reprice_on_retrain": reprice_on_retrain, "mean_months_between_retrains": 6.0},
        )
    )
    index = np.exp(trend / 12 * np.arange(H))  # M_m for m = 1..H
    prompt = PROMPT_MONTHLY * index.sum()
    # live at 2, retrain at 8 (paid at M_8), prompting month 8, live at 9 pinned at M_9, ...
    live_at, retrain_at = [2, 9, 16, 23], [8, 15, 22]
    pinned = np.zeros(H)
    for start, stop in zip(live_at, retrain_at + [H + 1]):
        pinned[start - 1 : stop - 1] = index[start - 1] if reprice_on_retrain else index[start - 1 : stop - 1]
    prompting = np.ones(H, dtype=bool)
    for start, stop in zip(live_at, retrain_at + [H + 1]):
        prompting[start - 1 : stop - 1] = False
    finetune = (
        FIRST_ATTEMPT
        + sum(TRAINING_RUN * index[m - 1] + 1000.0 for m in retrain_at)
        + MAINTENANCE * (H - 1)
        + PROMPT_MONTHLY * index[prompting].sum()
        + FINETUNED_MONTHLY * pinned[~prompting].sum()
    )
    rag = (
        RAG_FIRST_MONTH_FIXED + 50.0 * (H - 1) + 0.1 * 2.0 * index[1:].sum()
        + PROMPT_MONTHLY + RAG_MONTHLY * index[1:].sum()
    )
    assert_costs(sim, prompt, finetune, rag)
    assert (sim.retrains[:, FT] == 3).all()


def test_a_cut_every_month_is_captured_only_by_a_retrain():
    # cuts_per_year at its bound: a cut of 10% every month, so M_m = 0.9^(m-1)
    _, sim = run_config(
        configure(
            market={"cuts_per_year": 1200, "cut_size": 0.1},
            finetune={"mean_months_between_retrains": 12.0},
        )
    )
    index = 0.9 ** np.arange(H)
    # live at 2 (pinned M_2), retrain at 14, live at 15 (pinned M_15)
    finetune = (
        FIRST_ATTEMPT + TRAINING_RUN * index[13] + 1000.0 + MAINTENANCE * (H - 1)
        + PROMPT_MONTHLY * (index[0] + index[13])
        + FINETUNED_MONTHLY * (index[1] * 12 + index[14] * (H - 14))
    )
    assert_costs(sim, PROMPT_MONTHLY * index.sum(), finetune, sim.cost[0, 2])


def test_discounting_each_month_from_month_one():
    r = 0.10
    _, sim = run_config(configure(discount_rate=r))
    d = (1 + r) ** (-np.arange(H) / 12)
    prompt = PROMPT_MONTHLY * d.sum()
    finetune = FIRST_ATTEMPT + PROMPT_MONTHLY + (FINETUNED_MONTHLY + MAINTENANCE) * d[1:].sum()
    rag = RAG_FIRST_MONTH_FIXED + PROMPT_MONTHLY + (RAG_MONTHLY + RAG_LATER_FIXED) * d[1:].sum()
    assert_costs(sim, prompt, finetune, rag)


def test_shutdown_stops_every_payment_from_its_month():
    _, sim = run_config(configure(workload={"shutdown_per_year": 1.0}))
    # a certain shutdown happens at month 2: only month 1 is paid
    assert_costs(sim, PROMPT_MONTHLY, FIRST_ATTEMPT + PROMPT_MONTHLY, RAG_FIRST_MONTH_FIXED + PROMPT_MONTHLY)
    assert (sim.shutdown_month == 2).all()
    assert (sim.payback == -1).all() and (sim.beats == 0).all()


def test_hosting_fee_from_go_live_on_including_retrain_months():
    _, sim = run_config(
        configure(
            pricing={"hosting_per_month": 1000.0},
            finetune={"months_to_ship": 2, "mean_months_between_retrains": 5.0},
        )
    )
    # live at 3; retrains at 8, 14, 20 (one month each); fee every month from 3 on
    finetune = (
        FIRST_ATTEMPT + 3 * (TRAINING_RUN + 1000.0) + (1000.0 + MAINTENANCE) * (H - 2)
        + PROMPT_MONTHLY * (2 + 3) + FINETUNED_MONTHLY * (H - 5)
    )
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])


@pytest.mark.parametrize("mean, cv", [(6.0, 0.5), (3.0, 1.2)])
def test_wald_draws_match_scipy_inverse_gaussian(mean, cv):
    rng = np.random.default_rng(7)
    draws = np.array([draw_wald(mean, cv, rng) for _ in range(20_000)])
    shape = mean / cv**2
    reference = stats.invgauss(mu=mean / shape, scale=shape)
    assert stats.kstest(draws, reference.cdf).pvalue > 1e-3
    assert draw_wald(mean, 0.0, rng) == mean


def test_months_until_is_geometric_with_its_edges():
    p = 0.2
    u = (np.arange(100_000) + 0.5) / 100_000  # an even grid of uniforms: the CDF itself
    waits = np.array([months_until(math.log1p(-p), x, 1000) for x in u])
    for j in range(6):  # P(k >= j) = (1 - p)^j, to the grid's resolution
        assert abs(np.mean(waits >= j) - (1 - p) ** j) < 1e-4
    assert months_until(-math.inf, 0.99, 50) == 0  # p = 1: at once
    assert months_until(-0.0, 0.01, 50) == 50  # p = 0: never within the cap
    assert months_until(math.log1p(-1e-9), 0.5, 50) == 50


@pytest.mark.parametrize("shape", [1.0, 2.7, 5.0])
def test_gamma_draws_match_scipy(shape):
    rng = np.random.default_rng(11)
    draws = np.array([draw_gamma(shape, rng) for _ in range(20_000)])
    assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > 1e-3


def _spec(code, *params, low=0.0, high=math.inf):
    spec = np.zeros(DRAW_SPEC_LEN)
    spec[0] = code
    spec[1 : 1 + len(params)] = params
    spec[5], spec[6] = low, high
    return spec


@pytest.mark.parametrize(
    "spec, reference",
    [
        (_spec(1, 2.0, 5.0), stats.uniform(2.0, 3.0)),
        (_spec(2, 1.0, 2.0, 6.0), stats.triang(0.2, loc=1.0, scale=5.0)),
        (_spec(3, 1.0, 6.0, 1.8, 4.2), stats.beta(1.8, 4.2, loc=1.0, scale=5.0)),
        (_spec(4, 0.3, 0.1, low=-math.inf), stats.norm(0.3, 0.1)),
        (_spec(5, 0.5, 0.4), stats.lognorm(0.4, scale=math.exp(0.5))),
    ],
    ids=["uniform", "triangular", "pert", "normal", "lognormal"],
)
def test_draws_follow_their_family(spec, reference):
    rng = np.random.default_rng(3)
    draws = np.array([draw(spec, rng) for _ in range(20_000)])
    assert stats.kstest(draws, reference.cdf).pvalue > 1e-3


def test_draws_are_clipped_to_their_range():
    rng = np.random.default_rng(5)
    spec = _spec(4, 0.0, 1.0, low=0.0, high=0.5)
    draws = np.array([draw(spec, rng) for _ in range(2000)])
    assert draws.min() == 0.0 and draws.max() == 0.5


@pytest.mark.parametrize(
    "spec",
    [
        _spec(0, 2.6),
        _spec(1, 2.0, 5.0),
        _spec(2, 1.0, 2.0, 6.0),
        _spec(3, 1.0, 6.0, 1.8, 4.2),
        _spec(4, 0.3, 0.1, low=-math.inf),
        _spec(5, 0.5, 0.4),
        _spec(4, 3.0, 2.0, low=1.0, high=5.0),
    ],
    ids=["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "clipped"],
)
@pytest.mark.parametrize("whole", [0.0, 1.0], ids=["real", "whole"])
def test_filling_an_array_gives_the_same_numbers_as_drawing_one_by_one(spec, whole):
    spec = spec.copy()
    spec[7] = whole
    filled = np.empty(3000)
    fill_draws(spec, np.random.default_rng(21), filled)
    rng = np.random.default_rng(21)
    np.testing.assert_array_equal(filled, [draw(spec, rng) for _ in range(3000)])


def test_environment_draws_one_uniform_then_the_shocks_per_scenario():
    n, months = 5, 7
    shutdown_draw, shocks = np.empty(n), np.empty((n, months))
    fill_environment(np.random.default_rng(13), shutdown_draw, shocks)
    rng = np.random.default_rng(13)  # the same stream, drawn in the documented order
    for i in range(n):
        assert shutdown_draw[i] == rng.random()
        np.testing.assert_array_equal(shocks[i], rng.standard_normal(months))


# The provider calendar (MODEL.md, "Provider calendar and platform exit"). With
# start 2027-01, month m is calendar month 2027-m: a date in June 2027 is month 6.
def dated(training_until=None, serving_until=None, start="2027-01", **sections):
    pricing = {"finetune_training_until": training_until, "finetune_serving_until": serving_until,
               **sections.pop("pricing", {})}
    return configure(start=start, pricing=pricing, **sections)


def assert_route(sim, exit_month, migrated=False, attempts=1, retrains=0, failed=False, for_good=None):
    assert (sim.exit_month[:, FT] == exit_month).all() and (sim.migrated[:, FT] == migrated).all()
    # without a migration an exit is for good; a migrated route is prompting at the end only if it left again
    assert (sim.exited[:, FT] == (not migrated if for_good is None else for_good)).all()
    assert (sim.attempts[:, FT] == attempts).all() and (sim.retrains[:, FT] == retrains).all()
    assert (sim.failed[:, FT] == failed).all()


def test_serving_end_sends_the_route_back_to_prompting_without_fee_or_maintenance():
    _, sim = run_config(dated("2027-03-31", "2027-06-30", pricing={"hosting_per_month": 1000.0}))
    # live months 2-6; the model stops serving after June: from month 7 prompting only
    finetune = FIRST_ATTEMPT + PROMPT_MONTHLY + (FINETUNED_MONTHLY + MAINTENANCE + 1000.0) * 5 + PROMPT_MONTHLY * 18
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert_route(sim, exit_month=7)


def test_a_drift_retrain_due_after_the_training_cutoff_ends_the_route():
    _, sim = run_config(dated("2027-05-31", finetune={"mean_months_between_retrains": 5.0}))
    # live at 2, retrain due at 2 + 5 = 7 > 5: the drifted model no longer meets the bar
    finetune = FIRST_ATTEMPT + PROMPT_MONTHLY + (FINETUNED_MONTHLY + MAINTENANCE) * 5 + PROMPT_MONTHLY * 18
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert_route(sim, exit_month=7)


def test_a_retrain_in_the_cutoff_month_is_made_and_the_next_one_is_not():
    _, sim = run_config(dated("2027-07-01", finetune={"mean_months_between_retrains": 5.0}))
    # retrain at 7 (the cutoff's month: allowed), live at 8, next retrain due at 13: exit
    finetune = (
        FIRST_ATTEMPT + TRAINING_RUN + 1000.0 + PROMPT_MONTHLY * 2 + FINETUNED_MONTHLY * 10
        + MAINTENANCE * 11 + PROMPT_MONTHLY * 12
    )
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert_route(sim, exit_month=13, retrains=1)


def test_openai_dates_seen_from_december_2026():
    # no new jobs after 2027-01-06 (month 2), fine-tunes shut down 2027-01-14 (month 2)
    _, sim = run_config(dated("2027-01-06", "2027-01-14", start="2026-12"))
    finetune = FIRST_ATTEMPT + PROMPT_MONTHLY + FINETUNED_MONTHLY + MAINTENANCE + PROMPT_MONTHLY * 22
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert_route(sim, exit_month=3)


def test_attempts_cut_off_by_the_calendar_are_not_a_failure():
    _, sim = run_config(dated("2027-02-28", finetune={"success_probability": 0.0, "months_to_ship": 2}))
    # attempt 1 at month 1 fails; attempt 2 would be at month 3, past the cutoff
    assert_costs(sim, PROMPT_MONTHLY * H, PROMPT_MONTHLY * H + FIRST_ATTEMPT, sim.cost[0, 2])
    assert_route(sim, exit_month=3, failed=False)


def test_migration_to_a_successor_with_the_same_prices_costs_the_migration(tmp_path):
    conf_dir = write_sheet(tmp_path, "twin", hosting_per_month=1000.0)
    _, sim = run_config(
        dated("2027-03-31", "2027-06-30", pricing={"hosting_per_month": 1000.0},
              finetune={"on_platform_exit": "migrate", "successor": "twin"}),
        conf_dir=conf_dir,
    )
    live = FINETUNED_MONTHLY + MAINTENANCE + 1000.0
    # month 7: migration cost and a training on the twin, prompting, maintenance but no
    # fee (the old deployment is gone); live again on the twin from month 8
    finetune = (
        FIRST_ATTEMPT + PROMPT_MONTHLY + live * 5
        + 2000.0 + TRAINING_RUN + PROMPT_MONTHLY + MAINTENANCE
        + live * 17
    )
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert_route(sim, exit_month=7, migrated=True, attempts=2)


def test_successor_prices_and_its_own_calendar(tmp_path):
    conf_dir = write_sheet(tmp_path, "cheaper", finetuned_input=0.5, training=10.0,
                           finetune_training_until="2027-12-31", finetune_serving_until="2027-12-31")
    _, sim = run_config(
        dated("2027-03-31", "2027-06-30", finetune={"on_platform_exit": "migrate", "successor": "cheaper"}),
        conf_dir=conf_dir,
    )
    # the successor's fine-tuned input is half: 100,000 x (200 x 0.5 + 250 x 2.0) / 1e6 = 60 a month;
    # its training 10M x 10 / 1e6 = 100; it serves months 8-12, then the route prompts for good
    finetune = (
        FIRST_ATTEMPT + PROMPT_MONTHLY + (FINETUNED_MONTHLY + MAINTENANCE) * 5
        + 2000.0 + 100.0 + PROMPT_MONTHLY + MAINTENANCE
        + (60.0 + MAINTENANCE) * 5 + PROMPT_MONTHLY * 12
    )
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert_route(sim, exit_month=7, migrated=True, attempts=2, for_good=True)


def test_exit_in_month_one_with_prompt_never_trains():
    _, sim = run_config(dated("2027-01-06", "2027-01-14", start="2027-02"))
    # both dates lie before month 1: no training can be made, the route is prompting
    assert_costs(sim, PROMPT_MONTHLY * H, PROMPT_MONTHLY * H, sim.cost[0, 2])
    assert_route(sim, exit_month=1, attempts=0)
    assert (sim.payback[:, FT] == 1).all() and (sim.beats[FT] == 0).all()  # a tie pays back, never beats


def test_exit_in_month_one_with_migrate_starts_on_the_successor_with_the_setup_cost(tmp_path):
    conf_dir = write_sheet(tmp_path, "twin")
    _, sim = run_config(
        dated("2027-01-06", "2027-01-14", start="2027-02",
              finetune={"on_platform_exit": "migrate", "successor": "twin"}),
        conf_dir=conf_dir,
    )
    plain = FIRST_ATTEMPT + PROMPT_MONTHLY + (FINETUNED_MONTHLY + MAINTENANCE) * (H - 1)
    assert_costs(sim, PROMPT_MONTHLY * H, plain, sim.cost[0, 2])
    assert_route(sim, exit_month=1, migrated=True, attempts=1)


def test_every_migration_attempt_failing_is_a_failure(tmp_path):
    conf_dir = write_sheet(tmp_path, "twin")
    _, sim = run_config(
        dated("2026-12-31", "2026-12-31", finetune={"on_platform_exit": "migrate", "successor": "twin",
                                                    "success_probability": 0.0, "max_attempts": 2}),
        conf_dir=conf_dir,
    )
    # nothing can be trained on the run's sheet: the twin's attempts at months 1 and 2
    # (setup cost, then retrain cost) fail; spending sunk, prompting, no maintenance
    finetune = PROMPT_MONTHLY * H + FIRST_ATTEMPT + TRAINING_RUN + 1000.0
    assert_costs(sim, PROMPT_MONTHLY * H, finetune, sim.cost[0, 2])
    assert_route(sim, exit_month=1, migrated=True, attempts=2, failed=True, for_good=False)


def test_dates_beyond_the_horizon_change_nothing():
    cfg = configure(scenarios=3000, workload={"calls_per_month": {"dist": "lognormal", "p05": 1e4, "p95": 1e6}},
                    finetune={"success_probability": {"dist": "uniform", "low": 0.3, "high": 0.9},
                              "mean_months_between_retrains": {"dist": "uniform", "low": 2, "high": 9},
                              "retrain_interval_cv": 0.5},
                    market={"cuts_per_year": 2.0})
    _, undated = run_config({**cfg, "start": "2027-01"})
    _, far = run_config(dated("2029-01-01", "2029-06-30", **{k: cfg[k] for k in ("scenarios", "workload", "finetune", "market")}))
    for name in ("cost", "payback", "retrains", "attempts", "failed", "beats", "exit_month"):
        np.testing.assert_array_equal(getattr(undated, name), getattr(far, name), err_msg=name)


def test_the_calendar_binds_only_the_fine_tune_route():
    # Shutdowns, price cuts and dates inside the horizon: prompting and RAG pay exactly
    # what they pay without dates, scenario by scenario (their draws are not disturbed).
    cfg = configure(scenarios=3000, workload={"shutdown_per_year": 0.5, "volatility": 0.2},
                    market={"cuts_per_year": 3.0, "cut_size": {"dist": "pert", "low": 0.1, "mode": 0.3, "high": 0.6}},
                    finetune={"success_probability": {"dist": "uniform", "low": 0.3, "high": 0.9},
                              "mean_months_between_retrains": {"dist": "uniform", "low": 2, "high": 9},
                              "retrain_interval_cv": 0.5})
    _, undated = run_config({**cfg, "start": "2027-01"})
    _, exits = run_config(dated("2027-02-28", "2027-04-30", **{k: cfg[k] for k in ("scenarios", "workload", "finetune", "market")}))
    assert (exits.exit_month[:, FT] > 0).mean() > 0.5
    np.testing.assert_array_equal(undated.cost[:, [0, 2]], exits.cost[:, [0, 2]])
    np.testing.assert_array_equal(undated.shutdown_month, exits.shutdown_month)
    np.testing.assert_array_equal(undated.beats[RAG], exits.beats[RAG])


def test_an_exact_tie_pays_back_but_does_not_beat_whatever_the_rounding():
    # setup 490: 50 + 490 + 150 + 90 (m - 1) = 150 m first at m = 10 (1,500 USD each),
    # a tie that sums of floating-point monthly bills need not hit exactly
    _, sim = run_config(configure(finetune={"setup_cost": 490.0}, save_paths=True))
    assert abs(sim.paths[0, 1, 9] - sim.paths[0, 0, 9]) < 1e-6
    assert (sim.payback[:, FT] == 10).all()
    assert sim.beats[FT, 9] == 0 and (sim.beats[FT, 10:] == 4).all()  # 4 scenarios


_CACHE_PROBE = """
import numpy as np
import kernels.scenarios as scenarios
import kernels.variates as variates
variates.months_until(-0.5, 0.5, 10)
scenarios._p_above(0.0, 1.0, (0.0, 0.0, False, np.empty(0), 0.0, 0.0, False))
for kernel in (variates.months_until, scenarios._p_above):
    print(sum(kernel.stats.cache_hits.values()), sum(kernel.stats.cache_misses.values()))
"""
FRESH, CACHED = ["0", "1"] * 2, ["1", "0"] * 2  # (hits, misses) of a variates and a scenarios kernel


def test_an_edit_to_a_kernel_file_drops_the_caches_that_compile_it_in(tmp_path):
    # Numba keys a cache on its own module's file alone; each kernel module's stamp of
    # the files it compiles in (layout.py's constants, the callees of tables.py and
    # variates.py) must send an edit of theirs to a fresh compile, not to stale code.
    shutil.copytree(Path(kernels.__file__).parent, tmp_path / "kernels", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NUMBA_CACHE_DIR": str(tmp_path / "cache")}

    def probe():
        done = subprocess.run([sys.executable, "-c", _CACHE_PROBE], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert probe() == FRESH  # first compile
    assert probe() == CACHED  # from the cache
    for name in ("layout.py", "tables.py"):
        with open(tmp_path / "kernels" / name, "a") as source:
            source.write("\n# an edit\n")
        assert probe() == FRESH, name  # dropped, compiled anew
        assert probe() == CACHED, name
    with open(tmp_path / "kernels" / "variates.py", "a") as source:
        source.write("\n# an edit\n")
    assert probe() == FRESH  # variates' own cache by Numba's rule, scenarios' by its stamp
    assert probe() == CACHED
