"""Connected in ``PersonnelConfig.ready``: every save of a user, an officer or an account, by
any path (admin, CSV import, requests, shell), keeps the flags right (personnel.services).
``QuerySet.update()`` sends no signal: the import saves users one by one."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from personnel import services


def user_before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance._personnel_before = None
        return
    instance._personnel_before = (
        sender.objects.filter(pk=instance.pk).values_list("is_active", "department_id").first()
    )


def user_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    before = getattr(instance, "_personnel_before", None)
    if raw or before is None:
        return
    instance._personnel_before = None
    was_active, was_department_id = before
    services.user_changed(instance, was_active=was_active, was_department_id=was_department_id)


def officer_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        services.refresh_account_on_commit(instance.account_id)


def account_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        services.refresh_account(instance.pk)


def connect() -> None:
    from accounts.models import Officer, OfficialAccount
    from organization.models import User

    pre_save.connect(user_before_save, sender=User, dispatch_uid="personnel-user-before")
    post_save.connect(user_saved, sender=User, dispatch_uid="personnel-user-saved")
    post_save.connect(officer_changed, sender=Officer, dispatch_uid="personnel-officer-saved")
    post_delete.connect(officer_changed, sender=Officer, dispatch_uid="personnel-officer-deleted")
    post_save.connect(account_saved, sender=OfficialAccount, dispatch_uid="personnel-account")
