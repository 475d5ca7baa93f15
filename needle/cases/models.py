from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.core.models import TimeStamped, optional_fk
from needle.orgs.models import Person, Unit


class Bilingual(models.Model):
    """A catalog name in Chinese and English; `label` picks the active language."""

    name = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name or self.name_en


class Category(Bilingual, TimeStamped):
    code = models.CharField(_("code"), max_length=40, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["order", "code"]


class DeadlineClass(models.TextChoices):
    URGENT = "urgent", _("urgent")
    UTILITIES = "utilities", _("utilities")
    GENERAL = "general", _("general")
    COMPLEX = "complex", _("complex")


# (accept within, resolve within), hours: the 12345 hotline's usual classes.
DEADLINE_DEFAULTS = {
    DeadlineClass.URGENT: (1, 2),
    DeadlineClass.UTILITIES: (2, 24),
    DeadlineClass.GENERAL: (24, 7 * 24),
    DeadlineClass.COMPLEX: (24, 15 * 24),
}


class Service(Bilingual, TimeStamped):
    code = models.CharField(_("code"), max_length=40, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="services"
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    # The words residents use for the service (路灯, 井盖; street light, manhole), which the
    # service search matches beside the names and keywords; the pickers show a few as examples.
    synonyms = models.TextField(
        _("synonyms (Chinese)"), blank=True, help_text=_("Words residents use for it, separated by commas.")
    )
    synonyms_en = models.TextField(
        _("synonyms (English)"), blank=True, help_text=_("Words residents use for it, separated by commas.")
    )
    deadline_class = models.CharField(
        _("deadline class"), max_length=20, choices=DeadlineClass.choices, default=DeadlineClass.GENERAL
    )
    accept_hours = models.PositiveIntegerField(_("accept within (hours)"))
    resolve_hours = models.PositiveIntegerField(_("resolve within (hours)"))
    working_days = models.BooleanField(_("count working days only"), default=False)
    # Some matters wait on what no unit controls (the heating season, a court, a tenant's
    # absence): the catalog says which may be put on hold, with the deadline clock stopped.
    suspendable = models.BooleanField(
        _("may be put on hold (挂起)"),
        default=False,
        help_text=_(
            "The lead unit may put a case of this service on hold; its deadline clock stops meanwhile."
        ),
    )
    public = models.BooleanField(_("public"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["category__order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accept_hours__gt=0, resolve_hours__gt=0), name="service_deadlines_positive"
            )
        ]


class AttributeType(models.TextChoices):
    """Open311 attribute datatypes."""

    STRING = "string", _("string")
    NUMBER = "number", _("number")
    DATETIME = "datetime", _("date and time")
    TEXT = "text", _("text")
    SINGLE = "singlevaluelist", _("one of a list")
    MULTI = "multivaluelist", _("several of a list")


class ServiceAttribute(models.Model):
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.CharField(_("code"), max_length=40)
    datatype = models.CharField(_("datatype"), max_length=20, choices=AttributeType.choices)
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(_("question"), max_length=300)
    datatype_description = models.CharField(_("hint"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("values"), default=list, blank=True, help_text=_('[{"key": "...", "name": "..."}]')
    )

    class Meta:
        verbose_name = _("service question")
        verbose_name_plural = _("service questions")
        ordering = ["service", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="one_attribute_code_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.service.code}.{self.code}"


class RoutingRule(TimeStamped):
    """Cases of `service` located in `area`'s subtree go to `unit`; the deepest area wins."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="rules"
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [models.UniqueConstraint(fields=["service", "area"], name="one_rule_per_service_area")]

    def __str__(self) -> str:
        return f"{self.service} @ {self.area} → {self.unit}"


class Holiday(models.Model):
    """Days that differ from the Monday-to-Friday week (public holidays, swapped workdays)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"), default=False)
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class State(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    DISPATCHED = "dispatched", _("dispatched")
    RETURNED = "returned", _("returned")
    ACCEPTED = "accepted", _("accepted")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    REOPENED = "reopened", _("reopened")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")
    SUSPENDED = "suspended", _("on hold")
    WITHDRAWN = "withdrawn", _("withdrawn")
    ANSWERED = "answered", _("answered directly")


OPEN_STATES = frozenset(
    {
        State.SUBMITTED,
        State.DISPATCHED,
        State.RETURNED,
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.REOPENED,
        State.SUSPENDED,
    }
)
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED, State.WITHDRAWN, State.ANSWERED})
# Open cases whose deadline clock runs (an on-hold case's is stopped).
CLOCK_STATES = OPEN_STATES - {State.SUSPENDED}
# Where a dispatcher may send the case (again): dispatch, re-routing, transfer, reclassifying.
DISPATCHABLE = frozenset(
    {State.SUBMITTED, State.RETURNED, State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS, State.REOPENED}
)


class Colour(models.TextChoices):
    NONE = "", _("on time")
    BLUE = "blue", _("due soon")
    YELLOW = "yellow", _("overdue")
    RED = "red", _("seriously overdue")


class Channel(models.TextChoices):
    WEB = "web", _("web form")
    PHONE = "phone", _("phone")
    API = "api", _("REST API")
    OPEN311 = "open311", _("Open311")
    STAFF = "staff", _("staff")
    PROACTIVE = "proactive", _("proactive task")


class Case(TimeStamped):
    number = models.CharField(_("number"), max_length=20, unique=True)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="cases"
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    # Copied from area.path so that every scoped list is one index range.
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=4000)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    colour = models.CharField(
        _("deadline colour"), max_length=10, choices=Colour.choices, default="", blank=True
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB)
    lead_unit = optional_fk(Unit, _("lead unit"), on_delete=models.PROTECT, related_name="lead_cases")
    reporter = optional_fk(Person, _("reporter"), related_name="cases")
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    # Opt-in: a resident's name is shown publicly only when they chose so.
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    # On the public list (and Open311, the public pages, the suggestions of similar requests)
    # when the service is public too. Intake sets it for a resident's request; a case the
    # system side opens stays off until a moderator puts it on (case_set_public).
    public = models.BooleanField(_("shown to the public"), default=False)
    details_hidden = models.BooleanField(_("personal details hidden by a moderator"), default=False)
    public_description = models.TextField(_("public description"), blank=True)
    tracking_token = models.CharField(_("tracking token"), max_length=64, unique=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, null=True, blank=True, unique=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    followers = models.ManyToManyField(
        Person,
        verbose_name=_("followers"),
        blank=True,
        related_name="followed_cases",
        help_text=_("Residents who raised the same matter by following this case instead of filing."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True, db_index=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # While on hold: since when. Each hold ended adds its length to paused_seconds and moves the
    # resolve deadline on by as much, so the colours count only the time the clock ran.
    suspended_at = models.DateTimeField(_("on hold since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time on hold (seconds)"), default=0)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    repeat_count = models.PositiveIntegerField(_("times raised again"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["area_path", "submitted_at"], name="case_area_time"),
            models.Index(fields=["lead_unit", "state", "submitted_at"], name="case_unit_state"),
            # The open cases of an area subtree (every inbox's default view): a few percent of
            # the table, so counting them reads no closed case.
            models.Index(
                fields=["area_path", "submitted_at"],
                name="case_open_area",
                condition=Q(state__in=sorted(OPEN_STATES)),
            ),
            models.Index(fields=["state", "submitted_at"], name="case_state_time"),
            models.Index(fields=["service", "submitted_at"], name="case_service_time"),
            models.Index(fields=["updated_at"], name="case_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="case_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180), name="case_lng_range"
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(parent__isnull=False), name="merged_case_has_parent"
            ),
            models.CheckConstraint(
                condition=Q(state="suspended", suspended_at__isnull=False)
                | (~Q(state="suspended") & Q(suspended_at__isnull=True)),
                name="on_hold_case_has_start",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def public_text(self) -> str:
        """What the public sees: once a moderator hid the details, only the moderated text."""
        return self.public_description if self.details_hidden else self.description


class Assist(TimeStamped):
    """A unit other than the lead working on a case: assisting, or called in by a whistle."""

    class Kind(models.TextChoices):
        ASSIST = "assist", _("assisting unit")
        WHISTLE = "whistle", _("called in (whistle)")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assists")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assisted_cases"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    respond_due_at = models.DateTimeField(_("respond by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("assisting unit")
        verbose_name_plural = _("assisting units")
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="one_assist_per_unit")]


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ROUTED = "routed", _("routed automatically")
    DISPATCHED = "dispatched", _("dispatched")
    RETURNED = "returned", _("returned")
    ACCEPTED = "accepted", _("accepted")
    STARTED = "started", _("work started")
    TRANSFERRED = "transferred", _("transferred")
    ASSISTED = "assisted", _("assisting unit added")
    WHISTLED = "whistled", _("departments called in")
    RESPONDED = "responded", _("called-in unit responded")
    NOTE = "note", _("note")
    RESOLVED = "resolved", _("resolved")
    CALLBACK = "callback", _("callback")
    REOPENED = "reopened", _("reopened")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")
    REPEATED = "repeated", _("raised again")
    URGED = "urged", _("urged")
    SUPERVISED = "supervised", _("supervised")
    COLOUR = "colour", _("deadline colour changed")
    HIDDEN = "hidden", _("personal details hidden")
    RECLASSIFIED = "reclassified", _("service corrected")
    FOLLOWED = "followed", _("followed by another resident")
    PLACED = "placed", _("placed in a grid")
    PUBLISHED = "published", _("put on the public list")
    UNPUBLISHED = "unpublished", _("taken off the public list")
    ANSWERED = "answered", _("answered directly")
    WITHDRAWN = "withdrawn", _("withdrawn by the resident")
    INFO_ADDED = "info_added", _("information added by the resident")
    SUSPENDED = "suspended", _("put on hold")
    RESUMED = "resumed", _("back in progress")
    EXTENSION_ASKED = "extension_asked", _("extension requested")
    EXTENSION_GRANTED = "extension_granted", _("extension granted")
    EXTENSION_REFUSED = "extension_refused", _("extension refused")


# The resident's own words on a case's timeline: a merged duplicate's reporter reads the
# parent's progress, never what its reporter said (nor its photos), and Open311 shows none.
RESIDENT_KINDS = frozenset(
    {EventKind.CALLBACK, EventKind.SUBMITTED, EventKind.REPEATED, EventKind.INFO_ADDED}
)

# Entries whose note staff write to other staff (a dispatcher to the unit, a unit returning a
# case to the dispatchers, a supervisor to the units called in, units to each other): the
# public sees the step, never the note.
STAFF_NOTE_KINDS = frozenset(
    {
        EventKind.DISPATCHED,
        EventKind.TRANSFERRED,
        EventKind.RETURNED,
        EventKind.WHISTLED,
        EventKind.ASSISTED,
        EventKind.RESPONDED,
    }
)


class CaseEvent(models.Model):
    """The case's timeline. Public entries are shown on the tracking page and in Open311."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), db_index=True)
    actor = optional_fk(Person, _("actor"))
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    unit = optional_fk(Unit, _("unit"))
    # What a person wrote, as typed. What the system says is `code` with its `params`, put into
    # words in the reader's language when read (cases.presenters.event_text).
    note = models.TextField(_("note"), blank=True)
    code = models.CharField(_("message code"), max_length=40, blank=True)
    params = models.JSONField(_("message parameters"), default=dict, blank=True)
    public = models.BooleanField(_("public"), default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at", "id"], name="case_event_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Extension(TimeStamped):
    """The lead unit asks for a later resolve deadline (延期); a dispatcher over the case's
    place grants it, with the deadline they set, or refuses it. One pending at a time; a
    request still pending when the case leaves the unit's hands (resolved, transferred,
    merged, withdrawn) lapses."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")
        LAPSED = "lapsed", _("lapsed")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="extensions"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("requesting unit"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = optional_fk(Person, _("requested by"))
    reason = models.TextField(_("reason"))
    old_due = models.DateTimeField(_("deadline before"))
    requested_due = models.DateTimeField(_("deadline asked for"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = optional_fk(Person, _("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    granted_due = models.DateTimeField(_("deadline granted"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_extension_per_case"
            ),
            models.CheckConstraint(
                condition=~Q(status="granted") | Q(granted_due__isnull=False),
                name="granted_extension_has_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.status}"


class Photo(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="photos")
    event = optional_fk(CaseEvent, _("event"), related_name="photos")
    image = models.FileField(_("image"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=30)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name or ""


class Callback(models.Model):
    """The resident's answer at closure: solved? satisfied (1-5)?"""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="callbacks")
    at = models.DateTimeField(_("time"), db_index=True)
    actor = optional_fk(Person, _("recorded by"))
    by_staff = models.BooleanField(_("recorded by staff after a call"), default=False)
    solved = models.BooleanField(_("solved"))
    rating = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    lead_unit = optional_fk(Unit, _("unit rated"))

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="callback_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {'solved' if self.solved else 'unsolved'} {self.rating or ''}"


class CaseCounter(models.Model):
    """The last case number handed out on a day; incremented under a row lock."""

    day = models.CharField(_("day"), max_length=8, primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Open311Key(TimeStamped):
    """An Open311 api_key for a client application; only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    person = optional_fk(Person, _("acts as"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")

    def __str__(self) -> str:
        return self.name
