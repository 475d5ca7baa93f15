from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from needle.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes history."""

    list_display = ["created_at", "actor", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "object_id", "request_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
