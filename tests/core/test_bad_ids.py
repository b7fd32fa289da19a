"""Non-numeric ids in forms are a clear 404, never a server error."""

from __future__ import annotations

import pytest
from django.http import Http404

from vardlots.core.http import id_or_404


@pytest.mark.parametrize("value", ["abc", "", None, "-1", "1.5", "1e3", "9" * 30, " ", "²", "１２", "٣"])
def test_anything_but_a_whole_number_is_404(value: object) -> None:
    with pytest.raises(Http404):
        id_or_404(value)


def test_a_whole_number_is_the_id() -> None:
    assert id_or_404("42") == 42
    assert id_or_404(7) == 7
