from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from needle.core.cli import command_error
from needle.core.errors import DomainError
from needle.orgs.models import Person
from needle.orgs.services import token_create


class Command(BaseCommand):
    help = "Personal API tokens: `needle token create USERNAME [--name NAME]` prints a new one last."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a new token")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        person = Person.objects.filter(username=opts["username"]).first()
        if person is None:
            raise CommandError(f"no person with username {opts['username']!r}")
        try:
            issued = token_create(actor=None, person=person, name=opts["name"])
        except DomainError as exc:
            raise command_error(exc) from None
        self.stdout.write(f"API token for {person.username} (shown once): {issued.secret}")
