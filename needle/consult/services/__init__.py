"""Every write of the think tank, split by concern: `topics`, `suggestions` (suggesting,
supporting, answering, moderating) and `results` (results and their tree of actions)."""

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
    "OnBehalf",
    "TopicDraft",
    "action_add",
    "action_update",
    "result_create",
    "suggestion_answer",
    "suggestion_make",
    "suggestion_moderate",
    "support_add",
    "support_withdraw",
    "topic_open",
]
