"""The triage JSON API, under /api/v1/triage/."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.params.functions import Query

from vardlots.core.api_errors import error_responses
from vardlots.intake import actions
from vardlots.intake.content import get_content, get_search
from vardlots.intake.models import TriageSession
from vardlots.intake.schemas import (
    AnswerIn,
    FallbackOut,
    ProtocolOut,
    SearchHitOut,
    SearchOut,
    SessionOut,
    StartIn,
)
from vardlots.triage.engine import QuestionStep
from vardlots.triage.model import Sex

router = Router(tags=["triage"])
# 400: content the schema cannot express (age or birth date, unknown contact reasons, an answer that
# does not fit the question) or JSON that cannot be read; 404: no such API session; 409: conflicts
# with the session's state; 413: body over the upload limit; 422: does not match the schema.
ERRORS = error_responses(400, 404, 409, 413, 422)
READ_ERRORS = error_responses(404, 422)


def _api_session(session_id: UUID) -> TriageSession:
    """Only anonymous API sessions are reachable here; a resident's web or phone assessment is not."""
    return get_object_or_404(TriageSession, pk=session_id, channel=TriageSession.Channel.API,
                             resident__isnull=True)


def session_out(session: TriageSession, step: actions.Step) -> SessionOut:
    payload = step.to_dict()
    if isinstance(step, QuestionStep):
        payload["position"] = len(session.answers)
    return SessionOut(id=session.id, state=session.state, language=session.language,
                      protocol_ids=list(session.protocol_ids), content_version=session.content_version,
                      answers=[list(a) for a in session.answers], step=payload)


@router.post("/sessions", response={201: SessionOut, **ERRORS}, summary="Start an assessment")
def start_session(request: HttpRequest, body: StartIn) -> Status[SessionOut]:
    session, step = actions.do_start_session(actions.StartRequest(
        sex=body.sex, language=body.language, age_years=body.age_years, birth_date=body.birth_date,
        pregnant=body.pregnant, protocol_ids=tuple(body.protocol_ids), complaint=body.complaint,
        audience=body.audience, channel=TriageSession.Channel.API))
    return Status(201, session_out(session, step))


@router.get("/sessions/{session_id}", response={200: SessionOut, **READ_ERRORS},
            summary="The current question, or the result with its trace")
def get_session(request: HttpRequest, session_id: UUID) -> SessionOut:
    session = _api_session(session_id)
    return session_out(session, actions.current_step(session))


@router.post("/sessions/{session_id}/answers", response={200: SessionOut, **ERRORS},
             summary="Answer the current question; returns the next question or the result")
def answer(request: HttpRequest, session_id: UUID, body: AnswerIn) -> SessionOut:
    _api_session(session_id)
    session, step = actions.do_answer(session_id, body.finding, body.value, body.position)
    return session_out(session, step)


@router.post("/sessions/{session_id}/back", response={200: SessionOut, **ERRORS},
             summary="Undo the last answer to change it")
def go_back(request: HttpRequest, session_id: UUID) -> SessionOut:
    _api_session(session_id)
    session, step = actions.do_go_back(session_id)
    return session_out(session, step)


@router.get("/search", response={200: SearchOut, **error_responses(400, 422)},
            summary="Search contact reasons; says so when nothing fits")
def search(request: HttpRequest,
           q: str = Query(..., max_length=300,
                          description="what the person wrote, Swedish or English"),
           age_years: float | None = Query(None, ge=0, le=130),
           sex: Literal["female", "male"] | None = None,
           limit: int = Query(5, ge=1, le=20)) -> SearchOut:
    age_days = None if age_years is None else actions.check_age_days(age_years, None)
    sex_value = None if sex is None else actions.check_sex(sex)
    found = get_search().find(q, age_days=age_days, sex=sex_value, limit=limit)
    fallback = None
    if found.fallback is not None:
        p = get_content().protocols[found.fallback]
        fallback = FallbackOut(protocol=p.id, title=p.title.to_dict())
    return SearchOut(hits=[SearchHitOut(**h.to_dict()) for h in found.hits],
                     nothing_fits=found.nothing_fits, fallback=fallback)


@router.get("/protocols", response=list[ProtocolOut], summary="All contact reasons")
def protocols(request: HttpRequest) -> list[ProtocolOut]:
    content = get_content()
    return [
        ProtocolOut(id=p.id, title=p.title.to_dict(), family=p.family, age_from_days=p.ages.from_days,
                    age_to_days=p.ages.to_days, sexes=sorted(s.value for s in p.sexes))
        for p in sorted(content.protocols.values(), key=lambda p: p.id)
    ]


__all__ = ["Sex", "router"]
