"""Counting, over a grid of month-1 volumes, which strategy each scenario's cost line favours.

Every scenario's horizon cost is a line ``A_k + V * B_k`` in its month-1 volume ``V``
(MODEL.md, "the line crossing"). Pure: arrays in, preallocated arrays filled.
"""

from numba import njit


@njit(cache=True, nogil=True)
def count_by_volume(cost_fixed, cost_slope, volumes, beats_prompt, cheapest):
    """Count scenarios that beat prompting, and that are cheapest, at each volume.

    Parameters
    ----------
    cost_fixed, cost_slope : float64[n, 3]
        ``A`` (USD) and ``B`` (USD per call/month) of prompt, fine-tune, RAG.
    volumes : float64[G]
        Month-1 volumes, calls per month.
    beats_prompt : int64[2, G]
        Out: scenarios with ``C_k(V) < C_prompt(V)``, fine-tune and RAG.
    cheapest : int64[3, G]
        Out: scenarios whose cheapest strategy at ``V`` is k (the first on ties,
        as ``argmin``).
    """
    beats_prompt[:] = 0
    cheapest[:] = 0
    for i in range(cost_fixed.shape[0]):
        fixed_p, fixed_f, fixed_r = cost_fixed[i, 0], cost_fixed[i, 1], cost_fixed[i, 2]
        slope_p, slope_f, slope_r = cost_slope[i, 0], cost_slope[i, 1], cost_slope[i, 2]
        # without branches, so that the loop over volumes vectorises
        for g in range(volumes.shape[0]):
            prompt = fixed_p + volumes[g] * slope_p
            finetune = fixed_f + volumes[g] * slope_f
            rag = fixed_r + volumes[g] * slope_r
            beats_prompt[0, g] += finetune < prompt
            beats_prompt[1, g] += rag < prompt
            prompt_cheapest = (prompt <= finetune) & (prompt <= rag)
            finetune_cheapest = (not prompt_cheapest) & (finetune <= rag)
            cheapest[0, g] += prompt_cheapest
            cheapest[1, g] += finetune_cheapest
            cheapest[2, g] += not (prompt_cheapest or finetune_cheapest)


__all__ = ["count_by_volume"]
