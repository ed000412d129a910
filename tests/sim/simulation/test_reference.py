"""The Numba kernel against the independent NumPy reference of MODEL.md."""

import copy
import math

import numpy as np
import pytest

from kernels.layout import TIE_USD
from sim.inputs.validation import validate
from sim.simulation.engine import simulate
from sim.simulation.reference import simulate_reference
from sim.simulation.sampling import draw_static
from tests.conftest import BASE, CHALLENGERS, FT, configure, write_sheet


def reference(settings, seed):
    static = draw_static(settings.inputs, settings.layout, np.random.SeedSequence(seed), settings.scenarios)
    return simulate_reference(static, settings, np.random.default_rng(seed))


FIXED_CASES = {
    "plain": {},
    "ship-now": {"finetune": {"months_to_ship": 0}, "rag": {"months_to_ship": 0}},
    "ship-late": {"finetune": {"months_to_ship": 3}, "rag": {"months_to_ship": 2}},
    "all-attempts-fail": {"finetune": {"success_probability": 0.0, "max_attempts": 2, "months_to_ship": 2}},
    "retrain-cycles": {"finetune": {"mean_months_between_retrains": 4.2, "retrain_months": 2}},
    "deprecation": {"finetune": {"base_lifetime_months": 3.0}},
    "trend-pinned": {"market": {"trend_per_year": -0.12}, "finetune": {"mean_months_between_retrains": 6.0}},
    "trend-repriced": {"market": {"trend_per_year": -0.12},
                       "finetune": {"mean_months_between_retrains": 6.0, "reprice_on_retrain": False}},
    "monthly-cuts": {"market": {"cuts_per_year": 1200, "cut_size": 0.1}},
    "discounting": {"discount_rate": 0.1},
    "shutdown": {"workload": {"shutdown_per_year": 1.0}},
    "hosting": {"pricing": {"hosting_per_month": 1000.0}, "finetune": {"months_to_ship": 2}},
    "growth": {"workload": {"growth_per_month": 0.05}},
}


@pytest.mark.parametrize("case", FIXED_CASES)
def test_kernel_equals_reference_with_every_input_fixed(case):
    settings = validate(configure(**FIXED_CASES[case]))
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, 0)
    np.testing.assert_allclose(kernel.cost, numpy_run["cost"], rtol=1e-12, atol=0.005)
    np.testing.assert_array_equal(kernel.payback[:, CHALLENGERS], numpy_run["payback"][:, CHALLENGERS])
    np.testing.assert_array_equal(kernel.beats[CHALLENGERS], numpy_run["beats"][CHALLENGERS])
    for name in ("retrains", "attempts", "failed"):
        np.testing.assert_array_equal(getattr(kernel, name), numpy_run[name], err_msg=name)


