"""A stored photo is served with its type and the cache it allows; a lost file is a 404."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from needle.core.errors import NotFound
from needle.core.photos import photo_response


@dataclass
class _Image:
    data: bytes | None

    def open(self, mode: str) -> io.BytesIO:
        if self.data is None:
            raise OSError("gone from the storage")
        return io.BytesIO(self.data)


@dataclass
class _Photo:
    image: _Image
    content_type: str = "image/jpeg"


def test_a_photo_is_served_with_its_type_and_cache() -> None:
    public = photo_response(_Photo(_Image(b"jpeg bytes")), public=True)
    assert public["Content-Type"] == "image/jpeg"
    assert public["Cache-Control"] == "public, max-age=3600"
    assert b"".join(public.streaming_content) == b"jpeg bytes"  # type: ignore[arg-type]
    private = photo_response(_Photo(_Image(b"x")), public=False)
    assert private["Cache-Control"] == "private, max-age=3600"


def test_a_lost_file_is_not_found() -> None:
    with pytest.raises(NotFound):
        photo_response(_Photo(_Image(None)), public=True)
