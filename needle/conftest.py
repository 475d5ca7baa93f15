"""Shared test fixtures: a small real-shaped tree, units and the personas of STYLE.md.

Built with plain factories (needle/testing.py) so each test states what it needs."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from needle import testing as t
from needle.notify.gateways import MemorySms, MemoryWeChat


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
def empty_outboxes() -> None:
    """Each test starts with no text or WeChat message sent (as Django empties mail.outbox)."""
    MemorySms.outbox.clear()
    MemoryWeChat.outbox.clear()


@pytest.fixture(autouse=True)
def model_files(settings: Any, tmp_path_factory: Any) -> None:
    """Classifier versions written by tests go to a temporary folder, never to var/."""
    settings.INTEL_MODEL_DIR = tmp_path_factory.getbasetemp() / "models"


@pytest.fixture
def world(db: Any) -> t.World:
    return t.build_world()


@pytest.fixture
def catalog(world: t.World) -> dict[str, Any]:
    return t.build_catalog(world)


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


# Browser tests -------------------------------------------------------------------------------

CHROMIUM = os.environ.get("NEEDLE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, once per module; the test is skipped where Playwright is not installed."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    # Sync Playwright runs an event loop in this thread; Django refuses ORM calls from a thread
    # with a running loop unless told it is fine (the live server and fixtures use the ORM here).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    t.SHOTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as pw:
        launch: dict[str, Any] = {"args": CHROMIUM_ARGS}
        if Path(CHROMIUM).exists():
            launch["executable_path"] = CHROMIUM
        b = pw.chromium.launch(**launch)
        yield b
        b.close()


@pytest.fixture
def open_tab(browser: Any, live_server: Any, transactional_db: Any) -> Iterator[Any]:
    """open_tab(**context options) -> a Tab on the live server; each must end without errors.
    It asks for the database so that its tabs close before the database is emptied: a page
    still fetching (a map layer) would otherwise reach a server whose test has ended."""
    contexts: list[Any] = []
    tabs: list[t.Tab] = []

    def make(**options: Any) -> t.Tab:
        # zh-CN first, as a browser in Chongqing would send; Django maps it to zh-hans.
        context = browser.new_context(locale="zh-CN", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        tabs.append(t.Tab(context.new_page(), live_server.url))
        return tabs[-1]

    yield make
    for context in contexts:
        context.close()
    _wait_for_requests_in_flight()
    for tab in tabs:
        tab.assert_clean()


def _wait_for_requests_in_flight(timeout: float = 20.0) -> None:
    """Waits until the live server has answered every request a closed tab left behind. On
    SQLite the server's threads share the test's in-memory database, and one still reading
    (a map layer asked for just before the tab closed) locks the tables that the test's
    teardown empties next."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        # socketserver's ThreadingMixIn runs each request in a thread on this method.
        if "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))
