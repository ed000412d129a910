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
