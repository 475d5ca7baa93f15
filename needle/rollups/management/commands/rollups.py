"""`needle rollups rebuild [--source NAME] [--since DATE]`, `needle rollups refresh`,
`needle rollups check [--since DATE]`: a thin CLI over the engine's functions."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from needle.core.cli import actor_from_option, command_error
from needle.core.errors import DomainError
from needle.rollups.check import rollups_check
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: give a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Rebuild, refresh or check the rollups of the figures' sources."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="recompute the rollups from the raw facts")
        rebuild.add_argument("--since", help="only days from this one (YYYY-MM-DD); default: all")
        rebuild.add_argument("--source", help="only this source (e.g. cases); default: every source")
        rebuild.add_argument("--actor", help="username the rebuild is audited under")
        sub.add_parser("refresh", help="apply the objects changed since the last refresh")
        check = sub.add_parser("check", help="compare the rollups with direct counts over the raw facts")
        check.add_argument("--since", help="first day compared (default: 30 days ago)")

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        try:
            if options["action"] == "rebuild":
                since = _day(options["since"]) if options.get("since") else None
                n = rollups_rebuild(
                    actor=actor_from_option(options.get("actor")), since=since, source=options.get("source")
                )
                self.stdout.write(f"rebuilt from {n} objects in {time.perf_counter() - began:.1f} s")
            elif options["action"] == "refresh":
                r = rollups_refresh()
                self.stdout.write(
                    f"read {r.objects_read} objects, {r.objects_changed} changed"
                    f"{' (first run: full rebuild)' if r.rebuilt else ''} in {time.perf_counter() - began:.1f} s"
                )
            else:
                since = _day(options["since"]) if options.get("since") else None
                problems = rollups_check(since=since)
                for line in problems:
                    self.stdout.write(line)
                if problems:
                    raise CommandError(f"{len(problems)} figures differ from the raw facts")
                self.stdout.write("the rollups agree with the raw facts")
        except DomainError as exc:
            raise command_error(exc) from None