def random_configuration(seed, scenarios):
    """A configuration with random, mostly uncertain inputs."""
    rng = np.random.default_rng(seed)

    def u(low, high, size=None):
        x = rng.uniform(low, high, size)
        return float(x) if size is None else [float(v) for v in x]

    def lognormal(low, high):
        p05 = u(low, high)
        return {"dist": "lognormal", "p05": p05, "p95": p05 * u(2, 10)}

    def pert(low, high):
        a, b = sorted(u(low, high, 2))
        return {"dist": "pert", "low": a, "mode": u(a, b), "high": b}

    cfg = copy.deepcopy(BASE)
    cfg.update(seed=int(seed), scenarios=scenarios, horizon_months=int(rng.integers(12, 49)),
               discount_rate=u(0, 0.15))
    cfg["workload"].update(
        calls_per_month=lognormal(1e5, 2e6), growth_per_month={"dist": "normal", "p05": -0.02, "p95": u(0, 0.08)},
        volatility=u(0, 0.3), shutdown_per_year=u(0, 0.5), prompt_tokens=pert(1500, 8000),
        finetuned_prompt_tokens=pert(100, 800), rag_prompt_tokens=pert(500, 2500), output_tokens=pert(100, 600),
    )
    cfg["pricing"].update(base_input=u(0.1, 1.0), finetuned_input=u(0.2, 2.0), hosting_per_month=u(0, 800))
    cfg["market"].update(trend_per_year=u(-0.3, 0.05), cuts_per_year=u(0, 3),
                         cut_size={"dist": "uniform", "low": 0.05, "high": u(0.2, 0.6)})
    cfg["finetune"].update(
        setup_cost=pert(2000, 40000), months_to_ship={"dist": "triangular", "low": 0, "mode": 1, "high": 3},
        success_probability={"dist": "uniform", "low": 0.3, "high": 0.95}, max_attempts=int(rng.integers(1, 4)),
        mean_months_between_retrains={"dist": "triangular", "low": 2, "mode": 6, "high": 14},
        retrain_interval_cv=u(0, 1), retrain_months=int(rng.integers(0, 3)),
        base_lifetime_months={"dist": "uniform", "low": 6, "high": 24}, maintenance_per_month=pert(0, 2000),
        reprice_on_retrain=bool(rng.integers(0, 2)),
    )
    cfg["rag"].update(setup_cost=pert(2000, 40000), months_to_ship=int(rng.integers(0, 3)))
    return cfg


def z_means(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return 0.0 if se == 0 else (a.mean() - b.mean()) / se


# Each random configuration under another sampling method: the reference draws plain
# Monte Carlo, and each method must estimate the same model.
SAMPLING = {11: "auto", 12: "mc", 13: "lhs", 21: "auto", 22: "sobol", 23: "mc"}


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_kernel_agrees_with_reference_within_monte_carlo_error(seed):
    n = 30_000
    settings = validate({**random_configuration(seed, n), "sampling": SAMPLING[seed]})
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, seed + 1000)
    assert kernel.retrains[:, FT].mean() > 0 and 0 < kernel.beats[FT, -1] < n  # nothing degenerate
    failing = {name: round(z, 2) for name, z in agreement(kernel, numpy_run, n).items() if abs(z) > 4.5}
    assert not failing, failing


