"""Text a user gives that payback shows: which characters it refuses to show.

A sheet's ``source``, the overrides and the command line go into report.md,
report.html, compare.md and a terminal. A control character (C0, DEL, C1: ESC
starts a terminal's escape sequence, BEL rings it) or a bidirectional control
(U+202A-U+202E, U+2066-U+2069: the "Trojan source" reordering) would act there
instead of being read, so such text is refused where it is given, naming its key,
and replaced where it arrives from a file written elsewhere. Light: standard library only.
"""

import re

UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"  # what a report shows in place of such a character


def unshowable(text):
    """Why payback will not show ``text``, in words (``the control character U+001B``), or None."""
    match = UNSHOWABLE.search(text) if isinstance(text, str) else None
    if match is None:
        return None
    character = match.group()
    kind = "bidirectional control" if "\u202a" <= character <= "\u2069" else "control character"
    return f"the {kind} U+{ord(character):04X}"


def refusal(key, text):
    """The one-line refusal of ``text`` given for ``key``, or None when it can be shown."""
    why = unshowable(text)
    if why is None:
        return None
    return (f"{shown(key)}: holds {why}, which would act on a terminal or reorder the text of report.md and"
            " report.html instead of being read; remove it")


def shown(text):
    """``text`` with each character payback refuses to show replaced by U+FFFD."""
    return UNSHOWABLE.sub(REPLACEMENT, text)


__all__ = ["REPLACEMENT", "UNSHOWABLE", "refusal", "shown", "unshowable"]
