"""Reads of the reviews app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from organization.models import User


def dashboard_panel(user: User) -> dict[str, Any]:
    """This app's part of the staff dashboard (templates/staff/dashboard/_reviews.html)."""
    return {}
