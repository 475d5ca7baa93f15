"""`needle care new-key` prints a new key for NEEDLE_CARE_KEYS; `needle care rotate-key
[--batch N] [--actor NAME]` reseals every record with the first configured key (see
services/keys.py for the order: the new key first, rotate, then drop the old one)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from needle.care import crypto
from needle.care.services.keys import BATCH, rotate_keys
from needle.core.cli import actor_from_option


class Command(BaseCommand):
    help = "Care's keys: make a new one, or reseal every record with the first configured key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("new-key", help="print a new key (put it first in NEEDLE_CARE_KEYS)")
        rotate = sub.add_parser("rotate-key", help="reseal every record with the first configured key")
        rotate.add_argument(
            "--batch", type=int, default=BATCH, help=f"records per transaction (default {BATCH})"
        )
        rotate.add_argument("--actor", help="username the rotation is audited under")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "new-key":
            self.stdout.write(crypto.new_key())
            return
        if not 1 <= options["batch"] <= 100_000:
            raise CommandError("--batch: give a number from 1 to 100000")
        result = rotate_keys(actor=actor_from_option(options.get("actor")), batch=options["batch"])
        self.stdout.write(f"resealed {result.resealed} records, {result.current} already under the first key")
        if result.broken:
            shown = ", ".join(str(pk) for pk in result.broken[:20])
            raise CommandError(
                f"{len(result.broken)} records no configured key opens (recipients {shown}"
                f"{'…' if len(result.broken) > 20 else ''}): keep the old key until they are restored"
            )
