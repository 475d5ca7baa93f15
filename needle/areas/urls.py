from django.urls import path

from needle.areas import views

urlpatterns = [
    path("", views.area_index, name="area-index"),
]
