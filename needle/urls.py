from django.contrib import admin
from django.urls import include, path

from needle.api import api
from needle.operations.views import home

urlpatterns = [
    # Everyone's home: the landing page, or the signed-in person's day (it reads every app).
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("areas/", include("needle.areas.urls")),
    path("intel/", include("needle.intel.urls")),
    path("operations/", include("needle.operations.urls")),
    path("notifications/", include("needle.notify.urls")),
    path("open311/v2/", include("needle.cases.open311_urls")),
    path("", include("needle.center.urls")),
    path("", include("needle.care.urls")),
    path("", include("needle.consult.urls")),
    path("", include("needle.supervision.urls")),
    path("", include("needle.volunteering.urls")),
    path("", include("needle.cases.urls")),
    path("", include("needle.orgs.urls")),
]
