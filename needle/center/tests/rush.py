"""Many residents registering at once for one activity, each on its own thread and its own
database connection: what the concurrency test runs in-process (PostgreSQL) or in a separate
process on a file database (SQLite, whose in-memory test database cannot serve two writers).

`python -m needle.center.tests.rush ACTIVITY_ID PERSON_ID...` prints the errors, one a line."""

from __future__ import annotations

import sys
import threading


def rush(activity_id: int, person_ids: list[int]) -> list[str]:
    """Register everyone at the same moment; the errors, as text."""
    from django.db import connections

    from needle.center.models import Activity
    from needle.center.services import registration_create
    from needle.orgs.models import Person

    activity = Activity.objects.get(pk=activity_id)
    people = list(Person.objects.filter(pk__in=person_ids))
    barrier = threading.Barrier(len(people))
    errors: list[str] = []

    def register(person: Person) -> None:
        try:
            barrier.wait()
            registration_create(actor=person, activity=activity)
        except BaseException as exc:
            errors.append(repr(exc))
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
    for line in rush(int(sys.argv[1]), [int(a) for a in sys.argv[2:]]):
        sys.stdout.write(line + "\n")
