"""The center's last seats over HTTP: 500 registrations for an activity of 100 seats, sent by 50
keep-alive connections each sending its next request as soon as the last is answered (closed
loop), against gunicorn + PostgreSQL.

    .venv/bin/python bench/center.py [--rounds 3] [--clients 50] [--workers 2] [--threads 8]

Each round is a fresh activity. Afterwards the database is read: exactly the capacity must be
confirmed, the rest waitlisted; the positions the 201 responses gave must be 1, 2, 3… once each,
in the order of the queue the database keeps; no error. Rounds alternate with the floor: the
same 500 requests made the same way as `GET /api/v1/cases/NONE` (the token is checked, a case
looked up, a 404 written), what the server stack costs before any registration work. The target:
registrations per second at least half of the floor's, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import (
    add_pg_url,
    add_server,
    gunicorn,
    read_response,
    recreate_postgres,
    report_missed,
    server_env,
    versions,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_DB = "needle_bench_center"
PORT = 8766
SEATS = 100
REGISTRATIONS = 500


def prepare(people: int) -> tuple[list[str], object]:
    """Migrate; the test tree with community A1a's center; `people` residents with a token each
    (one registration per person and activity, so each request is a different resident)."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from needle import testing as t
    from needle.orgs.models import Person, UnitType
    from needle.orgs.services import token_create

    world = t.build_world()
    center = t.UnitFactory.create(
        code="sc-bench",
        name="华一坡社区党群服务中心",
        type=UnitType.SERVICE_CENTER,
        area=world.areas["community_a1a"],
        parent=world.units["rc_a1a"],
    )
    unusable = make_password(None)
    Person.objects.bulk_create(
        Person(username=f"bench{i}", display_name=f"居民{i}", password=unusable) for i in range(people)
    )
    tokens = [
        token_create(actor=None, person=p, name="bench").secret
        for p in Person.objects.filter(username__startswith="bench").order_by("pk")
    ]
    return tokens, (world, center)


def new_activity(world: object, center: object) -> int:
    from django.utils import timezone

    from needle.center.services import ActivityDraft, activity_create

    starts = timezone.now() + dt.timedelta(days=3)
    draft = ActivityDraft(
        title="太极拳",
        audience="elderly",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        capacity=SEATS,
    )
    return activity_create(actor=world.people["staff"], center=center, draft=draft)[0].pk  # type: ignore[attr-defined]


async def connection(tokens: list[str], path: str, post: bool, results: list) -> None:
    """One keep-alive connection sending one request per token, each once the last is answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    try:
        for token in tokens:
            method, extra = (
                ("POST", "Content-Type: application/json\r\nContent-Length: 2\r\n") if post else ("GET", "")
            )
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n{extra}\r\n"
            )
            sent = time.perf_counter()
            writer.write(head.encode() + (b"{}" if post else b""))
            await writer.drain()
            status, body = await read_response(reader)
            results.append((status, time.perf_counter() - sent, body))
    finally:
        writer.close()


async def rush(tokens: list[str], clients: int, path: str, post: bool) -> tuple[list, float]:
    per = len(tokens) // clients
    results: list = []
    started = time.perf_counter()
    await asyncio.gather(
        *(connection(tokens[i * per : (i + 1) * per], path, post, results) for i in range(clients))
    )
    return results, time.perf_counter() - started


def check(activity_id: int, results: list) -> list[str]:
    """What the database and the answers must show; the failures, named."""
    from needle.center.models import Registration, Status

    wrong = []
    statuses = [s for s, _, _ in results]
    if statuses.count(201) != len(results):
        wrong.append(f"{len(results) - statuses.count(201)} answers were not 201")
    rows = Registration.objects.filter(activity_id=activity_id)
    confirmed = rows.filter(status=Status.CONFIRMED).count()
    waiting = list(
        rows.filter(status=Status.WAITLISTED).order_by("queue_number").values_list("pk", flat=True)
    )
    if confirmed != SEATS:
        wrong.append(f"{confirmed} confirmed for {SEATS} seats")
    if len(waiting) != len(results) - SEATS:
        wrong.append(f"{len(waiting)} waitlisted, not {len(results) - SEATS}")
    answered = {}
    for status, _, body in results:
        if status == 201:
            out = json.loads(body)
            if out["status"] == "waitlisted":
                answered[out["id"]] = out["position"]
    if [answered.get(pk) for pk in waiting] != list(range(1, len(waiting) + 1)):
        wrong.append("the positions answered are not 1, 2, 3… in the queue's order")
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    add_server(parser)
    add_pg_url(parser, PG_DB)
    args = parser.parse_args()
    recreate_postgres(args.pg_url)
    # The job queue's and the cache's files of this run only (no Redis configured).
    os.environ["NEEDLE_VAR_DIR"] = tempfile.mkdtemp(prefix="needle-bench-center-")
    env = server_env()
    tokens, (world, center) = prepare(REGISTRATIONS * (args.rounds + 1))
    print(versions())
    server = gunicorn(env, PORT, args.workers, args.threads)
    missed: list[str] = []
    rates: dict[str, list[float]] = {"floor": [], "register": []}
    try:
        # A first activity warms every worker's connections and code paths.
        batches = [tokens[i * REGISTRATIONS : (i + 1) * REGISTRATIONS] for i in range(args.rounds + 1)]
        warm = new_activity(world, center)
        asyncio.run(rush(batches[0], args.clients, f"/api/v1/center/activities/{warm}/registrations", True))
        for n, batch in enumerate(batches[1:], start=1):
            floor, took = asyncio.run(rush(batch, args.clients, "/api/v1/cases/NONE", False))
            rates["floor"].append(len(floor) / took)
            bad = sum(1 for s, _, _ in floor if s != 404)
            print(
                f"round {n} floor: {len(floor)} GET in {took:.2f} s = {len(floor) / took:.0f}/s; not 404: {bad}"
            )
            activity = new_activity(world, center)
            path = f"/api/v1/center/activities/{activity}/registrations"
            results, took = asyncio.run(rush(batch, args.clients, path, True))
            rates["register"].append(len(results) / took)
            ms = sorted(lat * 1000 for _, lat, _ in results)
            wrong = check(activity, results)
            print(
                f"round {n} registrations: {len(results)} POST in {took:.2f} s = {len(results) / took:.0f}/s; "
                f"latency ms p50 {ms[len(ms) // 2]:.0f} p95 {ms[int(len(ms) * 0.95)]:.0f} max {ms[-1]:.0f}; "
                + (
                    "100 confirmed, 400 waitlisted at 1..400 in order, 0 errors"
                    if not wrong
                    else "; ".join(wrong)
                )
            )
            missed += [f"round {n}: {w}" for w in wrong]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    floor_rate, register_rate = statistics.median(rates["floor"]), statistics.median(rates["register"])
    ratio = register_rate / floor_rate
    print(
        f"median: registrations {register_rate:.0f}/s, floor {floor_rate:.0f}/s -> {ratio:.2f} of the floor "
        f"(target 0.5); gunicorn gthread {args.workers} x {args.threads}, {args.clients} connections"
    )
    if ratio < 0.5:
        missed.append(f"registrations at {ratio:.2f} of the floor")
    return report_missed(missed)


if __name__ == "__main__":
    sys.exit(main())
