"""A topic's survey through /api/v1/consult/topics/{id}/questions, /survey and /responses and on
the pages: the area's staff write the questions (settled by the first response), those the topic
lets take part answer once, staff answer for a person without an account; a refused answer names
its question; the public reads counts and never who answered; respondents and the people present
at a held meeting take part in the figures, each once per area."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from needle import testing as t
from needle.consult import services as s
from needle.consult.models import Meeting, MeetingParticipant, Suggestion, Support, Topic
from needle.consult.services.surveys import (
    Given,
    QuestionDraft,
    question_add,
    question_delete,
    question_edit,
    survey_answer,
)
from needle.consult.survey_models import Question, Response, ResponseAnswer
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.core.errors import NotFound, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import PersonRecord
from needle.rollups.refresh import rollups_refresh

BASE = "/api/v1/consult/topics"
INDICATORS = "/api/v1/operations/indicators"

SINGLE = {"kind": "single", "text": "您家有几辆车？", "choices": ["没有", "一辆", "两辆及以上"]}
MULTIPLE = {"kind": "multiple", "text": "您支持哪些办法？", "choices": ["错时停车", "立体车库", "划线收费"]}
SCALE = {"kind": "scale", "text": "停车难的程度", "scale_min": 1, "scale_max": 5}
TEXT = {"kind": "text", "text": "其他建议", "required": False}


def with_survey(world: t.World, topic: Topic) -> list[Question]:
    staff = world.people["staff"]
    return [
        question_add(
            actor=staff,
            topic=topic,
            draft=QuestionDraft(
                kind=q["kind"],
                text=q["text"],
                choices=q.get("choices", []),
                scale_min=q.get("scale_min"),
                scale_max=q.get("scale_max"),
                required=q.get("required", True),
            ),
        )
        for q in (SINGLE, MULTIPLE, SCALE, TEXT)
    ]


def body(qs: list[Question], **over: Any) -> dict[str, Any]:
    """A full and valid response; `over` replaces one question's answer by its index (q0..q3)."""
    answers = {
        "q0": {"question": qs[0].pk, "choices": [1]},
        "q1": {"question": qs[1].pk, "choices": [0, 2]},
        "q2": {"question": qs[2].pk, "value": 4},
        "q3": {"question": qs[3].pk, "text": "晚上开放单位停车场"},
    }
    for k, v in over.items():
        if v is None:
            answers.pop(k)
        else:
            answers[k] = {"question": answers[k]["question"], **v}
    return {"answers": list(answers.values())}


@pytest.fixture
def survey(world: t.World, topic: Topic) -> list[Question]:
    return with_survey(world, topic)


# Questions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 201),
        ("street_admin", 201),
        ("supervisor", 403),
        ("handler", 403),
        ("resident", 403),
        ("member", 403),
        ("outsider", 403),
    ],
)
def test_who_may_add_a_question(
    world: t.World, api_for: Any, topic: Topic, persona: str, status: int
) -> None:
    res = api_for(persona).post(f"{BASE}/{topic.pk}/questions", SINGLE)
    assert res.status_code == status, res.content
    if status == 201:
        out = res.json()
        assert (out["position"], out["kind"], out["choices"]) == (1, "single", SINGLE["choices"])
        assert AuditEvent.objects.filter(action="consult.question.added", object_id=str(out["id"])).exists()
    else:
        assert not Question.objects.exists()


def test_anonymous_may_not_add_a_question(topic: Topic) -> None:
    res = Client().post(f"{BASE}/{topic.pk}/questions", json.dumps(SINGLE), content_type="application/json")
    assert res.status_code == 401


