from django.urls import path

from needle.consult import engagement_urls, meeting_views, progress_views, survey_views, views

urlpatterns = [
    # First, as the suggestion's moderation pattern below would take their last segment for its move.
    *engagement_urls.urlpatterns,
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
    # Deliberation meetings (staff) and an area's public progress page.
    path("consult/console/meetings/", meeting_views.meetings, name="consult-meetings"),
    path("consult/console/meetings/new/", meeting_views.schedule, name="consult-schedule-meeting"),
    path("consult/console/meetings/<int:meeting_id>/", meeting_views.meeting_page, name="consult-meeting"),
    path(
        "consult/console/meetings/<int:meeting_id>/seats/",
        meeting_views.add_seat,
        name="consult-meeting-seat",
    ),
    path("consult/console/meetings/<int:meeting_id>/edit/", meeting_views.edit, name="consult-meeting-edit"),
    path("consult/console/meetings/<int:meeting_id>/hold/", meeting_views.hold, name="consult-hold-meeting"),
    path(
        "consult/console/meetings/<int:meeting_id>/decide/",
        meeting_views.decide,
        name="consult-meeting-decide",
    ),
    path(
        "consult/console/meetings/<int:meeting_id>/minutes/",
        meeting_views.minute,
        name="consult-meeting-minutes",
    ),
    path(
        "consult/console/meetings/<int:meeting_id>/cancel/",
        meeting_views.cancel,
        name="consult-meeting-cancel",
    ),
    path(
        "consult/console/meetings/<int:meeting_id>/decisions/<int:decision_id>/result/",
        meeting_views.decision_result,
        name="consult-decision-result",
    ),
    # A topic's survey: answered on the topic's page, its questions on the staff's page.
    path("consult/topics/<int:topic_id>/survey/", survey_views.answer, name="consult-survey-answer"),
    path(
        "consult/console/topics/<int:topic_id>/survey/",
        survey_views.survey_console,
        name="consult-survey-console",
    ),
    path(
        "consult/console/topics/<int:topic_id>/survey/questions/",
        survey_views.add_question,
        name="consult-survey-add",
    ),
    path(
        "consult/console/topics/<int:topic_id>/survey/questions/<int:question_id>/",
        survey_views.edit_question,
        name="consult-survey-edit",
    ),
    path(
        "consult/console/topics/<int:topic_id>/survey/questions/<int:question_id>/delete/",
        survey_views.delete_question,
        name="consult-survey-delete",
    ),
    path("consult/<str:code>/results/", progress_views.area_progress, name="consult-progress-page"),
    path("consult/<str:code>/", views.topics_page, name="consult-topics"),
]
