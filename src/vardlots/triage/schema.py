"""The JSON Schema (draft 2020-12) for every content file kind.

This module is the single source of truth. `docs/triage/protocol.schema.json` is generated from it
(`python -m vardlots.triage content schema --write`); a test checks the file is up to date.
"""

from __future__ import annotations

import json
from typing import Any, Final

SCHEMA_ID: Final = "https://vardlots.se/schemas/triage/protocol.schema.json"

FILE_KINDS: Final = (
    "manifest", "red_flags", "modifiers", "sources", "findings", "questions", "protocol",
    "vignettes", "search", "associations", "lexicon", "levels", "risk_factors", "consistency",
)

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
_AGE = {
    "description": "Age with unit d, w, m or y (e.g. 16y, 3m, 6w, 10d); a bare integer means years.",
    "oneOf": [{"type": "string", "pattern": r"^\d+(\.\d+)?\s*(d|w|m|y)$"},
              {"type": "integer", "minimum": 0}],
}
_DURATION = {"type": "string", "pattern": r"^\d+(\.\d+)?\s*(min|h|d|w)$"}
_URGENCY = {"enum": ["EMERGENCY_112", "P1", "P2", "P3", "P4", "P5"]}
_CARE_NEED = {"enum": [
    "ambulance", "emergency_department", "paediatric_emergency", "obstetric_emergency",
    "eye_emergency", "psychiatric_emergency", "urgent_care", "health_centre", "maternity_clinic",
    "dental_emergency", "dental", "pharmacy", "poison_information", "nurse_advice", "self_care",
]}
_REVIEW = {"enum": ["draft", "in_review", "published"]}
_SEX = {"enum": ["female", "male"]}


def _text() -> dict[str, Any]:
    return {"$ref": "#/$defs/text"}


def _obj(required: list[str], props: dict[str, Any], extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props,
            "additionalProperties": extra}


