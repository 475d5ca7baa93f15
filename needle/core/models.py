from __future__ import annotations

from typing import Any, TypeVar, overload

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


_M = TypeVar("_M", bound=models.Model)


@overload
def optional_fk(
    to: type[_M], verbose_name: Any, *, on_delete: Any = ..., related_name: str = ...
) -> models.ForeignKey[_M | None, _M | None]: ...
@overload
def optional_fk(to: str, verbose_name: Any, *, on_delete: Any = ..., related_name: str = ...) -> Any: ...
def optional_fk(
    to: Any, verbose_name: Any, *, on_delete: Any = models.SET_NULL, related_name: str = "+"
) -> Any:
    """A reference that may be empty (null, and optional in forms): who decided, the room of an
    activity. Emptied when its object goes, unless `on_delete` says otherwise."""
    return models.ForeignKey(
        to, verbose_name=verbose_name, null=True, blank=True, on_delete=on_delete, related_name=related_name
    )


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    """One fact: who did what to which object, with the values before and after."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = optional_fk(settings.AUTH_USER_MODEL, _("actor"), on_delete=models.PROTECT)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # Where the object sits in the area tree, so that audit search obeys the same scopes.
    area_path = models.CharField(_("area path"), max_length=255, blank=True, db_index=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


def creator_fk() -> Any:
    """Who created the row: set by the service that creates it, and emptied when the account
    goes, so the row outlives its author."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def exactly_one(first: str, second: str, *, name: str) -> models.CheckConstraint:
    """A row names one of two things, never both, never neither (a person or their shared
    record, a suggestion or a comment): the rule the services keep, kept by the database too."""
    return models.CheckConstraint(
        condition=Q(**{f"{first}__isnull": False, f"{second}__isnull": True})
        | Q(**{f"{first}__isnull": True, f"{second}__isnull": False}),
        name=name,
    )
