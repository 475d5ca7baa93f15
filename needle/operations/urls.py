from django.urls import path, re_path

from needle.operations import views

app_name = "operations"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("area/<str:code>/", views.dashboard, name="area"),
    path("unit/<int:pk>/", views.dashboard, name="unit"),
    path("area/<str:code>/map.json", views.map_data, name="map-data"),
    path("area/<str:code>/subscribe/", views.subscribe, name="subscribe"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    path("area/<str:code>/report.pdf", views.report, name="report"),
    path("alerts/", views.alerts, name="alerts"),
    path("wall/", views.wall, name="wall"),
    path("wall/<str:code>/", views.wall, name="wall-area"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/stop/", views.unsubscribe, name="unsubscribe"),
]
