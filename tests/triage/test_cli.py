from __future__ import annotations

import io
from typing import Any

import pytest

from vardlots.triage.cli import main
from vardlots.triage.engine import QuestionStep, Result, TriageInput, next_step
from vardlots.triage.model import ContentSet, Protocol, QuestionType, Sex

from .conftest import REAL_CONTENT_DIR, protocol, rule, write_content, yes_no


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, io.StringIO(stdin), out)
    return code, out.getvalue()


def test_content_check_exit_codes(tmp_path: Any) -> None:
    p = protocol("chest", [yes_no("a")], [rule("r", "a", "P2")], default="P4")
    vs = [{"id": f"v{i}", "protocols": ["chest"], "age": "40y", "sex": "male", "answers": {},
           "expected": "P4"} for i in range(5)]
    root = write_content(tmp_path / "ok", [p], vignettes=vs)
    code, out = run(["content", "check", "--content", str(root)])
    assert code == 0, out
    code, out = run(["content", "vignettes", "--report", "--content", str(root)])
    assert code == 0 and "Exact agreement:   100.0%" in out
    bad = write_content(tmp_path / "bad", [protocol("chest", [yes_no("a")],
                                                    [rule("r", "a and", "P2")])])
    code, out = run(["content", "check", "--content", str(bad)])
    assert code == 1 and "condition does not parse" in out


def _age_line(days: int, lang: str) -> str:
    return f"{days} {'dagar' if lang == 'sv' else 'days'}"


def _answer_line(step: QuestionStep, lang: str) -> tuple[str, Any]:
    q = step.question
    if q.type is QuestionType.YES_NO:
        return ("nej" if lang == "sv" else "no"), "no"
    if q.type is QuestionType.MULTI_CHOICE:
        return "0", []
    if q.type is QuestionType.SINGLE_CHOICE:
        return "1", q.options[0].id
    if q.type is QuestionType.NUMBER:
        v = q.min if q.min is not None else 0.0
        return (f"{v:g}".replace(".", ",") if lang == "sv" else f"{v:g}"), v
    return ("2 dagar" if lang == "sv" else "2 days"), 48.0


def _script(content: ContentSet, p: Protocol, lang: str) -> tuple[str, Result]:
    hi = p.ages.to_days if p.ages.to_days is not None else p.ages.from_days + 20000
    age = p.ages.from_days + min(400, (hi - p.ages.from_days) // 2)
    sex = sorted(p.sexes, key=lambda s: s.value)[0]
    lines = ["inte en ålder", _age_line(age, lang), "3", "1" if sex is Sex.FEMALE else "2", p.id]
    inp = TriageInput(age, sex, (p.id,))
    for _ in range(80):
        step = next_step(content, inp)
        if isinstance(step, Result):
            return "\n".join(lines) + "\n", step
        line, value = _answer_line(step, lang)
        lines.append(line)
        inp = inp.with_answer(step.finding, value)
    raise AssertionError("no result")


# Every protocol through the terminal. The content is loaded once for the session (`real_content`)
# instead of once per protocol, as a terminal user's single run would load it once; loading itself
# through the command line is covered by the other tests here.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_interactive_triage_every_protocol(real_content: ContentSet, lang: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert real_content.protocols
    from vardlots.triage import loader

    monkeypatch.setattr(loader, "load_content_with_problems", lambda root=None: (real_content, []))
    for p in sorted(real_content.protocols.values(), key=lambda p: p.id):
        script, expected = _script(real_content, p, lang)
        code, out = run(["triage", "--lang", lang, "--content", REAL_CONTENT_DIR.as_posix()], script)
        assert code == 0, f"{p.id}:\n{out}"
        assert f"({expected.urgency.value})" in out, f"{p.id}:\n{out}"
        assert expected.explanation.get(lang) in out


def test_interactive_search_choice_and_eof(tmp_path: Any) -> None:
    p = protocol("chest_pain", [yes_no("a")], [rule("r", "a", "P2")], default="P4",
                 title={"sv": "Bröstsmärta", "en": "Chest pain"},
                 search_terms={"sv": ["ont i bröstet"], "en": ["chest pain"]})
    root = write_content(tmp_path, [p])
    code, out = run(["triage", "--content", str(root)], "40\n2\nbrostsmarta\n9\n1\nkanske\nja\n")
    assert code == 0, out
    assert "1) Bröstsmärta" in out and "Välj ett av numren ovan." in out
    assert "Svara ja, nej eller vet inte." in out
    assert "Skyndsamt (P2)" in out
    code, out = run(["triage", "--lang", "en", "--content", str(root)], "40\n2\n")
    assert code == 1 and "No more input" in out
