"""The operations center's own records: who receives which area's reports by email. The
figures it shows live in the rollup engine (needle.rollups)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.core.models import TimeStamped


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")


class ReportSubscription(TimeStamped):
    """A person receives an area's weekly or monthly report by email."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    last_sent_on = models.DateField(_("last sent on"), null=True, blank=True)

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "area", "frequency"], name="one_subscription_per_report"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.area_id} {self.frequency}"
