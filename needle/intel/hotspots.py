"""Hot spots (未诉先办): the matters many people are raising at once, found before they escalate.

`find_hotspots(items)` groups requests that are about the same matter at the same place within
weeks of each other, and scores each group's heat. Pure Python, NumPy, SciPy and scikit-learn;
no Django models, so a job, a page or the `needle hotspots` command can all call it.

The method, step by step:

1. **Features.** Each text becomes TF-IDF weighted character bigrams. Chinese characters and
   Latin or digit words are the units (`A市A5区五矿万境` gives `a市`, `市a5`, `a5区`, `区五`,
   `五矿`, `矿万`, `万境`); Latin and digit words of two or more characters also count alone. A
   named estate, company or road is a run of rare bigrams, so it weighs far more than generic
   words such as 小区 or 问题, whether or not jieba's dictionary knows the name. (Not jieba
   words: jieba reads ~165,000 characters a second, over two minutes for 100,000 requests;
   the bigrams are counted with NumPy in seconds.) The first line (the
   title) counts `head_weight` times; only the first `body_chars` characters of the rest are
   read, because the place and the matter are named early. Each vector keeps its
   `salient_terms` heaviest features and is L2-normalised; then features found in one text only
   are dropped (they still count in the norm, so two texts sharing one common word stay apart).
2. **Neighbours.** Cosine similarity by sparse products in row blocks (items in time order, so
   the block only meets its time window). A pair is an edge when its similarity reaches
   `link`, both are within `window` of each other, and they are in compatible places (same
   area, one area inside the other, or no area; within `radius_km` when both have lat/lng).
   Pairs that break the time or place rule are still edges if near-identical (`near`), up to
   `long_window` apart: a copy-pasted campaign is one matter wherever it is filed.
   Each item keeps its `neighbours` best edges.
3. **Clusters.** Near-identical edges join at once (SciPy connected components). The others
   are taken from the most similar down (ties by position, so the result is deterministic),
   and join two groups only when the groups' centroids are at least `centroid_link` similar.
   That stops single-link chaining: a chain A~B~C where A and C are about different things
   does not become one group.
4. **Heat**, for groups of at least `min_size` items::

       mass   = reporters + 0.5 × (items − reporters)      repeat messages of one person count half
       heat   = mass × (1 + 0.25 × ln(1 + votes)) × (1 + 0.25 × growth)

   where an item without a reporter counts as its own reporter, votes are the members' votes
   (likes, supports), and growth in [−1, 1] compares the rate of the last `recent_buckets`
   buckets before `now` with the rate before them: (recent − earlier) / (recent + earlier), 1
   for a group that is all new, −1 for one that has gone quiet. Votes and growth scale heat,
   they never make a hot spot of a single message.
5. **Presentation.** The title is the first line (trimmed) of the member closest to the
   group's centroid. Keywords are phrases of the three closest members' titles: maximal runs
   of units whose bigrams at least half the members share (丽发新城, 捆绑销售车位), ranked by
   idf times share. The trend counts members per `bucket` from the group's first bucket to the
   one holding `now` (at most `max_trend` buckets).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from needle.areas.geometry import haversine_km

__all__ = ["Hotspot", "Item", "Tuning", "find_hotspots"]


@dataclass(frozen=True)
class Item:
    """One request: its id, text (title on the first line, if any), time and what is known around it."""

    id: str
    text: str
    at: datetime
    votes: int = 0
    reporter: str = ""
    area: str = ""
    lat: float | None = None
    lng: float | None = None


@dataclass
class Hotspot:
    """A matter raised by several requests; `trend` counts members per bucket, oldest first."""

    title: str
    heat: float
    ids: list[str]
    start: datetime
    end: datetime
    areas: list[str]
    reporters: int
    votes: int
    trend: list[int]
    growth: float
    keywords: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Tuning:
    """The knobs of `find_hotspots`; the defaults were set on the Teddy Cup 2020 messages."""

    body_chars: int = 150
    head_chars: int = 64
    salient_terms: int = 32
    idf_power: float = 1.0
    head_weight: int = 3
    link: float = 0.25
    centroid_link: float = 0.30
    near: float = 0.60
    neighbours: int = 40
    window: timedelta = timedelta(days=45)
    long_window: timedelta = timedelta(days=730)
    radius_km: float = 2.0
    bucket: timedelta = timedelta(days=7)
    recent_buckets: int = 2
    max_trend: int = 52
    keywords: int = 6
    block_rows: int = 2048


_LATIN = re.compile(r"[a-z0-9]+")
_UNIT = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = 1 << 60  # keys at or above this are Latin words (a 56-bit hash plus this flag)
_MIXED = 1 << 61  # bigrams with a Latin word in them (a 56-bit mix plus this flag)
_LOW56 = np.uint64((1 << 56) - 1)
_TITLE_CHARS = 80
_CHUNK = 8192


def _split(text: str) -> tuple[str, str]:
    head, _, body = text.strip().partition("\n")
    return head.strip(), body


def _word_key(word: str, cache: dict[str, int]) -> int:
    key = cache.get(word)
    if key is None:
        digest = hashlib.blake2b(word.encode(), digest_size=7).digest()
        key = cache[word] = int.from_bytes(digest, "big") | _WORD
    return key


def _pair_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One int64 per bigram: exact for two Chinese characters, a 56-bit mix when a word is in it."""
    plain = (first < _WORD) & (second < _WORD)
    exact = ((first & 0x1FFFF) << 17) | (second & 0x1FFFF)
    with np.errstate(over="ignore"):
        mixed = first.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + second.astype(np.uint64)
    return np.where(plain, exact, (mixed & _LOW56).astype(np.int64) | _MIXED)


