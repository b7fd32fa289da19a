"""The triage JSON API end to end over the Django test client, with the real clinical content."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from vardlots.intake.content import get_content
from vardlots.intake.models import TriageSession
from vardlots.triage.engine import TriageInput, next_step
from vardlots.triage.model import Sex

pytestmark = pytest.mark.django_db
BASE = "/api/v1/triage"


def post(client: Client, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def start(client: Client, **body: Any) -> dict[str, Any]:
    response = post(client, f"{BASE}/sessions", {"sex": "female", "age_years": 34, **body})
    assert response.status_code == 201, response.content
    return response.json()


def answer_all(client: Client, session: dict[str, Any], choose: Any) -> dict[str, Any]:
    """Answer until the result, choosing each answer with ``choose(step)``."""
    for _ in range(40):
        step = session["step"]
        if step["kind"] == "result":
            return session
        response = post(client, f"{BASE}/sessions/{session['id']}/answers",
                        {"finding": step["finding"], "value": choose(step), "position": step["position"]})
        assert response.status_code == 200, response.content
        session = response.json()
    raise AssertionError("no result after 40 answers")


def negative(step: dict[str, Any]) -> Any:
    if step["type"] == "yes_no":
        return "no"
    if step["type"] == "multi_choice":
        return []
    if step["type"] == "single_choice":
        return step["options"][-1]["id"]
    if step["type"] == "number":
        return step["min"] if step["unit"] != "°C" else 37.0
    return "1d"


def test_first_question_is_the_global_red_flag_screen(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    assert session["state"] == "in_progress"
    assert session["step"]["kind"] == "question"
    assert session["step"]["finding"] == "emergency_signs"
    assert session["step"]["position"] == 0
    assert session["content_version"] == get_content().version


def test_a_red_flag_ends_the_assessment_at_once_with_112(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    response = post(client, f"{BASE}/sessions/{session['id']}/answers",
                    {"finding": "emergency_signs", "value": ["cannot_breathe"], "position": 0})
    body = response.json()
    assert body["state"] == "completed"
    assert body["step"]["urgency"] == "EMERGENCY_112"
    assert body["step"]["care_need"] == "ambulance"
    assert body["step"]["deciding_rule"] == "global_red_flags.cannot_breathe"
    stored = TriageSession.objects.get(pk=session["id"])
    assert stored.urgency == "EMERGENCY_112"
    assert stored.result["trace"]["content_version"] == get_content().version


def test_the_stored_result_equals_the_engines_result(client: Client) -> None:
    session = answer_all(client, start(client, protocol_ids=["sore_throat"]), negative)
    stored = TriageSession.objects.get(pk=session["id"])
    engine = next_step(get_content(), TriageInput(
        age_days=stored.age_days, sex=Sex.FEMALE, protocol_ids=("sore_throat",), answers=stored.answer_pairs()))
    assert stored.result == engine.to_dict()
    got = client.get(f"{BASE}/sessions/{session['id']}").json()
    assert got["step"] == engine.to_dict()


def test_complaint_text_is_searched(client: Client) -> None:
    session = start(client, complaint="ont i halsen", protocol_ids=[])
    assert session["protocol_ids"] == ["sore_throat"]


def test_a_protocol_of_the_wrong_age_band_is_mapped_to_the_right_family_member(client: Client) -> None:
    session = start(client, protocol_ids=["fever_adult"], age_years=2)
    assert session["protocol_ids"] == ["fever_child_under_5"]


def test_resending_the_same_answer_changes_nothing(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    body = {"finding": "emergency_signs", "value": [], "position": 0}
    first = post(client, f"{BASE}/sessions/{session['id']}/answers", body).json()
    again = post(client, f"{BASE}/sessions/{session['id']}/answers", body)
    assert again.status_code == 200
    assert again.json() == first
    assert len(TriageSession.objects.get(pk=session["id"]).answers) == 1


def test_answering_an_old_question_is_a_conflict_that_loses_nothing(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    first = post(client, f"{BASE}/sessions/{session['id']}/answers",
                 {"finding": "emergency_signs", "value": [], "position": 0}).json()
    nxt = first["step"]
    post(client, f"{BASE}/sessions/{session['id']}/answers",
         {"finding": nxt["finding"], "value": negative(nxt), "position": 1})
    stale = post(client, f"{BASE}/sessions/{session['id']}/answers",
                 {"finding": "emergency_signs", "value": ["blue_lips"], "position": 0})
    assert stale.status_code == 409
    assert stale.json()["error"]["key"] == "intake.stale_answer"
    assert len(TriageSession.objects.get(pk=session["id"]).answers) == 2


def test_back_undoes_the_last_answer(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    post(client, f"{BASE}/sessions/{session['id']}/answers", {"finding": "emergency_signs", "value": [], "position": 0})
    back = post(client, f"{BASE}/sessions/{session['id']}/back", {})
    assert back.status_code == 200
    assert back.json()["answers"] == []
    assert back.json()["step"]["finding"] == "emergency_signs"


def test_unknown_on_a_red_flag_is_asked_again_then_escalates(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    first = post(client, f"{BASE}/sessions/{session['id']}/answers",
                 {"finding": "emergency_signs", "value": "unknown", "position": 0}).json()
    assert first["step"]["finding"] == "emergency_signs"
    assert first["step"]["repeat"] is True
    second = post(client, f"{BASE}/sessions/{session['id']}/answers",
                  {"finding": "emergency_signs", "value": "unknown", "position": 1}).json()
    assert second["step"]["kind"] == "result"
    assert second["step"]["urgency"] == "EMERGENCY_112"


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        ({"sex": "female"}, 400, "intake.age_required"),
        ({"sex": "female", "age_years": 30, "birth_date": "1990-01-01"}, 400, "intake.age_required"),
        ({"sex": "other", "age_years": 30}, 422, "request.invalid"),
        ({"sex": "male", "age_years": -1}, 422, "request.invalid"),
        ({"sex": "male", "age_years": 30}, 400, "intake.reason_required"),
        ({"sex": "male", "age_years": 30, "protocol_ids": ["no_such_protocol"]}, 400, "intake.unknown_protocol"),
        ({"sex": "male", "age_years": 30, "protocol_ids": ["pregnancy_bleeding_pain"]}, 400,
         "intake.protocol_not_applicable"),
        ({"sex": "male", "age_years": 30, "complaint": "x" * 301}, 422, "request.invalid"),
    ],
)
def test_bad_start_requests_get_clear_errors(client: Client, body: dict[str, Any], status: int, key: str) -> None:
    response = post(client, f"{BASE}/sessions", body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["key"] == key
    assert error["messages"]["sv"] and error["messages"]["en"]


def test_malformed_json_is_a_clear_error(client: Client) -> None:
    response = client.post(f"{BASE}/sessions", data="{not json", content_type="application/json")
    assert response.status_code in {400, 422}
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("value", "key"),
    [("maybe", "answer.multi_choice"), (["no_such_option"], "answer.unknown_option")],
)
def test_invalid_answers_are_refused_and_not_stored(client: Client, value: Any, key: str) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    response = post(client, f"{BASE}/sessions/{session['id']}/answers",
                    {"finding": "emergency_signs", "value": value, "position": 0})
    assert response.status_code == 422, response.content
    assert response.json()["error"]["key"].startswith("answer.")
    assert TriageSession.objects.get(pk=session["id"]).answers == []


def test_answering_another_question_than_the_current_one_is_refused(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"])
    response = post(client, f"{BASE}/sessions/{session['id']}/answers", {"finding": "fever", "value": "yes"})
    assert response.status_code == 409
    assert response.json()["error"]["expected"] == "emergency_signs"


def test_unknown_session_is_404_in_the_callers_language(client: Client) -> None:
    response = client.get(f"{BASE}/sessions/00000000-0000-0000-0000-000000000000", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "What you asked for does not exist."


def test_search_and_protocol_list(client: Client) -> None:
    found = client.get(f"{BASE}/search", {"q": "bröstsmärta"}).json()
    assert found["hits"][0]["protocol"] == "chest_pain"
    assert found["nothing_fits"] is False
    assert found["fallback"]["protocol"] == "general"
    listed = client.get(f"{BASE}/protocols").json()
    assert len(listed) == len(get_content().protocols)


@pytest.mark.parametrize("q", ["hicka", "tatuering", "behöver intyg"])
def test_search_says_when_nothing_fits_and_offers_the_general_protocol(client: Client, q: str) -> None:
    response = client.get(f"{BASE}/search", {"q": q, "age_years": 40, "sex": "female"})
    assert response.status_code == 200
    assert response.json() == {"hits": [], "nothing_fits": True,
                               "fallback": {"protocol": "general",
                                            "title": get_content().protocols["general"].title.to_dict()}}


def test_a_complaint_that_fits_nothing_starts_the_general_protocol(client: Client) -> None:
    session = start(client, complaint="har hicka")
    assert session["protocol_ids"] == ["general"]
    assert not any(str(step).startswith("offered.") for step in [session["step"].get("rule_id", "")])


def test_the_openapi_description_documents_nothing_fits(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/triage/search"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    out = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(out["properties"]) == {"hits", "nothing_fits", "fallback"}
    assert "nothing fits" in out["properties"]["nothing_fits"]["description"]


def test_openapi_description_is_served(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/triage/sessions" in schema["paths"]
    assert client.get("/api/docs").status_code == 302
    assert client.get("/api/v1/docs").status_code == 200


def _an_applicable_person(protocol_id: str) -> tuple[float, str]:
    p = get_content().protocols[protocol_id]
    upper = p.ages.to_days if p.ages.to_days is not None else p.ages.from_days + 365 * 40
    days = (p.ages.from_days + upper) // 2
    sex = "female" if Sex.FEMALE in p.sexes else "male"
    return days / 365.25, sex


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_protocol_runs_end_to_end_through_the_api(client: Client, language: str) -> None:
    for protocol_id in sorted(get_content().protocols):
        age_years, sex = _an_applicable_person(protocol_id)
        session = start(client, protocol_ids=[protocol_id], age_years=age_years, sex=sex, language=language)
        assert session["protocol_ids"] == [protocol_id]
        done = answer_all(client, session, negative)
        result = done["step"]
        assert result["urgency"] in {"EMERGENCY_112", "P1", "P2", "P3", "P4", "P5"}
        assert result["explanation"][language]
        assert result["trace"]["content_version"] == get_content().version


def test_what_the_person_wrote_is_confirmed_before_it_counts_and_returned_with_the_result(
        client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"],
                    complaint="ont i halsen sedan igår, går på cellgiftsbehandling och har feber")
    confirmed: list[str] = []

    def choose(step: dict[str, Any]) -> Any:
        if step["confirm"]:
            confirmed.append(step["finding"])
        if step["finding"] in ("immunosuppressed", "fever"):
            return "yes"
        return negative(step)

    done = answer_all(client, session, choose)
    result = done["step"]
    assert {"fever", "immunosuppressed"} <= set(confirmed)
    assert result["urgency"] == "P1"  # fever with chemotherapy, though "sore throat" was picked
    assert {"finding": "immunosuppressed", "confirmed": "yes"} in result["free_text_findings"]
    assert result["risk_profile"]["immunosuppressed"] == "yes"


def test_a_mention_answered_no_does_not_count(client: Client) -> None:
    session = start(client, protocol_ids=["sore_throat"],
                    complaint="ont i halsen, går på cellgiftsbehandling")
    done = answer_all(client, session, negative)
    assert done["step"]["urgency"] not in ("EMERGENCY_112", "P1")
    assert {"finding": "immunosuppressed", "confirmed": "no"} in done["step"]["free_text_findings"]


def test_a_duration_can_be_written_as_people_write_it(client: Client) -> None:
    session = start(client, protocol_ids=["cough"])
    for _ in range(40):
        step = session["step"]
        if step["kind"] == "result":
            break
        value = "sedan i förrgår" if step["type"] == "duration" else negative(step)
        response = post(client, f"{BASE}/sessions/{session['id']}/answers",
                        {"finding": step["finding"], "value": value, "position": step["position"]})
        assert response.status_code == 200, response.content
        session = response.json()
    durations = [v for f, v in session["answers"] if isinstance(v, float | int) and not isinstance(v, bool)]
    assert session["step"]["kind"] == "result"
    assert durations and all(v == 48.0 for v in durations)


def test_questions_speak_to_whoever_answers(client: Client) -> None:
    own = start(client, protocol_ids=["sore_throat"])
    other = start(client, protocol_ids=["sore_throat"], audience="other")
    child = start(client, protocol_ids=["sore_throat"], age_years=8)
    assert own["step"]["text"]["resident"]["sv"].startswith("Gäller något av detta dig")
    assert other["step"]["text"]["resident"]["sv"].startswith("Gäller något av detta personen")
    assert child["step"]["text"]["resident"]["sv"].startswith("Gäller något av detta barnet")
    assert child["step"]["audience"] == "child"  # under 13 a guardian always answers
