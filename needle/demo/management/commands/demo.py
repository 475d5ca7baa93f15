from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from needle.care.models import Item, ItemStatus, Recipient, Status, Visit
from needle.cases.models import Case, State
from needle.consult.models import Topic
from needle.demo.catalog import nyc311_load, synonyms_fill
from needle.demo.intel import demo_intel_load
from needle.demo.loader import demo_load
from needle.rollups.models import CaseRollup
from needle.rollups.rebuild import rollups_rebuild
from needle.supervision.models import Task


def classifier_lines(intel: dict[str, Any]) -> list[str]:
    """What the trained classifier's scores mean, in words: a bare "macro-F1 0.399" says
    nothing to someone trying the demo."""
    metrics = intel.get("metrics") or {}
    lines = [f"Classifier trained on {intel['trained_on']:,} closed cases ({intel['trained_in']:.1f}s)."]
    accuracy, macro_f1 = metrics.get("accuracy"), metrics.get("macro_f1")
    if isinstance(accuracy, float) and isinstance(macro_f1, float):
        services = len(metrics.get("per_class") or {})
        lines.append(
            f"  On requests it was not trained on, it names the right service {accuracy:.0%} of the time. "
            f"Macro-F1 {macro_f1:.2f}: a score per service (how many of its requests it finds, and "
            f"how many it names are right) averaged over the {services} services, so rare services "
            "weigh as much as common ones (1.0 is perfect)."
        )
    return lines


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
        began = started = time.monotonic()
        logins, created = demo_load()
        took = time.monotonic() - started
        self.stdout.write(
            (
                "Areas, units, people and a year of cases loaded"
                if created
                else "Demo already loaded; areas refreshed"
            )
            + f" ({took:.1f}s)."
        )
        if not created and (filled := synonyms_fill()):
            self.stdout.write(f"Services without synonyms given the synonyms file's: {filled}.")
        if opts["nyc311"]:
            self.stdout.write(f"NYC 311 catalog: {nyc311_load()} services added.")
        started = time.monotonic()
        intel = demo_intel_load()
        if intel.get("model"):
            for line in classifier_lines(intel):
                self.stdout.write(line)
        if intel.get("hot_requests") or intel.get("hot_topics"):
            self.stdout.write(
                f"Hot issues: {intel.get('hot_requests', 0)} recent requests filed, "
                f"{intel.get('hot_topics', 0)} hot topics found ({intel['hot_in']:.1f}s)."
            )
        if created or not CaseRollup.objects.exists():
            started = time.monotonic()
            rows = rollups_rebuild(actor=None)
            self.stdout.write(
                f"Rollups: {rows:,} requests, units and memberships counted in {time.monotonic() - started:.1f}s."
            )
        states = dict(Case.objects.order_by().values_list("state").annotate(n=Count("id")))
        if states:
            self.stdout.write(
                f"Cases: {sum(states.values()):,} ("
                + ", ".join(f"{s} {states[s]}" for s in State.values if s in states)
                + ")."
            )
        in_care = Recipient.objects.filter(status=Status.ACTIVE)
        if in_care.exists():
            self.stdout.write(
                f"Care: {in_care.count():,} households in care, {Visit.objects.count():,} visits and calls, "
                f"{in_care.filter(next_visit_due__lt=timezone.localdate()).count():,} visits overdue, "
                f"{Item.objects.exclude(status=ItemStatus.CLOSED).count():,} problems open."
            )
        self.stdout.write(f"Demo logins (password for all: {settings.NEEDLE_DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<11} {login.persona:<20} {login.where}")
        if in_care.exists():
            self.stdout.write(
                "  Care: `staff` keeps the care records of their community (its console, the household "
                "files); `member` helps four of its households (their visits on the home page)."
            )
        if Topic.objects.exists():
            self.stdout.write(
                "  Think tank: `resident` has suggestions in their community's topics (/consult/mine/); "
                "`staff` answers, moderates and follows results through (/consult/console/)."
            )
        if Task.objects.exists():
            self.stdout.write(
                "  Supervision: `staff` answers the tasks given to their community (/supervision/); "
                "`admin` sees every task's board, the admission list and the burden by issuer."
            )
        self.stdout.write(
            ("Demo loaded" if created else "Demo ready") + f" in {time.monotonic() - began:.1f}s."
        )
