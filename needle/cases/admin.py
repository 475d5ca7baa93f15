from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from needle.cases import services
from needle.cases.models import Category, Holiday, Open311Key, RoutingRule, Service, ServiceAttribute
from needle.core.admin import ThroughServicesAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order"]
    search_fields = ["code", "name", "name_en"]


class AttributeInline(admin.TabularInline):
    model = ServiceAttribute
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "category",
        "deadline_class",
        "accept_hours",
        "resolve_hours",
        "public",
        "active",
    ]
    list_filter = ["category", "deadline_class", "public", "active"]
    search_fields = ["code", "name", "name_en", "keywords"]
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
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "person", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "digest"]
