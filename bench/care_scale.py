"""Care for vulnerable households at the scale of the demo city: 200,000 recipients over
Chongqing's real communities, each paired with a helper, and 5,000,000 past visits, and the
reads and writes the issue times.

    .venv/bin/python bench/care_scale.py                          # full scale
    .venv/bin/python bench/care_scale.py --recipients 20000       # small, to try it out
    .venv/bin/python bench/care_scale.py --reuse                  # measure again, same data

The database `needle_bench_care` (PostgreSQL at 127.0.0.1:5432) is migrated and given
Chongqing's divisions (as `needle import-areas --under 500000000000` reads them); then, with
COPY, --recipients / 4 helpers (accounts with a membership of their district's party branch),
--recipients households and recipients spread over the communities (categories and risks in
the demo's proportions, their sensitive fields sealed with the configured key, consent to
registration and sharing), one lead helper each, a ledger item for one in four; and, in one
set-based INSERT, --visits visits and calls over the last 365 days. A resident committee with a
care coordinator is made in --staffed communities and in every district.

It times, once each:
- recomputing every recipient's next due dates (`services.schedule.reschedule_all` when the
  code has it; otherwise a set-based UPDATE written here, said so in the output), target < 30 s;
- the care rollups' rebuild (informative);
and, as p50/p95/max over --samples runs:
- a community's due and overdue lists (GET /api/v1/care/schedule?area=&due=overdue|week when the
  API answers, as the community's coordinator) and its care staff's home section
  (selectors.today.care_today), target p95 < 100 ms;
- a helper's lists (their home section, selectors.today.helper_today), target p95 < 100 ms;
- the district dashboard: the care figures of a district over 30 days (GET
  /api/v1/operations/indicators?source=care) and the district coordinator's home section,
  target p95 < 100 ms;
- reading one household file with its sensitive fields decrypted and audited (GET
  /api/v1/care/recipients/{id} as the community's coordinator when the API answers; otherwise
  access_of + unseal + the audit event here, said so), target p95 < 20 ms;
- a sync of 500 offline visits in one request (POST /api/v1/care/visits/sync), target < 5 s,
  when the API has it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
import uuid
from typing import Any

from benchlib import (
    CARE_KEYS_GIVEN,
    admin_person,
    arguments,
    copy_rows,
    finished,
    ids_continued,
    judged,
    judged_once,
    load,
    people_copied,
    rollups_rebuilt,
    start_django,
    step,
    timed,
    vacuum_analyze,
)

PG_DB = "needle_bench_care"
ADMIN = "bench-care-admin"
STAMP = "2026-01-01 00:00:00+00"
NULL = "\\N"
LIST_MS = 100.0
FILE_MS = 20.0
SYNC_S = 5.0
RESCHEDULE_S = 30.0
READ_TABLES = (
    "care_recipient",
    "care_pairing",
    "care_household",
    "areas_area",
    "orgs_person",
    "orgs_unit",
    "orgs_membership",
    "orgs_roleassignment",
    "orgs_gridassignment",
    "volunteering_checkin",
)
RISK_MIX = [("high", 0.2), ("medium", 0.4), ("low", 0.4)]
HEALTH = ["高血压，按时服药", "糖尿病", "行动不便，需拄拐", "听力下降", "术后康复中", "身体尚可"]


def parse_args() -> argparse.Namespace:
    p = arguments(__doc__, PG_DB, samples=40, seed=23, reuse="keep the database if it exists: measure only")
    p.add_argument("--recipients", type=int, default=200_000)
    p.add_argument("--visits", type=int, default=5_000_000)
    p.add_argument("--staffed", type=int, default=200, help="communities given a care coordinator")
    return p.parse_args()


def generate(args: argparse.Namespace) -> dict[str, int]:
    """COPY the helpers, households, recipients, pairings and items; INSERT the visits with one
    set-based statement; returns how many of each."""
    from django.db import connection

    from needle.areas.models import Area, Level
    from needle.care.crypto import seal
    from needle.care.models import category_bits, purpose_bit
    from needle.demo.care import MIX, pick_weighted  # the demo's categories and their shares
    from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType

    rng = random.Random(args.seed)
    communities = list(Area.objects.filter(level=Level.COMMUNITY).order_by("path").values_list("pk", "path"))
    districts = list(Area.objects.filter(level=Level.DISTRICT).order_by("path").values_list("pk", "path"))
    district_of = {}
    for pk, path in communities:
        district_of[pk] = next(d for d in districts if path.startswith(d[1]))

    # A party branch per district: the helpers' memberships.
    branches = Unit.objects.bulk_create(
        Unit(
            code=f"care-pb-{i}",
            name=f"帮扶党支部{i}",
            type=UnitType.PARTY_BRANCH,
            area_id=d[0],
            area_path=d[1],
            founded_on=dt.date(2010, 1, 1),
        )
        for i, d in enumerate(districts)
    )
    branch_of = {b.area_id: b.pk for b in branches}

    # Recipients sorted by community, so that a helper's four households are neighbours.
    n = args.recipients
    places = sorted(rng.randrange(len(communities)) for _ in range(n))
    n_helpers = max(1, n // 4)
    helper_home = [communities[places[min(n - 1, h * 4)]][0] for h in range(n_helpers)]
    base = people_copied(
        n_helpers, username="helper", shown="帮扶人", phone="137", home=lambda h: helper_home[h]
    )
    copy_rows(
        "orgs_membership",
        ["created_at", "updated_at", "person_id", "unit_id", "kind", "joined_on"],
        (
            f"{STAMP}\t{STAMP}\t{base + h}\t{branch_of[district_of[helper_home[h]][0]]}\tparty_member\t2015-07-01"
            for h in range(n_helpers)
        ),
    )

    today = dt.date.today()
    consents = purpose_bit("registration") | purpose_bit("sharing")
    copy_rows(
        "care_household",
        ["id", "created_at", "updated_at", "area_id", "area_path", "address"],
        (
            f"{i + 1}\t{STAMP}\t{STAMP}\t{communities[c][0]}\t{communities[c][1]}\t幸福路{i % 300 + 1}号"
            for i, c in enumerate(places)
        ),
    )
    rcols = [
        "id",
        "created_at",
        "updated_at",
        "household_id",
        "name",
        "phone",
        "birth_date",
        "area_id",
        "area_path",
        "categories",
        "risk",
        "status",
        "guardian_name",
        "guardian_phone",
        "emergency_contact",
        "sealed",
        "sealed_fields",
        "consents",
    ]
    started = time.perf_counter()

    def recipient_line(i: int, c: int) -> str:
        codes = pick_weighted(rng, MIX)
        child = "left_behind_child" in codes
        born = today - dt.timedelta(days=365 * (rng.randint(7, 15) if child else rng.randint(45, 95)))
        registered = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randrange(900_000))
        token = seal({"health": rng.choice(HEALTH), "income": "低保" if "low_income" in codes else ""})
        return (
            f"{i + 1}\t{registered.isoformat()}\t{STAMP}\t{i + 1}\t受助人{i}\t136{i:08d}\t{born}"
            f"\t{communities[c][0]}\t{communities[c][1]}\t{category_bits(codes)}\t{pick_weighted(rng, RISK_MIX)}"
            f"\tactive\t{'监护人' + str(i) if child else ''}\t\t\t{token}\t5\t{consents}"
        )

    copy_rows("care_recipient", rcols, (recipient_line(i, c) for i, c in enumerate(places)))
    print(f"  ... {n:,} recipients sealed and copied in {time.perf_counter() - started:.0f} s", flush=True)
    copy_rows(
        "care_pairing",
        [
            "created_at",
            "updated_at",
            "recipient_id",
            "helper_id",
            "lead",
            "started_on",
            "end_reason",
            "reason",
            "area_path",
        ],
        (
            f"{STAMP}\t{STAMP}\t{i + 1}\t{base + min(i // 4, n_helpers - 1)}\tt\t2024-06-01\t\t\t{communities[c][1]}"
            for i, c in enumerate(places)
        ),
    )
    copy_rows(
        "care_item",
        [
            "created_at",
            "updated_at",
            "recipient_id",
            "what",
            "since",
            "who_acts",
            "status",
            "confirmation",
            "area_path",
            "closed_at",
        ],
        (
            f"{(today - dt.timedelta(days=d)).isoformat()} 02:00:00+00\t{STAMP}\t{i + 1}\t需要助餐服务"
            f"\t{today - dt.timedelta(days=d)}\t社区\t{'closed' if d > 60 else 'open'}"
            f"\t{'户主签字确认' if d > 60 else ''}\t{communities[c][1]}"
            f"\t{(today - dt.timedelta(days=d - 30)).isoformat() + ' 02:00:00+00' if d > 60 else NULL}"
            for i, c in enumerate(places)
            if i % 4 == 0
            for d in [rng.randrange(365)]
        ),
    )

    # Visits: --visits spread evenly, each recipient's spaced over the year from a random last
    # contact 0-20 days ago; one in three a phone call; by the helper; answering the due date
    # (a few days either side of the visit).
    per = max(1, args.visits // n)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO care_visit (id, recipient_id, kind, visited_at, by_id, companions, checklist, notes,
                                    needs, digest, area_path, due_on, on_time, created_at, updated_at)
            SELECT gen_random_uuid(), r.id, CASE WHEN g %% 3 = 0 THEN 'phone' ELSE 'home' END, t.at,
                   p.helper_id, '', '{}'::jsonb, '身体状况良好，生活正常', '', md5(r.id::text || '-' || g),
                   r.area_path, t.due, (t.at AT TIME ZONE 'Asia/Shanghai')::date <= t.due, t.at, t.at
            FROM care_recipient r
            JOIN care_pairing p ON p.recipient_id = r.id
            CROSS JOIN generate_series(0, %s - 1) AS g
            CROSS JOIN LATERAL (
                SELECT now() - ((g * 360.0 / %s) + (r.id %% 21)) * interval '1 day' AS at,
                       ((now() - ((g * 360.0 / %s) + (r.id %% 21)) * interval '1 day')
                        AT TIME ZONE 'Asia/Shanghai')::date + ((r.id + g) %% 7 - 3)::int AS due
            ) t
            """,
            [per, per, per],
        )
        visits = cursor.rowcount
    print(f"  ... {visits:,} visits inserted in {time.perf_counter() - started:.0f} s", flush=True)
    ids_continued("orgs_person", "care_household", "care_recipient")

    # Care coordinators: a resident committee in --staffed communities (those with the most
    # recipients first) and a district office in every district.
    busiest: dict[int, int] = {}
    for c in places:
        busiest[c] = busiest.get(c, 0) + 1
    staffed = sorted(busiest, key=lambda c: -busiest[c])[: args.staffed]

    def coordinator(
        unit_type: str, code: str, name: str, area: tuple[int, str], username: str, shown: str
    ) -> None:
        unit = Unit.objects.create(
            code=code,
            name=name,
            type=unit_type,
            area_id=area[0],
            area_path=area[1],
            founded_on=dt.date(2010, 1, 1),
        )
        person = Person.objects.create(username=username, display_name=shown)
        RoleAssignment.objects.create(person=person, unit=unit, role=Role.COORDINATOR)

    for i, c in enumerate(staffed):
        coordinator(
            UnitType.RESIDENT_COMMITTEE,
            f"care-rc-{i}",
            f"居委会{i}",
            communities[c],
            f"care-staff-{i}",
            f"社区社工{i}",
        )
    for i, district in enumerate(districts):
        coordinator(
            UnitType.DEPARTMENT, f"care-go-{i}", f"区民政局{i}", district, f"care-district-{i}", f"区民政{i}"
        )
    return {"helpers": n_helpers, "recipients": n, "visits": visits, "staffed": len(staffed)}