def agreement(kernel, numpy_run, n):
    """z statistics of the kernel against the reference: means, probabilities, P(beats) by month."""
    checks = {
        **{f"mean cost {k}": z_means(kernel.cost[:, j], numpy_run["cost"][:, j])
           for j, k in enumerate(("prompt", "finetune", "rag"))},
        "mean retrains": z_means(kernel.retrains[:, FT], numpy_run["retrains"][:, FT]),
        "mean attempts": z_means(kernel.attempts[:, FT], numpy_run["attempts"][:, FT]),
        "P(failed)": z_means(kernel.failed[:, FT], numpy_run["failed"][:, FT]),
    }
    horizon = kernel.beats.shape[1]
    for route, k in zip(CHALLENGERS, ("finetune", "rag")):
        for m in (horizon // 2, horizon):
            p, q = kernel.beats[route, m - 1] / n, numpy_run["beats"][route, m - 1] / n
            checks[f"P({k} beats prompting by month {m})"] = z_proportions(p, q, n)
            # the kernel's totals: each scenario's own payback, or its probability when integrating
            p = kernel.totals.paid_back[route, :m].sum() / n
            q = np.mean((numpy_run["payback"][:, route] > 0) & (numpy_run["payback"][:, route] <= m))
            checks[f"P({k} paid back by month {m})"] = z_proportions(p, q, n)
    cost = numpy_run["cost"]
    for j, k in enumerate(("prompt", "finetune", "rag")):
        others = np.delete(cost, j, axis=1)
        q = np.mean((cost[:, [j]] < others - TIE_USD).all(axis=1))
        checks[f"P({k} cheapest)"] = z_proportions(kernel.totals.cheapest_count[j] / n, q, n)
        # the kernel's total counts every scenario (a conditional mean when integrating),
        # whose variance is at most the reference's: a two-sample bound
        se = math.sqrt(2 * cost[:, j].var(ddof=1) / n)
        checks[f"mean cost {k}, totals"] = 0.0 if se == 0 else (kernel.totals.cost_sum[j] / n - cost[:, j].mean()) / se
    return checks


def z_proportions(p, q, n):
    # Binomial standard errors: the kernel's estimate has at most that variance under
    # any sampling method (less with volume integrated out or stratified)
    se = math.sqrt((p * (1 - p) + q * (1 - q)) / n)
    return 0.0 if se == 0 else (p - q) / se


# With start 2027-01, a date in month m of 2027 falls in model month m.
DATED_CASES = {
    "serving-end": {"pricing": {"finetune_training_until": "2027-03-31", "finetune_serving_until": "2027-06-30",
                                "hosting_per_month": 700.0}},
    "retrain-after-cutoff": {"pricing": {"finetune_training_until": "2027-05-31"},
                             "finetune": {"mean_months_between_retrains": 5.0}},
    "month-one": {"pricing": {"finetune_training_until": "2026-12-31"}},
    "migrate": {"pricing": {"finetune_training_until": "2027-03-31", "finetune_serving_until": "2027-06-30"},
                "finetune": {"on_platform_exit": "migrate", "successor": "next", "mean_months_between_retrains": 4.0}},
    "migrate-in-month-one": {"pricing": {"finetune_serving_until": "2026-12-31"},
                             "finetune": {"on_platform_exit": "migrate", "successor": "next"}},
    "migrate-ship-now": {"pricing": {"finetune_training_until": "2027-02-28"},
                         "finetune": {"on_platform_exit": "migrate", "successor": "next", "months_to_ship": 0,
                                      "retrain_months": 0, "mean_months_between_retrains": 3.0}},
}


def successor_sheets(conf_dir):
    """A successor with other prices, fee and its own calendar (it ends in month 16)."""
    return write_sheet(conf_dir, "next", finetuned_input=0.6, finetuned_output=1.5, training=8.0,
                       hosting_per_month=300.0, finetune_training_until="2027-12-31",
                       finetune_serving_until="2028-04-30")


@pytest.mark.parametrize("case", DATED_CASES)
def test_kernel_equals_reference_on_the_provider_calendar(case, tmp_path):
    settings = validate(configure(start="2027-01", **copy.deepcopy(DATED_CASES[case])),
                        conf_dir=successor_sheets(tmp_path))
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, 0)
    assert (kernel.exit_month[:, FT] > 0).all()
    np.testing.assert_allclose(kernel.cost, numpy_run["cost"], rtol=1e-12, atol=0.005)
    np.testing.assert_array_equal(kernel.payback[:, CHALLENGERS], numpy_run["payback"][:, CHALLENGERS])
    for name in ("retrains", "attempts", "failed", "exit_month", "migrated", "exited"):
        np.testing.assert_array_equal(getattr(kernel, name), numpy_run[name], err_msg=name)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_kernel_agrees_with_reference_on_random_dated_configurations(seed, tmp_path):
    n = 20_000
    cfg = {**random_configuration(seed, n), "sampling": SAMPLING[seed]}
    rng = np.random.default_rng(seed)
    training_month, serving_month = sorted(rng.integers(1, cfg["horizon_months"] + 1, 2))
    cfg["start"] = "2027-01"
    cfg["pricing"].update(finetune_training_until=f"{2027 + (training_month - 1) // 12}-{(training_month - 1) % 12 + 1:02d}-15",
                          finetune_serving_until=f"{2027 + (serving_month - 1) // 12}-{(serving_month - 1) % 12 + 1:02d}-28")
    migrate = seed != 21
    cfg["finetune"].update(on_platform_exit="migrate" if migrate else "prompt", successor="open" if migrate else None,
                           migration_cost={"dist": "pert", "low": 1000, "mode": 5000, "high": 20000})
    conf_dir = write_sheet(tmp_path, "open", finetuned_input={"dist": "uniform", "low": 0.3, "high": 1.2},
                           hosting_per_month=400.0, finetune_serving_until="2029-06-30")
    settings = validate(cfg, conf_dir=conf_dir)
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, seed + 1000)
    exit_month = kernel.exit_month[:, FT]
    checks = {
        **agreement(kernel, numpy_run, n),
        "P(exit)": z_means(exit_month > 0, numpy_run["exit_month"][:, FT] > 0),
        "mean exit month": z_means(exit_month[exit_month > 0],
                                   numpy_run["exit_month"][:, FT][numpy_run["exit_month"][:, FT] > 0]),
        "P(migrated)": z_means(kernel.migrated[:, FT], numpy_run["migrated"][:, FT]),
        "P(prompting for good)": z_means(kernel.exited[:, FT], numpy_run["exited"][:, FT]),
    }
    assert 0 < (exit_month > 0).mean() < 1  # the calendar binds in some scenarios, not all
    assert kernel.migrated[:, FT].any() == migrate
    failing = {name: round(z, 2) for name, z in checks.items() if abs(z) > 4.5}
    assert not failing, failing


