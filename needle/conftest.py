"""Shared test fixtures: a small real-shaped tree, units and the personas of STYLE.md.

Built with plain factories (needle/testing.py) so each test states what it needs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from needle import testing as t


@pytest.fixture(autouse=True)
def english_messages() -> Any:
    """Services called directly speak English in tests (pages pick their own language)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with an empty cache: no request budget spent, no cached list of a rolled-back catalog."""
    cache.clear()


@pytest.fixture(autouse=True)
def model_files(settings: Any, tmp_path_factory: Any) -> None:
    """Classifier versions written by tests go to a temporary folder, never to var/."""
    settings.INTEL_MODEL_DIR = tmp_path_factory.getbasetemp() / "models"


@pytest.fixture
def world(db: Any) -> t.World:
    return t.build_world()


@pytest.fixture
def client_for(world: t.World) -> Any:
    """client_for("supervisor") -> a Django test client signed in as that persona."""

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(world.people[persona])
        return client

    return make


@pytest.fixture
def api_for(world: t.World) -> Any:
    """api_for("supervisor") -> a client that sends that persona's bearer token."""

    def make(persona: str) -> t.ApiClient:
        return t.ApiClient(world.people[persona])

    return make
