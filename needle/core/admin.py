from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models, transaction
from django.http import HttpRequest

from needle.core.errors import DomainError
from needle.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """A page to look at rows that are written elsewhere, through services with their rules and
    audit events (the console, the API, a command): the admin adds, changes and deletes none."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Nobody edits or deletes history."""

    list_display = ["created_at", "actor", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "object_id", "request_id"]
    date_hierarchy = "created_at"


class ThroughServicesAdmin(admin.ModelAdmin):
    """An admin page whose every write goes through the app's services, as the pages' and the
    API's do: permission checks, rules and audit events included.

    The service runs when the form is validated, so that its refusal (a DomainError) becomes
    the form's errors and nothing is saved; `save_model` then has nothing left to do. Pages
    define `write` (add and change) and, where deleting is allowed, `remove`."""

    def write(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> models.Model:
        """Add (obj is None) or change `obj` with the form's cleaned data; return the object."""
        raise NotImplementedError

    def remove(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        page = self

        class ThroughService(base):  # type: ignore[misc,valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if self.errors:
                    return data
                try:
                    self.instance = page.write(request, obj, data)
                except DomainError as exc:
                    for name, text in exc.fields.items():
                        self.add_error(name if name in self.fields else None, text)
                    if not exc.fields:
                        self.add_error(None, exc.message)
                return data

            def _post_clean(self) -> None:
                # The service validated and saved the object; the model form's own pass would
                # check the saved row against itself.
                pass

        return ThroughService

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        """Saved by the service when the form was validated."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return type(self).remove is not ThroughServicesAdmin.remove and super().has_delete_permission(
            request, obj
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.remove(request, obj)
        except DomainError as exc:
            raise DjangoPermissionDenied(exc.message) from None

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)
