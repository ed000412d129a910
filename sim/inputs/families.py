"""Distribution families: each one small object that knows all it takes to use it.

A family names its parameters (the way people estimate: a 90% interval for ``normal``
and ``lognormal``, ``low``/``high`` for ``uniform``, ``low``/``mode``/``high`` for
``triangular`` and ``pert``), checks them, and gives its mean, its closed-form
quantiles, NumPy samples (the reference model's), the kernel's spec parameters, its
table of quantiles on the inverse-CDF grid and scipy's frozen distribution. A family
added here is added everywhere at once; a lookup of an unknown one raises.

Parameters are a tuple in ``parameters`` order, before clipping to an input's range.
Nothing here imports scipy at module level: validating a configuration stays light.
"""

import math

import numpy as np

from kernels.layout import FIXED, LOGNORMAL, NORMAL, PERT, TRIANGULAR, UNIFORM

# scipy.stats.norm.ppf(0.95): a 90% interval spans 2 * Z95 standard deviations. A literal,
# so that validating a configuration does not import scipy.stats, which is slow to import.
Z95 = 1.6448536269514722
# scipy.stats.norm.ppf(0.999): the central 99.8% that must lie in a key's valid range.
Z999 = 3.090232306167813


class InputError(ValueError):
    """An input value that the model cannot take; ``key`` names it."""

    def __init__(self, key, message):
        super().__init__(f"{key}: {message}")
        self.key = key


def standard_normal_quantile(q):
    """The standard normal's ``q`` quantile at the levels validation uses (no scipy)."""
    known = {0.001: -Z999, 0.05: -Z95, 0.5: 0.0, 0.95: Z95, 0.999: Z999}
    if q not in known:
        raise ValueError(f"no closed-form standard normal quantile for {q!r}")
    return known[q]


def _grid():
    # the inverse-CDF grid's nodes, imported when a table is built (with the kernels)
    from kernels.tables import GRID_U

    return GRID_U


def _clamped_normal_quantiles():
    # z at every node of the grid; no finite quantile at u = 0 or 1: the ends take
    # their neighbours' (a mass of 1.1e-13 each)
    from scipy.special import ndtri

    u = _grid()
    z = np.empty(u.shape[0])
    z[1:-1] = ndtri(u[1:-1])
    z[0], z[-1] = z[1], z[-2]
    return z


class Family:
    """A distribution family; subclasses fill in each method for their parameters ``p``."""

    name = ""
    code = -1  # the kernel's family code (kernels.layout)
    parameters = ()

    def check(self, key, p):
        """Raise InputError (naming ``key``) unless ``p`` defines a distribution."""

    def mean(self, p):
        """The mean before clipping and rounding."""
        raise NotImplementedError

    def quantile(self, p, q):
        """The ``q`` quantile before clipping, in closed form."""
        raise NotImplementedError

    def sample(self, p, rng, n):
        """``n`` draws before clipping, with NumPy's samplers (the reference model's)."""
        raise NotImplementedError

    def kernel_parameters(self, p):
        """Up to four numbers the kernel's ``draw`` takes after the family code."""
        return tuple(p)

    def table(self, p):
        """The quantile at each node of the inverse-CDF grid (``kernels.tables.GRID_U``,
        ends 0 and 1 included), finite."""
        raise NotImplementedError

    def frozen(self, p):
        """The scipy.stats distribution (None for a fixed value)."""
        raise NotImplementedError

    def describe(self, p):
        """Readable form, e.g. ``pert(low=1, mode=2, high=5)``."""
        return f"{self.name}({', '.join(f'{k}={v:g}' for k, v in zip(self.parameters, p, strict=True))})"


class Fixed(Family):
    name, code, parameters = "fixed", FIXED, ("value",)

    def mean(self, p):
        return p[0]

    def quantile(self, p, q):
        return p[0]

    def sample(self, p, rng, n):
        return np.full(n, float(p[0]))

    def table(self, p):
        return np.full(_grid().shape[0], float(p[0]))

    def frozen(self, p):
        return None

    def describe(self, p):
        return f"{p[0]:g}"


class Uniform(Family):
    name, code, parameters = "uniform", UNIFORM, ("low", "high")

    def check(self, key, p):
        if not p[0] < p[1]:
            raise InputError(key, f"low ({p[0]:g}) must be below high ({p[1]:g})")

    def mean(self, p):
        return (p[0] + p[1]) / 2

    def quantile(self, p, q):
        return p[0] + q * (p[1] - p[0])

    def sample(self, p, rng, n):
        return p[0] + (p[1] - p[0]) * rng.random(n)

    def table(self, p):
        return p[0] + _grid() * (p[1] - p[0])

    def frozen(self, p):
        from scipy import stats

        return stats.uniform(loc=p[0], scale=p[1] - p[0])


