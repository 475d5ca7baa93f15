"""`needle apikey create --name NAME [--person USERNAME]`: issue an Open311 api_key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from needle.cases.services import open311_key_create
from needle.core.cli import command_error
from needle.core.errors import DomainError
from needle.orgs.models import Person


class Command(BaseCommand):
    help = (
        "Open311 api_keys: `needle apikey create --name NAME [--person USERNAME]` prints a new "
        "key as the last word (only its digest is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a new api_key for a client application")
        create.add_argument("--name", required=True, help="the client application's name")
        create.add_argument(
            "--person",
            default=None,
            help="username the key acts for (its reporter; needed to post updates)",
        )

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        person = None
        if opts.get("person"):
            person = Person.objects.filter(username=opts["person"]).first()
            if person is None:
                raise CommandError(f"--person: no person with username {opts['person']!r}")
        try:
            issued = open311_key_create(actor=None, name=opts["name"], person=person)
        except DomainError as exc:
            raise command_error(exc) from None
        who = f" acting as {person.username}" if person else ""
        self.stdout.write(f"Open311 api_key {issued.key.name!r}{who} (shown once): {issued.secret}")