# Routes (MODEL.md, "Routes", "Prompt caching", "The baseline's own calendar"): several of
# each kind on their own sheets. With start 2027-01, month m of the horizon is month m of 2027
# (then 2028 ...); a sheet's dates are written for a month so.

def day_of_month(month, day=15):
    """An ISO date in month ``month`` counted from 2027-01 (month 1)."""
    return f"{2027 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}-{day:02d}"


FIXED_ROUTE_CASES = {
    # a cheaper prompt route, a LoRA on its own sheet with a replica's capacity, RAG on another
    "sheets": {"routes": {"prompt": {"kind": "prompt"}, "cheap": {"kind": "prompt", "pricing": "cheap"},
                          "lora": {"kind": "finetune", "pricing": "lora",
                                   "finetune": {"months_to_ship": 3, "setup_cost": 100.0}},
                          "rag-cheap": {"kind": "rag", "pricing": "cheap", "rag": {"months_to_ship": 2}}}},
    # caching on every kind, a route's own prompt and prefix
    "caching": {"workload": {"prompt_prefix_tokens": 1500, "finetuned_prefix_tokens": 100, "rag_prefix_tokens": 300,
                             "cache_hit_rate": 0.8},
                "pricing": {"base_input": 0.4, "base_cached_input": 0.1, "finetuned_cached_input": 0.25},
                "routes": {"prompt": {"kind": "prompt"}, "finetune": {"kind": "finetune"}, "rag": {"kind": "rag"},
                           "long": {"kind": "prompt", "workload": {"prompt_tokens": 4000, "prompt_prefix_tokens": 3500}},
                           "cheap-ft": {"kind": "finetune", "pricing": "cheap"}}},
    # the baseline's base model retires in month 6, its successor's in month 14; RAG ships
    # through the first move; a fine-tune retrains through it; a prompt route on the middle sheet
    "base calendar": {"pricing": {"base_serving_until": day_of_month(6), "base_successor": "cheap"},
                      "prompt": {"migration_cost": 500.0}, "discount_rate": 0.1,
                      "finetune": {"mean_months_between_retrains": 5.0},
                      "rag": {"months_to_ship": 8},
                      "routes": {"prompt": {"kind": "prompt"}, "finetune": {"kind": "finetune"}, "rag": {"kind": "rag"},
                                 "on-cheap": {"kind": "prompt", "pricing": "cheap"}}},
    # a fine-tune that leaves its platform in month 4 and migrates, another that fails
    "exits": {"routes": {"prompt": {"kind": "prompt"},
                         "dated": {"kind": "finetune", "pricing": "dated",
                                   "finetune": {"on_platform_exit": "migrate", "successor": "lora",
                                                "migration_cost": 700.0}},
                         "flop": {"kind": "finetune", "finetune": {"success_probability": 0.0, "max_attempts": 2}}}},
}