class Triangular(Family):
    name, code, parameters = "triangular", TRIANGULAR, ("low", "mode", "high")

    def check(self, key, p):
        _check_low_mode_high(key, p)

    def mean(self, p):
        return sum(p) / 3

    def quantile(self, p, q):
        low, mode, high = p
        if q < (mode - low) / (high - low):
            return low + math.sqrt(q * (high - low) * (mode - low))
        return high - math.sqrt((1 - q) * (high - low) * (high - mode))

    def sample(self, p, rng, n):
        return self._quantiles(p, rng.random(n))  # by its closed-form quantile function

    def table(self, p):
        return self._quantiles(p, _grid())  # 1 - u is exact at every node of the grid

    @staticmethod
    def _quantiles(p, u):
        low, mode, high = p
        return np.where(
            u < (mode - low) / (high - low),
            low + np.sqrt(u * (high - low) * (mode - low)),
            high - np.sqrt((1.0 - u) * (high - low) * (high - mode)),
        )

    def frozen(self, p):
        from scipy import stats

        return stats.triang(c=(p[1] - p[0]) / (p[2] - p[0]), loc=p[0], scale=p[2] - p[0])


def pert_shapes(low, mode, high):
    """The beta shapes ``(alpha, beta)`` of a PERT."""
    return 1 + 4 * (mode - low) / (high - low), 1 + 4 * (high - mode) / (high - low)


class Pert(Family):
    name, code, parameters = "pert", PERT, ("low", "mode", "high")

    def check(self, key, p):
        _check_low_mode_high(key, p)

    def mean(self, p):
        return (p[0] + 4 * p[1] + p[2]) / 6

    def quantile(self, p, q):
        # the bounds of a beta, which lie in the valid range whenever its parameters do;
        # its inner quantiles would need scipy (betaincinv)
        return p[0] if q <= 0.5 else p[2]

    def sample(self, p, rng, n):
        # a rejection sampler: the beta quantile function is far slower
        return p[0] + (p[2] - p[0]) * rng.beta(*pert_shapes(*p), n)

    def kernel_parameters(self, p):
        return (p[0], p[2], *pert_shapes(*p))

    def table(self, p):
        from sim.inputs.beta_table import beta_quantiles

        return p[0] + (p[2] - p[0]) * beta_quantiles(*pert_shapes(*p))

    def frozen(self, p):
        from scipy import stats

        alpha, beta = pert_shapes(*p)
        return stats.beta(alpha, beta, loc=p[0], scale=p[2] - p[0])


def log_moments(p05, p95):
    """``(mu, sigma)`` of the log of a lognormal with 90% interval ``[p05, p95]``."""
    return (math.log(p05) + math.log(p95)) / 2, (math.log(p95) - math.log(p05)) / (2 * Z95)


class Normal(Family):
    name, code, parameters = "normal", NORMAL, ("p05", "p95")

    def check(self, key, p):
        _check_interval(key, p)

    def mean(self, p):
        return (p[0] + p[1]) / 2

    def quantile(self, p, q):
        return (p[0] + p[1]) / 2 + (p[1] - p[0]) / (2 * Z95) * standard_normal_quantile(q)

    def sample(self, p, rng, n):
        return (p[0] + p[1]) / 2 + (p[1] - p[0]) / (2 * Z95) * rng.standard_normal(n)

    def kernel_parameters(self, p):
        return ((p[0] + p[1]) / 2, (p[1] - p[0]) / (2 * Z95))

    def table(self, p):
        return (p[0] + p[1]) / 2 + (p[1] - p[0]) / (2 * Z95) * _clamped_normal_quantiles()

    def frozen(self, p):
        from scipy import stats

        return stats.norm(loc=(p[0] + p[1]) / 2, scale=(p[1] - p[0]) / (2 * Z95))


class Lognormal(Family):
    name, code, parameters = "lognormal", LOGNORMAL, ("p05", "p95")

    def check(self, key, p):
        _check_interval(key, p)
        if p[0] <= 0:
            raise InputError(key, f"lognormal needs p05 > 0, got {p[0]:g}")

    def mean(self, p):
        mu, sigma = log_moments(*p)
        return math.exp(mu + sigma * sigma / 2)

    def quantile(self, p, q):
        mu, sigma = log_moments(*p)
        return math.exp(mu + sigma * standard_normal_quantile(q))

    def sample(self, p, rng, n):
        mu, sigma = log_moments(*p)
        return np.exp(mu + sigma * rng.standard_normal(n))

    def kernel_parameters(self, p):
        return log_moments(*p)

    def table(self, p):
        mu, sigma = log_moments(*p)
        return np.exp(mu + sigma * _clamped_normal_quantiles())

    def frozen(self, p):
        from scipy import stats

        mu, sigma = log_moments(*p)
        return stats.lognorm(s=sigma, scale=math.exp(mu))


def _check_interval(key, p):
    if not p[0] < p[1]:
        raise InputError(key, f"p05 ({p[0]:g}) must be below p95 ({p[1]:g})")


def _check_low_mode_high(key, p):
    low, mode, high = p
    if not (low <= mode <= high and low < high):
        raise InputError(key, f"needs low <= mode <= high and low < high, got {low:g}, {mode:g}, {high:g}")


FIXED_FAMILY = Fixed()
# The families a user can name, by name (``fixed`` is a plain number, never named).
FAMILIES = {family.name: family for family in (Uniform(), Triangular(), Pert(), Normal(), Lognormal())}
FAMILY_PARAMETERS = {name: family.parameters for name, family in FAMILIES.items()}


def family(name):
    """The family called ``name`` (``fixed`` included); ValueError if there is none."""
    if name == FIXED_FAMILY.name:
        return FIXED_FAMILY
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown distribution family {name!r}") from None


__all__ = ["FAMILIES", "FAMILY_PARAMETERS", "Family", "InputError", "Z95", "Z999", "family", "log_moments",
           "pert_shapes"]
