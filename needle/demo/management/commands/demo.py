from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from needle.demo.loader import demo_load


class Command(BaseCommand):
    help = "Load the demo city (Chongqing) with units and one login per persona; safe to re-run."

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        logins, created = demo_load()
        took = time.monotonic() - started
        self.stdout.write(
            ("Demo loaded" if created else "Demo already loaded; areas refreshed") + f" in {took:.1f}s."
        )
        self.stdout.write(f"Demo logins (password for all: {settings.NEEDLE_DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<11} {login.persona:<20} {login.where}")
