"""Sweeps: the plan of a multirun, its progress, the aggregate across jobs, its pictures and resuming (``python -m sim.sweep``)."""