def test_questions_take_their_places_and_a_scale_defaults_to_one_to_five(api_for: Any, topic: Topic) -> None:
    api = api_for("staff")
    for q in (SINGLE, {"kind": "scale", "text": "满意度"}, TEXT):
        assert api.post(f"{BASE}/{topic.pk}/questions", q).status_code == 201
    got = list(Question.objects.filter(topic=topic).values_list("position", "kind", "scale_min", "scale_max"))
    assert got == [(1, "single", None, None), (2, "scale", 1, 5), (3, "text", None, None)]


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ({"kind": "single", "text": "只有一个选项", "choices": ["是"]}, "choices"),
        ({"kind": "multiple", "text": "重复选项", "choices": ["是", "是"]}, "choices"),
        ({"kind": "single", "text": "空选项", "choices": ["是", "  "]}, "choices.1"),
        ({"kind": "text", "text": "文字题带选项", "choices": ["a", "b"]}, "choices"),
        ({"kind": "scale", "text": "倒过来的量表", "scale_min": 5, "scale_max": 1}, "scale_max"),
        ({"kind": "scale", "text": "太大的量表", "scale_min": 0, "scale_max": 100}, "scale_max"),
        ({"kind": "single", "text": "选择题带量表", "choices": ["a", "b"], "scale_min": 1}, "scale_min"),
        ({"kind": "ranking", "text": "未知题型"}, "kind"),
        ({"kind": "text", "text": "  "}, "text"),
        ({"kind": "text", "text": "含\x00字符"}, "text"),
    ],
)
def test_a_bad_question_is_a_422_naming_the_field(
    api_for: Any, topic: Topic, question: dict[str, Any], field: str
) -> None:
    res = api_for("staff").post(f"{BASE}/{topic.pk}/questions", question)
    assert res.status_code == 422, res.content
    assert field in res.json()["error"]["fields"]
    assert not Question.objects.exists()


def test_questions_change_until_the_first_response_then_stand(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question]
) -> None:
    staff = api_for("staff")
    url = f"{BASE}/{topic.pk}/questions/{survey[0].pk}"
    changed = {**SINGLE, "choices": ["没有", "有"], "required": False}
    assert api_for("resident").put(url, changed).status_code == 403
    res = staff.put(url, changed)
    assert res.status_code == 200 and res.json()["choices"] == ["没有", "有"]
    assert AuditEvent.objects.filter(action="consult.question.edited").count() == 1
    # A question of another topic is not found through this one.
    other = make_topic(world, title="另一个议题")
    assert staff.put(f"{BASE}/{other.pk}/questions/{survey[0].pk}", changed).status_code == 404

    assert api_for("resident").post(f"{BASE}/{topic.pk}/responses", body(survey)).status_code == 201
    res = staff.put(url, SINGLE)
    assert res.status_code == 409 and res.json()["error"]["code"] == "survey_answered"
    assert staff.post(f"{BASE}/{topic.pk}/questions", TEXT).status_code == 409
    assert Question.objects.get(pk=survey[0].pk).choices == ["没有", "有"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 204),
        ("street_admin", 204),
        ("supervisor", 403),
        ("handler", 403),
        ("resident", 403),
        ("member", 403),
        ("outsider", 403),
    ],
)
def test_who_may_delete_a_question(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question], persona: str, status: int
) -> None:
    res = api_for(persona).delete(f"{BASE}/{topic.pk}/questions/{survey[1].pk}")
    assert res.status_code == status, res.content
    left = list(Question.objects.filter(topic=topic).order_by("position").values_list("pk", "position"))
    if status == 204:
        # Those after it move up: the survey is numbered 1, 2, 3 again.
        assert left == [(survey[0].pk, 1), (survey[2].pk, 2), (survey[3].pk, 3)]
        event = AuditEvent.objects.get(action="consult.question.deleted")
        assert event.object_id == str(survey[1].pk) and event.changes["old"]["text"] == MULTIPLE["text"]
    else:
        assert len(left) == 4 and not AuditEvent.objects.filter(action="consult.question.deleted").exists()


def test_a_question_is_deleted_until_the_first_response_then_stands(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question]
) -> None:
    staff = api_for("staff")
    assert Client().delete(f"{BASE}/{topic.pk}/questions/{survey[0].pk}").status_code == 401
    assert staff.delete(f"{BASE}/{topic.pk}/questions/999999").status_code == 404
    # A question of another topic is not found through this one.
    other = make_topic(world, title="另一个议题")
    assert staff.delete(f"{BASE}/{other.pk}/questions/{survey[0].pk}").status_code == 404
    assert staff.delete(f"{BASE}/{topic.pk}/questions/{survey[3].pk}").status_code == 204
    assert staff.delete(f"{BASE}/{topic.pk}/questions/{survey[3].pk}").status_code == 404

    assert api_for("resident").post(f"{BASE}/{topic.pk}/responses", body(survey, q3=None)).status_code == 201
    res = staff.delete(f"{BASE}/{topic.pk}/questions/{survey[0].pk}")
    assert res.status_code == 409 and res.json()["error"]["code"] == "survey_answered"
    assert Question.objects.filter(topic=topic).count() == 3


