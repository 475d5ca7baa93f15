"""The active classifier, as both the triage (services) and the suggestions (selectors) read
it: a version's model loaded once per process, the text a case is read as, and the unit the
routing table points to."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from needle.intel import textmodel
from needle.intel.models import ModelVersion

# Loading models ------------------------------------------------------------------------------

# Keyed by the file and its modification, not the version's name: a name can come back (a
# rolled-back training, two trained within the same second), and must not bring back the
# other model's labels.
_loaded: dict[tuple[str, int, int], textmodel.TextModel] = {}
_load_lock = threading.Lock()


def model_file(version: ModelVersion) -> Any:
    return settings.INTEL_MODEL_DIR / version.path


def load_model(version: ModelVersion) -> textmodel.TextModel:
    """The classifier of a version, read from its file once per process (again if the file
    changes)."""
    path = model_file(version)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise textmodel.TextModelError(f"{path}: no such file") from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _load_lock:
        model = _loaded.get(key)
        if model is None:
            model = textmodel.load(path)
            _loaded[key] = model
        return model


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(active=True).first()


def case_text(title: str, description: str) -> str:
    title = (title or "").strip()
    description = (description or "").strip()
    return description if not title or description.startswith(title) else f"{title}\n{description}"


@dataclass(frozen=True)
class UnitGuess:
    unit_id: int
    share: float
    support: int
    total: int


def unit_guess(units: dict[str, Any], service_code: str, area_path: str) -> UnitGuess | None:
    """The unit that handled this service in the deepest counted area around `area_path`."""
    table = units.get(service_code) or {}
    parts = area_path.strip("/").split("/")
    for depth in range(len(parts), 0, -1):
        counts = table.get("/".join(parts[:depth]) + "/")
        if counts:
            unit_id, top = max(counts.items(), key=lambda kv: (kv[1], -int(kv[0])))
            total = sum(counts.values())
            # One pseudo-count against the leader: three of three is not yet "certain".
            return UnitGuess(unit_id=int(unit_id), share=top / (total + 1), support=top, total=total)
    return None
