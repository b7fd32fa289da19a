"""The clinical content the service triages with, loaded once per process.

The engine is pure; this module is the one place where the Django side reads ``content/``. A
process serves exactly one content version, recorded on every session and case.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from vardlots.triage.loader import load_content
from vardlots.triage.model import ContentSet
from vardlots.triage.search import ProtocolSearch, search_index


@lru_cache(maxsize=1)
def get_content() -> ContentSet:
    return load_content(settings.CONTENT_DIR)


@lru_cache(maxsize=1)
def get_search() -> ProtocolSearch:
    return search_index(get_content())
