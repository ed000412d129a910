"""What knowing an input before choosing is worth: the expected value of partial perfect
information (EVPPI) and the values of an input at which the cheapest route changes.

``EVPPI(X) = min_k E[C_k] - E_X[min_k E[C_k | X]]`` (MODEL.md, "Outputs"), estimated from a
run's own scenarios by regressing each route's cost on ``X`` (Strong & Oakley's
regression method). Pure NumPy over the kept sample.
"""

import math

import numpy as np

Z_975 = 1.959963984540054
BATCHES = 20  # disjoint batches whose spread gives the interval
MIN_BATCH = 50  # scenarios a batch needs for its own fit of about 11 coefficients
LIMIT = 100_000  # scenarios the estimate uses at most (the first): at 10^6 kept, EVPPI costs what it does at 10^5
KNOTS = np.linspace(0.1, 0.9, 9)  # the deciles of X
RANGE = (0.005, 0.995)  # the quantiles of X thresholds are sought between
GRID = 400
QUANTILE_SAMPLE = 20_000


def evppi(costs, x, *, batches=BATCHES, limit=LIMIT):
    """EVPPI of one input or of a group, USD, with its 95% interval.

    Each route's cost is regressed by least squares on a piecewise-linear spline in
    ``X`` with knots at its deciles (columns ``1, x, (x - k_j)+``); a group of inputs
    takes each input's spline (additive) plus the pairwise products of the inputs
    (their first interaction), so an effect that needs both inputs is seen. The
    estimate is ``mean_i (f_b(x_i) - min_k f_k(x_i))``, ``b`` the route cheapest on
    average in the sample and ``f`` the fitted costs: since least squares with an
    intercept keeps each route's mean, this is ``min_k mean C_k - mean min_k f_k``,
    and it is exactly 0 when the fitted cheapest route is ``b`` everywhere (an input
    that cannot change the choice). A spline fits a linear relation exactly (costs
    are linear in month-1 volume; the fine-tune's expected cost is linear in its
    success probability) and stays linear beyond the last knot in a heavy tail. The
    estimate is clipped to ``[0, EVPI]`` of the same sample.

    The interval: the scenarios are cut into ``batches`` disjoint consecutive batches,
    each estimated on its own; the full estimate ± 1.96 × their standard deviation /
    sqrt(batches). Batches need no refitting on resamples (a bootstrap would cost 20
    times more) and need no replicates: under Latin hypercube or Sobol sampling a
    batch is not itself stratified, so the interval is conservative. A batch's own
    estimate is biased up by fitting its noise, which widens the interval too. With
    fewer than ``2 × MIN_BATCH`` scenarios there is no interval (None).

    Parameters
    ----------
    costs : float[n, routes]
        Each route's discounted cost at the horizon per scenario, USD.
    x : float[n] or float[n, p]
        The input's draws (or a group's), in the same scenarios.
    batches : int
        Batches for the interval.
    limit : int
        At most this many scenarios (the first) are used; the interval is that of
        the subsample.

    Returns
    -------
    dict
        ``{evppi, ci95}``: USD, and ``[low, high]`` USD or None.
    """
    return Costs(costs, batches=batches, limit=limit).evppi(x)


def thresholds(costs, x, names, *, limit=LIMIT):
    """Values of one input at which the route of lowest expected cost changes, the rest uncertain.

    ``E[C_k | X = x]`` is the fitted spline of ``evppi``; its lowest route is followed
    over a grid between X's 0.5% and 99.5% quantiles (with the knots among its
    points, so the fitted costs are linear between two points), and each change is
    placed where the two routes' fitted lines cross: exact where the fit is.

    Parameters
    ----------
    costs : float[n, routes]
        Discounted costs at the horizon, USD.
    x : float[n]
        The input's draws.
    names : sequence of str
        The routes' names, in the order of ``costs``' columns.

    Returns
    -------
    list of dict
        ``{value, from, to}``: the input's value (its units) and the routes' names, by value.
    """
    return Costs(costs, limit=limit).analyse(x, names)[1]


