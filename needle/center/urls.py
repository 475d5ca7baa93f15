from django.urls import path

from needle.center import views

urlpatterns = [
    path("center/<str:code>/", views.center_page, name="center-page"),
    path("center/<str:code>/rooms/", views.rooms_page, name="center-rooms"),
    path("center/<str:code>/rooms/requests/", views.room_requests, name="center-room-requests"),
    path("center/bookings/<int:booking_id>/<str:action>/", views.booking_move, name="center-booking-move"),
    path("center/activities/<int:activity_id>/register/", views.register, name="center-register"),
    path("center/registrations/<int:registration_id>/<str:action>/", views.move, name="center-move"),
]
