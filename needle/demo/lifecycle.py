"""One demo case taken through its lifecycle, as the services would, up to a given moment.

Every move is checked against the case's lifecycle table (needle/cases/states.py) and against
the time of the move before it, so that every generated timeline chains whatever moment the
demo runs at.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from needle.areas.models import Area, Level, subtree_q
from needle.cases.deadlines import colour_for
from needle.cases.models import OPEN_STATES, Assist, Case, Channel, Colour, EventKind, Extension, State
from needle.cases.states import may_start, step_allowed
from needle.demo.catalog import DISTRICT_KEYS, Entry
from needle.orgs.models import Unit


class DemoError(Exception):
    """The generator produced a step the case's lifecycle does not allow."""


RESOLVE_NOTES = [
    "经现场核实，已责成责任单位整改，问题已处理完毕，并已电话告知反映人处理结果。",
    "已联系反映人了解详细情况，按照相关政策作出解释说明，反映人表示理解。",
    "已会同社区、物业等单位现场处理，后续将加强日常巡查，防止问题反弹。",
    "经调查，反映情况属实，已督促责任主体限期整改，目前已整改到位。",
    "已协调相关部门依法依规处理，并向反映人告知了办理渠道和进度。",
]
RESOLVE_AGAIN = "回访不满意后再次上门核实，已与反映人当面沟通并进一步处理，问题已解决。"
REJECT_REASONS = [
    "诉求内容不明确，多次联系反映人未果，无法核实办理。",
    "该事项已进入司法程序，请通过诉讼途径依法解决。",
    "不属于政务服务便民热线受理范围，已告知反映人向相关机构反映。",
    "咨询类诉求，已当场解答，无需派单办理。",
]
RETURN_REASONS = [
    "经核实，该事项不属于本单位职责范围，请重新派单。",
    "诉求地址不在本单位辖区，建议转属地街道办理。",
    "该事项涉及多个部门职责，请明确牵头单位后再派。",
]
PROGRESS_NOTES = [
    "已安排工作人员现场查看，正在协调处理。",
    "已约谈相关责任单位，要求限期整改。",
    "已联系反映人，约定时间上门处理。",
]
GOOD_COMMENTS = ["处理及时，态度很好，谢谢！", "问题已经解决了。", "比较满意，希望以后加强巡查。"]
BAD_COMMENTS = ["问题还是没有解决，希望再来看看。", "只打了个电话，没有实际处理。", "答复敷衍，诉求未解决。"]
URGE_NOTE = "该件已超期，请抓紧办理并及时反馈。"
WHISTLE_NOTE = "需相关部门到现场会商处理。"
ANSWERS = [
    "已当场告知办理地点、所需材料和办理时限，来电人表示清楚。",
    "已向来电人解释相关政策规定，来电人表示理解，无需转办。",
    "已告知来电人具体的咨询电话和办公时间。",
]
WITHDRAW_REASONS = [
    "问题已经自行解决了，撤回诉求。",
    "物业已经上门处理好了，谢谢。",
    "反映错了地址，撤回。",
    "",
]
ADDED_INFO = [
    "补充一下：晚上七点以后情况最严重。",
    "补充：具体位置在小区东门右侧。",
    "补充照片拍不清楚，位置在3栋楼下。",
]
HOLD_REASONS = [
    "需等待法院判决结果后再行处理。",
    "需待供暖季结束后开挖管道维修。",
    "当事人外出务工，需待其返回后现场核实。",
]
EXTENSION_REASONS = ["涉及多个部门，需联合现场勘查，申请延期。", "需委托第三方检测，检测周期较长，申请延期。"]


@dataclass
class Message:
    source: str
    title: str
    text: str
    l1: str
    time_of_day: str
    reply: str


@dataclass
class Place:
    area_id: int
    path: str
    code: str
    street: str  # street code
    district: str  # district code
    address: str


