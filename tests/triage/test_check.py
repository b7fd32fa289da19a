from __future__ import annotations

from pathlib import Path

from vardlots.triage.check import check_content
from vardlots.triage.schema import schema_json

from .conftest import protocol, rule, write_content, yes_no

REPO = Path(__file__).resolve().parents[2]


def test_schema_file_is_generated_from_the_package() -> None:
    published = (REPO / "docs" / "triage" / "protocol.schema.json").read_text(encoding="utf-8")
    assert published == schema_json(), "run: python -m vardlots.triage content schema --write"


def vignettes_for(pid: str, n: int = 5) -> list[dict[str, object]]:
    return [{"id": f"{pid}_v{i}", "protocols": [pid], "age": "40y", "sex": "male",
             "answers": {}, "expected": "P4"} for i in range(n)]


def messages(root: Path) -> list[str]:
    return [f"{p.file} {p.location} {p.message}" for p in check_content(root).errors]


def test_clean_synthetic_content_passes(tmp_path: Path) -> None:
    p = protocol("chest", [yes_no("a"), yes_no("b", show_if="a")],
                 [rule("r1", "a and b", "P2")], default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    assert messages(root) == []


def test_check_finds_the_usual_mistakes(tmp_path: Path) -> None:
    qs = [yes_no("a"), {"finding": "temp", "type": "number", "unit": "°C", "min": 30, "max": 44,
                        "text": {"resident": {"sv": "t", "en": "t"}, "nurse": {"sv": "t", "en": "t"}}}]
    rules = [
        rule("bad_type", "a > 3", "P2"),
        rule("bare_number", "temp", "P2"),
        rule("never", "a and not a", "P2"),
        rule("no_question", "a and orphan", "P3"),
        rule("wrong_need", "a", "EMERGENCY_112", care_need="emergency_department"),
        rule("missing_source", "a", "P3", sources=["nope"]),
        rule("bad_syntax", "a and (", "P2"),
        rule("unknown_finding", "ghost", "P2"),
    ]
    missing_safety = rule("no_safety", "a", "P4")
    del missing_safety["safety_net"]
    rules.append(missing_safety)
    p = protocol("chest", qs, rules, default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest", 3),
                         extra_findings=["orphan"])
    text = "\n".join(messages(root))
    for needle in [
        "needs a number or duration finding",
        "bare id means",
        "rule never can never be true",
        "finding 'orphan' has no question",
        "EMERGENCY_112 needs care_need ambulance",
        "unknown source 'nope'",
        "condition does not parse",
        "unknown finding 'ghost'",
        "safety_net {sv, en} is required for P4",
        "has 3 vignette(s); at least 5",
    ]:
        assert needle in text, f"{needle!r} not reported:\n{text}"


def test_family_bands_must_tile(tmp_path: Path) -> None:
    a = protocol("fever_a", [yes_no("x")], [rule("r", "x", "P2")], default="P4", family="fever",
                 applies={"age_from": "0d", "age_to": "3m"})
    b = protocol("fever_b", [yes_no("x")], [rule("r", "x", "P2")], default="P4", family="fever",
                 applies={"age_from": "4m", "age_to": "5y"})
    c = protocol("fever_c", [yes_no("x")], [rule("r", "x", "P2")], default="P4", family="fever",
                 applies={"age_from": "4y"})
    root = write_content(tmp_path, [a, b, c])
    text = "\n".join(messages(root))
    assert "gap between fever_a" in text
    assert "fever_b (4m–5y) overlaps fever_c" in text


def test_vignette_answers_are_checked(tmp_path: Path) -> None:
    p = protocol("chest", [yes_no("a")], [rule("r", "a", "P2")], default="P4")
    vs = vignettes_for("chest")
    vs[0]["answers"] = {"a": "perhaps", "ghost": "yes"}
    vs[1]["protocols"] = ["nope"]
    root = write_content(tmp_path, [p], vignettes=vs)
    text = "\n".join(messages(root))
    assert "answer a='perhaps'" in text
    assert "unknown finding 'ghost'" in text
    assert "unknown protocol 'nope'" in text


def test_duplicate_ids_are_errors(tmp_path: Path) -> None:
    p = protocol("chest", [yes_no("a"), yes_no("a")], [rule("r", "a", "P2"), rule("r", "a", "P2")],
                 default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    (root / "findings" / "dup.yaml").write_text(
        "findings:\n  - {id: a, kind: symptom, label: {sv: a, en: a}}\n", encoding="utf-8")
    text = "\n".join(messages(root))
    assert "duplicate finding id 'a'" in text
    assert "duplicate rule id 'r'" in text
    assert "second question for finding 'a'" in text


def test_advice_that_contradicts_its_level_is_refused(tmp_path: Path) -> None:
    slow = rule("slow", "a", "P1", advice={"sv": "Boka tid på vårdcentralen nästa vardag.",
                                           "en": "Book an appointment next working day."})
    fast = rule("fast", "b", "P5", advice={"sv": "Ring 112 nu.", "en": "Call 112 now."})
    p = protocol("chest", [yes_no("a"), yes_no("b")], [slow, fast], default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    text = "\n".join(messages(root))
    assert "'nästa vardag' (sv), which contradicts P1" in text
    assert "'ring 112 nu' (sv), which contradicts P5" in text


def test_every_level_needs_texts_to_fall_back_on(tmp_path: Path) -> None:
    p = protocol("chest", [yes_no("a")], [rule("r", "a", "P2")], default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    (root / "levels.yaml").unlink()
    text = "\n".join(messages(root))
    assert "level P1 needs advice and safety_net" in text


def test_negatively_phrased_yes_no_questions_are_refused(tmp_path: Path) -> None:
    q = yes_no("cannot_walk")
    q["text"]["resident"] = {"sv": "Går det inte att gå?", "en": "Can you not walk?"}
    p = protocol("chest", [q], [rule("r", "cannot_walk", "P3")], default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    text = "\n".join(messages(root))
    assert "phrased negatively (sv: 'Går det inte att gå?')" in text
    assert "phrased negatively (en: 'Can you not walk?')" in text


def test_the_same_condition_with_different_urgency_must_be_declared(tmp_path: Path) -> None:
    a = protocol("chest", [yes_no("fever")], [rule("fever", "fever", "P2")], default="P4")
    b = protocol("tooth", [yes_no("fever")], [rule("fever", "fever", "P3")], default="P4")
    root = write_content(tmp_path, [a, b], vignettes=vignettes_for("chest") + vignettes_for("tooth"))
    text = "\n".join(messages(root))
    assert "same condition 'fever' gives P2 in chest.fever but P3 in tooth.fever" in text
    (root / "consistency.yaml").write_text(
        "differences:\n  - rules: [chest.fever, tooth.fever]\n"
        "    reason: \"Fever with chest pain can be pneumonia; with toothache a local abscess.\"\n",
        encoding="utf-8")
    assert not any("same condition" in m for m in messages(root))


def test_advice_must_fit_everyone_the_rule_covers(tmp_path: Path) -> None:
    """Nappies only under 4, breastfeeding a child only under 2, pregnancy in advice only where
    the rule is about a pregnancy; what fits some goes under `also:` with a condition."""
    nappy = rule("nappy", "a", "P3", advice={"sv": "Ta med en blöja.", "en": "Bring a nappy."})
    young = rule("young", "b and age_years < 3", "P3",
                 advice={"sv": "Ta med en blöja.", "en": "Bring a nappy."})
    feed = rule("feed", "c", "P5", advice={"sv": "Fortsätt amma.", "en": "Keep breastfeeding."})
    feed_ok = rule("feed_ok", "d", "P5", advice={"sv": "Ge vätska.", "en": "Give fluids."},
                   also=[{"when": "age_months < 24",
                          "advice": {"sv": "Fortsätt amma.", "en": "Keep breastfeeding."}}])
    preg = rule("preg", "e", "P3", advice={"sv": "Är du gravid, ring barnmorskan.",
                                            "en": "If you are pregnant, call your midwife."})
    child = protocol("tummy", [yes_no(x) for x in "abcde"], [nappy, young, feed, feed_ok, preg],
                     default="P4", applies={"age_from": "0d", "age_to": "16y"})
    root = write_content(tmp_path, [child], vignettes=vignettes_for("tummy"))
    text = "\n".join(messages(root))
    assert "rule nappy: advice mentions nappies but the rule covers children of 4 and older" in text
    assert "rule young:" not in text  # the condition says under 3
    assert "rule feed: advice mentions breastfeeding" in text
    assert "rule feed_ok" not in text  # breastfeeding only under `also:` for the under-2s
    assert "rule preg: advice speaks of pregnancy but the rule also covers men" in text


def test_simpler_yes_needs_a_choice_and_a_yes_no_simpler(tmp_path: Path) -> None:
    q = yes_no("a")
    q.update({"unknown_policy": "ask_simpler", "simpler": "b", "simpler_yes": "large"})
    p = protocol("chest", [q, yes_no("b")], [rule("r", "a", "P3")], default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    assert "`simpler_yes` must be an option of a single_choice question" in "\n".join(messages(root))


def test_result_texts_that_speak_to_the_person_need_each_readers_words(tmp_path: Path) -> None:
    """"Ring 112 om du blir sämre" needs the guardian's and the other adult's words; a rule only
    for people of 30 and over needs no guardian's."""
    speaks = {"sv": "Ring 112 om du blir sämre.", "en": "Call 112 if you get worse."}
    plain = rule("plain", "a", "P3", safety_net=speaks)
    adult = rule("adult", "b and age_years >= 30", "P3", safety_net=speaks,
                 other={"safety_net": {"sv": "Ring 112 om personen blir sämre.",
                                       "en": "Call 112 if the person gets worse."}})
    p = protocol("chest", [yes_no("a"), yes_no("b")], [plain, adult], default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    text = "\n".join(messages(root))
    assert "rule plain: safety_net speaks to the person" in text
    assert "needs child.safety_net" in text and "needs other.safety_net" in text
    assert "rule adult:" not in text


def test_a_yes_no_question_naming_a_milder_sign_is_compound(tmp_path: Path) -> None:
    """"Har du bröstsmärta eller hosta?": someone with only the cough has no honest answer, since
    a yes counts as chest pain. Split it, or say why the parts mean the same (compound_reason)."""
    chest = yes_no("chestpain")
    chest["text"]["resident"] = {"sv": "Har du chestpain eller cough?", "en": "Chest pain or cough?"}
    explained = yes_no("sweating")
    explained["text"]["resident"] = {"sv": "Har du sweating eller cough?", "en": "Sweating or cough?"}
    explained["compound_reason"] = "Here a cough and sweating are both signs of the same thing."
    p = protocol("chest", [chest, yes_no("cough"), explained],
                 [rule("mi", "chestpain", "EMERGENCY_112"), rule("sweat", "sweating", "EMERGENCY_112"),
                  rule("cough_only", "cough", "P5")], default="P4")
    root = write_content(tmp_path, [p], vignettes=vignettes_for("chest"))
    text = "\n".join(messages(root))
    assert "yes/no question for 'chestpain' (EMERGENCY_112) also names cough (P5)" in text
    assert "question for 'sweating'" not in text


def test_unreadable_and_duplicate_vignettes_and_phrasings_are_named(tmp_path: Path) -> None:
    """The blind sets are read item by item: an item that cannot be read is an error naming its
    file and place, a repeated vignette id an error naming the first file; the rest still loads."""
    from vardlots.triage.loader import load_heldout_phrasings, load_independent_vignettes

    folder = tmp_path / "vignettes" / "independent"
    folder.mkdir(parents=True)
    good = "{id: v1, protocols: [chest], age: 40y, sex: male, answers: {}, expected: P4}"
    (folder / "a.yaml").write_text(f"vignettes:\n  - {good}\n  - {{id: v2, protocols: [chest], age: 40y, sex: male}}\n",
                                   encoding="utf-8")
    (folder / "b.yaml").write_text(f"vignettes:\n  - {good}\n", encoding="utf-8")
    found, problems = load_independent_vignettes(tmp_path)
    assert [v.id for v in found] == ["v1"]
    text = "\n".join(f"{p.file} {p.location} {p.message}" for p in problems)
    assert "vignettes[1] (v2) cannot read vignette" in text and "'expected'" in text
    assert "duplicate vignette id 'v1' (first in " in text and "independent/a.yaml)" in text

    heldout = tmp_path / "search" / "heldout"
    heldout.mkdir(parents=True)
    (heldout / "h.yaml").write_text("phrasings:\n  - {text: ont i bröstet, expected: chest}\n  - {text: x}\n",
                                    encoding="utf-8")
    phrasings, problems = load_heldout_phrasings(tmp_path)
    assert phrasings is not None and [p.text for p in phrasings] == ["ont i bröstet"]
    assert any(p.location == "phrasings[1]" and "cannot read phrasing" in p.message for p in problems)