def test_a_question_deleted_while_a_second_delete_or_an_edit_waited_is_not_found(
    world: t.World, topic: Topic, survey: list[Question]
) -> None:
    # Both hold the question as loaded before the first delete, as a double click's second
    # request (or an edit posted meanwhile) does while it waits for the topic's lock.
    held = Question.objects.get(pk=survey[1].pk)
    question_delete(actor=world.people["staff"], question=survey[1])
    with pytest.raises(NotFound):
        question_delete(actor=world.people["staff"], question=held)
    with pytest.raises(NotFound):
        question_edit(actor=world.people["staff"], question=held, draft=QuestionDraft(**MULTIPLE))
    assert AuditEvent.objects.filter(action="consult.question.deleted").count() == 1


@pytest.mark.parametrize(
    ("persona", "deleted"), [("staff", True), ("resident", False), ("supervisor", False)]
)
def test_a_question_is_deleted_on_the_staff_page(
    world: t.World,
    client_for: Any,
    api_for: Any,
    topic: Topic,
    survey: list[Question],
    persona: str,
    deleted: bool,
) -> None:
    client = client_for(persona)
    url = f"/consult/console/topics/{topic.pk}/survey/questions/{survey[0].pk}/delete/"
    assert client.post(url).status_code == 302
    assert Question.objects.filter(pk=survey[0].pk).exists() is not deleted
    staff = client_for("staff")
    page = staff.get(f"/consult/console/topics/{topic.pk}/survey/").content.decode()
    button = f'action="/consult/console/topics/{topic.pk}/survey/questions/{survey[1].pk}/delete/"'
    assert button in page
    # Once answered, the page offers no deletion, and one posted anyway is refused.
    answers = [{"question": survey[1].pk, "choices": [0]}, {"question": survey[2].pk, "value": 3}]
    if not deleted:
        answers.append({"question": survey[0].pk, "choices": [1]})
    res = api_for("resident").post(f"{BASE}/{topic.pk}/responses", {"answers": answers})
    assert res.status_code == 201, res.content
    page = staff.get(f"/consult/console/topics/{topic.pk}/survey/").content.decode()
    assert button not in page
    later = f"/consult/console/topics/{topic.pk}/survey/questions/{survey[1].pk}/delete/"
    refused = staff.post(later, follow=True).content.decode()
    # The staff persona reads Chinese: "People have answered this survey: its questions are settled."
    assert "已有人填写此问卷，题目不能再修改。" in refused
    assert Question.objects.filter(pk=survey[1].pk).exists()


# Responses ------------------------------------------------------------------------------------


def test_a_resident_answers_once(world: t.World, api_for: Any, topic: Topic, survey: list[Question]) -> None:
    api = api_for("resident")
    res = api.post(f"{BASE}/{topic.pk}/responses", body(survey))
    assert res.status_code == 201, res.content
    assert res.json()["answers"] == 4
    response = Response.objects.get()
    assert response.person == world.people["resident"] and response.record is None
    rows = sorted(ResponseAnswer.objects.values_list("question__position", "choice", "value", "text"))
    assert rows == [
        (1, 1, None, ""),
        (2, 0, None, ""),
        (2, 2, None, ""),
        (3, None, 4, ""),
        (4, None, None, "晚上开放单位停车场"),
    ]
    event = AuditEvent.objects.get(action="consult.survey.answered")
    assert "停车场" not in json.dumps(event.changes, ensure_ascii=False)
    again = api.post(f"{BASE}/{topic.pk}/responses", body(survey))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("participants", "persona", "status"),
    [
        ("residents", "resident", 201),
        ("residents", "outsider", 403),
        ("residents", "elsewhere", 403),
        ("residents", "member", 403),
        ("everyone", "outsider", 201),
        ("everyone", "elsewhere", 201),
    ],
)
def test_who_may_answer(world: t.World, api_for: Any, participants: str, persona: str, status: int) -> None:
    world.people["elsewhere"] = t.PersonFactory.create(username="b1a", home_area=world.areas["community_b1a"])
    topic = make_topic(world, participants=participants)
    qs = with_survey(world, topic)
    res = api_for(persona).post(f"{BASE}/{topic.pk}/responses", body(qs))
    assert res.status_code == status, res.content
    assert Response.objects.count() == (1 if status == 201 else 0)


