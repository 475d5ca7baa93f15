from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from needle.orgs.forms import AdminSignInForm
from needle.orgs.models import ApiToken, GridAssignment, Membership, Person, RoleAssignment, Unit

# The admin's sign-in obeys the same limits on password guessing as the site's.
admin.site.login_form = AdminSignInForm


@admin.register(Person)
class PersonAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Needle", {"fields": ("display_name", "phone", "language", "home_area")}),
    )  # type: ignore[misc]
    list_display = ["username", "display_name", "is_staff", "is_superuser"]
    raw_id_fields = ["home_area"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "type", "area", "founded_on", "dissolved_on"]
    list_filter = ["type"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "area"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "unit", "kind", "joined_on", "left_on"]
    raw_id_fields = ["person", "unit"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "unit", "role"]
    list_filter = ["role"]
    raw_id_fields = ["person", "unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["person", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest"]


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ["grid", "worker", "ended_at"]
    raw_id_fields = ["grid", "worker"]
