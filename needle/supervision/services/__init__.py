"""Every write of supervision: issuing and splitting tasks, the targets' moves, the admission list."""

from needle.supervision.services.admission import entry_apply, entry_decide
from needle.supervision.services.issue import Draft, target_split, task_issue
from needle.supervision.services.reports import (
    report_issue,
    report_open,
    report_return,
    report_save,
    report_submit,
    template_create,
)
from needle.supervision.services.targets import (
    extension_ask,
    extension_decide,
    target_accept,
    target_decline,
    target_done,
    target_progress,
    target_return,
    target_sign_off,
)

__all__ = [
    "Draft",
    "entry_apply",
    "entry_decide",
    "extension_ask",
    "extension_decide",
    "report_issue",
    "report_open",
    "report_return",
    "report_save",
    "report_submit",
    "target_accept",
    "target_decline",
    "target_done",
    "target_progress",
    "target_return",
    "target_sign_off",
    "target_split",
    "task_issue",
    "template_create",
]
