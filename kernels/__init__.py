"""Numba kernels of payback: arrays in, arrays out; no config, no I/O."""

from kernels.scenarios import STATIC_FIELDS, STRATEGIES, simulate_block

__all__ = ["STATIC_FIELDS", "STRATEGIES", "simulate_block"]
