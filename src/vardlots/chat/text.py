"""The chat's own minimal text check for message bodies (websocket frames and the HTTP fallback).

Kept in the chat app until a shared text validator exists for every form; then this is the one
place to replace. No NUL (PostgreSQL cannot store it), no control characters but tab and line
breaks, no lone surrogates (JSON ``"\\ud800"`` decodes to one; it is not valid UTF-8).
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def frame_text_problem(text: str) -> str | None:
    """The chat frame text check: ``None`` if ``text`` may be stored, else a translated reason.

    Refuses NUL (PostgreSQL cannot store it) and the other control characters except tab and line
    breaks, and lone surrogates (JSON ``"\\ud800"`` decodes to one; it is not valid UTF-8)."""
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in _ALLOWED_CONTROLS) or category == "Cs":
            return _("The message contains characters that cannot be sent (for example a NUL or control "
                     "character). Remove them and send again.")
    return None
