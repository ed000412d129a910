"""Rank correlation between static inputs, imposed on each block by Iman–Conover.

Iman & Conover (1982) only reorders each column's draws: every marginal stays the
one drawn, to the last bit. The ranks follow van der Waerden scores whose Pearson
correlation is made exactly ``2 sin(pi rho_s / 6)`` (the normal scores' correlation
of a Spearman ``rho_s``) by a Cholesky adjustment, so the achieved Spearman
correlation is close to the target (within about 1/sqrt(n) at n scenarios a block).
"""

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from sim.inputs.distributions import InputError


@dataclass(frozen=True)
class RankCorrelation:
    """Target Spearman correlation of some static inputs.

    ``keys`` are the correlated inputs, ``columns`` their columns in the static block;
    ``spearman`` the target matrix (identity where no pair was given); ``factor`` the
    lower Cholesky factor of the normal scores' target ``2 sin(pi spearman / 6)``;
    ``pairs`` the pairs as given, ``((key_a, key_b, rank), ...)``.
    """

    keys: tuple
    columns: tuple
    spearman: np.ndarray
    factor: np.ndarray
    pairs: tuple


def parse_pairs(entries, inputs, columns, event_keys):
    """Check ``correlations`` as configured: ``((key_a, key_b, rank), ...)``.

    ``inputs`` maps keys to Distributions, ``columns`` the static inputs' keys to
    columns, ``event_keys`` the inputs drawn per event. Raises InputError naming the entry.
    """
    if not isinstance(entries, (list, tuple)):
        raise InputError("correlations", f"{entries!r} is not a list of {{inputs: [KEY_A, KEY_B], rank: r}}")
    pairs, seen = [], {}
    for i, entry in enumerate(entries):
        where = f"correlations[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"inputs", "rank"}:
            raise InputError(where, f"{entry!r} is not a mapping {{inputs: [KEY_A, KEY_B], rank: r}}")
        keys, rank = entry["inputs"], entry["rank"]
        if not isinstance(keys, (list, tuple)) or len(keys) != 2 or not all(isinstance(k, str) for k in keys):
            raise InputError(where, f"inputs: {keys!r} is not a list of two input keys")
        for key in keys:
            if key in event_keys:
                raise InputError(where, f"{key} is drawn per event, not per scenario; it cannot be correlated")
            if key not in columns:
                raise InputError(where, f"no uncertain input {key!r} (a typo?)")
            if inputs[key].is_fixed:
                raise InputError(where, f"{key} is fixed ({inputs[key].describe()}); only a distribution can be correlated")
        if keys[0] == keys[1]:
            raise InputError(where, f"{keys[0]} is paired with itself")
        # (a NaN fails the comparison)
        if isinstance(rank, bool) or not isinstance(rank, (int, float)) or not -1 < rank < 1:
            raise InputError(where, f"rank: {rank!r} is not a number in (-1, 1)")
        pair = frozenset(keys)
        if pair in seen:
            raise InputError(where, f"{keys[0]} and {keys[1]} are already paired in correlations[{seen[pair]}]")
        seen[pair] = i
        pairs.append((keys[0], keys[1], float(rank)))
    return tuple(pairs)


def rank_correlation(pairs, columns):
    """The target of ``pairs`` ``((key_a, key_b, rank), ...)``; ``columns`` maps key to column.

    Raises InputError (key ``correlations``) if the matrix is not positive definite.
    """
    keys = tuple(sorted({key for a, b, _ in pairs for key in (a, b)}, key=columns.__getitem__))
    index = {key: i for i, key in enumerate(keys)}
    spearman = np.eye(len(keys))
    for a, b, rank in pairs:
        spearman[index[a], index[b]] = spearman[index[b], index[a]] = rank
    try:
        np.linalg.cholesky(spearman)  # the matrix as given, then the scores' one
        factor = np.linalg.cholesky(2 * np.sin(math.pi * spearman / 6))
    except np.linalg.LinAlgError:
        raise InputError("correlations", f"the rank correlations of {', '.join(keys)} contradict one another"
                         " (their matrix is not positive definite)") from None
    return RankCorrelation(keys, tuple(columns[k] for k in keys), spearman, factor, tuple(pairs))


@lru_cache(maxsize=4)
def _scores(n):
    # van der Waerden scores Phi^-1(i / (n + 1)), i = 1 ... n: one block's worth
    inverse = NormalDist().inv_cdf
    scores = np.array([inverse(i / (n + 1)) for i in range(1, n + 1)])
    scores.setflags(write=False)  # shared by the pool's threads
    return scores


def impose(static, correlation, rng):
    """Reorder the correlated columns of ``static`` (float64[n, N_STATIC]) in place.

    ``rng`` (a numpy Generator) shuffles the scores: the block's own stream.
    """
    n = static.shape[0]
    if n < 2:
        return static
    scores = _scores(n)
    s = np.column_stack([rng.permutation(scores) for _ in correlation.columns])
    try:
        # whiten the scores' sample correlation, then give them the target's
        whitened = np.linalg.solve(np.linalg.cholesky(np.corrcoef(s, rowvar=False)), s.T).T
    except np.linalg.LinAlgError:  # a tiny block whose shuffles coincide: no adjustment
        whitened = s
    target = whitened @ correlation.factor.T
    for j, column in enumerate(correlation.columns):
        ranks = np.argsort(np.argsort(target[:, j], kind="stable"), kind="stable")
        static[:, column] = np.sort(static[:, column], kind="stable")[ranks]
    return static


__all__ = ["RankCorrelation", "impose", "parse_pairs", "rank_correlation"]