def route_sheets(conf_dir):
    """Sheets for the fixed cases: "cheap" retires in month 14 for "lora"; "dated" ends fine-tuning."""
    write_sheet(conf_dir, "cheap", base_input=0.25, base_output=1.0, base_cached_input=0.05, finetuned_input=0.5,
                finetuned_cached_input=0.1, base_serving_until=day_of_month(14), base_successor="lora")
    write_sheet(conf_dir, "lora", base_input=0.1, base_output=0.1, finetuned_input=0.1, finetuned_output=0.2,
                training=0.5, hosting_per_month=100.0, replica_calls_per_month=80_000)
    write_sheet(conf_dir, "dated", hosting_per_month=300.0, finetune_training_until=day_of_month(2),
                finetune_serving_until=day_of_month(3))
    return conf_dir


@pytest.mark.parametrize("case", FIXED_ROUTE_CASES)
def test_kernel_equals_reference_on_routes_with_every_input_fixed(case, tmp_path):
    settings = validate(configure(start="2027-01", **copy.deepcopy(FIXED_ROUTE_CASES[case])),
                        conf_dir=route_sheets(tmp_path))
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, 0)
    np.testing.assert_allclose(kernel.cost, numpy_run["cost"], rtol=1e-12, atol=0.005)
    np.testing.assert_array_equal(kernel.payback, numpy_run["payback"])
    np.testing.assert_array_equal(kernel.beats, numpy_run["beats"])
    np.testing.assert_array_equal(kernel.totals.over_capacity, numpy_run["over_capacity"])
    for name in ("retrains", "attempts", "failed", "exit_month", "migrated", "exited"):
        np.testing.assert_array_equal(getattr(kernel, name), numpy_run[name], err_msg=name)


