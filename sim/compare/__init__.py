"""Comparing two runs, paired per scenario where they share scenarios (``python -m sim.compare``)."""
