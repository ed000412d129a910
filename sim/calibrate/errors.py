"""The one exception of ``sim.calibrate``: input it cannot turn into a preset."""


class CalibrationError(Exception):
    """A history, an option or a name the calibration refuses; the message is one line.

    Library code raises it; only the command line (``sim.cli.calibrate``) prints it
    and exits.
    """
