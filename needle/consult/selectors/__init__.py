"""Every read of the think tank: topics and their suggestions (`topics`), results with their
tree and computed progress (`results`), and the staff's console (`console`)."""

from needle.consult.selectors.console import (
    ConsultToday,
    answers_due,
    consult_today,
    moderation_queue,
    staff_topics,
)
from needle.consult.selectors.meetings import (
    access_meeting,
    meeting_list,
    meeting_seats,
    meetings_to_minute,
    public_decisions,
    seat_name,
)
from needle.consult.selectors.results import (
    Node,
    access_action,
    access_result,
    area_progress,
    linkable_case,
    linkable_project,
    result_timeline,
    result_tree,
    results_in,
)
from needle.consult.selectors.topics import (
    access_suggestion,
    access_topic,
    my_suggestions,
    my_supports,
    suggestion_list,
    topic_list,
)

__all__ = [
    "ConsultToday",
    "Node",
    "access_action",
    "access_meeting",
    "access_result",
    "access_suggestion",
    "access_topic",
    "answers_due",
    "area_progress",
    "consult_today",
    "linkable_case",
    "linkable_project",
    "meeting_list",
    "meeting_seats",
    "meetings_to_minute",
    "moderation_queue",
    "my_suggestions",
    "my_supports",
    "public_decisions",
    "result_timeline",
    "result_tree",
    "results_in",
    "seat_name",
    "staff_topics",
    "suggestion_list",
    "topic_list",
]
