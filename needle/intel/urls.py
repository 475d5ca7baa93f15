from django.urls import path

from needle.intel import views

app_name = "intel"
urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("cases/<str:number>/", views.case_panel, name="case-panel"),
    path("cases/<str:number>/reclassify/", views.reclassify, name="reclassify"),
    path("cases/<str:number>/follow/", views.follow, name="follow"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/<int:pk>/", views.hotspot_detail, name="hotspot"),
    path("hotspots/<int:pk>/task/", views.hotspot_task, name="hotspot-task"),
    path("hotspots/<int:pk>/dismiss/", views.hotspot_dismiss, name="hotspot-dismiss"),
    path("models/", views.models_page, name="models"),
]