def test_anonymous_may_not_answer(topic: Topic, survey: list[Question]) -> None:
    res = Client().post(
        f"{BASE}/{topic.pk}/responses", json.dumps(body(survey)), content_type="application/json"
    )
    assert res.status_code == 401


def test_no_answers_outside_the_topic_s_window(world: t.World, api_for: Any) -> None:
    today = timezone.localdate()
    closed = make_topic(world, opens=today - dt.timedelta(days=9), closes=today - dt.timedelta(days=1))
    early = make_topic(world, opens=today + dt.timedelta(days=1), closes=today + dt.timedelta(days=9))
    for topic, code in ((closed, "topic_closed"), (early, "topic_not_open")):
        qs = with_survey(world, topic)
        res = api_for("resident").post(f"{BASE}/{topic.pk}/responses", body(qs))
        assert res.status_code == 422 and res.json()["error"]["code"] == code
    assert not Response.objects.exists()


def test_staff_answer_for_a_person_without_an_account_once(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question]
) -> None:
    answers = {**body(survey), "on_behalf": {"name": "张奶奶", "phone": "13900002222"}}
    # A resident may not enter someone else's answers.
    assert api_for("resident").post(f"{BASE}/{topic.pk}/responses", answers).status_code == 403
    res = api_for("staff").post(f"{BASE}/{topic.pk}/responses", answers)
    assert res.status_code == 201, res.content
    response = Response.objects.get()
    record = PersonRecord.objects.get(name="张奶奶")
    assert (response.person, response.record, response.entered_by) == (None, record, world.people["staff"])
    event = AuditEvent.objects.get(action="consult.survey.answered")
    assert "13900002222" not in json.dumps(event.changes)
    # Her shared record is found again: a second entry for her is refused.
    again = api_for("street_admin").post(f"{BASE}/{topic.pk}/responses", answers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"


@pytest.mark.parametrize(
    ("over", "which"),
    [
        ({"q0": {"choices": [7]}}, 0),  # an unknown choice
        ({"q0": {"choices": [-1]}}, 0),
        ({"q0": {"choices": [0, 1]}}, 0),  # several choices on a single-choice question
        ({"q0": {"value": 1}}, 0),  # a number for a choice
        ({"q1": {"choices": [0, 3]}}, 1),
        ({"q2": {"value": 6}}, 2),  # outside the scale
        ({"q2": {"value": 0}}, 2),
        ({"q2": {"text": "很难"}}, 2),
        ({"q2": None}, 2),  # a required question left out
        ({"q0": {"choices": []}}, 0),
        ({"q3": {"text": "长" * 2001}}, 3),  # over-long text
        ({"q3": {"choices": [0]}}, 3),
    ],
)
def test_a_refused_answer_is_a_422_naming_the_question(
    api_for: Any, topic: Topic, survey: list[Question], over: dict[str, Any], which: int
) -> None:
    res = api_for("resident").post(f"{BASE}/{topic.pk}/responses", body(survey, **over))
    assert res.status_code == 422, res.content
    fields = res.json()["error"]["fields"]
    assert list(fields) == [f"answers.{survey[which].pk}"]
    # The question is named by its number, in the resident's language (the default, Chinese).
    assert fields[f"answers.{survey[which].pk}"].startswith(f"第 {which + 1} 题")
    assert not Response.objects.exists() and not ResponseAnswer.objects.exists()


def test_a_nul_byte_is_refused_naming_the_question(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question]
) -> None:
    # The API refuses a NUL anywhere in a JSON body before any operation, naming where it is.
    res = api_for("resident").post(f"{BASE}/{topic.pk}/responses", body(survey, q3={"text": "含\x00字符"}))
    assert res.status_code == 422 and list(res.json()["error"]["fields"]) == ["answers.3.text"]
    # The service refuses it from every other entry point, naming the question.
    answers = {q.pk: Given(choices=[0]) for q in survey[:2]} | {survey[2].pk: Given(value=3)}
    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        survey_answer(
            actor=world.people["resident"],
            topic=topic,
            answers={**answers, survey[3].pk: Given(text="含\x00字符")},
        )
    assert refused.value.fields == {f"answers.{survey[3].pk}": "Question 4: the text holds a NUL character."}
    assert not Response.objects.exists()


