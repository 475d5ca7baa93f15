"""Members serving where they live (双报到): their check-in with their home community, units
paired with communities, the three lists (needs, resources, projects with shifts), claims,
the ledger of service hours and points, and the quarterly service card.

A member is a person with an open membership of kind party member or member in a unit: that
unit is their workplace, which sees where its members serve and receives their cards."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.cases.models import Case
from needle.core.models import TimeStamped, creator_fk, optional_fk
from needle.orgs.models import Person, Unit

# The figures' rollup tables are declared in their own module; importing them here registers them.
from needle.volunteering.tables import (  # noqa: F401
    ListFootprint,
    ListNodeRollup,
    ListRollup,
    MemberFootprint,
    MemberNodeRollup,
    MemberRollup,
)


class Skill(TimeStamped):
    """A known skill: what a member types on the check-in slip is matched against its names
    and synonyms, so that "急救", "first aid" and "CPR" are one skill to the suggestions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("name in English"), max_length=60)
    # Other words for it, one per line or separated by commas, in either language.
    synonyms = models.TextField(_("synonyms"), blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Part(models.TextChoices):
    MORNING = "morning", _("morning")
    AFTERNOON = "afternoon", _("afternoon")
    EVENING = "evening", _("evening")


# A member's availability is one integer: bit (weekday - 1) * 3 + part, weekday 1 (Monday) to
# 7, part 0 (morning) to 2 (evening). A shift's slot is tested against it with one AND.
PARTS: tuple[str, ...] = tuple(p.value for p in Part)


def availability_bit(weekday: int, part: str) -> int:
    return 1 << ((weekday - 1) * 3 + PARTS.index(part))


class ServiceKind(models.TextChoices):
    ELDERLY = "elderly", _("caring for the elderly")
    CHILDREN = "children", _("children and teenagers")
    ENVIRONMENT = "environment", _("environment and tidiness")
    SAFETY = "safety", _("safety patrols")
    HEALTH = "health", _("health")
    LEGAL = "legal", _("legal advice")
    CULTURE = "culture", _("culture and education")
    REPAIRS = "repairs", _("repairs")
    CIVILITY = "civility", _("civility and publicity")
    OTHER = "other", _("other")


class CheckInStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    CONFIRMED = "confirmed", _("confirmed")
    RETURNED = "returned", _("returned for corrections")
    MOVED = "moved", _("moved (new home)")
    WITHDRAWN = "withdrawn", _("withdrawn")


# A member has at most one check-in in one of these states: the one that stands.
STANDING_CHECKIN = frozenset({CheckInStatus.SUBMITTED, CheckInStatus.CONFIRMED, CheckInStatus.RETURNED})


class CheckIn(TimeStamped):
    """A member's check-in slip with the community of their home (报到)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="checkins"
    )
    # The unit of the member's open membership: it sees where its members serve.
    workplace = models.ForeignKey(
        Unit, verbose_name=_("workplace"), on_delete=models.PROTECT, related_name="member_checkins"
    )
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = optional_fk(Area, _("grid"))
    # Denormalized from the grid's path, or the community's: scoping and "same grid" are ranges.
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=CheckInStatus.choices)
    skills_text = models.TextField(_("skills, as written"), blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    availability = models.IntegerField(_("availability"), default=0)
    service_kinds = models.JSONField(_("preferred kinds of service"), default=list, blank=True)
    phone_visible = models.BooleanField(_("show my phone number to other members"), default=False)
    # Why a member checks in with a community other than the one of their home.
    outside_reason = models.CharField(_("reason for another community"), max_length=300, blank=True)
    note = models.CharField(_("corrections asked"), max_length=300, blank=True)
    decided_by = optional_fk(Person, _("decided by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    moved_to = models.ForeignKey(
        "self",
        verbose_name=_("moved to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The last day of verified service: the suggestions prefer who served least recently.
    last_served_on = models.DateField(_("last served on"), null=True, blank=True)

    class Meta:
        verbose_name = _("member check-in")
        verbose_name_plural = _("member check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["submitted", "confirmed", "returned"]),
                name="one_standing_checkin",
            ),
            models.CheckConstraint(condition=Q(availability__gte=0), name="checkin_availability_bits"),
        ]
        indexes = [
            models.Index(fields=["status", "area_path"], name="checkin_status_path"),
            models.Index(fields=["community", "status"], name="checkin_community_status"),
            models.Index(fields=["workplace", "status"], name="checkin_workplace_status"),
            models.Index(fields=["updated_at"], name="checkin_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.community}"


class UnitCheckIn(TimeStamped):
    """A unit paired with a community for a year (单位报到), with what it commits."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="pairings")
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=20, choices=CheckInStatus.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = optional_fk(Person, _("decided by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    note = models.CharField(_("corrections asked"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("unit check-in")
        verbose_name_plural = _("unit check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "community", "year"],
                condition=~Q(status="withdrawn"),
                name="one_pairing_per_year",
            )
        ]
        indexes = [
            models.Index(fields=["status", "area_path"], name="pairing_status_path"),
            models.Index(fields=["updated_at"], name="pairing_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} @ {self.community} {self.year}"


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("a venue")
    PROFESSIONAL = "professional", _("professional services")
    FUNDS = "funds", _("funds")
    STAFF_DAYS = "staff_days", _("staff days")
    GOODS = "goods", _("goods")
    OTHER = "other", _("other")


class UnitCommitment(TimeStamped):
    pairing = models.ForeignKey(
        UnitCheckIn, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="commitments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    measure = models.CharField(_("measured in"), max_length=30, blank=True)  # 元, days, m²

    class Meta:
        verbose_name = _("unit commitment")
        verbose_name_plural = _("unit commitments")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="unit_commitment_positive")]

    def __str__(self) -> str:
        return self.description


class Review(models.TextChoices):
    KEPT = "kept", _("kept")
    PARTLY = "partly", _("partly kept")
    NOT_KEPT = "not_kept", _("not kept")


class Commitment(TimeStamped):
    """A member's promise for the year (承诺), published on the community page if they wish and
    reviewed at the year's end."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.CharField(_("commitment"), max_length=500)
    public = models.BooleanField(_("shown on the community page"), default=False)
    review = models.CharField(_("review"), max_length=20, choices=Review.choices, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    reviewed_by = optional_fk(Person, _("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        indexes = [models.Index(fields=["community", "year"], name="commitment_community_year")]

    def __str__(self) -> str:
        return self.text


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("open")
    MET = "met", _("met")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Need(TimeStamped):
    """A need of the community (需求清单), raised by its staff or grid workers, or made from a
    resident's request: when it is met, that request can be resolved with it."""

    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = optional_fk(Area, _("grid"))
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("kind of service"), max_length=20, choices=ServiceKind.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    people_needed = models.PositiveIntegerField(_("people needed"), default=1)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    case = optional_fk(Case, _("resident's request"), related_name="volunteering_needs")
    status = models.CharField(_("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    met_note = models.CharField(_("how it was met"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(people_needed__gte=1), name="need_needs_someone"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="need_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="need_community_status"),
            models.Index(fields=["status", "area_path"], name="need_status_path"),
            models.Index(fields=["updated_at"], name="need_updated_at"),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectKind(models.TextChoices):
    ONE_OFF = "one_off", _("one-off")
    RECURRING = "recurring", _("recurring")
    FLEXIBLE = "flexible", _("flexible (when you can, by a date)")


class ProjectStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Project(TimeStamped):
    """A service project (项目清单) answering one or more needs, with its shifts."""

    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ProjectKind.choices, default=ProjectKind.ONE_OFF
    )
    category = models.CharField(
        _("kind of service"), max_length=20, choices=ServiceKind.choices, default=ServiceKind.OTHER
    )
    needs = models.ManyToManyField(
        Need, verbose_name=_("needs answered"), blank=True, related_name="projects"
    )
    coordinator = optional_fk(Person, _("coordinator"))
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.OPEN
    )
    created_by = creator_fk()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status"], name="project_community_status"),
            models.Index(fields=["updated_at"], name="project_updated_at"),
        ]

    def __str__(self) -> str:
        return self.title


class Shift(TimeStamped):
    """A time to serve (date, time, place, slots, skills), or a flexible task done whenever the
    member can by `due_on` (no times)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="shifts"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    due_on = models.DateField(_("to be done by"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    slots = models.PositiveIntegerField(_("slots"))
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    # The claims that hold a slot, kept with them under the shift's lock: "full" is one read.
    filled = models.PositiveIntegerField(_("slots taken"), default=0)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(slots__gte=1), name="shift_has_a_slot"),
            models.CheckConstraint(condition=Q(filled__lte=models.F("slots")), name="shift_not_overfilled"),
            models.CheckConstraint(
                condition=(Q(starts_at__isnull=False) & Q(ends_at__gt=models.F("starts_at")))
                | (Q(starts_at__isnull=True) & Q(ends_at__isnull=True) & Q(due_on__isnull=False)),
                name="shift_timed_or_flexible",
            ),
        ]
        indexes = [
            models.Index(fields=["area_path", "starts_at"], name="shift_path_start"),
            models.Index(fields=["project", "starts_at"], name="shift_project_start"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.starts_at or self.due_on}"

    @property
    def flexible(self) -> bool:
        return self.starts_at is None


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("claimed")
    DISPATCHED = "dispatched", _("dispatched, to accept")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


# The claims that hold a slot of their shift.
HOLDING = frozenset({ClaimStatus.CLAIMED, ClaimStatus.DISPATCHED, ClaimStatus.ACCEPTED, ClaimStatus.DONE})


class Claim(TimeStamped):
    """A member's claim on a shift (认领), or a task dispatched to a member or a unit (派单)."""

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="claims")
    person = optional_fk(Person, _("member"), on_delete=models.PROTECT, related_name="claims")
    unit = optional_fk(Unit, _("unit"), on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(_("status"), max_length=20, choices=ClaimStatus.choices)
    dispatched_by = optional_fk(Person, _("dispatched by"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Copied from the shift so that "two overlapping shifts" is one indexed read per member.
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) ^ Q(unit__isnull=False), name="claim_by_a_member_or_a_unit"
            ),
            models.UniqueConstraint(
                fields=["shift", "person"],
                condition=Q(status__in=["claimed", "dispatched", "accepted", "done"]),
                name="one_claim_per_member_and_shift",
            ),
            models.UniqueConstraint(
                fields=["shift", "unit"],
                condition=Q(status__in=["claimed", "dispatched", "accepted", "done"]),
                name="one_claim_per_unit_and_shift",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status", "starts_at"], name="claim_person_status_start"),
            models.Index(fields=["shift", "status"], name="claim_shift_status"),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.unit} → {self.shift}"


class HourStatus(models.TextChoices):
    REPORTED = "reported", _("to verify")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


class HourEntry(TimeStamped):
    """One line of the ledger of service hours. The ledger is never edited: a correction is a
    new entry (`reverses` the old one, with the opposite hours), so every card can be read back
    as it stood. Points are fixed when the entry is verified, by the rules then in force."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="hour_entries",
    )
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    # The member's workplace when the service was given: its cards and targets count it.
    workplace = optional_fk(Unit, _("workplace"))
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    description = models.CharField(_("what was done"), max_length=500)
    kind = models.CharField(_("kind of service"), max_length=20, choices=ServiceKind.choices, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="volunteering/%Y/%m/", blank=True)
    evidence_note = models.CharField(_("evidence note"), max_length=300, blank=True)
    shift = optional_fk(Shift, _("shift"), related_name="hour_entries")
    urgent = models.BooleanField(_("for an urgent need"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=HourStatus.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_by = optional_fk(Person, _("verified by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("hour entry")
        verbose_name_plural = _("hour entries")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=-24) & Q(hours__lte=24) & ~Q(hours=0), name="hours_within_a_day"
            ),
            # Nobody verifies their own hours.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("person")),
                name="hours_not_verified_by_the_member",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(hours__lt=0) | Q(status="reported"),
                name="reversal_takes_hours_off",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status", "date"], name="hours_person_status_date"),
            models.Index(fields=["community", "status", "date"], name="hours_community_status"),
            models.Index(fields=["workplace", "status", "date"], name="hours_workplace_status"),
            models.Index(fields=["updated_at"], name="hours_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.date} {self.hours}"


class PointRuleKind(models.TextChoices):
    PER_HOUR = "per_hour", _("points per hour")
    KIND_PER_HOUR = "kind_per_hour", _("extra points per hour of a kind of service")
    URGENT_BONUS = "urgent_bonus", _("bonus for an urgent need")


class PointRule(TimeStamped):
    """How verified hours earn points; the rules in force when an entry is verified fix its
    points, so changing a rule never rewrites a member's history."""

    kind = models.CharField(_("rule"), max_length=20, choices=PointRuleKind.choices)
    service_kind = models.CharField(
        _("kind of service"), max_length=20, choices=ServiceKind.choices, blank=True
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.service_kind} {self.points}"


class Target(TimeStamped):
    """A community's target of service hours per member; without one, the deployment's."""

    community = models.OneToOneField(
        Area, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    quarter_hours = models.DecimalField(_("hours per quarter"), max_digits=6, decimal_places=2)
    year_hours = models.DecimalField(_("hours per year"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("service hours target")
        verbose_name_plural = _("service hours targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter_hours__gte=0) & Q(year_hours__gte=0), name="target_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.quarter_hours}/{self.year_hours}"


class CardSignoff(TimeStamped):
    """The community's signature on a member's quarterly service card (服务登记卡). The card is
    computed from the verified ledger whenever it is read; what was verified after the signature
    shows on it as a late addition."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="card_signoffs",
    )
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    quarter = models.CharField(_("quarter"), max_length=6)  # 2026Q4
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"))
    hours = models.DecimalField(_("verified hours when signed"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("service card signature")
        verbose_name_plural = _("service card signatures")
        constraints = [
            models.UniqueConstraint(fields=["person", "community", "quarter"], name="one_signoff_per_card")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.quarter}"


class Rating(TimeStamped):
    """A resident's rating of a service they received (群众评单), shown on the project."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="ratings"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="one_rating_per_resident_and_project"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="rating_one_to_five"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.rating}"
