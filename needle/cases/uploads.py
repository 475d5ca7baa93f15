"""Photos: the real type is read from the bytes, the size and the pixel count are capped
before anything is decoded, and the image is re-encoded without its metadata (EXIF with its
GPS position, comments, XMP, ICC) so that none of it reaches storage. A photo written while a
service fails is deleted again."""

from __future__ import annotations

import functools
import io
import logging
import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from needle.core.errors import ValidationFailed

MAX_PHOTOS = 3
MAX_BYTES = 8 * 1024 * 1024
# Decoding costs about 4 bytes a pixel plus the re-encoding: 16 megapixels (a 4:3 phone
# photo) is ~64 MB. A small file can declare far more (a 154 KB PNG of 6300 x 6300 costs
# 0.6 s and 140 MB to decode), so the count is read from the header, before decoding.
MAX_PIXELS = 16_000_000
# A JPEG decodes at 1/2, 1/4 or 1/8 scale for little more than the cost of the smaller
# image, so a 48-megapixel phone photo is taken in at half its size instead of refused.
MAX_JPEG_PIXELS = 4 * MAX_PIXELS
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}

logger = logging.getLogger(__name__)


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
    too_many = _("The photo has too many pixels (at most %(mp)d megapixels).") % {"mp": MAX_PIXELS // 10**6}
    try:
        with Image.open(io.BytesIO(raw)) as probe:  # reads the header only
            # Many phone cameras write MPO: a JPEG with more pictures after it. The first is the
            # photo; it is stored as a plain JPEG.
            kind = "JPEG" if probe.format == "MPO" else probe.format or ""
            if kind not in FORMATS:
                raise ValidationFailed(fields={field: _("Photos must be JPEG, PNG or WebP images.")})
            if probe.width * probe.height > (MAX_JPEG_PIXELS if kind == "JPEG" else MAX_PIXELS):
                raise ValidationFailed(fields={field: too_many})
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            if kind == "JPEG":
                image.draft(None, _draft_size(image.width, image.height))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationFailed(fields={field: too_many})
            image.load()
            # The stored file has no EXIF, so its orientation is applied to the pixels.
            ImageOps.exif_transpose(image, in_place=True)
            pixels = image.convert("RGB") if kind == "JPEG" and image.mode not in ("RGB", "L") else image
            # Pillow writes some of `info` back when saving (a JPEG's comment, a PNG's ICC
            # profile); only a palette's transparent colour is part of the picture.
            pixels.info = {k: v for k, v in pixels.info.items() if k == "transparency"}
            out = io.BytesIO()
            pixels.save(out, format=kind, quality=88) if kind != "PNG" else pixels.save(out, format="PNG")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed(fields={field: _("This file is not an image we can read.")}) from None
    content_type, extension = FORMATS[kind]
    return CleanImage(data=out.getvalue(), content_type=content_type, extension=extension)


def _draft_size(width: int, height: int) -> tuple[int, int]:
    """The size to ask a JPEG decoder for: the smallest reduction (1/2, 1/4, 1/8) that brings
    the image within MAX_PIXELS; its own size when it already is."""
    scale = 1
    while scale < 8 and math.ceil(width / scale) * math.ceil(height / scale) > MAX_PIXELS:
        scale *= 2
    # The decoder picks the largest reduction that still gives at least this size.
    return max(1, width // scale), max(1, height // scale)


# Photo files and the transaction ------------------------------------------------------------

# The files written during the current service call: (storage, name), oldest first.
_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("photo_files_written", default=None)

P = ParamSpec("P")
R = TypeVar("R")


def photo_files_removed_on_error(func: Callable[P, R]) -> Callable[P, R]:
    """For a service that stores photos (with `store_photo`): when it fails, its transaction
    rolls back the photo rows, and this deletes the files they named, which no rollback
    reaches. Put it outside the service's `transaction.atomic`. A nested call that fails
    deletes its own files; one that succeeds leaves them to the outer call."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        written = _written.get()
        token = _written.set([]) if written is None else None
        mine = _written.get()
        assert mine is not None
        start = len(mine)
        try:
            return func(*args, **kwargs)
        except BaseException:
            for storage, name in mine[start:]:
                try:
                    storage.delete(name)
                except OSError:
                    logger.exception("photo file %s of a failed request could not be deleted", name)
            del mine[start:]
            raise
        finally:
            if token is not None:
                _written.reset(token)

    return wrapper


def store_photo(photo: Any, name: str, image: CleanImage) -> None:
    """Write a photo's file and save its row, inside a service wrapped by
    `photo_files_removed_on_error`."""
    written = _written.get()
    if written is None:
        raise RuntimeError("store_photo needs a service wrapped by photo_files_removed_on_error")
    photo.image.save(name, ContentFile(image.data), save=False)
    written.append((photo.image.storage, photo.image.name))
    photo.save()
