"""What the request intelligence keeps: model versions, what each case was told at intake,
dispatchers' corrections, and hot topics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.cases.models import Case, Service
from needle.orgs.models import Unit


class ModelVersion(models.Model):
    """One trained classifier: a file under INTEL_MODEL_DIR plus what it learned about units.

    `units` is the routing table learned from closed cases: service code -> area path ->
    {unit id: cases handled}. At most one version is active."""

    class Source(models.TextChoices):
        CASES = "cases", _("closed cases")
        CSV = "csv", _("labelled file")

    version = models.CharField(_("version"), max_length=40, unique=True)
    source = models.CharField(_("trained from"), max_length=10, choices=Source.choices)
    path = models.CharField(_("file"), max_length=300)
    metrics = models.JSONField(_("metrics"), default=dict)
    threshold = models.FloatField(_("confidence threshold"))
    trained_on = models.PositiveIntegerField(_("training cases"))
    comparison = models.JSONField(_("held-back comparison"), default=dict, blank=True)
    units = models.JSONField(_("learned routing"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("classifier version")
        verbose_name_plural = _("classifier versions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_model"
            )
        ]

    def __str__(self) -> str:
        return self.version


class Suggestion(models.Model):
    """What the classifier said about a case at intake, and whether it routed the case."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="suggestion"
    )
    model = models.ForeignKey(
        ModelVersion, verbose_name=_("model"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    services = models.JSONField(_("top services"), default=list)  # [[code, confidence], ...]
    service_confidence = models.FloatField(_("confidence in the chosen service"), null=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("suggested unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unit_confidence = models.FloatField(_("confidence in the unit"), null=True, blank=True)
    unit_support = models.PositiveIntegerField(_("closed cases behind the unit"), default=0)
    auto_routed = models.BooleanField(_("routed automatically"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.services[:1]}"


class Correction(models.Model):
    """A dispatcher chose differently from the classifier; the next training learns from it.
    Read from the audit log (the dispatch or reclassification event), one per event."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("service")
        UNIT = "unit", _("unit")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    predicted = models.CharField(_("suggested"), max_length=40)
    actual = models.CharField(_("chosen"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    model = models.ForeignKey(
        ModelVersion, verbose_name=_("model"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    event_id = models.BigIntegerField(_("audit event"), unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}: {self.predicted} -> {self.actual}"


class HotTopic(models.Model):
    """A cluster of recent requests about one matter, found by the periodic job."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        TASKED = "tasked", _("turned into a task")
        DISMISSED = "dismissed", _("dismissed")

    title = models.CharField(_("title"), max_length=200)
    heat = models.FloatField(_("heat"), db_index=True)
    size = models.PositiveIntegerField(_("requests"))
    reporters = models.PositiveIntegerField(_("distinct reporters"))
    votes = models.PositiveIntegerField(_("votes"), default=0)
    growth = models.FloatField(_("growth"), default=0)
    keywords = models.JSONField(_("keywords"), default=list)
    trend = models.JSONField(_("trend"), default=list)
    start = models.DateTimeField(_("first request"))
    end = models.DateTimeField(_("latest request"))
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255, db_index=True)
    service = models.ForeignKey(
        Service, verbose_name=_("main service"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cases = models.ManyToManyField(Case, verbose_name=_("cases"), related_name="hot_topics")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    alerted = models.BooleanField(_("alert sent"), default=False)
    task = models.ForeignKey(
        Case,
        verbose_name=_("proactive task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    detected_at = models.DateTimeField(_("detected at"))

    class Meta:
        verbose_name = _("hot topic")
        verbose_name_plural = _("hot topics")
        ordering = ["-heat"]

    def __str__(self) -> str:
        return self.title
