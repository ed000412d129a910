"""The pictures of a calibration: the forecast fan and the backtest, titled for a budget lead."""

import numpy as np

from sim.calibrate.fit import forecast
from sim.calibrate.history import read_history
from sim.calibrate.picture import _log_ticks, backtest_figure, forecast_figure, pictures
from sim.calibrate.preset import calibrate
from sim.calibrate.example import gbm_path, plain_csv

MONTHS = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(24)]


def calibration(tmp_path, holdout=None):
    calls = gbm_path(24, 0.03, 0.1, 5e5, seed=11)
    return calibrate(read_history(plain_csv(tmp_path / "team.csv", MONTHS, calls)), holdout=holdout)


def title(fig):
    return next(t.get_text() for t in fig.texts if t.get_gid() == "title")


def test_the_forecast_shows_the_history_and_a_fan_over_the_horizon(tmp_path):
    result = calibration(tmp_path)
    fig = forecast_figure(result, 12)
    assert title(fig) == "Calls a month: the history, its fitted growth and 12 months of forecast (50% and 90% bands)"
    ax = fig.axes[0]
    history = next(line for line in ax.get_lines() if line.get_label() == "history")
    np.testing.assert_allclose(history.get_ydata(), result.history.calls)
    median = next(line for line in ax.get_lines() if line.get_label() == "forecast median")
    expected, _ = forecast(result.fit, np.arange(1, 13))
    np.testing.assert_allclose(median.get_ydata()[1:], expected)
    np.testing.assert_allclose(median.get_xdata(), np.arange(23, 36))
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["2025-01", "2025-07"]


def test_the_backtest_marks_the_months_held_out(tmp_path):
    result = calibration(tmp_path, holdout=6)
    fig = backtest_figure(result)
    assert title(fig) == "Backtest: would a fit on the earlier months have foreseen the last 6?"
    held = next(line for line in fig.axes[0].get_lines() if line.get_label() == "the 6 months held out")
    np.testing.assert_allclose(held.get_ydata(), result.history.calls[-6:])


def test_pictures_are_pngs(tmp_path):
    drawn = pictures(calibration(tmp_path, holdout=4), 24)
    assert sorted(drawn) == ["backtest.png", "forecast.png"]
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in drawn.values())
    assert list(pictures(calibration(tmp_path), 24)) == ["forecast.png"]


def test_log_ticks_are_round_and_few():
    assert _log_ticks(1e6, 3e6) == [1e6, 1.5e6, 2e6, 3e6]
    assert _log_ticks(9e4, 2.1e6) == [1e5, 2e5, 3e5, 5e5, 1e6, 2e6]
    assert len(_log_ticks(1, 1e9)) <= 8
