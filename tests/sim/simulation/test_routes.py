"""Routes through the engine (MODEL.md, "Routes", "Prompt caching", "The baseline's own
calendar"): closed forms to the cent with every input fixed, and the rule that adding or
removing a route moves no other route's numbers, under every sampling method.

The fixture (tests/conftest.py, BASE) has 100,000 calls a month for 24 months, no discounting,
no randomness: the baseline prompts at (2,000 x 0.5 + 250 x 2.0) / 1e6 = 150 USD a month; the
fine-tune trains for 10M x 5.0 / 1e6 = 50 USD plus 560 setup, ships in one month and then pays
(200 x 1.0 + 250 x 2.0) / 1e6 x 1e5 = 70 USD a month and 20 of maintenance; RAG pays
2 + 300 + 50 in month 1, 50.2 a month later, and (500 x 0.5 + 250 x 2.0 + 50 x 0.1) / 1e6 x 1e5
= 75.5 USD a month once shipped. Each test derives its own sums from these.
"""

import copy

import numpy as np
import pytest

from tests.conftest import (
    FINETUNED_MONTHLY,
    PROMPT_MONTHLY,
    RAG_FIRST_MONTH_FIXED,
    RAG_LATER_FIXED,
    RAG_MONTHLY,
    TRAINING_RUN,
    configure,
    run_config,
    write_sheet,
)

CENT = 0.005
H = 24
CALLS = 100_000
MONTHS = np.arange(1, H + 1)
FIRST_ATTEMPT = TRAINING_RUN + 560.0  # training plus setup, month 1
MAINTENANCE = 20.0
DEFAULT_ROUTES = {"prompt": {"kind": "prompt"}, "finetune": {"kind": "finetune"}, "rag": {"kind": "rag"}}


def discounted(bills, rate):
    """The cumulative cost at the horizon of month-by-month bills (month 1 first)."""
    bills = np.asarray(bills, dtype=float)
    return float(np.sum(bills * (1 + rate) ** (-(np.arange(bills.size)) / 12)))


def by_name(settings, simulation):
    """Each route's horizon cost (the first scenario's: every scenario is the same), by name."""
    assert np.ptp(simulation.cost, axis=0).max() == 0  # nothing random
    return {route.name: float(simulation.cost[0, r]) for r, route in enumerate(settings.routes)}


def column(settings, name):
    return [route.name for route in settings.routes].index(name)


def test_a_second_prompt_route_on_a_cheaper_sheet(tmp_path):
    # the cheaper sheet halves both prices: (2,000 x 0.25 + 250 x 1.0) / 1e6 x 1e5 = 75 USD a month
    conf_dir = write_sheet(tmp_path, "cheap", base_input=0.25, base_output=1.0)
    routes = {**DEFAULT_ROUTES, "cheap": {"kind": "prompt", "pricing": "cheap"}}
    settings, sim = run_config(configure(routes=routes), conf_dir=conf_dir)
    costs = by_name(settings, sim)
    cheap = column(settings, "cheap")
    assert settings.baseline == 0 and settings.routes[cheap].sheet == "cheap"
    assert costs["cheap"] == pytest.approx(75.0 * H, abs=CENT)  # 1,800
    # the baseline and the default routes are the fixture's: 3,600; 610 + 150 + 90 x 23 = 2,830;
    # 352 + 150 + 125.7 x 23 = 3,393.1
    assert costs["prompt"] == pytest.approx(3600.0, abs=CENT)
    assert costs["finetune"] == pytest.approx(2830.0, abs=CENT)
    assert costs["rag"] == pytest.approx(3393.1, abs=CENT)
    # 75 m < 150 m from month 1: paid back and beating from the first month; no fixed part
    assert (sim.payback[:, cheap] == 1).all() and (sim.beats[cheap] == settings.scenarios).all()
    np.testing.assert_allclose(sim.cost_fixed[:, cheap], 0.0, atol=CENT)
    np.testing.assert_allclose(sim.cost_slope[:, cheap], 75.0 * H / CALLS, rtol=1e-12)


