from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count

from needle.cases.models import Case, State
from needle.demo.loader import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo city (Chongqing) with units, one login per persona, the demo catalogs and "
        "a year of residents' cases; safe to re-run."
    )

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        logins, created = demo_load()
        took = time.monotonic() - started
        self.stdout.write(
            ("Demo loaded" if created else "Demo already loaded; areas refreshed") + f" in {took:.1f}s."
        )
        states = dict(Case.objects.order_by().values_list("state").annotate(n=Count("id")))
        if states:
            self.stdout.write(
                f"Cases: {sum(states.values())} ("
                + ", ".join(f"{s} {states[s]}" for s in State.values if s in states)
                + ")."
            )
        self.stdout.write(f"Demo logins (password for all: {settings.NEEDLE_DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<11} {login.persona:<20} {login.where}")
