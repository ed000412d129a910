"""The source column of report.md's assumptions: set by you, a preset, or a default the user never set."""

from sim.inputs.provenance import DEFAULT, OVERRIDE, PRESET, source_words

_CELLS = {"header": " source |", "rule": " --- |"}


def _known(summary):
    inputs = summary.get("inputs") or {}
    return inputs if any(entry.get("source") in (OVERRIDE, PRESET, DEFAULT) for entry in inputs.values()) else None


def source_column(summary):
    """A function of a row's key (or ``"header"``, ``"rule"``) giving the row's source cell,
    ``" set by you |"``; every cell empty for a run that did not record its inputs' sources."""
    inputs = _known(summary)
    if inputs is None:
        return lambda key: ""
    return lambda key: _CELLS.get(key) or f" {source_words(inputs.get(key)) or '—'} |"


def source_legend(summary):
    """The lines that say what the source column means, before the table; none without it."""
    if _known(summary) is None:
        return []
    return ["Source: **set by you** on the command line; **preset**, set by the preset or stress you chose"
            " (named); **default**, the tool's own assumption, which you never set: replace the ones that"
            " matter with your own estimates.", ""]


__all__ = ["source_column", "source_legend"]
