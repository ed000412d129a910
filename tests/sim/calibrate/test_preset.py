"""The preset written from a fitted history: its figures, its comments, and that it runs."""

import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.calibrate.errors import CalibrationError
from sim.calibrate.fit import growth_interval, next_month, volatility_interval
from sim.calibrate.history import read_history
from sim.calibrate.preset import (
    SHIPPED,
    WORKLOAD_DIR,
    calibrate,
    check_name,
    default_name,
    load_base,
    preset_text,
    target,
)
from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import validate
from sim.pipeline import run
from sim.calibrate.example import gbm_path, plain_csv

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
EXACT = 1e6 * np.exp(0.03 * np.arange(12))  # V_m = 1e6 e^{0.03 (m - 1)}
ONE_CALL = {"input": 2500, "cached": 2000, "output": 250}
SUPPORT_BOT = yaml.safe_load((WORKLOAD_DIR / "support-bot.yaml").read_text())


def write_preset(tmp_path, calls=EXACT, months=MONTHS, holdout=None, name="exact.csv"):
    history = read_history(plain_csv(tmp_path / name, months, calls, ONE_CALL))
    calibration = calibrate(history, holdout=holdout)
    text = preset_text(calibration, base_name="support-bot", base=SUPPORT_BOT, command="python -m sim.calibrate x",
                       today="2026-12-14")
    return calibration, text


def with_workload(cfg, text):
    # the composed configuration with the preset as its workload, as `workload=NAME` composes it
    plain = OmegaConf.to_container(cfg)
    plain["workload"] = yaml.safe_load(text)
    return plain


def test_an_exact_12_month_history_gives_the_closed_form_preset(tmp_path):
    _, text = write_preset(tmp_path)
    preset = yaml.safe_load(text)
    assert preset["growth_per_month"] == 0.03  # exactly: no noise, g = the mean log-change
    assert preset["volatility"] == 0
    assert preset["calls_per_month"] == pytest.approx(1e6 * math.exp(0.36), rel=1e-9)
    assert (preset["prompt_tokens"], preset["prompt_prefix_tokens"], preset["output_tokens"]) == (2500, 2000, 250)
    assert preset["cache_hit_rate"] == 1
    for key in ("finetuned_prompt_tokens", "rag_prompt_tokens", "query_embedding_tokens", "shutdown_per_year"):
        assert preset[key] == SUPPORT_BOT[key]


def test_the_exact_preset_composes_and_runs(tmp_path):
    _, text = write_preset(tmp_path)
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=2000", "report=false", "start=2027-01"])
    settings = validate(with_workload(cfg, text))
    assert settings.inputs["workload.calls_per_month"].params == pytest.approx((1e6 * math.exp(0.36),), rel=1e-9)
    assert settings.inputs["workload.prompt_prefix_tokens"].params == (2000.0,)
    summary = run(settings, tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "summary.json").is_file() and summary["horizon_months"] == 24


def test_a_noisy_history_writes_the_intervals_of_its_fit(tmp_path):
    calls = gbm_path(24, 0.03, 0.1, 5e5, seed=11)
    months = [f"{2025 + (m // 12)}-{m % 12 + 1:02d}" for m in range(24)]
    calibration, text = write_preset(tmp_path, calls, months)
    fit = calibration.fit
    preset = yaml.safe_load(text)
    g_low, g_high = growth_interval(fit)
    median, low, high = next_month(fit)
    assert preset["growth_per_month"] == f"normal(p05={g_low:.6g}, p95={g_high:.6g})"
    p05, p95 = (float(x.split("=")[1]) for x in preset["calls_per_month"][len("lognormal("):-1].split(", "))
    assert (p05, p95) == pytest.approx((low, high), rel=1e-6)
    assert preset["volatility"] == float(f"{fit.volatility:.4g}")
    v_low, v_high = volatility_interval(fit)
    assert f"its 90% interval [{v_low:.3g}, {v_high:.3g}] is not drawn" in text
    # the preset's numbers are those the schema reads
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=100"])
    inputs = validate(with_workload(cfg, text)).inputs
    assert inputs["workload.growth_per_month"].quantile(0.05) == pytest.approx(g_low, rel=1e-5)
    assert inputs["workload.calls_per_month"].quantile(0.5) == pytest.approx(median, rel=1e-5)