def _units(text: str, cache: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, end and key of every unit of `text`: a Chinese character or a Latin/digit word."""
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    cjk = np.flatnonzero(((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF)))
    words = [(m.start(), m.end(), _word_key(m.group(), cache)) for m in _LATIN.finditer(text)]
    w = np.array(words, dtype=np.int64).reshape(-1, 3)
    start = np.concatenate([cjk, w[:, 0]])
    order = np.argsort(start, kind="stable")
    end = np.concatenate([cjk + 1, w[:, 1]])[order]
    key = np.concatenate([cp[cjk], w[:, 2]])[order]
    return start[order], end, key


def _grams(text: str, cache: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Feature keys of `text` (bigrams of adjacent units, and words of 2+ characters) and positions."""
    start, end, key = _units(text, cache)
    adjacent = np.flatnonzero(end[:-1] == start[1:])
    words = np.flatnonzero((key >= _WORD) & (end - start > 1))
    return (
        np.concatenate([_pair_keys(key[adjacent], key[adjacent + 1]), key[words]]),
        np.concatenate([start[adjacent], start[words]]),
    )


@dataclass
class _Features:
    """TF-IDF rows (pruned, L2-normalised), which features each row has, and the vocabulary."""

    x: sp.csr_matrix
    present: sp.csr_matrix
    keys: np.ndarray  # sorted feature keys, one per column
    idf: np.ndarray


def _featurize(texts: list[str], tuning: Tuning) -> _Features | None:
    """Bigram counts for all texts at once with NumPy: no Python loop over the grams themselves."""
    cache: dict[str, int] = {}
    docs, keys, weights = [], [], []
    for first in range(0, len(texts), _CHUNK):
        parts = []
        for text in texts[first : first + _CHUNK]:
            head, body = _split(text.replace("\0", " ") if "\0" in text else text)
            parts += [head[: tuning.head_chars], body[: tuning.body_chars]]
        # One normalisation per chunk: full-width forms to ASCII, then lower case.
        joined = unicodedata.normalize("NFKC", "\0".join(parts)).lower()
        gram_keys, where = _grams(joined, cache)
        part = np.cumsum(np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32) == 0)[where]
        docs.append(first + part // 2)
        keys.append(gram_keys)
        weights.append(np.where(part % 2 == 0, tuning.head_weight, 1).astype(np.float32))
    all_keys = np.concatenate(keys)
    vocab, column = np.unique(all_keys, return_inverse=True)
    n = len(texts)
    counts = sp.csr_matrix((np.concatenate(weights), (np.concatenate(docs), column)), shape=(n, vocab.size))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=vocab.size)
    shared = df >= 2  # a feature of one text cannot link two
    if not shared.any():
        return None
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    x = counts.copy()
    x.data = (1 + np.log(x.data)) * idf[x.indices] ** tuning.idf_power
    # Pruned and normalised with the features of one text still in: they make the text
    # distinctive, so two texts that share only a common word stay far apart. Then dropped.
    x = _keep_columns(_keep_heaviest(x, tuning.salient_terms), shared)
    present = _keep_columns(counts, shared)
    present.data = np.ones_like(present.data)
    return _Features(x=x, present=present, keys=vocab[shared], idf=idf[shared])


