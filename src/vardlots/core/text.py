"""Free text from outside, checked once at the edge (decision 0017).

Every text a person or a machine sends is refused when it holds a character no text field may
hold, and otherwise normalised to Unicode NFC:

- refused: control characters (Unicode category Cc: NUL, the other C0 controls, DEL, the C1
  controls) except tab, line feed and carriage return, and lone surrogates (category Cs, which
  cannot be encoded as UTF-8). PostgreSQL refuses NUL in text, so without this a NUL was a server
  error; the other controls have no meaning in anything we store or show.
- normalised: NFC, so the same visible text is the same string (search, duplicate checks, length
  limits count what people see).

Where it applies:

- ``clean_text(value)`` — the one function; raises ``UnsafeTextError``. The chat websocket and any
  other non-HTTP edge call it on each text they receive.
- ``TextInputMiddleware`` — every query string and every form body (``application/x-www-form-
  urlencoded`` and ``multipart/form-data``, not the files) of every request, after the CSRF check.
  A refusal is a 400 page in the person's language, or under ``/api/`` a 422 JSON error.
- ``InputSchema`` — the base of every django-ninja input schema: the same check on every string
  in a JSON body, as a validation error (422) at the field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import GetJsonSchemaHandler, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

ALLOWED_CONTROLS = frozenset("\t\n\r")
# What the OpenAPI description says of every text field (ECMA and Python regex alike); ``clean_text``
# enforces it. Lone surrogates, refused too, are left out: most regex engines cannot name them.
SAFE_TEXT_PATTERN = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
API_PREFIX = "/api/"
UNSAFE_KEY = "text.unsafe"


def _unsafe_message() -> str:
    return _("The text contains a character that cannot be saved (a control character). "
             "Remove it, or type the text again instead of pasting it, and send again.")


def unsafe_messages() -> dict[str, str]:
    """The refusal in Swedish and English (for the JSON API)."""
    out = {}
    for lang in ("sv", "en"):
        with translation.override(lang):
            out[lang] = _unsafe_message()
    return out


class UnsafeTextError(ValueError):
    """Text with a character no text field may hold. ``message`` is in the active language."""

    key = UNSAFE_KEY

    def __init__(self, position: int, char: str) -> None:
        self.position = position
        self.char = char
        super().__init__(f"control character U+{ord(char):04X} at position {position}")

    @property
    def message(self) -> str:
        return _unsafe_message()

    @property
    def messages(self) -> dict[str, str]:
        return unsafe_messages()


def first_unsafe(value: str) -> int | None:
    """Index of the first character no text field may hold, or None."""
    for index, char in enumerate(value):
        if char in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return index
    return None


def clean_text(value: str) -> str:
    """``value`` in NFC, or ``UnsafeTextError`` when it holds a control character or a lone surrogate."""
    index = first_unsafe(value)
    if index is not None:
        raise UnsafeTextError(index, value[index])
    return unicodedata.normalize("NFC", value)


def clean_value(value: Any) -> Any:
    """``clean_text`` applied to every string inside JSON-like data (lists, dicts, keys too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value


# Fields whose value is compared with a stored hash as typed: checked, never normalised.
_VERBATIM = ("password",)


def _clean_querydict(data: QueryDict, own: frozenset[str] = frozenset()) -> tuple[QueryDict, str | None]:
    """(cleaned copy, None) or (data, the first refused field's name). Fields in `own` are left
    as they are: the view checks them itself."""
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        if key in own:
            for value in values:
                cleaned.appendlist(key, value)
            continue
        try:
            name = clean_text(key)
            verbatim = any(word in name.lower() for word in _VERBATIM)
            for value in values:
                if verbatim:
                    index = first_unsafe(value)
                    if index is not None:
                        raise UnsafeTextError(index, value[index])
                    cleaned.appendlist(name, value)
                else:
                    cleaned.appendlist(name, clean_text(value))
        except UnsafeTextError:
            return data, key
    cleaned._mutable = False
    return cleaned, None


def refusal(request: HttpRequest, location: list[str]) -> HttpResponse:
    """The answer to text that was refused: JSON under the API, a page otherwise."""
    if request.path.startswith(API_PREFIX):
        messages = {"sv": "Förfrågan innehåller fel. Se 'fields'.", "en": "The request has errors. See 'fields'."}
        lang = "en" if (getattr(request, "LANGUAGE_CODE", "sv") or "sv").startswith("en") else "sv"
        body = {"key": "request.invalid", "message": messages[lang], "messages": messages,
                "fields": [{"location": location, "problem": unsafe_messages()[lang], "key": UNSAFE_KEY}]}
        return JsonResponse({"error": body}, status=422)
    context = {"status": 400, "title": _("The text could not be sent"), "text": _unsafe_message()}
    return render(request, "core/error.html", context, status=400)


def checks_own_text(*fields: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a view that checks the text of these form fields itself and answers a refusal in
    place, keeping what the person wrote (the chat's message box): the middleware leaves those
    fields to it and checks every other field and the query string as usual."""
    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.checks_own_text = frozenset(fields)  # type: ignore[attr-defined]
        return view

    return mark


class TextInputMiddleware:
    """Checks and normalises every query string and form body (see the module docstring).

    Runs in ``process_view`` so that CSRF has been checked first. Bodies under ``/api/`` are JSON
    read by django-ninja (``InputSchema``); the telephony API's body must stay byte for byte what
    was signed, so no body under ``/api/`` is touched here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any,
                     kwargs: Any) -> HttpResponse | None:
        cleaned, refused = _clean_querydict(request.GET)
        if refused is not None:
            return refusal(request, ["query", refused])
        request.GET = cleaned  # type: ignore[assignment]  # immutable, as Django's own
        if request.method == "POST" and not request.path.startswith(API_PREFIX):
            content_type = request.content_type or ""
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                own: frozenset[str] = getattr(view, "checks_own_text", frozenset())
                cleaned, refused = _clean_querydict(request.POST, own)
                if refused is not None:
                    return refusal(request, ["form", refused])
                request.POST = cleaned  # type: ignore[assignment]
        return None


class InputSchema(Schema):
    """Base of every API input schema: each string checked and NFC-normalised before the field's
    own constraints (so a maximum length counts the normalised text)."""

    @field_validator("*", mode="before")
    @classmethod
    def _clean_strings(cls, value: Any) -> Any:
        try:
            return clean_value(value)
        except UnsafeTextError as error:
            # The error handler of the API (vardlots.api) turns this type into the key and messages.
            raise PydanticCustomError(UNSAFE_KEY.replace(".", "_"), str(error)) from None

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        resolved = handler.resolve_ref_schema(json_schema)
        for prop in resolved.get("properties", {}).values():
            declare_safe_text(prop)
        return json_schema


def declare_safe_text(schema: dict[str, Any]) -> None:
    """Add ``SAFE_TEXT_PATTERN`` to every free-text string in a JSON schema (not to enums, formats)."""
    if schema.get("type") == "string" and not ({"format", "enum", "const", "pattern"} & schema.keys()):
        schema["pattern"] = SAFE_TEXT_PATTERN
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            declare_safe_text(option)
    if isinstance(schema.get("items"), dict):
        declare_safe_text(schema["items"])
