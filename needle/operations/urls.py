from django.urls import path

from needle.operations import views

app_name = "operations"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("area/<str:code>/", views.dashboard, name="area"),
    path("unit/<int:pk>/", views.dashboard, name="unit"),
    path("area/<str:code>/map.json", views.map_data, name="map-data"),
    path("area/<str:code>/subscribe/", views.subscribe, name="subscribe"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/stop/", views.unsubscribe, name="unsubscribe"),
]
