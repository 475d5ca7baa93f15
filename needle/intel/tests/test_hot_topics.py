"""Hot topics: the periodic job clusters recent requests; supervisors turn one into a task."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from needle import testing as t
from needle.cases.models import Case, Channel, State
from needle.core.errors import Conflict, PermissionDenied
from needle.core.models import AuditEvent
from needle.intel.models import HotTopic
from needle.intel.services import hot_topic_dismiss, hot_topic_task, hotspots_detect
from needle.notify.models import Notification
from needle.testing import LIFT, OTHERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def lift_topic(world, catalog):
    for i, text in enumerate(LIFT):
        t.submit(world, catalog["road"], description=text, reporter=None, contact_phone=f"1380000000{i}")
    for i, text in enumerate(OTHERS):
        t.submit(world, catalog["road"], description=text, reporter=None, contact_phone=f"1390000000{i}")
    topics = hotspots_detect(now=timezone.now() + dt.timedelta(minutes=1))
    return topics


def test_a_matter_many_residents_raise_becomes_a_hot_topic(lift_topic, world):
    assert lift_topic, "no hot topic found"
    top = lift_topic[0]
    assert top.size == len(LIFT) and top.reporters == len(LIFT)
    assert "电梯" in top.title
    assert top.area == world.areas["community_a1a"]
    assert set(top.cases.values_list("description", flat=True)) == set(LIFT)
    assert all(t.size >= 3 for t in lift_topic)


def test_a_rising_topic_alerts_the_supervisors_of_its_area(lift_topic, world):
    top = lift_topic[0]
    assert top.growth == 1.0  # all six came within the last two weeks
    assert top.alerted
    assert Notification.objects.filter(recipient=world.people["supervisor"], verb="intel.hot_topic").exists()
    assert not Notification.objects.filter(recipient=world.people["other_supervisor"]).exists()


def test_supervisor_turns_it_into_a_proactive_task(lift_topic, world):
    topic = lift_topic[0]
    due = timezone.now() + dt.timedelta(days=5)
    with pytest.raises(PermissionDenied):
        hot_topic_task(actor=world.people["handler"], topic=topic, unit=world.units["rc_a1a"], resolve_by=due)
    with pytest.raises(PermissionDenied):
        hot_topic_task(
            actor=world.people["other_supervisor"], topic=topic, unit=world.units["rc_a1a"], resolve_by=due
        )
    task = hot_topic_task(
        actor=world.people["supervisor"],
        topic=topic,
        unit=world.units["rc_a1a"],
        resolve_by=due,
        note="请约谈物业",
    )
    assert task.channel == Channel.PROACTIVE and task.state == State.DISPATCHED
    assert task.lead_unit == world.units["rc_a1a"] and task.resolve_due_at == due
    assert "请约谈物业" in task.description
    topic.refresh_from_db()
    assert topic.status == HotTopic.Status.TASKED and topic.task == task
    with pytest.raises(Conflict):
        hot_topic_task(
            actor=world.people["supervisor"], topic=topic, unit=world.units["rc_a1a"], resolve_by=due
        )
    # The next run keeps the tasked topic instead of finding it again as new.
    again = hotspots_detect(now=timezone.now() + dt.timedelta(minutes=2))
    assert topic.pk in {t.pk for t in again}
    assert HotTopic.objects.filter(status=HotTopic.Status.TASKED).count() == 1


def test_pages_and_api_show_hot_topics_in_scope(lift_topic, world, client_for, api_for):
    topic = lift_topic[0]
    page = client_for("supervisor").get("/intel/hotspots/")
    assert page.status_code == 200 and topic.title in page.content.decode()
    assert topic.title not in client_for("other_supervisor").get("/intel/hotspots/").content.decode()
    assert client_for("resident").get("/intel/hotspots/").status_code == 403
    assert client_for("other_supervisor").get(f"/intel/hotspots/{topic.pk}/").status_code == 404
    detail = client_for("supervisor").get(f"/intel/hotspots/{topic.pk}/")
    assert detail.status_code == 200 and f"/intel/hotspots/{topic.pk}/task/" in detail.content.decode()
    r = api_for("supervisor").get("/api/v1/intel/hotspots")
    assert (
        r.status_code == 200
        and r.json()[0]["id"] == topic.pk
        and len(r.json()[0]["case_numbers"]) == len(LIFT)
    )


def test_task_form_checks_its_input(lift_topic, world, client_for):
    topic = lift_topic[0]
    c = client_for("supervisor")
    bad = c.post(f"/intel/hotspots/{topic.pk}/task/", {"unit": world.units["rc_a1a"].pk, "due": "2001-01-01"})
    assert bad.status_code == 400 and 'class="errorlist' in bad.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    ok = c.post(
        f"/intel/hotspots/{topic.pk}/task/", {"unit": world.units["rc_a1a"].pk, "due": due, "note": "x"}
    )
    assert ok.status_code == 302
    topic.refresh_from_db()
    assert topic.task is not None and ok["Location"].endswith(f"/cases/{topic.task.number}/")


def test_the_operations_dashboard_lists_hot_topics_of_its_area(lift_topic, world, client_for):
    topic = lift_topic[0]
    street = world.areas["street_a1"].code
    page = client_for("supervisor").get(f"/operations/area/{street}/").content.decode()
    assert f"/intel/hotspots/{topic.pk}/" in page
    other = client_for("city_admin").get(f"/operations/area/{world.areas['district_b'].code}/")
    assert other.status_code == 200 and f"/intel/hotspots/{topic.pk}/" not in other.content.decode()


def test_a_stale_topic_cannot_become_a_second_task(lift_topic, world, api_for):
    topic = lift_topic[0]  # read before either supervisor acts, as two open pages were
    due = timezone.now() + dt.timedelta(days=5)
    unit = world.units["rc_a1a"]
    first = hot_topic_task(actor=world.people["supervisor"], topic=topic, unit=unit, resolve_by=due)
    with pytest.raises(Conflict) as lost:
        hot_topic_task(actor=world.people["street_admin"], topic=topic, unit=unit, resolve_by=due)
    assert lost.value.extra == {"status": HotTopic.Status.TASKED, "task": first.number}
    with pytest.raises(Conflict):
        hot_topic_dismiss(actor=world.people["street_admin"], topic=topic)
    assert Case.objects.filter(channel=Channel.PROACTIVE).count() == 1
    assert HotTopic.objects.get(pk=topic.pk).status == HotTopic.Status.TASKED
    r = api_for("supervisor").post(
        f"/api/v1/intel/hotspots/{topic.pk}/task", {"unit_id": unit.pk, "due": due.date().isoformat()}
    )
    assert r.status_code == 409 and r.json()["error"]["task"] == first.number


def test_the_task_page_answers_409_to_the_supervisor_who_came_second(lift_topic, world, client_for):
    topic = lift_topic[0]
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    form = {"unit": world.units["rc_a1a"].pk, "due": due}
    first = client_for("supervisor").post(f"/intel/hotspots/{topic.pk}/task/", form)
    second = client_for("street_admin").post(f"/intel/hotspots/{topic.pk}/task/", form)
    assert first.status_code == 302 and second.status_code == 409
    task = HotTopic.objects.get(pk=topic.pk).task
    assert task is not None and task.number in second.content.decode()
    assert Case.objects.filter(channel=Channel.PROACTIVE).count() == 1


def test_a_stale_topic_is_dismissed_once(lift_topic, world):
    topic = lift_topic[0]
    stale = HotTopic.objects.get(pk=topic.pk)  # another supervisor's page, opened before
    hot_topic_dismiss(actor=world.people["supervisor"], topic=topic)
    with pytest.raises(Conflict):
        hot_topic_dismiss(actor=world.people["street_admin"], topic=stale)
    assert AuditEvent.objects.filter(action="intel.hot_topic.dismissed").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections")
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_at_once_make_one_task(lift_topic, world):
    topic = lift_topic[0]
    due = timezone.now() + dt.timedelta(days=5)

    def act(persona: str) -> Any:
        return hot_topic_task(
            actor=world.people[persona], topic=topic, unit=world.units["rc_a1a"], resolve_by=due
        )

    both = t.at_once(lambda: act("supervisor"), lambda: act("street_admin"))
    outcomes = ["conflict" if isinstance(r, Conflict) else "task" for r in both]
    assert sorted(outcomes) == ["conflict", "task"]
    assert Case.objects.filter(channel=Channel.PROACTIVE).count() == 1


def test_the_task_form_suggests_its_date_as_a_date_input_reads_it(lift_topic, world, client_for):
    client = client_for("supervisor")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/intel/hotspots/{lift_topic[0].pk}/").content.decode()
    week = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert f'type="date" name="due" value="{week}"' in page
