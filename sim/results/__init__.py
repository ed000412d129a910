"""A run's results: the Dataset results.nc holds, its summary, and what a results.nc must hold to be read back."""
