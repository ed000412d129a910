"""Distribution families: each one object, none half-added, no silent fall-through."""

import numpy as np
import pytest

from kernels.layout import DRAW_SPEC_LEN
from kernels.variates import draw, fill_draws
from sim.inputs.families import FAMILIES, FIXED_FAMILY, family

# A representative parameter set per family
EXAMPLES = {"uniform": (2.0, 6.0), "triangular": (2.0, 3.0, 6.0), "pert": (2.0, 3.0, 6.0),
            "normal": (2.0, 6.0), "lognormal": (2.0, 6.0)}


def test_every_family_has_an_example_and_a_distinct_kernel_code():
    assert set(EXAMPLES) == set(FAMILIES)
    codes = [f.code for f in (*FAMILIES.values(), FIXED_FAMILY)]
    assert len(set(codes)) == len(codes) and min(codes) >= 0


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_family_implements_every_use(name):
    # mean, quantiles, samples, kernel spec, table and scipy all agree on one distribution
    kind, p = family(name), EXAMPLES[name]
    frozen = kind.frozen(p)
    assert kind.mean(p) == pytest.approx(frozen.mean(), rel=1e-12)
    if name != "pert":  # PERT's closed-form quantile is only its bounds
        assert kind.quantile(p, 0.05) == pytest.approx(frozen.ppf(0.05), rel=1e-12)
    draws = kind.sample(p, np.random.default_rng(1), 20_000)
    assert abs(draws.mean() - frozen.mean()) < 5 * frozen.std() / np.sqrt(draws.size)
    table = kind.table(p)
    assert np.all(np.isfinite(table)) and table[table.size // 2] == pytest.approx(frozen.median(), rel=1e-6)
    spec = np.zeros(DRAW_SPEC_LEN)
    spec[0], spec[5], spec[6] = kind.code, -np.inf, np.inf  # unclipped
    spec[1 : 1 + len(kind.kernel_parameters(p))] = kind.kernel_parameters(p)
    compiled = np.empty(20_000)
    fill_draws(spec, np.random.default_rng(2), compiled)
    assert abs(compiled.mean() - frozen.mean()) < 5 * frozen.std() / np.sqrt(compiled.size)


def test_an_unknown_family_is_refused_in_python_and_in_the_kernel():
    with pytest.raises(ValueError, match="unknown distribution family 'weibull'"):
        family("weibull")
    spec = np.zeros(DRAW_SPEC_LEN)
    spec[0] = 99  # a code no family has
    with pytest.raises(ValueError, match="unknown distribution family code"):
        draw(spec, np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown distribution family code"):
        fill_draws(spec, np.random.default_rng(0), np.empty(3))