def _keep_columns(m: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """`m[:, keep]` for a boolean `keep`, without SciPy's general column indexing."""
    renumber = np.cumsum(keep) - 1
    mask = keep[m.indices]
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))[mask]
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=m.shape[0]))]
    return sp.csr_matrix(
        (m.data[mask], renumber[m.indices[mask]], indptr), shape=(m.shape[0], int(keep.sum()))
    )


def _seconds(at: datetime) -> float:
    """Epoch seconds; a naive time is read as UTC so that naive and aware items can be mixed."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _keep_heaviest(x: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Each row keeps its k largest weights, then is L2-normalised again."""
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    order = np.lexsort((-x.data, rows))  # stable: equal weights keep column order
    rank = np.arange(order.size) - x.indptr[rows[order]]
    keep = np.sort(order[rank < k])
    pruned = sp.csr_matrix(
        (x.data[keep], x.indices[keep], np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=x.shape[0]))]),
        shape=x.shape,
    )
    norms = np.sqrt(np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ pruned)


def _inside(names: list[str]) -> sp.csr_matrix:
    """`m[a, b]` is 1 when area `b` contains area `a`: its path (or code) is a prefix of a's."""
    index = {name: k for k, name in enumerate(names)}
    pairs = [
        (k, index[name[:cut]])
        for k, name in enumerate(names)
        for cut in range(1, len(name))
        if name[:cut] in index
    ]
    rows, cols = (
        (np.array(p, dtype=np.int64) for p in zip(*pairs, strict=True))
        if pairs
        else (np.zeros(0), np.zeros(0))
    )
    return sp.csr_matrix((np.ones(len(pairs), dtype=np.int8), (rows, cols)), shape=(len(names), len(names)))


