"""The chat's text check for message bodies (websocket frames and the HTTP fallback).

The rule is the one every form and API field follows (`vardlots.core.text`): no NUL (PostgreSQL
cannot store it), no control characters but tab and line breaks, no lone surrogates (JSON
``"\\ud800"`` decodes to one; it is not valid UTF-8). Only the message shown is the chat's own.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from vardlots.core.text import first_unsafe


def frame_text_problem(text: str) -> str | None:
    """``None`` if ``text`` may be stored, else a translated reason."""
    if first_unsafe(text) is None:
        return None
    return _("The message contains characters that cannot be sent (for example a NUL or control "
             "character). Remove them and send again.")
