"""The links a person may follow, made from their permissions in one place: the header's menu
and the home pages show this list, so neither offers a page that would refuse its reader.

Each link names the permission its page checks (the page's own `require_anywhere`, or what its
list is scoped by); a link whose page would show a signed-in person nothing of theirs (the
units, the area tree for someone without a role) is left out too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from needle.orgs.permissions import grants_of, has_perm_anywhere, is_superuser


@dataclass(frozen=True)
class Link:
    key: str
    url: str
    label: str
    # "resident": what anyone may do; "work": a staff member's lists; "figures": indicators;
    # "organization": units, areas, the audit log, the admin.
    group: str
    current: bool = False


def _anyone(actor: Any) -> bool:
    return True


def _signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _staff(actor: Any) -> bool:
    """Someone with a role somewhere (or a superuser): the one who works with the lists."""
    return is_superuser(actor) or bool(grants_of(actor))


def _perm(name: str) -> Callable[[Any], bool]:
    return lambda actor: has_perm_anywhere(actor, name)


def _django_staff(actor: Any) -> bool:
    return bool(getattr(actor, "is_staff", False) and getattr(actor, "is_active", False))


# key, URL name, label, group, who sees it
LINKS: list[tuple[str, str, Promise, str, Callable[[Any], bool]]] = [
    ("report", "case-report", _("Report a problem"), "resident", _anyone),
    ("public", "case-public", _("Public requests"), "resident", _anyone),
    ("mine", "case-mine", _("My requests"), "resident", _signed_in),
    # Their places at the service center, its QR codes and their family.
    ("activities", "center-mine", _("My activities"), "resident", _signed_in),
    # Members check in with their community, take up its shifts and log their hours; anyone
    # signed in may open it (the page tells a resident without a membership what it is for).
    ("service", "volunteering-me", _("My service"), "resident", _signed_in),
    ("inbox", "case-inbox", _("Inbox"), "work", _perm("cases.view")),
    ("queue", "case-queue", _("Dispatch queue"), "work", _perm("cases.dispatch")),
    ("intake", "case-intake", _("Phone intake"), "work", _perm("cases.intake")),
    ("volunteering", "volunteering-console-door", _("Volunteering"), "work", _perm("volunteering.manage")),
    # The care console for the community's care staff; a street's or a district's view of its
    # communities' counts for those reading care above them.
    ("care", "care-door", _("Care"), "work", _perm("care.view")),
    # The think tank's console: topics, answers due and moderation for the area's staff.
    ("consult", "consult-console", _("Think tank"), "work", _perm("consult.view")),
    # Supervised tasks: what the person's units must do, sign off and decide, and what they issued.
    ("supervision", "supervision-mine", _("Tasks"), "work", _perm("supervision.view")),
    ("operations", "operations:dashboard", _("Operations center"), "figures", _perm("cases.view")),
    ("rates", "case-rates", _("The rates"), "figures", _perm("cases.view")),
    ("hotspots", "intel:hotspots", _("Hot topics"), "figures", _perm("intel.view_hotspots")),
    ("stats", "org-stats", _("Organization figures"), "figures", _perm("orgs.view_stats")),
    ("units", "unit-list", _("Units"), "organization", _staff),
    ("areas", "area-index", _("Areas"), "organization", _staff),
    ("audit", "audit-list", _("Audit log"), "organization", _perm("core.view_audit")),
    ("admin", "admin:index", _("Administration"), "organization", _django_staff),
]


def nav_links(actor: Any, *, path: str = "") -> list[Link]:
    """The pages `actor` may open, in the menu's order; the one at `path` (or the section it
    heads) is marked current. Reads the actor's grants once (one query, kept on the actor)."""
    links = []
    for key, name, label, group, shown in LINKS:
        if not shown(actor):
            continue
        url = reverse(name)
        current = bool(path) and (path == url or (url != "/" and path.startswith(url)))
        links.append(Link(key=key, url=url, label=str(label), group=group, current=current))
    return links


def has_link(links: list[Link], key: str) -> bool:
    return any(link.key == key for link in links)
