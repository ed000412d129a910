"""Shared fixtures: a configuration with every input fixed, whose costs follow by hand.

With BASE (horizon 24 months, no discounting, no randomness):
  prompting     100,000 calls x (2000 x 0.5 + 250 x 2.0) / 1e6 = 150 USD a month
  fine-tuned    100,000 calls x ( 200 x 1.0 + 250 x 2.0) / 1e6 =  70 USD a month
  training      10M tokens x 5.0 / 1e6 = 50 USD a run; first attempt 50 + 560 setup
  RAG usage     100,000 x (500 x 0.5 + 250 x 2.0 + 50 x 0.1) / 1e6 = 75.5 USD a month
  RAG fixed     month 1: 20M x 0.1 / 1e6 = 2 + 300 setup + 50 store; then 50 + 0.1 x 2
"""

import copy
import fcntl
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from sim.inputs.validation import validate
from sim.simulation.engine import simulate

BASE = {
    "seed": 1,
    "scenarios": 4,
    "horizon_months": 24,
    "discount_rate": 0.0,
    "confidence": 0.8,
    "threads": None,
    "kept_scenarios": None,
    "save_paths": False,
    "report": True,
    "workload": {
        "calls_per_month": 100_000,
        "growth_per_month": 0.0,
        "volatility": 0.0,
        "shutdown_per_year": 0.0,
        "prompt_tokens": 2000,
        "finetuned_prompt_tokens": 200,
        "rag_prompt_tokens": 500,
        "output_tokens": 250,
        "query_embedding_tokens": 50,
    },
    "pricing": {
        "base_input": 0.5,
        "base_output": 2.0,
        "finetuned_input": 1.0,
        "finetuned_output": 2.0,
        "training": 5.0,
        "embedding": 0.1,
        "hosting_per_month": 0.0,
        "as_of": "2026-11-28",
        "source": "test fixture",
    },
    "market": {"trend_per_year": 0.0, "cuts_per_year": 0.0, "cut_size": 0.3},
    "finetune": {
        "training_tokens": 10_000_000,
        "setup_cost": 560.0,
        "months_to_ship": 1,
        "success_probability": 1.0,
        "max_attempts": 3,
        "mean_months_between_retrains": 1000.0,
        "retrain_interval_cv": 0.0,
        "retrain_cost": 1000.0,
        "retrain_months": 1,
        "base_lifetime_months": 1000.0,
        "maintenance_per_month": 20.0,
        "migration_cost": 2000.0,
        "reprice_on_retrain": True,
    },
    "rag": {
        "corpus_tokens": 20_000_000,
        "setup_cost": 300.0,
        "months_to_ship": 1,
        "vector_store_per_month": 50.0,
        "reindex_fraction_per_month": 0.1,
    },
}

# Positions of the default routes (sim.inputs.routes.DEFAULT_ROUTES) in a Simulation's route axis
PROMPT, FT, RAG = 0, 1, 2
CHALLENGERS = [FT, RAG]

PROMPT_MONTHLY = 150.0
FINETUNED_MONTHLY = 70.0
TRAINING_RUN = 50.0
RAG_MONTHLY = 75.5
RAG_FIRST_MONTH_FIXED = 2.0 + 300.0 + 50.0
RAG_LATER_FIXED = 50.0 + 0.1 * 2.0


def configure(**sections):
    """BASE with overrides: ``configure(finetune={"months_to_ship": 3}, scenarios=10)``; a section
    BASE has not (``routes``, ``prompt``) is set whole."""
    cfg = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict):
            cfg.setdefault(key, {}).update(copy.deepcopy(value))
        else:
            cfg[key] = value
    return cfg


def run_config(cfg, threads=None, **validate_options):
    """Validate and simulate a configuration dict; return (settings, Simulation)."""
    settings = validate(cfg, **validate_options)
    return settings, simulate(settings, threads=threads, progress=False)


def write_sheet(conf_dir, name, **changes):
    """Write ``conf_dir/pricing/NAME.yaml``: BASE's price sheet with ``changes``; return conf_dir."""
    sheet = {**BASE["pricing"], **changes}
    (Path(conf_dir) / "pricing").mkdir(parents=True, exist_ok=True)
    (Path(conf_dir) / "pricing" / f"{name}.yaml").write_text(yaml.safe_dump(sheet))
    return conf_dir


@pytest.fixture(autouse=True)
def _close_figures():
    # tests draw pictures to inspect them; matplotlib keeps each open until closed
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def base_config():
    return copy.deepcopy(BASE)


def fake_summary(p, recommendation="not yet"):
    """A job's summary.json as the sweep aggregate reads it, with P(win) ``p``."""
    challenger = {"estimate": p, "ci95": [max(p - 0.01, 0), min(p + 0.01, 1)]}
    savings = {"mean": 1000.0 * p, "p05": -1.0, "p50": 0.0, "p95": 2.0, "cvar05": -2000.0}
    return {
        "p_beats_prompt": {"finetune": challenger, "rag": challenger},
        "savings_vs_prompt": {"finetune": savings, "rag": savings},
        "payback_month": {"finetune": {"p50": None}, "rag": {"p50": 7}},
        "p_cheapest": {"prompt": 1 - p, "finetune": p / 2, "rag": p / 2},
        "evpi": 3.0,
        "horizon_months": 24,
        "confidence": 0.8,
        "recommendation": {"strategy": recommendation},
    }


@contextmanager
def holding_the_lock(directory, pid=4242):
    """Hold ``directory/.payback.lock`` as a running sweep's launching process does,
    with ``pid`` written in it."""
    descriptor = os.open(Path(directory) / ".payback.lock", os.O_RDWR | os.O_CREAT)
    try:
        os.write(descriptor, f"{pid}\n".encode())
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(descriptor)


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """A finished run directory with its report (2,000 scenarios, start 2026-12): read it,
    or copy it (``shutil.copytree``) to change it."""
    from hydra import compose, initialize_config_dir

    from sim.cli.payback import CONFIG_DIR
    from sim.pipeline import run

    directory = tmp_path_factory.mktemp("finished") / "run"
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=2000", "saved_scenarios=500", "start=2026-12"])
    run(cfg, directory, progress=False)
    return directory
