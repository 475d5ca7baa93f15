"""The rollup engine: day × leaf area × key counters and their node blocks, kept by an
incremental refresh, rebuilt and checked from the raw facts. It knows the area tree and the
sources declared to it (sources.py; each app's `figures.py`), nothing of the apps above it nor
of the dashboards that read it. Its modules: sources (what an app declares), footprints,
store (writing rows), refresh, rebuild, check, and read (summing rows for a node and a
period).

How the rollups stay right. Each object's contribution to the rollups (its "footprint": which
rows it adds to, by how much) is a pure function of its raw facts, computed by its source (a
case's: its columns, its callbacks and its reopenings). The refresh finds each source's objects
changed since its watermark, computes each one's footprint again, and adds (new - old) to the
rows; the new footprint is stored in the same transaction. An object seen twice adds nothing
the second time, so a refresh may run twice or overlap its predecessor's window.
`rollups_rebuild` computes the footprints again from the raw facts (all rows anew, or from a
day on compared with the stored rows): the two must agree, and the tests check that they do.

The rest of the project calls the names without a leading underscore in these modules; names
with one are shared between the engine's modules only. This module imports nothing, since
Django imports an app's package before its models are ready.
"""
