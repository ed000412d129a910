"""Drawing and running scenarios: inverse-CDF tables, scrambled Sobol' nets, the block engine over the Numba kernels, the resource estimate and the NumPy reference model."""
