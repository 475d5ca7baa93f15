"""The known skills and the rules of points: written in the admin through the services, by
whoever manages volunteering over every area tree, audited; a regional coordinator may not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from needle import testing as t
from needle.core.errors import PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.volunteering.models import PointRule, Skill
from needle.volunteering.services.config import config_row_delete, config_row_save


def test_a_city_admin_adds_changes_and_deletes_a_skill(vworld: t.World) -> None:
    admin = vworld.people["root"]
    skill = config_row_save(
        actor=admin,
        row=Skill(),
        data={"code": "sign", "name": "手语", "name_en": "sign language", "synonyms": "聋哑"},
    )
    config_row_save(actor=admin, row=skill, data={"synonyms": "聋哑\nsign"})
    assert Skill.objects.get(code="sign").synonyms == "聋哑\nsign"
    config_row_delete(actor=admin, row=skill)
    assert not Skill.objects.filter(code="sign").exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="volunteering.skill").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "volunteering.skill.changed",
        "volunteering.skill.created",
        "volunteering.skill.deleted",
    ]


@pytest.mark.parametrize("persona", ["staff", "supervisor", "member", "outsider"])
def test_only_the_whole_tree_s_manager_writes_the_configuration(vworld: t.World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        config_row_save(actor=vworld.people[persona], row=PointRule(), data={"kind": "per_hour", "points": 5})
    assert not PointRule.objects.exists()


def test_a_rule_per_kind_names_its_kind(vworld: t.World) -> None:
    admin = vworld.people["root"]
    with pytest.raises(ValidationFailed) as err:
        config_row_save(actor=admin, row=PointRule(), data={"kind": "kind_per_hour", "points": Decimal(2)})
    assert "service_kind" in err.value.fields
    rule = config_row_save(
        actor=admin,
        row=PointRule(),
        data={"kind": "kind_per_hour", "service_kind": "elderly", "points": Decimal(2)},
    )
    assert rule.pk is not None


def test_the_admin_page_saves_through_the_service(vworld: t.World) -> None:
    client = Client()
    client.force_login(vworld.people["root"])
    r = client.post(
        "/admin/volunteering/pointrule/add/",
        {"kind": "per_hour", "service_kind": "", "points": "10", "active": "on"},
    )
    assert r.status_code == 302, r.content[:500]
    assert PointRule.objects.get().points == Decimal(10)
    assert AuditEvent.objects.filter(action="volunteering.point_rule.created").count() == 1
    r = client.post("/admin/volunteering/hourentry/add/", {})
    assert r.status_code == 403
