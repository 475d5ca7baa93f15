"""A visit (the tiny test model) and the rollup tables of its source, on the engine's shapes."""

from __future__ import annotations

from django.db import models

from needle.areas.models import Area
from needle.rollups.models import Footprints, LeafRows, NodeRows


class Visit(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    team = models.IntegerField(default=0)
    at = models.DateTimeField()
    done = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"visit {self.pk}"


class VisitCounters(models.Model):
    visits = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    planned = models.IntegerField(default=0)

    class Meta:
        abstract = True


class VisitRollup(VisitCounters, LeafRows):
    team = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "area", "team"], name="visit_rollup_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.area_path} t{self.team}"


class VisitNodeRollup(VisitCounters, NodeRows):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grouping", "area", "span", "day", "key"], name="visit_node_rollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grouping} {self.day}+{self.span} a{self.area_id} k{self.key}"


class VisitFootprint(Footprints):
    visit_id = models.BigIntegerField(primary_key=True)
