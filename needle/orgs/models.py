from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.core.models import TimeStamped, optional_fk
from needle.rollups import models as rollup_tables

phone_validator = RegexValidator(
    r"^(\+?86)?1[3-9]\d{9}$|^\+?[1-9]\d{6,14}$|^0\d{2,3}-?\d{7,8}$",
    _("Enter a mobile number such as 13812341234, a landline such as 023-12345678, or +<country><number>."),
    code="invalid_phone",
)


MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")


def is_mobile(phone: str) -> bool:
    """A mainland mobile number: one that can receive a text message."""
    return bool(MOBILE.match(phone or ""))


def normalize_phone(phone: str) -> str:
    """One spelling per number, so a person is found again by it: no spaces or dashes in a
    mobile number and no +86 before it; a landline keeps its area code's dash."""
    phone = (phone or "").strip().replace(" ", "")
    mobile = phone.replace("-", "")
    if MOBILE.match(mobile):
        return mobile[-11:]
    return phone


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise a number, not enough to call it."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class Person(AbstractUser):
    """Everyone who signs in: residents, members and staff are the same people in different roles."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    home_area = optional_fk(Area, _("home area"))
    # Set when the person opened the link mailed to `email`; cleared when the address changes.
    # Only a confirmed address receives reports, notifications and password resets.
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    # The version of the terms of use and privacy notice accepted at sign-up, and when.
    terms_version = models.CharField(_("terms accepted"), max_length=20, blank=True)
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    # Given in the profile or when registering for an activity with an age range.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # An address typed by two people is nobody's until one confirms it; then it is theirs.
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(email_confirmed_at__isnull=False),
                name="one_person_per_confirmed_email",
            ),
            models.CheckConstraint(
                condition=Q(email_confirmed_at__isnull=True) | ~Q(email=""),
                name="person_confirmed_email_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def email_confirmed(self) -> bool:
        return bool(self.email) and self.email_confirmed_at is not None


class UnitType(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("party committee")
    GENERAL_BRANCH = "general_branch", _("general party branch")
    PARTY_BRANCH = "party_branch", _("party branch")
    GENERAL_OFFICE = "general_office", _("general office")
    DEPARTMENT = "department", _("government department")
    STREET_OFFICE = "street_office", _("street office")
    RESIDENT_COMMITTEE = "resident_committee", _("resident committee")
    SERVICE_CENTER = "service_center", _("service center")
    SOCIAL_ORGANIZATION = "social_organization", _("social organization")
    PROPERTY_COMPANY = "property_company", _("property company")


class Unit(TimeStamped):
    """A body that acts: it has a type, a parent unit and a home area (its jurisdiction)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150, db_index=True)
    type = models.CharField(_("type"), max_length=30, choices=UnitType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("home area"), on_delete=models.PROTECT, related_name="units"
    )
    # Denormalized from area.path so that scoping a unit list is one indexed range, not a join.
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    founded_on = models.DateField(_("founded on"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["area_path", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=models.F("founded_on")),
                name="unit_dissolved_after_founded",
            )
        ]
        # The rollup refresh reads the units changed since its watermark every minute.
        indexes = [models.Index(fields=["updated_at"], name="unit_updated_at")]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.dissolved_on is None


class MembershipKind(models.TextChoices):
    PARTY_MEMBER = "party_member", _("party member")
    MEMBER = "member", _("member")
    STAFF = "staff", _("staff")
    VOLUNTEER = "volunteer", _("volunteer")


class Membership(TimeStamped):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MembershipKind.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "kind"],
                condition=Q(left_on__isnull=True),
                name="one_open_membership",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]
        # The rollup refresh reads the memberships changed since its watermark every minute.
        indexes = [models.Index(fields=["updated_at"], name="membership_updated_at")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit} ({self.get_kind_display()})"


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    DISPATCHER = "dispatcher", _("dispatcher")
    HANDLER = "handler", _("handler")
    SUPERVISOR = "supervisor", _("supervisor")
    COORDINATOR = "coordinator", _("coordinator")
    VISITOR = "visitor", _("visitor")
    VIEWER = "viewer", _("viewer")
    AUDITOR = "auditor", _("auditor")


