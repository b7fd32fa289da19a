"""Small request helpers shared by the domain views."""

from __future__ import annotations

from django.http import Http404


def id_or_404(value: object) -> int:
    """A database id from a form or query value; anything that is not a positive whole number is a
    clear 404, never a server error."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 18:
        raise Http404
    return int(text)
