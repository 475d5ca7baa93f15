from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.cases.models import Case, Category, Service, State

# Requests of three kinds, told in varied words: enough for a classifier to learn them apart.
KINDS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "noise": (
        ["楼上", "隔壁", "小区广场", "工地", "楼下商铺", "酒吧"],
        ["夜间施工噪音", "装修电钻声", "广场舞音响太响", "半夜大声喧哗", "音响噪音扰民", "机器轰鸣"],
        ["吵得睡不着觉", "老人孩子无法休息", "每天晚上十点以后还在响", "投诉多次无人管", "严重影响休息"],
    ),
    "road": (
        ["小区门口", "学校旁边", "公交站前", "菜市场外", "主干道上", "人行道上"],
        [
            "路面塌陷一个大坑",
            "井盖破损缺失",
            "道路开裂坑洼不平",
            "沥青路面破损",
            "人行道地砖松动",
            "路面积水坑洞",
        ],
        ["车辆经过很危险", "行人容易摔倒", "下雨天积水严重", "希望尽快修补路面", "电动车已经摔倒过"],
    ),
    "light": (
        ["小区北门", "河边步道", "停车场", "巷子里", "公园小路", "桥下"],
        ["路灯不亮", "路灯坏了好几盏", "照明灯一直闪", "晚上一片漆黑没有灯", "路灯杆倾斜灯不亮", "灯具损坏"],
        ["晚上走路看不见", "居民夜间出行不安全", "已经黑了一个月", "请尽快维修照明", "老人晚上不敢出门"],
    ),
}


def texts_of(kind: str, n: int, seed: int = 0) -> list[str]:
    rng = random.Random(f"{kind}-{seed}")
    where, what, why = KINDS[kind]
    return [f"{rng.choice(where)}{rng.choice(what)}，{rng.choice(why)}。{rng.choice(why)}" for _ in range(n)]


_trained_models: dict[int, Any] = {}


@pytest.fixture(autouse=True)
def train_once(monkeypatch: Any) -> None:
    """Training is the slow part (calibration by cross-validation): the same texts and labels
    give the same model, so each distinct training set is fitted once per test process."""
    from needle.intel import textmodel

    real = textmodel.train

    def train(texts: Any, labels: Any, **kw: Any) -> Any:
        key = hash((tuple(texts), tuple(labels), tuple(sorted(kw.items()))))
        if key not in _trained_models:
            _trained_models[key] = real(texts, labels, **kw)
        return _trained_models[key]

    monkeypatch.setattr(textmodel, "train", train)


@pytest.fixture
def catalog(world: t.World) -> dict[str, Any]:
    return t.build_catalog(world)


@pytest.fixture
def intel_catalog(world: t.World) -> dict[str, Any]:
    catalog = t.build_catalog(world)
    city = Category.objects.get(code="city")
    catalog["light"] = Service.objects.create(
        code="light",
        category=city,
        name="路灯不亮",
        name_en="Street light out",
        accept_hours=24,
        resolve_hours=72,
    )
    return catalog


def closed_history(
    w: t.World, catalog: dict[str, Any], per_kind: int = 30, *, days_ago: int = 90
) -> list[Case]:
    """Closed cases of noise, road and light in community A1a, each handled by the same unit."""
    handler = {"noise": w.units["rc_a1a"], "road": w.units["district_a_env"], "light": w.units["street_a1"]}
    area = w.areas["community_a1a"]
    start = timezone.now() - dt.timedelta(days=days_ago)
    cases = []
    n = 0
    for kind in KINDS:
        for i, text in enumerate(texts_of(kind, per_kind)):
            n += 1
            at = start + dt.timedelta(hours=n)
            cases.append(
                Case(
                    number=f"19990101{n:06d}",
                    service=catalog[kind],
                    area=area,
                    area_path=area.path,
                    title=text[:20],
                    description=text,
                    state=State.CLOSED,
                    lead_unit=handler[kind],
                    tracking_token=f"hist-{kind}-{i}",
                    submitted_at=at,
                    accept_due_at=at + dt.timedelta(hours=24),
                    resolve_due_at=at + dt.timedelta(days=3),
                    closed_at=at + dt.timedelta(days=1),
                )
            )
    return Case.objects.bulk_create(cases)


@pytest.fixture
def trained(world: t.World, intel_catalog: dict[str, Any], tmp_path: Any, settings: Any) -> Any:
    """A classifier trained on the closed history, active."""
    from needle.intel.services import model_train

    settings.INTEL_MODEL_DIR = tmp_path / "models"
    closed_history(world, intel_catalog)
    return model_train(actor=world.people["city_admin"])
