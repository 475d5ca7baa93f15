"""Photos: the real type is read from the bytes, the size is capped, and the image is
re-encoded so that EXIF (with its GPS position) never reaches storage."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from needle.core.errors import ValidationFailed

MAX_PHOTOS = 3
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str


def clean_image(raw: bytes, *, field: str = "photos") -> CleanImage:
    if len(raw) > MAX_BYTES:
        raise ValidationFailed(
            fields={field: _("A photo may be at most %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}}
        )
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format or ""
            probe.verify()
        if kind not in FORMATS:
            raise ValidationFailed(fields={field: _("Photos must be JPEG, PNG or WebP images.")})
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationFailed(fields={field: _("The photo has too many pixels.")})
            image.load()
            pixels = image.convert("RGB") if kind == "JPEG" and image.mode not in ("RGB", "L") else image
            out = io.BytesIO()
            # Saving without exif= drops every metadata block, the GPS position included.
            pixels.save(out, format=kind, quality=88) if kind != "PNG" else pixels.save(out, format="PNG")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed(fields={field: _("This file is not an image we can read.")}) from None
    content_type, extension = FORMATS[kind]
    return CleanImage(data=out.getvalue(), content_type=content_type, extension=extension)
