from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count

from needle.cases.models import Case, State
from needle.demo.catalog import nyc311_load, synonyms_fill
from needle.demo.intel import demo_intel_load
from needle.demo.loader import demo_load
from needle.operations.models import CaseRollup
from needle.operations.services import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Load the demo city (Chongqing) with units, one login per persona, the demo catalogs and "
        "a year of residents' cases; safe to re-run."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--nyc311",
            action="store_true",
            help="Also load NYC 311's complaint types, an English catalog for trying Open311 clients "
            "made for New York (the report form then lists them beside the Chinese catalog).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        logins, created = demo_load()
        took = time.monotonic() - started
        self.stdout.write(
            ("Demo loaded" if created else "Demo already loaded; areas refreshed") + f" in {took:.1f}s."
        )
        if not created and (filled := synonyms_fill()):
            self.stdout.write(f"Services without synonyms given the synonyms file's: {filled}.")
        if opts["nyc311"]:
            self.stdout.write(f"NYC 311 catalog: {nyc311_load()} services added.")
        started = time.monotonic()
        intel = demo_intel_load()
        if intel.get("model"):
            self.stdout.write(
                f"Classifier {intel['model']} trained on {intel['trained_on']} closed cases"
                + (f" (macro-F1 {intel['macro_f1']:.3f})" if isinstance(intel.get("macro_f1"), float) else "")
                + "."
            )
        if intel.get("hot_requests") or intel.get("hot_topics"):
            self.stdout.write(
                f"Hot issues: {intel.get('hot_requests', 0)} recent requests filed, "
                f"{intel.get('hot_topics', 0)} hot topics found ({time.monotonic() - started:.1f}s)."
            )
        if created or not CaseRollup.objects.exists():
            started = time.monotonic()
            rows = rollups_rebuild(actor=None)
            self.stdout.write(
                f"Operations rollups: {rows} cases counted ({time.monotonic() - started:.1f}s)."
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
