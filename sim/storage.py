"""Files of a run directory, each written to a temporary name and renamed into place,
so that a run killed mid-write never leaves a half-written file under the real name."""

import json
import os
from contextlib import contextmanager
from pathlib import Path

NETCDF_ENGINE = "h5netcdf"  # NetCDF4: compression and 64-bit integers


_stop_exit_code = []


def stop_publishing(exit_code):
    """Publish no further file; the next write ends the process with ``exit_code``.

    A signal handler's exception can be swallowed when it fires inside a finaliser
    (``__del__`` of an HDF5 object, say), so the handler also calls this: every
    write checks it before the rename that makes a file visible.
    """
    _stop_exit_code.append(exit_code)


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield temporary
        if _stop_exit_code:
            raise SystemExit(_stop_exit_code[0])
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(data, path):
    """Write ``data`` as indented JSON to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(data, indent=2) + "\n")


def write_dataset(results, path):
    """Write a Dataset to NetCDF4 at ``path`` atomically.

    Uncompressed: on drawn inputs and costs zlib saved about a quarter of the size
    for four times the write time (1M scenarios: 233 MB in 2.0 s against 185 MB in
    9.2 s on the 2-core development machine).
    """
    with atomic_path(path) as temporary:
        results.to_netcdf(temporary, engine=NETCDF_ENGINE)


def read_results(path):
    """Open a run's ``results.nc`` fully into memory."""
    import xarray as xr  # here: the CLI imports this module before it knows it needs xarray

    with xr.open_dataset(path, engine=NETCDF_ENGINE) as results:
        return results.load()
