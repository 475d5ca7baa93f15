from django.urls import path

from needle.consult import views

urlpatterns = [
    path("consult/console/", views.console, name="consult-console"),
    path("consult/mine/", views.mine, name="consult-mine"),
    path("consult/console/topics/", views.open_topic, name="consult-open-topic"),
    path("consult/suggestions/<int:suggestion_id>/result/", views.make_result, name="consult-make-result"),
    path("consult/results/<int:result_id>/actions/", views.add_action, name="consult-add-action"),
    path(
        "consult/results/<int:result_id>/actions/<int:action_id>/progress/",
        views.set_progress,
        name="consult-progress",
    ),
    path("consult/topics/<int:topic_id>/", views.topic_page, name="consult-topic"),
    path("consult/topics/<int:topic_id>/suggest/", views.suggest, name="consult-suggest"),
    path(
        "consult/suggestions/<int:suggestion_id>/support/<str:action>/", views.support, name="consult-support"
    ),
    path("consult/suggestions/<int:suggestion_id>/answer/", views.answer, name="consult-answer"),
    path("consult/suggestions/<int:suggestion_id>/<str:action>/", views.moderate, name="consult-moderate"),
    path(
        "consult/reports/<int:report_id>/<str:decision>/", views.decide_report, name="consult-decide-report"
    ),
    path("consult/results/<int:result_id>/", views.result_page, name="consult-result"),
    path("consult/<str:code>/", views.topics_page, name="consult-topics"),
]