def test_unknown_questions_and_a_topic_without_a_survey_are_422s(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question]
) -> None:
    api = api_for("resident")
    other = make_topic(world, title="没有问卷")
    foreign = body(survey)
    foreign["answers"].append({"question": 999999, "text": "?"})
    res = api.post(f"{BASE}/{topic.pk}/responses", foreign)
    assert res.status_code == 422 and "answers.999999" in res.json()["error"]["fields"]
    twice = body(survey)
    twice["answers"].append(twice["answers"][0])
    res = api.post(f"{BASE}/{topic.pk}/responses", twice)
    assert res.status_code == 422 and f"answers.{survey[0].pk}" in res.json()["error"]["fields"]
    res = api.post(f"{BASE}/{other.pk}/responses", {"answers": []})
    assert res.status_code == 422 and "answers" in res.json()["error"]["fields"]
    res = api.post(
        f"{BASE}/{topic.pk}/responses", {"answers": [{"question": survey[0].pk, "choices": [True]}]}
    )
    assert res.status_code == 422
    assert not Response.objects.exists()


# Results --------------------------------------------------------------------------------------


def test_results_show_counts_to_everyone_and_text_only_to_staff(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question], neighbours: list[Any]
) -> None:
    survey_answer(
        actor=world.people["resident"],
        topic=topic,
        answers={
            survey[0].pk: Given(choices=[1]),
            survey[1].pk: Given(choices=[0, 2]),
            survey[2].pk: Given(value=4),
            survey[3].pk: Given(text="夜间开放"),
        },
    )
    for n, (one, scale) in zip(neighbours, ((1, 2), (2, 5), (0, 4)), strict=True):
        survey_answer(
            actor=n,
            topic=topic,
            answers={
                survey[0].pk: Given(choices=[one]),
                survey[1].pk: Given(choices=[0]),
                survey[2].pk: Given(value=scale),
            },
        )
    url = f"{BASE}/{topic.pk}/survey"
    public = Client().get(url)
    assert public.status_code == 200
    out = public.json()
    assert out["responses"] == 4 and out["answered"] is False
    q0, q1, q2, q3 = out["questions"]
    assert [c["count"] for c in q0["counts"]] == [1, 2, 1] and q0["answered"] == 4
    assert [c["count"] for c in q1["counts"]] == [4, 0, 1] and q1["counts"][0]["percent"] == 100.0
    assert q2["average"] == 3.75
    assert q2["distribution"] == [
        {"value": v, "count": n} for v, n in ((1, 0), (2, 1), (3, 0), (4, 2), (5, 1))
    ]
    assert q3["answered"] == 1 and q3["texts"] is None
    # Nothing says who answered, for the public or for a resident.
    text = public.content.decode()
    for person in (world.people["resident"], *neighbours):
        assert person.username not in text
    assert "夜间开放" not in text
    mine = api_for("resident").get(url).json()
    assert mine["answered"] is True and mine["questions"][3]["texts"] is None
    for persona in ("staff", "supervisor"):
        assert api_for(persona).get(url).json()["questions"][3]["texts"] == ["夜间开放"]


def test_a_topic_without_questions_has_an_empty_survey(topic: Topic) -> None:
    res = Client().get(f"{BASE}/{topic.pk}/survey")
    assert res.status_code == 200 and res.json() == {
        "topic": topic.pk,
        "responses": 0,
        "answered": False,
        "questions": [],
    }
    assert Client().get(f"{BASE}/999999/survey").status_code == 404


# Pages ----------------------------------------------------------------------------------------


