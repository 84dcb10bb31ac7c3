"""Anything citizens see changed → public pages are stale (core/cache.py).

``core`` knows no domain app (ADR 0013): each app says, in its ``AppConfig.ready``, which of
its models citizens see (``watch_public``).
"""

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from core.cache import bump


def _bump(sender, **kwargs):
    if kwargs.get("raw"):
        return  # loaddata
    bump()


def watch_public(*models: type[Model]) -> None:
    """Every save or delete of these models makes the public pages stale."""
    for model in models:
        label = model._meta.label
        post_save.connect(_bump, sender=model, dispatch_uid=f"public-bump-{label}-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"public-bump-{label}-delete")
