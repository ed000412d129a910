"""Random variates the kernels draw: distribution specs, gamma, Wald, geometric waits,
and the volume path's shocks.

Pure: scalars, specs and per-block Generators in, numbers or filled arrays out. A
spec is ``DRAW_SPEC_LEN`` floats (``kernels.layout``): family code, four parameters,
the clip range and a whole-number flag. Every dispatch on the family code names each
family and ends in a raise: a family added halfway fails loudly instead of being
drawn as another.
"""

import math

from numba import njit

from kernels.cache import drop_stale_cache, sources_stamp
from kernels.layout import FIXED, LOGNORMAL, NORMAL, PERT, TRIANGULAR, UNIFORM  # compiled in: see _SOURCES_STAMP
from kernels.tables import clip_and_round


@njit(cache=True, nogil=True, inline="always")
def _gamma_constants(shape):
    d = shape - 1.0 / 3.0
    return d, 1.0 / math.sqrt(9.0 * d)


@njit(cache=True, nogil=True, inline="always")
def _marsaglia_tsang(d, c, rng):
    while True:
        x = rng.standard_normal()
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = rng.random()
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v
        if math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v


@njit(cache=True, nogil=True, inline="always")
def draw_gamma(shape, rng):
    """Standard gamma variate, ``shape >= 1``: Marsaglia & Tsang (2000).

    One normal and one uniform per try, a logarithm only when the squeeze fails; it
    accepts over 95% of tries for the shapes of a PERT (1 to 5).
    """
    d, c = _gamma_constants(shape)
    return _marsaglia_tsang(d, c, rng)


@njit(cache=True, nogil=True, inline="always")
def _triangular(low, mode, high, left, u):
    # inversion; ``left = (mode - low) / (high - low)`` is the CDF at the mode
    if u < left:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1.0 - u) * (high - low) * (high - mode))


@njit(cache=True, nogil=True, inline="always")
def _pert(low, high, d_alpha, c_alpha, d_beta, c_beta, rng):
    # a beta(alpha, beta) variate as a ratio of gammas, scaled to [low, high]
    g = _marsaglia_tsang(d_alpha, c_alpha, rng)
    return low + (high - low) * g / (g + _marsaglia_tsang(d_beta, c_beta, rng))


@njit(cache=True, nogil=True, inline="always")
def draw(spec, rng):
    """One draw from a spec (see ``DRAW_SPEC_LEN``), clipped to its range and rounded.

    The same number as the first of ``fill_draws`` on the same Generator.
    """
    family = int(spec[0])
    if family == FIXED:
        x = spec[1]
    elif family == UNIFORM:
        x = spec[1] + (spec[2] - spec[1]) * rng.random()
    elif family == TRIANGULAR:
        x = _triangular(spec[1], spec[2], spec[3], (spec[2] - spec[1]) / (spec[3] - spec[1]), rng.random())
    elif family == PERT:
        d_alpha, c_alpha = _gamma_constants(spec[3])
        d_beta, c_beta = _gamma_constants(spec[4])
        x = _pert(spec[1], spec[2], d_alpha, c_alpha, d_beta, c_beta, rng)
    elif family == NORMAL:
        x = spec[1] + spec[2] * rng.standard_normal()
    elif family == LOGNORMAL:
        x = math.exp(spec[1] + spec[2] * rng.standard_normal())
    else:
        raise ValueError("draw: unknown distribution family code")
    return clip_and_round(x, spec[5], spec[6], spec[7] != 0.0)


