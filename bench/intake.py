"""Intake over HTTP: POST /api/v1/cases against gunicorn + PostgreSQL.

Open-loop load: 50 keep-alive connections together send a fixed rate of requests (default
200/s) for 60 s; each latency is measured from the moment the request was due, so a slow
server cannot hide its queue (no coordinated omission). Afterwards the database is counted:
every 201 must be exactly one stored case, and resubmitting a sample of keys must create none.
Then the job worker drains what intake left for it (the unit's notifications, the classifier's
triage), and every case must have its notifications. CPU time of the app server's processes,
the database's backends and the load generator is printed per request.

    .venv/bin/python bench/intake.py [--rate 200] [--seconds 60] [--clients 50] [--workers 2]

With --floor the same load sends `GET /api/v1/cases/NONE` instead (the token is checked, the
case looked up and a 404 written): what the server stack costs before any intake work, the
ceiling of any intake on this machine.

With --lag a second process refreshes the rollups every half minute during the load, as the
job worker's periodic tasks do, and after each refresh compares the cases the rollups count with
the cases that had committed when it started: every one must be counted. A case's lag is at
most the time from the previous refresh's start to this one's end; the figures printed are
those bounds and each refresh's duration, measured under the intake's load.

    .venv/bin/python bench/intake.py --seconds 240 --lag
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from benchlib import add_server, gunicorn, read_response, server_env

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "needle_bench_intake"
PORT = 8765
REDIS = "redis://127.0.0.1:6379/5"  # jobs and cache of this benchmark only: flushed at start
TICK = os.sysconf("SC_CLK_TCK")


def setup_database() -> None:
    import psycopg
    import redis

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    redis.Redis.from_url(REDIS).flushdb()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (those that are gone count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def backends() -> list[int]:
    """The PostgreSQL backends serving the benchmark database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB])
        return [pid for (pid,) in cursor.fetchall()]


CONNECTIONS = 50


