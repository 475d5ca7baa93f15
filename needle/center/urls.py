from django.urls import path

from needle.center import staff_views, views

urlpatterns = [
    path("center/mine/", views.mine, name="center-mine"),
    path("center/family/add/", views.family_add, name="center-family-add"),
    path("center/photos/<int:photo_id>/", views.photo, name="center-photo"),
    path("center/series/<int:series_id>/register/", views.register_series, name="center-series-register"),
    path("center/mine/<str:token>/calendar.ics", views.my_ics, name="center-my-ics"),
    path("center/<str:code>/", views.center_page, name="center-page"),
    path("center/<str:code>/calendar.ics", views.center_ics, name="center-ics"),
    path("center/<str:code>/rooms/", views.rooms_page, name="center-rooms"),
    path("center/<str:code>/rooms/requests/", views.room_requests, name="center-room-requests"),
    path("center/bookings/<int:booking_id>/<str:action>/", views.booking_move, name="center-booking-move"),
    path("center/activities/<int:activity_id>/register/", views.register, name="center-register"),
    path("center/registrations/<int:registration_id>/feedback/", views.give_feedback, name="center-feedback"),
    path("center/registrations/<int:registration_id>/<str:action>/", views.move, name="center-move"),
    # The staff console.
    path("center/<str:code>/staff/", staff_views.calendar, name="center-staff-calendar"),
    path(
        "center/activities/<int:activity_id>/staff/", staff_views.activity_page, name="center-staff-activity"
    ),
    path(
        "center/activities/<int:activity_id>/staff/register/",
        staff_views.register_on_behalf,
        name="center-staff-register",
    ),
    path(
        "center/activities/<int:activity_id>/staff/seats/", staff_views.set_capacity, name="center-capacity"
    ),
    path(
        "center/activities/<int:activity_id>/staff/absentees/",
        staff_views.mark_absentees,
        name="center-absentees",
    ),
    path("center/activities/<int:activity_id>/sheet/", staff_views.attendance_sheet, name="center-sheet"),
    path("center/activities/<int:activity_id>/photos/", staff_views.add_photo, name="center-photo-add"),
    path("center/photos/<int:photo_id>/remove/", staff_views.remove_photo, name="center-photo-remove"),
    path(
        "center/activities/<int:activity_id>/check-in/", staff_views.check_in_screen, name="center-check-in"
    ),
    path(
        "center/activities/<int:activity_id>/check-in/code/",
        staff_views.check_in_by_code,
        name="center-check-in-code",
    ),
    path(
        "center/registrations/<int:registration_id>/staff/<str:action>/",
        staff_views.staff_move,
        name="center-staff-move",
    ),
    path("center/services/<int:service_id>/book/", views.book, name="center-book"),
    path(
        "center/appointments/<int:appointment_id>/cancel/",
        views.cancel_appointment,
        name="center-appointment-cancel",
    ),
]
