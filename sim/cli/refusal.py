"""The one line of a refused command: ``payback: error: ...`` on stderr, exit code 2."""

import sys

from sim.io.text import shown

EXIT_BAD_INPUT = 2


def refuse(message):
    """Print ``message`` as payback's one-line refusal (nothing a terminal acts on) and exit 2."""
    print(f"payback: error: {shown(str(message))}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


__all__ = ["EXIT_BAD_INPUT", "refuse"]
