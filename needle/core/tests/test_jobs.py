"""Jobs started by name: a lower app starts a higher app's job without importing it."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY
from huey.exceptions import HueyException

from needle import testing as t
from needle.core.jobs import job_enqueue
from needle.notify.models import Notification

pytestmark = pytest.mark.django_db


def _case_sent_by_a_rule(world):
    # Submitted without running the jobs after commit: the unit has not been told yet.
    case = t.submit(world, t.build_catalog(world)["road"])
    assert not Notification.objects.filter(recipient=world.people["handler"]).exists()
    return case


def test_a_job_runs_by_its_name(world):
    case = _case_sent_by_a_rule(world)
    job_enqueue("needle.cases.tasks.intake_follow_up", case.pk, world.units["district_a_env"].pk)
    assert Notification.objects.filter(recipient=world.people["handler"], verb="case.dispatched").exists()


def test_a_job_the_queue_cannot_take_runs_at_once(world, monkeypatch):
    def down(task):
        raise ConnectionError("queue storage unreachable")

    monkeypatch.setattr(HUEY, "enqueue", down)
    case = _case_sent_by_a_rule(world)
    job_enqueue("needle.cases.tasks.intake_follow_up", case.pk, world.units["district_a_env"].pk)
    assert Notification.objects.filter(recipient=world.people["handler"], verb="case.dispatched").exists()


def test_an_unknown_name_is_an_error():
    with pytest.raises(HueyException):
        job_enqueue("needle.cases.tasks.no_such_job", 1)
