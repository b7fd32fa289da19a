"""Every log-in stage the views record fits the column (PostgreSQL enforces lengths; SQLite does not)."""

from __future__ import annotations

from vardlots.accounts.models import LoginAttempt


def test_every_recorded_stage_fits_the_column() -> None:
    field = LoginAttempt._meta.get_field("stage")
    for stage in ["password", "totp", "password_totp", "oidc"]:
        assert len(stage) <= field.max_length  # type: ignore[operator]
        assert stage in dict(field.choices)  # type: ignore[arg-type]
