from django.urls import path

from needle.supervision.views import consultation, pages, reports, workflow

urlpatterns: list = [
    path("supervision/", pages.mine, name="supervision-mine"),
    path("supervision/new/", pages.task_new, name="supervision-new"),
    path("supervision/admission/", pages.admission_work, name="supervision-admission-work"),
    path("supervision/tasks/<int:pk>/", pages.board, name="supervision-board"),
    path("supervision/targets/<int:pk>/", pages.target_page, name="supervision-target"),
    path("supervision/targets/<int:pk>/<slug:action>/", pages.target_move, name="supervision-move"),
    path("supervision/admission/<str:code>/", pages.admission_list, name="supervision-admission"),
    path("supervision/burden/<str:code>/", pages.burden, name="supervision-burden"),
    # Fill-once reports
    path("supervision/reports/<int:pk>/", reports.report_page, name="supervision-report"),
    path("supervision/tasks/<int:pk>/report/", reports.table_page, name="supervision-report-table"),
    path("supervision/report-templates/", reports.templates_page, name="supervision-templates"),
    path("supervision/burden/<str:code>/fields/", reports.burden_fields, name="supervision-burden-fields"),
    # The general office's admission list work and held tasks
    path("supervision/admission-entries/<int:pk>/", workflow.entry_page, name="supervision-entry"),
    path("supervision/admission-import/", workflow.import_page, name="supervision-import"),
    path(
        "supervision/admission-import/template.<str:kind>",
        workflow.import_template,
        name="supervision-import-template",
    ),
    path("supervision/held/", workflow.held_page, name="supervision-held"),
    # Consultation on drafts
    path(
        "supervision/consultations/new/", consultation.consultation_new, name="supervision-consultation-new"
    ),
    path(
        "supervision/consultations/<int:pk>/", consultation.consultation_page, name="supervision-consultation"
    ),
    path(
        "supervision/consultations/<int:pk>/<slug:action>/",
        consultation.consultation_act,
        name="supervision-consultation-act",
    ),
]
