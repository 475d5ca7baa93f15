"""A topic's survey on the pages: the form and the results on the topic's page (the include
`consult/_survey.html`), the answers sent from it, and the staff's page of the survey's
questions (added, and changed or deleted until the first response). Thin, over the same selectors and
services as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.consult import selectors
from needle.consult.access import may_manage
from needle.consult.models import Topic
from needle.consult.pages import attempt, form_refusal
from needle.consult.selectors.surveys import access_question, survey_for, survey_questions
from needle.consult.services.suggestions import OnBehalf
from needle.consult.services.surveys import (
    QuestionDraft,
    question_add,
    question_delete,
    question_edit,
    survey_answer,
)
from needle.consult.survey_forms import QuestionForm, SurveyBehalfForm, SurveyForm
from needle.core.errors import DomainError
from needle.core.views import refusal_message
from needle.orgs.permissions import require

BEHALF = "behalf"


def survey_context(request: HttpRequest, topic: Topic) -> dict[str, Any]:
    """What the topic page's survey block shows: the questions with the results the reader may
    see, the form to answer, and the staff's form for a person without an account."""
    survey = survey_for(actor=request.user, topic=topic)
    questions = [r.question for r in survey.questions]
    return {
        "survey": survey,
        "survey_form": SurveyForm(questions=questions),
        "survey_behalf": SurveyForm(questions=questions, prefix=BEHALF),
        "survey_behalf_form": SurveyBehalfForm(prefix=BEHALF),
    }


@login_required
@require_POST
def answer(request: HttpRequest, topic_id: int) -> HttpResponse:
    """The reader's answers, or (staff) a person without an account's."""
    topic = selectors.access_topic(topic_id=topic_id)
    back = reverse("consult-topic", args=[topic.pk]) + "#survey"
    behalf = request.POST.get("on_behalf") == "1"
    form = SurveyForm(
        request.POST, questions=survey_questions(topic=topic), prefix=BEHALF if behalf else None
    )
    who = SurveyBehalfForm(request.POST, prefix=BEHALF) if behalf else None
    for f in (who, form):
        if f is not None and not f.is_valid():
            messages.error(request, form_refusal(f))
            return redirect(back)
    on_behalf = None
    if who is not None:
        on_behalf = OnBehalf(name=who.cleaned_data["name"], phone=who.cleaned_data["phone"])
    try:
        survey_answer(actor=request.user, topic=topic, answers=form.given(), on_behalf=on_behalf)
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    else:
        messages.success(request, _("Thank you: the answers are counted."))
    return redirect(back)


@login_required
@require_GET
def survey_console(request: HttpRequest, topic_id: int) -> HttpResponse:
    """The staff's page of a topic's survey: its questions, each changeable and deletable until
    the first response, and the form that adds one."""
    topic = selectors.access_topic(topic_id=topic_id)
    require(may_manage(request.user, topic.area_path))
    survey = survey_for(actor=request.user, topic=topic)
    settled = survey.responses > 0
    rows = [
        (r, None if settled else QuestionForm.of(r.question, prefix=f"q{r.question.pk}"))
        for r in survey.questions
    ]
    context = {"topic": topic, "survey": survey, "rows": rows, "settled": settled, "form": QuestionForm()}
    return render(request, "consult/survey_console.html", context)


def _draft(form: QuestionForm) -> QuestionDraft:
    data = form.cleaned_data
    return QuestionDraft(
        kind=data["kind"],
        text=data["text"],
        choices=form.choice_lines(),
        scale_min=data["scale_min"],
        scale_max=data["scale_max"],
        required=data["required"],
    )


def _question_saved(
    request: HttpRequest, topic: Topic, form: QuestionForm, said: str, call: Callable[[QuestionDraft], Any]
) -> HttpResponse:
    """A question added or changed from the survey console: the form's errors or the service's
    refusal become the console's message, else `said`."""
    if not form.is_valid():
        messages.error(request, form_refusal(form))
    else:
        attempt(request, lambda: call(_draft(form)), said)
    return redirect("consult-survey-console", topic.pk)


@login_required
@require_POST
def add_question(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = selectors.access_topic(topic_id=topic_id)
    return _question_saved(
        request,
        topic,
        QuestionForm(request.POST),
        _("The question is added."),
        lambda draft: question_add(actor=request.user, topic=topic, draft=draft),
    )


@login_required
@require_POST
def edit_question(request: HttpRequest, topic_id: int, question_id: int) -> HttpResponse:
    topic = selectors.access_topic(topic_id=topic_id)
    question = access_question(topic=topic, question_id=question_id)
    return _question_saved(
        request,
        topic,
        QuestionForm(request.POST, prefix=f"q{question.pk}"),
        _("The question is changed."),
        lambda draft: question_edit(actor=request.user, question=question, draft=draft),
    )


@login_required
@require_POST
def delete_question(request: HttpRequest, topic_id: int, question_id: int) -> HttpResponse:
    topic = selectors.access_topic(topic_id=topic_id)
    question = access_question(topic=topic, question_id=question_id)
    attempt(
        request, lambda: question_delete(actor=request.user, question=question), _("The question is deleted.")
    )
    return redirect("consult-survey-console", topic.pk)
