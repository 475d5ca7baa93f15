from django.urls import path

from needle.supervision.views import pages

urlpatterns: list = [
    path("supervision/", pages.mine, name="supervision-mine"),
    path("supervision/tasks/<int:pk>/", pages.board, name="supervision-board"),
    path("supervision/targets/<int:pk>/", pages.target_page, name="supervision-target"),
    path("supervision/targets/<int:pk>/<slug:action>/", pages.target_move, name="supervision-move"),
    path("supervision/admission/<str:code>/", pages.admission_list, name="supervision-admission"),
    path("supervision/burden/<str:code>/", pages.burden, name="supervision-burden"),
]
