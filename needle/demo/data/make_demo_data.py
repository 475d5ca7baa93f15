"""Rebuild the demo's catalogs and residents' messages from the workplace's shared data.

    python needle/demo/data/make_demo_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to `../shared/data` next to the repository. Writes, next to this
script: teddycup_catalog.csv, nyc311_services.csv and teddycup_messages.csv.gz. The output is
deterministic (same input, same bytes). Not run by the demo itself: the demo reads the outputs.
What we add to the public data (English and Chinese names, deadline classes, departments,
matching hints) is read from the `*_ours.csv` files next to it. See SOURCES.md for what each
file holds.
"""

from __future__ import annotations

import collections
import csv
import gzip
import hashlib
import io
import math
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
A2_TEXT_ONLY_ROWS = 700  # besides every attachment-2 row with a full record
A4_ROWS = 900
MAX_TEXT = 2000
MAX_REPLY = 1500

# For attachment 4 (no labels): distinctive words of the categories that attachment 2 lacks.
OTHER_L1_WORDS = {
    "政法": "派出所 公安 户口 户籍 身份证 交警 驾驶证 法院 判决 民警 治安 诈骗",
    "民政": "低保 婚姻登记 殡葬 退役军人 优抚 救助 福利院 养老院 居委会选举",
    "农村农业": "宅基地 扶贫 贫困户 土地流转 村干部 林地 防汛 水库 灌溉 惠农",
    "国土资源": "征地 土地征收 采矿 矿山 国土局 耕地",
    "纪检监察": "贪污 受贿 腐败 纪委 以权谋私 公款",
    "经济管理": "非法集资 集资 税务局 破产 国有资产 银行贷款",
    "科技与信息产业": "电信 宽带 移动公司 联通 手机信号 专利",
    "党务政务": "党员 党支部 党组织",
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _rank(key: str) -> str:
    return hashlib.sha256(("needle-demo:" + key).encode()).hexdigest()


def _grams(text: str) -> list[str]:
    t = _norm(text)
    return [t[i : i + 2] for i in range(len(t) - 1)]


class _Bayes:
    """Multinomial naive Bayes on character bigrams over attachment 2's first-level labels
    (about 85% right on a held-back fifth of attachment 2)."""

    ALPHA = 0.1

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.docs: collections.Counter[str] = collections.Counter()
        self.grams: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for text, label in rows:
            self.docs[label] += 1
            self.grams[label].update(_grams(text))
        self.vocab = {g for c in self.grams.values() for g in c}
        self.totals = {k: sum(v.values()) for k, v in self.grams.items()}

    def label(self, text: str) -> str:
        grams = [g for g in _grams(text) if g in self.vocab]
        n = sum(self.docs.values())
        best, score = "", -math.inf
        for label, docs in sorted(self.docs.items()):
            counts, total = self.grams[label], self.totals[label] + self.ALPHA * len(self.vocab)
            s = math.log(docs / n) + sum(math.log((counts[g] + self.ALPHA) / total) for g in grams)
            if s > score:
                best, score = label, s
        return best


def _other_l1(text: str) -> str:
    hits = {l1: sum(1 for w in words.split() if w in text) for l1, words in OTHER_L1_WORDS.items()}
    best = max(hits, key=lambda k: hits[k])
    return best if hits[best] >= 2 else ""


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, header: list[str], rows: list[list[str]], *, gz: bool = False) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode()
    if gz:
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
            f.write(data)
    else:
        path.write_bytes(data)


def catalog(shared: Path) -> None:
    tree: dict[str, dict[str, list[str]]] = {}
    for r in _read(shared / "teddycup2020c" / "attachment1_label_taxonomy.csv"):
        tree.setdefault(r["label_l1"], {}).setdefault(r["label_l2"], []).append(r["label_l3"])
    # Ours: each label's English name, its deadline class ("" for its first-level label's, and
    # "" there for general), the demo department it goes to (dept-<key>-<area code>; "" waits
    # for a dispatcher) and extra matching hints.
    l1s = {r["label_l1"]: r for r in _read(HERE / "teddycup_l1_ours.csv")}
    l2s = {(r["label_l1"], r["label_l2"]): r for r in _read(HERE / "teddycup_l2_ours.csv")}
    rows = []
    for l1, labels in tree.items():
        for l2, l3s in labels.items():
            ours = l2s[(l1, l2)]
            rows.append(
                [
                    l1,
                    l1s[l1]["name_en"],
                    l2,
                    ours["name_en"],
                    ours["deadline_class"] or l1s[l1]["deadline_class"] or "general",
                    ours["department"],
                    " ".join(x for x in l3s if x != "其他"),
                    ours["hints"],
                ]
            )
    header = ["label_l1", "name_en_l1", "label_l2", "name_en_l2", "deadline_class", "department"]
    _write_csv(HERE / "teddycup_catalog.csv", [*header, "keywords_l3", "hints"], rows)