def test_the_comment_block_keeps_the_source_and_the_fit(tmp_path):
    calls = gbm_path(24, 0.03, 0.1, 5e5, seed=11)
    months = [f"{2025 + (m // 12)}-{m % 12 + 1:02d}" for m in range(24)]
    calibration, text = write_preset(tmp_path, calls, months, holdout=6, name="team.csv")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments[1] == "# source: team.csv, 2025-01 to 2026-12, plain monthly CSV, fitted on 2026-12-14."
    assert "# months used: 24 (2025-01 to 2026-12)." in comments
    fit, result = calibration.fit, calibration.backtest
    growth = f"growth g = mean + sd^2/2 = {fit.growth:.4g} (standard error {fit.growth_se:.3g})"
    assert any(growth in c for c in comments)
    assert any(c.startswith("# Backtest (--holdout 6): fitted on 2025-01 to 2026-06, the 6 months after:"
                            f" {result.inside[0.5]} inside the 50% band, {result.inside[0.9]} inside the 90% band")
               for c in comments)
    assert "# Month 1 of a run is 2027-01, the month after the history: run with start=2027-01." in comments
    copied = ("finetuned_prompt", "rag_prompt", "query", "shutdown")
    assert all("from support-bot: a usage history does not tell it" in line
               for line in text.splitlines() if line.startswith(copied))


def test_a_history_too_erratic_for_the_model_is_refused(tmp_path):
    calls = [1e5, 1e6, 1e4, 1e6, 1e4, 1e6]
    with pytest.raises(CalibrationError, match=r"the fitted workload.volatility: 4.719 is not a number in \[0, 1\]"):
        write_preset(tmp_path, calls, MONTHS[:6])


@pytest.mark.parametrize("name", ["../x", "a/b", "", "bell\x07", ".hidden", "x\ny", "/etc/passwd"])
def test_names_that_would_leave_conf_workload_are_refused(name):
    with pytest.raises(CalibrationError, match="use letters, digits"):
        check_name(name)


def test_the_default_name_is_the_files_stem():
    assert default_name("exports/Team usage (2026).jsonl") == "Team-usage-2026-"
    assert default_name(".jsonl") == "jsonl"


def test_an_existing_or_shipped_preset_needs_force(tmp_path):
    (tmp_path / "mine.yaml").write_text("volatility: 0.1\n")
    with pytest.raises(CalibrationError, match="mine.yaml exists: pass --force"):
        target("mine", tmp_path)
    assert target("mine", tmp_path, force=True) == tmp_path / "mine.yaml"
    with pytest.raises(CalibrationError, match="support-bot is a preset payback ships"):
        target("support-bot", tmp_path)
    assert target("mine", tmp_path / "new" / "workload") == tmp_path / "new" / "workload" / "mine.yaml"
    (tmp_path / "a-file").write_text("")
    with pytest.raises(CalibrationError, match="a-file: not a directory"):
        target("mine", tmp_path / "a-file")


def test_the_shipped_presets_are_those_git_tracks():
    tracked = subprocess.run(["git", "ls-files", "conf/workload"], cwd=WORKLOAD_DIR.parents[1], capture_output=True,
                             text=True, check=True).stdout.split()
    assert sorted(Path(p).stem for p in tracked) == sorted(SHIPPED)


def test_an_unknown_base_is_refused_listing_those_there():
    with pytest.raises(CalibrationError, match=r"--base nope: no such workload preset \(available: doc-extraction,"):
        load_base("nope", [WORKLOAD_DIR])
