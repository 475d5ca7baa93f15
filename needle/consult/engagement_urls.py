"""The engagement's pages: comments, reports, follows, experts and hot topics (mounted first by
`urls`)."""

from django.urls import path

from needle.consult import engagement_views

urlpatterns = [
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
