from django.urls import path

from needle.cases import views

urlpatterns = [
    # Residents, signed in or not.
    path("report/", views.report, name="case-report"),
    path("report/services/", views.service_search, name="case-service-search"),
    path("report/questions/", views.service_questions, name="case-service-questions"),
    path("report/areas/", views.area_search, name="case-area-search"),
    path("report/boundaries/<str:code>/", views.boundaries, name="case-boundaries"),
    path("report/thanks/<str:token>/", views.report_thanks, name="case-thanks"),
    path("track/<str:token>/", views.track, name="case-track"),
    path("track/<str:token>/photos/<int:photo_id>/", views.track_photo, name="case-track-photo"),
    path("cases/public/", views.public_list, name="case-public"),
    path("cases/public/<str:number>/", views.public_detail, name="case-public-detail"),
    path("cases/mine/", views.my_cases, name="case-mine"),
    # Staff.
    path("inbox/", views.inbox, name="case-inbox"),
    path("queue/", views.queue, name="case-queue"),
    path("intake/", views.staff_intake, name="case-intake"),
    path("cases/rates/", views.rates, name="case-rates"),
    path("cases/<str:number>/", views.case_detail, name="case-detail"),
    path("cases/<str:number>/units/", views.unit_search, name="case-unit-search"),
    path("cases/<str:number>/photos/<int:photo_id>/", views.case_photo, name="case-photo"),
    path("cases/<str:number>/<str:action>/", views.case_act, name="case-act"),
]