def test_a_lora_route_ships_on_the_baselines_bill_then_pays_its_own_sheet(tmp_path):
    # The LoRA's dedicated sheet prompts its own base model at 0.1 / 0.1 USD per 1M: a
    # shipping month that paid it would cost (2,000 + 250) x 0.1 / 1e6 x 1e5 = 22.5 USD, not
    # the baseline's 150. One replica serves 80,000 calls a month, fewer than the volume.
    conf_dir = write_sheet(tmp_path, "lora", base_input=0.1, base_output=0.1, finetuned_input=0.1,
                           finetuned_output=0.2, training=0.5, hosting_per_month=100.0,
                           replica_calls_per_month=80_000)
    routes = {**DEFAULT_ROUTES,
              "lora": {"kind": "finetune", "pricing": "lora", "finetune": {"months_to_ship": 3, "setup_cost": 100.0}}}
    settings, sim = run_config(configure(routes=routes), conf_dir=conf_dir)
    costs = by_name(settings, sim)
    lora = column(settings, "lora")
    # month 1: training 10M x 0.5 / 1e6 = 5 plus setup 100; months 1-3 the baseline's 150 each;
    # live from month 4: (200 x 0.1 + 250 x 0.2) / 1e6 x 1e5 = 7 a month, hosting 100, maintenance 20
    live = 7.0 + 100.0 + MAINTENANCE
    assert costs["lora"] == pytest.approx(105.0 + 3 * PROMPT_MONTHLY + live * (H - 3), abs=CENT)  # 3,222
    # the shared fine-tune is untouched: 610 + 150 + (70 + 20) x 23
    assert costs["finetune"] == pytest.approx(FIRST_ATTEMPT + PROMPT_MONTHLY + 90.0 * (H - 1), abs=CENT)
    # C(m) = 555 + 127 (m - 3) from month 3 against 150 m: 1,190 <= 1,200 first at month 8
    # (month 7: 1,063 > 1,050)
    assert (sim.payback[:, lora] == 8).all()
    assert sim.beats[lora].tolist() == [0] * 7 + [settings.scenarios] * (H - 7)
    # A: setup and training 105, hosting and maintenance 120 x 21; B: 450 + 7 x 21 over 1e5 calls
    np.testing.assert_allclose(sim.cost_fixed[:, lora], 105.0 + 120.0 * (H - 3), atol=CENT)
    np.testing.assert_allclose(sim.cost_slope[:, lora], (3 * PROMPT_MONTHLY + 7.0 * (H - 3)) / CALLS, rtol=1e-12)
    # 100,000 calls exceed one replica in each of the 24 months of every scenario; no other
    # route states a capacity
    n = settings.scenarios
    expected = np.zeros(len(settings.routes) + 1)
    expected[lora], expected[-1] = H * n, H * n
    np.testing.assert_array_equal(sim.totals.over_capacity, expected)


def test_prompt_caching_bills_the_prefix_read_from_cache_at_the_cached_price():
    # prefix 1,500 of 2,000 tokens, hit rate 0.8, cached 0.1 against 0.4 USD per 1M:
    # (2,000 - 0.8 x 1,500) x 0.4 + 0.8 x 1,500 x 0.1 = 320 + 120 = 440, plus 250 x 2.0 out
    # = 940 USD per 1M calls: 94 USD a month (130 without the cache)
    cfg = configure(
        workload={"prompt_prefix_tokens": 1500, "finetuned_prefix_tokens": 100, "rag_prefix_tokens": 300,
                  "cache_hit_rate": 0.8},
        pricing={"base_input": 0.4, "base_cached_input": 0.1, "finetuned_cached_input": 0.25},
    )
    settings, sim = run_config(cfg)
    costs = by_name(settings, sim)
    prompting = 94.0
    assert costs["prompt"] == pytest.approx(prompting * H, abs=CENT)  # 2,256
    # fine-tune: (200 - 80) x 1.0 + 80 x 0.25 + 500 = 640 per 1M calls, 64 a month once live;
    # its shipping month pays the baseline's cached bill, 94
    assert costs["finetune"] == pytest.approx(FIRST_ATTEMPT + prompting + (64.0 + MAINTENANCE) * (H - 1),
                                              abs=CENT)  # 2,636
    # RAG: (500 - 240) x 0.4 + 240 x 0.1 + 500 + 50 x 0.1 = 633 per 1M calls, 63.3 a month
    rag = RAG_FIRST_MONTH_FIXED + prompting + (63.3 + RAG_LATER_FIXED) * (H - 1)
    assert costs["rag"] == pytest.approx(rag, abs=CENT)  # 3,056.5


