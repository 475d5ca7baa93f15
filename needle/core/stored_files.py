"""A row whose file field has another name, as the photo upload pipeline takes it: `store_photo`
(needle.cases.uploads) writes `photo.image` and then calls `photo.save()`."""

from __future__ import annotations

from django.db.models import Model
from django.db.models.fields.files import FieldFile


class StoredFile:
    """The row's file as `image`; saving saves the row."""

    def __init__(self, row: Model, file: FieldFile) -> None:
        self.row = row
        self.image = file

    def save(self) -> None:
        self.row.save()
