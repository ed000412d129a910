"""The beta quantile function on the inverse-CDF grid, for PERT inputs' tables.

``betaincinv`` at every node of the grid is too slow for a dozen inputs. It runs at a few hundred anchor nodes only; the nodes between come from
a cubic Hermite interpolation with the exact slope ``1 / pdf``.
"""

import numpy as np
from scipy.special import betaincinv, betaln

from kernels.tables import GRID_SIZE, GRID_U


def _pert_anchors(scale=3.0, tolerance=1e-8):
    """Indices of the nodes where a PERT's quantile is computed by ``betaincinv``.

    Between them, the cubic Hermite interpolation's error in ``u`` is
    about ``v (step / v)^4`` up to a factor of order 1e-3 to 1e-2, ``v`` the distance
    to the nearer end; so anchors are at most ``v * min(1, scale (tolerance / v)^(1/4))``
    apart: dense near the middle's edges, one an octave in the deep tails: 237 anchors,
    and at most 1.5e-7 in ``u`` (the table's own budget is 1e-5; tested) over PERT
    shapes alpha = 1 ... 5, beta = 6 - alpha.
    """
    half = GRID_SIZE // 2  # the node u = 0.5
    chosen, last = [0, 1], GRID_U[1]  # [0, U_MIN] has no node inside: its ends are exact
    for i in range(2, half):
        v = GRID_U[i]
        if GRID_U[i + 1] - last > v * min(1.0, scale * (tolerance / v) ** 0.25):
            chosen.append(i)
            last = v
    chosen = np.array([*chosen, half])
    return np.unique(np.concatenate([chosen, GRID_SIZE - 1 - chosen]))


_PERT_ANCHORS = _pert_anchors()
_BETWEEN = np.setdiff1d(np.arange(GRID_SIZE), _PERT_ANCHORS)
# for each node between anchors, the anchor interval it lies in, and its position there
_SEGMENT = np.searchsorted(_PERT_ANCHORS, _BETWEEN) - 1
_STEP = GRID_U[_PERT_ANCHORS[_SEGMENT + 1]] - GRID_U[_PERT_ANCHORS[_SEGMENT]]
_T = (GRID_U[_BETWEEN] - GRID_U[_PERT_ANCHORS[_SEGMENT]]) / _STEP


def beta_quantiles(alpha, beta):
    """The beta(alpha, beta) quantile at every node of ``GRID_U``, in [0, 1]."""
    x = np.empty(GRID_SIZE)
    anchors = betaincinv(alpha, beta, GRID_U[_PERT_ANCHORS])
    x[_PERT_ANCHORS] = anchors
    # dQ/du = 1 / pdf(Q); every anchor used here lies strictly inside (0, 1)
    inner = anchors[1:-1]
    slope = np.empty_like(anchors)
    slope[1:-1] = np.exp(betaln(alpha, beta) - (alpha - 1) * np.log(inner) - (beta - 1) * np.log1p(-inner))
    x0, x1 = anchors[_SEGMENT], anchors[_SEGMENT + 1]
    d0, d1 = slope[_SEGMENT] * _STEP, slope[_SEGMENT + 1] * _STEP
    t = _T
    x[_BETWEEN] = (
        x0 * (1 + 2 * t) * (1 - t) ** 2 + d0 * t * (1 - t) ** 2 + x1 * t * t * (3 - 2 * t) - d1 * t * t * (1 - t)
    )
    return x


__all__ = ["beta_quantiles"]
