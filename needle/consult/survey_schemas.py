"""The survey API's schemas: one In/Out pair per operation."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema

from needle.consult.schemas import OnBehalfIn
from needle.consult.survey_models import QuestionKind
from needle.core.schemas import NOT_BOOL, Flag, Id

# A whole number as JSON gives it; its range is the question's, checked by the service so that
# the refusal names the question.
Whole = Annotated[int, NOT_BOOL]


class QuestionIn(Schema):
    kind: QuestionKind
    text: str = Field(..., max_length=300)
    choices: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=20, description="For a choice question: its choices, in order"
    )
    scale_min: Whole | None = Field(None, description="For a scale: where it starts (0-10, default 1)")
    scale_max: Whole | None = Field(None, description="For a scale: where it ends (0-10, default 5)")
    required: Flag = True


class QuestionOut(Schema):
    id: int
    topic: int
    position: int
    kind: str
    text: str
    choices: list[str]
    scale_min: int | None
    scale_max: int | None
    required: bool


class AnswerItemIn(Schema):
    question: Id
    choices: list[Whole] = Field(
        default_factory=list,
        max_length=20,
        description="The choices ticked: their places in the list, from 0",
    )
    value: Whole | None = Field(None, description="A point on the scale")
    text: str = Field("", max_length=10000, description="A text answer")


class ResponseIn(Schema):
    answers: list[AnswerItemIn] = Field(..., max_length=30)
    on_behalf: OnBehalfIn | None = Field(
        None, description="Staff: the answers of a person without an account, consent noted"
    )


class ResponseOut(Schema):
    id: int
    topic: int
    answers: int = Field(..., description="How many questions were answered")


class ChoiceCountOut(Schema):
    choice: int
    label: str
    count: int
    percent: float = Field(..., description="Of those who answered the question")


class PointOut(Schema):
    value: int
    count: int


class QuestionResultOut(QuestionOut):
    answered: int = Field(..., description="How many responses answer it")
    counts: list[ChoiceCountOut]
    average: float | None
    distribution: list[PointOut]
    texts: list[str] | None = Field(..., description="Text answers: to the area's staff only (else null)")


class SurveyOut(Schema):
    topic: int
    responses: int
    answered: bool = Field(..., description="Whether the caller has answered")
    questions: list[QuestionResultOut]