@pytest.mark.parametrize("rate", [0.0, 0.1])
def test_the_baselines_base_model_retires_for_a_successor_with_a_migration_bill(tmp_path, rate):
    # start 2027-01: month m is the m-th month of 2027. The group's sheet serves its base model
    # until 2027-06-15 (month 6); from month 7 its routes pay the successor's 0.25 / 1.0 USD per
    # 1M, (2,000 x 0.25 + 250 x 1.0) / 1e6 x 1e5 = 75 USD a month, and 500 once in month 7.
    conf_dir = write_sheet(tmp_path, "next-gen", base_input=0.25, base_output=1.0)
    routes = {**DEFAULT_ROUTES, "luna": {"kind": "prompt", "pricing": "next-gen"}}
    cfg = configure(start="2027-01", discount_rate=rate, routes=routes, prompt={"migration_cost": 500.0},
                    pricing={"base_serving_until": "2027-06-15", "base_successor": "next-gen"},
                    finetune={"mean_months_between_retrains": 5.0})
    settings, sim = run_config(cfg, conf_dir=conf_dir)
    costs = by_name(settings, sim)
    baseline = [150.0] * 6 + [75.0 + 500.0] + [75.0] * 17
    assert costs["prompt"] == pytest.approx(discounted(baseline, rate), abs=CENT)  # 2,750 undiscounted
    # a route on the successor's sheet from month 1: 75 a month, no migration
    assert costs["luna"] == pytest.approx(discounted([75.0] * H, rate), abs=CENT)  # 1,800

    # The fine-tune (bound by its own dates, none here) is live at month 2 and retrains every 5
    # months (at 7, 13 and 19, a month each): months 1, 7, 13 and 19 it serves by prompting and
    # pays what the baseline pays then, month 7's migration bill included.
    finetune = []
    for m in MONTHS:
        prompting = m in (1, 7, 13, 19)
        bill = baseline[m - 1] if prompting else FINETUNED_MONTHLY
        bill += FIRST_ATTEMPT if m == 1 else (TRAINING_RUN + 1000.0 if m in (7, 13, 19) else 0.0)
        bill += MAINTENANCE if m >= 2 else 0.0
        finetune.append(bill)
    assert costs["finetune"] == pytest.approx(discounted(finetune, rate), abs=CENT)  # 6,495 undiscounted
    assert (sim.retrains[:, column(settings, "finetune")] == 3).all()

    # RAG on the same sheet: its own base model moves at month 7 too (500 once); its embedding
    # stays its sheet's. Shipped from month 2: 75.5 a month, then (500 x 0.25 + 250 x 1.0 + 50 x 0.1)
    # / 1e6 x 1e5 = 38 a month on the successor.
    rag = [RAG_FIRST_MONTH_FIXED + PROMPT_MONTHLY] + [RAG_LATER_FIXED + RAG_MONTHLY] * 5 \
        + [RAG_LATER_FIXED + 38.0 + 500.0] + [RAG_LATER_FIXED + 38.0] * 17
    assert costs["rag"] == pytest.approx(discounted(rag, rate), abs=CENT)  # 3,218.1 undiscounted

    # A = the migration bill (discounted); B = the rest over 1e5 calls
    prompt = column(settings, "prompt")
    np.testing.assert_allclose(sim.cost_fixed[:, prompt], 500.0 * (1 + rate) ** (-6 / 12), atol=CENT)
    np.testing.assert_allclose(sim.cost_fixed + CALLS * sim.cost_slope, sim.cost, rtol=1e-12)


def test_a_rag_route_shipping_through_the_baselines_migration_pays_it_as_the_baseline_does(tmp_path):
    # As above, the baseline moves to the successor in month 7 (500 once, then 75 a month). RAG
    # takes 8 months to ship: months 1-8 it serves by prompting and pays what the baseline pays
    # then (MODEL.md, "Routes"), month 7's migration bill included, whatever its own sheet.
    conf_dir = write_sheet(tmp_path, "next-gen", base_input=0.25, base_output=1.0)
    routes = {"prompt": {"kind": "prompt"}, "rag": {"kind": "rag"}, "rag-luna": {"kind": "rag", "pricing": "next-gen"}}
    cfg = configure(start="2027-01", routes=routes, prompt={"migration_cost": 500.0}, rag={"months_to_ship": 8},
                    pricing={"base_serving_until": "2027-06-15", "base_successor": "next-gen"})
    settings, sim = run_config(cfg, conf_dir=conf_dir)
    costs = by_name(settings, sim)
    fixed = RAG_FIRST_MONTH_FIXED + RAG_LATER_FIXED * (H - 1)  # 1,506.6: index, store, re-embedding
    prompting = 6 * 150.0 + 500.0 + 2 * 75.0  # the baseline's months 1-8: 1,550
    shipped = 38.0 * (H - 8)  # 608: (500 x 0.25 + 250 x 1.0 + 50 x 0.1) / 1e6 x 1e5 a month
    # on a sheet of its own that does not retire: the baseline's bill while shipping, nothing else
    assert costs["rag-luna"] == pytest.approx(fixed + prompting + shipped, abs=CENT)  # 3,664.6
    # on the baseline's sheet: that, and its own move to the successor (500 in month 7): the
    # fallback's long prompt and RAG's own prompt are each re-validated on the new model
    assert costs["rag"] == pytest.approx(fixed + prompting + shipped + 500.0, abs=CENT)  # 4,164.6


