"""Numba kernels of payback: arrays in, arrays out; no config, no I/O.

Shared names (columns, codes) are in ``kernels.layout``, which loads no compiler.
"""
