"""Who may dismiss a hot topic (the page's one way to do it; the API has no dismiss): a
supervisor of its area may; a persona who sees hot topics there but may not task them gets 403;
one who cannot see the topic at all gets 404."""

from __future__ import annotations

import pytest

from needle import testing as t
from needle.core.models import AuditEvent
from needle.intel.models import HotTopic


@pytest.fixture
def topic(world: t.World) -> HotTopic:
    return t.hot_topic(world, "电梯故障")


def dismiss(client_for, persona: str, topic: HotTopic) -> tuple[int, str, int]:
    client = client_for(persona)
    audited = AuditEvent.objects.count()
    status = client.post(f"/intel/hotspots/{topic.pk}/dismiss/").status_code
    topic.refresh_from_db()
    return status, topic.status, AuditEvent.objects.count() - audited


def test_a_supervisor_of_its_area_dismisses_it(topic, client_for):
    assert dismiss(client_for, "supervisor", topic) == (302, HotTopic.Status.DISMISSED, 1)
    assert AuditEvent.objects.filter(action="intel.hot_topic.dismissed", object_id=str(topic.pk)).exists()


def test_a_dispatcher_who_sees_it_but_may_not_task_it_gets_403(topic, client_for):
    assert dismiss(client_for, "dispatcher", topic) == (403, HotTopic.Status.OPEN, 0)


@pytest.mark.parametrize("persona", ["other_supervisor", "handler"])
def test_a_persona_who_cannot_see_it_gets_404(topic, client_for, persona):
    assert dismiss(client_for, persona, topic) == (404, HotTopic.Status.OPEN, 0)