# Adding or removing a route: every other route's numbers, bit for bit.

def uncertain_configuration(method, scenarios=2048):
    """The fixture with most inputs uncertain, a random cut and drift, under ``method``."""
    def uniform(low, high):
        return {"dist": "uniform", "low": low, "high": high}

    return configure(
        seed=3, scenarios=scenarios, sampling=method, discount_rate=0.08,
        workload={"calls_per_month": {"dist": "lognormal", "p05": 2e4, "p95": 2e6}, "volatility": 0.1,
                  "shutdown_per_year": 0.2, "prompt_tokens": uniform(1500, 2500), "prompt_prefix_tokens": 1000,
                  "cache_hit_rate": uniform(0.2, 0.9)},
        pricing={"base_input": uniform(0.3, 0.6), "base_cached_input": 0.1, "hosting_per_month": uniform(0, 300)},
        market={"cuts_per_year": 1.0, "cut_size": uniform(0.1, 0.4)},
        finetune={"setup_cost": uniform(200, 2000), "success_probability": uniform(0.4, 0.9),
                  "mean_months_between_retrains": uniform(3, 9), "retrain_interval_cv": 0.5,
                  "base_lifetime_months": uniform(6, 18), "migration_cost": uniform(1000, 5000)},
        rag={"setup_cost": uniform(100, 900), "months_to_ship": {"dist": "triangular", "low": 0, "mode": 1, "high": 3}},
        prompt={"migration_cost": uniform(100, 900)},
    )


def uncertain_sheets(conf_dir):
    """Two sheets of uncertain prices; "alt" retires its base model in month 9 for "other"."""
    def uniform(low, high):
        return {"dist": "uniform", "low": low, "high": high}

    write_sheet(conf_dir, "alt", base_input=uniform(0.2, 0.4), base_output=uniform(1.0, 1.5),
                base_cached_input=uniform(0.01, 0.05), finetuned_input=uniform(0.1, 0.3),
                finetuned_output=uniform(0.4, 0.8), training=uniform(0.3, 0.6), hosting_per_month=uniform(100, 300),
                base_serving_until="2027-09-30", base_successor="other")
    write_sheet(conf_dir, "other", base_input=uniform(0.1, 0.2), finetuned_input=uniform(0.2, 0.3),
                embedding=uniform(0.01, 0.03), hosting_per_month=500.0)
    return conf_dir


ROUTES = {**DEFAULT_ROUTES, "alt": {"kind": "prompt", "pricing": "alt"}}
CHANGES = {
    # a route of its own uncertain inputs on another sheet
    "add a LoRA on another sheet": {**ROUTES, "lora": {"kind": "finetune", "pricing": "other",
                                                       "finetune": {"setup_cost": {"dist": "uniform", "low": 100,
                                                                                   "high": 900}}}},
    # a route that reads other prices of a sheet another route is on
    "add a fine-tune on alt's sheet": {**ROUTES, "ft-alt": {"kind": "finetune", "pricing": "alt",
                                                            "finetune": {"months_to_ship": 2}}},
    # a route that migrates on its own option: the migration cost the shared options never pay
    "add a route that migrates": {**ROUTES, "moving": {"kind": "finetune", "finetune": {
        "on_platform_exit": "migrate", "successor": "other"}}},
    "add RAG on the successor's sheet": {**ROUTES, "rag-other": {"kind": "rag", "pricing": "other"}},
    "remove rag": {name: route for name, route in ROUTES.items() if name != "rag"},
    "remove finetune": {name: route for name, route in ROUTES.items() if name != "finetune"},
}
PER_ROUTE = ("cost", "cost_fixed", "cost_slope", "payback", "retrains", "attempts", "failed", "exit_month")


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    return uncertain_sheets(tmp_path_factory.mktemp("conf"))


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol", "auto"])
def test_adding_or_removing_a_route_moves_no_other_routes_numbers(method, sheets):
    cfg = {**uncertain_configuration(method), "start": "2027-01", "routes": ROUTES}
    settings, sim = run_config(copy.deepcopy(cfg), conf_dir=sheets)
    names = [route.name for route in settings.routes]
    assert sim.retrains.any() and 0 < sim.beats[names.index("alt"), -1] < settings.scenarios  # not degenerate
    for change, routes in CHANGES.items():
        other_settings, other = run_config({**copy.deepcopy(cfg), "routes": routes}, conf_dir=sheets)
        other_names = [route.name for route in other_settings.routes]
        assert other_settings.routes[other_settings.baseline].name == "prompt"
        for name in set(names) & set(other_names):
            r, s = names.index(name), other_names.index(name)
            for array in PER_ROUTE:
                assert np.array_equal(getattr(sim, array)[:, r], getattr(other, array)[:, s]), (change, name, array)
            assert np.array_equal(sim.beats[r], other.beats[s]), (change, name, "beats")
            assert np.array_equal(sim.totals.paid_back[r], other.totals.paid_back[s]), (change, name, "paid back")
        # every input both runs draw, drawn the same
        for key in set(sim.drawn_keys) & set(other.drawn_keys):
            assert np.array_equal(sim.drawn[:, sim.drawn_keys.index(key)],
                                  other.drawn[:, other.drawn_keys.index(key)]), (change, key)


