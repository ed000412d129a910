"""python -m sim.calibrate: a preset and its pictures, or one line, exit code 2 and nothing written."""

import math
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.cli.calibrate import main
from sim.calibrate.example import focus_rows, openai_pages, plain_csv, write_focus_csv, write_jsonl

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
EXACT = 1e6 * np.exp(0.03 * np.arange(12))
ONE_CALL = {"input": 2500, "cached": 2000, "output": 250}

DATA = Path(__file__).resolve().parents[1] / "calibrate" / "data"


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A working directory with conf/workload-like ``presets/``; returns (history dir, presets, pictures)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "presets").mkdir()
    return tmp_path, tmp_path / "presets", tmp_path / "pictures"


def calibrate(place, *args):
    _, presets, pictures = place
    return main([*map(str, args), "--out-dir", str(presets), "--pictures-dir", str(pictures)])


def test_an_exact_csv_becomes_a_preset_and_a_picture(place, capsys):
    root, presets, pictures = place
    path = plain_csv(root / "exact.csv", MONTHS, EXACT, ONE_CALL)
    assert calibrate(place, path, "--holdout", "3") == 0
    preset = yaml.safe_load((presets / "exact.yaml").read_text())
    assert preset["calls_per_month"] == pytest.approx(1e6 * math.exp(0.36), rel=1e-9)
    assert sorted(p.name for p in pictures.iterdir()) == ["backtest.png", "forecast.png"]
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "read exact.csv: 12 months, 2026-01 to 2026-12",
        "fit: growth 0.03/month, volatility 0 (no noise); calls in 2027-01: 1,433,329",
        "tokens a call: 2,500 input (2,000 cached), 250 output",
        "backtest: of the 3 months after 2026-09, 3 inside the 50% band, 3 inside the 90% band",
    ]
    assert out[-1] == "wrote presets/exact.yaml"  # relative to the working directory


def test_the_default_pictures_go_under_outputs_calibrate_name(place):
    root, presets, _ = place
    path = plain_csv(root / "team.csv", MONTHS, EXACT, ONE_CALL)
    assert main([str(path), "--out-dir", str(presets), "--name", "bot"]) == 0
    assert (root / "outputs" / "calibrate" / "bot" / "forecast.png").is_file()


def openai_export(path, months=6, models=("gpt-4.1-mini",)):
    first = date(2026, 1, 1)
    last = date(2026, 1 + months - 1, 28)
    stream = {first + timedelta(d): 1000 for d in range((last - first).days + 1)}
    return write_jsonl(path, openai_pages({m: stream for m in models}, tokens=ONE_CALL))


def refused(place, capsys, *args):
    """Run the command; check it refused in one line with exit code 2 and wrote nothing."""
    _, presets, pictures = place
    before = sorted(presets.iterdir())
    try:
        code = calibrate(place, *args)
    except SystemExit as exit:  # refused by the argument parser
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("payback: error: "), err
    assert sorted(presets.iterdir()) == before and not pictures.exists()
    return err


def test_bad_input_is_refused_in_one_line_and_writes_nothing(place, capsys):
    root, presets, _ = place
    csv = plain_csv(root / "short.csv", MONTHS[:2], EXACT[:2], ONE_CALL)
    assert "2 months of history: the fit needs at least 4" in refused(place, capsys, csv)
    assert "not an OpenAI usage export" in refused(place, capsys, csv, "--format", "openai")
    (root / "bad.csv").write_text("month,calls,input_tokens,output_tokens\n2026-01,1e6,x,1\n")
    assert "2026-01: input_tokens: 'x' is not a number" in refused(place, capsys, root / "bad.csv")
    (root / "negative.csv").write_text("month,calls,input_tokens,output_tokens\n2026-01,-3,1,1\n")
    assert "2026-01: calls: -3 is negative" in refused(place, capsys, root / "negative.csv")
    two = openai_export(root / "two.jsonl", models=("gpt-4.1-mini", "gpt-4o-mini"))
    assert "holds 2 models (gpt-4.1-mini, gpt-4o-mini)" in refused(place, capsys, two)
    assert "--model o3: not in two.jsonl" in refused(place, capsys, two, "--model", "o3")
    focus = write_focus_csv(root / "focus.csv", focus_rows({date(2026, 1, 1) + timedelta(d): 10 for d in range(150)}))
    assert "pass --prompt-tokens N" in refused(place, capsys, focus)
    assert "--prompt-tokens is for FOCUS exports" in refused(place, capsys, two, "--prompt-tokens", "10")
    exact = plain_csv(root / "exact.csv", MONTHS, EXACT, ONE_CALL)
    assert "--holdout 9 leaves 3 of 12 months" in refused(place, capsys, exact, "--holdout", "9")
    assert "no such file" in refused(place, capsys, root / "nothing.csv")


@pytest.mark.parametrize("name", ["../x", "a/b", "", "tab\tname", ".hidden"])
def test_a_name_that_would_leave_the_directory_is_refused(place, capsys, name):
    root, _, _ = place
    exact = plain_csv(root / "exact.csv", MONTHS, EXACT, ONE_CALL)
    assert "use letters, digits" in refused(place, capsys, exact, "--name", name)


def test_an_existing_or_shipped_preset_is_kept_without_force(place, capsys):
    root, presets, _ = place
    exact = plain_csv(root / "exact.csv", MONTHS, EXACT, ONE_CALL)
    (presets / "exact.yaml").write_text("kept\n")
    assert "exact.yaml exists: pass --force" in refused(place, capsys, exact)
    assert (presets / "exact.yaml").read_text() == "kept\n"
    assert "support-bot is a preset payback ships" in refused(place, capsys, exact, "--name", "support-bot")
    assert calibrate(place, exact, "--force") == 0
    assert (presets / "exact.yaml").read_text().startswith("# Calibrated from a usage history")


@pytest.mark.slow
def test_python_m_sim_calibrate_then_payback_runs_the_preset(tmp_path):
    """The README's two commands, into a --config-dir of the test's own."""
    (tmp_path / "conf" / "workload").mkdir(parents=True)
    openai_export(tmp_path / "usage.jsonl")
    done = subprocess.run([sys.executable, "-m", "sim.calibrate", str(tmp_path / "usage.jsonl"), "--name", "mine",
                           "--out-dir", str(tmp_path / "conf" / "workload"), "--pictures-dir", str(tmp_path / "pics")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    preset = yaml.safe_load((tmp_path / "conf" / "workload" / "mine.yaml").read_text())
    assert preset["calls_per_month"] == pytest.approx(1000 * 365.25 / 12)  # 1,000 a day, an average month
    done = subprocess.run([sys.executable, "-m", "sim", f"--config-dir={tmp_path / 'conf'}", "workload=mine",
                           "scenarios=2000", "report=false", "start=2026-07", f"hydra.run.dir={tmp_path / 'run'}"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run" / "summary.json").is_file()


def test_the_readmes_example_prints_what_the_readme_shows(place, capsys):
    # the README's command on its sample (sim.calibrate.example's, as in tests/.../data), into
    # the test's directories: the same four lines of the fit
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    command = "payback-calibrate usage/openai-usage.jsonl "
    shown = readme.split(f"$ {command}")[1].split("\nwrote ")[0].splitlines()
    arguments = shown[0].split()
    _, presets, pictures = place
    assert main([str(DATA / "openai-usage.jsonl"), *arguments, "--out-dir", str(presets),
                 "--pictures-dir", str(pictures)]) == 0
    assert len(shown[1:]) == 4 and capsys.readouterr().out.splitlines()[:4] == shown[1:]
