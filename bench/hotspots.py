"""Hot spots at scale: `find_hotspots` on 100,000 recent cases built from real messages.

The texts are the real residents' messages of shared/data/teddycup2020c (attachments 2, 3 and
4, about 8,600 of them). From them the script builds, with a fixed seed:

* **matters**: repeated requests about one thing in one street (a seed message, re-sent by
  different reporters with some sentences dropped, a prefix such as 再次反映, sometimes a
  sentence of another message), sizes from a heavy-tailed law (2 to 400), spread over a few
  weeks from a random start. They make about a quarter of the items.
* **background**: every other item is unique: the first half of one message's title with the
  second half of another's and a random part of a third one's detail, in a random street at
  a random time. Seeds of matters and background come from disjoint halves of the messages.

Times fall in the 90 days before a fixed `now`; areas are street paths `dNN/sNN` (40 districts
x 25 streets), some only the district, some none. Then it times one `find_hotspots` call and
prints items, clusters, seconds and peak memory (the process's maximum resident set size,
before and after the call), and how many planted matters came back as one cluster.

    .venv/bin/python bench/hotspots.py [--items 100000] [--top N] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import resource
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from benchlib import SHARED_DATA

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = SHARED_DATA / "teddycup2020c"
NOW = datetime(2024, 6, 30, 18, 0, 0)
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


def load_messages() -> list[tuple[str, list[str]]]:
    """(title, sentences of the detail) of every real message with a title and a detail."""
    out: list[tuple[str, list[str]]] = []
    for name in (
        "attachment2_messages_labelled_partial.csv",
        "attachment3_messages_votes.csv",
        "attachment4_messages_replies.csv",
    ):
        with open(DATA / name, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                title, detail = row.get("title", "").strip(), row.get("detail", "").strip()
                if not title:
                    text = row.get("text", "")
                    title, detail = text[:20], text[20:]
                sentences = [s.strip() for s in SENTENCE.findall(detail) if s.strip()]
                if title and sentences:
                    out.append((title, sentences))
    return out


def build(n: int, seed: int):  # type: ignore[no-untyped-def]
    from needle.intel.hotspots import Item

    rng = random.Random(seed)
    messages = load_messages()
    rng.shuffle(messages)
    seeds, background = messages[: len(messages) // 2], messages[len(messages) // 2 :]
    streets = [f"d{d:02d}/s{s:02d}" for d in range(1, 41) for s in range(1, 26)]
    span = 90 * 86400
    items: list[Item] = []
    planted: list[list[str]] = []

    def when(start: float, spread: float) -> datetime:
        return NOW - timedelta(seconds=max(0.0, span - start - rng.expovariate(1 / spread)))

    budget = n // 4
    matter = 0
    while budget > 0:
        size = min(budget, max(2, min(400, int(rng.paretovariate(1.3) * 2))))
        title, sentences = seeds[matter % len(seeds)]  # each seed makes one matter (while they last)
        street = rng.choice(streets)
        start = rng.uniform(0, span - 86400)
        spread = rng.uniform(2, 20) * 86400
        big_votes = rng.random() < 0.05
        ids = []
        for k in range(size):
            kept = [s for s in sentences if rng.random() < 0.8] or sentences[:1]
            if rng.random() < 0.2:
                kept.append(rng.choice(rng.choice(background)[1]))
            head = rng.choice(["", "", "", "再次反映", "投诉", "请问"]) + title
            area = street if rng.random() < 0.85 else street.split("/")[0]
            item_id = f"m{matter}-{k}"
            ids.append(item_id)
            items.append(
                Item(
                    id=item_id,
                    text=head + "\n" + "".join(kept),
                    at=when(start, spread),
                    votes=int(rng.expovariate(1 / (200 if big_votes else 2))),
                    reporter=f"u{rng.randrange(10**7)}",
                    area=area,
                )
            )
        planted.append(ids)
        budget -= size
        matter += 1

    for k in range(n - len(items)):
        # Three messages from the background pool: no background item repeats a planted matter.
        (t1, _), (t2, _), (_, sentences) = (rng.choice(background) for _ in range(3))
        title = t1[: max(4, len(t1) // 2)] + t2[len(t2) // 2 :]
        first = rng.randrange(len(sentences))
        kept = sentences[first : first + rng.randint(1, 4)]
        roll = rng.random()
        area = (
            rng.choice(streets) if roll < 0.8 else (rng.choice(streets).split("/")[0] if roll < 0.9 else "")
        )
        items.append(
            Item(
                id=f"b{k}",
                text=title + "\n" + "".join(kept),
                at=NOW - timedelta(seconds=rng.uniform(0, span)),
                votes=int(rng.expovariate(1 / 1)),
                reporter=f"u{rng.randrange(10**7)}",
                area=area,
            )
        )
    rng.shuffle(items)
    return items, planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from needle.intel.hotspots import find_hotspots

    items, planted = build(args.items, args.seed)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    spots = find_hotspots(items, top=args.top, now=NOW)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    where = {i: k for k, spot in enumerate(spots) for i in spot.ids}
    whole = 0
    for ids in planted:
        found = Counter(where.get(i) for i in ids)
        label, count = found.most_common(1)[0]
        if label is not None and count >= 0.8 * len(ids) and len(spots[label].ids) <= 1.25 * len(ids):
            whole += 1
    sizes = sorted((len(s.ids) for s in spots), reverse=True)
    print(f"items              {len(items):,}")
    print(f"planted matters    {len(planted):,} ({sum(map(len, planted)):,} items)")
    print(
        f"clusters           {len(spots):,} (sizes: largest {sizes[:5]}, median {sizes[len(sizes) // 2] if sizes else 0})"
    )
    print(
        f"matters recovered  {whole:,} of {len(planted):,} (one cluster holds >= 80% of it, <= 125% its size)"
    )
    print(f"seconds            {seconds:.1f} wall, {cpu:.1f} CPU")
    print(f"peak RSS (MiB)     {after:,.0f} (before the call {before:,.0f})")
    for spot in spots[:5]:
        print(f"  {spot.heat:8.1f} {len(spot.ids):4d} {spot.title[:40]}")


if __name__ == "__main__":
    main()
