"""What the system writes on a timeline is stored as a code with its parameters and worded in the
reader's language when read, by one presenter, on the case page, the tracking page, the API
and Open311; what people write stays as typed. Old sentences become codes where their form is
known (the migration), and stay readable where not."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone, translation

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import CaseEvent, EventKind
from needle.cases.presenters import EVENT_TEXTS, event_text

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_system_entries_are_stored_as_codes_and_people_s_words_as_typed(world, catalog):
    with translation.override("zh-hans"):  # moves made from a Chinese page
        case = t.submit(world, catalog["road"])
        case = s.case_accept(actor=world.people["handler"], case=case)
        s.case_resolve(actor=world.people["handler"], case=case, note="已修好")
        s.case_callback(actor=world.people["resident"], case=case, solved=True, rating=4, comment="谢谢")
    stored = {e.kind: (e.code, e.params, e.note) for e in CaseEvent.objects.filter(case=case)}
    assert stored[EventKind.SUBMITTED] == ("received", {"channel": "web"}, "")
    assert stored[EventKind.ROUTED][0] == "routed_rule" and stored[EventKind.ROUTED][2] == ""
    assert stored[EventKind.RESOLVED] == ("", {}, "已修好")
    assert stored[EventKind.CALLBACK] == ("callback", {"solved": True, "rating": 4}, "谢谢")


def test_the_case_page_and_the_tracking_page_speak_the_readers_language(world, catalog, client_for):
    with translation.override("zh-hans"):
        case = t.submit(world, catalog["road"])
    s.deadlines_mark(now=timezone.now() + dt.timedelta(days=20))  # seriously overdue: red
    dispatcher = client_for("dispatcher")
    english = text(dispatcher.get(f"/cases/{case.number}/", **EN))
    chinese = text(dispatcher.get(f"/cases/{case.number}/", **ZH))
    assert "Received via web form." in english and "Deadline: seriously overdue." in english
    assert "来源渠道：网页表单。" in chinese and "期限：严重超期。" in chinese
    assert 'class="note">red<' not in chinese and 'class="note">red<' not in english
    track = Client()
    assert "Received via web form." in text(track.get(f"/track/{case.tracking_token}/", **EN))
    assert "来源渠道：网页表单。" in text(track.get(f"/track/{case.tracking_token}/", **ZH))


def test_the_api_gives_the_code_its_parameters_and_the_words_in_the_callers_language(world, catalog):
    case = t.submit(world, catalog["road"])
    s.case_reclassify(actor=world.people["dispatcher"], case=case, service=catalog["private"])
    api = t.ApiClient(world.people["dispatcher"])
    english = api.client.get(f"/api/v1/cases/{case.number}/timeline", **EN).json()
    chinese = api.client.get(f"/api/v1/cases/{case.number}/timeline", **ZH).json()
    assert english[0]["code"] == "received" and english[0]["params"] == {"channel": "web"}
    assert english[0]["note"] == "Received via web form." and chinese[0]["note"] == "来源渠道：网页表单。"
    assert (
        english[-1]["note"] == "Damaged road → Family dispute"
        and chinese[-1]["note"] == "道路破损 → 家庭纠纷"
    )


def test_open311_updates_speak_the_requests_language(world, catalog):
    t.submit(world, catalog["road"])
    path = "/open311/v2/servicerequestupdates.json"
    english = [i["description"] for i in Client(**EN).get(path).json()]
    chinese = [i["description"] for i in Client(**ZH).get(path).json()]
    assert english[0] == "Received via web form." and chinese[0] == "来源渠道：网页表单。"


@pytest.mark.parametrize("code", sorted(EVENT_TEXTS))
def test_every_code_reads_in_both_languages_even_with_missing_parameters(code):
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert event_text(code=code, params={}, note="")
            assert event_text(code=code, params={}, note="人写的").endswith("人写的")
    assert event_text(code="", params={}, note="as typed") == "as typed"
    assert event_text(code="no-such-code", params={}, note="kept") == "kept"


def test_the_migration_turns_known_old_sentences_into_codes(world, catalog):
    case = t.submit(world, catalog["road"])
    now = timezone.now()
    old = {
        "blue": (EventKind.COLOUR, "blue"),
        "received_zh": (EventKind.SUBMITTED, "来源渠道：电话。"),
        "received_en": (EventKind.SUBMITTED, "Received via REST API."),
        "callback_en": (EventKind.CALLBACK, "Solved: no; rating: 2. still broken"),
        "callback_zh": (EventKind.CALLBACK, "是否解决：是；评分：—。"),
        "merged_into": (EventKind.MERGED, "20260101000001"),
        "merged_in": (EventKind.MERGED, "20260101000002 merged into this case."),
        "repeated": (EventKind.REPEATED, "20260101000003"),
        "routed": (EventKind.ROUTED, "按派单规则分派：渝中区 → 渝中区生态环境局。"),
        "unknown": (EventKind.WHISTLED, "七星岗街道办事处 — 需相关部门到现场会商"),
    }
    rows = {
        name: CaseEvent.objects.create(case=case, at=now, kind=kind, note=note)
        for name, (kind, note) in old.items()
    }
    migration = importlib.import_module("needle.cases.migrations.0009_timeline_notes_as_codes")
    migration.forwards(apps, None)
    got = {
        name: CaseEvent.objects.values_list("code", "params", "note").get(pk=e.pk) for name, e in rows.items()
    }
    assert got["blue"] == ("colour", {"colour": "blue"}, "")
    assert got["received_zh"] == ("received", {"channel": "phone"}, "")
    assert got["received_en"] == ("received", {"channel": "api"}, "")
    assert got["callback_en"] == ("callback", {"solved": False, "rating": 2}, "still broken")
    assert got["callback_zh"] == ("callback", {"solved": True, "rating": None}, "")
    assert got["merged_into"] == ("merged_into", {"number": "20260101000001"}, "")
    assert got["merged_in"] == ("merged_in", {"number": "20260101000002"}, "")
    assert got["repeated"] == ("repeated", {"number": "20260101000003"}, "")
    assert got["routed"] == ("routed_rule", {"area": "渝中区", "unit": "渝中区生态环境局"}, "")
    assert got["unknown"] == ("", {}, "七星岗街道办事处 — 需相关部门到现场会商")
    # Read back in English whatever language they were written in; twice changes nothing.
    with translation.override("en"):
        assert event_text(code="callback", params=got["callback_zh"][1], note="") == "Solved: yes; rating: —."
    migration.forwards(apps, None)
    assert CaseEvent.objects.get(pk=rows["callback_en"].pk).note == "still broken"
    # Backwards: sentences again, before the columns go.
    migration.backwards(apps, None)
    assert CaseEvent.objects.get(pk=rows["blue"].pk).code == ""
    assert CaseEvent.objects.exclude(code="").count() == 0
