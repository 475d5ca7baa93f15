from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from needle.areas.services import BOUNDARY_CRS, boundaries_import
from needle.core.cli import actor_from_option, command_error
from needle.core.errors import DomainError


class Command(BaseCommand):
    help = "Attach GeoJSON boundaries to areas by their code (or 6-digit adcode) property."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--actor", metavar="USERNAME")
        parser.add_argument(
            "--crs",
            choices=BOUNDARY_CRS,
            default="wgs84",
            help="the file's coordinates: wgs84 (also CGCS2000, Tianditu) or gcj02 (DataV, AMap); stored as WGS-84",
        )

    def handle(self, *args: Any, file: Path, actor: str | None, crs: str, **opts: Any) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            report = boundaries_import(actor=actor_from_option(actor), source=file, crs=crs)
        except DomainError as exc:
            raise command_error(exc) from None
        self.stdout.write(f"{report.attached} boundaries attached")
        if report.unknown_codes:
            self.stdout.write(
                f"{len(report.unknown_codes)} codes not in the tree, skipped: "
                + ", ".join(report.unknown_codes[:20])
            )
