from django.contrib import admin

from needle.cases.models import Category, Holiday, Open311Key, RoutingRule, Service, ServiceAttribute


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
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["service", "area", "unit"]
    raw_id_fields = ["area", "unit"]
    search_fields = ["service__code", "area__code", "unit__name"]
    readonly_fields = ["area_path"]

    def save_model(self, request, obj, form, change):
        obj.area_path = obj.area.path
        super().save_model(request, obj, form, change)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "person", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "digest"]
