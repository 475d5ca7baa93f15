from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from needle.core.admin import ReadOnlyAdmin, ThroughServicesAdmin
from needle.volunteering.models import (
    CardSignoff,
    CheckIn,
    Claim,
    HourEntry,
    Need,
    PointRule,
    Project,
    Skill,
    Target,
    UnitCheckIn,
)
from needle.volunteering.services.config import config_row_delete, config_row_save


class ConfigRowAdmin(ThroughServicesAdmin):
    """Saved and deleted through config_row_save and config_row_delete."""

    def write(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        row = obj if obj is not None else self.model()
        return config_row_save(actor=request.user, row=row, data=data)

    def remove(self, request: HttpRequest, obj: Any) -> None:
        config_row_delete(actor=request.user, row=obj)


@admin.register(Skill)
class SkillAdmin(ConfigRowAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en", "synonyms"]


@admin.register(PointRule)
class PointRuleAdmin(ConfigRowAdmin):
    list_display = ["kind", "service_kind", "points", "active"]
    list_filter = ["kind", "active"]


# The rest is written by members and staff through the pages and the API: shown, not edited.


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["person", "community", "workplace", "status", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["person__username", "community__code"]
    raw_id_fields = ["person", "community", "grid", "workplace"]


@admin.register(UnitCheckIn)
class UnitCheckInAdmin(ReadOnlyAdmin):
    list_display = ["unit", "community", "year", "status"]
    list_filter = ["status", "year"]


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "category", "urgency", "status", "created_at"]
    list_filter = ["status", "category", "urgency"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "status"]
    list_filter = ["kind", "status"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["shift", "person", "unit", "status"]
    list_filter = ["status"]


@admin.register(HourEntry)
class HourEntryAdmin(ReadOnlyAdmin):
    list_display = ["person", "date", "hours", "status", "community"]
    list_filter = ["status"]
    raw_id_fields = ["person", "community", "workplace", "shift", "reverses"]


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["community", "quarter_hours", "year_hours"]


@admin.register(CardSignoff)
class CardSignoffAdmin(ReadOnlyAdmin):
    list_display = ["person", "community", "quarter", "signed_at", "hours"]
    list_filter = ["quarter"]
