"""The start-up profile's reading of ``-X importtime`` against a hand-made excerpt."""

import pytest

from benchmarks.profile import import_times

EXCERPT = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   _io
import time:      2000 |       5000 |     numpy.core
import time:      1000 |       6000 |   numpy
import time:       300 |        300 |       pandas.core
import time:       700 |       1000 |     pandas
import time:      4000 |      11000 | xarray
import time:       250 |        250 | somethingelse
not an import line | 1 | 2
"""


def test_each_modules_own_time_goes_to_its_top_level_package():
    times = import_times(EXCERPT)
    # numpy: 2,000 + 1,000 us; pandas 300 + 700; xarray its own 4,000 only
    assert times["numpy"] == pytest.approx(0.003)
    assert times["pandas"] == pytest.approx(0.001)
    assert times["xarray"] == pytest.approx(0.004)
    assert times["other"] == pytest.approx(0.00035)  # _io and somethingelse
    assert sum(times.values()) == pytest.approx(0.00835)  # every own time counted once
