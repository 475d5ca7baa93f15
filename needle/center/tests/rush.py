"""Many residents registering at once for one activity, each on its own thread and its own
database connection: what the concurrency test runs in-process (PostgreSQL) or in a separate
process on a file database (SQLite, whose in-memory test database cannot serve two writers).

`python -m needle.center.tests.rush ACTIVITY_ID PERSON_ID...` prints the errors, one a line;
`python -m needle.center.tests.rush book SERVICE_ID STARTS_AT PERSON_ID...` books one slot of a
service for everyone at once instead."""

from __future__ import annotations

import sys
import threading
from typing import Any


def rush(activity_id: int, person_ids: list[int]) -> list[str]:
    """Register everyone at the same moment; the errors, as text."""
    from needle.center.models import Activity
    from needle.center.services import registration_create

    activity = Activity.objects.get(pk=activity_id)
    return _at_once(person_ids, lambda person: registration_create(actor=person, activity=activity))


def rush_book(service_id: int, starts_at: str, person_ids: list[int]) -> list[str]:
    """Book everyone into one slot at the same moment; the errors, as text (a full slot's
    refusals among them)."""
    import datetime as dt

    from needle.center.models import Service
    from needle.center.services import appointment_book

    service = Service.objects.get(pk=service_id)
    moment = dt.datetime.fromisoformat(starts_at)
    return _at_once(
        person_ids, lambda person: appointment_book(actor=person, service=service, starts_at=moment)
    )


def _at_once(person_ids: list[int], act: Any) -> list[str]:
    from django.db import connections

    from needle.orgs.models import Person

    people = list(Person.objects.filter(pk__in=person_ids))
    barrier = threading.Barrier(len(people))
    errors: list[str] = []

    def register(person: Person) -> None:
        try:
            barrier.wait()
            act(person)
        except BaseException as exc:
            errors.append(f"{getattr(exc, 'code', '')} {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


if __name__ == "__main__":
    import django

    django.setup()
    if sys.argv[1] == "book":
        lines = rush_book(int(sys.argv[2]), sys.argv[3], [int(a) for a in sys.argv[4:]])
    else:
        lines = rush(int(sys.argv[1]), [int(a) for a in sys.argv[2:]])
    for line in lines:
        sys.stdout.write(line + "\n")
