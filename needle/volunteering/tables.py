"""The volunteering figures' rollup tables (needle.volunteering.figures and list_figures), on the
engine's table shapes: derived rows, rebuilt from the facts in models.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from needle.rollups import models as rollup_tables

# The volunteering figures' rollups (needle.volunteering.figures), on the engine's table shapes --


class MemberCounters(models.Model):
    members_checked_in = models.IntegerField(_("members checked in"), default=0)
    checkins_confirmed = models.IntegerField(_("check-ins confirmed"), default=0)
    hour_entries = models.IntegerField(_("verified entries"), default=0)
    # Hundredths of an hour: the engine's counters are integers.
    centihours = models.IntegerField(_("verified hours (hundredths)"), default=0)
    targets_met = models.IntegerField(_("quarterly targets met"), default=0)

    class Meta:
        abstract = True


class MemberRollup(MemberCounters, rollup_tables.LeafRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("volunteering members rollup")
        verbose_name_plural = _("volunteering members rollups")
        constraints = rollup_tables.leaf_constraints("vol_member_rollup_key")
        indexes = rollup_tables.leaf_indexes("vol_member_rollup")


class MemberNodeRollup(MemberCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("volunteering members area rollup")
        verbose_name_plural = _("volunteering members area rollups")
        constraints = rollup_tables.node_constraints("vol_member_node_key")
        indexes = rollup_tables.node_indexes("vol_member_node")


class MemberFootprint(rollup_tables.Footprints):
    person_id = models.BigIntegerField(_("member"), primary_key=True)

    class Meta:
        verbose_name = _("volunteering member footprint")
        verbose_name_plural = _("volunteering member footprints")


class ListCounters(models.Model):
    needs_raised = models.IntegerField(_("needs raised"), default=0)
    needs_met = models.IntegerField(_("needs met"), default=0)
    # Counted on the day the need was raised while it stays open: a period's sum is how many of
    # the needs raised in it are still open, so open needs by age are reads of three periods.
    needs_open = models.IntegerField(_("needs still open"), default=0)
    shifts = models.IntegerField(_("shifts"), default=0)
    slots = models.IntegerField(_("slots"), default=0)
    slots_filled = models.IntegerField(_("slots filled"), default=0)
    shifts_filled = models.IntegerField(_("shifts filled"), default=0)
    rated = models.IntegerField(_("ratings"), default=0)
    rating_sum = models.IntegerField(_("sum of ratings"), default=0)
    units_paired = models.IntegerField(_("units paired"), default=0)

    class Meta:
        abstract = True


class ListRollup(ListCounters, rollup_tables.LeafRows):
    # The kind of service, as its place in ServiceKind (1 for the first); 0 for a unit's pairing.
    category = models.IntegerField(_("kind of service"), default=0)

    class Meta:
        verbose_name = _("volunteering lists rollup")
        verbose_name_plural = _("volunteering lists rollups")
        constraints = rollup_tables.leaf_constraints("vol_list_rollup_key", "category")
        indexes = rollup_tables.leaf_indexes("vol_list_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} c{self.category}"


class ListNodeRollup(ListCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("volunteering lists area rollup")
        verbose_name_plural = _("volunteering lists area rollups")
        constraints = rollup_tables.node_constraints("vol_list_node_key")
        indexes = rollup_tables.node_indexes("vol_list_node")


class ListFootprint(rollup_tables.Footprints):
    # A community's lists are one object to the engine: the area's id (see figures.py).
    object_id = models.BigIntegerField(_("object"), primary_key=True)

    class Meta:
        verbose_name = _("volunteering lists footprint")
        verbose_name_plural = _("volunteering lists footprints")