def random_routes_configuration(seed, scenarios, conf_dir):
    """A random configuration of 1 to 6 routes of random kinds on random sheets, uncertain
    inputs of their own, prompt caching, base models that retire and fine-tunes that migrate;
    with a description of what it holds."""
    rng = np.random.default_rng(seed)
    cfg = random_configuration(seed, scenarios)
    horizon = cfg["horizon_months"]
    cfg["start"] = "2027-01"

    def u(low, high):
        return float(rng.uniform(low, high))

    def maybe_uncertain(low, high):
        return {"dist": "uniform", "low": low, "high": high} if rng.random() < 0.5 else u(low, high)

    held = {"retiring": [], "caching": False, "migrating": [], "capacity": []}
    if rng.random() < 0.75:  # prompt caching: prefixes below each prompt's lowest tokens
        held["caching"] = True
        cfg["workload"].update(prompt_prefix_tokens=u(0, 1400), finetuned_prefix_tokens=u(0, 90),
                               rag_prefix_tokens=u(0, 450), cache_hit_rate=maybe_uncertain(0.1, 0.95))
        cfg["pricing"].update(base_cached_input=cfg["pricing"]["base_input"] * u(0.05, 0.9),
                              finetuned_cached_input=cfg["pricing"]["finetuned_input"] * u(0.05, 0.9))
    cfg["prompt"] = {"migration_cost": {"dist": "pert", "low": 0, "mode": 500, "high": 3000}}

    # Four sheets; a base model may retire for a later sheet (s3 never does: every chain ends)
    sheets = ["s0", "s1", "s2", "s3"]
    for i, name in enumerate(sheets):
        low = u(0.05, 0.8)
        prices = {"base_input": {"dist": "uniform", "low": low, "high": low * u(1.1, 2)} if rng.random() < 0.5 else low,
                  "base_output": maybe_uncertain(0.2, 4.0), "finetuned_input": maybe_uncertain(0.05, 1.5),
                  "finetuned_output": maybe_uncertain(0.1, 4.0), "training": maybe_uncertain(0.3, 8.0),
                  "embedding": maybe_uncertain(0.01, 0.2), "hosting_per_month": maybe_uncertain(0, 3000)}
        if rng.random() < 0.6:
            prices["base_cached_input"] = low * u(0.05, 0.9)
        if rng.random() < 0.4:
            prices["replica_calls_per_month"] = u(2e5, 2e6)
            held["capacity"].append(name)
        if 0 < i < 3 and rng.random() < 0.5:
            prices["base_serving_until"] = day_of_month(int(rng.integers(1, horizon)))
            prices["base_successor"] = sheets[int(rng.integers(i + 1, 4))]
            held["retiring"].append(name)
        if i < 3 and rng.random() < 0.4:  # a fine-tuning offer that ends
            training = int(rng.integers(1, horizon + 1))
            prices["finetune_training_until"] = day_of_month(training)
            prices["finetune_serving_until"] = day_of_month(int(rng.integers(training, horizon + 1)), 28)
        write_sheet(conf_dir, name, **prices)
    if rng.random() < 0.5:
        cfg["pricing"].update(base_serving_until=day_of_month(int(rng.integers(1, horizon))),
                              base_successor=sheets[int(rng.integers(1, 3))])
        held["retiring"].append("pricing")

    routes = {}
    for r in range(int(rng.integers(1, 7))):
        kind = "prompt" if r == 0 else str(rng.choice(["prompt", "finetune", "finetune", "rag"]))
        route = {"kind": kind}
        if rng.random() < 0.7:
            route["pricing"] = sheets[int(rng.integers(0, 4))]
        if kind == "finetune" and rng.random() < 0.6:
            own = {"setup_cost": {"dist": "pert", "low": 500, "mode": 3000, "high": 20000},
                   "success_probability": maybe_uncertain(0.3, 0.95),
                   "months_to_ship": {"dist": "triangular", "low": 0, "mode": 1, "high": 3},
                   "reprice_on_retrain": bool(rng.integers(0, 2))}
            if rng.random() < 0.5:
                own.update(on_platform_exit="migrate", migration_cost=maybe_uncertain(500, 9000),
                           successor=str(rng.choice([s for s in sheets if s != route.get("pricing", "pricing")])))
                held["migrating"].append(f"r{r}")
            route["finetune"] = own
            route["workload"] = {"finetuned_prompt_tokens": {"dist": "pert", "low": 100, "mode": 300, "high": 900}}
        if kind == "rag" and rng.random() < 0.6:
            route["rag"] = {"months_to_ship": int(rng.integers(0, 4)), "setup_cost": maybe_uncertain(1000, 30000)}
        if kind == "prompt" and rng.random() < 0.4:
            route["workload"] = {"prompt_tokens": maybe_uncertain(1500, 6000)}
        routes[f"r{r}"] = route
    cfg["routes"] = routes
    return cfg, held


