from django.urls import URLPattern

app_name = "operations"
urlpatterns: list[URLPattern] = []
