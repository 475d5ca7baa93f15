"""The app's service surface: every write to residents' requests (intake, routing, the
lifecycle, the resident's own steps, the deadline clock, collaboration, deadlines, Open311
keys), imported from here by every entry point (`from needle.cases import services` or
`from needle.cases.services import case_accept`).

Each move locks the case row, checks the actor's permission and the current state against the
table of needle/cases/states.py, writes a timeline entry, an audit event and notifications, and
refuses an illegal move with Conflict (HTTP 409) carrying the current state. Two people acting at once: the second waits for the
lock, then finds the state changed and gets the 409.
"""

from needle.cases.services._common import MAX_DESCRIPTION, public_link, tracking_link
from needle.cases.services.clock import (
    case_extension_decide,
    case_extension_request,
    case_resume,
    case_suspend,
)
from needle.cases.services.collaboration import (
    assist_respond,
    case_assist,
    case_follow,
    case_hide_details,
    case_note,
    case_set_public,
    case_urge,
    case_whistle,
)
from needle.cases.services.deadlines import case_recolour, deadlines_mark
from needle.cases.services.intake import (
    AFTER_INTAKE,
    REPEAT_WINDOW,
    Intake,
    case_follow_up,
    case_open,
    case_submit,
    case_submit_or_get,
    idempotency_key,
)

# The demo numbers the cases it loads in bulk as intake does.
from needle.cases.services.intake import _next_number as _next_number
from needle.cases.services.lifecycle import (
    DISPATCH_MANY_MAX,
    Dispatched,
    case_accept,
    case_answer,
    case_callback,
    case_dispatch,
    case_dispatch_many,
    case_merge,
    case_reclassify,
    case_reject,
    case_reopen,
    case_resolve,
    case_return,
    case_start,
)
from needle.cases.services.open311_keys import (
    OPEN311_PREFIX,
    IssuedKey,
    open311_key_check,
    open311_key_create,
)
from needle.cases.services.places import case_place_in_grid
from needle.cases.services.resident import MAX_ADDITIONS, case_add_info, case_forget_person, case_withdraw
from needle.cases.services.routing import case_route_auto, rule_delete, rule_for, rule_set

__all__ = [
    "AFTER_INTAKE",
    "DISPATCH_MANY_MAX",
    "MAX_ADDITIONS",
    "MAX_DESCRIPTION",
    "OPEN311_PREFIX",
    "REPEAT_WINDOW",
    "Dispatched",
    "Intake",
    "IssuedKey",
    "assist_respond",
    "case_accept",
    "case_add_info",
    "case_answer",
    "case_assist",
    "case_callback",
    "case_dispatch",
    "case_dispatch_many",
    "case_extension_decide",
    "case_extension_request",
    "case_follow",
    "case_follow_up",
    "case_forget_person",
    "case_hide_details",
    "case_merge",
    "case_note",
    "case_open",
    "case_place_in_grid",
    "case_reclassify",
    "case_recolour",
    "case_reject",
    "case_reopen",
    "case_resolve",
    "case_resume",
    "case_return",
    "case_route_auto",
    "case_set_public",
    "case_start",
    "case_submit",
    "case_submit_or_get",
    "case_suspend",
    "case_urge",
    "case_whistle",
    "case_withdraw",
    "deadlines_mark",
    "idempotency_key",
    "open311_key_check",
    "open311_key_create",
    "public_link",
    "rule_delete",
    "rule_for",
    "rule_set",
    "tracking_link",
]