@njit(cache=True, nogil=True)
def fill_draws(spec, rng, out):
    """Fill ``out`` with independent draws from a spec, in order, from one Generator.

    The same numbers as ``draw`` called ``len(out)`` times, with the family chosen and
    its constants computed once for the whole array rather than per element.
    """
    family = int(spec[0])
    p1, p2, p3, p4 = spec[1], spec[2], spec[3], spec[4]
    low, high, whole = spec[5], spec[6], spec[7] != 0.0
    n = out.shape[0]
    if family == FIXED:
        for i in range(n):
            out[i] = clip_and_round(p1, low, high, whole)
    elif family == UNIFORM:
        for i in range(n):
            out[i] = clip_and_round(p1 + (p2 - p1) * rng.random(), low, high, whole)
    elif family == TRIANGULAR:
        left = (p2 - p1) / (p3 - p1)
        for i in range(n):
            out[i] = clip_and_round(_triangular(p1, p2, p3, left, rng.random()), low, high, whole)
    elif family == PERT:
        d_alpha, c_alpha = _gamma_constants(p3)
        d_beta, c_beta = _gamma_constants(p4)
        for i in range(n):
            out[i] = clip_and_round(_pert(p1, p2, d_alpha, c_alpha, d_beta, c_beta, rng), low, high, whole)
    elif family == NORMAL:
        for i in range(n):
            out[i] = clip_and_round(p1 + p2 * rng.standard_normal(), low, high, whole)
    elif family == LOGNORMAL:
        for i in range(n):
            out[i] = clip_and_round(math.exp(p1 + p2 * rng.standard_normal()), low, high, whole)
    else:
        raise ValueError("fill_draws: unknown distribution family code")


@njit(cache=True, nogil=True, inline="always")
def draw_wald(mean, cv, rng):
    """Inverse-Gaussian time with the given mean and coefficient of variation.

    Michael, Schucany & Haas (1976): one normal and one uniform per draw. ``cv = 0``
    returns the mean and consumes no random numbers.
    """
    if cv <= 0.0:
        return mean
    shape = mean / (cv * cv)
    y = rng.standard_normal()
    y = y * y
    x = mean + mean * mean * y / (2.0 * shape) - mean / (2.0 * shape) * math.sqrt(
        4.0 * mean * shape * y + mean * mean * y * y
    )
    if rng.random() <= mean / (mean + x):
        return x
    return mean * mean / x


@njit(cache=True, nogil=True, inline="always")
def months_until(log_stay, u, cap):
    """Whole months ``k >= 0`` before an event happens, ``log_stay = log(1 - p)``.

    Geometric by inversion of one uniform ``u`` in [0, 1): P(k >= j) = (1 - p)^j, ``p``
    the monthly probability. Taking ``log(1 - p)`` spares the caller a power and the
    function a logarithm. One draw per event instead of one per month; ``cap`` bounds
    the answer.
    """
    if log_stay == -math.inf:  # p = 1
        return 0
    if log_stay >= 0.0:  # p = 0
        return cap
    k = math.floor(math.log1p(-u) / log_stay)
    return cap if k >= cap else int(k)


@njit(cache=True, nogil=True)
def fill_environment(rng, shutdown_draw, shocks):
    """Draw each scenario's shutdown uniform, then its ``shocks.shape[1]`` volume shocks.

    Always the same count per scenario, whatever happens on its path: a change to
    any other input never shifts whose shocks are whose (common random numbers).
    ``shocks`` receives standard normals ``Z_m``; the caller turns them into volume
    ratios ``exp(g - sigma^2 / 2 + sigma Z_m)`` with NumPy's vectorised ``exp``, which
    is several times faster than a scalar ``exp`` inside the month loop.
    """
    for i in range(shocks.shape[0]):
        shutdown_draw[i] = rng.random()
        for m in range(shocks.shape[1]):
            shocks[i, m] = rng.standard_normal()


_SOURCES_STAMP = sources_stamp(__file__, ("layout.py", "tables.py"))


@njit(cache=True)
def _compiled_stamp():
    return _SOURCES_STAMP


drop_stale_cache(globals(), _compiled_stamp, _SOURCES_STAMP)


__all__ = ["draw", "draw_gamma", "draw_wald", "fill_draws", "fill_environment", "months_until"]
