"""Care for vulnerable households (结对帮扶): the registry of recipients in their households, their
consents, helpers paired with them, the visit policy by risk, the visits, and the ledger of the
problems found (销号), each closed by the community or turned into a case.

The sensitive fields (health, disability, income, notes, ID number) are never stored in plain
text: they are one sealed token per recipient (see crypto.py), opened only for those access.py
allows, each opening audited."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area

# The figures' rollup tables are declared in their own module; importing them here registers them.
from needle.care.tables import CareFootprint, CareNodeRollup, CareRollup  # noqa: F401
from needle.cases.models import Case
from needle.core.models import TimeStamped, exactly_one, optional_fk
from needle.orgs.models import Person, PersonRecord, Unit


class Category(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("elderly living alone")
    DISABILITY = "disability", _("disability")
    LEFT_BEHIND_CHILD = "left_behind_child", _("left-behind child")
    UNEMPLOYED = "unemployed", _("unemployed")
    LOW_INCOME = "low_income", _("low income (dibao, tekun)")
    SERIOUS_ILLNESS = "serious_illness", _("serious illness")
    OTHER = "other", _("other")


# A recipient's categories are one integer: bit i for the i-th category above, so "elderly or
# disabled" is one AND and the figures count each category from the same column.
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)


def category_bits(codes: list[str] | tuple[str, ...] | set[str]) -> int:
    return sum(1 << CATEGORIES.index(code) for code in set(codes))


def category_codes(bits: int) -> list[str]:
    return [code for i, code in enumerate(CATEGORIES) if bits & (1 << i)]


class Risk(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


# The figures' key: a risk's place, 1 for high.
RISKS: tuple[str, ...] = tuple(r.value for r in Risk)


class Status(models.TextChoices):
    ACTIVE = "active", _("in care")
    ENDED = "ended", _("no longer in need")
    MOVED_AWAY = "moved_away", _("moved away")
    DECEASED = "deceased", _("deceased")
    # After the retention period the personal details are gone; the counts remain.
    ANONYMISED = "anonymised", _("anonymised")


# The sensitive fields: free text, and the ID number checked as one.
SENSITIVE: tuple[str, ...] = ("health", "disability", "income", "notes", "id_number")


class Purpose(models.TextChoices):
    REGISTRATION = "registration", _("registration in the care registry")
    SHARING = "sharing", _("sharing with the helper")
    PHOTOS = "photos", _("photos on visits")


PURPOSES: tuple[str, ...] = tuple(p.value for p in Purpose)


def purpose_bit(purpose: str) -> int:
    return 1 << PURPOSES.index(purpose)


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("signed form")
    VERBAL_WITNESSED = "verbal_witnessed", _("verbal, with a witness")


class Household(TimeStamped):
    """一户一档: the household file, at an address in a community or one of its grids."""

    area = models.ForeignKey(
        Area, verbose_name=_("community or grid"), on_delete=models.PROTECT, related_name="+"
    )
    # Denormalized from area.path: every list and grant reads the place.
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{_('household')} {self.pk}"


class Recipient(TimeStamped):
    """A person in care: an account, or a record of the shared registry of people without one."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="recipients"
    )
    person = optional_fk(Person, _("account"), related_name="care_records")
    record = optional_fk(PersonRecord, _("person without an account"), related_name="care_records")
    # The name as the community knows it (the account's or record's at registration); emptied
    # when the record is anonymised.
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    area = models.ForeignKey(
        Area, verbose_name=_("community or grid"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    categories = models.PositiveIntegerField(_("categories"), default=0)
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("left care on"), null=True, blank=True)
    # A minor's guardian: who gives consent for them. An account when the guardian has one.
    guardian_name = models.CharField(_("guardian"), max_length=100, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    guardian = optional_fk(Person, _("guardian's account"), related_name="care_wards")
    emergency_contact = models.CharField(_("emergency contact"), max_length=200, blank=True)
    # The sensitive fields as one Fernet token (crypto.seal) of their JSON; `sealed_fields` says
    # which of them hold something, so a masked card can show "recorded" without opening it.
    sealed = models.TextField(_("sensitive fields (sealed)"), blank=True, editable=False)
    sealed_fields = models.PositiveSmallIntegerField(_("sensitive fields recorded"), default=0)
    # The purposes consented to now (bit per Purpose), kept by the consent service from the log.
    consents = models.PositiveSmallIntegerField(_("consents in force"), default=0)
    # The schedule, kept by services.schedule from the policy and the last contacts.
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True)
    last_call_on = models.DateField(_("last call"), null=True, blank=True)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True)
    next_call_due = models.DateField(_("next call due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("care recipient")
        verbose_name_plural = _("care recipients")
        indexes = [
            # A community's lists: the active recipients under a path, by due date.
            models.Index(fields=["area_path", "next_visit_due"], name="care_recipient_due"),
            models.Index(fields=["status", "next_visit_due"], name="care_recipient_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(record__isnull=True), name="care_recipient_one_identity"
            ),
            # A person is in the registry once while their record stands (anonymising drops the
            # link): two registrations of the same account or record at once cannot both land.
            models.UniqueConstraint(
                fields=["person"], condition=Q(person__isnull=False), name="care_recipient_one_per_account"
            ),
            models.UniqueConstraint(
                fields=["record"], condition=Q(record__isnull=False), name="care_recipient_one_per_record"
            ),
        ]

    def __str__(self) -> str:
        # Never the name: this is what audit events keep (object_repr), and they outlive the
        # anonymised record.
        return f"{_('care recipient')} {self.pk}"

    @property
    def category_codes(self) -> list[str]:
        return category_codes(self.categories)

    def consented(self, purpose: str) -> bool:
        return bool(self.consents & purpose_bit(purpose))


class Consent(TimeStamped):
    """One entry of a recipient's consent log: given or withdrawn, for one purpose, by whom and how.
    The latest entry per purpose is what holds (Recipient.consents)."""

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="consent_log"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(_("given"), default=True)
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    # Who answered: the person themself, or for a minor the guardian (named, and the account
    # when they have one).
    given_by = models.CharField(_("given by"), max_length=100)
    by_guardian = models.BooleanField(_("by the guardian"), default=False)
    witness = models.CharField(_("witness"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.given}"


class Pairing(TimeStamped):
    """A helper (a person: member, staff or grid worker; or a unit) paired with a recipient. One
    lead among a recipient's current helpers."""

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="pairings"
    )
    helper = optional_fk(Person, _("helper"), on_delete=models.PROTECT, related_name="care_pairings")
    unit = optional_fk(Unit, _("unit"), on_delete=models.PROTECT, related_name="care_pairings")
    lead = models.BooleanField(_("lead"), default=False)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    # A helper from another district needs a reason, kept here.
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The recipient's place, copied so that a district's "by helper" list reads one index.
    area_path = models.CharField(_("area path"), max_length=255, editable=False)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        indexes = [
            models.Index(fields=["helper", "ended_on"], name="care_pairing_helper"),
            models.Index(
                fields=["area_path"], condition=Q(ended_on__isnull=True), name="care_pairing_open_path"
            ),
        ]
        constraints = [
            exactly_one("helper", "unit", name="care_pairing_helper_or_unit"),
            models.UniqueConstraint(
                fields=["recipient", "helper"],
                condition=Q(ended_on__isnull=True, helper__isnull=False),
                name="care_pairing_one_open_per_helper",
            ),
            models.UniqueConstraint(
                fields=["recipient", "unit"],
                condition=Q(ended_on__isnull=True, unit__isnull=False),
                name="care_pairing_one_open_per_unit",
            ),
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(ended_on__isnull=True, lead=True),
                name="care_pairing_one_lead",
            ),
        ]

    def __str__(self) -> str:
        # No names: audit events keep this (see Recipient.__str__).
        return f"{_('pairing')} {self.pk}"


# (visit every N days, call every N days) by risk: high weekly with a call midweek, medium
# every two weeks with a call between, low monthly with one call between.
DEFAULTS: dict[str, tuple[int, int | None]] = {
    Risk.HIGH: (7, 3),
    Risk.MEDIUM: (14, 7),
    Risk.LOW: (30, 14),
}


class Policy(TimeStamped):
    """How often a recipient is visited and called, by risk and (optionally) category: the
    deployment's (no area) or a district's, which wins over it."""

    area = optional_fk(Area, _("district"), on_delete=models.CASCADE)
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices)
    # Empty: every category; a category's row wins over it.
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    visit_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    call_days = models.PositiveSmallIntegerField(_("call every (days)"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")
        constraints = [
            models.UniqueConstraint(
                fields=["risk", "category"], condition=Q(area__isnull=True), name="care_policy_deployment"
            ),
            models.UniqueConstraint(
                fields=["area", "risk", "category"],
                condition=Q(area__isnull=False),
                name="care_policy_district",
            ),
            models.CheckConstraint(condition=Q(visit_days__gte=1), name="care_policy_visit_days"),
        ]

    def __str__(self) -> str:
        return f"{self.area or '*'} {self.risk} {self.category or '*'}: {self.visit_days}"


class VisitKind(models.TextChoices):
    HOME = "home", _("home visit")
    PHONE = "phone", _("phone call")
    VIDEO = "video", _("video call")


# The checklist's topics; which ones a visit asks depends on the recipient's categories
# (presenters/checklist): school for children, work for the unemployed.
CHECKS: tuple[str, ...] = ("health", "food", "safety", "housing", "school", "work")


# Topics asked of everyone, and those asked because of a category.
COMMON_TOPICS: tuple[str, ...] = ("health", "food", "safety", "housing")
TOPIC_OF_CATEGORY: dict[str, str] = {Category.LEFT_BEHIND_CHILD: "school", Category.UNEMPLOYED: "work"}
_TOPIC_BITS = {topic: category_bits([cat]) for cat, topic in TOPIC_OF_CATEGORY.items()}


def checklist_topics(categories: int) -> list[str]:
    """The checklist's topics for a recipient's categories (bits), in CHECKS order."""
    asked = set(COMMON_TOPICS) | {t for t, bit in _TOPIC_BITS.items() if categories & bit}
    return [t for t in CHECKS if t in asked]


class Visit(models.Model):
    """A visit or a call. Its id is made on the device that logged it, so a sync sent twice
    stores it once; `digest` is the hash of its content, to tell a repeat from a different
    visit under the same id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="visits"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind.choices)
    visited_at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who else went, as written.
    companions = models.CharField(_("who went"), max_length=200, blank=True)
    # {topic: {"ok": bool, "note": str}} for the topics in CHECKS.
    checklist = models.JSONField(_("how the person is"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    needs = models.TextField(_("needs found"), blank=True)
    digest = models.CharField(_("content digest"), max_length=64, editable=False)
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    # The due date this contact answered and whether it came by then.
    due_on = models.DateField(_("was due"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True)
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["recipient", "-visited_at"], name="care_visit_recipient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_at:%Y-%m-%d}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"care/{instance.visit_id}/{uuid.uuid4().hex}.jpg"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=visit_photo_path)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return self.image.name or ""


class ItemStatus(models.TextChoices):
    OPEN = "open", _("open")
    CASE = "case", _("became a request")
    CLOSED = "closed", _("closed")


class Item(TimeStamped):
    """A problem on the household's ledger: closed by the community with the household's
    confirmation, or turned into a case and closed with it."""

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="items"
    )
    visit = optional_fk(Visit, _("found on visit"), related_name="items")
    what = models.CharField(_("what"), max_length=300)
    since = models.DateField(_("since"))
    who_acts = models.CharField(_("who acts"), max_length=100, blank=True)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    case = models.OneToOneField(
        Case,
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_item",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = optional_fk(Person, _("closed by"))
    # How the household confirmed it is solved (signed, by phone…), or the case's outcome.
    confirmation = models.CharField(_("household's confirmation"), max_length=300, blank=True)
    area_path = models.CharField(_("area path"), max_length=255, editable=False)

    class Meta:
        verbose_name = _("ledger item")
        verbose_name_plural = _("ledger items")
        indexes = [models.Index(fields=["area_path", "status"], name="care_item_path_status")]

    def __str__(self) -> str:
        # Not the text, which describes a household's troubles: audit events keep this.
        return f"{_('ledger item')} {self.pk}"


class ReminderKind(models.TextChoices):
    DUE = "due", _("visit due soon (to the helpers)")
    OVERDUE = "overdue", _("visit overdue (to the community's care staff)")


class Reminder(models.Model):
    """One reminder sent about one due date of one recipient: its row makes the reminders' job
    send it once, however often the job runs (the unique key is the claim)."""

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    due_on = models.DateField(_("visit due on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    # How many people were told (none when nobody could be: no helper, no care staff).
    told = models.PositiveSmallIntegerField(_("people told"), default=0)

    class Meta:
        verbose_name = _("visit reminder")
        verbose_name_plural = _("visit reminders")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "due_on"], name="care_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"
