"""API schemas of the triage API (separate from database models and engine types)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from vardlots.core.api_errors import ErrorOut
from vardlots.core.text import InputSchema

__all__ = ["AnswerIn", "ErrorOut", "FallbackOut", "ProtocolOut", "SearchHitOut", "SearchOut", "SessionOut",
           "StartIn"]


class StartIn(InputSchema):
    sex: Literal["female", "male"]
    language: Literal["sv", "en"] = "sv"
    age_years: float | None = Field(default=None, ge=0, le=130, description="age in years; or give birth_date")
    birth_date: date | None = None
    pregnant: bool | None = None
    protocol_ids: list[str] = Field(default_factory=list, max_length=5,
                                    description="contact reasons; or give complaint text")
    complaint: str = Field(default="", max_length=300, description="free text, Swedish or English")
    audience: Literal["self", "child", "other"] = Field(
        default="self", description="who answers: the person themself, a guardian about the child, "
                                    "or someone about another adult (chooses the question wording)")


class AnswerIn(InputSchema):
    finding: str = Field(max_length=100, description="the finding of the current question")
    value: bool | float | str | list[str] | None = Field(
        description="yes/no/unknown, an option id, a list of option ids, a number, or a duration like '3d'")
    position: int | None = Field(default=None, ge=0,
                                 description="answers the client had seen; makes resending safe")


class SessionOut(Schema):
    id: UUID
    state: str
    language: str
    protocol_ids: list[str]
    content_version: str
    answers: list[list[Any]]
    step: dict[str, Any] = Field(description="the current question, or the result with its trace")


class SearchHitOut(Schema):
    protocol: str
    score: float
    title: dict[str, str]


class FallbackOut(Schema):
    protocol: str = Field(description="the general protocol ('Andra besvär'), for this age and sex "
                                      "when given")
    title: dict[str, str]


class SearchOut(Schema):
    hits: list[SearchHitOut] = Field(
        description="contact reasons that fit, best first; only hits that clear the confidence bar "
                    "(a specific word of the query matched), the safer first among hits that score "
                    "alike")
    nothing_fits: bool = Field(
        description="true when nothing fits what was written: show no contact reasons, say so, and "
                    "offer the fallback and the chance to describe it again in other words")
    fallback: FallbackOut | None = Field(
        description="always offered: the general protocol ('Andra besvär'): global red flags, risk "
                    "factors, severity, duration, worsening")


class ProtocolOut(Schema):
    id: str
    title: dict[str, str]
    family: str | None
    age_from_days: int
    age_to_days: int | None
    sexes: list[str]