class RoleAssignment(TimeStamped):
    """person × unit × role. Scope: the unit's own objects and everything in its area's subtree."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="roles"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["person", "unit", "role"], name="one_role_per_unit")]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_role_display()} @ {self.unit}"


class ApiToken(TimeStamped):
    """A personal API token. Only a SHA-256 of the secret is kept; the prefix finds the row."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class GridAssignment(TimeStamped):
    """A grid worker is responsible for a grid; one worker may hold several grids."""

    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="worker_assignments"
    )
    worker = models.ForeignKey(
        Person,
        verbose_name=_("grid worker"),
        on_delete=models.CASCADE,
        related_name="grid_assignments",
    )
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "worker"],
                condition=Q(ended_at__isnull=True),
                name="one_open_grid_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.grid.name}"


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("signed form")
    VERBAL_WITNESSED = "verbal_witnessed", _("verbal, with a witness")
    # A family member who looks after the person gave the details and answers for them.
    FAMILY = "family", _("given by a family member")


class PersonRecord(TimeStamped):
    """A person without an account (an elderly resident registered at the counter, a household
    in care): one shared record each, kept with their consent, found again by phone or by name
    and year of birth. A record found to be a duplicate points at the one it was merged into;
    what was registered for either stays where it was, so both histories remain."""

    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    # Denormalized from area.path: the staff who may read a record are scoped by its place.
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    consent_method = models.CharField(_("consent given by"), max_length=20, choices=ConsentMethod.choices)
    consent_noted_by = models.ForeignKey(
        Person, verbose_name=_("consent noted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_noted_at = models.DateTimeField(_("consent noted at"))
    # The resident who looks after this person (a parent, a child) and may register them.
    family_of = optional_fk(Person, _("family member responsible"), related_name="family")
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )

    class Meta:
        verbose_name = _("person without an account")
        verbose_name_plural = _("people without an account")
        indexes = [
            models.Index(fields=["phone"], name="person_record_phone"),
            models.Index(fields=["name", "birth_year"], name="person_record_name_year"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="record_not_merged_into_itself"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


# The organization figures' rollups (needle.orgs.figures), on the engine's table shapes ------------


class OrgCounters(models.Model):
    founded = models.IntegerField(_("founded"), default=0)
    dissolved = models.IntegerField(_("dissolved"), default=0)
    joined = models.IntegerField(_("joined"), default=0)
    left = models.IntegerField(_("left"), default=0)
    units = models.IntegerField(_("units"), default=0)
    members = models.IntegerField(_("members"), default=0)

    class Meta:
        abstract = True


class OrgRollup(OrgCounters, rollup_tables.LeafRows):
    # The unit's type, as its place in UnitType (1 for the first): the engine's keys are integers.
    unit_type = models.IntegerField(_("type"), default=0)
    # The depth of the unit's area (the statistics by level), the same for every row of an area.
    area_level = models.PositiveSmallIntegerField(_("level"), default=0)

    class Meta:
        verbose_name = _("organization rollup")
        verbose_name_plural = _("organization rollups")
        constraints = rollup_tables.leaf_constraints("org_rollup_key", "unit_type", "area_level")
        # As the cases' leaf rows, a subtree is its id at its depth, from the first depth
        # without node rows (the source's node depth is 2) down.
        indexes = rollup_tables.leaf_indexes("org_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} t{self.unit_type}"


class OrgNodeRollup(OrgCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("organization area rollup")
        verbose_name_plural = _("organization area rollups")
        constraints = rollup_tables.node_constraints("org_node_rollup_key")
        indexes = rollup_tables.node_indexes("org_node_rollup")


class OrgFootprint(rollup_tables.Footprints):
    unit_id = models.BigIntegerField(_("unit"), primary_key=True)

    class Meta:
        verbose_name = _("unit footprint")
        verbose_name_plural = _("unit footprints")
