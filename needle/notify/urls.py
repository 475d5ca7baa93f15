from django.urls import path

from needle.notify import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read/", views.notification_read_all, name="notifications-read"),
    path("settings/", views.preferences, name="notification-settings"),
]
