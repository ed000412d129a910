# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Should we fine-tune? A decision walkthrough
#
# You run an LLM task today by prompting a base model with a long prompt. Someone
# proposes fine-tuning (a short prompt, cheaper calls, but training, maintenance and
# retraining) or retrieval (RAG). Before committing budget, this notebook puts your own
# numbers through payback and reads the answer as probabilities: how likely each option
# is to be cheaper than prompting, from which volume on, what drives it, what could
# break it, and whether to decide now.
#
# Open it with Jupyter (jupytext reads this `.py` file as a notebook) from the
# repository's root, with payback installed (`pip install -e .`).

# %%
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from hydra import compose, initialize_config_dir
from IPython.display import Image

from sim.cli.payback import CONFIG_DIR
from sim.report.pictures import drivers_tornado, line_crossing, payback_probability
from sim.pipeline import run
from sim.io.netcdf import read_results

# a new directory each time the notebook runs, as Hydra's outputs/DATE/TIME: running it
# again never meets (nor overwrites) the runs and the sweep of an earlier pass
OUT = Path("outputs") / "walkthrough" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
SCENARIOS = 20_000  # enough for intervals of about +-0.01; raise it for the final answer


def show(figure):
    """Display a matplotlib figure as a PNG (payback draws with the Agg backend)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return Image(buffer.getvalue())

# %% [markdown]
# ## 1. Your numbers
#
# Compose the configuration the way the command line does, with overrides for what you
# know. Say your team expects 1 to 4 million calls a month (a 90% interval), runs a
# 5,000-token prompt that a fine-tune would cut to about 300, and would serve the
# fine-tune from a dedicated GPU endpoint. `start` is the calendar month the decision
# begins: providers' announced ends of fine-tuning fall in months counted from it.
# Everything you do not set keeps its default (see docs/configuration.md, the
# configuration reference); check the price sheet's date before you trust it.

# %%
OURS = [
    f"scenarios={SCENARIOS}",
    "start=2026-12",
    "pricing=dedicated-lora-8b",
    "workload=support-bot",
    "workload.calls_per_month={dist:lognormal,p05:1e6,p95:4e6}",
    "workload.prompt_tokens={dist:pert,low:4000,mode:5000,high:6500}",
    "finetune.setup_cost={dist:pert,low:8000,mode:15000,high:30000}",
    "horizon_months=24",
]


def configure(*extra):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        return compose(config_name="config", overrides=[*OURS, *extra])


cfg = configure()
print(cfg.pricing.as_of, "-", cfg.pricing.source)

# %% [markdown]
# ## 2. Run it

# %%
summary = run(cfg, OUT / "ours", progress=False)
results = read_results(OUT / "ours" / "results.nc")
print(summary["headline"])
print(f"RAG: P(cheaper than prompting) = {summary['p_beats_prompt']['rag']['estimate']:.3f}")

# %% [markdown]
# ## 3. The headline picture: the probability of payback by month
#
# Each curve is the share of scenarios in which the strategy has spent less than
# prompting by that month, with its 95% interval. The dashed line is the confidence
# you asked a recommendation to reach.

# %%
show(payback_probability(results, summary["confidence"]))

# %% [markdown]
# ## 4. The line crossing: from which volume does fine-tuning pay?
#
# Every cost in a scenario is a fixed part plus a part proportional to month-1 volume,
# so one run gives each strategy's cost line over volume (top) and the chance that
# fine-tuning or RAG wins at each volume (bottom). The shaded band is the volume you
# configured; the vertical lines are the break-even volumes (p10, p50 dashed, p90).

# %%
show(line_crossing(results, summary))

# %%
break_even = summary["break_even_calls_per_month"]["finetune"]
print("break-even month-1 volume (calls/month):",
      {k: None if break_even[k] is None else round(break_even[k]) for k in ("p10", "p50", "p90")})

# %% [markdown]
# ## 5. What drives the answer?
#
# For each uncertain input, the scenarios in its lowest and highest tenth: how far
# P(fine-tuning wins) moves between them.

# %%
for row in summary["drivers"]["finetune"]["ranked"][:5]:
    print(f"{row['input']:40s} {row['p_low']:6.1%} -> {row['p_high']:6.1%}  (effect {row['effect']:+.1%})")
show(drivers_tornado(summary))

# %% [markdown]
# ## 6. Stress it: what if prices fall fast, or the fine-tune flops?
#
# Stress presets overlay a story on your configuration. All runs share the seed, so
# they share scenarios: the difference is the stress, not noise.

# %%
stressed = {}
for stress in ("none", "price-war", "finetune-flop"):
    stressed[stress] = run(configure(f"stress={stress}", "report=false"), OUT / stress, progress=False)
print(f"{'stress':15s} {'P(fine-tuning wins)':>20s} {'E[savings]':>12s} {'CVaR 5%':>12s}")
for stress, s in stressed.items():
    p, sv = s["p_beats_prompt"]["finetune"], s["savings_vs_prompt"]["finetune"]
    print(f"{stress:15s} {p['estimate']:20.3f} {sv['mean']:12,.0f} {sv['cvar05']:12,.0f}")

# %% [markdown]
# ## 7. A small sweep: where does it pay?
#
# From the shell this is `payback --multirun ...`; here the notebook runs the same
# command and reads the aggregate `sweep.nc`.

# %%
sweep_dir = OUT / "sweep"
command = [
    sys.executable, "-m", "sim", "--multirun", f"hydra.sweep.dir={sweep_dir}", "scenarios=5000",
    "report=false", "start=2026-12", "workload.calls_per_month=1e6,3e6", "pricing=dedicated-lora-8b,serverless-lora-8b",
]
done = subprocess.run(command, capture_output=True, text=True)
assert done.returncode == 0, done.stderr
sweep = read_results(sweep_dir / "sweep.nc")
print((sweep_dir / "sweep.md").read_text())
print("P(fine-tuning wins):", sweep.p_beats_prompt.sel(challenger="finetune").values.round(3).tolist())
Image(str(sweep_dir / "sweep.png"))

# %% [markdown]
# ## 8. The recommendation
#
# payback recommends the strategy with the lowest expected cost only if it is cheaper
# than each other strategy in at least `confidence` of the scenarios. Otherwise it says
# "not yet", names the input that matters most and what perfect information on the
# choice would be worth (EVPI): the most it is worth spending to learn more first.

# %%
recommendation = summary["recommendation"]
print(json.dumps({k: recommendation[k] for k in ("strategy", "probability")}))
print(recommendation["reason"])
print(f"EVPI: ${summary['evpi']:,.0f}")

# %% [markdown]
# ## 9. Several routes in one run: the real choice
#
# A real decision has more than one fine-tune on offer, each on its own price sheet.
# `routes=december-2026` is the choice of December 2026 for a support assistant that
# prompts gpt-4.1-mini today with its system prompt read from cache: a fine-tune on
# OpenAI, one on Azure, a LoRA of an open 8B model on a dedicated endpoint, or RAG.
# Every route is compared with the baseline in the same scenarios, and the dated
# calendar of each sheet (gpt-4.1-mini itself retires on 2027-01-14) is applied.

# %%
with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
    choice = compose(config_name="config", overrides=[
        "scenarios=5000", "start=2026-12", "report=false", "routes=december-2026", "workload=support-assistant"])
routes_summary = run(choice, OUT / "routes", progress=False)
print(routes_summary["headline"])
for name, route in routes_summary["routes"].items():
    cost = routes_summary["cost"][name]
    print(f"{name:10} {route['kind']:9} {route['sheet']:26} mean ${cost['mean']:>9,.0f}"
          f"  P(cheapest) {routes_summary['p_cheapest'][name]:.3f}")
for name, lifecycle in routes_summary["lifecycle"].items():
    print(f"{name}: leaves its platform in {lifecycle['platform_exit']['fraction']:.0%} of scenarios")