def test_a_successor_already_retired_when_needed_is_passed_over(tmp_path):
    # The group's sheet serves until 2027-06-15 (month 6) and names "bridge", whose own base
    # model ended 2027-03-31 (month 3), before it was needed; "bridge" names "next-gen". From
    # month 7 the baseline pays next-gen's 75 USD a month (MODEL.md: a successor's own end is
    # followed the same way), not bridge's 30, and moves once: 500 in month 7.
    write_sheet(tmp_path, "bridge", base_input=0.1, base_output=0.4, base_serving_until="2027-03-31",
                base_successor="next-gen")  # (2,000 x 0.1 + 250 x 0.4) / 1e6 x 1e5 = 30 a month
    conf_dir = write_sheet(tmp_path, "next-gen", base_input=0.25, base_output=1.0)
    cfg = configure(start="2027-01", routes={"prompt": {"kind": "prompt"}}, prompt={"migration_cost": 500.0},
                    pricing={"base_serving_until": "2027-06-15", "base_successor": "bridge"})
    settings, sim = run_config(cfg, conf_dir=conf_dir)
    assert by_name(settings, sim)["prompt"] == pytest.approx(6 * 150.0 + 500.0 + 18 * 75.0, abs=CENT)  # 2,750
    assert [(first, base_input) for first, base_input, *_ in settings.routes[0].generations] == [
        (1, "pricing.base_input"), (7, "sheets.next-gen.base_input")]


@pytest.mark.parametrize("sampling", ["mc", "auto"])
def test_routes_that_cost_the_same_to_the_cent_leave_one_cheapest_the_baseline_first(sampling, tmp_path):
    # two prompt routes on one sheet cost the same in every scenario (3,600 USD): the tie
    # is the baseline's, so P(cheapest) still sums to 1 and the baseline stays the cheapest;
    # between two others of equal cost it goes to the one listed first
    routes = {"copy": {"kind": "prompt"}, "prompt": {"kind": "prompt"}, "twin": {"kind": "prompt"}}
    settings, sim = run_config(configure(routes=routes, baseline="prompt", sampling=sampling))
    costs = by_name(settings, sim)
    assert costs["copy"] == costs["prompt"] == costs["twin"] == pytest.approx(3600.0, abs=CENT)
    cheapest = dict(zip([route.name for route in settings.routes], sim.totals.cheapest_count / sim.scenarios))
    assert cheapest == pytest.approx({"copy": 0.0, "prompt": 1.0, "twin": 0.0})
    conf_dir = write_sheet(tmp_path, "dear", base_input=1.0, base_output=4.0)
    settings, sim = run_config(configure(routes={**routes, "dear": {"kind": "prompt", "pricing": "dear"}},
                                         baseline="dear", sampling=sampling), conf_dir=conf_dir)
    cheapest = dict(zip([route.name for route in settings.routes], sim.totals.cheapest_count / sim.scenarios))
    assert cheapest == pytest.approx({"copy": 1.0, "prompt": 0.0, "twin": 0.0, "dear": 0.0})


def test_a_tie_among_acceptable_routes_goes_to_the_baseline_too():
    # with a bar some route misses, the winner is counted apart from the cheapest: the
    # same tie rule (two prompt routes of equal cost, a fine-tune below the bar)
    routes = {"prompt": {"kind": "prompt"}, "twin": {"kind": "prompt"}, "finetune": {"kind": "finetune"}}
    settings, sim = run_config(configure(routes=routes, quality={"finetune": 0.5, "bar": 0.9}))
    names = [route.name for route in settings.routes]
    wins = dict(zip(names, sim.totals.win_count[:len(names)] / sim.scenarios))
    assert wins == pytest.approx({"prompt": 1.0, "twin": 0.0, "finetune": 0.0})