def test_a_resident_answers_on_the_topic_page(
    world: t.World, client_for: Any, topic: Topic, survey: list[Question]
) -> None:
    client = client_for("resident")
    with translation.override("en"):
        page = client.get(f"/consult/topics/{topic.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'action="/consult/topics/{topic.pk}/survey/"' in page
    assert f'name="q{survey[0].pk}"' in page and "/survey/questions/" not in page
    form = {f"q{survey[0].pk}": "2", f"q{survey[1].pk}": ["0", "1"], f"q{survey[2].pk}": "3"}
    res = client.post(f"/consult/topics/{topic.pk}/survey/", form)
    assert res.status_code == 302 and res["Location"].endswith("#survey")
    response = Response.objects.get(person=world.people["resident"])
    assert response.answers.count() == 4
    page = client.get(f"/consult/topics/{topic.pk}/").content.decode()
    assert 'id="survey-answered"' in page and f'name="q{survey[0].pk}"' not in page
    # A refused answer leaves nothing and says which question.
    neighbour = t.PersonFactory.create(username="n1", home_area=world.areas["community_a1a"])
    other = Client()
    other.force_login(neighbour)
    res = other.post(f"/consult/topics/{topic.pk}/survey/", {f"q{survey[0].pk}": "1"}, follow=True)
    assert "第 2 题" in res.content.decode()
    assert not Response.objects.filter(person=neighbour).exists()


def test_staff_enter_answers_for_a_person_without_an_account_on_the_page(
    world: t.World, client_for: Any, topic: Topic, survey: list[Question]
) -> None:
    form = {
        "on_behalf": "1",
        "behalf-name": "李爷爷",
        "behalf-phone": "13700003333",
        "behalf-consent": "on",
        f"behalf-q{survey[0].pk}": "0",
        f"behalf-q{survey[1].pk}": "2",
        f"behalf-q{survey[2].pk}": "5",
    }
    assert client_for("resident").post(f"/consult/topics/{topic.pk}/survey/", form).status_code == 302
    assert not Response.objects.exists()
    assert client_for("staff").post(f"/consult/topics/{topic.pk}/survey/", form).status_code == 302
    assert Response.objects.get().record == PersonRecord.objects.get(name="李爷爷")


def test_the_topic_page_reads_its_survey_in_a_bounded_number_of_queries(
    world: t.World, client_for: Any, topic: Topic, survey: list[Question], neighbours: list[Any]
) -> None:
    client = client_for("staff")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/consult/topics/{topic.pk}/").status_code == 200
        return len(ctx.captured_queries)

    full = {survey[0].pk: Given(choices=[0]), survey[1].pk: Given(choices=[1]), survey[2].pk: Given(value=3)}
    survey_answer(
        actor=world.people["resident"], topic=topic, answers={**full, survey[3].pk: Given(text="a")}
    )
    few = queries()
    for n in neighbours:
        survey_answer(actor=n, topic=topic, answers={**full, survey[3].pk: Given(text=n.username)})
    assert queries() == few


@pytest.mark.parametrize(("persona", "status"), [("staff", 200), ("resident", 403), ("supervisor", 403)])
def test_the_survey_s_staff_page(
    world: t.World, client_for: Any, topic: Topic, persona: str, status: int
) -> None:
    client = client_for(persona)
    assert client.get(f"/consult/console/topics/{topic.pk}/survey/").status_code == status
    form = {
        "kind": "multiple",
        "text": "您支持哪些办法？",
        "choices": "错时停车\n立体车库\n",
        "required": "on",
    }
    client.post(f"/consult/console/topics/{topic.pk}/survey/questions/", form)
    assert Question.objects.filter(topic=topic).count() == (1 if status == 200 else 0)
    if status == 200:
        question = Question.objects.get()
        assert question.choices == ["错时停车", "立体车库"] and question.required
        page = client.get(f"/consult/console/topics/{topic.pk}/survey/").content.decode()
        assert f'action="/consult/console/topics/{topic.pk}/survey/questions/{question.pk}/"' in page
        edit = {f"q{question.pk}-kind": "scale", f"q{question.pk}-text": "停车难的程度"}
        client.post(f"/consult/console/topics/{topic.pk}/survey/questions/{question.pk}/", edit)
        question.refresh_from_db()
        assert (question.kind, question.scale_min, question.scale_max, question.required) == (
            "scale",
            1,
            5,
            False,
        )


# Figures --------------------------------------------------------------------------------------


def _oracle(area: Any) -> int:
    """People taking part in the area's subtree since the start, each once per area: authors
    (or their shared record), supporters, respondents and people present at held meetings."""
    seen: set[tuple[int, str, int]] = set()
    for x in Suggestion.objects.filter(area_path__startswith=area.path).select_related("topic"):
        seen.add((x.topic.area_id, *(("u", x.author_id) if x.author_id else ("r", x.record_id))))
    for x in Support.objects.filter(suggestion__area_path__startswith=area.path).select_related(
        "suggestion__topic"
    ):
        seen.add((x.suggestion.topic.area_id, "u", x.person_id))
    for x in Response.objects.filter(topic__area_path__startswith=area.path).select_related("topic"):
        seen.add((x.topic.area_id, *(("u", x.person_id) if x.person_id else ("r", x.record_id))))
    held = Meeting.objects.filter(area_path__startswith=area.path, status__in=("held", "minuted"))
    for p in MeetingParticipant.objects.filter(meeting__in=held, attended=True).select_related("meeting"):
        if p.person_id or p.record_id:
            seen.add((p.meeting.area_id, *(("u", p.person_id) if p.person_id else ("r", p.record_id))))
    return len(seen)


def test_respondents_and_people_present_take_part_once_each(
    world: t.World, api_for: Any, topic: Topic, survey: list[Question], neighbours: list[Any]
) -> None:
    staff = world.people["staff"]
    full = {survey[0].pk: Given(choices=[0]), survey[1].pk: Given(choices=[1]), survey[2].pk: Given(value=3)}
    # The resident suggests, supports and answers: one person.
    a = make_suggestion(world, topic)
    survey_answer(actor=world.people["resident"], topic=topic, answers=full)
    # A neighbour only answers; another supports and answers; 张奶奶 answers at the counter.
    survey_answer(actor=neighbours[0], topic=topic, answers=full)
    s.support_add(actor=neighbours[1], suggestion=a)
    survey_answer(actor=neighbours[1], topic=topic, answers=full)
    survey_answer(
        actor=staff, topic=topic, answers=full, on_behalf=s.OnBehalf(name="张奶奶", phone="13900002222")
    )
    # A held meeting: the resident (counted already), neighbour 2 (new), 张奶奶 again through her
    # record, a unit (no person), and the member who sent apologies (absent: not counted).
    grandma = s.OnBehalf(name="张奶奶", phone="13900002222")
    seats = [
        s.Seat(kind="representative", person=world.people["resident"]),
        s.Seat(kind="representative", person=neighbours[2]),
        s.Seat(kind="representative", newcomer=grandma),
        s.Seat(kind="unit", unit=world.units["district_a_env"]),
        s.Seat(kind="member", person=world.people["member"]),
    ]
    meeting = s.meeting_schedule(
        actor=staff,
        area=world.areas["community_a1a"],
        draft=s.MeetingDraft(
            title="议事会", starts_at=timezone.now() - dt.timedelta(minutes=30), place="活动室", seats=seats
        ),
    )
    present = list(meeting.participants.exclude(person=world.people["member"]).values_list("pk", flat=True))
    s.meeting_hold(actor=staff, meeting=meeting, present=present)
    # A meeting still scheduled counts no one.
    s.meeting_schedule(
        actor=staff,
        area=world.areas["community_a1a"],
        draft=s.MeetingDraft(
            title="下周的会",
            starts_at=timezone.now() + dt.timedelta(days=7),
            place="活动室",
            seats=[s.Seat(kind="member", person=world.people["outsider"])],
        ),
    )
    rollups_refresh()
    api = api_for("city_admin")
    today = timezone.localdate()
    start, end = (today - dt.timedelta(days=30)).isoformat(), (today + dt.timedelta(days=30)).isoformat()
    for name in ("city", "district_a", "community_a1a", "community_b1a"):
        area = world.areas[name]
        got = api.get(INDICATORS, area=area.code, source="consult", start=start, end=end)
        assert got.status_code == 200, got.content
        assert got.json()["node"]["figures"]["participants"] == _oracle(area), name
    city = api.get(INDICATORS, area=world.areas["city"].code, source="consult").json()["node"]["figures"]
    assert city["participants"] == 5  # the resident, three neighbours, 张奶奶
