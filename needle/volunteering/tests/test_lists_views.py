"""The lists' pages: the public page shows nothing personal or internal; staff pages; the
member's claim button; the partials other pages compose."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from needle import testing as t
from needle.core.audit import AuditEvent
from needle.orgs.models import Person
from needle.volunteering.models import Claim, Need, Project
from needle.volunteering.services import lists as s
from needle.volunteering.services import lists_claims as c
from needle.volunteering.tests.lists_helpers import checked_in, draft, first_shift, make_project
from needle.volunteering.views.lists import claims_panel, console_lists

pytestmark = pytest.mark.django_db
CODE = "500103001001"


@pytest.fixture
def w(vworld: t.World) -> t.World:
    w = checked_in(vworld)
    Person.objects.filter(pk=w.people["member"].pk).update(phone="13812345678", display_name="张志愿")
    Person.objects.filter(pk=w.people["member2"].pk).update(phone="13987654321", display_name="李志愿")
    for key in ("member", "member2"):
        w.people[key].refresh_from_db()
    return w


def signed_in(w: t.World, who: str) -> Client:
    client = Client()
    client.force_login(w.people[who])
    return client


def test_the_public_page_shows_needs_projects_and_ratings_nothing_personal(w, catalog):
    case = t.submit(w, catalog["road"])
    need = s.need_from_case(actor=w.people["staff"], case=case)
    project = make_project(w, draft(slots=3), need_ids=[need.pk], title="修路志愿")
    c.claim_create(actor=w.people["member"], shift=first_shift(project))
    c.rating_give(actor=w.people["resident"], project=project, rating=5, comment="师傅很认真")
    page = Client().get(reverse("volunteering-public", args=[CODE]))
    assert page.status_code == 200
    html = page.content.decode()
    assert need.title in html and "修路志愿" in html and "5.0" in html
    for secret in (case.number, "张志愿", "13812345678", "1381", str(w.people["resident"]), "师傅很认真"):
        assert secret not in html, secret
    # A request kept off the public list keeps its need (the resident's own words) off too.
    type(case).objects.filter(pk=case.pk).update(public=False)
    assert need.title not in Client().get(reverse("volunteering-public", args=[CODE])).content.decode()
    assert Client().get(reverse("volunteering-public", args=["500103001"])).status_code == 404
    assert Client().get(reverse("volunteering-public", args=["nowhere"])).status_code == 404


def test_the_needs_page_to_staff_and_grid_workers_only(w):
    url = reverse("volunteering-needs", args=[CODE])
    assert signed_in(w, "staff").get(url).status_code == 200
    assert signed_in(w, "grid_worker").get(url).status_code == 200
    for who in ("member", "outsider"):
        assert signed_in(w, who).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_raising_a_need_and_starting_a_project_on_the_page(w):
    client = signed_in(w, "staff")
    url = reverse("volunteering-needs", args=[CODE])
    r = client.post(
        url, {"title": "帮老人买菜", "category": "elderly", "people_needed": "2", "urgency": "urgent"}
    )
    assert r.status_code == 302 and Need.objects.filter(title="帮老人买菜").exists()
    r = client.post(url, {"title": "", "people_needed": "x"}, follow=True)
    assert r.status_code == 200 and not Need.objects.filter(title="").exists()
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = client.post(
        reverse("volunteering-project-create", args=[CODE]),
        {
            "title": "周末陪护",
            "kind": "recurring",
            "weeks": "3",
            "day": day,
            "starts": "09:00",
            "ends": "11:00",
            "slots": "2",
        },
    )
    assert r.status_code == 302, r.content
    project_url = r["Location"]
    page = client.get(project_url)
    assert page.status_code == 200 and page.content.decode().count("/volunteering/shifts/") >= 3
    r = signed_in(w, "member").post(
        reverse("volunteering-project-create", args=[CODE]),
        {"title": "x", "day": day, "starts": "09:00", "ends": "11:00"},
    )
    assert r.status_code == 302 and not Project.objects.filter(title="x").exists()


def test_a_member_claims_and_cancels_on_the_shift_page(w):
    shift = first_shift(make_project(w, draft(slots=2)))
    member = signed_in(w, "member")
    page = member.get(reverse("volunteering-shift", args=[shift.pk]))
    assert (
        page.status_code == 200
        and reverse("volunteering-shift-claim", args=[shift.pk]) in page.content.decode()
    )
    member.post(reverse("volunteering-shift-claim", args=[shift.pk]))
    claim = Claim.objects.get(shift=shift, person=w.people["member"])
    member.post(reverse("volunteering-claim-move", args=[claim.pk, "cancel"]))
    claim.refresh_from_db()
    assert claim.status == "cancelled"
    assert member.post(reverse("volunteering-claim-move", args=[claim.pk, "explode"])).status_code == 404


def test_co_volunteers_see_names_and_masked_phones_staff_see_phones_audited(w):
    shift = first_shift(make_project(w, draft(slots=3)))
    c.claim_create(actor=w.people["member"], shift=shift)
    c.claim_create(actor=w.people["member3"], shift=shift)
    Person.objects.filter(pk=w.people["member3"].pk).update(phone="13700001111")
    html = signed_in(w, "member").get(reverse("volunteering-shift", args=[shift.pk])).content.decode()
    assert "13812345678" in html  # their own
    assert "13700001111" in html  # member3 chose to show theirs
    c.claim_create(actor=w.people["member2"], shift=shift)
    html = signed_in(w, "member3").get(reverse("volunteering-shift", args=[shift.pk])).content.decode()
    assert "李志愿" in html and "13987654321" not in html and "139****4321" in html
    html = signed_in(w, "outsider").get(reverse("volunteering-shift", args=[shift.pk])).content.decode()
    assert "李志愿" not in html
    html = signed_in(w, "staff").get(reverse("volunteering-shift", args=[shift.pk])).content.decode()
    assert "13987654321" in html
    assert AuditEvent.objects.filter(
        action="volunteering.shift.phones_viewed", actor=w.people["staff"]
    ).exists()


def test_staff_dispatch_and_cancel_on_the_pages(w):
    shift = first_shift(make_project(w, draft(slots=2)))
    staff = signed_in(w, "staff")
    staff.post(
        reverse("volunteering-shift-dispatch", args=[shift.pk]), {"person": str(w.people["member2"].pk)}
    )
    assert Claim.objects.filter(shift=shift, status="dispatched").count() == 1
    r = staff.post(reverse("volunteering-shift-dispatch", args=[shift.pk]), {"person": "abc"}, follow=True)
    assert r.status_code == 200
    signed_in(w, "member").post(
        reverse("volunteering-shift-dispatch", args=[shift.pk]), {"unit": "dept-work"}
    )
    assert Claim.objects.filter(shift=shift).count() == 1
    staff.post(reverse("volunteering-shift-cancel", args=[shift.pk]), {"reason": "天气"})
    shift.refresh_from_db()
    assert shift.cancelled and shift.filled == 0


def test_the_resident_rates_on_the_project_page(w):
    project = make_project(w)
    resident = signed_in(w, "resident")
    page = resident.get(reverse("volunteering-project", args=[project.pk])).content.decode()
    assert reverse("volunteering-project-rate", args=[project.pk]) in page
    resident.post(reverse("volunteering-project-rate", args=[project.pk]), {"rating": "4", "comment": "不错"})
    resident.post(reverse("volunteering-project-rate", args=[project.pk]), {"rating": "nine"})
    assert project.ratings.get().rating == 4


def test_the_partials(w):
    project = make_project(w, draft(slots=2), title="partial项目")
    shift = first_shift(project)
    claim = c.claim_dispatch(actor=w.people["staff"], shift=shift, person=w.people["member"])
    context = claims_panel(w.people["member"])
    assert context["my_claims"] == [claim]
    html = render_to_string("volunteering/_claims_panel.html", context)
    assert reverse("volunteering-claim-move", args=[claim.pk, "accept"]) in html
    context = console_lists(actor=w.people["staff"], community=w.areas["community_a1a"])
    assert [s.pk for s in context["console_unfilled"]] == [shift.pk]
    html = render_to_string("volunteering/_console_lists.html", context)
    assert "partial项目" in html and "1/2" in html


def test_the_public_page_speaks_chinese(w):
    from django.conf import settings

    make_project(w, draft(slots=3), title="中文项目")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(reverse("volunteering-public", args=[CODE])).content.decode()
    assert "待满足的需求" in html and "空余 3 个名额" in html and "Open needs" not in html