@dataclass
class Event:
    at: dt.datetime
    kind: str
    from_state: str = ""
    to_state: str = ""
    actor: int | None = None
    unit: int | None = None
    note: str = ""
    public: bool = True
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    message: Message
    entry: Entry
    place: Place
    submitted_at: dt.datetime
    channel: str
    reporter: int | None
    pin: tuple[float, float] | None = None  # (lat, lng)
    case: Case | None = None
    events: list[Event] = field(default_factory=list)
    callbacks: list[tuple[Any, ...]] = field(default_factory=list)
    assists: list[tuple[Assist, dt.datetime]] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    parent: Plan | None = None
    merge_note: Event | None = None


class Simulation:
    """Takes each case through the lifecycle, as the services would, until today."""

    def __init__(
        self,
        rng: random.Random,
        now: dt.datetime,
        city: Area,
        units: dict[str, int],
        routes: dict[tuple[int, str], int],
        people: dict[str, int],
        acting: dict[int, int],
    ) -> None:
        self.rng, self.now, self.city = rng, now, city
        # The demo shows an extension still waiting for a decision whatever the draws.
        self.pending_asked = False
        self.units, self.routes, self.pk, self.acting = units, routes, people, acting
        self.unit_names = dict(
            Unit.objects.filter(pk__in={*routes.values(), *units.values()}).values_list("pk", "name")
        )
        self.areas = dict(
            Area.objects.filter(subtree_q(city.path), level__lte=Level.DISTRICT).values_list("code", "name")
        )

    def _delay(self, median_minutes: float, cap_hours: float) -> dt.timedelta:
        minutes = min(self.rng.lognormvariate(0, 0.9) * median_minutes, cap_hours * 60)
        return dt.timedelta(minutes=max(minutes, 1))

    def _rule_unit(self, plan: Plan) -> tuple[int | None, str]:
        service = plan.entry.service.pk
        for code in (plan.place.district, self.city.code):
            unit = self.routes.get((service, code))
            if unit is not None:
                return unit, code
        return None, ""

    def run(self, plan: Plan, stall: str | None, fate: str, earlier: list[Plan]) -> None:
        rng, now, case = self.rng, self.now, plan.case
        assert case is not None
        service = plan.entry.service
        accept_window = dt.timedelta(hours=service.accept_hours)
        resolve_window = dt.timedelta(hours=service.resolve_hours)
        t0 = case.submitted_at
        state: str = State.SUBMITTED
        lead: int | None = None
        ev = plan.events

        def move(at: dt.datetime, kind: str, to: str, **kw: Any) -> None:
            # The timeline is written ordered by time, so a step dated before the previous one
            # would be read back out of order: both checks keep every timeline chaining.
            nonlocal state
            last = next((e.at for e in reversed(ev) if e.from_state), t0)
            if not step_allowed(state, to) or at < last:
                raise DemoError(f"demo case {case.number}: {state} → {to} at {at} after {last}")
            ev.append(Event(at=at, kind=kind, from_state=state, to_state=to, **kw))
            state = to

        def act(at: dt.datetime, name: str, kind: str, **kw: Any) -> None:
            # A step that leaves the state as it is: the table says from which states it may be made.
            if not may_start(name, state):
                raise DemoError(f"demo case {case.number}: {name} in {state}")
            ev.append(Event(at=at, kind=kind, **kw))

        def actor_for(unit: int | None) -> int | None:
            return self.acting.get(unit) if unit is not None else None

        ev.append(
            Event(
                at=t0,
                kind=EventKind.SUBMITTED,
                actor=plan.reporter,
                code="received",
                params={"channel": plan.channel},
            )
        )
        dispatcher = self.pk.get("dispatcher")
        if fate == "answer":
            # A question answered on the call: done at intake, sent to no unit.
            t = t0 + dt.timedelta(minutes=rng.uniform(2, 8))
            move(t, EventKind.ANSWERED, State.ANSWERED, actor=dispatcher, note=rng.choice(ANSWERS))
            case.accepted_at = case.resolved_at = case.closed_at = t
            return self._finish(plan, state, lead)
        street_office = self.units["so-" + plan.place.street]
        t = t0
        rule_unit, rule_area = self._rule_unit(plan)
        if rule_unit is not None:
            lead = rule_unit
            params = {
                "area": self.areas.get(rule_area, rule_area),
                "unit": self.unit_names.get(rule_unit, ""),
            }
            move(t, EventKind.ROUTED, State.DISPATCHED, unit=lead, code="routed_rule", params=params)
            case.dispatched_at = t
        elif stall == State.SUBMITTED:
            return self._finish(plan, state, lead)
        else:
            t = t + self._delay(40, 20)
            if t > now:
                return self._finish(plan, state, lead)
        if fate in ("reject", "merge"):
            if rule_unit is not None:
                t = t + self._delay(60, 20)
                if t > now:
                    return self._finish(plan, state, lead)
            parent = self._parent(plan, earlier) if fate == "merge" else None
            if parent is not None and parent.case is not None:
                plan.parent = parent
                move(
                    t,
                    EventKind.MERGED,
                    State.MERGED,
                    actor=dispatcher,
                    code="merged_into",
                    params={"number": parent.case.number},
                )
                plan.merge_note = Event(
                    at=t,
                    kind=EventKind.MERGED,
                    actor=dispatcher,
                    code="merged_in",
                    params={"number": case.number},
                    public=False,
                )
            else:
                move(t, EventKind.REJECTED, State.REJECTED, actor=dispatcher, note=rng.choice(REJECT_REASONS))
            case.closed_at = t
            return self._finish(plan, state, lead)
        if lead is None:
            lead = street_office
            move(t, EventKind.DISPATCHED, State.DISPATCHED, actor=dispatcher, unit=lead)
            case.dispatched_at = t
        if plan.reporter is not None and rng.random() < 0.15:
            # The resident remembers a detail soon after (补充材料).
            info_at = t + dt.timedelta(minutes=1)
            if info_at <= now:
                act(
                    info_at,
                    "add_info",
                    EventKind.INFO_ADDED,
                    actor=plan.reporter,
                    unit=lead,
                    note=rng.choice(ADDED_INFO),
                )
        if fate == "withdraw":
            # The resident takes it back (撤回) before the unit is done.
            t = t + self._delay(240, 48)
            if t > now:
                return self._finish(plan, state, lead)
            # Without an account the caller asks a dispatcher on the phone.
            by, code = (plan.reporter, "") if plan.reporter is not None else (dispatcher, "on_behalf")
            reason = rng.choice(WITHDRAW_REASONS)
            move(t, EventKind.WITHDRAWN, State.WITHDRAWN, actor=by, unit=lead, note=reason, code=code)
            case.closed_at = t
            return self._finish(plan, state, lead)
        # The unit may say "not ours" and send it back to the dispatchers.
        if stall == State.RETURNED or rng.random() < 0.05:
            t = t + min(self._delay(90, 12), accept_window * 0.8)
            if t > now:
                return self._finish(plan, state, lead)
            move(
                t,
                EventKind.RETURNED,
                State.RETURNED,
                actor=actor_for(lead),
                unit=lead,
                note=rng.choice(RETURN_REASONS),
            )
            previous, lead = lead, None
            if stall == State.RETURNED:
                return self._finish(plan, state, lead)
            t = t + self._delay(30, 8)
            if t > now:
                return self._finish(plan, state, lead)
            office = self.units.get("go-" + plan.place.district, self.units["go-" + self.city.code])
            lead = street_office if previous != street_office else office
            move(t, EventKind.DISPATCHED, State.DISPATCHED, actor=dispatcher, unit=lead)
            case.dispatched_at = t
        if stall == State.DISPATCHED:
            return self._finish(plan, state, lead)
        # Accept: most within the window, the rest late; never before the dispatch, which may
        # itself come hours after a one-hour window has run out.
        if rng.random() < 0.95:
            t = max(t + dt.timedelta(minutes=2), t0 + accept_window * rng.uniform(0.05, 0.95))
        else:
            t = max(t + dt.timedelta(minutes=2), t0 + accept_window * rng.uniform(1.1, 3.0))
        if t > now:
            return self._finish(plan, state, lead)
        move(t, EventKind.ACCEPTED, State.ACCEPTED, actor=actor_for(lead), unit=lead)
        case.accepted_at = t
        if stall == State.ACCEPTED:
            return self._finish(plan, state, lead)

        def later(t: dt.datetime, step: dt.timedelta) -> dt.datetime:
            # A case that stays on hold gets there before today even when it is young: the
            # demo must show every state whatever the day it is loaded on.
            return min(t + step, t + (now - t) / 3) if stall == State.SUSPENDED and t < now else t + step

        reopens = 0
        while True:
            if stall in (State.IN_PROGRESS, State.SUSPENDED) or rng.random() < 0.6:
                t = later(t, resolve_window * rng.uniform(0.01, 0.1))
                if t > now:
                    return self._finish(plan, state, lead)
                move(t, EventKind.STARTED, State.IN_PROGRESS, actor=actor_for(lead), unit=lead)
                if rng.random() < 0.3:
                    t = later(t, resolve_window * rng.uniform(0.01, 0.2))
                    if t > now:
                        return self._finish(plan, state, lead)
                    ev.append(
                        Event(
                            at=t,
                            kind=EventKind.NOTE,
                            actor=actor_for(lead),
                            unit=lead,
                            note=rng.choice(PROGRESS_NOTES),
                            public=False,
                        )
                    )
                if state == State.IN_PROGRESS and lead == street_office and rng.random() < 0.08:
                    t = self._whistle(plan, t)
                if stall == State.IN_PROGRESS:
                    if not reopens and (not self.pending_asked or rng.random() < 0.3):
                        # Some still wait for more time.
                        self._extension(plan, t, lead, act, decide=False)
                        self.pending_asked = True
                    return self._finish(plan, state, lead)
                if not reopens and (stall == State.SUSPENDED or rng.random() < 0.12) and service.suspendable:
                    # On hold (挂起): the clock stops; the deadline moves on by the time held.
                    t = later(t, resolve_window * rng.uniform(0.02, 0.2))
                    if t > now:
                        return self._finish(plan, state, lead)
                    move(
                        t,
                        EventKind.SUSPENDED,
                        State.SUSPENDED,
                        actor=actor_for(lead),
                        unit=lead,
                        note=rng.choice(HOLD_REASONS),
                    )
                    held = dt.timedelta(seconds=int(rng.uniform(1, 20) * 86400))  # whole seconds, as stored
                    if stall == State.SUSPENDED or t + held > now:
                        case.suspended_at = t
                        return self._finish(plan, state, lead)
                    t = t + held
                    assert case.resolve_due_at is not None
                    case.resolve_due_at += held
                    case.paused_seconds += int(held.total_seconds())
                    t0 = t0 + held
                    move(
                        t,
                        EventKind.RESUMED,
                        State.IN_PROGRESS,
                        actor=actor_for(lead),
                        unit=lead,
                        code="resumed",
                        params={"paused": int(held.total_seconds()), "due": case.resolve_due_at.isoformat()},
                    )
                if not reopens and rng.random() < 0.05:
                    t, stop = self._extension(plan, t, lead, act)
                    if stop:
                        return self._finish(plan, state, lead)
                    assert case.resolve_due_at is not None
                    resolve_window = case.resolve_due_at - t0
            # Resolve: most before the deadline.
            if rng.random() < 0.88:
                target = t0 + resolve_window * rng.uniform(0.15, 0.98)
            else:
                target = t0 + resolve_window * rng.uniform(1.05, 2.5)
            t = max(t + dt.timedelta(minutes=10), target)
            if t > now:
                return self._finish(plan, state, lead)
            note = RESOLVE_AGAIN if reopens else (plan.message.reply or rng.choice(RESOLVE_NOTES))
            move(t, EventKind.RESOLVED, State.RESOLVED, actor=actor_for(lead), unit=lead, note=note)
            case.resolved_at = t
            if stall == State.RESOLVED:
                return self._finish(plan, state, lead)
            # The resident's answer.
            t = t + dt.timedelta(hours=rng.uniform(2, 72))
            if t > now:
                return self._finish(plan, state, lead)
            force_unsolved = stall == State.REOPENED and reopens == 0
            solved = not force_unsolved and (reopens >= 2 or rng.random() < (0.9 if reopens == 0 else 0.75))
            self._callback(plan, t, solved, lead)
            if solved:
                move(t, EventKind.CLOSED, State.CLOSED, actor=ev[-1].actor, unit=lead)
                case.closed_at = t
                return self._finish(plan, state, lead)
            move(t, EventKind.REOPENED, State.REOPENED, actor=ev[-1].actor, unit=lead)
            case.reopen_count += 1
            case.resolved_at = None
            reopens += 1
            if stall == State.REOPENED:
                return self._finish(plan, state, lead)
            t = t + accept_window * rng.uniform(0.1, 0.9)
            if t > now:
                return self._finish(plan, state, lead)
            move(t, EventKind.ACCEPTED, State.ACCEPTED, actor=actor_for(lead), unit=lead)
            stall = None
            t0 = t  # the second round is measured from the reopening
            resolve_window = resolve_window / 2

    def _callback(self, plan: Plan, at: dt.datetime, solved: bool, lead: int | None) -> None:
        rng = self.rng
        actor: int | None
        if plan.reporter is not None:
            actor, by_staff = plan.reporter, False
        elif rng.random() < 0.45 or plan.channel == Channel.PHONE:
            actor, by_staff = self.pk.get("dispatcher"), True
        else:
            actor, by_staff = None, False
        if solved:
            rating = rng.choices([5, 4, 3, 2, 1], weights=[62, 26, 7, 3, 2])[0]
        else:
            rating = rng.choices([1, 2, 3, 4, 5], weights=[42, 30, 18, 7, 3])[0]
        rated: int | None = rating if rng.random() < 0.93 else None
        comment = ""
        if rng.random() < 0.3:
            comment = rng.choice(GOOD_COMMENTS if solved else BAD_COMMENTS)
        plan.callbacks.append((at, actor, by_staff, solved, rated, comment, lead))
        plan.events.append(
            Event(
                at=at,
                kind=EventKind.CALLBACK,
                actor=actor,
                code="callback",
                params={"solved": solved, "rating": rated},
                note=comment,
            )
        )

    def _whistle(self, plan: Plan, t: dt.datetime) -> dt.datetime:
        rng = self.rng
        # A case whistled twice (after a reopening) calls in a department not yet on it.
        assisting = {a.unit_id for a, _at in plan.assists}
        keys = [
            k
            for k in DISTRICT_KEYS
            if self.units.get(f"dept-{k}-{plan.place.district}") not in (None, *assisting)
        ]
        if not keys:
            return t
        unit = self.units[f"dept-{rng.choice(keys)}-{plan.place.district}"]
        due = t + dt.timedelta(hours=24)
        responded = t + dt.timedelta(hours=rng.uniform(1, 30))
        answered = responded <= self.now and rng.random() < 0.85
        assist = Assist(
            unit_id=unit,
            kind=Assist.Kind.WHISTLE,
            respond_due_at=due,
            responded_at=responded if answered else None,
            note="将派员到现场会商。" if answered else WHISTLE_NOTE,
        )
        plan.assists.append((assist, t))
        name = self.unit_names.get(unit, "")
        actor = self.acting.get(self.units["so-" + plan.place.street])
        plan.events.append(
            Event(
                at=t,
                kind=EventKind.WHISTLED,
                actor=actor,
                code="whistled",
                params={"units": [name], "hours": 24},
                note=WHISTLE_NOTE,
            )
        )
        if answered:
            plan.events.append(
                Event(at=responded, kind=EventKind.RESPONDED, unit=unit, note="将派员到现场会商。")
            )
        return t

    def _extension(
        self, plan: Plan, t: dt.datetime, lead: int | None, act: Any, decide: bool = True
    ) -> tuple[dt.datetime, bool]:
        """The lead unit asks for more time (延期); a dispatcher grants it some hours later, or
        the request is still waiting today (then the case stops here: True)."""
        rng, case = self.rng, plan.case
        assert case is not None and case.resolve_due_at is not None and lead is not None
        asked = t + dt.timedelta(hours=rng.uniform(1, 48))
        if asked > self.now:
            return t, True
        due = max(case.resolve_due_at, asked) + dt.timedelta(days=rng.randint(3, 10))
        reason = rng.choice(EXTENSION_REASONS)
        act(
            asked,
            "extend",
            EventKind.EXTENSION_ASKED,
            actor=self.acting.get(lead),
            unit=lead,
            code="extension_asked",
            params={"due": due.isoformat()},
            note=reason,
            public=False,
        )
        extension = Extension(
            unit_id=lead,
            requested_by_id=self.acting.get(lead),
            reason=reason,
            old_due=case.resolve_due_at,
            requested_due=due,
        )
        plan.extensions.append(extension)
        decided = asked + dt.timedelta(hours=rng.uniform(2, 30))
        if not decide or decided > self.now:
            return asked, True
        act(
            decided,
            "decide_extension",
            EventKind.EXTENSION_GRANTED,
            actor=self.pk.get("dispatcher"),
            unit=lead,
            code="extension_granted",
            params={"due": due.isoformat()},
        )
        extension.status, extension.granted_due = Extension.Status.GRANTED, due
        extension.decided_by_id, extension.decided_at = self.pk.get("dispatcher"), decided
        case.resolve_due_at = due
        return decided, False

    def _parent(self, plan: Plan, earlier: list[Plan]) -> Plan | None:
        """A recent case of the same service nearby that is neither merged nor rejected."""
        assert plan.case is not None
        since = plan.case.submitted_at - dt.timedelta(days=30)
        for same_street in (True, False):
            for other in reversed(earlier):
                if other.case is None or other.case.submitted_at < since:
                    break
                if (
                    other.entry.service.pk == plan.entry.service.pk
                    and other.case.state not in (State.MERGED, State.REJECTED, State.WITHDRAWN)
                    and (not same_street or other.place.street == plan.place.street)
                ):
                    return other
        return None

    def _finish(self, plan: Plan, state: str, lead: int | None) -> None:
        case = plan.case
        assert case is not None
        case.state = state
        case.lead_unit_id = lead
        case.version = 1 + sum(1 for e in plan.events if e.from_state) + len(plan.callbacks)
        if state in OPEN_STATES:
            self._colour(plan)

    def _colour(self, plan: Plan) -> None:
        case = plan.case
        assert case is not None and case.resolve_due_at is not None
        # A case on hold keeps the colour it had when its clock stopped.
        until = case.suspended_at or self.now
        paused = dt.timedelta(seconds=case.paused_seconds)
        case.colour = colour_for(
            now=until,
            submitted_at=case.submitted_at,
            resolve_due_at=case.resolve_due_at,
            paused_seconds=case.paused_seconds,
        )
        if not case.colour:
            return
        window = case.resolve_due_at - case.submitted_at - paused
        marks = [
            (case.submitted_at + paused + window * 0.75, Colour.BLUE),
            (case.resolve_due_at, Colour.YELLOW),
            (case.resolve_due_at + window * 0.5, Colour.RED),
        ]
        for at, colour in marks:
            if at <= until and at >= plan.events[-1].at:
                plan.events.append(
                    Event(
                        at=at, kind=EventKind.COLOUR, code="colour", params={"colour": colour}, public=False
                    )
                )
        if case.colour == Colour.RED and self.rng.random() < 0.5:
            supervisor = self.acting.get(self.units.get("so-" + plan.place.street, -1))
            actor = supervisor or self.pk.get("admin")
            at = min(self.now - dt.timedelta(minutes=5), marks[2][0] + dt.timedelta(hours=2))
            plan.events.append(
                Event(
                    at=max(at, plan.events[-1].at),
                    kind=EventKind.URGED,
                    actor=actor,
                    unit=case.lead_unit_id,
                    note=URGE_NOTE,
                    public=False,
                )
            )