def expected_regret(costs):
    """EVPI of a sample, USD: ``mean_i (C_ib - min_k C_ik)``, ``b`` the route cheapest on average."""
    return Costs(costs, limit=None).evpi


def line_thresholds(cost_fixed, cost_slope, volume, names):
    """Month-1 volumes at which the route of lowest expected cost changes (calls/month).

    Every cost is ``A_k + V_1 B_k`` (MODEL.md, "the line crossing"), so with ``V_1``
    independent of the rest ``E[C_k | V_1 = v] = E[A_k] + v E[B_k]``: where these mean
    lines cross is exact, with no regression. A rank correlation of volume with
    another input (``correlations``) breaks the independence: use ``thresholds`` then.

    Parameters
    ----------
    cost_fixed, cost_slope : float[n, routes]
        ``A_k`` (USD) and ``B_k`` (USD per call/month) per scenario.
    volume : float[n]
        The drawn month-1 volumes (calls/month), whose 0.5%..99.5% quantiles bound the search.
    names : sequence of str
        The routes' names.
    """
    fixed = np.asarray(cost_fixed, dtype=np.float64).mean(axis=0)
    slope = np.asarray(cost_slope, dtype=np.float64).mean(axis=0)
    volume = np.asarray(volume, dtype=np.float64)
    if len(names) < 2 or volume.min() == volume.max():
        return []
    low, high = np.quantile(volume, RANGE)
    # the mean lines are straight: interpolating between two grid points is exact
    grid = np.linspace(low, high, GRID)
    return _changes(grid, (fixed[:, None] + slope[:, None] * grid[None, :]), names)


