from __future__ import annotations

from typing import Any

import pytest

from needle import testing as t
from needle.cases.models import Category, Service

_trained_models: dict[int, Any] = {}


@pytest.fixture(autouse=True)
def train_once(monkeypatch: Any) -> None:
    """Training is the slow part (calibration by cross-validation): the same texts and labels
    give the same model, so each distinct training set is fitted once per test process."""
    from needle.intel import textmodel

    real = textmodel.train

    def train(texts: Any, labels: Any, **kw: Any) -> Any:
        key = hash((tuple(texts), tuple(labels), tuple(sorted(kw.items()))))
        if key not in _trained_models:
            _trained_models[key] = real(texts, labels, **kw)
        return _trained_models[key]

    monkeypatch.setattr(textmodel, "train", train)


@pytest.fixture
def intel_catalog(world: t.World) -> dict[str, Any]:
    catalog = t.build_catalog(world)
    city = Category.objects.get(code="city")
    catalog["light"] = Service.objects.create(
        code="light",
        category=city,
        name="路灯不亮",
        name_en="Street light out",
        accept_hours=24,
        resolve_hours=72,
    )
    return catalog


@pytest.fixture
def trained(world: t.World, intel_catalog: dict[str, Any], tmp_path: Any, settings: Any) -> Any:
    """A classifier trained on the closed history, active."""
    from needle.intel.services import model_train

    settings.INTEL_MODEL_DIR = tmp_path / "models"
    t.closed_history(world, intel_catalog)
    return model_train(actor=world.people["city_admin"])
