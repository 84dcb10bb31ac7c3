"""Keep the folded search text in step when a department or service is renamed."""

from django.db.models.signals import post_save

from organization.models import Department, descendant_ids


def _refresh(accounts) -> None:
    from accounts.models import OfficialAccount

    batch = list(accounts.select_related("service", "department__parent__parent"))
    for account in batch:
        account.search_text = account.build_search_text()
    OfficialAccount.objects.bulk_update(batch, ["search_text"], batch_size=1000)


def department_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from accounts.models import OfficialAccount

    _refresh(OfficialAccount.objects.filter(department_id__in=descendant_ids(instance.pk)))


def service_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    _refresh(instance.officialaccount_set.all())


def connect() -> None:
    from accounts.models import Service

    post_save.connect(department_saved, sender=Department, dispatch_uid="search-department")
    post_save.connect(service_saved, sender=Service, dispatch_uid="search-service")
