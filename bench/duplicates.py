"""Duplicate suggestions at intake with 1,000,000 cases stored (issue 4: under 50 ms p95).

Reads the database that `bench/cases_queries.py` generates (PostgreSQL `needle_bench_cases`,
1,000,000 cases made from the real residents' messages over the real Chongqing tree; run
that script first, or with `--reuse`). Migrates it to the current schema, then for N cases
submitted in the last 60 days it asks what a resident filing the same matter again would be
shown: the first 80% of that case's text, its service and its community. Timed: the selector
(`needle.intel.selectors.similar_cases`) and the whole HTTP request of the intake form's
fragment (`POST /intel/suggest/`, django.test.Client in-process, no network). Prints p50/p95
and how often the original case is among the suggestions.

    .venv/bin/python bench/duplicates.py [--pg-url URL] [--requests N]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/needle_bench_cases")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    os.environ["NEEDLE_VAR_DIR"] = tempfile.mkdtemp(prefix="needle-dup-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "needle.settings"
    os.environ["DEBUG"] = "false"
    # Production settings refuse to start without care's sealing key: this run's own.
    os.environ.setdefault("NEEDLE_CARE_KEYS", base64.urlsafe_b64encode(os.urandom(32)).decode())
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from needle.cases.models import Case
    from needle.intel.selectors import similar_cases

    call_command("migrate", verbosity=0)
    total = Case.objects.count()
    now = timezone.now()
    recent = list(
        Case.objects.filter(submitted_at__gte=now - __import__("datetime").timedelta(days=60)).values_list(
            "pk", flat=True
        )[:200_000]
    )
    rng = random.Random(args.seed)
    picks = rng.sample(recent, min(args.requests, len(recent)))
    cases = {c.pk: c for c in Case.objects.filter(pk__in=picks).select_related("service", "area")}
    client = Client()
    selector_ms: list[float] = []
    http_ms: list[float] = []
    found = 0
    shown = 0
    for pk in picks:
        case = cases[pk]
        text = case.description[: max(20, int(len(case.description) * 0.8))]
        t0 = time.perf_counter()
        result = similar_cases(
            actor=None, text=text, service=case.service, area=case.area, public_only=True, limit=3
        )
        selector_ms.append((time.perf_counter() - t0) * 1000)
        shown += len(result)
        found += any(s.case_id == pk for s in result)
        t0 = time.perf_counter()
        r = client.post(
            "/intel/suggest/", {"description": text, "service": case.service.code, "area": case.area.code}
        )
        http_ms.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.status_code
    load = os.getloadavg()[0]
    print(f"cases stored: {total:,}; requests: {len(picks)} (cases of the last 60 days); load {load:.1f}")
    for name, values in (("similar_cases()", selector_ms), ("POST /intel/suggest/", http_ms)):
        print(
            f"{name:22} p50 {statistics.median(values):6.1f} ms  p95 {pct(values, 95):6.1f} ms  max {max(values):6.1f} ms"
        )
    print(
        f"the original case among the suggestions: {found}/{len(picks)}; suggestions shown: {shown / len(picks):.2f} per request"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
