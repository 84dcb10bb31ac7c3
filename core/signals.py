"""Anything citizens see changed → public pages are stale (core/cache.py)."""

from django.db.models.signals import post_delete, post_save

from core.cache import bump

PUBLIC_MODELS = (
    "accounts.OfficialAccount",
    "accounts.Service",
    "organization.Department",
    "policies.OperationPolicy",
    "impersonation.KnownImpersonation",
)


def _bump(sender, **kwargs):
    if kwargs.get("raw"):
        return  # loaddata
    bump()


def connect() -> None:
    from django.apps import apps

    for label in PUBLIC_MODELS:
        model = apps.get_model(label)
        post_save.connect(_bump, sender=model, dispatch_uid=f"public-bump-{label}-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"public-bump-{label}-delete")
