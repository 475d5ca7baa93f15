"""Open311 GeoReport v2 at /open311/v2/ with FixMyStreet's service request updates: every
resource in XML and JSON, open public reads, writes with an api_key. The decisions where the
specification leaves room, the status mapping and the error shape: docs/open311.md.

`writer` writes the answers out, `params` reads the parameters, `presentation` shows a case as
a service request, `views` are the endpoints."""

from needle.cases.open311.presentation import (
    LIST_FIELDS,
    request_item,
    request_rows,
    service_notice,
    update_item,
)
from needle.cases.open311.views import (
    discovery,
    service_definition,
    service_request,
    service_requests,
    services,
    token,
    unknown,
    updates,
)
from needle.cases.open311.writer import _XML_UNSAFE, ITEM_NAMES, render, render_errors, to_xml

__all__ = [
    "ITEM_NAMES",
    "LIST_FIELDS",
    "_XML_UNSAFE",
    "discovery",
    "render",
    "render_errors",
    "request_item",
    "request_rows",
    "service_definition",
    "service_notice",
    "service_request",
    "service_requests",
    "services",
    "to_xml",
    "token",
    "unknown",
    "update_item",
    "updates",
]
