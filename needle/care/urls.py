from django.urls import path  # noqa: F401

# Fixed paths first: "care/<str:code>/" (a community's console) matches almost anything.
urlpatterns: list = []
