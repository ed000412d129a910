"""Datasets round-trip through NetCDF3 where they fit and NetCDF4 where they do not."""

import pytest


def small_dataset(count):
    import numpy as np
    import xarray as xr

    return xr.Dataset(
        {
            "count": ("month", np.array([0, count], dtype=np.int64), {"units": "scenarios"}),
            "failed": ("scenario", np.array([True, False])),
            "label": ("strategy", ["prompt", "finetune"]),
        },
        attrs={"seed": 3},
    )


@pytest.mark.parametrize("count, magic", [(2**31 - 1, b"CDF"), (2**31, b"\x89HD")])
def test_datasets_go_to_netcdf3_where_they_fit_and_round_trip_either_way(tmp_path, count, magic):
    from sim.io.netcdf import read_results, write_dataset

    target = tmp_path / "results.nc"
    write_dataset(small_dataset(count), target)
    assert target.read_bytes()[:3] == magic[:3]  # NetCDF3, or the HDF5 signature of NetCDF4
    back = read_results(target)
    assert back["count"].values.tolist() == [0, count] and back["count"].attrs["units"] == "scenarios"
    assert back["failed"].values.tolist() == [True, False] and back["label"].values.tolist() == ["prompt", "finetune"]
    assert back.attrs["seed"] == 3


def test_large_datasets_go_to_netcdf4(tmp_path, monkeypatch):
    from sim.io import netcdf

    dataset = small_dataset(1)
    monkeypatch.setattr(netcdf, "NETCDF3_PREFERRED_BYTES", dataset.nbytes - 1)
    netcdf.write_dataset(dataset, tmp_path / "results.nc")
    assert (tmp_path / "results.nc").read_bytes()[:4] == b"\x89HDF"
    assert netcdf.read_results(tmp_path / "results.nc")["count"].values.tolist() == [0, 1]


def test_an_empty_dimension_after_a_variables_first_goes_to_netcdf4(tmp_path):
    # a run of one route (no challenger) wrote a results.nc that scipy could not read back
    import numpy as np
    import xarray as xr

    from sim.io.netcdf import read_results, write_dataset

    for name, dims, magic in (("first", ("challenger", "month"), b"CDF"), ("later", ("month", "challenger"), b"\x89HD")):
        dataset = xr.Dataset({"beats": (dims, np.zeros((0, 3) if dims[0] == "challenger" else (3, 0)))})
        write_dataset(dataset, tmp_path / f"{name}.nc")
        assert (tmp_path / f"{name}.nc").read_bytes()[:3] == magic
        assert read_results(tmp_path / f"{name}.nc")["beats"].dims == dims


@pytest.mark.parametrize("large", [False, True])
def test_a_signal_during_the_write_lets_the_library_finish_then_discards_the_file(tmp_path, monkeypatch, large):
    # Raised inside xarray, the signal's exception could leave a lock of xarray's held and
    # its own cleanup waiting on it for ever; held back, it ends the write cleanly instead.
    import os
    import signal

    import xarray as xr

    from sim.io import netcdf, signals

    finished = []
    to_netcdf = xr.Dataset.to_netcdf

    def signalled_midway(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        to_netcdf(self, *args, **kwargs)
        finished.append(True)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", signalled_midway)
    dataset = small_dataset(1)
    if large:
        monkeypatch.setattr(netcdf, "NETCDF3_PREFERRED_BYTES", dataset.nbytes - 1)
    handlers = {signum: signal.getsignal(signum) for signum in signals.SIGNALS}
    try:
        signals.install()
        with pytest.raises(signals.Interrupted) as stopped:
            netcdf.write_dataset(dataset, tmp_path / "results.nc")
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        signals._stop_exit_code.clear()
    assert stopped.value.code == 128 + signal.SIGTERM
    assert finished == [True]
    assert sorted(p.name for p in tmp_path.iterdir()) == []