class Costs:
    """A run's costs, prepared once for the EVPPI of many inputs (see ``evppi``).

    The costs are held route by route (``float[routes, m]``) and the design input by
    input as rows (``float[columns, m]``), so that each product is one BLAS call over
    contiguous rows. Least squares goes by its normal equations: the columns are
    standardised, so the Gram matrix is well enough conditioned, and forming it is many
    times faster than an SVD of the m-row design; lstsq of the small system copes with
    repeated columns (an input of few values). The whole sample's normal equations are
    the sums of the batches'.

    Parameters
    ----------
    costs : float[n, routes]
        Discounted costs at the horizon, USD.
    batches, limit : int
        As in ``evppi`` (``limit`` None: every scenario).
    """

    def __init__(self, costs, *, batches=BATCHES, limit=LIMIT):
        self.costs = np.ascontiguousarray(np.asarray(costs, dtype=np.float64)[:limit].T)
        routes, m = self.costs.shape
        self.best = int(np.argmin(self.costs.mean(axis=1)))
        self.evpi = max(0.0, float(np.mean(self.costs[self.best] - self.costs.min(axis=0)))) if routes > 1 else 0.0
        count = min(batches, m // MIN_BATCH)
        self.edges = np.linspace(0, m, max(count, 1) + 1).astype(int)
        # each batch's route cheapest on average, the b of its own estimate
        self.batch_best = [int(np.argmin(self.costs[:, a:b].mean(axis=1)))
                           for a, b in zip(self.edges[:-1], self.edges[1:])]

    def evppi(self, x):
        """``{evppi, ci95}`` of one input ``float[n]`` or a group ``float[n, p]``, USD."""
        return self.analyse(x, None)[0]

    def analyse(self, x, names):
        """``({evppi, ci95}, thresholds)`` of one input from one regression; the thresholds
        (as ``thresholds``) only for one input and given route ``names``, else []."""
        x = np.asarray(x, dtype=np.float64)[:self.costs.shape[1]]
        x = x.reshape(len(x), -1)
        if self.costs.shape[0] < 2 or self.evpi == 0.0 or not np.any(x.max(axis=0) > x.min(axis=0)):
            return {"evppi": 0.0, "ci95": [0.0, 0.0]}, []
        basis = _Basis(x)
        design = basis(x)
        grams, moments = [], []
        for a, b in zip(self.edges[:-1], self.edges[1:]):
            grams.append(design[:, a:b] @ design[:, a:b].T)
            moments.append(design[:, a:b] @ self.costs[:, a:b].T)
        coefficients = _solve(sum(grams), sum(moments))
        estimate = max(0.0, min(_regret(coefficients.T @ design, self.best), self.evpi))
        count = len(self.edges) - 1
        if count < 2:
            interval = None
        else:
            each = [_regret(_solve(g, r).T @ design[:, a:b], best)
                    for a, b, g, r, best in zip(self.edges[:-1], self.edges[1:], grams, moments, self.batch_best)]
            half = Z_975 * float(np.std(each, ddof=1)) / math.sqrt(count)
            interval = [max(0.0, estimate - half), estimate + half]
        found = []
        if names is not None and x.shape[1] == 1:
            low, high = basis.range
            knots = basis.knots[0]
            grid = np.unique(np.concatenate([np.linspace(low, high, GRID), knots[(knots > low) & (knots < high)]]))
            found = _changes(grid, coefficients.T @ basis(grid[:, None]), names)
        return {"evppi": estimate, "ci95": interval}, found


def _regret(fitted, best):
    # mean of f_b - min_k f_k, b the route cheapest on average in the scenarios fitted:
    # exactly 0 where b is the fitted cheapest in every scenario
    return float(np.mean(fitted[best] - fitted.min(axis=0)))


def _solve(gram, moment):
    return np.linalg.lstsq(gram, moment, rcond=None)[0]


def _changes(grid, fitted, names):
    # fitted: float[routes, grid], linear between two grid points
    lowest = np.argmin(fitted, axis=0)
    found = []
    for j in np.flatnonzero(lowest[1:] != lowest[:-1]):
        a, b = int(lowest[j]), int(lowest[j + 1])
        # f_a - f_b changes sign between grid[j] and grid[j+1], linearly
        before = fitted[a, j] - fitted[b, j]
        after = fitted[a, j + 1] - fitted[b, j + 1]
        share = before / (before - after) if before != after else 0.0
        value = grid[j] + min(max(share, 0.0), 1.0) * (grid[j + 1] - grid[j])
        found.append({"value": float(value), "from": str(names[a]), "to": str(names[b])})
    return found


class _Basis:
    """The regression's columns as a function of X (rows of the design), from the sample's
    knots (deciles) and scales; ``range``: the first input's 0.5% and 99.5% quantiles."""

    def __init__(self, x):
        self.centre = x.mean(axis=0)
        scale = x.std(axis=0)
        self.scale = np.where(scale > 0, scale, 1.0)
        low, high = x.min(axis=0), x.max(axis=0)
        self.varying = np.flatnonzero(high > low)
        # one partial sort for the knots and the range, of an evenly strided subsample of at
        # most QUANTILE_SAMPLE rows: a knot need not sit on the exact decile, and the
        # partition of every row was the largest cost of an input at 10^5 scenarios
        step = max(1, len(x) // QUANTILE_SAMPLE)
        quantiles = np.quantile(x[::step], np.concatenate([KNOTS, RANGE]), axis=0)
        self.range = tuple(quantiles[-2:, 0])
        self.knots = []
        for column in range(x.shape[1]):
            knots = np.unique(quantiles[:len(KNOTS), column])
            self.knots.append(knots[(knots > low[column]) & (knots < high[column])])

    def __call__(self, x):
        standard = [(x[:, c] - self.centre[c]) / self.scale[c] for c in self.varying]
        rows = 1 + sum(1 + len(self.knots[c]) for c in self.varying) + len(standard) * (len(standard) - 1) // 2
        design = np.empty((rows, len(x)))
        design[0] = 1.0
        row = 1
        for c, z in zip(self.varying, standard):
            design[row] = z
            row += 1
            for knot in (self.knots[c] - self.centre[c]) / self.scale[c]:
                np.subtract(z, knot, out=design[row])
                np.maximum(design[row], 0.0, out=design[row])
                row += 1
        for i in range(len(standard)):
            for j in range(i + 1, len(standard)):
                np.multiply(standard[i], standard[j], out=design[row])
                row += 1
        return design
