"""Presenting a run: number formats, figures, the run's pictures, report.md and report.html (``python -m sim.report``)."""
