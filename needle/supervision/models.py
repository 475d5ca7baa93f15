"""Tasks pushed down from upper units to many targets at once, each target's progress and
sign-off, and the admission list that says which kinds of task may reach resident committees.

A target's place (`area_path`) and the unit that signs it off are fixed when it is issued, so
a board of 11,000 targets reads one table without joins."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.consult.models import Action
from needle.orgs.models import Person, Unit
from needle.rollups import models as rollup_tables


class Source(models.TextChoices):
    DECISION = "decision", _("a decision to carry out")
    INSPECTION = "inspection", _("an inspection finding")
    DATA_REQUEST = "data_request", _("a data request")
    INSTRUCTION = "instruction", _("a leader's instruction")


class Priority(models.TextChoices):
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class Status(models.TextChoices):
    ISSUED = "issued", _("issued")
    ACCEPTED = "accepted", _("accepted")
    REPORTING = "reporting", _("reporting progress")
    DONE = "done", _("done, awaiting sign-off")
    SIGNED_OFF = "signed_off", _("signed off")
    RETURNED = "returned", _("returned")
    DECLINED = "declined", _("declined")


class Extension(models.TextChoices):
    NONE = "", _("none")
    ASKED = "asked", _("extension asked")
    GRANTED = "granted", _("extension granted")
    REFUSED = "refused", _("extension refused")


class Colour(models.TextChoices):
    NONE = "none", _("on track")
    BLUE = "blue", _("deadline near")
    YELLOW = "yellow", _("behind")
    RED = "red", _("overdue")
    GREEN = "green", _("signed off")


class Hold(models.TextChoices):
    NONE = "", _("not held")
    HELD = "held", _("held for the general office's approval")
    APPROVED = "approved", _("approved by the general office")
    REJECTED = "rejected", _("rejected by the general office")


class Task(models.Model):
    issuer = models.ForeignKey(Unit, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+")
    # The issuer's place, so that a task list is scoped by one indexed range.
    area_path = models.CharField(_("area path"), max_length=255, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what is asked"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.DECISION)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    task_type = models.CharField(_("task type"), max_length=40)
    issued_on = models.DateField(_("issued on"))
    deadline = models.DateField(_("deadline"))
    # Set on a street's share passed down to its communities: the target it splits.
    parent_target = models.ForeignKey(
        "Target",
        verbose_name=_("split from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    targets_count = models.PositiveIntegerField(_("targets"), default=0)
    # A task shared between departments: the lead answers for it, the assisting units help.
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assisting = models.ManyToManyField(Unit, verbose_name=_("assisting units"), blank=True, related_name="+")
    # The think tank's result action this task carries out; the task's progress moves it.
    consult_action = models.ForeignKey(
        Action,
        verbose_name=_("think tank action"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # An unlisted task to communities, where the deployment holds it for the general office.
    hold = models.CharField(_("approval"), max_length=10, choices=Hold.choices, default="", blank=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("issued_on")), name="sup_task_deadline_after"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255, db_index=True)
    # The level above, which approves the target's "done" (or the issuer when there is none).
    signer = models.ForeignKey(Unit, verbose_name=_("signs off"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ISSUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    note = models.TextField(_("latest report"), blank=True)
    deadline = models.DateField(_("deadline"))
    # Whether the admission list admitted the task's type for this target when it was issued;
    # only a resident committee's unlisted target may be declined.
    listed = models.BooleanField(_("on the admission list"), default=True)
    hours = models.DecimalField(_("estimated hours"), max_digits=7, decimal_places=1, default=0)
    extension = models.CharField(
        _("extension"), max_length=8, choices=Extension.choices, default="", blank=True
    )
    extension_until = models.DateField(_("extension asked until"), null=True, blank=True)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    return_reason = models.TextField(_("reason returned"), blank=True)
    decline_reason = models.TextField(_("reason declined"), blank=True)
    split = models.BooleanField(_("passed down"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    signed_off_on = models.DateField(_("signed off on"), null=True, blank=True)
    declined_on = models.DateField(_("declined on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    # Set once each: the issue's notification, the last urging, the escalation to the issuer's superior.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    urged_at = models.DateTimeField(_("urged at"), null=True, blank=True)
    urges = models.PositiveSmallIntegerField(_("times urged"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task target")
        verbose_name_plural = _("task targets")
        ordering = ["task_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="sup_target_once"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="sup_target_progress_100"),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="sup_target_unit"),
            models.Index(fields=["signer", "status"], name="sup_target_signer"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.unit_id}"


class Report(models.Model):
    """One progress report (or the report of done) by a target."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reports")
    by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("text"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.progress}%"


