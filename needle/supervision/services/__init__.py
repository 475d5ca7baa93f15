"""Every write of supervision: issuing and splitting tasks, the targets' moves, the admission list."""

from needle.supervision.services.admission import entry_amend, entry_apply, entry_decide
from needle.supervision.services.imports import entries_import
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
from needle.supervision.services.workflow import evidence_add, target_urge, task_hold_decide

__all__ = [
    "Draft",
    "entries_import",
    "entry_amend",
    "entry_apply",
    "entry_decide",
    "evidence_add",
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
    "target_urge",
    "task_hold_decide",
    "task_issue",
    "template_create",
]
