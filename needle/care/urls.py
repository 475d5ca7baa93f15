from django.urls import path

from needle.care.views import helper

# Fixed paths first: "care/<str:code>/" (a community's console) matches almost anything.
urlpatterns: list = [
    path("care/helper/", helper.helper_page, name="care-helper"),
    path("care/sw.js", helper.service_worker, name="care-sw"),
]
