from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from needle.core.admin import ReadOnlyAdmin, ThroughServicesAdmin
from needle.core.errors import DomainError
from needle.orgs import services
from needle.orgs.forms import AdminSignInForm
from needle.orgs.models import ApiToken, GridAssignment, Membership, Person, RoleAssignment, Unit

# The admin's sign-in obeys the same limits on password guessing as the site's.
admin.site.login_form = AdminSignInForm


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin, UserAdmin):
    """People sign up, edit their profile and are made staff on the site's pages, through the
    services; here they are looked up."""

    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Needle",
            {
                "fields": (
                    "display_name",
                    "phone",
                    "language",
                    "home_area",
                    "email_confirmed_at",
                    "terms_version",
                    "terms_accepted_at",
                )
            },
        ),
    )  # type: ignore[misc]
    list_display = ["username", "display_name", "is_staff", "is_superuser"]
    raw_id_fields = ["home_area"]


@admin.register(Unit)
class UnitAdmin(ThroughServicesAdmin):
    """Founding through unit_create; a founded unit changes only its area, through unit_move
    (which carries the area path its grants read). Units are dissolved, never deleted."""

    list_display = ["code", "name", "type", "area", "founded_on", "dissolved_on"]
    list_filter = ["type"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "area"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["area_path", "dissolved_on"]
        return ["code", "name", "type", "parent", "founded_on", "dissolved_on", "area_path"]

    def write(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Unit:
        if obj is None:
            return services.unit_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                type=data["type"],
                area=data["area"],
                parent=data.get("parent"),
                founded_on=data.get("founded_on"),
            )
        return services.unit_move(actor=request.user, unit=obj, area=data["area"])


@admin.register(Membership)
class MembershipAdmin(ThroughServicesAdmin):
    """Added through membership_add; ended on the unit's page, not edited here."""

    list_display = ["person", "unit", "kind", "joined_on", "left_on"]
    raw_id_fields = ["person", "unit"]
    exclude = ["left_on"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def write(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Membership:
        return services.membership_add(
            actor=request.user,
            person=data["person"],
            unit=data["unit"],
            kind=data["kind"],
            joined_on=data.get("joined_on"),
        )


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ThroughServicesAdmin):
    """Granted through role_grant, revoked through role_revoke; a role is not edited in place."""

    list_display = ["person", "unit", "role"]
    list_filter = ["role"]
    raw_id_fields = ["person", "unit"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def write(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> RoleAssignment:
        return services.role_grant(
            actor=request.user, person=data["person"], unit=data["unit"], role=data["role"]
        )

    def remove(self, request: HttpRequest, obj: Any) -> None:
        services.role_revoke(actor=request.user, assignment=obj)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are issued on the person's own tokens page or by `needle token` (the secret is
    shown once, there); the admin may revoke them, through token_revoke."""

    list_display = ["person", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list's actions need it; the change form itself shows no editable field.
        return super(ReadOnlyAdmin, self).has_change_permission(request, obj) and obj is None

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        try:
            with transaction.atomic():
                for token in queryset.filter(revoked_at__isnull=True):
                    services.token_revoke(actor=request.user, token=token)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)


@admin.register(GridAssignment)
class GridAssignmentAdmin(ReadOnlyAdmin):
    """Workers are assigned to grids on the community's grid page, through the services."""

    list_display = ["grid", "worker", "ended_at"]
    raw_id_fields = ["grid", "worker"]
