"""Read-only: a person's notification settings are theirs to change (through preference_set,
audited); deliveries are the jobs' record, shown so an operator sees what failed and why."""

from __future__ import annotations

from django.contrib import admin

from needle.core.admin import ReadOnlyAdmin
from needle.notify.models import Delivery, Preference


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["person", "channel", "cadence", "quiet_start", "quiet_end", "updated_at"]
    list_filter = ["channel", "cadence"]
    search_fields = ["person__username"]
    raw_id_fields = ["person"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "due_at",
        "channel",
        "verb",
        "person",
        "digest",
        "attempts",
        "sent_at",
        "failed_at",
        "error",
    ]
    list_filter = ["channel", "digest", "verb"]
    search_fields = ["person__username", "verb"]
    raw_id_fields = ["person"]
    date_hierarchy = "due_at"
