"""Every write of the think tank, split by concern: `topics`, `suggestions` (suggesting,
supporting, answering, moderating) and `results` (results and their tree of actions)."""

from needle.consult.services.engagement import (
    comment_add,
    comment_moderate,
    follow_set,
    report_decide,
    report_make,
    unfollow,
)
from needle.consult.services.experts import (
    expert_candidates,
    expert_invite,
    expert_opinion,
    topic_from_hot_topic,
)
from needle.consult.services.followers import digest_batch, digests_queue
from needle.consult.services.meetings import (
    MeetingDraft,
    Seat,
    Votes,
    decision_record,
    meeting_cancel,
    meeting_hold,
    meeting_minute,
    meeting_schedule,
    participant_add,
    result_from_decision,
)
from needle.consult.services.results import (
    ActionChange,
    ActionDraft,
    action_add,
    action_update,
    result_create,
)
from needle.consult.services.suggestions import (
    OnBehalf,
    suggestion_answer,
    suggestion_make,
    suggestion_moderate,
    support_add,
    support_withdraw,
)
from needle.consult.services.topics import TopicDraft, topic_open

__all__ = [
    "ActionChange",
    "ActionDraft",
    "MeetingDraft",
    "OnBehalf",
    "Seat",
    "TopicDraft",
    "Votes",
    "action_add",
    "action_update",
    "comment_add",
    "comment_moderate",
    "decision_record",
    "digest_batch",
    "digests_queue",
    "expert_candidates",
    "expert_invite",
    "expert_opinion",
    "follow_set",
    "meeting_cancel",
    "meeting_hold",
    "meeting_minute",
    "meeting_schedule",
    "participant_add",
    "report_decide",
    "report_make",
    "result_create",
    "result_from_decision",
    "suggestion_answer",
    "suggestion_make",
    "suggestion_moderate",
    "support_add",
    "support_withdraw",
    "topic_from_hot_topic",
    "topic_open",
    "unfollow",
]
