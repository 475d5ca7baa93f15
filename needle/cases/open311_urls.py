"""Open311 GeoReport v2 routes, mounted at /open311/v2/; the format is the path's suffix."""

from django.urls import re_path

from needle.cases import open311

app_name = "open311"

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, open311.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+)" + FORMAT, open311.service_definition, name="service-definition"),
    re_path(r"^requests" + FORMAT, open311.service_requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+)" + FORMAT, open311.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, open311.token, name="token"),
    re_path(r"^servicerequestupdates" + FORMAT, open311.updates, name="updates"),
    # Anything else under /open311/v2/ answers in Open311's error shape, not an HTML page.
    re_path(r"^(?P<rest>.*)$", open311.unknown, name="unknown"),
]
