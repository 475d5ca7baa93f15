from django.urls import path

from needle.cases.views import case, inbox, intake, places, public, rates

urlpatterns = [
    # Residents, signed in or not.
    path("report/", intake.report, name="case-report"),
    path("report/services/", intake.service_search, name="case-service-search"),
    path("report/questions/", intake.service_questions, name="case-service-questions"),
    path("report/areas/", intake.area_search, name="case-area-search"),
    path("report/boundaries/<str:code>/", intake.boundaries, name="case-boundaries"),
    path("report/thanks/<str:token>/", intake.report_thanks, name="case-thanks"),
    path("track/", public.track_find, name="case-track-find"),
    path("track/<str:token>/", public.track, name="case-track"),
    path("track/<str:token>/photos/<int:photo_id>/", public.track_photo, name="case-track-photo"),
    path("track/<str:token>/<str:action>/", public.track_act, name="case-track-act"),
    path("cases/public/", public.public_list, name="case-public"),
    path("cases/public/<str:number>/", public.public_detail, name="case-public-detail"),
    path("cases/mine/", public.my_cases, name="case-mine"),
    # Staff.
    path("inbox/", inbox.inbox, name="case-inbox"),
    path("queue/", inbox.queue, name="case-queue"),
    path("queue/units/", inbox.queue_unit_search, name="case-queue-units"),
    path("intake/", intake.staff_intake, name="case-intake"),
    path("intake/caller/", intake.caller_history, name="case-caller-history"),
    path("cases/rates/", rates.rates, name="case-rates"),
    path("cases/<str:number>/", case.case_detail, name="case-detail"),
    path("cases/<str:number>/units/", inbox.unit_search, name="case-unit-search"),
    path("cases/<str:number>/photos/<int:photo_id>/", case.case_photo, name="case-photo"),
    path("cases/<str:number>/grid/", places.case_grid, name="case-grid"),
    path("cases/<str:number>/<str:action>/", case.case_act, name="case-act"),
]
