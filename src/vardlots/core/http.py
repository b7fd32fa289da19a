"""Small request helpers shared by the domain views."""

from __future__ import annotations

from django.http import Http404


def is_whole_number(value: str) -> bool:
    """ASCII digits only (``"²".isdigit()`` is true, but ``int("²")`` fails), at most 18 of them."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def id_or_404(value: object) -> int:
    """A database id from a form or query value; anything that is not a positive whole number is a
    clear 404, never a server error."""
    text = str(value or "").strip()
    if not is_whole_number(text):
        raise Http404
    return int(text)