def routes_agreement(kernel, numpy_run, settings, n):
    """z statistics of the kernel against the reference, route by route."""
    checks = {}
    cost = numpy_run["cost"]
    horizon = kernel.beats.shape[1]
    for r, route in enumerate(settings.routes):
        name = route.name
        checks[f"mean cost {name}"] = z_means(kernel.cost[:, r], cost[:, r])
        se = math.sqrt(2 * cost[:, r].var(ddof=1) / n)
        checks[f"mean cost {name}, totals"] = 0.0 if se == 0 else (kernel.totals.cost_sum[r] / n - cost[:, r].mean()) / se
        others = np.delete(cost, r, axis=1)
        if others.shape[1]:
            q = np.mean((cost[:, [r]] < others - TIE_USD).all(axis=1))
            checks[f"P({name} cheapest)"] = z_proportions(kernel.totals.cheapest_count[r] / n, q, n)
        # scenario-months above one replica: a per-scenario count in [0, H], its variance at most H^2 / 4
        bound = horizon / 2 * math.sqrt(2 / n)
        checks[f"months over capacity {name}"] = (kernel.totals.over_capacity[r] - numpy_run["over_capacity"][r]) / n / bound
        if route.kind == "finetune":
            for what in ("retrains", "attempts", "failed", "migrated", "exited"):
                checks[f"{what} {name}"] = z_means(getattr(kernel, what)[:, r], numpy_run[what][:, r])
            checks[f"P(exit) {name}"] = z_means(kernel.exit_month[:, r] > 0, numpy_run["exit_month"][:, r] > 0)
        if r == settings.baseline:
            continue
        for m in (horizon // 2, horizon):
            checks[f"P({name} beats by month {m})"] = z_proportions(
                kernel.beats[r, m - 1] / n, numpy_run["beats"][r, m - 1] / n, n)
            p = kernel.totals.paid_back[r, :m].sum() / n
            q = np.mean((numpy_run["payback"][:, r] > 0) & (numpy_run["payback"][:, r] <= m))
            checks[f"P({name} paid back by month {m})"] = z_proportions(p, q, n)
    checks["months alive"] = (kernel.totals.over_capacity[-1] - numpy_run["over_capacity"][-1]) / n / bound
    return checks


# Seeds whose configurations hold, between them, every kind, caching, retiring base models,
# migrating fine-tunes and dedicated replicas (asserted below), each under another method.
ROUTES_SAMPLING = {31: "auto", 34: "mc", 36: "sobol", 40: "lhs", 43: "auto", 44: "mc"}


def test_the_random_route_configurations_hold_what_they_should(tmp_path):
    settings = []
    for seed in ROUTES_SAMPLING:
        cfg, _ = random_routes_configuration(seed, 100, tmp_path / str(seed))
        settings.append(validate(cfg, conf_dir=tmp_path / str(seed)))
    routes = [route for one in settings for route in one.routes]
    assert {len(one.routes) for one in settings} >= {1, 6}
    assert {route.kind for route in routes} == {"prompt", "finetune", "rag"}
    assert any(len(route.generations) > 2 for route in routes)  # a base model and two successors
    assert any(len(one.routes[one.baseline].generations) > 1 for one in settings)  # the baseline moves
    assert any(route.kind == "rag" and len(route.generations) > 1 for route in routes)
    assert any(route.migrate for route in routes) and any(route.kind == "finetune" and route.calendar[1] <= 48
                                                          for route in routes)
    assert any(route.kind == "finetune" and route.capacity < math.inf for route in routes)
    assert any(not one.inputs["workload.cache_hit_rate"].is_fixed for one in settings)
    assert any(key.startswith("routes.") for one in settings for key in one.layout.keys)  # a route's own inputs


@pytest.mark.parametrize("seed", list(ROUTES_SAMPLING))
def test_kernel_agrees_with_reference_on_random_route_configurations(seed, tmp_path):
    n = 50_000
    cfg, held = random_routes_configuration(seed, n, tmp_path)
    settings = validate({**cfg, "sampling": ROUTES_SAMPLING[seed]}, conf_dir=tmp_path)
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, seed + 1000)
    failing = {name: round(z, 2) for name, z in routes_agreement(kernel, numpy_run, settings, n).items() if abs(z) > 5}
    assert not failing, (failing, held)


# Quality (MODEL.md, "Quality and the cost of errors"): every route's failed calls at its own
# rate or the baseline's, their cost, the winner among the acceptable routes.
QUALITY = {"prompt": 0.9, "finetune": 0.95, "rag": 0.92, "error_cost": 0.5, "bar": 0.91}
FIXED_QUALITY_CASES = {
    "ship-late": {"finetune": {"months_to_ship": 3}, "rag": {"months_to_ship": 2}},
    "all-attempts-fail": {"finetune": {"success_probability": 0.0, "max_attempts": 2, "months_to_ship": 2}},
    "retrain-cycles": {"finetune": {"mean_months_between_retrains": 4.2, "retrain_months": 2}},
    "shutdown-discounting": {"workload": {"shutdown_per_year": 1.0, "growth_per_month": 0.03}, "discount_rate": 0.1},
}


