"""Each person's home page: what is theirs to do today, read from the apps that own the work.

The home sits in the operations app because it reads every app (DESIGN's order: operations reads
everything below it). Each kind of work is one selector of its app (`cases.selectors.handler_today`,
`dispatcher_today`, `supervisor_today`, `grid_today`, `mine_today`; `center.selectors.center_today`,
`rooms_today`; `volunteering.selectors.today.volunteering_today`, `member_today`;
`care.selectors.today.care_today`, `helper_today`; `consult.selectors.consult_today`;
`supervision.selectors.tasks.supervision_today`); a section
appears only when
its selector finds that the person does that work. The links are the header's
(`orgs.navigation.nav_links`), so a home never offers a page that would refuse its reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from needle.care.selectors.today import CareToday, HelperToday, care_today, helper_today
from needle.cases import selectors as cases
from needle.cases.presenters import public_case
from needle.center.selectors import CenterToday, RoomsToday, center_today, rooms_today
from needle.consult.selectors import ConsultToday, consult_today
from needle.intel.selectors import hot_topics_for
from needle.operations import presenters
from needle.operations.dashboards import dashboard_for
from needle.operations.params import default_area, parse_period
from needle.orgs.models import Membership, RoleAssignment
from needle.orgs.navigation import Link, nav_links
from needle.orgs.permissions import has_perm_anywhere
from needle.orgs.selectors import my_memberships, my_roles
from needle.supervision.selectors.tasks import SupervisionToday, supervision_today
from needle.volunteering.selectors.today import (
    MemberToday,
    VolunteeringToday,
    member_today,
    volunteering_today,
)

# How many public requests the landing page shows, and hot topics a home lists.
LANDING_REQUESTS = 3
HOT_TOPICS = 3


@dataclass
class Figures:
    """The dashboard's headline cards for the person's widest area (the analyst's home)."""

    dashboard: Any
    cards: list[dict[str, Any]]


@dataclass
class Home:
    links: list[Link]
    handler: cases.HandlerToday | None = None
    dispatcher: cases.DispatcherToday | None = None
    supervisor: cases.SupervisorToday | None = None
    grid: cases.GridToday | None = None
    mine: cases.MineToday | None = None
    center: CenterToday | None = None
    rooms: RoomsToday | None = None
    volunteering: VolunteeringToday | None = None
    serving: MemberToday | None = None
    care: CareToday | None = None
    helping: HelperToday | None = None
    consult: ConsultToday | None = None
    tasks: SupervisionToday | None = None
    figures: Figures | None = None
    hot_topics: list[Any] | None = None
    # The public requests of the community the person lives in.
    nearby: list[Any] | None = None
    roles: list[RoleAssignment] | None = None
    memberships: list[Membership] | None = None

    @property
    def work(self) -> bool:
        """Whether the person has staff work at all (else the home leads with their requests)."""
        work = (
            self.handler,
            self.dispatcher,
            self.supervisor,
            self.grid,
            self.center,
            self.rooms,
            self.volunteering,
            self.care,
            self.consult,
            self.tasks,
            self.figures,
        )
        return any(work)


def home_for(*, actor: Any, path: str = "/") -> Home:
    """The signed-in person's home: one section per kind of work they do."""
    home = Home(links=nav_links(actor, path=path))
    home.handler = cases.handler_today(actor=actor)
    home.dispatcher = cases.dispatcher_today(actor=actor)
    home.supervisor = cases.supervisor_today(actor=actor)
    home.grid = cases.grid_today(actor=actor)
    home.mine = cases.mine_today(actor=actor)
    home.center = center_today(actor=actor)
    home.rooms = rooms_today(actor=actor)
    home.volunteering = volunteering_today(actor=actor)
    home.serving = member_today(actor=actor)
    home.care = care_today(actor=actor)
    home.helping = helper_today(actor=actor)
    home.consult = consult_today(actor=actor)
    home.tasks = supervision_today(actor=actor)
    if has_perm_anywhere(actor, "orgs.view_stats"):
        area = default_area(actor=actor)
        if area is not None:
            start, end = parse_period(None, None)
            d = dashboard_for(actor=actor, area=area, start=start, end=end, daily=False, units=False)
            home.figures = Figures(dashboard=d, cards=presenters.cards(d))
    if home.supervisor is not None or home.figures is not None:
        home.hot_topics = list(hot_topics_for(actor=actor)[:HOT_TOPICS])
    if actor.home_area_id is not None:
        home.nearby = _public_requests(area=actor.home_area)
    home.roles = list(my_roles(actor=actor))
    home.memberships = list(my_memberships(actor=actor))
    return home


@dataclass
class Landing:
    links: list[Link]
    recent: list[Any]  # cases.presenters.PublicCase


def landing_for(*, actor: Any, path: str = "/") -> Landing:
    """What a visitor who has not signed in sees first: raise a request, follow one, the
    public requests."""
    return Landing(links=nav_links(actor, path=path), recent=_public_requests())


def _public_requests(area: Any = None) -> list[Any]:
    """The latest public requests (of an area's subtree), as the public list shows them."""
    found = cases.public_case_list(filters=cases.CaseFilters(area=area)).order_by(*cases.CASE_ORDER)
    return [public_case(c) for c in found[:LANDING_REQUESTS]]
