"""Footprints: the rollup rows one object adds to and by how much (its source computes them from
the raw facts), stored per object and added or subtracted as a whole."""

from __future__ import annotations

import datetime as dt

from needle.rollups.sources import Footprint, LeafKey, Vec


def _encode(fp: Footprint) -> dict[str, Vec]:
    return {f"{d.isoformat()}|{a}|{k1}|{k2}": v for (d, a, k1, k2), v in fp.items()}


def _decode(data: dict[str, Vec]) -> Footprint:
    out: dict[LeafKey, Vec] = {}
    for key, vec in data.items():
        d, a, k1, k2 = key.split("|")
        out[(dt.date.fromisoformat(d), int(a), int(k1), int(k2))] = list(vec)
    return out


def _add(into: Footprint, fp: Footprint, sign: int) -> None:
    for key, vec in fp.items():
        acc = into.get(key)
        if acc is None:
            into[key] = [sign * x for x in vec]
        else:
            for i, x in enumerate(vec):
                acc[i] += sign * x
