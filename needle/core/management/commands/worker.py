from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background job worker (Huey consumer with its periodic jobs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", "-w", type=int, default=2)

    def handle(self, *args: Any, workers: int, **opts: Any) -> None:
        call_command("run_huey", workers=workers)
