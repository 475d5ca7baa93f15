"""Maps on pages: the configuration the scripts read (static/needle/maps.js), and an area's
place in words."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.safestring import SafeString

from needle.areas.models import Area, Level
from needle.areas.selectors import area_ancestors

register = template.Library()


@register.simple_tag
def map_config() -> SafeString:
    """The basemap's tile templates, attribution and coordinate system as a JSON block."""
    return json_script(
        {
            "tiles": settings.NEEDLE_MAP_TILES,
            "attribution": settings.NEEDLE_MAP_ATTRIBUTION,
            "crs": settings.NEEDLE_MAP_CRS,
        },
        "map-config",
    )


@register.simple_tag
def area_chain(area: Area) -> str:
    """The area's place from the district down ("渝中区 › 七星岗街道 › 华一坡社区 › 第1网格"),
    placeholders left out; one query."""
    chain = [a for a in [*area_ancestors(area=area), area] if not a.placeholder]
    below_city = [a for a in chain if a.level >= Level.DISTRICT]
    return " › ".join(a.name for a in below_city or chain)
