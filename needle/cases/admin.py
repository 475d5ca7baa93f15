from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from needle.cases import services
from needle.cases.models import Category, Holiday, Open311Key, RoutingRule, Service, ServiceAttribute
from needle.cases.services.settings_rows import settings_row_delete, settings_row_save
from needle.core.admin import ReadOnlyAdmin, ThroughServicesAdmin


class SettingsRowAdmin(ThroughServicesAdmin):
    """Saved and deleted through settings_row_save and settings_row_delete."""

    def write(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        row = obj if obj is not None else self.model()
        return settings_row_save(actor=request.user, row=row, data=data)

    def remove(self, request: HttpRequest, obj: Any) -> None:
        settings_row_delete(actor=request.user, row=obj)


@admin.register(Category)
class CategoryAdmin(SettingsRowAdmin):
    list_display = ["code", "name", "name_en", "order"]
    search_fields = ["code", "name", "name_en"]


class AttributeInline(admin.TabularInline):
    """Shown, not edited here: a service's questions come with the catalog's import."""

    model = ServiceAttribute
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(SettingsRowAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "category",
        "deadline_class",
        "accept_hours",
        "resolve_hours",
        "suspendable",
        "public",
        "active",
    ]
    list_filter = ["category", "deadline_class", "suspendable", "public", "active"]
    search_fields = ["code", "name", "name_en", "keywords", "synonyms", "synonyms_en"]
    inlines = [AttributeInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(ThroughServicesAdmin):
    """Set through rule_set, deleted through rule_delete; a rule's service and area are its
    identity, so a change picks only another unit."""

    list_display = ["service", "area", "unit"]
    raw_id_fields = ["area", "unit"]
    search_fields = ["service__code", "area__code", "unit__name"]
    readonly_fields = ["area_path"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["area_path"] if obj is None else ["service", "area", "area_path"]

    def write(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> RoutingRule:
        return services.rule_set(
            actor=request.user,
            service=obj.service if obj else data["service"],
            area=obj.area if obj else data["area"],
            unit=data["unit"],
        )

    def remove(self, request: HttpRequest, obj: Any) -> None:
        services.rule_delete(actor=request.user, rule=obj)


@admin.register(Holiday)
class HolidayAdmin(SettingsRowAdmin):
    list_display = ["date", "is_workday", "name"]


@admin.register(Open311Key)
class Open311KeyAdmin(ReadOnlyAdmin):
    """Keys are issued by `needle apikey` (the secret is shown once, there)."""

    list_display = ["name", "prefix", "person", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "digest"]
