from django.urls import path

from needle.areas import views

urlpatterns = [
    path("", views.area_index, name="area-index"),
    path("<str:code>/", views.area_detail, name="area-detail"),
    path("<str:code>/grids/", views.grid_create, name="grid-create"),
    path("<str:code>/workers/", views.grid_assign, name="grid-assign"),
]
