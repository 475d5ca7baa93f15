from django.urls import path

from needle.center import views

urlpatterns = [
    path("center/<str:code>/", views.center_page, name="center-page"),
    path("center/activities/<int:activity_id>/register/", views.register, name="center-register"),
    path("center/registrations/<int:registration_id>/<str:action>/", views.move, name="center-move"),
    path("center/services/<int:service_id>/book/", views.book, name="center-book"),
    path(
        "center/appointments/<int:appointment_id>/cancel/",
        views.cancel_appointment,
        name="center-appointment-cancel",
    ),
]
