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
    return simulate_reference(
        static, settings.inputs["market.cut_size"], settings.inputs["finetune.base_lifetime_months"],
        settings.horizon_months, settings.discount_rate, settings.reprice_on_retrain,
        np.random.default_rng(seed), settings.calendar, settings.migrate_on_exit,
    )


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
    np.testing.assert_array_equal(kernel.payback[:, CHALLENGERS], numpy_run["payback"])
    np.testing.assert_array_equal(kernel.beats[CHALLENGERS], numpy_run["beats"])
    for name in ("retrains", "attempts", "failed"):
        np.testing.assert_array_equal(getattr(kernel, name)[:, FT], numpy_run[name], err_msg=name)


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
        "mean retrains": z_means(kernel.retrains[:, FT], numpy_run["retrains"]),
        "mean attempts": z_means(kernel.attempts[:, FT], numpy_run["attempts"]),
        "P(failed)": z_means(kernel.failed[:, FT], numpy_run["failed"]),
    }
    horizon = kernel.beats.shape[1]
    for j, k in enumerate(("finetune", "rag")):
        route = CHALLENGERS[j]
        for m in (horizon // 2, horizon):
            p, q = kernel.beats[route, m - 1] / n, numpy_run["beats"][j, m - 1] / n
            checks[f"P({k} beats prompting by month {m})"] = z_proportions(p, q, n)
            # the kernel's totals: each scenario's own payback, or its probability when integrating
            p = kernel.totals.paid_back[route, :m].sum() / n
            q = np.mean((numpy_run["payback"][:, j] > 0) & (numpy_run["payback"][:, j] <= m))
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
    np.testing.assert_array_equal(kernel.payback[:, CHALLENGERS], numpy_run["payback"])
    for name in ("retrains", "attempts", "failed", "exit_month", "migrated", "exited"):
        np.testing.assert_array_equal(getattr(kernel, name)[:, FT], numpy_run[name], err_msg=name)


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
        "P(exit)": z_means(exit_month > 0, numpy_run["exit_month"] > 0),
        "mean exit month": z_means(exit_month[exit_month > 0], numpy_run["exit_month"][numpy_run["exit_month"] > 0]),
        "P(migrated)": z_means(kernel.migrated[:, FT], numpy_run["migrated"]),
        "P(prompting for good)": z_means(kernel.exited[:, FT], numpy_run["exited"]),
    }
    assert 0 < (exit_month > 0).mean() < 1  # the calendar binds in some scenarios, not all
    assert kernel.migrated[:, FT].any() == migrate
    failing = {name: round(z, 2) for name, z in checks.items() if abs(z) > 4.5}
    assert not failing, failing
