from django.contrib import admin

from needle.areas.models import Area
from needle.core.admin import ReadOnlyAdmin


@admin.register(Area)
class AreaAdmin(ReadOnlyAdmin):
    """The tree is written by `needle import-areas` (with its retirement rules and the paths
    every grant reads) and grids by the community's grid page."""

    list_display = ["code", "name", "level", "retired"]
    list_filter = ["level", "retired"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]