def nyc(shared: Path) -> None:
    rows = _read(shared / "nyc311" / "nyc311_2023-02_sample.csv")
    count = collections.Counter(r["Complaint Type"] for r in rows)
    agency: dict[str, collections.Counter[tuple[str, str]]] = collections.defaultdict(collections.Counter)
    descriptors: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for r in rows:
        agency[r["Complaint Type"]][(r["Agency"], r["Agency Name"])] += 1
        if r["Descriptor"]:
            descriptors[r["Complaint Type"]][r["Descriptor"]] += 1
    # Ours: each complaint type's Chinese name and deadline class ("" for general).
    ours = {r["complaint_type"]: r for r in _read(HERE / "nyc311_ours.csv")}
    out = []
    for kind, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0])):
        (code, name), _ = agency[kind].most_common(1)[0]
        out.append(
            [
                kind,
                ours[kind]["name_zh"],
                ours[kind]["deadline_class"] or "general",
                code,
                name,
                str(n),
                "|".join(d for d, _ in descriptors[kind].most_common(6)),
            ]
        )
    header = ["complaint_type", "name_zh", "deadline_class", "agency", "agency_name", "requests"]
    _write_csv(HERE / "nyc311_services.csv", [*header, "descriptors"], out)


def messages(shared: Path) -> None:
    base = shared / "teddycup2020c"
    a2 = _read(base / "attachment2_messages_labelled_partial.csv")
    a4 = _read(base / "attachment4_messages_replies.csv")
    bayes = _Bayes([(r["text"], r["label_l1"]) for r in a2])
    seen: set[str] = set()
    out: list[list[str]] = []

    def keep(key: str) -> bool:
        if key in seen:
            return False
        seen.add(key)
        return True

    full = [r for r in a2 if r["detail"] and len(r["detail"]) <= MAX_TEXT]
    text_only = [r for r in a2 if not r["detail"] and 40 <= len(r["text"]) <= MAX_TEXT]
    for r in sorted(full, key=lambda r: _rank("a2:" + r["row_id"])):
        if keep(_norm(r["text"])):
            detail = r["detail"].replace("\r\n", "\n")
            out.append(
                ["a2", r["row_id"], r["created_at"], r["title"], detail, r["label_l1"], "gold", "", ""]
            )
    for r in sorted(text_only, key=lambda r: _rank("a2:" + r["row_id"]))[:A2_TEXT_ONLY_ROWS]:
        if keep(_norm(r["text"])):
            out.append(["a2", r["row_id"], "", "", r["text"], r["label_l1"], "gold", "", ""])
    usable = [r for r in a4 if 20 <= len(r["detail"]) <= MAX_TEXT and 40 <= len(r["reply"]) <= MAX_REPLY]
    taken = 0
    for r in sorted(usable, key=lambda r: _rank("a4:" + r["message_id"])):
        if taken == A4_ROWS:
            break
        if not keep(_norm(r["title"] + r["detail"])):
            continue
        taken += 1
        text = r["title"] + r["detail"]
        label = _other_l1(text) or bayes.label(text)
        out.append(
            [
                "a4",
                r["message_id"],
                r["created_at"],
                r["title"],
                r["detail"].replace("\r\n", "\n"),
                label,
                "guessed",
                r["reply"].replace("\r\n", "\n"),
                r["replied_at"],
            ]
        )
    header = ["source", "source_id", "created_at", "title", "text", "label_l1", "label_by", "reply"]
    _write_csv(HERE / "teddycup_messages.csv.gz", [*header, "replied_at"], out, gz=True)
    labels = collections.Counter((r[0], r[5]) for r in out)
    sys.stdout.write(f"{len(out)} messages: {dict(sorted(labels.items()))}\n")


# Hot issues of 附件3 (the competition's hot-issue task): messages about one matter at one
# place, chosen by words that name the matter. The demo files them as recent requests of one
# community each, so the hot-topic job has real clusters to find.
HOT_ISSUES = [
    ("lijiang", "伊景园", "滨河苑"),
    ("mixing", "丽发新城", "搅拌站"),
    ("carloan", "58车贷", ""),
    ("wukuang", "五矿万境", ""),
    ("meili", "魅力之城", ""),
]
HOT_PER_ISSUE = 10


def hot(shared: Path) -> None:
    rows = _read(shared / "teddycup2020c" / "attachment3_messages_votes.csv")
    out: list[list[str]] = []
    for issue, first, second in HOT_ISSUES:
        found = [
            r
            for r in rows
            if first in r["title"] + r["detail"]
            and (not second or second in r["title"] + r["detail"])
            and 20 <= len(r["detail"]) <= 2000
        ]
        found.sort(key=lambda r: _rank("hot:" + r["message_id"]))
        out += [
            [issue, r["message_id"], r["title"], r["detail"].replace("\r\n", "\n"), r["likes"] or "0"]
            for r in found[:HOT_PER_ISSUE]
        ]
    _write_csv(
        HERE / "teddycup_hot.csv.gz", ["issue", "message_id", "title", "detail", "likes"], out, gz=True
    )
    sys.stdout.write(f"{len(out)} hot-issue messages: {dict(collections.Counter(r[0] for r in out))}\n")


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data"
    catalog(shared)
    nyc(shared)
    messages(shared)
    hot(shared)


if __name__ == "__main__":
    main()