@pytest.mark.parametrize("case", FIXED_QUALITY_CASES)
def test_kernel_equals_reference_with_quality_and_every_input_fixed(case):
    settings = validate(configure(quality=QUALITY, **FIXED_QUALITY_CASES[case]))
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, 0)
    np.testing.assert_allclose(kernel.cost, numpy_run["cost"], rtol=1e-12, atol=0.005)
    np.testing.assert_allclose(kernel.error_cost, numpy_run["error_cost"], rtol=1e-12, atol=0.005)
    n = settings.scenarios
    for total in ("failed_calls", "resolved_calls", "error_cost"):
        np.testing.assert_allclose(getattr(kernel.totals, total), numpy_run[total].sum(axis=0), rtol=1e-12,
                                   err_msg=total)
    np.testing.assert_array_equal(kernel.totals.acceptable_count, numpy_run["acceptable"].sum(axis=0))
    np.testing.assert_array_equal(kernel.totals.win_count, numpy_run["win"])
    np.testing.assert_array_equal(kernel.payback[:, CHALLENGERS], numpy_run["payback"][:, CHALLENGERS])
    assert kernel.totals.win_count.sum() == n


def with_quality(cfg, seed):
    """``cfg`` with uncertain success rates (some routes' own), an uncertain error cost and a bar,
    drawn from a stream of their own (the configuration's other draws unchanged)."""
    rng = np.random.default_rng(seed + 5000)

    def rate():
        low = float(rng.uniform(0.6, 0.9))
        return {"dist": "pert", "low": low, "mode": low + 0.05, "high": min(1.0, low + float(rng.uniform(0.06, 0.1)))}

    cfg = copy.deepcopy(cfg)
    cfg["quality"] = {"prompt": rate(), "finetune": rate(), "rag": rate(),
                      "error_cost": {"dist": "uniform", "low": 0.0, "high": float(rng.uniform(0.01, 0.2))},
                      "bar": float(rng.uniform(0.65, 0.85))}
    for name, route in cfg.get("routes", {}).items():
        if rng.random() < 0.4:
            route["quality"] = {route["kind"]: rate()}
    return cfg


def quality_agreement(kernel, numpy_run, settings, n):
    """z statistics of the kernel's quality totals against the reference."""
    checks = {}
    for r, route in enumerate(settings.routes):
        name = route.name
        for total in ("failed_calls", "error_cost", "resolved_calls"):
            values = numpy_run[total][:, r]
            se = math.sqrt(2 * values.var(ddof=1) / n)
            estimate = getattr(kernel.totals, total)[r] / n
            checks[f"{total} {name}"] = 0.0 if se == 0 else (estimate - values.mean()) / se
        checks[f"mean error cost {name}"] = z_means(kernel.error_cost[:, r], numpy_run["error_cost"][:, r])
        checks[f"P({name} acceptable)"] = z_proportions(kernel.totals.acceptable_count[r] / n,
                                                         numpy_run["acceptable"][:, r].mean(), n)
        checks[f"P({name} wins)"] = z_proportions(kernel.totals.win_count[r] / n, numpy_run["win"][r] / n, n)
    checks["P(no winner)"] = z_proportions(kernel.totals.win_count[-1] / n, numpy_run["win"][-1] / n, n)
    return checks


@pytest.mark.parametrize("seed", [31, 34, 36])
def test_kernel_agrees_with_reference_on_random_configurations_with_quality(seed, tmp_path):
    n = 30_000
    cfg, held = random_routes_configuration(seed, n, tmp_path)
    settings = validate({**with_quality(cfg, seed), "sampling": ROUTES_SAMPLING[seed]}, conf_dir=tmp_path)
    kernel = simulate(settings, progress=False)
    numpy_run = reference(settings, seed + 1000)
    assert kernel.error_cost.mean() > 0 and 0 < kernel.totals.acceptable_count.sum() < n * len(settings.routes)
    checks = {**routes_agreement(kernel, numpy_run, settings, n), **quality_agreement(kernel, numpy_run, settings, n)}
    failing = {name: round(z, 2) for name, z in checks.items() if abs(z) > 5}
    assert not failing, (failing, held)
