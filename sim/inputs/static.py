"""The static inputs of a run: a column each, drawn once per scenario.

The shared inputs of ``kernels.layout.STATIC_FIELDS`` come first, in that order (each
column's random stream follows its position there). Then the inputs a run adds: the
newer shared inputs (prompt caching, a baseline's migration cost) and cached prices of
the ``pricing`` group's sheet, the prices of every other sheet a route is on
(``sheets.SHEET.KEY``), and each route's own values (``routes.NAME.SECTION.KEY``). Each of
those belongs to a group (``inputs``; ``sheet:NAME:PART``, a part of a sheet that routes
read whole, ``sim.inputs.routing.SHEET_PARTS``; ``route:NAME``), and its draws come from
streams named after it and its group (``sim.simulation.sampling``): a run that adds a route
adds columns, and no other column's draws change.
"""

from dataclasses import dataclass

from kernels.layout import STATIC_FIELDS

SHARED = "shared"


@dataclass(frozen=True)
class StaticLayout:
    """The columns of a run's static inputs: ``keys`` in column order, each one's ``group``."""

    keys: tuple
    groups: tuple

    @classmethod
    def of(cls, extra_groups):
        """``STATIC_FIELDS`` and then the extra inputs (key to group), by group and key."""
        extra = sorted(extra_groups.items(), key=lambda item: (item[1], item[0]))
        return cls(keys=(*STATIC_FIELDS, *(key for key, _ in extra)),
                   groups=(*(SHARED,) * len(STATIC_FIELDS), *(group for _, group in extra)))

    @property
    def column_of(self):
        """The column of every key."""
        return {key: column for column, key in enumerate(self.keys)}


def schema_key(key):
    """The schema's key behind an input's key: ``finetune.setup_cost`` for
    ``routes.lora.finetune.setup_cost``, ``pricing.base_input`` for ``sheets.S.base_input``."""
    parts = key.split(".")
    if parts[0] == "routes" and len(parts) == 4:
        return f"{parts[2]}.{parts[3]}"
    if parts[0] == "sheets" and len(parts) >= 3:
        return f"pricing.{parts[-1]}"
    return key


def metadata_of(key, metadata):
    """Unit, description and domain of an input by its key (``sim.inputs.schema.input_metadata``)."""
    meta = metadata[schema_key(key)]
    parts = key.split(".")
    if parts[0] == "routes":
        return {**meta, "description": f"route {parts[1]}: {meta['description']}"}
    if parts[0] == "sheets":
        return {**meta, "description": f"sheet {'.'.join(parts[1:-1])}: {meta['description']}"}
    return meta


__all__ = ["SHARED", "StaticLayout", "metadata_of", "schema_key"]