def _areas_apart(
    area_ids: np.ndarray, inside: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """True where both items have an area and neither area contains the other."""
    a, b = area_ids[rows], area_ids[cols]
    apart = (a > 0) & (b > 0) & (a != b)
    if apart.any():
        k = np.flatnonzero(apart)
        nested = np.asarray(inside[a[k], b[k]]).ravel() + np.asarray(inside[b[k], a[k]]).ravel()
        apart[k[nested > 0]] = False
    return apart


def _edges(
    x: sp.csr_matrix, ts: np.ndarray, items: Sequence[Item], tuning: Tuning
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similar pairs (i < j in time order) that pass the time and place rules, best first."""
    n = x.shape[0]
    index: dict[str, int] = {"": 0}
    area_ids = np.array([index.setdefault(it.area, len(index)) for it in items], dtype=np.int64)
    inside = _inside(list(index))
    lat = np.array([np.nan if it.lat is None else it.lat for it in items], dtype=np.float64)
    lng = np.array([np.nan if it.lng is None else it.lng for it in items], dtype=np.float64)
    window, long_window = tuning.window.total_seconds(), tuning.long_window.total_seconds()
    xt = x.T.tocsr()
    found_r, found_c, found_s = [], [], []
    for start in range(0, n, tuning.block_rows):
        stop = min(n, start + tuning.block_rows)
        last = int(np.searchsorted(ts, ts[stop - 1] + long_window, side="right"))
        block = (x[start:stop] @ xt[:, start:last]).tocoo()
        r = block.row + start
        c = block.col + start
        s = block.data
        keep = (c > r) & (s >= tuning.link)
        r, c, s = r[keep], c[keep], s[keep]
        dt = ts[c] - ts[r]
        apart = (dt > window) | _areas_apart(area_ids, inside, r, c)
        geo = ~(np.isnan(lat[r]) | np.isnan(lat[c]))
        if geo.any():
            far = np.zeros_like(apart)
            far[geo] = haversine_km(lat[r[geo]], lng[r[geo]], lat[c[geo]], lng[c[geo]]) > tuning.radius_km
            apart |= far
        keep = (dt <= long_window) & (~apart | (s >= tuning.near))
        found_r.append(r[keep])
        found_c.append(c[keep])
        found_s.append(s[keep])
    if not found_r:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    r, c, s = np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_s)
    # Each item keeps its best `neighbours` edges (counted from both ends).
    both_item = np.concatenate([r, c])
    both_sim = np.concatenate([s, s])
    both_edge = np.concatenate([np.arange(r.size), np.arange(r.size)])
    order = np.lexsort((both_edge, -both_sim, both_item))
    starts = np.searchsorted(both_item[order], np.arange(n))
    rank = np.arange(order.size) - starts[both_item[order]]
    chosen = np.unique(both_edge[order[rank < tuning.neighbours]])
    r, c, s = r[chosen], c[chosen], s[chosen]
    order = np.lexsort((c, r, -s))
    return r[order], c[order], s[order]


def _cluster(
    x: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, tuning: Tuning
) -> np.ndarray:
    """Group label per item: edges best first, a join only when the two centroids agree.

    Near-identical edges (`near`) join without the check, all at once in SciPy's connected
    components; the Python loop then only sees the weaker edges between those groups.
    """
    n = x.shape[0]
    strong = sims >= tuning.near
    graph = sp.coo_matrix((np.ones(int(strong.sum())), (rows[strong], cols[strong])), shape=(n, n))
    count, component = connected_components(graph, directed=False)
    belongs = sp.csr_matrix((np.ones(n, dtype=np.float32), (component, np.arange(n))), shape=(count, n))
    totals = sp.csr_matrix(belongs @ x)
    size = np.bincount(component, minlength=count).tolist()
    sq = np.asarray(totals.multiply(totals).sum(axis=1)).ravel().tolist()
    parent = list(range(count))
    sums: dict[int, dict[int, float]] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def total(i: int) -> dict[int, float]:
        if i not in sums:
            lo, hi = totals.indptr[i], totals.indptr[i + 1]
            sums[i] = dict(zip(totals.indices[lo:hi].tolist(), totals.data[lo:hi].tolist(), strict=True))
        return sums[i]

    floor = tuning.centroid_link
    refused: dict[tuple[int, int], tuple[int, int]] = {}
    weak = ~strong
    for i, j in zip(component[rows[weak]].tolist(), component[cols[weak]].tolist(), strict=True):
        a, b = find(i), find(j)
        if a == b:
            continue
        pair = (a, b) if a < b else (b, a)
        if refused.get(pair) == (size[pair[0]], size[pair[1]]):
            continue  # neither group has changed since their centroids disagreed
        sa, sb = total(a), total(b)
        big, small = (a, b) if len(sa) >= len(sb) else (b, a)
        bs, ss = (sa, sb) if big == a else (sb, sa)
        dot = sum(w * bs.get(f, 0.0) for f, w in ss.items())
        if dot < floor * math.sqrt(sq[a] * sq[b]):
            refused[pair] = (size[pair[0]], size[pair[1]])
            continue
        for f, w in ss.items():
            bs[f] = bs.get(f, 0.0) + w
        sq[big] += sq[small] + 2 * dot
        size[big] += size[small]
        del sums[small]
        parent[small] = big
    roots = np.array([find(i) for i in range(count)], dtype=np.int64)
    return roots[component]


def _title(text: str) -> str:
    head, _ = _split(text)
    head = " ".join(head.split())
    return head if len(head) <= _TITLE_CHARS else head[: _TITLE_CHARS - 1].rstrip() + "…"


def _pair_key(first: int, second: int) -> int:
    """`_pair_keys` for one pair, in plain Python."""
    if first < _WORD and second < _WORD:
        return ((first & 0x1FFFF) << 17) | (second & 0x1FFFF)
    return ((first * 0x9E3779B97F4A7C15 + second) & int(_LOW56)) | _MIXED


_Unit = tuple[int, int, str, int]  # start, end, text, key


def _parse(head: str, cache: dict[str, int]) -> list[_Unit]:
    cased = unicodedata.normalize("NFKC", head)
    text = cased.lower()
    shown = cased if len(cased) == len(text) else text  # keep the writer's case for display
    return [
        (
            m.start(),
            m.end(),
            shown[m.start() : m.end()],
            _word_key(m.group(), cache) if m.group().isascii() else ord(m.group()),
        )
        for m in _UNIT.finditer(text)
    ]


def _phrases(
    units: list[_Unit], shared: dict[int, float], idf: dict[int, float]
) -> list[tuple[float, int, str]]:
    """(score, position, phrase) for each run of a title whose bigrams most members share.

    `shared` maps a feature key to the share of members that have it. A phrase is a maximal
    run of units joined by such bigrams (丽发新城, 搅拌站, 捆绑销售车位), or a shared Latin
    word; it scores the sum of its bigrams' idf times their share, so names beat common words.
    """
    found: list[tuple[float, int, str]] = []
    run: list[int] = []
    score = 0.0
    for k in range(len(units) + 1):
        joined = False
        if k + 1 < len(units) and units[k][1] == units[k + 1][0]:
            key = _pair_key(units[k][3], units[k + 1][3])
            share = shared.get(key, 0.0)
            if share >= 0.5:
                joined = True
                if not run:
                    run, score = [k], 0.0
                run.append(k + 1)
                score += idf[key] * share
        if not joined and run:
            text = units[run[0]][2]
            for j in run[1:]:
                piece = units[j][2]
                text += (" " + piece) if units[j][3] >= _WORD and units[j - 1][3] >= _WORD else piece
            found.append((score, units[run[0]][0], text))
            run = []
    for start, _, unit, key in units:
        if key >= _WORD and len(unit) > 1 and not unit.isdigit() and shared.get(key, 0.0) >= 0.5:
            found.append((idf[key] * shared[key], start, unit))
    return found


def _keywords(
    titles: list[list[_Unit]], shared: dict[int, float], idf: dict[int, float], limit: int
) -> list[str]:
    """The best phrases of the members' titles; a phrase inside a better one is left out."""
    scored: dict[str, tuple[float, int]] = {}
    for rank, units in enumerate(titles):
        for score, at, phrase in _phrases(units, shared, idf):
            scored.setdefault(phrase, (score, rank * 1000 + at))
    chosen: list[str] = []
    for phrase in sorted(scored, key=lambda p: (-scored[p][0], scored[p][1])):
        if not any(phrase in other for other in chosen):
            chosen.append(phrase)
        if len(chosen) == limit:
            break
    return chosen


def _trend_and_growth(stamps: np.ndarray, now: float, tuning: Tuning) -> tuple[list[int], float]:
    width = tuning.bucket.total_seconds()
    back = np.maximum(0, (now - stamps) // width).astype(np.int64)  # 0 = the bucket holding `now`
    length = min(int(back.max()) + 1, tuning.max_trend)
    trend = np.bincount(back[back < length], minlength=length)[::-1].tolist()
    recent_span = tuning.recent_buckets * width
    recent = int(np.count_nonzero(now - stamps < recent_span))
    earlier = stamps.size - recent
    if not earlier:
        return trend, 1.0
    earlier_span = max(recent_span, now - float(stamps.min()) - recent_span)
    r, e = recent / recent_span, earlier / earlier_span
    return trend, round((r - e) / (r + e), 3)


def _heat(size: int, reporters: int, votes: int, growth: float) -> float:
    mass = reporters + 0.5 * (size - reporters)
    return round(mass * (1 + 0.25 * math.log1p(max(votes, 0))) * (1 + 0.25 * growth), 2)


def find_hotspots(
    items: Sequence[Item],
    *,
    top: int | None = None,
    min_size: int = 2,
    now: datetime | None = None,
    tuning: Tuning | None = None,
) -> list[Hotspot]:
    """Groups of at least `min_size` items about one matter, hottest first (see the module doc).

    `now` (default: the latest item's time) ends the last trend bucket and the growth window.
    The same items give the same result, whatever their order.
    """
    tuning = tuning or Tuning()
    min_size = max(2, min_size)
    ordered = sorted(items, key=lambda it: (_seconds(it.at), it.id))
    if len(ordered) < min_size:
        return []
    ts = np.array([_seconds(it.at) for it in ordered], dtype=np.float64)
    features = _featurize([it.text for it in ordered], tuning)
    if features is None:
        return []
    rows, cols, sims = _edges(features.x, ts, ordered, tuning)
    labels = _cluster(features.x, rows, cols, sims, tuning)

    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    now_s = _seconds(now) if now is not None else float(ts[-1])
    found: list[tuple[Hotspot, list[int]]] = []
    for m in groups.values():
        if len(m) < min_size:
            continue
        group = [ordered[i] for i in m]
        reporters = len({it.reporter or f"\0{it.id}" for it in group})
        votes = sum(max(it.votes, 0) for it in group)
        trend, growth = _trend_and_growth(ts[m], now_s, tuning)
        spot = Hotspot(
            title="",
            heat=_heat(len(m), reporters, votes, growth),
            ids=[it.id for it in group],
            start=group[0].at,
            end=group[-1].at,
            areas=sorted({it.area for it in group if it.area}),
            reporters=reporters,
            votes=votes,
            trend=trend,
            growth=growth,
        )
        found.append((spot, m))
    found.sort(key=lambda f: (-f[0].heat, f[1][0]))
    if top is not None:
        found = found[: max(top, 0)]
    _present(found, ordered, features, tuning)
    return [spot for spot, _ in found]


def _present(
    found: list[tuple[Hotspot, list[int]]], ordered: list[Item], features: _Features, tuning: Tuning
) -> None:
    """Title and keywords of each spot, from all spots' centroids and feature shares at once."""
    if not found:
        return
    members = np.concatenate([np.array(m) for _, m in found])
    spot_of = np.repeat(np.arange(len(found)), [len(m) for _, m in found])
    belongs = sp.csr_matrix(
        (np.ones(members.size, dtype=np.float32), (spot_of, members)), shape=(len(found), features.x.shape[0])
    )
    centroids = belongs @ features.x
    closeness = np.asarray(features.x[members].multiply(centroids[spot_of]).sum(axis=1)).ravel()
    shares = sp.csr_matrix(sp.diags(1.0 / np.diff(belongs.indptr)) @ (belongs @ features.present))
    cache: dict[str, int] = {}
    offset = 0
    chosen: list[list[int]] = []
    for spot, m in found:
        near = closeness[offset : offset + len(m)]
        offset += len(m)
        # Closest to the centroid first; ties to the earlier member.
        by_closeness = sorted(range(len(m)), key=lambda j: (-round(float(near[j]), 5), j))
        spot.title = _title(ordered[m[by_closeness[0]]].text)
        chosen.append([m[j] for j in by_closeness[:3]])
    titles = [[_parse(_split(ordered[i].text)[0][: tuning.head_chars], cache) for i in c] for c in chosen]
    idf = dict(zip(features.keys.tolist(), features.idf.tolist(), strict=True))
    for k, (spot, _) in enumerate(found):
        row = slice(shares.indptr[k], shares.indptr[k + 1])
        shared = dict(
            zip(features.keys[shares.indices[row]].tolist(), shares.data[row].tolist(), strict=True)
        )
        spot.keywords = _keywords(titles[k], shared, idf, tuning.keywords)
