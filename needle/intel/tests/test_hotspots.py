from __future__ import annotations

import csv
import json
import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from needle.intel.hotspots import Item, find_hotspots

T0 = datetime(2024, 5, 1, 9, 0)

ESTATE = [
    "翠湖花园小区夜间施工噪音扰民\n翠湖花园小区旁工地每晚十一点后还在打桩施工，噪音很大，居民无法入睡。",
    "投诉翠湖花园小区旁工地夜间施工噪音\n翠湖花园小区附近工地深夜施工，打桩噪音严重扰民，请相关部门查处。",
    "翠湖花园小区工地深夜打桩噪音大\n我住在翠湖花园小区，隔壁工地半夜打桩，噪音扰民，老人小孩都睡不着。",
    "再次反映翠湖花园小区夜间施工噪音问题\n翠湖花园小区旁边的工地夜间施工没有停止，噪音依旧，请尽快处理。",
    "翠湖花园小区居民被夜间施工噪音困扰\n翠湖花园小区旁工地夜间违规施工，噪音严重影响居民休息。",
    "请管管翠湖花园小区旁工地的夜间噪音\n翠湖花园小区附近工地连续一周夜间施工打桩，噪音扰民。",
]
SCHOOL = [
    "明德实验小学违规收取补课费\n明德实验小学要求学生参加周末补课并收取补课费，每人八百元。",
    "举报明德实验小学乱收补课费\n明德实验小学老师组织周末补课，向家长收取补课费，违反规定。",
    "明德实验小学强制补课收费\n孩子在明德实验小学读书，学校强制周末补课并收取补课费。",
    "明德实验小学收取补课费是否合规\n明德实验小学每学期向家长收取补课费，请教育局调查。",
]
NOISE = [
    "建议增加公交线路\n希望开通从火车站到新区的公交线路，方便居民出行。",
    "路灯不亮\n幸福路中段路灯坏了一个月，晚上很黑，希望尽快修复。",
    "咨询社保缴费\n请问灵活就业人员的社保怎么缴纳，每月多少钱？",
    "垃圾清运不及时\n光明街菜市场门口的垃圾桶满了好几天没人清运。",
    "下水道堵塞\n和平里三号楼下水道堵塞，污水外溢，请物业处理。",
    "公园健身器材损坏\n人民公园的健身器材有几处损坏，存在安全隐患。",
]


def _items(texts: list[str], prefix: str, *, start: datetime = T0, **extra: object) -> list[Item]:
    return [
        Item(
            id=f"{prefix}{k}",
            text=text,
            at=start + timedelta(hours=7 * k),
            reporter=f"{prefix}-u{k}",
            **extra,
        )  # type: ignore[arg-type]
        for k, text in enumerate(texts)
    ]


def _world() -> list[Item]:
    return _items(ESTATE, "e") + _items(SCHOOL, "s") + _items(NOISE, "n")


def test_two_matters_found_hottest_first() -> None:
    spots = find_hotspots(_world())

    assert [sorted(s.ids) for s in spots] == [[f"e{k}" for k in range(6)], [f"s{k}" for k in range(4)]]
    estate, school = spots
    assert estate.heat > school.heat
    assert "翠湖花园" in estate.title and "补课费" in school.title
    assert estate.reporters == 6 and estate.votes == 0
    assert estate.start == T0 and estate.end == T0 + timedelta(hours=35)
    assert sum(estate.trend) == 6
    assert any("翠湖花园" in k for k in estate.keywords)


def test_votes_raise_heat() -> None:
    plain = {s.ids[0][0]: s.heat for s in find_hotspots(_world())}
    voted = [replace(it, votes=300) if it.id.startswith("s") else it for it in _world()]
    spots = find_hotspots(voted)

    assert spots[0].ids[0].startswith("s")  # 4 requests with 1,200 votes outrank 6 without
    assert spots[0].votes == 1200 and spots[0].heat > plain["s"]


def test_one_reporter_repeating_counts_less() -> None:
    same_person = [replace(it, reporter="one") if it.id.startswith("e") else it for it in _world()]
    estate = next(s for s in find_hotspots(same_person) if s.ids[0].startswith("e"))

    assert estate.reporters == 1
    assert estate.heat < find_hotspots(_world())[0].heat


def test_different_areas_do_not_merge_unless_near_identical() -> None:
    items = _items(ESTATE[:3], "a", area="d01/s01/") + _items(ESTATE[3:], "b", area="d02/s05/")
    spots = find_hotspots(items)
    assert len(spots) == 2 and all(len({i[0] for i in s.ids}) == 1 for s in spots)
    assert spots[0].areas == ["d01/s01/"]

    # A street inside the district, or no area at all, is the same place.
    nested = _items(ESTATE[:3], "a", area="d01/") + _items(ESTATE[3:], "b", area="d01/s01/")
    assert [len(s.ids) for s in find_hotspots(nested)] == [6]

    # A copy-pasted campaign is one matter wherever it is filed.
    copies = [
        Item(id=f"c{k}", text=ESTATE[0], at=T0 + timedelta(days=k), area=f"d0{k}/") for k in range(1, 4)
    ]
    assert [len(s.ids) for s in find_hotspots(copies)] == [3]


