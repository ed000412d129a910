"""Calibration: a workload preset fitted to a team's usage history (``python -m sim.calibrate``)."""

from sim.calibrate.errors import CalibrationError
from sim.calibrate.fit import GbmFit, fit_gbm
from sim.calibrate.history import read_history
from sim.calibrate.months import MonthlyHistory
from sim.calibrate.preset import Calibration, calibrate, preset_text

__all__ = ["Calibration", "CalibrationError", "GbmFit", "MonthlyHistory", "calibrate", "fit_gbm", "preset_text",
           "read_history"]