def prepare() -> tuple[list[str], dict[str, str]]:
    """Migrate, build a small real-shaped tree and catalog, issue the resident's token."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from needle import testing as t
    from needle.orgs.services import token_create

    world = t.build_world()
    t.build_catalog(world)
    # One resident per connection, as in real intake (repeats link per resident).
    tokens = [
        token_create(actor=None, person=t.PersonFactory.create(username=f"bench{i}"), name="bench").secret
        for i in range(CONNECTIONS)
    ]
    return tokens, {"service_code": "road", "area_code": "500103001001"}


async def client(queue: asyncio.Queue, token: str, body: bytes | None, results: list, keys: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    try:
        while True:
            due = await queue.get()
            if due is None:
                return
            key = uuid.uuid4().hex
            if body is None:  # --floor
                writer.write(
                    f"GET /api/v1/cases/NONE HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
                )
            else:
                head = (
                    f"POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                    f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode()
                writer.write(head + body)
            await writer.drain()
            status, _body = await read_response(reader)
            results.append((status, time.perf_counter() - due))
            if status == 201:
                keys.append((token, key))
    finally:
        writer.close()


async def load(
    tokens: list[str], payload: dict[str, str], rate: float, seconds: float, clients: int, floor: bool = False
):
    body = (
        None
        if floor
        else json.dumps(
            {**payload, "description": "小区门口道路破损，坑洼积水，夜间出行危险，请尽快修复。"}
        ).encode()
    )
    queue: asyncio.Queue = asyncio.Queue()
    results: list[tuple[int, float]] = []
    keys: list[str] = []
    tasks = [
        asyncio.create_task(client(queue, tokens[i % len(tokens)], body, results, keys))
        for i in range(clients)
    ]
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(due)
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    return results, keys, time.perf_counter() - start


# As the job worker does: a refresh each minute and another half a minute later.
REFRESH_EVERY = 30.0


def refresher(out: str) -> None:
    """Run the rollup refresh every REFRESH_EVERY seconds until the file `out`.stop appears, then
    once more; after each, write (started, ended, cases committed at its start, cases the
    rollups count)."""
    import django

    django.setup()
    from django.db.models import Sum

    from needle.cases.models import Case
    from needle.rollups.models import CaseRollup
    from needle.rollups.refresh import rollups_refresh

    lines = []
    stop = Path(out + ".stop")
    tick, last = time.time(), False
    while not last:
        while time.time() < tick and not stop.exists():
            time.sleep(0.2)
        last = stop.exists()
        started = time.time()
        committed = Case.objects.count()
        rollups_refresh()
        ended = time.time()
        counted = CaseRollup.objects.aggregate(n=Sum("received"))["n"] or 0
        lines.append(f"{started} {ended} {committed} {counted}\n")
        Path(out).write_text("".join(lines))
        tick += REFRESH_EVERY


def lag_report(out: str) -> bool:
    """Print each refresh under load; True when every refresh counted every case committed
    before it started."""
    rows = [tuple(float(x) for x in line.split()) for line in Path(out).read_text().splitlines()]
    ok = True
    print(
        f"rollup refresh every {REFRESH_EVERY:.0f} s under the load "
        "(started s, took s, cases committed, counted, lag bound s):"
    )
    for i, (started, ended, committed, counted) in enumerate(rows):
        since = rows[i - 1][0] if i else started
        ok &= counted >= committed
        print(
            f"  {started - rows[0][0]:6.1f}  {ended - started:6.2f}  {committed:8.0f}  {counted:8.0f}  "
            f"{ended - since:6.1f}"
        )
    bounds = [ended - rows[i - 1][0] for i, (_s, ended, *_r) in enumerate(rows) if i]
    if bounds:
        print(
            f"lag bound: max {max(bounds):.1f} s; refresh took max {max(e - s for s, e, *_r in rows):.2f} s"
        )
    print("every committed case counted by the next refresh:", "yes" if ok else "NO")
    return ok


def replay(payload: dict[str, str], keys: list[tuple[str, str]]) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    body = json.dumps({**payload, "description": "重复提交"})
    same = 0
    for token, key in keys:
        conn.request(
            "POST",
            "/api/v1/cases",
            body,
            {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        same += response.status == 200
    return same


def drain(env: dict[str, str]) -> tuple[float, float, int, int]:
    """Run the job worker until intake's queue is empty: (seconds, worker CPU seconds, cases,
    cases whose unit was notified)."""
    from huey.contrib.djhuey import HUEY

    from needle.cases.models import Case
    from needle.notify.models import Notification

    start = time.perf_counter()
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/needle"), "worker", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while HUEY.pending_count():
            time.sleep(0.5)
        time.sleep(2)  # the last jobs in flight
        cpu = cpu_seconds([worker.pid])
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    links = set(Notification.objects.filter(verb="case.dispatched").values_list("link", flat=True))
    numbers = list(Case.objects.values_list("number", flat=True))
    return time.perf_counter() - start, cpu, len(numbers), sum(f"/cases/{n}/" in links for n in numbers)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    add_server(parser)
    parser.add_argument("--no-drain", action="store_true", help="leave the jobs queued")
    parser.add_argument(
        "--db-options",
        default="",
        help="DATABASE_URL query, e.g. server_side_binding=true&prepare_threshold=1",
    )
    parser.add_argument(
        "--floor", action="store_true", help="a token-checked GET that finds nothing, no intake"
    )
    parser.add_argument(
        "--lag", action="store_true", help="refresh the rollups every half minute during the load"
    )
    parser.add_argument("--refresher", help=argparse.SUPPRESS)  # the --lag child: its output file
    args = parser.parse_args()
    if args.refresher:
        refresher(args.refresher)
        return 0

    env = server_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}"
        + (f"?{args.db_options}" if args.db_options else ""),
        REDIS_URL=REDIS,
    )
    setup_database()
    tokens, payload = prepare()
    server = gunicorn(env, PORT, args.workers, args.threads)
    try:
        # Warm every worker's connections and code paths.
        asyncio.run(load(tokens, payload, rate=100, seconds=3, clients=args.clients))
        from needle.cases.models import Case

        before = Case.objects.count()
        lag_out, lagger = "/tmp/needle_intake_lag.txt", None
        if args.lag:
            from needle.rollups.refresh import rollups_refresh

            rollups_refresh()  # the first run builds everything; the load's refreshes are increments
            Path(lag_out + ".stop").unlink(missing_ok=True)
            lagger = subprocess.Popen([sys.executable, __file__, "--refresher", lag_out], cwd=ROOT, env=env)
        load_before = os.getloadavg()
        workers, databases = children(server.pid), backends()
        cpu_app, cpu_db, cpu_self = cpu_seconds(workers), cpu_seconds(databases), time.process_time()
        results, keys, took = asyncio.run(
            load(tokens, payload, args.rate, args.seconds, args.clients, floor=args.floor)
        )
        cpu_self = time.process_time() - cpu_self
        cpu_app = cpu_seconds(workers) - cpu_app
        new_backends = [pid for pid in backends() if pid not in databases]
        cpu_db = cpu_seconds(databases) - cpu_db + cpu_seconds(new_backends)
        load_after = os.getloadavg()
        if lagger is not None:
            Path(lag_out + ".stop").touch()  # one last refresh after the load's last case
            lagger.wait()
        stored = Case.objects.count() - before
        replayed = 0 if args.floor else replay(payload, keys[:200])
        after_replay = Case.objects.count() - before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    drained = None if args.no_drain or args.floor else drain(env)

    latencies = sorted(lat for status, lat in results)
    created = sum(1 for status, _ in results if status == 201)
    errors = len(results) - created
    q = lambda p: latencies[min(len(latencies) - 1, int(p * (len(latencies) - 1)))] * 1000  # noqa: E731
    n = len(results) or 1
    if args.floor:
        print(
            f"FLOOR: GET /api/v1/cases/NONE, gunicorn gthread {args.workers} x {args.threads}; {args.clients} connections"
        )
        print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
        print(
            f"offered {args.rate:.0f}/s for {args.seconds:.0f} s: {len(results) / took:.1f}/s sustained; "
            f"404: {sum(1 for status, _ in results if status == 404)} of {len(results)}"
        )
        print(f"latency ms (from due time): p50 {q(0.5):.1f}  p95 {q(0.95):.1f}  p99 {q(0.99):.1f}")
        print(
            f"CPU per request: app server {cpu_app / n * 1000:.2f} ms, PostgreSQL backends "
            f"{cpu_db / n * 1000:.2f} ms, load generator {cpu_self / n * 1000:.2f} ms"
        )
        return 0
    print(f"gunicorn gthread: {args.workers} workers x {args.threads} threads; {args.clients} connections")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    print(
        f"offered {args.rate:.0f}/s for {args.seconds:.0f} s: {len(results)} requests in {took:.1f} s "
        f"= {len(results) / took:.1f}/s sustained; 201: {created}, other: {errors}"
    )
    print(
        f"latency ms (from due time): p50 {q(0.5):.1f}  p95 {q(0.95):.1f}  p99 {q(0.99):.1f}  max {latencies[-1] * 1000:.1f}"
        f"  mean {statistics.mean(latencies) * 1000:.1f}"
    )
    print(
        f"stored cases: {stored} (201 responses: {created}) -> {'exactly once' if stored == created else 'MISMATCH'}"
    )
    print(
        f"replayed {min(200, len(keys))} keys: {replayed} answered 200 with the first case; cases after replay: {after_replay}"
        f" -> {'no duplicates' if after_replay == stored else 'DUPLICATES'}"
    )
    print(
        f"CPU per request: app server {cpu_app / n * 1000:.2f} ms, PostgreSQL backends "
        f"{cpu_db / n * 1000:.2f} ms, load generator {cpu_self / n * 1000:.2f} ms"
    )
    if drained is not None:
        seconds, cpu, cases, notified = drained
        print(
            f"worker drained the intake jobs in {seconds:.1f} s ({cpu / max(cases, 1) * 1000:.2f} ms CPU per case); "
            f"cases with their unit's notification: {notified} of {cases} -> {'none lost' if notified == cases else 'LOST'}"
        )
    lag_ok = lag_report(lag_out) if args.lag else True
    ok = (
        lag_ok
        and stored == created
        and (drained is None or drained[2] == drained[3])
        and after_replay == stored
        and errors == 0
        and q(0.99) < 200
        and len(results) / took >= args.rate * 0.98
    )
    print("target (>= 200/s sustained, p99 < 200 ms, stored exactly once):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
