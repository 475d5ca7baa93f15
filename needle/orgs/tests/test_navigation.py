"""The menu offers each person the pages they can use, and only those: every link of every
persona opens, and the staff pages stay out of the menus of those who would be refused."""

from __future__ import annotations

from typing import Any

from django.test import Client

from needle import testing as t
from needle.orgs.models import Person
from needle.orgs.navigation import nav_links


def keys(actor: Any) -> list[str]:
    return [link.key for link in nav_links(actor)]


def test_every_link_of_every_persona_opens(world: t.World) -> None:
    for person in Person.objects.all():
        client = Client()
        client.force_login(person)
        for link in nav_links(person):
            response = client.get(link.url)
            assert response.status_code == 200, (person.username, link.url, response.status_code)


def test_each_persona_gets_the_links_of_their_work(world: t.World) -> None:
    from django.contrib.auth.models import AnonymousUser

    p = world.people
    assert keys(AnonymousUser()) == ["report", "public"]
    for resident in ("resident", "member", "outsider"):
        assert keys(p[resident]) == ["report", "public", "mine", "activities", "service"]
    assert keys(p["handler"]) == [
        "report",
        "public",
        "mine",
        "activities",
        "service",
        "inbox",
        "supervision",
        "operations",
        "rates",
        "units",
        "areas",
    ]
    assert {"queue", "intake", "hotspots"} <= set(keys(p["dispatcher"]))
    assert "queue" not in keys(p["supervisor"]) and "stats" in keys(p["supervisor"])
    assert "audit" in keys(p["district_auditor"]) and "audit" not in keys(p["staff"])
    assert "volunteering" in keys(p["staff"]) and "volunteering" not in keys(p["supervisor"])
    # Care: the community's care staff and the readers above them; not a handler or a resident.
    assert "care" in keys(p["staff"]) and "care" in keys(p["supervisor"])
    assert "care" in keys(p["district_auditor"]) and "care" not in keys(p["handler"])
    assert keys(p["root"])[-1] == "admin"


def test_the_current_page_is_marked(world: t.World) -> None:
    links = nav_links(world.people["dispatcher"], path="/queue/")
    assert [link.key for link in links if link.current] == ["queue"]
    links = nav_links(world.people["dispatcher"], path="/operations/area/500100000000/")
    assert [link.key for link in links if link.current] == ["operations"]
    assert not any(link.current for link in nav_links(world.people["dispatcher"], path="/"))
