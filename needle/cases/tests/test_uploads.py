"""Photos: what they may cost to decode, what of them is kept, what a failed request leaves
behind, and how large a request may be."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client
from PIL import Image

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import Case
from needle.cases.uploads import MAX_PIXELS, clean_image
from needle.core.errors import ValidationFailed


def encoded(image: Image.Image, kind: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()


def test_a_small_file_declaring_too_many_pixels_is_refused_before_decoding() -> None:
    # 6300 x 6300 one-bit pixels compress to a few KB; decoded they were 40 million.
    bomb = encoded(Image.new("1", (6300, 6300)), "PNG")
    assert len(bomb) < 200_000
    with pytest.raises(ValidationFailed) as err:
        clean_image(bomb)
    assert "too many pixels" in err.value.fields["photos"]


def test_a_large_jpeg_is_decoded_at_a_reduced_scale() -> None:
    big = encoded(Image.new("L", (4200, 4000), 128), "JPEG")
    stored = Image.open(io.BytesIO(clean_image(big).data))
    assert stored.size == (2100, 2000) and stored.width * stored.height <= MAX_PIXELS


def test_comments_xmp_and_colour_profiles_are_stripped() -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright: turn the pixels 90 degrees
    jpeg = encoded(
        Image.new("RGB", (40, 30), "red"),
        "JPEG",
        comment=b"secret-comment 13812345678",
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
        icc_profile=icc,
        exif=exif,
    )
    data = clean_image(jpeg).data
    assert b"secret-comment" not in data and b"secret-xmp" not in data
    stored = Image.open(io.BytesIO(data))
    assert not {"comment", "xmp", "icc_profile", "exif"} & set(stored.info)
    assert stored.size == (30, 40)  # the orientation went into the pixels with the EXIF gone
    png = Image.open(io.BytesIO(clean_image(encoded(Image.new("RGB", (8, 8)), "PNG", icc_profile=icc)).data))
    assert "icc_profile" not in png.info


def test_a_phones_multi_picture_jpeg_is_stored_as_its_first_picture() -> None:
    first, second = Image.new("RGB", (64, 48), (200, 0, 0)), Image.new("RGB", (64, 48), (0, 0, 200))
    mpo = encoded(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"
    cleaned = clean_image(mpo)
    stored = Image.open(io.BytesIO(cleaned.data))
    assert cleaned.content_type == "image/jpeg" and stored.format == "JPEG" and stored.size == (64, 48)
    assert not getattr(stored, "is_animated", False)
    red, _green, blue = stored.getpixel((32, 24))
    assert red > 150 and blue < 50


class FullDisk(FileSystemStorage):
    """Takes one file, then fails as a full disk would."""

    saved = 0

    def _save(self, name: str, content: Any) -> str:
        FullDisk.saved += 1
        if FullDisk.saved > 1:
            raise OSError(28, "No space left on device")
        return super()._save(name, content)


def test_a_failed_request_leaves_no_photo_file(
    world: t.World, catalog: dict[str, Any], settings, tmp_path: Path
):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDisk", "OPTIONS": {"location": str(tmp_path)}},
    }
    FullDisk.saved = 0
    photo = encoded(Image.new("RGB", (8, 8), "red"), "PNG")
    with pytest.raises(OSError, match="No space"):
        t.submit(world, catalog["road"], photos=[photo, photo])
    assert FullDisk.saved == 2 and not Case.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    # The same for the handler's photos of the result.
    case = t.submit(world, catalog["road"])
    handler = world.people["handler"]
    s.case_accept(actor=handler, case=case)
    FullDisk.saved = 0
    with pytest.raises(OSError, match="No space"):
        s.case_resolve(actor=handler, case=case, note="填平了", photos=[photo, photo])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    case.refresh_from_db()
    assert case.state == "accepted" and not case.photos.exists()


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(
    world: t.World, catalog: dict[str, Any], settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    settings.LANGUAGE_CODE = "en"
    big = io.BytesIO(b"\0" * (2 * 1024 * 1024))
    big.name = "photo.png"
    r = Client().post("/report/", t.report_form(catalog, photos=[big]))
    assert r.status_code == 413 and "at most 1 MB" in r.content.decode()
    # Only the declared length counts: the body of a 300 MB claim is never read.
    r = Client().post("/report/", {"description": "x"}, CONTENT_LENGTH=str(300 * 1024 * 1024))
    assert r.status_code == 413
    api = t.ApiClient(world.people["resident"]).client
    body = {
        "service_code": "road",
        "description": "路面塌了",
        "area_code": "500103001001",
        "photos": ["A" * 2**21],
    }
    r = api.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert not Case.objects.exists()
    # Under the limit, a photo is accepted.
    small = io.BytesIO(encoded(Image.new("RGB", (8, 8), "red"), "PNG"))
    small.name = "photo.png"
    r = Client().post("/report/", t.report_form(catalog, photos=[small]))
    assert r.status_code == 302 and Case.objects.get().photos.count() == 1
