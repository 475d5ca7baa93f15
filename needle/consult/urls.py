from django.urls import path

from needle.consult import engagement_views, meeting_views, progress_views, views

# Comments, reports, follows, experts and hot topics; first, as the suggestion's moderation
# pattern below would take their last segment for its move.
engagement = [
    path("consult/follows/", engagement_views.my_follows, name="consult-follows"),
    path(
        "consult/follows/<int:follow_id>/<str:move>/",
        engagement_views.follow_change,
        name="consult-follow-change",
    ),
    path(
        "consult/topics/<int:topic_id>/follow/<str:move>/",
        engagement_views.follow_topic,
        name="consult-follow-topic",
    ),
    path(
        "consult/suggestions/<int:suggestion_id>/comment/", engagement_views.comment, name="consult-comment"
    ),
    path(
        "consult/suggestions/<int:suggestion_id>/report/",
        engagement_views.report_suggestion,
        name="consult-report-suggestion",
    ),
    path(
        "consult/suggestions/<int:suggestion_id>/follow/<str:move>/",
        engagement_views.follow_suggestion,
        name="consult-follow-suggestion",
    ),
    path(
        "consult/comments/<int:comment_id>/report/",
        engagement_views.report_comment,
        name="consult-report-comment",
    ),
    path(
        "consult/comments/<int:comment_id>/<str:move>/",
        engagement_views.moderate_comment,
        name="consult-moderate-comment",
    ),
    path(
        "consult/console/topics/<int:topic_id>/experts/",
        engagement_views.experts_page,
        name="consult-experts",
    ),
    path(
        "consult/console/topics/<int:topic_id>/experts/invite/",
        engagement_views.invite,
        name="consult-invite",
    ),
    path("consult/experts/<int:invite_id>/opinion/", engagement_views.opinion, name="consult-opinion"),
    path("consult/console/hot-topics/", engagement_views.hot_topics, name="consult-hot-topics"),
    path(
        "consult/console/hot-topics/<int:hot_topic_id>/topic/",
        engagement_views.hot_topic_open,
        name="consult-hot-topic-open",
    ),
]

urlpatterns = [
    *engagement,
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
    path("consult/<str:code>/results/", progress_views.area_progress, name="consult-progress-page"),
    path("consult/<str:code>/", views.topics_page, name="consult-topics"),
]