def build_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {
        "id": _ID,
        "text": {
            "description": "A human-readable text in Swedish and English (both required).",
            "type": "object",
            "required": ["sv", "en"],
            "properties": {"sv": {"type": "string", "minLength": 1},
                           "en": {"type": "string", "minLength": 1}},
            "additionalProperties": False,
        },
        "age": _AGE,
        "duration": _DURATION,
        "urgency": _URGENCY,
        "care_need": _CARE_NEED,
        "review_state": _REVIEW,
        "source_ids": {"type": "array", "items": _ID, "minItems": 1},
        "condition": {"type": "string", "minLength": 1,
                      "description": "An expression in the condition language."},
        "source": _obj(["id", "title", "publisher", "url", "version"], {
            "id": _ID,
            "title": {"type": ["string", "number"], "minLength": 1},
            "publisher": {"type": ["string", "number"], "minLength": 1},
            "url": {"type": "string", "pattern": "^https?://"},
            "version": {"type": ["string", "number"]},
            "note": {"type": "string"},
        }),
        "finding": _obj(["id", "kind", "label"], {
            "id": _ID,
            "kind": {"enum": ["symptom", "sign", "risk_factor", "vital_sign", "history"]},
            "label": _text(),
            "codes": {"type": "array", "items": _obj(["system", "code"], {
                "system": {"enum": ["SNOMED-CT", "ICPC-2", "ICD-10"]},
                "code": {"type": "string", "minLength": 1},
            })},
            "synonyms": _obj([], {
                "sv": {"type": "array", "items": {"type": "string"}},
                "en": {"type": "array", "items": {"type": "string"}},
            }),
        }),
        "option": _obj(["id", "label"], {"id": _ID, "label": _text()}),
        "question": {
            **_obj(["finding", "type", "text"], {
                "finding": _ID,
                "type": {"enum": ["yes_no", "single_choice", "multi_choice", "number", "duration"]},
                "text": _obj(["resident", "nurse"], {
                    "resident": _text(), "nurse": _text(),
                    # asked of a guardian about the child ("Har barnet …") and of someone about
                    # another adult ("Har personen …"); see content-format.md
                    "resident_child": _text(), "resident_other": _text()}),
                "help": _text(),
                "show_if": {"$ref": "#/$defs/condition"},
                "options": {"type": "array", "items": {"$ref": "#/$defs/option"}, "minItems": 2},
                "unit": {"type": "string"},
                "min": {"type": "number"},
                "max": {"type": "number"},
                "step": {"type": "number", "exclusiveMinimum": 0},
                "unknown_policy": {
                    "enum": ["ask_again_then_present", "absent", "ask_simpler"],
                    "description": "what a \"don't know\" answer means: ask once more and then "
                                   "count the finding as present for red-flag rules (the default "
                                   "for red flags); count it as absent; or ask the simpler "
                                   "question about the finding named in `simpler` instead"},
                "simpler": _ID,
                "compound_reason": {"type": "string", "minLength": 20,
                                    "description": "why a yes/no question naming several signs "
                                                   "is one finding (see content-format.md)"},
                "simpler_yes": {"type": "string", "minLength": 1,
                                "description": "choice question with a yes/no `simpler`: the "
                                               "option a yes to the simpler question means"},
            }),
            "allOf": [
                {"if": {"properties": {"type": {"enum": ["single_choice", "multi_choice"]}}},
                 "then": {"required": ["options"]}},
                {"if": {"properties": {"type": {"const": "number"}}},
                 "then": {"required": ["unit", "min", "max"]}},
                {"if": {"properties": {"type": {"const": "duration"}}},
                 "then": {"required": ["max"]}},
            ],
        },
        "rule": _obj(["id", "when", "urgency", "care_need", "reason", "sources"], {
            "id": _ID,
            "when": {"$ref": "#/$defs/condition"},
            "urgency": _URGENCY,
            "care_need": _CARE_NEED,
            "red_flag": {"type": "boolean"},
            "reason": _text(),
            "advice": _text(),
            "safety_net": _text(),
            "sources": {"$ref": "#/$defs/source_ids"},
            "child": {"$ref": "#/$defs/outcome_form"},
            "other": {"$ref": "#/$defs/outcome_form"},
            "also": {"$ref": "#/$defs/also"},
        }),
        "default": _obj(["urgency", "care_need", "reason", "sources"], {
            "urgency": _URGENCY,
            "care_need": _CARE_NEED,
            "reason": _text(),
            "advice": _text(),
            "safety_net": _text(),
            "sources": {"$ref": "#/$defs/source_ids"},
            "child": {"$ref": "#/$defs/outcome_form"},
            "other": {"$ref": "#/$defs/outcome_form"},
            "also": {"$ref": "#/$defs/also"},
        }),
        # a result's texts for a guardian (child) or for someone helping another adult (other)
        "outcome_form": _obj([], {"reason": _text(), "advice": _text(), "safety_net": _text()}),
        # advice and safety net added when the condition holds (fits only some of those covered)
        "also": {"type": "array", "items": _obj(["when"], {
            "when": {"$ref": "#/$defs/condition"}, "advice": _text(), "safety_net": _text()})},
        "vignette": _obj(["id", "protocols", "age", "sex", "answers", "expected"], {
            "id": {"type": "string", "minLength": 1},
            "protocols": {"type": "array", "items": _ID, "minItems": 1},
            "age": _AGE,
            "sex": _SEX,
            "pregnant": {"type": ["boolean", "null"]},
            "case": {"type": "string"},
            "answers": {"type": ["object", "null"], "additionalProperties": {
                "oneOf": [
                    {"type": ["string", "number", "boolean"]},
                    {"type": "array", "items": {"type": "string"}},
                ]}},
            "expected": _URGENCY,
            "why": {"type": "string"},
            "text": {"type": "string", "description": "what the person would type in their own words"},
            "author": {"type": "string", "description": "who wrote the vignette (independent sets)"},
            "source": {"type": "string", "description": "the public guidance the expected level rests on"},
        }),
        "phrasing": _obj(["text", "expected"], {
            "text": {"type": "string", "minLength": 1},
            "expected": _ID,
            "age": _AGE,
            "sex": _SEX,
            "lang": {"enum": ["sv", "en"]},
        }),
    }
    kinds: dict[str, Any] = {
        "manifest": _obj(["version", "review_state"], {
            "version": {"type": ["string", "number"]},
            "review_state": _REVIEW,
            "name": _text(),
        }),
        "sources": _obj(["sources"], {"sources": {"type": "array",
                                                  "items": {"$ref": "#/$defs/source"}}}),
        "findings": _obj(["findings"], {"findings": {"type": "array",
                                                     "items": {"$ref": "#/$defs/finding"}}}),
        "questions": _obj(["questions"], {"questions": {"type": "array",
                                                        "items": {"$ref": "#/$defs/question"}}}),
        "red_flags": _obj(["id", "version", "title", "questions", "rules"], {
            "id": _ID,
            "version": {"type": "integer", "minimum": 1},
            "review_state": _REVIEW,
            "title": _text(),
            "description": _text(),
            "questions": {"type": "array", "items": {"$ref": "#/$defs/question"}},
            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}, "minItems": 1},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        }),
        "modifiers": _obj(["modifiers"], {"modifiers": {"type": "array", "items": {
            **_obj(["id", "when", "applies_to", "reason", "sources"], {
                "id": _ID,
                "when": {"$ref": "#/$defs/condition"},
                "raise_by": {"type": "integer", "minimum": 1, "maximum": 4},
                "at_least": {"enum": ["P1", "P2", "P3", "P4"]},
                "cap": {"enum": ["P1", "P2", "P3", "P4"]},
                "applies_to": {"oneOf": [{"const": "all"},
                                         {"type": "array", "items": _ID, "minItems": 1}]},
                "reason": _text(),
                "sources": {"$ref": "#/$defs/source_ids"},
            }),
            "oneOf": [{"required": ["raise_by"]}, {"required": ["at_least"]}],
        }}}),
        "protocol": _obj(["id", "version", "review_state", "title", "search_terms",
                          "rules", "default"], {
            "id": _ID,
            "version": {"type": "integer", "minimum": 1},
            "review_state": _REVIEW,
            "title": _text(),
            "description": _text(),
            "family": _ID,
            "applies": _obj([], {
                "age_from": _AGE,
                "age_to": {"oneOf": [_AGE, {"type": "null"}]},
                "sex": {"type": "array", "items": _SEX, "minItems": 1, "uniqueItems": True},
            }),
            "search_terms": _obj(["sv", "en"], {
                "sv": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "en": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            }),
            "questions": {"type": "array", "items": {"$ref": "#/$defs/question"}},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"},
                         "description": "Optional protocol-local findings (merged into the "
                                        "shared dictionary; ids unique across all files)."},
            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
            "default": {"$ref": "#/$defs/default"},
            "self_care": _text(),
            "self_care_child": _text(),
            "self_care_other": _text(),
        }),
        "vignettes": _obj(["vignettes"], {"vignettes": {"type": "array",
                                                        "items": {"$ref": "#/$defs/vignette"}}}),
        "search": _obj(["phrasings"], {"phrasings": {"type": "array",
                                                     "items": {"$ref": "#/$defs/phrasing"}}}),
        "levels": _obj(["levels"], {"levels": {
            "type": "object",
            "propertyNames": _URGENCY,
            "additionalProperties": _obj(["advice", "safety_net", "sources"], {
                "advice": _text(), "safety_net": _text(),
                "child": _obj([], {"advice": _text(), "safety_net": _text()}),
                "other": _obj([], {"advice": _text(), "safety_net": _text()}),
                "sources": {"$ref": "#/$defs/source_ids"}})}}),
        "consistency": _obj(["differences"], {"differences": {"type": "array", "items": _obj(
            ["rules", "reason"], {
                "rules": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                "reason": {"type": "string", "minLength": 20}})}}),
        "risk_factors": _obj(["risk_factors"], {"risk_factors": {
            "type": "array", "items": _ID, "uniqueItems": True}}),
        "lexicon": _obj(["lexicon"], {"lexicon": {"type": "array", "items": _obj(
            ["finding"], {
                "finding": _ID,
                "sv": {"type": "array", "items": {"type": "string", "minLength": 2}},
                "en": {"type": "array", "items": {"type": "string", "minLength": 2}},
            })}}),
        "associations": _obj(["associations"], {
            "checklist": {**_ID, "description": "the multi_choice finding whose options are "
                          "findings: the \"Har du också …\" step asked after the screen"},
            "associations": {"type": "array", "items": _obj(
            ["when", "protocol", "why"], {
                "when": {"$ref": "#/$defs/condition"},
                "protocol": _ID,
                "implied": {"type": "boolean", "description": "picking the protocol means the "
                            "finding (a single yes/no finding) is answered yes"},
                "why": {"type": "string"},
            })}}),
    }
    for kind, sub in kinds.items():
        defs[f"{kind}_file"] = sub
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "vardlots clinical content",
        "description": "Schema for every file under content/ (see docs/triage/content-format.md). "
                       "Each file kind is a definition `<kind>_file`; the loader validates each "
                       "file against the definition for its place in the tree. Generated from "
                       "src/vardlots/triage/schema.py; do not edit by hand.",
        "anyOf": [{"$ref": f"#/$defs/{k}_file"} for k in FILE_KINDS],
        "$defs": defs,
    }


SCHEMA: Final = build_schema()


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def schema_for(kind: str) -> dict[str, Any]:
    """A self-contained schema for one file kind: the `<kind>_file` definition with every `$ref`
    inlined (same rules as the published schema; inlining makes validation several times faster)."""
    defs = SCHEMA["$defs"]
    return {"$schema": SCHEMA["$schema"], **_inline(defs[f"{kind}_file"], defs)}


def schema_json() -> str:
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"
