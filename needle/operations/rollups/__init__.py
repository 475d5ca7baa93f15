"""The rollup engine: day × leaf area × key counters and their node blocks, kept by an
incremental refresh, rebuilt and checked from the raw facts. It knows the area tree and the
facts it counts, nothing of the dashboards that read it; its modules are the footprints of one
case, the store (writing rows), refresh, rebuild, check, and read (summing rows for a node and
a period).

How the rollups stay right. Each case's contribution to the rollups (its "footprint": which
rows it adds to, by how much) is a pure function of the raw facts: the case's columns, its
callbacks and its reopenings. The refresh finds the cases changed since its watermark, computes
each one's footprint again, and adds (new - old) to the rows; the new footprint is stored in the
same transaction. A case seen twice adds nothing the second time, so a refresh may run twice
or overlap its predecessor's window. `rollups_rebuild` computes the footprints again from the
raw facts (all rows anew, or from a day on compared with the stored rows): the two must agree,
and the tests check that they do.

This package is the engine's surface: the names below are what the rest of the project calls.
Names with a leading underscore in its modules are shared between the engine's modules only.
"""

from needle.operations.rollups.check import rollups_check
from needle.operations.rollups.read import rollup_status
from needle.operations.rollups.rebuild import nodes_rebuild, rollups_rebuild
from needle.operations.rollups.refresh import RefreshResult, rollups_refresh

__all__ = [
    "RefreshResult",
    "nodes_rebuild",
    "rollup_status",
    "rollups_check",
    "rollups_rebuild",
    "rollups_refresh",
]
