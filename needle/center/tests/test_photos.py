"""An activity's photos: added by its center's staff (page and API), cleaned of their metadata,
at most six, removed with their file; public as the activity is."""

import base64
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from needle.center.models import ActivityPhoto
from needle.center.tests.conftest import make_activity
from needle.core.models import AuditEvent


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying an EXIF GPS block (what a phone writes)."""
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (29.0, 33.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_staff_add_a_photo_that_keeps_no_metadata_and_everyone_sees_it(
    world, center, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(world, capacity=3, title_en="Tai chi")
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)
    staff = client_for("staff")
    upload = SimpleUploadedFile("poster.jpg", raw, content_type="image/jpeg")
    res = staff.post(f"/center/activities/{activity.pk}/photos/", {"image": upload, "caption": "海报"})
    assert res.status_code == 302
    photo = ActivityPhoto.objects.get(activity=activity)
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert not stored.getexif()  # no GPS, no maker
    assert AuditEvent.objects.filter(
        action="center.activity.photo_added", actor=world.people["staff"]
    ).exists()
    # Public: the center page shows it, anyone may fetch it.
    page = Client().get(f"/center/{world.areas['community_a1a'].code}/").content.decode()
    assert f"/center/photos/{photo.pk}/" in page and 'alt="海报"' in page
    res = Client().get(f"/center/photos/{photo.pk}/")
    assert res.status_code == 200 and res["Content-Type"] == "image/jpeg"
    assert Client().get("/center/photos/999999/").status_code == 404
    # Removed by staff: the row and the file go.
    name = photo.image.name
    assert (tmp_path / name).exists()
    assert client_for("supervisor").post(f"/center/photos/{photo.pk}/remove/").status_code == 302
    assert ActivityPhoto.objects.filter(pk=photo.pk).exists()
    # The file is deleted once the removal has committed.
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/center/photos/{photo.pk}/remove/")
    assert not ActivityPhoto.objects.filter(pk=photo.pk).exists() and not (tmp_path / name).exists()


def test_the_api_takes_a_photo_and_refuses_what_is_not_one(world, center, api_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(world, capacity=3)
    api = api_for("staff")
    url = f"/api/v1/center/activities/{activity.pk}/photos"
    good = base64.b64encode(jpeg_with_gps()).decode()
    res = api.post(url, {"image": good, "caption": "合影"})
    assert res.status_code == 201 and res.json()["caption"] == "合影"
    detail = api.get(f"/api/v1/center/activities/{activity.pk}").json()
    assert [p["url"] for p in detail["photos"]] == [res.json()["url"]]
    # Not base64, not an image, a truncated image: each a 422 naming the field.
    assert "image" in api.post(url, {"image": "not base64!"}).json()["error"]["fields"]
    text = base64.b64encode(b"hello, this is not a picture").decode()
    assert api.post(url, {"image": text}).status_code == 422
    half = base64.b64encode(jpeg_with_gps()[:200]).decode()
    res = api.post(url, {"image": half})
    assert res.status_code == 422 and "photo" in res.json()["error"]["fields"]
    # Others may not add or remove.
    assert api_for("resident").post(url, {"image": good}).status_code == 403
    assert api_for("supervisor").post(url, {"image": good}).status_code == 403
    photo_id = res_id = detail["photos"][0]["id"]
    assert api_for("outsider").delete(f"/api/v1/center/photos/{photo_id}").status_code == 403
    # Six at most.
    for _ in range(5):
        assert api.post(url, {"image": good}).status_code == 201
    res = api.post(url, {"image": good})
    assert res.status_code == 409 and res.json()["error"]["code"] == "too_many_photos"
    assert api.delete(f"/api/v1/center/photos/{res_id}").status_code == 204
    assert ActivityPhoto.objects.filter(activity=activity).count() == 5
