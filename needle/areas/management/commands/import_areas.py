from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from needle.areas.services import area_import
from needle.core.cli import actor_from_option, command_error
from needle.core.errors import DomainError


class Command(BaseCommand):
    help = "Import administrative divisions (code,name,level,parent_code CSV, plain or gzip)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--under", metavar="CODE", help="import only this code's subtree")
        parser.add_argument("--actor", metavar="USERNAME")
        parser.add_argument(
            "--allow-retire",
            action="store_true",
            help="confirm a file that retires more than a small share of the imported scope",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        under: str | None,
        actor: str | None,
        allow_retire: bool,
        **opts: Any,
    ) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        started = time.monotonic()
        try:
            report = area_import(
                actor=actor_from_option(actor), source=file, under=under, allow_retire=allow_retire
            )
        except DomainError as exc:
            raise command_error(exc) from None
        self.stdout.write(
            f"{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.retired} retired "
            f"in {time.monotonic() - started:.1f}s"
        )
