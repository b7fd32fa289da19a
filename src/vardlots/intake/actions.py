"""Writes of the intake domain: start an assessment, answer, go back.

``check_…`` validates (raising ``IntakeError`` with a message key and sv/en text), ``do_…``
writes. The engine decides; the answers list is the truth and every step is recomputed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from vardlots.intake.content import get_content, get_search
from vardlots.intake.models import AssessmentPhoto, TriageSession
from vardlots.triage.engine import (
    AnswerError,
    QuestionStep,
    Result,
    TriageError,
    TriageInput,
    next_step,
    validate_answer,
)
from vardlots.triage.model import DAYS_PER_YEAR, Sex, answer_to_json
from vardlots.triage.reader import Mention, TextReader
from vardlots.triage.search import offered_for_words

Step = QuestionStep | Result
MAX_AGE_DAYS = int(130 * DAYS_PER_YEAR)


class IntakeError(Exception):
    """Bad input to an intake action, with a stable key and a message in both languages."""

    def __init__(self, key: str, sv: str, en: str, status: int = 400, **details: Any) -> None:
        super().__init__(en)
        self.key = key
        self.messages = {"sv": sv, "en": en}
        self.status = status
        self.details = details

    def message(self, lang: str) -> str:
        return self.messages.get(lang, self.messages["sv"])

    @classmethod
    def from_engine(cls, err: TriageError, status: int = 400) -> IntakeError:
        details = dict(getattr(err, "params", {}) or {})
        if isinstance(err, AnswerError):
            details["finding"] = err.finding
        return cls(err.key, err.message("sv"), err.message("en"), status=status, **details)


@dataclass(frozen=True)
class StartRequest:
    sex: str
    language: str = "sv"
    age_years: float | None = None
    birth_date: date | None = None
    pregnant: bool | None = None
    protocol_ids: tuple[str, ...] = ()
    complaint: str = ""
    channel: str = TriageSession.Channel.API
    audience: str = "self"  # self | child | other (a guardian acting for a child is always child)


def check_age_days(age_years: float | None, birth_date: date | None, today: date | None = None) -> int:
    if (age_years is None) == (birth_date is None):
        raise IntakeError("intake.age_required", "Ange antingen ålder eller födelsedatum.",
                          "Give either the age or the date of birth.")
    if birth_date is not None:
        days = ((today or timezone.localdate()) - birth_date).days
    else:
        assert age_years is not None
        days = int(age_years * DAYS_PER_YEAR)
    if days < 0 or days > MAX_AGE_DAYS:
        raise IntakeError("intake.age_out_of_range", "Åldern måste vara mellan 0 och 130 år.",
                          "The age must be between 0 and 130 years.")
    return days


def check_sex(sex: str) -> Sex:
    try:
        return Sex(sex)
    except ValueError:
        raise IntakeError("intake.bad_sex", "Kön måste vara 'female' eller 'male'.",
                          "Sex must be 'female' or 'male'.") from None


def check_language(language: str) -> str:
    if language not in {"sv", "en"}:
        raise IntakeError("intake.bad_language", "Språket måste vara 'sv' eller 'en'.",
                          "The language must be 'sv' or 'en'.")
    return language


def check_protocols(req: StartRequest, age_days: int, sex: Sex) -> tuple[str, ...]:
    content = get_content()
    if req.protocol_ids:
        resolved = []
        for pid in req.protocol_ids:
            if pid not in content.protocols:
                raise IntakeError("intake.unknown_protocol", f"Okänd kontaktorsak: {pid}.",
                                  f"Unknown contact reason: {pid}.", protocol=pid)
            # A protocol of the right family but the wrong age band is mapped to the right one.
            fitting = content.resolve_protocol(pid, age_days, sex)
            if fitting is None:
                raise IntakeError("intake.protocol_not_applicable",
                                  f"Kontaktorsaken {pid} gäller inte för den här åldern eller det här könet.",
                                  f"The contact reason {pid} does not apply to this age or sex.", protocol=pid)
            if fitting.id not in resolved:
                resolved.append(fitting.id)
        return tuple(resolved)
    text = req.complaint.strip()
    if not text:
        raise IntakeError("intake.reason_required", "Beskriv besvären eller välj en kontaktorsak.",
                          "Describe the problem or choose a contact reason.")
    if len(text) > 300:
        raise IntakeError("intake.complaint_too_long", "Beskrivningen får vara högst 300 tecken.",
                          "The description can be at most 300 characters.")
    hits = get_search().search(text, age_days=age_days, sex=sex, limit=1)
    if not hits:
        # Nothing fits (no hit clears the confidence bar): the general protocol covers any contact
        # reason safely.
        fallback = content.resolve_protocol("general", age_days, sex)
        if fallback is None:
            raise IntakeError("intake.no_match", "Vi hittade ingen kontaktorsak. Försök med andra ord.",
                              "We found no contact reason. Try other words.")
        return (fallback.id,)
    return (hits[0].protocol_id,)


def mentions(session: TriageSession) -> dict[str, Mention]:
    """What the person's own description says they have, by finding (suggestions, confirmed
    through questions before they count)."""
    if not session.complaint_text:
        return {}
    return TextReader.for_content(get_content()).present(session.complaint_text)


def confirm_text(session: TriageSession | None, step: QuestionStep) -> str:
    """The person's own words behind a confirmation question: the words the reader found, or,
    for a contact reason the search offered for their description, the description itself."""
    if not step.confirm or session is None:
        return ""
    if step.rule_id.startswith("offered."):
        text = " ".join((session.complaint_text or "").split())
        return text if len(text) <= 120 else text[:119].rstrip() + "…"
    mention = mentions(session).get(step.finding)
    return mention.text if mention else ""


def engine_input(session: TriageSession, answers: tuple[tuple[str, Any], ...] | None = None) -> TriageInput:
    return TriageInput(
        age_days=session.age_days,
        sex=Sex(session.sex),
        protocol_ids=tuple(session.protocol_ids),
        answers=session.answer_pairs() if answers is None else answers,
        pregnant=session.pregnant,
        mentioned=tuple(mentions(session)),
        audience="child" if session.acting_guardian_id else session.audience,
        offered=offered_for_words(get_content(), session.complaint_text or "", session.age_days,
                                  Sex(session.sex)),
    )


def current_step(session: TriageSession) -> Step:
    try:
        return next_step(get_content(), engine_input(session))
    except TriageError as err:  # content changed under a stored session, or corrupt answers
        raise IntakeError.from_engine(err, status=409) from err


def _complete(session: TriageSession, result: Result) -> None:
    session.state = TriageSession.State.COMPLETED
    session.urgency = result.urgency.value
    session.care_need = result.care_need.value
    session.result = result.to_dict()
    session.completed_at = timezone.now()


def do_start_session(
    req: StartRequest, resident: Any = None, acting_guardian: Any = None
) -> tuple[TriageSession, Step]:
    language = check_language(req.language)
    sex = check_sex(req.sex)
    age_days = check_age_days(req.age_years, req.birth_date)
    protocol_ids = check_protocols(req, age_days, sex)
    pregnant = req.pregnant if sex is Sex.FEMALE else None
    session = TriageSession(
        channel=req.channel, language=language, resident=resident, acting_guardian=acting_guardian,
        age_days=age_days, sex=sex.value, pregnant=pregnant, protocol_ids=list(protocol_ids),
        complaint_text=req.complaint.strip()[:300], answers=[],
        audience=req.audience if req.audience in ("self", "child", "other") else "self",
        content_version=get_content().version,
    )
    step = current_step(session)
    if isinstance(step, Result):
        _complete(session, step)
    session.save()
    return session, step


def do_answer(session_id: Any, finding: str, value: Any, position: int | None = None) -> tuple[TriageSession, Step]:
    """Record one answer. ``position`` is how many answers the client had seen; a retry of the
    same answer (double click, resent request) is recognised and changes nothing."""
    with transaction.atomic():
        session = TriageSession.objects.select_for_update().get(pk=session_id)
        answers = session.answer_pairs()
        if position is not None and position < len(answers):
            if position == len(answers) - 1 and answers[-1][0] == finding:
                return session, current_step(session)  # the same answer sent twice
            raise IntakeError("intake.stale_answer",
                              "Frågan har redan besvarats. Sidan visar nu nästa fråga.",
                              "This question has already been answered. The page now shows the next one.",
                              status=409)
        if position is not None and position > len(answers):
            raise IntakeError("intake.bad_position", "Svaret kom i fel ordning. Ladda om sidan.",
                              "The answer arrived out of order. Reload the page.", status=409)
        if session.state != TriageSession.State.IN_PROGRESS:
            raise IntakeError("intake.already_completed", "Bedömningen är redan klar.",
                              "The assessment is already complete.", status=409)
        step = current_step(session)
        if not isinstance(step, QuestionStep) or step.finding != finding:
            expected = step.finding if isinstance(step, QuestionStep) else None
            raise IntakeError("intake.not_current_question",
                              "Det är inte den frågan som står på tur. Ladda om sidan.",
                              "That is not the current question. Reload the page.", status=409,
                              expected=expected)
        try:
            stored = answer_to_json(validate_answer(step.question, value))
        except TriageError as err:
            raise IntakeError.from_engine(err, status=422) from err
        session.answers = [*session.answers, [finding, stored]]
        new_step = current_step(session)
        if isinstance(new_step, Result):
            _complete(session, new_step)
        session.save()
        return session, new_step


def do_go_back(session_id: Any) -> tuple[TriageSession, Step]:
    """Undo the last answer so it can be changed (only while the assessment is in progress, or
    right after it completed, before a case is made of it)."""
    with transaction.atomic():
        session = TriageSession.objects.select_for_update().get(pk=session_id)
        if not session.answers:
            raise IntakeError("intake.nothing_to_undo", "Det finns inget svar att ändra.",
                              "There is no answer to change.", status=409)
        if session.cases.exists():
            raise IntakeError("intake.case_created", "Bedömningen har redan skickats.",
                              "The assessment has already been sent.", status=409)
        session.answers = session.answers[:-1]
        session.state = TriageSession.State.IN_PROGRESS
        session.urgency = session.care_need = ""
        session.result = None
        session.completed_at = None
        step = current_step(session)
        if isinstance(step, Result):
            _complete(session, step)
        session.save()
        return session, step


MAX_PHOTOS_PER_ASSESSMENT = 5


def check_attach_photo(session: TriageSession) -> None:
    if session.photos.filter(deleted_at__isnull=True).count() >= MAX_PHOTOS_PER_ASSESSMENT:
        raise IntakeError("intake.too_many_photos",
                          f"Du kan bifoga högst {MAX_PHOTOS_PER_ASSESSMENT} bilder.",
                          f"You can attach at most {MAX_PHOTOS_PER_ASSESSMENT} photos.", status=400)
    if session.state != TriageSession.State.COMPLETED:
        raise IntakeError("intake.not_completed", "Svara på frågorna först.",
                          "Answer the questions first.", status=409)
    if session.cases.exists():
        raise IntakeError("intake.case_created", "Bedömningen har redan skickats.",
                          "The assessment has already been sent.", status=409)


def do_attach_photo(session: TriageSession, uploaded_by: Any, upload: Any) -> AssessmentPhoto:
    """Check, clean and store a photo, then record it. Refused uploads store nothing; a failed
    database write removes the stored files again."""
    from vardlots.intake import photos

    check_attach_photo(session)
    try:
        stored = photos.process_and_store(upload)
    except photos.PhotoError as err:
        raise IntakeError(f"photo.{err.key}", err.message("sv"), err.message("en"), status=400) from err
    try:
        with transaction.atomic():
            photo = AssessmentPhoto.objects.create(
                triage_session=session, uploaded_by=uploaded_by, name=stored.name,
                thumbnail_name=stored.thumbnail_name, sha256=stored.sha256,
                thumbnail_sha256=stored.thumbnail_sha256, size=stored.size, width=stored.width,
                height=stored.height, thumbnail_width=stored.thumbnail_width,
                thumbnail_height=stored.thumbnail_height, source_format=stored.source_format,
            )
    except Exception:
        photos.delete_stored_photo(stored)
        raise
    return photo


def do_remove_photo(photo: AssessmentPhoto) -> None:
    """The resident removes a photo before the assessment is sent: the files are deleted."""
    from vardlots.intake import photos

    if photo.triage_session.cases.exists():
        raise IntakeError("intake.case_created", "Bedömningen har redan skickats.",
                          "The assessment has already been sent.", status=409)
    photo.deleted_at = timezone.now()
    photo.save(update_fields=["deleted_at"])
    transaction.on_commit(lambda: photos.delete_stored_photo(_as_stored(photo)))


def _as_stored(photo: AssessmentPhoto) -> Any:
    from vardlots.intake.photos import StoredPhoto

    return StoredPhoto(name=photo.name, thumbnail_name=photo.thumbnail_name, sha256=photo.sha256,
                       thumbnail_sha256=photo.thumbnail_sha256, size=photo.size, width=photo.width,
                       height=photo.height, thumbnail_width=photo.thumbnail_width,
                       thumbnail_height=photo.thumbnail_height, source_format=photo.source_format,
                       content_type="image/jpeg")