def test_far_apart_in_time_do_not_merge() -> None:
    items = _items(ESTATE[:3], "a") + _items(ESTATE[3:], "b", start=T0 + timedelta(days=200))
    spots = find_hotspots(items)
    assert len(spots) == 2 and all(len({i[0] for i in s.ids}) == 1 for s in spots)


def test_far_apart_on_the_map_do_not_merge() -> None:
    items = _items(ESTATE[:3], "a", lat=28.20, lng=112.97) + _items(ESTATE[3:], "b", lat=28.90, lng=113.50)
    assert len(find_hotspots(items)) == 2


def test_growth_trend_and_now() -> None:
    items = _items(ESTATE, "e")
    recent = find_hotspots(items, now=T0 + timedelta(days=3))[0]
    stale = find_hotspots(items, now=T0 + timedelta(days=60))[0]

    assert recent.growth == 1.0 and stale.growth == -1.0
    assert recent.heat > stale.heat
    assert sum(stale.trend) == 6 and stale.trend[-1] == 0 and len(stale.trend) == 9


def test_same_result_whatever_the_order() -> None:
    items = _world()
    first = find_hotspots(items)
    for seed in range(3):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert find_hotspots(shuffled) == first


def test_top_min_size_and_empty_input() -> None:
    assert len(find_hotspots(_world(), top=1)) == 1
    assert [len(s.ids) for s in find_hotspots(_world(), min_size=5)] == [6]
    assert find_hotspots([]) == []
    assert find_hotspots(_items(NOISE, "n")) == []


def test_english_text() -> None:
    texts = [
        f"Loud music party at Maple Court building {k}\nLoud music party every night at Maple Court."
        for k in range(3)
    ]
    items = [Item(id=str(k), text=t, at=T0 + timedelta(hours=k)) for k, t in enumerate(texts)]
    items += [Item(id="x", text="Pothole on Elm Street\nA deep pothole near the school.", at=T0)]
    (spot,) = find_hotspots(items)
    assert spot.ids == ["0", "1", "2"] and "Maple Court" in " ".join(spot.keywords)


def _csv(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rows() -> list[dict[str, str]]:
    rows = []
    for k, item in enumerate(_world()):
        title, _, detail = item.text.partition("\n")
        at = item.at.strftime("%Y/%m/%d %H:%M") if k % 2 else item.at.isoformat(sep=" ")
        rows.append(
            {
                "id": item.id,
                "title": title,
                "body": detail,
                "when": at,
                "likes": str(k),
                "user": item.reporter,
            }
        )
    return rows


def test_command_writes_the_json_contract(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    call_command(
        "hotspots",
        "--csv", str(_csv(tmp_path, _rows())),
        "--id-column", "id", "--text-column", "body", "--title-column", "title", "--time-column", "when",
        "--votes-column", "likes", "--user-column", "user", "--top", "5",
        "--output", str(out),
    )  # fmt: skip
    spots = json.loads(out.read_text(encoding="utf-8"))

    assert [sorted(s["ids"]) for s in spots] == [[f"e{k}" for k in range(6)], [f"s{k}" for k in range(4)]]
    first = spots[0]
    assert {"title", "heat", "ids", "start", "end"} <= set(first)
    assert first["heat"] > spots[1]["heat"] and "翠湖花园" in first["title"]
    assert datetime.fromisoformat(first["start"]) == T0
    assert first["votes"] == sum(range(6))


@pytest.mark.parametrize(
    ("change", "options", "message"),
    [
        ({}, {"--time-column": "missing"}, "column 'missing' (--time-column) is not in"),
        ({"when": "next tuesday"}, {}, "row 4, column 'when': cannot read 'next tuesday' as a time"),
        ({"likes": "3.5"}, {}, "row 4, column 'likes': votes must be a whole number"),
        ({"id": ""}, {}, "row 4, column 'id': the id is empty"),
        ({"id": "e0"}, {}, "row 4, column 'id': id 'e0' appears twice"),
    ],
)
def test_command_bad_input(
    tmp_path: Path, change: dict[str, str], options: dict[str, str], message: str
) -> None:
    rows = _rows()
    rows[2].update(change)
    out = tmp_path / "out.json"
    args = {
        "--csv": str(_csv(tmp_path, rows)),
        "--id-column": "id",
        "--text-column": "body",
        "--time-column": "when",
        "--votes-column": "likes",
        "--output": str(out),
    }
    args.update(options)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("hotspots", *[part for pair in args.items() for part in pair])
    assert not out.exists()


def test_command_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "hotspots",
            "--csv",
            str(tmp_path / "nope.csv"),
            "--id-column",
            "a",
            "--text-column",
            "b",
            "--time-column",
            "c",
            "--output",
            str(tmp_path / "o.json"),
        )
