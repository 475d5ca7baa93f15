"""The care figures' rollup tables (needle.care.figures), on the engine's table shapes: derived
rows, rebuilt from the facts in models.py. The key is the recipient's risk (1 high, 2 medium,
3 low); a recipient is the engine's object."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from needle.rollups import models as rollup_tables


class CareCounters(models.Model):
    # Stocks (now): recipients in care, by category (a recipient counts in each of theirs),
    # and those with a helper.
    recipients = models.IntegerField(_("recipients in care"), default=0)
    elderly_alone = models.IntegerField(_("elderly living alone"), default=0)
    disability = models.IntegerField(_("with a disability"), default=0)
    left_behind_child = models.IntegerField(_("left-behind children"), default=0)
    unemployed = models.IntegerField(_("unemployed"), default=0)
    low_income = models.IntegerField(_("on low income"), default=0)
    serious_illness = models.IntegerField(_("seriously ill"), default=0)
    other = models.IntegerField(_("other"), default=0)
    paired = models.IntegerField(_("with a helper"), default=0)
    # Flows by day.
    registered = models.IntegerField(_("registered"), default=0)
    visits = models.IntegerField(_("contacts made"), default=0)
    # Due dates by the day they fall on: answered on time, answered late, or still pending
    # (so the pending sum before today is what is overdue now, and after it what is coming).
    visits_due = models.IntegerField(_("contacts due"), default=0)
    visits_on_time = models.IntegerField(_("contacts on time"), default=0)
    visits_pending = models.IntegerField(_("contacts due, not yet made"), default=0)
    items_opened = models.IntegerField(_("ledger items opened"), default=0)
    # Counted on the day the item was opened while it stays open: open items by age.
    items_open = models.IntegerField(_("ledger items still open"), default=0)
    items_closed = models.IntegerField(_("ledger items closed"), default=0)
    items_to_case = models.IntegerField(_("ledger items turned into requests"), default=0)
    items_case_resolved = models.IntegerField(_("their requests resolved"), default=0)

    class Meta:
        abstract = True


class CareRollup(CareCounters, rollup_tables.LeafRows):
    risk = models.IntegerField(_("risk"), default=0)

    class Meta:
        verbose_name = _("care rollup")
        verbose_name_plural = _("care rollups")
        constraints = rollup_tables.leaf_constraints("care_rollup_key", "risk")
        indexes = rollup_tables.leaf_indexes("care_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} r{self.risk}"


class CareNodeRollup(CareCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("care area rollup")
        verbose_name_plural = _("care area rollups")
        constraints = rollup_tables.node_constraints("care_node_rollup_key")
        indexes = rollup_tables.node_indexes("care_node")


class CareFootprint(rollup_tables.Footprints):
    recipient_id = models.BigIntegerField(_("recipient"), primary_key=True)

    class Meta:
        verbose_name = _("care recipient footprint")
        verbose_name_plural = _("care recipient footprints")