class Evidence(models.Model):
    """A file a target gives with a report: a photo (re-encoded without metadata) or a PDF."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="evidence")
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="supervision/%Y/%m/")
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.name


class Digest(models.Model):
    """An issuing unit's daily digest, sent once a day (the job may run twice)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    targets = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="sup_digest_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


class Refusal(models.Model):
    """An issue the admission list refused: kept (outside the refused write) for the burden."""

    issuer = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    task_type = models.CharField(max_length=40)
    area_path = models.CharField(max_length=255, db_index=True)
    communities = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.task_type}"


class EntryStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    ADMITTED = "admitted", _("admitted")
    REFUSED = "refused", _("refused")
    REVOKED = "revoked", _("revoked")


class Entry(models.Model):
    """A line of a district's admission list: a kind of task a unit may push to communities."""

    district = models.ForeignKey(Area, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255, db_index=True)
    issuer = models.ForeignKey(
        Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+"
    )
    task_type = models.CharField(_("task type"), max_length=40)
    asks = models.TextField(_("what it asks of communities"))
    basis = models.TextField(_("legal or policy basis"))
    hours = models.DecimalField(_("estimated hours per community"), max_digits=7, decimal_places=1)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.APPLIED
    )
    applied_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("admission list entry")
        verbose_name_plural = _("admission list entries")
        ordering = ["area_path", "task_type", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="sup_entry_valid_period"
            ),
        ]

    def __str__(self) -> str:
        return self.task_type


# Consultation on drafts (征求意见) -----------------------------------------------------------


class ConsultationState(models.TextChoices):
    OPEN = "open", _("open for opinions")
    CLOSED = "closed", _("consultation ended")


class Stance(models.TextChoices):
    NONE = "", _("not answered")
    AGREE = "agree", _("agree")
    CHANGES = "agree_with_changes", _("agree with changes")
    DISAGREE = "disagree", _("disagree")


