"""The hours' page parts: the member's panel (report with a photo), the console's (verify,
reject, sign a quarter's cards), the workplace unit's; every POST goes back to `next`."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image

from needle.core.errors import NotFound
from needle.volunteering import quarters
from needle.volunteering.models import CardSignoff, Claim, HourEntry, HourStatus, Project, Shift
from needle.volunteering.services import hours as svc
from needle.volunteering.tests.conftest import make_checkin
from needle.volunteering.views import hours as views

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked_in(vworld):
    p, u, a = vworld.people, vworld.units, vworld.areas
    for key, community in (("member", "community_a1a"), ("member2", "community_a1a")):
        make_checkin(p[key], workplace=u["workplace"], community=a[community])
    return vworld


def jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def render(name, ctx, person):
    request = RequestFactory().get("/somewhere/")
    request.user = person
    return render_to_string(f"volunteering/{name}", ctx, request=request)


def test_member_reports_with_a_photo_and_staff_verify_on_the_console(
    checked_in, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    w = checked_in
    html = render("_hours_panel.html", views.hours_panel(w.people["member"]), w.people["member"])
    assert 'name="evidence"' in html and "card.pdf" in html
    res = client_for("member").post(
        "/volunteering/hours/report/",
        {
            "date": timezone.localdate().isoformat(),
            "hours": "1.5",
            "description": "陪老人聊天",
            "next": "/me/",
            "evidence": SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg"),
        },
    )
    assert res.status_code == 302 and res["Location"] == "/me/"
    entry = HourEntry.objects.get()
    assert entry.evidence and b"PhoneMaker" not in entry.evidence.read()
    ctx = views.console_hours(actor=w.people["staff"], community=w.areas["community_a1a"])
    html = render("_console_hours.html", ctx, w.people["staff"])
    assert f"/volunteering/hours/{entry.pk}/verify/" in html
    assert client_for("staff").get(f"/volunteering/hours/{entry.pk}/evidence/").status_code == 200
    assert client_for("outsider").get(f"/volunteering/hours/{entry.pk}/evidence/").status_code == 404
    res = client_for("member").post(f"/volunteering/hours/{entry.pk}/verify/", {"next": "/me/"})
    assert res.status_code in (302, 403)
    entry.refresh_from_db()
    assert entry.status == HourStatus.REPORTED
    res = client_for("staff").post(
        f"/volunteering/hours/{entry.pk}/verify/", {"next": "https://evil.example/"}
    )
    assert res.status_code == 302 and res["Location"] == "/"
    entry.refresh_from_db()
    assert entry.status == HourStatus.VERIFIED and entry.points == Decimal("1.50")


def test_log_for_a_shift_skips_the_coordinator_and_a_second_submission(checked_in, client_for):
    w = checked_in
    project = Project.objects.create(
        community=w.areas["community_a1a"],
        area_path=w.areas["community_a1a"].path,
        title="清扫",
        status="open",
    )
    shift = Shift.objects.create(
        project=project,
        area_path=w.areas["community_a1a"].path,
        starts_at=timezone.now() - dt.timedelta(hours=3),
        slots=5,
    )
    for key in ("member", "member2", "staff"):
        Claim.objects.create(shift=shift, person=w.people[key], status="claimed")
    out = svc.hours_log_for_shift(actor=w.people["staff"], shift=shift, hours=Decimal(2), description="清扫")
    assert {e.person.username for e in out} == {"member", "member2"}
    assert set(Claim.objects.filter(shift=shift).values_list("status", flat=True)) == {"done", "claimed"}
    assert (
        svc.hours_log_for_shift(actor=w.people["staff"], shift=shift, hours=Decimal(2), description="x") == []
    )
    with pytest.raises(NotFound):
        svc.hours_log_for_shift(actor=w.people["unit_coord"], shift=shift, hours=Decimal(2), description="x")


def test_unit_panel_and_signing_a_quarter(checked_in, client_for):
    w = checked_in
    start, _end = quarters.parse_quarter(quarters.quarter_of(timezone.localdate()))
    day = start - dt.timedelta(days=3)
    quarter = quarters.quarter_of(day)
    HourEntry.objects.create(
        person=w.people["member"],
        community=w.areas["community_a1a"],
        area_path=w.areas["community_a1a"].path,
        date=day,
        hours=Decimal(9),
        description="巡逻",
        status="verified",
        verified_by=w.people["staff"],
        verified_at=timezone.now(),
    )
    ctx = views.unit_hours_panel(actor=w.people["unit_coord"], unit=w.units["workplace"], quarter=quarter)
    html = render("_unit_hours.html", ctx, w.people["unit_coord"])
    assert "cards.pdf" in html and ctx["met"] == 1
    res = client_for("member").post(
        f"/volunteering/communities/{w.areas['community_a1a'].code}/cards/sign/", {"quarter": quarter}
    )
    assert res.status_code in (302, 403) and not CardSignoff.objects.exists()
    res = client_for("staff").post(
        f"/volunteering/communities/{w.areas['community_a1a'].code}/cards/sign/",
        {"quarter": quarter, "next": "/console/"},
    )
    assert res.status_code == 302 and CardSignoff.objects.get().hours == Decimal(9)
