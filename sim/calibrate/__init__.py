"""Calibration: a workload preset fitted to a team's usage history (``python -m sim.calibrate``)."""

from sim.calibrate.errors import CalibrationError
from sim.calibrate.fit import GbmFit, fit_gbm
from sim.calibrate.history import MonthlyHistory, read_history

__all__ = ["CalibrationError", "GbmFit", "MonthlyHistory", "fit_gbm", "read_history"]
