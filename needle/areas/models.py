from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needle.core.models import TimeStamped

# Materialized paths are codes joined by "/", each followed by one; every character is ASCII,
# so this bound sorts after every descendant's path on SQLite and PostgreSQL alike.
PATH_END = "\x7f"


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    DISTRICT = 3, _("district/county")
    STREET = 4, _("street/town")
    COMMUNITY = 5, _("community/village")
    GRID = 6, _("grid")


# The national divisions file keeps the statistical office's containers: "市辖区" (a
# municipality's or a prefecture's districts as a whole), "县" (Chongqing's counties as a whole),
# "省直辖县级行政区划" (counties a province governs directly). They govern nothing of their own:
# the figures pass through them to the districts and counties inside (`jurisdictional_children`).
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def is_placeholder(*, name: str, level: int) -> bool:
    """Whether an area of the national file is a container without a jurisdiction of its own
    (only cities and counties are: a real province, street or community is never one)."""
    return level in (Level.CITY, Level.DISTRICT) and name.strip() in PLACEHOLDER_NAMES


def subtree_q(path: str, field: str = "path") -> Q:
    """Everything at or below `path`, as an index range scan (no LIKE, no collation surprises)."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": path + PATH_END})


class Area(TimeStamped):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(_("depth"))
    retired = models.BooleanField(_("retired"), default=False)
    # A container without a jurisdiction (is_placeholder), set by the writers of the tree from
    # the name: the operations center lists what lies inside it instead of it.
    placeholder = models.BooleanField(_("placeholder"), default=False, db_default=False)
    # Live areas strictly below this one, kept by the only writers of the tree (area_import,
    # grid_create), so "how many areas under X" costs no scan even for a whole province.
    descendants = models.PositiveIntegerField(_("areas below"), default=0, db_default=0)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    centroid_lng = models.FloatField(_("centroid longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=6), name="area_level_in_range"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(depth__gt=1), name="area_child_depth"
            ),
        ]
        indexes = [models.Index(fields=["parent", "code"], name="area_children")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def ancestor_paths(self) -> list[str]:
        """Paths of this area's ancestors, root first (derived from the path: no query)."""
        parts = self.path.strip("/").split("/")
        return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts) - 1)]

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.strip("/").split("/")[:-1]

    def contains(self, other: Area) -> bool:
        return other.path.startswith(self.path)

    @property
    def has_centroid(self) -> bool:
        return self.centroid_lat is not None and self.centroid_lng is not None
