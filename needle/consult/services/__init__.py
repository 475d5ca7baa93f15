"""Every write of the think tank, split by concern: `topics`, `suggestions` (suggesting,
supporting, answering, moderating) and `results` (results and their tree of actions)."""

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
    "decision_record",
    "meeting_cancel",
    "meeting_hold",
    "meeting_minute",
    "meeting_schedule",
    "participant_add",
    "result_create",
    "result_from_decision",
    "suggestion_answer",
    "suggestion_make",
    "suggestion_moderate",
    "support_add",
    "support_withdraw",
    "topic_open",
]