class Consultation(models.Model):
    """An issuer asks units for their opinion on a draft before a deadline."""

    issuer = models.ForeignKey(Unit, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+")
    # The issuer's place, so that the consultations of an area are one indexed range.
    area_path = models.CharField(_("area path"), max_length=255, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("draft"))
    deadline = models.DateField(_("answer by"))
    state = models.CharField(
        _("state"), max_length=8, choices=ConsultationState.choices, default=ConsultationState.OPEN
    )
    targets_count = models.PositiveIntegerField(_("units asked"), default=0)
    # The task issued from the draft once the opinions are in.
    task = models.ForeignKey(
        Task,
        verbose_name=_("task issued"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ConsultationReply(models.Model):
    """One unit's answer to a consultation: made (unanswered) for each unit asked when the
    consultation opens, so that "who has not answered" is a filter and the notice is claimed
    once per unit; changeable until the deadline or the closure."""

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="replies"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255)
    stance = models.CharField(_("opinion"), max_length=20, choices=Stance.choices, default="", blank=True)
    text = models.TextField(_("changes or objections"), blank=True)
    answered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    # When the unit was reminded that its answer is due soon (once, claimed by this column).
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation reply")
        verbose_name_plural = _("consultation replies")
        ordering = ["consultation_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "unit"], name="sup_reply_once"),
            # Agreeing needs no words; changes and disagreement must say what.
            models.CheckConstraint(
                condition=Q(stance__in=["", "agree"]) | ~Q(text=""), name="sup_reply_text_needed"
            ),
        ]
        indexes = [models.Index(fields=["unit", "stance"], name="sup_reply_unit")]

    def __str__(self) -> str:
        return f"{self.consultation_id}/{self.unit_id} {self.stance}"


# Fill-once reports ------------------------------------------------------------------------------


class FieldKind(models.TextChoices):
    INTEGER = "integer", _("whole number")
    DECIMAL = "decimal", _("number")
    TEXT = "text", _("text")
    YES_NO = "yes_no", _("yes or no")


class Origin(models.TextChoices):
    EMPTY = "", _("not filled")
    PREFILLED = "prefilled", _("prefilled from the figures")
    REUSED = "reused", _("reused from another report")
    TYPED = "typed", _("typed")


class ReportTemplate(models.Model):
    """A report's form: its fields, some bound to a figure Needle holds."""

    owner = models.ForeignKey(Unit, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ReportField(models.Model):
    """One field of a template. `key` names what is asked across templates: two reports that ask
    the same key of a unit for the same period ask one figure, typed once. A bound field takes a
    figure (or a counter) of a rollup source over the target's area and the report's period."""

    template = models.ForeignKey(ReportTemplate, on_delete=models.CASCADE, related_name="fields")
    key = models.CharField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("type"), max_length=8, choices=FieldKind.choices)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    source = models.CharField(_("figures source"), max_length=40, blank=True)
    figure = models.CharField(_("figure"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("report field")
        verbose_name_plural = _("report fields")
        ordering = ["template_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="sup_field_key_once"),
            models.CheckConstraint(
                condition=Q(source="", figure="") | (~Q(source="") & ~Q(figure="")),
                name="sup_field_binding_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def bound(self) -> bool:
        return bool(self.source)


class ReportRequest(models.Model):
    """A task that asks its targets to fill a template for a period."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="report", primary_key=True)
    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="requests")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))

    class Meta:
        verbose_name = _("report request")
        verbose_name_plural = _("report requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="sup_report_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.period_start}..{self.period_end}"


class Answer(models.Model):
    """A target's value for one field, and where it came from. The unit, key and period are
    copied from the target, field and request so that a later report finds what a unit already
    answered for the period with one indexed read."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="answers")
    field = models.ForeignKey(ReportField, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.TextField(_("value"), blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default="", blank=True)
    # The reviewer asked for this field again when returning the report: the only one open then.
    flagged = models.BooleanField(_("to correct"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report answer")
        verbose_name_plural = _("report answers")
        ordering = ["target_id", "field__position", "id"]
        constraints = [models.UniqueConstraint(fields=["target", "field"], name="sup_answer_once")]
        indexes = [
            models.Index(fields=["unit", "key", "period_start", "period_end"], name="sup_answer_reuse"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.key}={self.value}"


# The tasks' figures (needle.supervision.figures), on the engine's table shapes --------------


class TaskCounters(models.Model):
    received = models.IntegerField(_("received"), default=0)
    done_on_time = models.IntegerField(_("done on time"), default=0)
    late = models.IntegerField(_("not done by the deadline"), default=0)
    declined = models.IntegerField(_("declined"), default=0)

    class Meta:
        abstract = True


class TaskRollup(TaskCounters, rollup_tables.LeafRows):
    # The issuing unit's id (the engine's keys are plain integers).
    issuer = models.IntegerField(_("issuing unit"), default=0)

    class Meta:
        verbose_name = _("task rollup")
        verbose_name_plural = _("task rollups")
        constraints = rollup_tables.leaf_constraints("sup_rollup_key", "issuer")
        indexes = rollup_tables.leaf_indexes("sup_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} i{self.issuer}"


class TaskNodeRollup(TaskCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("task area rollup")
        verbose_name_plural = _("task area rollups")
        constraints = rollup_tables.node_constraints("sup_node_rollup_key")
        indexes = rollup_tables.node_indexes("sup_node")


class TaskFootprint(rollup_tables.Footprints):
    target_id = models.BigIntegerField(_("target"), primary_key=True)

    class Meta:
        verbose_name = _("task target footprint")
        verbose_name_plural = _("task target footprints")