def reschedule_sql() -> int:
    """Every active recipient's last contacts and next visit due in two set-based statements:
    the defaults by risk (high 7 days, medium 14, low 30) from the last home visit (or the
    registration). The stand-in for services.schedule.reschedule_all where the code has none."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH last AS (
                SELECT recipient_id,
                       (max(visited_at) FILTER (WHERE kind = 'home') AT TIME ZONE 'Asia/Shanghai')::date AS v,
                       (max(visited_at) FILTER (WHERE kind <> 'home') AT TIME ZONE 'Asia/Shanghai')::date AS c
                FROM care_visit GROUP BY recipient_id
            )
            UPDATE care_recipient r
            SET last_visit_on = last.v, last_call_on = last.c,
                next_visit_due = COALESCE(last.v, (r.created_at AT TIME ZONE 'Asia/Shanghai')::date)
                    + CASE r.risk WHEN 'high' THEN 7 WHEN 'medium' THEN 14 ELSE 30 END
            FROM last WHERE last.recipient_id = r.id AND r.status = 'active'
            """
        )
        return cursor.rowcount


def main() -> int:
    args = parse_args()
    if args.reuse and not CARE_KEYS_GIVEN:
        raise SystemExit("--reuse needs the NEEDLE_CARE_KEYS the first run printed (its sealed fields)")
    kept, started = start_django(args, PG_DB, title="care", reuse=args.reuse, city=True, admin=ADMIN)
    from django.test import Client

    from needle.areas.models import Area, Level
    from needle.care import crypto
    from needle.care.access import access_of
    from needle.care.models import CareRollup, Recipient, Visit
    from needle.care.selectors.today import care_today, helper_today
    from needle.core.audit import audit_record
    from needle.orgs.models import Person

    if not kept:
        made = generate(args)
        started = step("helpers, recipients, visits", started, str(made))
        vacuum_analyze(
            "orgs_person", "care_household", "care_recipient", "care_pairing", "care_item", "care_visit"
        )
        step("VACUUM ANALYZE", started)
        print("key of this run (for --reuse): NEEDLE_CARE_KEYS=" + os.environ["NEEDLE_CARE_KEYS"])
    recipients = Recipient.objects.count()
    visits = Visit.objects.count()
    print(f"{recipients:,} recipients, {visits:,} visits")
    print(load())
    missed: list[str] = []

    # Every next due date, recomputed.
    try:
        from needle.care.services.schedule import reschedule_all  # type: ignore[attr-defined]
    except ImportError:
        reschedule_all = None
    started = time.perf_counter()
    if reschedule_all is not None:
        changed = reschedule_all()
        how = "services.schedule.reschedule_all"
    else:
        changed = reschedule_sql()
        how = "a set-based UPDATE in this script (the code has no reschedule_all yet)"
    seconds = time.perf_counter() - started
    judged_once(
        missed, "recomputing every next due date", seconds, RESCHEDULE_S, detail=f" ({changed:,} rows, {how})"
    )
    # Every table the reads below touch.
    vacuum_analyze(*READ_TABLES)
    if not kept or not CareRollup.objects.exists():
        rollups_rebuilt("care", CareRollup)

    rng = random.Random(args.seed)
    today = dt.date.today()
    staff = list(Person.objects.filter(username__startswith="care-staff-").order_by("pk"))
    district_staff = list(Person.objects.filter(username__startswith="care-district-").order_by("pk"))
    helper_ids = list(
        Person.objects.filter(username__startswith="helper").values_list("pk", flat=True)[:50_000]
    )
    helpers = list(Person.objects.filter(pk__in=rng.sample(helper_ids, min(args.samples, len(helper_ids)))))
    districts = list(Area.objects.filter(level=Level.DISTRICT).order_by("code"))
    community_of = {
        p.pk: Area.objects.get(path=p.roles.get().unit.area_path)  # type: ignore[attr-defined]
        for p in staff
    }
    client = Client()
    print()
    print(
        f"ms per read, {args.samples} each; targets p95 < {LIST_MS:.0f} ms (lists), < {FILE_MS:.0f} ms (a file)"
    )

    def report(label: str, r: dict[str, Any], target: float) -> None:
        judged(missed, label, r, target, width=58)

    def fresh(person: Any) -> Any:
        # The grants are read once per person object: a new object each run, as a request has.
        return Person.objects.get(pk=person.pk)

    def get(url: str, person: Any) -> Any:
        client.force_login(person)
        r = client.get(url)
        return r

    def sign_in_staff(i: int) -> None:
        client.force_login(staff[i % len(staff)])

    # A community's lists: the API when it answers, and the care staff's home section.
    probe = get(f"/api/v1/care/schedule?area={community_of[staff[0].pk].code}&due=overdue", staff[0])
    if probe.status_code == 200:
        for due in ("overdue", "week"):

            def schedule(i: int, due: str = due) -> None:
                person = staff[i % len(staff)]
                r = client.get(f"/api/v1/care/schedule?area={community_of[person.pk].code}&due={due}")
                assert r.status_code == 200, r.content[:300]

            report(
                f"a community's {due} list (GET /api/v1/care/schedule)",
                timed(schedule, args.samples, sign_in_staff),
                LIST_MS,
            )
    else:
        print(f"GET /api/v1/care/schedule answers {probe.status_code}: not measured")
    # A helper's list: their households, most urgent first (GET /api/v1/care/me/households).
    if get("/api/v1/care/me/households", helpers[0]).status_code == 200:

        def households(i: int) -> None:
            r = client.get("/api/v1/care/me/households")
            assert r.status_code == 200, r.content[:300]

        report(
            "a helper's households (GET /api/v1/care/me/households)",
            timed(households, args.samples, lambda i: client.force_login(helpers[i % len(helpers)])),
            LIST_MS,
        )
    # The district's visit dashboard (overdue, due within 7 days, by helper).
    district_of = {p.pk: Area.objects.get(path=p.roles.get().unit.area_path) for p in district_staff}  # type: ignore[attr-defined]
    if (
        get(
            f"/api/v1/care/dashboard?area={district_of[district_staff[0].pk].code}", district_staff[0]
        ).status_code
        == 200
    ):

        def dashboard(i: int) -> None:
            person = district_staff[i % len(district_staff)]
            r = client.get(f"/api/v1/care/dashboard?area={district_of[person.pk].code}")
            assert r.status_code == 200, r.content[:300]

        report(
            "a district's visit dashboard (GET /api/v1/care/dashboard)",
            timed(
                dashboard, args.samples, lambda i: client.force_login(district_staff[i % len(district_staff)])
            ),
            LIST_MS,
        )
    report(
        "a community's care staff's day (care_today)",
        timed(lambda i: care_today(actor=fresh(staff[i % len(staff)])), args.samples),
        LIST_MS,
    )
    report(
        "a helper's day (helper_today)",
        timed(lambda i: helper_today(actor=fresh(helpers[i % len(helpers)])), args.samples),
        LIST_MS,
    )
    report(
        "a district coordinator's day (care_today, ~5,000 households)",
        timed(lambda i: care_today(actor=fresh(district_staff[i % len(district_staff)])), args.samples),
        LIST_MS,
    )
    admin = admin_person(ADMIN)
    report(
        "the city administrator's day (care_today, 200,000 households)",
        timed(lambda i: care_today(actor=fresh(admin)), args.samples),
        LIST_MS,
    )
    client.force_login(admin)
    start = today - dt.timedelta(days=29)

    def district_figures(i: int) -> None:
        r = client.get(
            f"/api/v1/operations/indicators?area={districts[i % len(districts)].code}&source=care"
            f"&start={start}&end={today}"
        )
        assert r.status_code == 200, r.content[:300]

    district_figures(0)
    report(
        "a district's care figures, 30 days (indicators API)", timed(district_figures, args.samples), LIST_MS
    )

    # One household file, its sensitive fields opened and audited.
    in_staffed = {
        s.pk: list(
            Recipient.objects.filter(area_path__startswith=community_of[s.pk].path).values_list(
                "pk", flat=True
            )[:50]
        )
        for s in staff
    }
    probe = get(f"/api/v1/care/recipients/{in_staffed[staff[0].pk][0]}", staff[0])
    if probe.status_code == 200:

        def file_api(i: int) -> None:
            person = staff[i % len(staff)]
            r = client.get(f"/api/v1/care/recipients/{rng.choice(in_staffed[person.pk])}?reason=随访核对")
            assert r.status_code == 200, r.content[:300]

        got = timed(file_api, args.samples, sign_in_staff)
        report("one household file (GET /api/v1/care/recipients/{id})", got, FILE_MS)

        # The machine's floor for such a request: signed in (the session and the person read), an
        # id looked up and not found, and one audit row of the same size inserted and committed
        # (the commit waits for the WAL's flush to disk).
        def file_floor(i: int) -> None:
            person = staff[i % len(staff)]
            r = client.get("/api/v1/care/recipients/999999999999?reason=随访核对")
            assert r.status_code == 404, r.content[:300]
            audit_record(
                actor=person,
                action="care.recipient.sensitive_read",
                object_type="care.recipient",
                object_id="999999999999",
                object_repr="受助人999999",
                area_path=community_of[person.pk].path,
                new={"fields": ["health", "income"], "why": "随访核对"},
            )

        floor = timed(file_floor, args.samples, sign_in_staff)
        print(
            f"{'  the floor: signed in, a 404, one audit INSERT committed':<58} {floor['n']:4d}"
            f"  p50 {floor['p50']:7.1f}  p95 {floor['p95']:7.1f}  max {floor['max']:7.1f}"
            f"  (the file's p95 is {got['p95'] / floor['p95']:.2f}x the floor's)",
            flush=True,
        )
    else:
        print(f"GET /api/v1/care/recipients/{{id}} answers {probe.status_code}: measured in-process instead")

    def file_here(i: int) -> None:
        person = fresh(staff[i % len(staff)])
        recipient = Recipient.objects.select_related("household").get(pk=rng.choice(in_staffed[person.pk]))
        access = access_of(person, recipient)
        opened = {k: v for k, v in crypto.unseal(recipient.sealed).items() if k in access.fields}
        audit_record(
            actor=person,
            action="care.recipient.sensitive_viewed",
            obj=recipient,
            new={"fields": sorted(opened)},
        )

    report("one household file (access, unseal, audit; in-process)", timed(file_here, args.samples), FILE_MS)

    # 500 offline visits in one request, as the community's coordinator.
    person = staff[0]
    mine = list(
        Recipient.objects.filter(area_path__startswith=community_of[person.pk].path).values_list(
            "pk", flat=True
        )
    )
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    batch = [
        {
            "id": str(uuid.uuid4()),
            "recipient": mine[i % len(mine)],
            "kind": "home",
            "visited_at": at,
            "notes": f"离线记录{i}",
        }
        for i in range(500)
    ]
    client.force_login(person)
    started = time.perf_counter()
    r = client.post(
        "/api/v1/care/visits/sync", json.dumps({"visits": batch}), content_type="application/json"
    )
    seconds = time.perf_counter() - started
    if r.status_code == 200:
        statuses = [x["status"] for x in r.json()["results"]]
        judged_once(
            missed,
            "a sync of 500 offline visits in one request",
            seconds,
            SYNC_S,
            detail=f" ({statuses.count('stored')} stored)",
        )
        started = time.perf_counter()
        r = client.post(
            "/api/v1/care/visits/sync", json.dumps({"visits": batch}), content_type="application/json"
        )
        repeats = [x["status"] for x in r.json()["results"]].count("repeat")
        print(f"the same 500 sent again: {time.perf_counter() - started:.2f} s ({repeats} repeats)")
    else:
        print(f"POST /api/v1/care/visits/sync answers {r.status_code}: not measured")
    return finished(missed)


if __name__ == "__main__":
    raise SystemExit(main())
