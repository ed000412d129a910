"""Datasets on disk: written atomically as NetCDF (3 when small, 4 when large or wide), read
back whole into memory, whatever the format."""

import numpy as np

from sim.io.files import atomic_path
from sim.io.signals import held

# NetCDF3 (64-bit offsets, written by scipy) for small Datasets: many times faster than
# NetCDF4 through h5netcdf, which must import h5py and attaches dimension scales
# variable by variable. NetCDF4 for large ones, whose arrays h5py writes as they are,
# where NetCDF3 byte-swaps each into big-endian order first, and for what NetCDF3
# cannot hold: an integer beyond int32. (Its other limit, 2 GiB a variable, lies far
# above this size.) benchmarks/run.py measures the write.
NETCDF3_PREFERRED_BYTES = 64 * 2**20
_INT32 = np.iinfo(np.int32)


def write_dataset(results, path):
    """Write a Dataset to NetCDF at ``path`` atomically: NetCDF3 if small, else NetCDF4.

    Uncompressed: random mantissas barely compress. On a default run's results.nc
    (32,768 saved rows) zlib level 4 with shuffle, in NetCDF4, saved a fifth of the
    size for a write over ten times slower. Any NetCDF reader opens either format;
    ``xarray.open_dataset(path)`` picks the engine itself.
    """
    netcdf3 = _as_netcdf3(results)
    # A signal waits for the end of the library's write (a fraction of a second for a run's
    # results.nc) and then discards it: raised inside xarray, it can land between two of the
    # locks a CombinedLock takes one by one in Python, leaving one held, and the close in
    # xarray's own cleanup then waits on it for ever (a SIGTERM test hung so once in CI).
    with atomic_path(path) as temporary, held():
        if netcdf3 is None:
            results.to_netcdf(temporary, engine="h5netcdf")
        else:
            netcdf3.to_netcdf(temporary, engine="scipy", format="NETCDF3_64BIT")


def _as_netcdf3(results):
    # NetCDF3 has no 64-bit integers: counts and indices are stored as int32 when
    # they fit. None when the Dataset is large or does not fit NetCDF3.
    if results.nbytes > NETCDF3_PREFERRED_BYTES:
        return None
    if any(0 in variable.shape[1:] for variable in results.variables.values()):
        # NetCDF3 reads a dimension of length 0 as its record dimension, which can only be a
        # variable's first: scipy writes the file and cannot read it back (a run of the
        # baseline alone has no challenger, and replicate_beats is (replicate, challenger, month))
        return None
    converted = {}
    for name, variable in results.variables.items():
        if variable.dtype == np.int64:
            if variable.size and (variable.values.min() < _INT32.min or variable.values.max() > _INT32.max):
                return None
            converted[name] = variable.astype(np.int32)
    return results.assign(converted) if converted else results


def read_results(path):
    """Open a run's ``results.nc`` (NetCDF3 or NetCDF4) fully into memory."""
    import xarray as xr  # here: the CLI imports this module before it knows it needs xarray

    with open(path, "rb") as file:
        engine = "scipy" if file.read(3) == b"CDF" else "h5netcdf"
    with xr.open_dataset(path, engine=engine) as results:
        return results.load()


__all__ = ["read_results", "write_dataset"]
